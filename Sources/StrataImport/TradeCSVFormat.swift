public import StrataCore

/// The trades CSV layout: `ts_ns,symbol,trade_id,price,qty,is_buyer_maker`.
///
/// - `ts_ns`: epoch nanoseconds (ISO-8601 text such as `2024-07-01T23:58:01.5Z` is accepted too);
/// - `symbol`: a valid ``Symbol``;
/// - `trade_id`: a signed 64-bit integer, the table's dedup key;
/// - `price`, `qty`: exact decimals (at most 8 fractional digits; never rounded);
/// - `is_buyer_maker`: `true`/`false`, `t`/`f` (any case) or `1`/`0`.
///
/// A header line is optional; its names may come in any order and use aliases (`quantity` for
/// `qty`). This is the layout `strata query --format csv` prints, so an export can be ingested again.
///
/// ```csv
/// ts_ns,symbol,trade_id,price,qty,is_buyer_maker
/// 1719878281500000000,BTCUSDT,3452114,64123.45,0.012,true
/// ```
public struct TradeCSVFormat: CSVRecordFormat {
    /// The column names, in order.
    public static let columns = ["ts_ns", "symbol", "trade_id", "price", "qty", "is_buyer_maker"]

    private var symbols = SymbolCache()

    /// The trades layout.
    public init() {}

    /// See ``columns``.
    public var columnNames: [String] { Self.columns }

    /// ``RecordSchema/trades``.
    public var schema: RecordSchema { .trades }

    /// Decodes `ts_ns,symbol,trade_id,price,qty,is_buyer_maker`.
    /// - Parameter row: the row.
    /// - Returns: the trade.
    /// - Throws: ``ValidationError`` for a wrong column count or a bad field.
    public mutating func decode(_ row: CSVRow) throws -> Trade {
        guard row.count == 6 else { throw columnCountError(row, expected: "6") }
        let timestamp = try row.timestamp(at: 0, unit: .nanoseconds, field: "ts_ns")
        let symbol = try symbols.symbol(row[1], field: "symbol")
        let tradeID = try row.integer(at: 2, field: "trade_id")
        let price = try row.decimal(Price.self, at: 3, field: "price")
        let quantity = try row.decimal(Quantity.self, at: 4, field: "qty")
        let isBuyerMaker = try row.boolean(at: 5, field: "is_buyer_maker")
        return Trade(
            symbol: symbol, timestamp: timestamp, tradeID: tradeID, price: price, quantity: quantity,
            isBuyerMaker: isBuyerMaker)
    }

    /// Checks the trade with ``ValidationRules/validate(_:window:)-(Trade,_)``.
    /// - Throws: ``ValidationError``.
    public func validate(_ record: Trade, rules: ValidationRules, window: ClosedRange<Timestamp>) throws {
        try rules.validate(record, window: window)
    }

    /// The trade as a line of this layout.
    public func line(for record: Trade) -> String {
        "\(record.timestamp.nanoseconds),\(record.symbol.name),\(record.tradeID),"
            + "\(record.price),\(record.quantity),\(record.isBuyerMaker)"
    }
}
