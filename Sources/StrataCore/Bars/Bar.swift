/// An OHLCV bar of trades: one symbol, one bucket of one timeframe.
///
/// Open and close are the prices of the first and last trade of the bucket ordered by
/// (timestamp, trade id) — not by arrival — so a bar does not depend on the order trades were
/// received in. Volume and notional are exact sums; ``vwap`` is `notional / volume` rounded half
/// to even at 8 decimals.
///
/// ```swift
/// let bars = try await store.bars(symbol: "BTCUSDT", timeframe: try Timeframe("5m"), from: t0, to: t1)
/// bars.first?.close
/// ```
public struct Bar: Sendable, Hashable, Codable {
    public var symbol: Symbol
    /// The timeframe of the bucket.
    public var timeframe: Timeframe
    /// The bucket's start (inclusive); it ends at `start + timeframe` (exclusive).
    public var start: Timestamp
    public var open: Price
    public var high: Price
    public var low: Price
    public var close: Price
    /// Σ quantity.
    public var volume: Volume
    /// Σ price × quantity, exact.
    public var notional: Notional
    public var tradeCount: Int

    public init(
        symbol: Symbol, timeframe: Timeframe, start: Timestamp, open: Price, high: Price, low: Price, close: Price,
        volume: Volume, notional: Notional, tradeCount: Int
    ) {
        self.symbol = symbol
        self.timeframe = timeframe
        self.start = start
        self.open = open
        self.high = high
        self.low = low
        self.close = close
        self.volume = volume
        self.notional = notional
        self.tradeCount = tradeCount
    }

    /// Volume-weighted average price: `notional / volume`, rounded half to even at 8 decimals;
    /// `nil` for a bar without volume.
    public var vwap: Price? { notional.averagePrice(quantity: volume.mantissa) }

    enum CodingKeys: String, CodingKey {
        case symbol, timeframe, start, open, high, low, close, volume, notional, tradeCount = "trades", vwap
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        symbol = try c.decode(Symbol.self, forKey: .symbol)
        timeframe = try c.decode(Timeframe.self, forKey: .timeframe)
        start = try c.decode(Timestamp.self, forKey: .start)
        open = try c.decode(Price.self, forKey: .open)
        high = try c.decode(Price.self, forKey: .high)
        low = try c.decode(Price.self, forKey: .low)
        close = try c.decode(Price.self, forKey: .close)
        volume = try c.decode(Volume.self, forKey: .volume)
        let notionalText = try c.decode(String.self, forKey: .notional)
        guard let notionalMantissa = ExactDecimal.parse(notionalText, scale: Notional.scale) else {
            throw ValidationError(field: "notional", value: notionalText, rule: .notANumber)
        }
        notional = Notional(mantissa: notionalMantissa)
        tradeCount = try c.decode(Int.self, forKey: .tradeCount)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(symbol, forKey: .symbol)
        try c.encode(timeframe, forKey: .timeframe)
        try c.encode(start, forKey: .start)
        try c.encode(open, forKey: .open)
        try c.encode(high, forKey: .high)
        try c.encode(low, forKey: .low)
        try c.encode(close, forKey: .close)
        try c.encode(volume, forKey: .volume)
        try c.encode(notional.description, forKey: .notional)
        try c.encode(tradeCount, forKey: .tradeCount)
        try c.encodeIfPresent(vwap, forKey: .vwap)
    }
}

/// What to do with buckets that have no trades.
public enum EmptyBucketPolicy: String, Sendable, Hashable, Codable, CaseIterable {
    /// Leave them out (the default).
    case omit
    /// Emit a flat bar at the previous close with zero volume and zero trades.
    case carryForward = "carry"
}

/// Bid and ask OHLC of the best quotes in one bucket.
public struct QuoteBar: Sendable, Hashable, Codable {
    public var symbol: Symbol
    public var timeframe: Timeframe
    public var start: Timestamp
    /// Best-bid OHLC; `nil` if no quote in the bucket had a bid.
    public var bid: PriceOHLC?
    /// Best-ask OHLC; `nil` if no quote in the bucket had an ask.
    public var ask: PriceOHLC?
    /// Quotes in the bucket.
    public var quoteCount: Int

    public init(
        symbol: Symbol, timeframe: Timeframe, start: Timestamp, bid: PriceOHLC?, ask: PriceOHLC?, quoteCount: Int
    ) {
        self.symbol = symbol
        self.timeframe = timeframe
        self.start = start
        self.bid = bid
        self.ask = ask
        self.quoteCount = quoteCount
    }
}

/// Open, high, low and close of a price series.
public struct PriceOHLC: Sendable, Hashable, Codable {
    public var open: Price
    public var high: Price
    public var low: Price
    public var close: Price

    public init(open: Price, high: Price, low: Price, close: Price) {
        self.open = open
        self.high = high
        self.low = low
        self.close = close
    }

    /// Extends the series with a later price.
    public mutating func add(_ price: Price) {
        if price > high { high = price }
        if price < low { low = price }
        close = price
    }
}
