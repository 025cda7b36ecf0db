import Foundation
import Strata

/// ASOF (issue 13): `--asof-rows` trades (3 M by default) of one symbol joined to as many quotes,
/// each trade with the last quote at or before it: Strata's streaming join
/// (`trades.asofJoin(quotes, …)`, page by page from the sealed day) against DuckDB's
/// `ASOF LEFT JOIN` (the Python environment's `duckdb`, `--python`) on the same rows in the same
/// run, DuckDB's tables loaded first and its join materialised into a table. Only the join is
/// timed on each side, median of three. Both results are checked: the same row count, matched
/// rows and exact sum of the matched bids.
struct AsofWorkload {
    let report: Report
    let directory: String

    static let start: Int64 = 1_704_186_000_000_000_000  // 2024-01-02T09:00:00Z
    static let symbol: Symbol = "SYM000"
    /// Quotes come every `step` ns (at a jitter below it: strictly increasing times), trades at a
    /// multiple of 50 µs in the same step, so some trades land on their quote's very time.
    static let step: Int64 = 200_000

    func run(options: Options) async throws {
        let rows = options.asofRows
        report.section(
            "ASOF: \(formatCount(rows)) trades joined to \(formatCount(rows)) quotes of one symbol, Strata vs DuckDB ASOF JOIN"
        )
        try makeEmptyDirectory(directory)
        let store = try StrataStore.open(
            directory: directory + "/store",
            configuration: .init(
                durability: .osBuffered, validation: ValidationRules(window: .fixed(earliest: .min, latest: .max)),
                aggregates: false, maintenanceInterval: nil))
        defer { try? store.close() }
        try await Self.write(rows, store: store, directory: directory)
        _ = store.compact(now: .max)
        let from = Timestamp(nanoseconds: Self.start)
        let to = Timestamp(nanoseconds: Self.start + Int64(rows + 1) * Self.step)

        var times: [Int64] = []
        var result = (rows: 0, matched: 0, bids: Int128(0))
        for _ in 0..<3 {
            let begin = monotonicNanoseconds()
            var pages = try store.trades.asofJoin(store.quotes, symbol: Self.symbol, from: from, to: to)
            var counted = (rows: 0, matched: 0, bids: Int128(0))
            while let batch = try pages.next() {
                counted.rows += batch.count
                counted.matched += batch.count - (batch["quotes_ts"]?.absentCount ?? 0)
                if case .levels(let bids)? = batch["quotes_bids"]?.values {
                    for price in bids.prices { counted.bids += Int128(price) }
                }
            }
            times.append(monotonicNanoseconds() - begin)
            result = counted
        }
        let strata = times.sorted()[1]
        report.line(
            "Strata: \(formatDuration(strata)) (median of 3: \(times.map(formatDuration).joined(separator: ", "))), \(formatCount(Int(Double(rows) / (Double(strata) / 1e9)))) trades/s, one thread, one page of each side in memory"
        )
        if result.rows != rows { report.fail("ASOF: Strata joined \(result.rows) trades, \(rows) stored") }

        let python = absolutePath(options.python)
        guard FileManager.default.isExecutableFile(atPath: python) else {
            report.skip("ASOF join: Strata vs DuckDB", reason: "no Python at \(options.python) (--python)")
            return
        }
        let script = absolutePath("peers/asof_duckdb.py")
        let (status, output) = Self.run([python, script, directory, "3"])
        guard status == 0, let line = output.split(separator: "\n").last,
            let answer = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
            let seconds = answer["seconds"] as? [Double]
        else {
            report.fail("ASOF: DuckDB failed (exit \(status)): \(output.suffix(500))")
            return
        }
        let duckdb = Int64(seconds.sorted()[1] * 1e9)
        report.line(
            "DuckDB \(answer["duckdb"] ?? "?") (\(answer["threads"] ?? "?") threads): \(formatDuration(duckdb)) (median of 3: \(seconds.map { formatDuration(Int64($0 * 1e9)) }.joined(separator: ", "))), join materialised into a table"
        )
        let bids = ExactDecimal.format(result.bids, scale: Price.scale)
        if answer["rows"] as? Int != result.rows || answer["matched"] as? Int != result.matched
            || (answer["bids"] as? String).map({ Self.sameDecimal($0, bids) }) != true
        {
            report.fail(
                "ASOF: DuckDB \(answer["rows"] ?? "?") rows, \(answer["matched"] ?? "?") matched, bids \(answer["bids"] ?? "?"); Strata \(result.rows), \(result.matched), \(bids)"
            )
        } else {
            report.line(
                "both: \(formatCount(result.rows)) trades, \(formatCount(result.matched)) with a quote, Σ bid \(bids)")
        }
        report.add(
            "ASOF join: Strata vs DuckDB",
            "\(formatDuration(strata)) vs \(formatDuration(duckdb)) (\(fixed(Double(duckdb) / Double(strata), 2))×)")
    }

    /// Whether two decimal texts are the same number (DuckDB keeps trailing zeros).
    static func sameDecimal(_ a: String, _ b: String) -> Bool {
        func trimmed(_ text: String) -> String {
            guard text.contains(".") else { return text }
            var text = text
            while text.hasSuffix("0") { text.removeLast() }
            if text.hasSuffix(".") { text.removeLast() }
            return text
        }
        return trimmed(a) == trimmed(b)
    }

    /// `count` trades and as many quotes into `store`, and the same rows as CSV for DuckDB.
    static func write(_ count: Int, store: StrataStore, directory: String) async throws {
        var random = RecordsWorkloads.Random(state: 0xA50F)
        let trades = try CSVFile(directory + "/trades.csv", header: "ts,symbol,trade_id,price,qty")
        let quotes = try CSVFile(directory + "/quotes.csv", header: "ts,symbol,bid,bid_size,ask,ask_size")
        let chunk = 100_000
        for offset in stride(from: 0, to: count, by: chunk) {
            var tradeRows: [Trade] = []
            var quoteRows: [Quote] = []
            var tradeText = ""
            var quoteText = ""
            for index in offset..<min(count, offset + chunk) {
                let slot = start + Int64(index) * step
                let quoteTime = slot + Int64(random.roll(4)) * 50_000
                let tradeTime = slot + Int64(random.roll(4)) * 50_000
                let bid = Price(mantissa: 4_200_000_000_000 + Int64(random.roll(1_000_000_000)))
                let ask = Price(mantissa: bid.mantissa + 1_000_000 + Int64(random.roll(100_000_000)))
                let bidSize = Quantity(mantissa: Int64(1 + random.roll(500_000_000)))
                let askSize = Quantity(mantissa: Int64(1 + random.roll(500_000_000)))
                quoteRows.append(
                    Quote(
                        symbol: symbol, timestamp: Timestamp(nanoseconds: quoteTime),
                        bids: [DepthLevel(price: bid, size: bidSize)], asks: [DepthLevel(price: ask, size: askSize)]))
                quoteText += "\(quoteTime),\(symbol.name),\(bid),\(bidSize),\(ask),\(askSize)\n"
                let price = Price(mantissa: bid.mantissa + Int64(random.roll(1_000_000)))
                let quantity = Quantity(mantissa: Int64(1 + random.roll(500_000_000)))
                tradeRows.append(
                    Trade(
                        symbol: symbol, timestamp: Timestamp(nanoseconds: tradeTime), tradeID: Int64(index + 1),
                        price: price, quantity: quantity, isBuyerMaker: index % 2 == 0))
                tradeText += "\(tradeTime),\(symbol.name),\(index + 1),\(price),\(quantity)\n"
            }
            try await store.trades.append(tradeRows)
            try await store.quotes.append(quoteRows)
            try trades.write(tradeText)
            try quotes.write(quoteText)
        }
        trades.close()
        quotes.close()
    }

    /// A text file written in pieces.
    final class CSVFile {
        let handle: FileHandle

        init(_ path: String, header: String) throws {
            FileManager.default.createFile(atPath: path, contents: nil)
            handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
            try write(header + "\n")
        }

        func write(_ text: String) throws { try handle.write(contentsOf: Data(text.utf8)) }
        func close() { try? handle.close() }
    }

    /// Runs a command to its end; its exit status and output.
    static func run(_ arguments: [String]) -> (Int32, String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: arguments[0])
        process.arguments = Array(arguments.dropFirst())
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        do {
            try process.run()
        } catch {
            return (-1, "cannot run \(arguments[0]): \(error)")
        }
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: output, as: UTF8.self))
    }
}
