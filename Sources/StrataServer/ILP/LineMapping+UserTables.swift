import Strata
import StrataLineProtocol

/// Lines of a user-defined table: the measurement is the table's name or an alias, the symbol
/// is the tag named as the schema's symbol column, the fields are its other columns by name or
/// alias, and the line's timestamp is the designated timestamp. Values are read by the column's
/// kind: a decimal exactly from the field's text (`64123.45` or `64123.45d`), never through a
/// binary float; an integer (`5i`) where a decimal, a float or a timestamp is expected is taken
/// as that; a text column takes a string field (`headline="…"`) or a tag (`source=Reuters`). An
/// unknown tag or field is refused naming it and the nearest column.
extension LineMapping {
    func userRow(_ point: LineProtocol.Point, schema: RecordSchema) throws(WriteError) -> Row {
        let symbolNames = [schema.symbolColumn.name] + schema.symbolColumn.aliases
        var symbol: Symbol?
        var values: [String: FieldValue] = [schema.timestamp: .timestamp(Timestamp(nanoseconds: point.timestamp))]
        for tag in point.tags {
            let key = tag.key
            if let column = schema.column(named: key), column.kind == .text {
                values[column.name] = .text(tag.value)
                continue
            }
            guard symbolNames.contains(key) else {
                throw unknown(key, "tag", schema: schema, line: point.line)
            }
            do {
                symbol = try Symbol(tag.value, field: key)
            } catch {
                throw WriteError(code: "invalidValue", message: "\(error)", line: point.line)
            }
        }
        guard let symbol else {
            throw WriteError(
                code: "missingField", message: "\(schema.symbolColumn.name): a \(schema.name) line needs this tag",
                line: point.line)
        }
        for field in point.fields {
            let key = field.key
            guard let column = schema.column(named: key), column.kind != .symbol, column.name != schema.timestamp
            else { throw unknown(key, "field", schema: schema, line: point.line) }
            values[column.name] = try value(field, column: column, line: point.line)
        }
        return Row(symbol: symbol, values)
    }

    private func value(_ field: LineProtocol.Field, column: SchemaColumn, line: Int) throws(WriteError) -> FieldValue {
        func invalid() -> WriteError {
            WriteError(
                code: "invalidValue", message: "\(column.name): '\(field.text)' is not a \(column.kind) value",
                line: line)
        }
        switch (column.kind, field.value) {
        case (.decimal, .float), (.decimal, .decimal):
            guard field.isFinite, let decimal = FieldValue.decimal(field.text.trimmingDecimalSuffix) else {
                throw invalid()
            }
            return decimal
        case (.decimal, .integer(let integer)), (.int64, .integer(let integer)), (.int8, .integer(let integer)):
            return .integer(integer)
        case (.float64, .float(let double)): return .float(double)
        case (.float64, .integer(let integer)): return .float(Double(integer))
        case (.bool, .boolean(let flag)): return .bool(flag)
        case (.text, .string(let text)): return .text(text)
        case (.timestamp, .timestamp(let nanoseconds)), (.timestamp, .integer(let nanoseconds)):
            return .timestamp(Timestamp(nanoseconds: nanoseconds))
        default: throw invalid()
        }
    }

    private func unknown(_ key: String, _ what: String, schema: RecordSchema, line: Int) -> WriteError {
        let nearest = schema.knownNames.min { editDistance($0, key) < editDistance($1, key) } ?? ""
        return WriteError(
            code: "unknownField",
            message: "unknown \(what) '\(key)' for \(schema.name) (nearest: \(nearest))", line: line)
    }
}

extension String {
    /// `64123.45d` → `64123.45` (QuestDB's decimal suffix).
    fileprivate var trimmingDecimalSuffix: String { hasSuffix("d") ? String(dropLast()) : self }
}
