public import StrataCore

/// A CSV layout for one kind of record: how a row becomes a record, and a record a row.
///
/// Strata ships the positional layouts of the built-in tables that have their own
/// (``builtInCSVFormats``, Binance's among them) and ``SchemaCSVFormat`` (any
/// table, by the names of a header line). A format decodes one row at a time; ``CSVReader`` does
/// the reading, the splitting, the header detection, the validation and the bookkeeping of
/// rejected rows.
///
/// A header line is read against ``schema``: its names are the table's columns or their aliases,
/// in any order (``CSVHeader``). A positional format then gets each row with its fields put in
/// the order of the first of its ``layouts`` that the header fits (``arrange(_:)``); a header
/// in that order already costs nothing per row.
///
/// ```swift
/// let reader = try CSVReader(path: "trades.csv", format: TradeCSVFormat())
/// while let batch = try reader.nextBatch(maxRows: 10_000) { … }
/// ```
public protocol CSVRecordFormat: Sendable {
    /// The record a row decodes to.
    associatedtype Record: Sendable

    /// The table the rows are for: what a header line's names are matched against.
    var schema: RecordSchema { get }

    /// The input columns in order, as a header line would name them.
    var columnNames: [String] { get }

    /// The positional layouts ``decode(_:)`` reads, smallest first, as names of ``schema``'s
    /// columns (or aliases); the default is ``columnNames`` alone.
    var layouts: [[String]] { get }

    /// Whether the input must start with a header line (a format that has no positional layout).
    var requiresHeader: Bool { get }

    /// The symbol given for rows that carry none (Binance's aggregated trades), recorded with
    /// quarantined rows so they replay under it; the default is none.
    var fixedSymbol: Symbol? { get }

    /// The header line under which ``line(for:)``'s lines read back, or nil when the layout reads
    /// them without one (the default: the built-in layouts write their own positional layout).
    var lineHeader: String? { get }

    /// Takes the header line of the input.
    ///
    /// The default fits the header to ``layouts``: it returns, for each position of the first
    /// layout holding every header column, the index of the header field that fills it — or `nil`
    /// when the header is in that order already.
    /// - Parameter header: the header, mapped onto ``schema``.
    /// - Returns: the header index of each field ``decode(_:)`` expects, in order; `nil` to be
    ///   given rows as they are.
    /// - Throws: ``CSVHeaderError`` when the header does not fit a layout.
    mutating func arrange(_ header: CSVHeader) throws(CSVHeaderError) -> [Int]?

    /// Whether `row`, the first non-blank line of the input, is a header rather than data.
    ///
    /// The default says yes when every field is a name — starts with a letter or an underscore —
    /// and none is empty: every layout here has numeric columns, so a data row, even a damaged
    /// one (`x1717…,BTCUSDT,1,64000.5,…`), has a field that is not a name, and is read as data
    /// (and rejected with its reason) rather than skipped as a header.
    /// - Parameter row: the first non-blank row.
    /// - Returns: `true` to skip the row as a header.
    func isHeader(_ row: CSVRow) -> Bool

    /// Decodes one data row.
    /// - Parameter row: the row, split into trimmed fields.
    /// - Returns: the record.
    /// - Throws: ``ValidationError`` naming the field, the value and the rule (wrong column count,
    ///   bad number, bad symbol, bad boolean, bad timestamp, …).
    mutating func decode(_ row: CSVRow) throws -> Record

    /// Checks a decoded record against `rules` (positive prices, the timestamp window, …).
    /// - Parameters:
    ///   - record: the decoded record.
    ///   - rules: the store's validation rules.
    ///   - window: the accepted timestamps, computed once per batch.
    /// - Throws: ``ValidationError`` for the first rule the record breaks.
    func validate(_ record: Record, rules: ValidationRules, window: ClosedRange<Timestamp>) throws

    /// The record as one line of this layout, without a line terminator (so rejected records
    /// can be quarantined in the form they arrived in).
    /// - Parameter record: the record.
    /// - Returns: the CSV line.
    func line(for record: Record) -> String
}

extension CSVRecordFormat {
    public var fixedSymbol: Symbol? { nil }
    public var lineHeader: String? { nil }

    /// See ``CSVRecordFormat/layouts``.
    public var layouts: [[String]] { [columnNames] }

    /// See ``CSVRecordFormat/requiresHeader``.
    public var requiresHeader: Bool { false }

    /// See ``CSVRecordFormat/arrange(_:)``.
    public mutating func arrange(_ header: CSVHeader) throws(CSVHeaderError) -> [Int]? {
        let positions = try header.positions(in: layouts, schema: schema)
        return positions.elementsEqual(positions.indices) ? nil : positions
    }

    /// See ``CSVRecordFormat/isHeader(_:)``.
    public func isHeader(_ row: CSVRow) -> Bool {
        guard row.count > 0 else { return false }
        for index in 0..<row.count {
            guard let first = row[index].first, (first | 0x20) &- 0x61 < 26 || first == 0x5F else { return false }
            // A name is not a value: `true`/`false` are the booleans of a data row.
            if index > 0, Self.isBooleanWord(row[index]) { return false }
        }
        return true
    }

    private static func isBooleanWord(_ field: UnsafeBufferPointer<UInt8>) -> Bool {
        let lower = field.map { $0 | 0x20 }
        return lower.elementsEqual("true".utf8) || lower.elementsEqual("false".utf8)
    }

    /// The error for a row with the wrong number of fields.
    /// - Parameters:
    ///   - row: the row.
    ///   - expected: what was expected, in words ("6").
    /// - Returns: a ``ValidationError`` with rule `malformed` on the field `columns`.
    public func columnCountError(_ row: CSVRow, expected: String) -> ValidationError {
        ValidationError(
            field: "columns", value: String(row.count), rule: .malformed, detail: "expected \(expected) columns")
    }
}
