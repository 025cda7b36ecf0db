/// One trade (execution) printed by a venue.
///
/// ```swift
/// let trade = Trade(symbol: "BTCUSDT", timestamp: try Timestamp(iso8601: "2024-07-01T00:00:00Z"),
///                   tradeID: 3_452_114, price: try Price("64123.45"), quantity: try Quantity("0.012"),
///                   isBuyerMaker: true)
/// ```
/// `tradeID` is the venue's identifier and the table's dedup key: a trade whose (symbol, trade id)
/// is already stored is counted as a duplicate and not stored again. The check covers the time
/// partition (a UTC day by default) of the trade's timestamp — a re-sent trade carries its
/// original timestamp, so it meets its first copy there — which keeps dedup free of a global
/// index. The same id at a timestamp in another day is stored.
public struct Trade: TimeSeriesRecord {
    public static var schema: RecordSchema { .trades }

    public var symbol: Symbol
    public var timestamp: Timestamp
    public var tradeID: Int64
    public var price: Price
    public var quantity: Quantity
    /// True when the buyer was the resting (maker) side, i.e. the aggressor sold.
    public var isBuyerMaker: Bool

    public init(
        symbol: Symbol, timestamp: Timestamp, tradeID: Int64, price: Price, quantity: Quantity, isBuyerMaker: Bool
    ) {
        self.symbol = symbol
        self.timestamp = timestamp
        self.tradeID = tradeID
        self.price = price
        self.quantity = quantity
        self.isBuyerMaker = isBuyerMaker
    }

    /// price × quantity, exact.
    public var notional: Notional { Notional(price: price, quantity: quantity) }
}

/// A Binance-style aggregated trade: consecutive fills of one taker order at one price.
///
/// Layout follows Binance's `aggTrades` (`a, p, q, f, l, T, m, M`). `aggregateID` is the dedup key.
public struct AggregatedTrade: TimeSeriesRecord {
    public static var schema: RecordSchema { .aggregatedTrades }

    public var symbol: Symbol
    public var aggregateID: Int64
    public var price: Price
    public var quantity: Quantity
    public var firstTradeID: Int64
    public var lastTradeID: Int64
    public var timestamp: Timestamp
    public var isBuyerMaker: Bool
    /// Binance's "was the trade the best price match" flag.
    public var isBestMatch: Bool

    public init(
        symbol: Symbol, aggregateID: Int64, price: Price, quantity: Quantity, firstTradeID: Int64,
        lastTradeID: Int64, timestamp: Timestamp, isBuyerMaker: Bool, isBestMatch: Bool
    ) {
        self.symbol = symbol
        self.aggregateID = aggregateID
        self.price = price
        self.quantity = quantity
        self.firstTradeID = firstTradeID
        self.lastTradeID = lastTradeID
        self.timestamp = timestamp
        self.isBuyerMaker = isBuyerMaker
        self.isBestMatch = isBestMatch
    }
}
