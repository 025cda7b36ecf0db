import StrataCore
import Testing

@Suite("ValidationRules")
struct ValidationRulesTests {
    static let t0 = Timestamp(nanoseconds: 1_719_878_281_500_000_000)  // 2024-07-01T23:58:01.5Z
    static let window =
        Timestamp(nanoseconds: 1_700_000_000_000_000_000)...Timestamp(nanoseconds: 1_800_000_000_000_000_000)
    static let rules = ValidationRules(window: .fixed(earliest: .min, latest: .max))

    static func price(_ text: String) -> Price { Price(mantissa: mantissa(text)) }
    static func qty(_ text: String) -> Quantity { Quantity(mantissa: mantissa(text)) }

    /// Test literals only: the exact mantissa of decimal text at scale 8 (0 if the literal is bad).
    static func mantissa(_ text: String) -> Int64 {
        var copy = text
        return (try? copy.withUTF8 { try DecimalParser.parse($0, scale: 8).get() }) ?? 0
    }

    static func trade(ts: Timestamp = t0, price: String = "64123.45", qty: String = "0.5") -> Trade {
        Trade(
            symbol: "BTCUSDT", timestamp: ts, tradeID: 1, price: Self.price(price), quantity: Self.qty(qty),
            isBuyerMaker: true)
    }

    static func agg(ts: Timestamp = t0, price: String = "1", qty: String = "1", first: Int64 = 10, last: Int64 = 12)
        -> AggregatedTrade
    {
        AggregatedTrade(
            symbol: "BTCUSDT", aggregateID: 7, price: Self.price(price), quantity: Self.qty(qty), firstTradeID: first,
            lastTradeID: last, timestamp: ts, isBuyerMaker: false, isBestMatch: true)
    }

    static func levels(_ count: Int, price: String = "100", size: String = "1") -> [DepthLevel] {
        (0..<count).map { _ in DepthLevel(price: Self.price(price), size: Self.qty(size)) }
    }

    static func quote(ts: Timestamp = t0, bids: [DepthLevel] = levels(1), asks: [DepthLevel] = levels(1)) -> Quote {
        Quote(symbol: "IBM", timestamp: ts, bids: bids, asks: asks)
    }

    /// The error `body` throws, which must be a ValidationError.
    static func failure(_ body: () throws -> Void) -> ValidationError? {
        #expect(throws: ValidationError.self) { try body() }
    }

    // MARK: - Windows

    @Test func standardWindow() throws {
        #expect(
            ValidationRules.standard.window
                == .relativeToNow(
                    earliest: try Timestamp(iso8601: "1990-01-01"), maximumFutureSkew: Timestamp.nanosecondsPerDay))
        let now = Self.t0
        let range = ValidationRules.standard.timestampWindow(now: now)
        #expect(range.lowerBound == (try Timestamp(iso8601: "1990-01-01")))
        #expect(range.upperBound == (try Timestamp(iso8601: "2024-07-02T23:58:01.5Z")))
    }

    @Test func relativeToNow() {
        let rules = ValidationRules(
            window: .relativeToNow(earliest: Timestamp(nanoseconds: 100), maximumFutureSkew: 50))
        #expect(
            rules.timestampWindow(now: Timestamp(nanoseconds: 1_000)) == Timestamp(
                nanoseconds: 100)...Timestamp(nanoseconds: 1_050))
        // A clock before the earliest time gives a one-point window instead of an invalid range.
        #expect(
            rules.timestampWindow(now: Timestamp(nanoseconds: 0)) == Timestamp(
                nanoseconds: 100)...Timestamp(nanoseconds: 100))
        // The skew saturates at the end of the range.
        let far = ValidationRules(window: .relativeToNow(earliest: .min, maximumFutureSkew: .max))
        #expect(far.timestampWindow(now: Timestamp(nanoseconds: 1)).upperBound == .max)
        // The default `now` is the wall clock.
        let live = ValidationRules.standard.timestampWindow()
        let now = WallClock.now()
        #expect(live.upperBound <= now.advanced(by: Timestamp.nanosecondsPerDay))
        #expect(live.upperBound > now.advanced(by: Timestamp.nanosecondsPerDay - 60_000_000_000))
    }

    @Test func fixed() {
        let rules = ValidationRules(
            window: .fixed(earliest: Timestamp(nanoseconds: 10), latest: Timestamp(nanoseconds: 20)))
        #expect(rules.timestampWindow(now: .max) == Timestamp(nanoseconds: 10)...Timestamp(nanoseconds: 20))
        #expect(rules.timestampWindow(now: .min) == Timestamp(nanoseconds: 10)...Timestamp(nanoseconds: 20))
        let inverted = ValidationRules(
            window: .fixed(earliest: Timestamp(nanoseconds: 20), latest: Timestamp(nanoseconds: 10)))
        #expect(inverted.timestampWindow() == Timestamp(nanoseconds: 20)...Timestamp(nanoseconds: 20))
    }

    @Test func windowBoundsAreInclusive() throws {
        let rules = ValidationRules(window: .fixed(earliest: Self.window.lowerBound, latest: Self.window.upperBound))
        try rules.validate(Self.trade(ts: Self.window.lowerBound))
        try rules.validate(Self.trade(ts: Self.window.upperBound))
        for ts in [Self.window.lowerBound.advanced(by: -1), Self.window.upperBound.advanced(by: 1)] {
            let error = Self.failure { try rules.validate(Self.trade(ts: ts)) }
            #expect(error?.rule == .outsideWindow)
            #expect(error?.field == "ts_ns")
            #expect(error?.value == String(ts.nanoseconds))
            #expect(error?.detail?.contains(Self.window.lowerBound.description) == true)
            #expect(error?.detail?.contains(Self.window.upperBound.description) == true)
        }
    }

    @Test func defaultWindowCatchesUnitMixUps() throws {
        let now = WallClock.now()
        try ValidationRules.standard.validate(Self.trade(ts: now))
        // Milliseconds read as nanoseconds land in 1970; seconds in 1970 too.
        for ts in [
            Timestamp(nanoseconds: now.epoch(in: .milliseconds)), Timestamp(nanoseconds: now.epoch(in: .seconds)),
            now.advanced(by: 2 * Timestamp.nanosecondsPerDay),
        ] {
            #expect(Self.failure { try ValidationRules.standard.validate(Self.trade(ts: ts)) }?.rule == .outsideWindow)
        }
        // A window passed explicitly wins over the rules' own.
        try ValidationRules.standard.validate(
            Self.trade(ts: Timestamp(nanoseconds: 5)), window: Timestamp.min...Timestamp.max)
    }

    // MARK: - Trades

    @Test func validTradesPass() throws {
        try Self.rules.validate(Self.trade())
        try Self.rules.validate(Self.trade(qty: "0"))  // zero-size prints exist
        try Self.rules.validate(Self.trade(price: "0.00000001", qty: "92233720368.54775807"))
    }

    static let badTrades: [(price: String, qty: String, field: String, value: String, rule: ValidationError.Rule)] = [
        ("0", "1", "price", "0", .nonPositive),
        ("-0.00000001", "1", "price", "-0.00000001", .nonPositive),
        ("-64123.45", "1", "price", "-64123.45", .nonPositive),
        ("1", "-0.00000001", "qty", "-0.00000001", .negative),
        ("1", "-3", "qty", "-3", .negative),
        ("0", "-3", "price", "0", .nonPositive),  // the first broken field is named
    ]

    @Test(arguments: badTrades)
    func badTradesNameTheField(price: String, qty: String, field: String, value: String, rule: ValidationError.Rule) {
        let error = Self.failure { try Self.rules.validate(Self.trade(price: price, qty: qty)) }
        #expect(error?.field == field)
        #expect(error?.value == value)
        #expect(error?.rule == rule)
    }

    @Test func timestampIsCheckedFirst() {
        let error = Self.failure {
            try Self.rules.validate(Self.trade(ts: Timestamp(nanoseconds: 1), price: "0"), window: Self.window)
        }
        #expect(error?.field == "ts_ns")
    }

    // MARK: - Aggregated trades

    @Test func aggregatedTrades() throws {
        try Self.rules.validate(Self.agg())
        try Self.rules.validate(Self.agg(first: 5, last: 5))
        try Self.rules.validate(Self.agg(first: .min, last: .max))
        var error = Self.failure { try Self.rules.validate(Self.agg(first: 13, last: 12)) }
        #expect(error?.field == "first_trade_id")
        #expect(error?.value == "13")
        #expect(error?.rule == .inconsistent)
        #expect(error?.detail?.contains("12") == true)
        error = Self.failure { try Self.rules.validate(Self.agg(price: "0")) }
        #expect(error?.field == "price" && error?.rule == .nonPositive && error?.value == "0")
        error = Self.failure { try Self.rules.validate(Self.agg(qty: "-1")) }
        #expect(error?.field == "quantity" && error?.rule == .negative && error?.value == "-1")
        error = Self.failure { try Self.rules.validate(Self.agg(ts: Timestamp(nanoseconds: 0)), window: Self.window) }
        #expect(error?.field == "transact_time" && error?.rule == .outsideWindow && error?.value == "0")
    }

    // MARK: - Quotes

    @Test func validQuotesPass() throws {
        try Self.rules.validate(Self.quote())
        try Self.rules.validate(Self.quote(bids: Self.levels(5), asks: Self.levels(5)))
        try Self.rules.validate(Self.quote(bids: [], asks: Self.levels(1)))  // one-sided
        try Self.rules.validate(Self.quote(bids: Self.levels(1), asks: []))
        try Self.rules.validate(Self.quote(bids: Self.levels(1, size: "0"), asks: []))  // zero sizes are allowed
        // Crossed books are stored as received.
        try Self.rules.validate(Self.quote(bids: Self.levels(1, price: "101"), asks: Self.levels(1, price: "100")))
    }

    @Test func emptyQuote() {
        let error = Self.failure { try Self.rules.validate(Self.quote(bids: [], asks: [])) }
        #expect(error?.field == "quote" && error?.value == "IBM" && error?.rule == .malformed)
    }

    @Test(arguments: [6, 7, 100])
    func tooManyLevels(count: Int) {
        #expect(Quote.maximumDepth == 5)
        var error = Self.failure { try Self.rules.validate(Self.quote(bids: Self.levels(count))) }
        #expect(error?.field == "bids" && error?.value == String(count) && error?.rule == .malformed)
        error = Self.failure { try Self.rules.validate(Self.quote(asks: Self.levels(count))) }
        #expect(error?.field == "asks" && error?.value == String(count) && error?.rule == .malformed)
    }

    @Test(arguments: 0..<5)
    func badLevelsNameTheirPosition(position: Int) {
        var bids = Self.levels(5)
        bids[position].price = Price.zero
        var error = Self.failure { try Self.rules.validate(Self.quote(bids: bids)) }
        #expect(error?.field == "bid_px_\(position)" && error?.value == "0" && error?.rule == .nonPositive)

        var asks = Self.levels(5)
        asks[position].price = Price(mantissa: -150_000_000)
        error = Self.failure { try Self.rules.validate(Self.quote(asks: asks)) }
        #expect(error?.field == "ask_px_\(position)" && error?.value == "-1.5" && error?.rule == .nonPositive)

        asks = Self.levels(5)
        asks[position].size = Quantity(mantissa: -1)
        error = Self.failure { try Self.rules.validate(Self.quote(asks: asks)) }
        #expect(error?.field == "ask_sz_\(position)" && error?.value == "-0.00000001" && error?.rule == .negative)

        bids = Self.levels(5)
        bids[position].size = Quantity(mantissa: -2)
        error = Self.failure { try Self.rules.validate(Self.quote(bids: bids)) }
        #expect(error?.field == "bid_sz_\(position)" && error?.rule == .negative)
    }

    @Test func quoteTimestamp() {
        let error = Self.failure {
            try Self.rules.validate(Self.quote(ts: Timestamp(nanoseconds: -5)), window: Self.window)
        }
        #expect(error?.field == "ts_ns" && error?.value == "-5" && error?.rule == .outsideWindow)
    }

    // MARK: - Any record

    struct Other: TimeSeriesRecord {
        static var schema: RecordSchema { .trades }
        var symbol: Symbol
        var timestamp: Timestamp
    }

    @Test func anyRecordDispatchesByType() throws {
        let all = Timestamp.min...Timestamp.max
        #expect(Self.failure { try Self.rules.validate(any: Self.trade(price: "0"), window: all) }?.field == "price")
        #expect(
            Self.failure { try Self.rules.validate(any: Self.agg(first: 2, last: 1), window: all) }?.field
                == "first_trade_id")
        #expect(
            Self.failure { try Self.rules.validate(any: Self.quote(bids: [], asks: []), window: all) }?.field == "quote"
        )
        #expect(
            Self.failure {
                try Self.rules.validate(any: Self.trade(), window: Self.window.lowerBound...Self.window.lowerBound)
            }?.rule == .outsideWindow)
        try Self.rules.validate(any: Self.trade(), window: all)
        try Self.rules.validate(any: Other(symbol: "X", timestamp: .min), window: Self.window)  // unknown kinds pass
    }

    @Test func rulesAreValues() {
        let a = ValidationRules(window: .fixed(earliest: .min, latest: .max))
        var b = a
        #expect(a == b)
        b.window = .relativeToNow(earliest: .min, maximumFutureSkew: 0)
        #expect(a != b)
    }
}
