import Strata
import StrataImport

/// Fuzzes the CSV reader (trades, aggregated trades and quotes layouts, and the schema-derived
/// layout of a user-defined table) with untrusted bytes.
///
/// The input is written to a file, repeated past 5,000 bytes when it is short so that lines straddle
/// the reader's 4 KiB chunks at input-dependent places. Properties:
/// - reading never traps and never throws (bad rows become rejections), but for a header that
///   does not fit the table, refused the same way at every chunk size;
/// - every data row is a record or a rejection (``CSVReader/rowsRead``), line numbers ascend;
/// - the result does not depend on the chunk size (4 KiB vs 64 KiB reads);
/// - a record written back in the layout (`line(for:)`) reads again as the same record.
public enum CSVHarness {
    static let name = "csv"

    public static func fuzzOne(_ bytes: UnsafeRawBufferPointer) throws(FuzzFailure) {
        var content = Array(bytes)
        if !content.isEmpty && content.count < 5_000 {
            let copies = (5_000 + content.count - 1) / content.count
            content = Array([[UInt8]](repeating: content, count: copies).joined())
        }
        let directory = FuzzFiles.freshDirectory("csv")
        defer { FuzzFiles.removeTree(directory) }
        let path = directory + "/input.csv"
        do {
            try FuzzFiles.write(content, to: path)
        } catch {
            throw FuzzFailure(harness: name, message: "cannot write \(path): \(error)")
        }
        // A validation window that admits every timestamp, so that decoding is what is tested.
        let rules = ValidationRules(window: .fixed(earliest: .min, latest: .max))
        try run(TradeCSVFormat(), path: path, rules: rules)
        // `transact_time`'s unit is told by its magnitude (below 10^15 ms, below 10^18 µs): only
        // times from 2001-09-09 on (10^18 ns) are unambiguous, hence this window.
        let binance = ValidationRules(
            window: .fixed(earliest: Timestamp(nanoseconds: 1_000_000_000_000_000_000), latest: .max))
        try run(AggregatedTradeCSVFormat(symbol: nil), path: path, rules: binance)
        try run(AggregatedTradeCSVFormat(symbol: "BTCUSDT"), path: path, rules: binance)
        try run(QuoteCSVFormat(), path: path, rules: rules)
        try run(SchemaCSVFormat(schema: userTable), path: path, rules: rules)
    }

    /// A user-defined table for the schema-derived layout: the trades columns (so that the trades
    /// seeds map onto it), an alias, and optional text and float columns.
    static let userTable: RecordSchema = {
        do {
            return try RecordSchema(
                name: "fuzzed",
                columns: [
                    SchemaColumn("ts_ns", .timestamp), SchemaColumn("symbol", .symbol),
                    SchemaColumn("trade_id", .int64),
                    SchemaColumn("price", .decimal(scale: 8)),
                    SchemaColumn("qty", .decimal(scale: 8), aliases: ["quantity"]),
                    SchemaColumn("is_buyer_maker", .bool),
                    SchemaColumn("headline", .text, rules: ColumnRules(required: false)),
                    SchemaColumn("score", .float64, rules: ColumnRules(required: false)),
                    SchemaColumn("level", .int8, rules: ColumnRules(required: false)),
                ],
                timestamp: "ts_ns")
        } catch {
            preconditionFailure("\(error)")
        }
    }()

    static func run<Format: CSVRecordFormat>(_ format: Format, path: String, rules: ValidationRules)
        throws(FuzzFailure) where Format.Record: Equatable
    {
        let small: CSVBatch<Format.Record>
        let large: CSVBatch<Format.Record>
        let rowsRead: Int
        do {
            let reader = try CSVReader(path: path, format: format, rules: rules, chunkSize: 4_096)
            do {
                small = try reader.readAll()
            } catch let refused as CSVHeaderError {
                // A header that does not fit the table refuses the whole file, whatever the chunk size.
                do {
                    _ = try CSVReader(path: path, format: format, rules: rules, chunkSize: 1 << 16).readAll()
                } catch let again as CSVHeaderError {
                    try check(again == refused, name, "4 KiB and 64 KiB reads refuse the header differently")
                    return
                }
                throw FuzzFailure(harness: name, message: "only the 4 KiB read refused the header: \(refused)")
            }
            rowsRead = reader.rowsRead
            large = try CSVReader(path: path, format: format, rules: rules, chunkSize: 1 << 16).readAll()
        } catch let failure as FuzzFailure {
            throw failure
        } catch {
            throw FuzzFailure(harness: name, message: "the reader threw: \(error)")
        }
        try check(
            rowsRead == small.records.count + small.rejections.count, name,
            "\(rowsRead) rows read, \(small.records.count) records + \(small.rejections.count) rejections")
        try check(small.records.count == small.lineNumbers.count, name, "a record without its line number")
        let lines = (small.lineNumbers + small.rejections.map(\.line)).sorted()
        try check(
            zip(lines, lines.dropFirst()).allSatisfy { $0 < $1 } && (lines.first ?? 1) >= 1, name,
            "line numbers repeat or start below 1: \(lines.prefix(10))")
        try check(
            small.records == large.records && small.lineNumbers == large.lineNumbers
                && small.rejections == large.rejections,
            name,
            "4 KiB and 64 KiB reads differ: \(small.records.count)/\(large.records.count) records, "
                + "\(small.rejections.count)/\(large.rejections.count) rejections")
        // Round trip of the records (the first few: they repeat).
        for record in small.records.prefix(8) {
            let line = format.line(for: record)
            // A layout read by its header writes in the schema's order (this copy of the format has
            // seen no header): that header goes first.
            let header = format.requiresHeader ? format.columnNames.joined(separator: ",") + "\n" : ""
            let text = header + line + "\n"
            let again: CSVBatch<Format.Record>
            do {
                again = try CSVReader(text: text, format: format, rules: rules).readAll()
            } catch {
                throw FuzzFailure(harness: name, message: "\(line) cannot be read again: \(error)")
            }
            try check(
                again.records == [record], name,
                "\(line) reads again as \(again.records), rejections \(again.rejections.map(\.reason))")
        }
    }
}
