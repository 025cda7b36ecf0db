public import Strata

/// The CSV layout of any table, derived from its schema: a header line names the columns, in any
/// order, and each data row becomes a ``Row``.
///
/// - The header is required. Each name is a column's name or alias, in any ASCII case
///   (``CSVHeader``); an unknown name, a column named twice or a required column left out is a
///   ``CSVHeaderError`` for the whole file. Optional columns may be left out.
/// - Values are read by the column's kind, exactly: `timestamp` as epoch nanoseconds or ISO-8601
///   text; `decimal(s)` as an exact decimal with at most `s` fractional digits (never through
///   floating point); `int64`, `int8`; `float64`; `bool` as `true`/`false`, `t`/`f` or `1`/`0`;
///   `symbol` as a valid ``Symbol``; `text` verbatim, quoted as RFC 4180 says when it holds commas
///   or quotes (`"Fed holds, signals cuts"`, `"the ""soft"" landing"`).
/// - An empty field leaves an optional column absent; in a required column it is rejected,
///   except for text, where it is the empty string (as `""` always is).
///
/// ```swift
/// let signals = store.table(named: "signals")!
/// let reader = try CSVReader(path: "signals.csv", format: SchemaCSVFormat(schema: signals.schema))
/// let report = try await CSVImporter.run(reader: reader, into: signals, quarantine: nil)
/// ```
///
/// ```csv
/// symbol,ts,id,score,target
/// BTCUSDT,2026-01-05T09:30:00Z,1,0.82,64500.5
/// ```
public struct SchemaCSVFormat: CSVRecordFormat {
    public let schema: RecordSchema
    /// The column of each input field, from the header.
    private var fields: [SchemaColumn] = []
    private var symbols = SymbolCache()

    /// The layout of `schema`'s table.
    /// - Parameter schema: the table's schema.
    public init(schema: RecordSchema) { self.schema = schema }

    /// The schema's columns in order.
    public var columnNames: [String] { schema.columns.map(\.name) }

    /// A header is required: the columns are found by name.
    public var requiresHeader: Bool { true }

    /// Keeps the header's columns, refusing one that leaves out a required column.
    /// - Returns: `nil`: rows are read in the header's order.
    /// - Throws: ``CSVHeaderError/missingColumn(_:table:)``.
    public mutating func arrange(_ header: CSVHeader) throws(CSVHeaderError) -> [Int]? {
        let present = Set(header.columns.map(\.name))
        if let missing = schema.columns.first(where: { $0.rules.required && !present.contains($0.name) }) {
            throw .missingColumn(missing.name, table: schema.name)
        }
        fields = header.columns
        return nil
    }

    /// Decodes one row into a ``Row`` keyed by the columns' names.
    /// - Throws: ``ValidationError`` naming the column for a wrong column count, an empty required
    ///   value or a value that is not of the column's kind.
    public mutating func decode(_ row: CSVRow) throws -> Row {
        guard row.count == fields.count else { throw columnCountError(row, expected: "\(fields.count)") }
        var symbol: Symbol?
        var values: [String: FieldValue] = [:]
        values.reserveCapacity(fields.count)
        for (index, column) in fields.enumerated() {
            if column.kind == .symbol {
                symbol = try symbols.symbol(row[index], field: column.name)
            } else if column.kind == .text {
                if row.isEmpty(index) && !row.isQuoted(index) && !column.rules.required { continue }
                values[column.name] = .text(row.text(index))
            } else if row.isEmpty(index) {
                guard !column.rules.required else {
                    throw ValidationError(
                        field: column.name, value: "", rule: .malformed, detail: "empty, and required")
                }
            } else {
                values[column.name] = try Self.value(row, at: index, column: column)
            }
        }
        guard let symbol else {
            throw ValidationError(field: schema.symbolColumn.name, value: "", rule: .malformedSymbol)
        }
        return Row(symbol: symbol, values)
    }

    /// Field `index` as a value of `column`'s kind (not text or symbol).
    static func value(_ row: CSVRow, at index: Int, column: SchemaColumn) throws -> FieldValue {
        let name = column.name
        switch column.kind {
        case .timestamp:
            return .timestamp(try row.timestamp(at: index, unit: .nanoseconds, field: name))
        case .int64:
            return .integer(try row.integer(at: index, field: name))
        case .int8:
            let value = try row.integer(at: index, field: name)
            guard (-128...127).contains(value) else {
                throw ValidationError(
                    field: name, value: String(value), rule: .overflow, detail: "an int8 holds -128…127")
            }
            return .integer(value)
        case .decimal(let scale):
            return .decimal(
                ExactAmount(mantissa: Int128(try row.decimal(scale: scale, at: index, field: name)), scale: scale))
        case .float64:
            let text = row.text(index)
            guard let value = Double(text) else {
                throw ValidationError(field: name, value: text, rule: .notANumber, detail: "expected a number")
            }
            guard value.isFinite else { throw ValidationError(field: name, value: text, rule: .notFinite) }
            return .float(value)
        case .bool:
            return .bool(try row.boolean(at: index, field: name))
        case .text:
            return .text(row.text(index))
        case .symbol:
            return .text(row.text(index))
        }
    }

    /// Checks what the schema says beyond the kinds decoding already enforced: the columns'
    /// bounds (``ColumnRules/minimum``, ``ColumnRules/maximum``) and the store's time window on
    /// the designated timestamp. The table checks the rows again when they are appended; these
    /// checks let the reader quarantine a bad row on its own instead of with its batch.
    /// - Throws: ``ValidationError``.
    public func validate(_ record: Row, rules: ValidationRules, window: ClosedRange<Timestamp>) throws {
        if case .timestamp(let time) = record.values[schema.timestamp], !window.contains(time) {
            throw ValidationError(
                field: schema.timestamp, value: String(time.nanoseconds), rule: .outsideWindow,
                detail: "accepted \(window.lowerBound) … \(window.upperBound)")
        }
        for column in fields where column.rules.minimum != nil || column.rules.maximum != nil {
            guard let value = record.values[column.name] else { continue }
            for (bound, lower) in [(column.rules.minimum, true), (column.rules.maximum, false)] {
                guard let bound, !Self.admits(value, bound, scale: column.kind.scale, lower: lower) else { continue }
                throw ValidationError(
                    field: column.name, value: value.description, rule: .outOfRange,
                    detail: (lower
                        ? (bound.inclusive ? "at least " : "greater than ")
                        : (bound.inclusive ? "at most " : "less than ")) + bound.description)
            }
        }
    }

    /// Whether `value` is on the allowed side of `bound`.
    private static func admits(_ value: FieldValue, _ bound: ColumnRules.Bound, scale: Int, lower: Bool) -> Bool {
        switch value {
        case .integer(let integer): return bound.admits(integer, scale: 0, lower: lower)
        case .decimal(let amount):
            guard let mantissa = Int64(exactly: amount.mantissa) else { return false }
            return bound.admits(mantissa, scale: amount.scale, lower: lower)
        case .float(let double):
            let limit = Double(bound.mantissa) / Double(tenPowers[bound.scale])
            if lower { return bound.inclusive ? double >= limit : double > limit }
            return bound.inclusive ? double <= limit : double < limit
        default: return true
        }
    }

    /// The names of ``line(for:)``'s columns: the header's, or the schema's without one.
    public var lineHeader: String? { (fields.isEmpty ? schema.columns : fields).map(\.name).joined(separator: ",") }

    /// The row as a line in the header's order (the schema's without a header): timestamps as
    /// epoch nanoseconds, text quoted where reading it back needs it. It reads back as the same row.
    public func line(for record: Row) -> String {
        let columns = fields.isEmpty ? schema.columns : fields
        return columns.map { column in
            if column.kind == .symbol { return record.symbol.name }
            switch record.values[column.name] {
            case nil: return ""
            case .timestamp(let time): return String(time.nanoseconds)
            case .text(let text): return Self.quoted(text)
            case let value?: return value.description
            }
        }.joined(separator: ",")
    }

    /// `text` as a CSV field: quoted (quotes doubled) when it is empty, holds a comma, a quote or
    /// a line break, or starts or ends with a blank; as it is otherwise.
    static func quoted(_ text: String) -> String {
        let bytes = text.utf8
        let needsQuotes =
            bytes.isEmpty || bytes.contains { $0 == 0x2C || $0 == 0x22 || $0 == 0x0A || $0 == 0x0D }
            || [bytes.first, bytes.last].compactMap { $0 }.contains { $0 == 0x20 || $0 == 0x09 }
        guard needsQuotes else { return text }
        var quoted = "\""
        for character in text.unicodeScalars {
            quoted.unicodeScalars.append(character)
            if character == "\"" { quoted.unicodeScalars.append(character) }
        }
        return quoted + "\""
    }
}
