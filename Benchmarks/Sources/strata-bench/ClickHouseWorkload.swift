import Foundation
import Strata
import StrataClickHouse
import StrataTiers
import StrataWorkload

/// CLICKHOUSE (issue 12): the standard workload's trades (`--clickhouse-rows`, 100 symbols)
/// ingested into ClickHouse through Strata's tier (`ClickHouseTier.apply`, as the replicator
/// calls it: log entries of 10,000 rows, `--clickhouse-batch` rows per call, RowBinary, the
/// ledger) against `clickhouse-client --query "INSERT … FORMAT TSV"` of the same rows into the
/// same table layout, in the same run: once into the trades table with its five bar views, once
/// into the table alone. Strata's time includes encoding the rows; the peer's TSV file is written
/// before its clock starts. Only with `--only CLICKHOUSE`.
struct ClickHouseWorkload {
    let report: Report
    let directory: String

    func run(options: Options) async throws {
        let rows = options.clickhouseRows
        report.section(
            "CLICKHOUSE: ingest of \(formatCount(rows)) trades through the tier vs clickhouse-client TSV, same server (\(options.clickhouseURL))"
        )
        try makeEmptyDirectory(directory)
        guard FileManager.default.isExecutableFile(atPath: options.clickhouseClient) else {
            report.skip("CLICKHOUSE", reason: "no clickhouse-client at \(options.clickhouseClient)")
            return
        }
        var entries: [LogEntry] = []
        var tsv = ""
        var position: UInt64 = 0
        for batch in SyntheticTrades(configuration: .init(rows: rows, seed: options.seed)).batches(of: 10_000) {
            position += 1
            entries.append(Self.entry(position, batch))
            for trade in batch {
                tsv +=
                    "\(trade.timestamp.nanoseconds)\t\(trade.symbol.name)\t\(trade.tradeID)\t\(Self.decimal(trade.price.mantissa))\t\(Self.decimal(trade.quantity.mantissa))\t\(trade.isBuyerMaker ? 1 : 0)\t\(position)\n"
            }
        }
        let tsvPath = directory + "/trades.tsv"
        try tsv.write(toFile: tsvPath, atomically: false, encoding: .utf8)
        tsv = ""
        for (variant, timeframes) in [("views", Timeframe.standard), ("table", [])] {
            let label = variant == "views" ? "trades + 5 bar views" : "trades table only"
            let ours = try await throughTier(entries, options: options, variant: variant, timeframes: timeframes)
            let peer = try await throughClient(tsvPath, options: options, variant: variant, timeframes: timeframes)
            let oursRate = Double(rows) / (Double(ours) / 1e9)
            let peerRate = Double(rows) / (Double(peer) / 1e9)
            report.add("CLICKHOUSE ingest, \(label) (Strata's tier)", formatRate(oursRate))
            report.add("CLICKHOUSE ingest, \(label) (clickhouse-client TSV)", formatRate(peerRate))
            report.add("CLICKHOUSE ingest, \(label): tier ÷ clickhouse-client", fixed(oursRate / peerRate, 2) + "×")
        }
    }

    private func configuration(_ options: Options, database: String) throws -> ClickHouseConfiguration {
        var configuration = try ClickHouseConfiguration(url: options.clickhouseURL)
        configuration.database = database
        configuration.queryTimeout = .seconds(600)
        return configuration
    }

    /// The tier's apply calls, timed from the first to the last; checked for every row once.
    private func throughTier(_ entries: [LogEntry], options: Options, variant: String, timeframes: [Timeframe])
        async throws -> Int64
    {
        let client = ClickHouseClient(
            configuration: try configuration(options, database: "strata_bench_\(variant)_tier"))
        try await client.dropDatabase()
        let tier = ClickHouseTier(client: client, configuration: .init(tables: [.trades], barTimeframes: timeframes))
        try await tier.prepare()
        let rowsPerEntry = max(1, entries.first?.batch.count ?? 1)
        let perCall = max(1, options.clickhouseBatch / rowsPerEntry)
        let begin = monotonicNanoseconds()
        for start in stride(from: 0, to: entries.count, by: perCall) {
            try await tier.apply(table: "trades", entries: Array(entries[start..<min(entries.count, start + perCall)]))
        }
        let elapsed = monotonicNanoseconds() - begin
        try await check(client, rows: options.clickhouseRows, views: !timeframes.isEmpty, who: "the tier")
        try await client.dropDatabase()
        try await client.shutdown()
        return elapsed
    }

    /// `clickhouse-client … < trades.tsv` into a database with the same layout, timed.
    private func throughClient(_ path: String, options: Options, variant: String, timeframes: [Timeframe])
        async throws -> Int64
    {
        let database = "strata_bench_\(variant)_peer"
        let client = ClickHouseClient(configuration: try configuration(options, database: database))
        try await client.dropDatabase()
        try await ClickHouseTier(client: client, configuration: .init(tables: [.trades], barTimeframes: timeframes))
            .prepare()
        let layout = ClickHouseTableLayout(schema: .trades, version: try await client.version())
        let host = try ClickHouseConfiguration(url: options.clickhouseURL).host
        let process = Process()
        process.executableURL = URL(fileURLWithPath: options.clickhouseClient)
        process.arguments = [
            "--host", host, "--port", String(options.clickhousePort), "--query",
            "INSERT INTO \(layout.qualifiedName(database: database)) (\(layout.insertColumns)) FORMAT TSV",
        ]
        process.standardInput = try FileHandle(forReadingFrom: URL(fileURLWithPath: path))
        let errors = Pipe()
        process.standardError = errors
        let begin = monotonicNanoseconds()
        try process.run()
        process.waitUntilExit()
        let elapsed = monotonicNanoseconds() - begin
        guard process.terminationStatus == 0 else {
            let text = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            throw BenchError("clickhouse-client failed (exit \(process.terminationStatus)): \(text.suffix(400))")
        }
        try await check(client, rows: options.clickhouseRows, views: !timeframes.isEmpty, who: "clickhouse-client")
        try await client.dropDatabase()
        try await client.shutdown()
        return elapsed
    }

    private func check(_ client: ClickHouseClient, rows: Int, views: Bool, who: String) async throws {
        let stored = try await client.rows("SELECT count() FROM trades").first?.first
        if stored != String(rows) { report.fail("CLICKHOUSE: \(who) stored \(stored ?? "?") rows of \(rows)") }
        if views {
            let counted = try await client.rows("SELECT countMerge(trades) FROM trades_bars_1m").first?.first
            if counted != String(rows) { report.fail("CLICKHOUSE: \(who)'s 1m bars count \(counted ?? "?") trades") }
        }
    }

    static func entry(_ position: UInt64, _ trades: [Trade]) -> LogEntry {
        var index: [String: UInt32] = [:]
        var batch = ColumnBatch(columnCount: 5, capacity: trades.count)
        for trade in trades {
            let symbol = trade.symbol.name
            let slot =
                index[symbol]
                ?? {
                    let slot = UInt32(batch.symbols.count)
                    batch.symbols.append(symbol)
                    index[symbol] = slot
                    return slot
                }()
            batch.symbolIndex.append(slot)
            batch.columns[0].append(trade.timestamp.nanoseconds)
            batch.columns[1].append(trade.tradeID)
            batch.columns[2].append(trade.price.mantissa)
            batch.columns[3].append(trade.quantity.mantissa)
            batch.columns[4].append(trade.isBuyerMaker ? 1 : 0)
        }
        return LogEntry(position: position, committedAt: 0, batch: batch)
    }

    static func decimal(_ mantissa: Int64) -> String {
        let digits = String(mantissa.magnitude)
        let padded = String(repeating: "0", count: max(0, 9 - digits.count)) + digits
        return (mantissa < 0 ? "-" : "") + padded.dropLast(8) + "." + padded.suffix(8)
    }
}
