/// One price level of a book side.
public struct DepthLevel: Sendable, Hashable, Codable {
    public var price: Price
    public var size: Quantity

    public init(price: Price, size: Quantity) {
        self.price = price
        self.size = size
    }
}

/// A top-of-book quote with optional depth: up to ``maximumDepth`` levels a side.
///
/// `bids[0]` is the best bid (highest), `asks[0]` the best ask (lowest). A one-sided update has an
/// empty side. Crossed or locked books are stored as received: venues do publish them.
///
/// ```swift
/// let q = Quote(symbol: "IBM", timestamp: t,
///               bids: [DepthLevel(price: try Price("180.01"), size: try Quantity("300"))], asks: [])
/// q.bestBid?.price   // 180.01
/// ```
public struct Quote: TimeSeriesRecord {
    public static var schema: RecordSchema { .quotes }
    /// Levels stored per side.
    public static let maximumDepth = 5

    public var symbol: Symbol
    public var timestamp: Timestamp
    public var bids: [DepthLevel]
    public var asks: [DepthLevel]

    public init(symbol: Symbol, timestamp: Timestamp, bids: [DepthLevel], asks: [DepthLevel]) {
        self.symbol = symbol
        self.timestamp = timestamp
        self.bids = bids
        self.asks = asks
    }

    public var bestBid: DepthLevel? { bids.first }
    public var bestAsk: DepthLevel? { asks.first }
}
