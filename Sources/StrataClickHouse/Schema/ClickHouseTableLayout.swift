public import StrataCore

/// A table of the catalog as ClickHouse holds it, derived from its ``RecordSchema`` alone.
///
/// - Columns: every schema column in schema order under its one name, then `_position` (the
///   replication log's position of the batch the row came in: what makes inserts idempotent) and
///   `_time` (an `ALIAS`, computed when read: the designated timestamp as a `DateTime`, seconds).
/// - Types: timestamps `Int64` nanoseconds UTC (18.16 has no `DateTime64`, and `DateTime` holds
///   whole seconds: Strata's time must stay exact, and sort and compare as the store does);
///   the symbol and text `String`; `decimal(s)` `Decimal64(s)` (an `Int64` mantissa, Strata's
///   own: exact, never a float); `float64` `Float64`; `int64` `Int64`; `int8` `Int8`; `bool`
///   `UInt8`. An optional column is `Nullable(…)` (Strata's absent marker becomes NULL).
/// - Engine: `MergeTree`, partitioned by UTC month of the designated timestamp
///   (``ClickHouseSQL/monthExpression(_:)``), ordered by (symbol, time). Codecs when the server
///   has them (``ClickHouseVersion/hasColumnCodecs``): `DoubleDelta` for times and positions,
///   `Delta` for integers and decimals (ids and prices move by small steps), `Gorilla` for floats,
///   `ZSTD` for text, all then `LZ4`; 18.16 has no column codecs, so there the server's own
///   compression (LZ4) applies to every column.
///
/// A last-wins table keeps every version of a key (ClickHouse does not upsert): read the current
/// one with `argMax(column, _position)` grouped by symbol and key.
public struct ClickHouseTableLayout: Sendable, Hashable {
    public let schema: RecordSchema
    /// The table's name in ClickHouse (the schema's).
    public let name: String
    /// Whether to write column codecs.
    public let codecs: Bool
    /// Whether to hold the symbol as `LowCardinality(String)`.
    public let lowCardinality: Bool

    public init(schema: RecordSchema, version: ClickHouseVersion) {
        self.schema = schema
        name = schema.name
        codecs = version.hasColumnCodecs
        lowCardinality = version.hasLowCardinality
    }

    /// The position column's name.
    public static let positionColumn = "_position"

    /// ClickHouse's type of a column of `kind` (without `Nullable`).
    public static func type(of kind: ColumnKind) -> String {
        switch kind {
        case .timestamp, .int64: "Int64"
        case .symbol, .text: "String"
        case .int8: "Int8"
        case .decimal(let scale): "Decimal64(\(scale))"
        case .float64: "Float64"
        case .bool: "UInt8"
        }
    }

    /// The column's full type: `Nullable(…)` when optional, `LowCardinality(String)` for the symbol
    /// where the server has it.
    public func columnType(_ column: SchemaColumn) -> String {
        if column.kind == .symbol && lowCardinality { return "LowCardinality(String)" }
        let type = Self.type(of: column.kind)
        return column.rules.required ? type : "Nullable(\(type))"
    }

    func codec(_ column: SchemaColumn) -> String? {
        guard codecs else { return nil }
        switch column.kind {
        case .timestamp: return "CODEC(DoubleDelta, LZ4)"
        case .int64, .decimal: return "CODEC(Delta, LZ4)"
        case .float64: return "CODEC(Gorilla, LZ4)"
        case .text: return "CODEC(ZSTD(1))"
        case .symbol, .int8, .bool: return nil
        }
    }

    /// The designated timestamp's quoted name.
    public var timeColumn: String { ClickHouseSQL.quote(identifier: schema.timestamp) }
    /// The symbol column's quoted name.
    public var symbolColumn: String { ClickHouseSQL.quote(identifier: schema.symbolColumn.name) }

    /// `CREATE TABLE IF NOT EXISTS <database>.<name> (…) ENGINE = MergeTree …`.
    public func createStatement(database: String) -> String {
        var lines: [String] = []
        for column in schema.columns {
            var line = "    " + ClickHouseSQL.quote(identifier: column.name) + " " + columnType(column)
            if let codec = codec(column) { line += " " + codec }
            lines.append(line)
        }
        lines.append(
            "    \(Self.positionColumn) UInt64" + (codecs ? " CODEC(DoubleDelta, LZ4)" : ""))
        lines.append("    _time DateTime ALIAS toDateTime(toUInt32(greatest(0, intDiv(\(timeColumn), 1000000000))))")
        return """
            CREATE TABLE IF NOT EXISTS \(qualifiedName(database: database)) (
            \(lines.joined(separator: ",\n"))
            ) ENGINE = MergeTree
            PARTITION BY \(ClickHouseSQL.monthExpression(timeColumn))
            ORDER BY (\(symbolColumn), \(timeColumn))
            SETTINGS index_granularity = 8192
            """
    }

    /// `` `database`.`name` ``.
    public func qualifiedName(database: String) -> String {
        ClickHouseSQL.quote(identifier: database) + "." + ClickHouseSQL.quote(identifier: name)
    }

    /// The column list of an insert, in the order ``RowBinaryEncoder`` writes.
    public var insertColumns: String {
        (schema.columns.map { ClickHouseSQL.quote(identifier: $0.name) } + [Self.positionColumn]).joined(
            separator: ", ")
    }
}
