import Foundation
import Strata
import StrataPostgres
import StrataWorkload

/// PG (issue 10): batch ingest of `--pg-rows` trades (1 M by default) into PostgreSQL through
/// `PostgresBackend` (one transaction per 100 k-row batch; SyntheticTrades' growing ids take the
/// fast path, COPY straight into the day-partitioned, keyed table — a batch that could hold a
/// stored key goes through a staging table and INSERT … SELECT … WHERE NOT EXISTS) against `psql \copy` of the
/// same rows into a table of the same columns, unique key and index (`LIKE … INCLUDING ALL`, not
/// partitioned: the peer routes no rows and checks no duplicates beyond the constraint). Then
/// latest-100 and a 1-hour range of the busiest symbol, p50 of 200, through the backend's pool
/// against the same statements in one `psql` session (`\timing`). Runs only when named (it needs
/// a server: `--postgres-url`, default $STRATA_TEST_POSTGRES_URL or the tests' 127.0.0.1:5433).
struct PostgresWorkload {
    let report: Report
    let directory: String

    func run(options: Options) throws {
        let rows = options.pgRows
        report.section("PG: \(formatCount(rows)) trades into PostgreSQL, PostgresBackend (COPY) vs psql \\copy")
        try makeEmptyDirectory(directory)
        var configuration = try PostgresConfiguration(url: options.postgresURL)
        configuration.schema = "bench_\(UInt32.random(in: 0...UInt32.max))"
        configuration.operationTimeout = .seconds(600)
        let backend = try PostgresBackend(configuration: configuration)
        defer { try? backend.close() }
        let table = try backend.openTable(.trades, options: TableOptions(absentValues: false))

        let trades = SyntheticTrades(configuration: .init(rows: rows, seed: options.seed))
        let batches = trades.batches(of: 100_000).map { Trade.encode(Array($0)) }
        let begin = monotonicNanoseconds()
        var stored = 0
        for batch in batches { stored += try table.append(batch).stored }
        let ingest = monotonicNanoseconds() - begin
        let strataRate = Double(stored) / (Double(ingest) / 1e9)
        report.line(
            "PostgresBackend: \(formatCount(stored)) rows in \(formatDuration(ingest)) in \(batches.count) batches")
        report.add(
            "PG ingest, COPY + upsert", "\(formatCount(Int(strataRate))) rows/s", target: "≥ 300k rows/s",
            pass: strataRate >= 300_000)
        if stored != rows { report.fail("PG: \(stored) rows stored of \(rows) (SyntheticTrades ids are unique)") }

        let psql = options.psql
        guard FileManager.default.isExecutableFile(atPath: psql) else {
            report.skip("PG ingest vs psql \\copy", reason: "no psql at \(psql) (--psql)")
            return
        }
        // The same rows as COPY text, the same columns, for the peer.
        let file = directory + "/trades.copy"
        _ = FileManager.default.createFile(atPath: file, contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: file))
        var sequence = 0
        for batch in batches {
            var text = ""
            text.reserveCapacity(batch.count * 80)
            for row in 0..<batch.count {
                sequence += 1
                let price = batch.columns[2][row]
                let qty = batch.columns[3][row]
                text +=
                    "\(batch.columns[0][row])\t\(batch.symbols[Int(batch.symbolIndex[row])])\t\(batch.columns[1][row])\t"
                text +=
                    "\(Self.decimal(price, 8))\t\(Self.decimal(qty, 8))\t\(batch.columns[4][row] != 0 ? "t" : "f")\t\(sequence)\n"
            }
            try handle.write(contentsOf: Data(text.utf8))
        }
        try handle.close()
        let url =
            "postgres://\(configuration.user):\(configuration.password ?? "")@\(configuration.host):\(configuration.port)/\(configuration.database)"
        let schema = configuration.schema
        let create = AsofWorkload.run([
            psql, url, "-v", "ON_ERROR_STOP=1", "-qc",
            "CREATE TABLE \"\(schema)\".peer (LIKE \"\(schema)\".trades INCLUDING ALL)",
        ])
        guard create.0 == 0 else {
            report.fail("PG: psql could not create the peer table: \(create.1)")
            return
        }
        let copyBegin = monotonicNanoseconds()
        let copy = AsofWorkload.run([
            psql, url, "-v", "ON_ERROR_STOP=1", "-qc",
            "\\copy \"\(schema)\".peer (ts_ns, symbol, trade_id, price, qty, is_buyer_maker, \"_strata_seq\") FROM '\(file)'",
        ])
        let copyTime = monotonicNanoseconds() - copyBegin
        guard copy.0 == 0 else {
            report.fail("PG: psql \\copy failed: \(copy.1)")
            return
        }
        let psqlRate = Double(rows) / (Double(copyTime) / 1e9)
        report.line("psql \\copy: \(formatCount(rows)) rows in \(formatDuration(copyTime)) (one COPY, one transaction)")
        report.add("PG ingest, psql \\copy (peer)", "\(formatCount(Int(psqlRate))) rows/s")
        report.add("PG ingest ratio (backend ÷ psql)", fixed(strataRate / psqlRate, 2))

        // Queries: the busiest symbol's latest 100, and one hour of it.
        let symbol = SyntheticTrades.symbol(rank: 0).description
        let from = trades.configuration.day.nanoseconds + 10 * 3_600_000_000_000
        let to = from + 3_600_000_000_000
        var latest: [Int64] = []
        var ranges: [Int64] = []
        var rangeRows = 0
        for _ in 0..<200 {
            var start = monotonicNanoseconds()
            _ = try table.latest(symbol: symbol, limit: 100)
            latest.append(monotonicNanoseconds() - start)
            start = monotonicNanoseconds()
            rangeRows = try table.range(symbol: symbol, from: from, to: to, limit: .max).count
            ranges.append(monotonicNanoseconds() - start)
        }
        let latestP50 = latest.sorted()[latest.count / 2]
        let rangeP50 = ranges.sorted()[ranges.count / 2]
        report.add("PG latest-100 p50 (backend)", formatDuration(latestP50))
        report.add("PG 1-hour range p50 (backend, \(formatCount(rangeRows)) rows)", formatDuration(rangeP50))
        let columns = "ts_ns, symbol, trade_id, (price * 1e8)::bigint, (qty * 1e8)::bigint, is_buyer_maker"
        var script = "\\timing on\n"
        for _ in 0..<200 {
            script +=
                "SELECT \(columns) FROM \"\(schema)\".trades WHERE symbol = '\(symbol)' ORDER BY ts_ns DESC, \"_strata_seq\" DESC LIMIT 100;\n"
            script +=
                "SELECT \(columns) FROM \"\(schema)\".trades WHERE symbol = '\(symbol)' AND ts_ns >= \(from) AND ts_ns < \(to) ORDER BY ts_ns, \"_strata_seq\";\n"
        }
        let scriptPath = directory + "/queries.sql"
        _ = FileManager.default.createFile(atPath: scriptPath, contents: Data(script.utf8))
        let timed = AsofWorkload.run([psql, url, "-q", "-o", "/dev/null", "-f", scriptPath])
        let times = timed.1.split(separator: "\n").compactMap { line -> Double? in
            guard line.hasPrefix("Time: ") else { return nil }
            return Double(line.dropFirst(6).split(separator: " ").first ?? "")
        }
        if times.count == 400 {
            let peerLatest = Int64(stride(from: 0, to: 400, by: 2).map { times[$0] }.sorted()[100] * 1e6)
            let peerRange = Int64(stride(from: 1, to: 400, by: 2).map { times[$0] }.sorted()[100] * 1e6)
            report.add("PG latest-100 p50 (psql)", formatDuration(peerLatest))
            report.add("PG 1-hour range p50 (psql)", formatDuration(peerRange))
        } else {
            report.fail("PG: psql timed \(times.count) of 400 queries: \(timed.1.suffix(300))")
        }
        _ = AsofWorkload.run([psql, url, "-qc", "DROP SCHEMA \"\(schema)\" CASCADE"])
    }

    static func decimal(_ mantissa: Int64, _ scale: Int) -> String {
        let digits = String(mantissa.magnitude)
        let padded = String(repeating: "0", count: max(0, scale + 1 - digits.count)) + digits
        return (mantissa < 0 ? "-" : "") + padded.dropLast(scale) + "." + padded.suffix(scale)
    }
}
