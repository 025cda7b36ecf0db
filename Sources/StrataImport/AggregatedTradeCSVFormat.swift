public import StrataCore

/// Binance's aggregated-trades CSV (the `data.binance.vision` layout), and Strata's own export of it.
///
/// Binance layout, header optional, no symbol column:
/// `agg_trade_id,price,quantity,first_trade_id,last_trade_id,transact_time,is_buyer_maker[,is_best_match]`
/// (spot files have 8 columns, USDⓈ-M futures files 7; a missing `is_best_match` reads as `true`).
/// The symbol comes from the caller: `--symbol`, or ``symbol(fromFileName:)`` for a file named
/// like `BTCUSDT-aggTrades-2024-01-01.csv`.
///
/// **`transact_time` unit, detected per row by magnitude.** Binance published epoch milliseconds
/// until the end of 2024; spot files since 2025-01-01 use microseconds. Today's time is about
/// 1.7 × 10^12 ms or 1.7 × 10^15 µs, and a millisecond count of 10^15 would be in the year 33658,
/// so: a value below 10^15 is milliseconds, below 10^18 microseconds, otherwise nanoseconds.
///
/// Strata's export layout (what `strata query --table aggtrades --format csv` prints) has 9 columns
/// with the symbol second, and is accepted too:
/// `agg_trade_id,symbol,price,quantity,first_trade_id,last_trade_id,transact_time,is_buyer_maker,is_best_match`.
///
/// With a header line, its names may come in any order and use the schema's names or aliases
/// (`qty` or `quantity`, `ts_ns` or `transact_time`); the time keeps its magnitude rule.
///
/// ```csv
/// 3380935,42289.98000000,0.00237000,4451539,4451539,1704067200032,False,True
/// ```
public struct AggregatedTradeCSVFormat: CSVRecordFormat {
    /// The Binance column names, in order.
    public static let binanceColumns = [
        "agg_trade_id", "price", "quantity", "first_trade_id", "last_trade_id", "transact_time", "is_buyer_maker",
        "is_best_match",
    ]
    /// Strata's export column names, in order (with the symbol).
    public static let columns = [
        "agg_trade_id", "symbol", "price", "quantity", "first_trade_id", "last_trade_id", "transact_time",
        "is_buyer_maker", "is_best_match",
    ]

    /// The symbol of rows without a symbol column.
    public let symbol: Symbol?
    public var fixedSymbol: Symbol? { symbol }
    private var symbols = SymbolCache()

    /// The aggregated-trades layout.
    /// - Parameter symbol: the symbol for Binance rows, which have none; `nil` accepts only
    ///   9-column rows that carry one.
    public init(symbol: Symbol?) { self.symbol = symbol }

    /// See ``binanceColumns``.
    public var columnNames: [String] { Self.binanceColumns }

    /// ``RecordSchema/aggregatedTrades``.
    public var schema: RecordSchema { .aggregatedTrades }

    /// Binance's 7 and 8 columns, then Strata's 9: a header picks the first that holds its columns.
    public var layouts: [[String]] { [Array(Self.binanceColumns.prefix(7)), Self.binanceColumns, Self.columns] }

    /// The symbol at the start of a Binance file name: `BTCUSDT` for
    /// `/data/BTCUSDT-aggTrades-2024-01-01.csv` (also `.zip` and monthly names).
    /// - Parameter path: the file path.
    /// - Returns: the symbol, or `nil` if the name has no `-aggTrades` part or the prefix is not a valid symbol.
    public static func symbol(fromFileName path: String) -> Symbol? {
        let name = path.split(separator: "/").last.map(String.init) ?? path
        let parts = name.split(separator: "-", maxSplits: 1, omittingEmptySubsequences: false)
        guard parts.count == 2, parts[1].hasPrefix("aggTrades") else { return nil }
        let prefix = String(parts[0])
        return Symbol.isValid(prefix) ? Symbol(unchecked: prefix) : nil
    }

    /// The unit of a `transact_time` value, by magnitude (see the type's documentation).
    /// - Parameter value: the epoch count.
    /// - Returns: milliseconds below 10^15, microseconds below 10^18, else nanoseconds.
    public static func transactTimeUnit(of value: Int64) -> Timestamp.EpochUnit {
        let magnitude = value.magnitude
        if magnitude < 1_000_000_000_000_000 { return .milliseconds }
        if magnitude < 1_000_000_000_000_000_000 { return .microseconds }
        return .nanoseconds
    }

    /// Decodes a 7- or 8-column Binance row or a 9-column Strata row.
    /// - Parameter row: the row.
    /// - Returns: the aggregated trade.
    /// - Throws: ``ValidationError`` for a wrong column count, a missing symbol or a bad field.
    public mutating func decode(_ row: CSVRow) throws -> AggregatedTrade {
        let symbol: Symbol
        let base: Int  // index of `price`
        switch row.count {
        case 7, 8:
            guard let fixed = self.symbol else {
                throw ValidationError(
                    field: "symbol", value: "", rule: .malformedSymbol,
                    detail: "Binance rows have no symbol column: give one (--symbol)")
            }
            symbol = fixed
            base = 1
        case 9:
            symbol = try symbols.symbol(row[1], field: "symbol")
            base = 2
        default:
            throw columnCountError(row, expected: "7 or 8 (Binance) or 9 (with symbol)")
        }
        let aggregateID = try row.integer(at: 0, field: "agg_trade_id")
        let price = try row.decimal(Price.self, at: base, field: "price")
        let quantity = try row.decimal(Quantity.self, at: base + 1, field: "quantity")
        let firstTradeID = try row.integer(at: base + 2, field: "first_trade_id")
        let lastTradeID = try row.integer(at: base + 3, field: "last_trade_id")
        let time = try row.integer(at: base + 4, field: "transact_time")
        guard let timestamp = Timestamp(epoch: time, unit: Self.transactTimeUnit(of: time)) else {
            throw ValidationError(
                field: "transact_time", value: String(time), rule: .badTimestamp, detail: "out of range")
        }
        let isBuyerMaker = try row.boolean(at: base + 5, field: "is_buyer_maker")
        let isBestMatch = row.count > base + 6 ? try row.boolean(at: base + 6, field: "is_best_match") : true
        return AggregatedTrade(
            symbol: symbol, aggregateID: aggregateID, price: price, quantity: quantity, firstTradeID: firstTradeID,
            lastTradeID: lastTradeID, timestamp: timestamp, isBuyerMaker: isBuyerMaker, isBestMatch: isBestMatch)
    }

    /// Checks the trade with ``ValidationRules/validate(_:window:)-(AggregatedTrade,_)``.
    /// - Throws: ``ValidationError``.
    public func validate(_ record: AggregatedTrade, rules: ValidationRules, window: ClosedRange<Timestamp>) throws {
        try rules.validate(record, window: window)
    }

    /// The record as a 9-column Strata line (it carries the symbol).
    public func line(for record: AggregatedTrade) -> String {
        "\(record.aggregateID),\(record.symbol.name),\(record.price),\(record.quantity),"
            + "\(record.firstTradeID),\(record.lastTradeID),\(Self.transactTime(record.timestamp)),"
            + "\(record.isBuyerMaker),\(record.isBestMatch)"
    }

    /// `transact_time` for output: milliseconds when the time is a whole millisecond, else
    /// microseconds when whole, else nanoseconds — the magnitude rule reads each back exactly.
    /// - Parameter timestamp: the time.
    /// - Returns: the epoch count.
    public static func transactTime(_ timestamp: Timestamp) -> Int64 {
        let ns = timestamp.nanoseconds
        if ns % 1_000_000 == 0 { return ns / 1_000_000 }
        if ns % 1_000 == 0 { return ns / 1_000 }
        return ns
    }
}
