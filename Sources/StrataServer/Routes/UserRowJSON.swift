package import Strata

/// A user-defined table's row as the API writes it: `symbol`, `time` (the designated timestamp in
/// ISO-8601), then every column by its schema name — timestamps as epoch-ns strings (beyond
/// JSON's exact integers), integers as numbers, decimals as exact strings, float64 values as
/// their shortest text, booleans as booleans.
package struct UserRowJSON: Sendable {
    let schema: RecordSchema

    func object(_ row: Row) -> JSON {
        var members: [(String, JSON)] = [("symbol", .string(row.symbol.name))]
        if case .timestamp(let time)? = row[schema.timestamp] { members.append(("time", .string(time.iso8601))) }
        for column in schema.storageColumns {
            members.append((column.name, row[column.name].map(Self.value) ?? .null))
        }
        return .object(members)
    }

    static func value(_ value: FieldValue) -> JSON {
        switch value {
        case .timestamp(let time): .string(String(time.nanoseconds))
        case .integer(let integer): .int(integer)
        case .decimal(let amount): .string(amount.description)
        case .float(let double): .string(String(double))
        case .bool(let flag): .bool(flag)
        case .text(let text): .string(text)
        }
    }

    /// A row's object as text: what `strata query … --format json` prints for a user-defined table.
    package static func text(_ row: Row, schema: RecordSchema) -> String {
        UserRowJSON(schema: schema).object(row).serialized()
    }
}
