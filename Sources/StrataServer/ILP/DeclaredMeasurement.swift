public import Strata

/// A measurement declared in the configuration (`ilp.measurements`): its lines go to one of the
/// store's tables — built-in or user-defined — with their tag and field names renamed to that
/// table's names first, so a feed that already writes
/// `binance_trades,s=BTCUSDT p=…,q=…,t=…,m=true` needs no change.
///
/// ```json
/// "ilp": { "measurements": [
///   { "measurement": "binance_trades", "table": "trades",
///     "columns": { "s": "symbol", "p": "price", "q": "qty", "t": "trade_id", "m": "is_buyer_maker" } }
/// ] }
/// ```
///
/// Names not listed keep their meaning (a declared `trades`-like line may still say `price`);
/// everything else about the table's mapping (derived from its schema: exact decimals,
/// required fields, defaults, unknown fields refused) is unchanged.
public struct DeclaredMeasurement: Sendable, Hashable {
    /// The measurement's name in the lines.
    public var measurement: String
    /// The table its lines go to: a table's name or alias (built-in or in `tables`).
    public var table: String
    /// Name in the lines → the table's name for it (a column's name or alias, the symbol
    /// column's, or a column's input words name such as trades' `side`): `"p": "price"`.
    public var columns: [String: String]

    public init(measurement: String, table: String, columns: [String: String]) {
        self.measurement = measurement
        self.table = table
        self.columns = columns
    }

    /// The names a line of `schema`'s table may give, which a declaration may rename to.
    public static func names(of schema: RecordSchema) -> [String] { MeasurementPlan.inputNames(of: schema) }

    /// Checks the declaration against the store's tables; `key` names it in errors
    /// (`ilp.measurements[0]`).
    func validate(key: String, others: [DeclaredMeasurement], tables: [RecordSchema]) throws(ConfigurationError) {
        guard !measurement.isEmpty, !measurement.contains(where: { $0 == " " || $0 == "," || $0 == "\\" }) else {
            throw ConfigurationError(key: key + ".measurement", message: "must be a plain name, got '\(measurement)'")
        }
        if let owner = tables.first(where: { $0.names.contains(measurement) }) {
            let what = RecordSchema.builtIn.contains(owner) ? "is built in" : "is table \(owner.name)'s name"
            throw ConfigurationError(
                key: key + ".measurement", message: "'\(measurement)' \(what); declare another name")
        }
        guard others.filter({ $0.measurement == measurement }).count == 1 else {
            throw ConfigurationError(key: key + ".measurement", message: "'\(measurement)' is declared twice")
        }
        guard let schema = tables.first(where: { $0.names.contains(table) }) else {
            throw ConfigurationError(
                key: key + ".table",
                message: "unknown table '\(table)' (\(tables.map(\.name).joined(separator: ", ")))")
        }
        let known = Self.names(of: schema)
        for (line, column) in columns.sorted(by: { $0.key < $1.key }) {
            guard !line.isEmpty else { throw ConfigurationError(key: key + ".columns", message: "an empty name") }
            guard known.contains(column) else {
                throw ConfigurationError(
                    key: key + ".columns." + line,
                    message: "'\(column)' is not a name of table \(schema.name) (\(known.joined(separator: ", ")))")
            }
        }
    }
}
