import Strata

/// A measurement declared in the configuration (`ilp.measurements`): its lines go to one of
/// Strata's tables, with their tag and field names renamed to that table's names first, so a
/// feed that already writes `binance_trades,s=BTCUSDT p=…,q=…,t=…,m=true` needs no change.
///
/// ```json
/// "ilp": { "measurements": [
///   { "measurement": "binance_trades", "table": "trades",
///     "columns": { "s": "symbol", "p": "price", "q": "qty", "t": "trade_id", "m": "is_buyer_maker" } }
/// ] }
/// ```
///
/// Names not listed keep their meaning (a declared `trades`-like line may still say `price`);
/// everything else about the table's mapping (exact decimals, required fields, unknown fields
/// refused) is unchanged.
public struct DeclaredMeasurement: Sendable, Hashable {
    /// The tables lines can go to.
    public enum Table: String, Sendable, Hashable, CaseIterable {
        case trades, aggtrades, quotes
    }

    /// The measurement's name in the lines.
    public var measurement: String
    public var table: Table
    /// Name in the lines → the table's name (`"p": "price"`).
    public var columns: [String: String]

    public init(measurement: String, table: Table, columns: [String: String]) {
        self.measurement = measurement
        self.table = table
        self.columns = columns
    }

    /// The names each table's mapping reads (tags `symbol` and `side`, then the fields).
    public static func names(of table: Table) -> [String] {
        switch table {
        case .trades: ["symbol", "side", "price", "qty", "amount", "quantity", "trade_id", "is_buyer_maker"]
        case .aggtrades:
            [
                "symbol", "side", "agg_trade_id", "price", "qty", "quantity", "amount", "first_trade_id",
                "last_trade_id", "is_buyer_maker", "is_best_match",
            ]
        case .quotes:
            ["symbol"]
                + ["bid_px_", "bid_sz_", "ask_px_", "ask_sz_"].flatMap { prefix in
                    (0..<Quote.maximumDepth).map { prefix + String($0) }
                }
        }
    }

    /// Checks the declaration; `key` names it in errors (`ilp.measurements[0]`).
    func validate(key: String, others: [DeclaredMeasurement]) throws(ConfigurationError) {
        guard !measurement.isEmpty, !measurement.contains(where: { $0 == " " || $0 == "," || $0 == "\\" }) else {
            throw ConfigurationError(key: key + ".measurement", message: "must be a plain name, got '\(measurement)'")
        }
        guard !LineMapping.measurements.contains(measurement) else {
            throw ConfigurationError(
                key: key + ".measurement", message: "'\(measurement)' is built in; declare another name")
        }
        guard others.filter({ $0.measurement == measurement }).count == 1 else {
            throw ConfigurationError(key: key + ".measurement", message: "'\(measurement)' is declared twice")
        }
        let known = Self.names(of: table)
        for (line, column) in columns.sorted(by: { $0.key < $1.key }) {
            guard !line.isEmpty else { throw ConfigurationError(key: key + ".columns", message: "an empty name") }
            guard known.contains(column) else {
                throw ConfigurationError(
                    key: key + ".columns." + line,
                    message: "'\(column)' is not a name of table \(table.rawValue) (\(known.joined(separator: ", ")))")
            }
        }
    }
}

extension LineMapping {
    /// A declared measurement's renames, as ``PointReader`` uses them: field names to codes, and
    /// the names of the `symbol` and `side` tags.
    struct Renames: Sendable {
        let measurement: String
        let table: DeclaredMeasurement.Table
        let fieldCodes: [(name: [UInt8], code: UInt8)]
        let symbolTag: String
        let sideTag: String

        init(_ declaration: DeclaredMeasurement) {
            measurement = declaration.measurement
            table = declaration.table
            var codes: [(name: [UInt8], code: UInt8)] = []
            for (line, column) in declaration.columns.sorted(by: { $0.key < $1.key }) {
                var column = column
                let code = column.withUTF8 { FieldKey.code(of: $0) }
                if code != 0 { codes.append((Array(line.utf8), code)) }
            }
            fieldCodes = codes
            symbolTag = declaration.columns.first { $0.value == "symbol" }?.key ?? "symbol"
            sideTag = declaration.columns.first { $0.value == "side" }?.key ?? "side"
        }

        /// The code of a field named `key` in the lines, or nil when it is not renamed.
        func code(of key: UnsafeBufferPointer<UInt8>) -> UInt8? {
            for entry in fieldCodes where entry.name.elementsEqual(key) { return entry.code }
            return nil
        }
    }
}
