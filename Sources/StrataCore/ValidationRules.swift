/// The rules every record passes before it is stored.
///
/// - prices strictly positive (a zero or negative print is a feed error, never a trade);
/// - quantities zero or positive (zero is allowed: some venues print zero-size trades and
///   one-sided quotes carry zero sizes);
/// - timestamps inside ``timestampWindow``: by default from 1990-01-01 to one day past the
///   wall clock at validation time, which catches seconds-versus-milliseconds mix-ups;
/// - quotes: at most ``Quote/maximumDepth`` levels a side, at least one level in all, no
///   zero or negative level prices;
/// - aggregated trades: `firstTradeID <= lastTradeID`.
///
/// Symbols are validated when they are made (``Symbol/init(_:field:)``).
///
/// ```swift
/// let rules = ValidationRules(window: .fixed(earliest: .min, latest: .max))
/// try rules.validate(trade)
/// ```
public struct ValidationRules: Sendable, Hashable {
    /// Which timestamps are accepted.
    public enum Window: Sendable, Hashable {
        /// Between `earliest` and `now + maximumFutureSkew` nanoseconds (inclusive).
        case relativeToNow(earliest: Timestamp, maximumFutureSkew: Int64)
        /// Between the two, inclusive.
        case fixed(earliest: Timestamp, latest: Timestamp)
    }

    public var window: Window

    /// 1990-01-01 to one day in the future.
    public static let standard = ValidationRules(
        window: .relativeToNow(
            earliest: Timestamp(nanoseconds: 631_152_000_000_000_000), maximumFutureSkew: Timestamp.nanosecondsPerDay))

    public init(window: Window) { self.window = window }

    /// The accepted range of timestamps now.
    public func timestampWindow(now: Timestamp = WallClock.now()) -> ClosedRange<Timestamp> {
        switch window {
        case .relativeToNow(let earliest, let skew): earliest...max(earliest, now.advanced(by: skew))
        case .fixed(let earliest, let latest): earliest...max(earliest, latest)
        }
    }

    /// Checks one trade.
    /// - Throws: ``ValidationError`` naming the first field that breaks a rule.
    public func validate(_ trade: Trade, window: ClosedRange<Timestamp>? = nil) throws {
        try check(timestamp: trade.timestamp, field: "ts_ns", window: window ?? timestampWindow())
        try check(price: trade.price, field: "price")
        try check(quantity: trade.quantity, field: "qty")
    }

    /// Checks one aggregated trade.
    public func validate(_ trade: AggregatedTrade, window: ClosedRange<Timestamp>? = nil) throws {
        try check(timestamp: trade.timestamp, field: "transact_time", window: window ?? timestampWindow())
        try check(price: trade.price, field: "price")
        try check(quantity: trade.quantity, field: "quantity")
        if trade.firstTradeID > trade.lastTradeID {
            throw ValidationError(
                field: "first_trade_id", value: String(trade.firstTradeID), rule: .inconsistent,
                detail: "greater than last_trade_id \(trade.lastTradeID)")
        }
    }

    /// Checks one quote.
    public func validate(_ quote: Quote, window: ClosedRange<Timestamp>? = nil) throws {
        try check(timestamp: quote.timestamp, field: "ts_ns", window: window ?? timestampWindow())
        if quote.bids.isEmpty && quote.asks.isEmpty {
            throw ValidationError(
                field: "quote", value: quote.symbol.name, rule: .malformed, detail: "no bid and no ask")
        }
        for (side, levels) in [("bid", quote.bids), ("ask", quote.asks)] {
            if levels.count > Quote.maximumDepth {
                throw ValidationError(
                    field: "\(side)s", value: String(levels.count), rule: .malformed,
                    detail: "at most \(Quote.maximumDepth) levels")
            }
            for (level, entry) in levels.enumerated() {
                try check(price: entry.price, field: "\(side)_px_\(level)")
                try check(quantity: entry.size, field: "\(side)_sz_\(level)")
            }
        }
    }

    /// Checks a record of any kind.
    public func validate<Record: TimeSeriesRecord>(any record: Record, window: ClosedRange<Timestamp>) throws {
        switch record {
        case let trade as Trade: try validate(trade, window: window)
        case let trade as AggregatedTrade: try validate(trade, window: window)
        case let quote as Quote: try validate(quote, window: window)
        default: break
        }
    }

    @inline(__always)
    func check(timestamp: Timestamp, field: String, window: ClosedRange<Timestamp>) throws {
        if !window.contains(timestamp) {
            throw ValidationError(
                field: field, value: String(timestamp.nanoseconds), rule: .outsideWindow,
                detail: "accepted \(window.lowerBound) … \(window.upperBound)")
        }
    }

    @inline(__always)
    func check(price: Price, field: String) throws {
        if price.mantissa <= 0 { throw ValidationError(field: field, value: price.description, rule: .nonPositive) }
    }

    @inline(__always)
    func check(quantity: Quantity, field: String) throws {
        if quantity.mantissa < 0 { throw ValidationError(field: field, value: quantity.description, rule: .negative) }
    }
}
