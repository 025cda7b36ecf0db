public import StrataCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The standard trades workload: a seeded, deterministic stream of realistic-looking trades.
///
/// The benchmark, the tests and anyone comparing Strata with another store use it so that
/// everyone measures the same rows. The same ``Configuration`` (seed included) gives the same
/// trades, bit for bit: the generator has its own PRNG (xoshiro256** seeded by SplitMix64) and
/// never touches Foundation or system randomness. (The shapes go through the C library's
/// `exp`, `log`, `sin` and `cos`; glibc's are the same on every x86-64 and arm64 Linux we
/// target, another libm could in principle round a last bit differently.)
///
/// ```swift
/// let workload = SyntheticTrades(configuration: .init(rows: 1_000_000, seed: 7))
/// for batch in workload.batches(of: 10_000) {
///     try await store.trades.append(batch)
/// }
/// try workload.writeCSV(to: "/tmp/trades.csv")   // the same rows, as the `strata ingest` CSV
/// ```
///
/// ## The distributions
///
/// - **Symbols**: ``Configuration/symbols`` instruments named by ``symbol(rank:)``
///   (`SYM000`, `SYM001`, …). Each row picks its symbol independently with Zipf popularity of
///   exponent ``Configuration/zipfExponent`` (default 1): rank *k* has weight `1/(k+1)^s`. With
///   100 symbols and s = 1, rank 0 gets 1/H₁₀₀ ≈ 19.3 % of the rows, rank 50 about 0.38 %,
///   rank 99 about 0.19 % (``expectedShare(rank:)``). Sampled in O(1) with Walker's alias method.
/// - **Time**: the rows are in time order across all symbols (timestamps non-decreasing) and
///   cover one UTC day, ``Configuration/day``. The arrival times are the order statistics of
///   ``Configuration/rows`` independent uniform instants in the day — exactly a homogeneous
///   Poisson process conditioned on its count — drawn in increasing order with the recursive
///   formula `rest ← rest · U^(1/remaining)`, so no row ever falls outside the day. Timestamps
///   are truncated to whole microseconds (as most venues print), so close arrivals share one.
///   The gaps are therefore exponential with mean `86 400 s / rows` (8.64 ms for 10 million).
/// - **Trade ids**: each symbol starts at its own random id in `1_000_000 ..< 1_000_000_000`
///   and counts up by exactly 1 per trade of that symbol, like a venue's per-market sequence.
/// - **Prices**: a per-symbol random walk on the tick grid ``Configuration/tickSize``
///   (default 0.01). A symbol starts at a log-uniform price in [5, 50 000] (rounded down to the tick, at least
///   200 ticks);
///   each of its trades moves it one step down with probability ¼, up with ¼, or not at all
///   with ½, where one step is about one basis point of the start price (at least one tick).
///   A walk that would go below 100 ticks steps up instead. Prices are always positive.
/// - **Quantities**: log-normal, quantised to the lot ``Configuration/lotSize`` (default
///   0.001): `lots = max(1, floor(exp(μ + σ·Z)))` with Z standard normal (Box–Muller),
///   σ = ``Configuration/sizeSigma`` (default 1.2), and μ chosen per symbol so that the median
///   trade is worth about ``Configuration/medianNotional`` (default 1 000) in quote currency.
///   The result is the familiar skew: many small trades and a long tail of large ones.
/// - **Aggressor side**: `isBuyerMaker` is a fair coin, independent of everything else.
///
/// Every row passes ``ValidationRules/standard`` as long as ``Configuration/day`` is not in
/// the future.
///
/// Generation costs well under 100 ns a row; ``batches(of:)`` hands out `[Trade]` arrays of a
/// fixed size (10 000 by default, the benchmark's batch) without intermediate copies.
public struct SyntheticTrades: Sequence, Sendable {
    /// What to generate. Every field has the standard workload's default.
    public struct Configuration: Sendable, Hashable {
        /// How many trades in all. Default 10 000 000.
        public var rows: Int
        /// How many distinct symbols (1 ... 1000). Default 100.
        public var symbols: Int
        /// The PRNG seed: the same seed and configuration give the same rows.
        public var seed: UInt64
        /// The UTC day the trades fall in; any instant inside it will do (it is floored to
        /// midnight). Default 2026-01-05.
        public var day: Timestamp
        /// The Zipf exponent *s* of symbol popularity: rank *k* has weight `1/(k+1)^s`. Default 1.
        public var zipfExponent: Double
        /// The price grid. Default 0.01.
        public var tickSize: Price
        /// The quantity grid. Default 0.001.
        public var lotSize: Quantity
        /// The σ of the log-normal trade size. Default 1.2.
        public var sizeSigma: Double
        /// The median trade's price × quantity, in quote currency. Default 1 000.
        public var medianNotional: Double

        /// 2026-01-05T00:00:00Z, the standard workload's day.
        public static let standardDay = Timestamp(nanoseconds: 1_767_571_200_000_000_000)

        public init(
            rows: Int = 10_000_000,
            symbols: Int = 100,
            seed: UInt64 = 20_260_105,
            day: Timestamp = Configuration.standardDay,
            zipfExponent: Double = 1,
            tickSize: Price = Price(mantissa: 1_000_000),
            lotSize: Quantity = Quantity(mantissa: 100_000),
            sizeSigma: Double = 1.2,
            medianNotional: Double = 1_000
        ) {
            self.rows = rows
            self.symbols = symbols
            self.seed = seed
            self.day = day
            self.zipfExponent = zipfExponent
            self.tickSize = tickSize
            self.lotSize = lotSize
            self.sizeSigma = sizeSigma
            self.medianNotional = medianNotional
        }

        /// The standard workload (all defaults).
        public static let standard = Configuration()
    }

    /// What this sequence generates.
    public let configuration: Configuration

    /// A generator for `configuration`.
    ///
    /// Out-of-range settings are clamped rather than trapping: `rows` to at least 0, `symbols`
    /// to 1 ... 1000, `tickSize` and `lotSize` to at least one mantissa unit.
    public init(configuration: Configuration = .standard) {
        var configuration = configuration
        configuration.rows = Swift.max(0, configuration.rows)
        configuration.symbols = Swift.min(1000, Swift.max(1, configuration.symbols))
        configuration.tickSize = Price(mantissa: Swift.max(1, configuration.tickSize.mantissa))
        configuration.lotSize = Quantity(mantissa: Swift.max(1, configuration.lotSize.mantissa))
        configuration.day = configuration.day.floor(toMultipleOf: Timestamp.nanosecondsPerDay)
        self.configuration = configuration
    }

    /// The number of rows the sequence yields.
    public var underestimatedCount: Int { configuration.rows }

    /// The symbol of popularity rank `rank` (0 is the most traded): `SYM000`, `SYM001`, … `SYM999`.
    ///
    /// ```swift
    /// SyntheticTrades.symbol(rank: 50)   // SYM050
    /// ```
    public static func symbol(rank: Int) -> Symbol {
        let digits = String(rank)
        return Symbol(unchecked: "SYM" + String(repeating: "0", count: Swift.max(0, 3 - digits.count)) + digits)
    }

    /// The symbols of this workload, most popular first.
    public var symbols: [Symbol] { (0..<configuration.symbols).map(SyntheticTrades.symbol(rank:)) }

    /// The expected fraction of the rows that go to symbol `rank`: `(1/(rank+1)^s) / Σ 1/(j+1)^s`.
    public func expectedShare(rank: Int) -> Double {
        let weights = SyntheticTrades.zipfWeights(count: configuration.symbols, exponent: configuration.zipfExponent)
        guard weights.indices.contains(rank) else { return 0 }
        return weights[rank] / weights.reduce(0, +)
    }

    public func makeIterator() -> Iterator { Iterator(configuration: configuration) }

    /// The rows in arrays of `size` (the last one may be shorter): the cheap way to feed
    /// `append`, which takes batches.
    ///
    /// ```swift
    /// for batch in SyntheticTrades().batches(of: 10_000) { try await store.trades.append(batch) }
    /// ```
    /// - Parameter size: rows per batch; values below 1 are taken as 1.
    public func batches(of size: Int = 10_000) -> Batches { Batches(trades: self, size: Swift.max(1, size)) }

    static func zipfWeights(count: Int, exponent: Double) -> [Double] {
        (0..<count).map { 1 / pow(Double($0 + 1), exponent) }
    }
}

extension SyntheticTrades {
    /// Generates the trades one by one; see ``SyntheticTrades`` for the distributions.
    public struct Iterator: IteratorProtocol, Sendable {
        private var random: Xoshiro256StarStar
        private let symbols: [Symbol]
        private let alias: AliasTable
        private var nextID: [Int64]
        private var price: [Int64]
        private let step: [Int64]
        private let minimumPrice: Int64
        private let logMedianLots: [Double]
        private let sizeSigma: Double
        private let lotMantissa: Int64
        private let dayStart: Int64
        private let rows: Int
        private var produced = 0
        /// 1 − (the current instant as a fraction of the day).
        private var remainingFraction = 1.0
        private var spareNormal: Double?

        init(configuration: Configuration) {
            var random = Xoshiro256StarStar(seed: configuration.seed)
            let count = configuration.symbols
            let tick = configuration.tickSize.mantissa
            let unit = Double(Price.unit)
            symbols = (0..<count).map(SyntheticTrades.symbol(rank:))
            alias = AliasTable(weights: SyntheticTrades.zipfWeights(count: count, exponent: configuration.zipfExponent))
            var nextID: [Int64] = []
            var price: [Int64] = []
            var step: [Int64] = []
            var logMedianLots: [Double] = []
            let lot = Double(configuration.lotSize.mantissa) / Double(Quantity.unit)
            for _ in 0..<count {
                nextID.append(1_000_000 + Int64(random.next(below: 999_000_000)))
                let start = exp(log(5.0) + random.nextUnit() * (log(50_000.0) - log(5.0)))
                let ticks = Swift.max(200, Int64(start * unit) / tick)
                price.append(ticks * tick)
                step.append(Swift.max(1, ticks / 10_000) * tick)
                let medianLots = configuration.medianNotional / (start * lot)
                logMedianLots.append(log(Swift.max(1, medianLots)))
            }
            self.random = random
            self.nextID = nextID
            self.price = price
            self.step = step
            self.minimumPrice = 100 * tick
            self.logMedianLots = logMedianLots
            self.sizeSigma = configuration.sizeSigma
            self.lotMantissa = configuration.lotSize.mantissa
            self.dayStart = configuration.day.nanoseconds
            self.rows = configuration.rows
        }

        public mutating func next() -> Trade? {
            guard produced < rows else { return nil }
            // Arrival: the next order statistic of `rows` uniform instants.
            remainingFraction *= exp(log(random.nextOpenUnit()) / Double(rows - produced))
            produced += 1
            let microsecondsPerDay: Int64 = 86_400_000_000
            let microsecond = Swift.min(
                microsecondsPerDay - 1, Int64((1 - remainingFraction) * Double(microsecondsPerDay)))

            let rank = alias.sample(&random)
            let bits = random.next()
            var newPrice = price[rank]
            switch bits & 3 {
            case 0: newPrice -= step[rank]
            case 1: newPrice += step[rank]
            default: break
            }
            if newPrice < minimumPrice { newPrice = price[rank] + step[rank] }
            price[rank] = newPrice

            let lots = exp(logMedianLots[rank] + sizeSigma * nextNormal())
            let quantity = Swift.max(1, Int64(Swift.min(lots, 1e9))) * lotMantissa

            let id = nextID[rank]
            nextID[rank] = id + 1
            return Trade(
                symbol: symbols[rank], timestamp: Timestamp(nanoseconds: dayStart + microsecond * 1000), tradeID: id,
                price: Price(mantissa: newPrice), quantity: Quantity(mantissa: quantity), isBuyerMaker: bits & 4 != 0)
        }

        /// A standard normal variate (Box–Muller, both values used).
        private mutating func nextNormal() -> Double {
            if let spare = spareNormal {
                spareNormal = nil
                return spare
            }
            let radius = sqrt(-2 * log(random.nextOpenUnit()))
            let angle = 2 * Double.pi * random.nextUnit()
            spareNormal = radius * sin(angle)
            return radius * cos(angle)
        }
    }

    /// The rows in `[Trade]` arrays of a fixed size; see ``SyntheticTrades/batches(of:)``.
    public struct Batches: Sequence, Sendable {
        let trades: SyntheticTrades
        let size: Int

        /// The number of batches.
        public var underestimatedCount: Int { (trades.configuration.rows + size - 1) / size }

        public func makeIterator() -> Iterator { Iterator(rows: trades.makeIterator(), size: size) }

        /// Fills one array per call.
        public struct Iterator: IteratorProtocol, Sendable {
            var rows: SyntheticTrades.Iterator
            let size: Int

            public mutating func next() -> [Trade]? {
                var batch: [Trade] = []
                batch.reserveCapacity(size)
                while batch.count < size, let trade = rows.next() { batch.append(trade) }
                return batch.isEmpty ? nil : batch
            }
        }
    }
}

/// Walker's alias method (Vose's construction): O(1) sampling from a fixed discrete distribution.
struct AliasTable: Sendable {
    private let probability: [Double]
    private let alias: [Int]

    init(weights: [Double]) {
        let count = weights.count
        let total = weights.reduce(0, +)
        var scaled = weights.map { $0 * Double(count) / total }
        var probability = [Double](repeating: 1, count: count)
        var alias = Array(0..<count)
        var small = scaled.indices.filter { scaled[$0] < 1 }
        var large = scaled.indices.filter { scaled[$0] >= 1 }
        while let s = small.popLast(), let l = large.popLast() {
            probability[s] = scaled[s]
            alias[s] = l
            scaled[l] -= 1 - scaled[s]
            if scaled[l] < 1 { small.append(l) } else { large.append(l) }
        }
        // Whatever is left is 1 up to rounding.
        self.probability = probability
        self.alias = alias
    }

    @inline(__always)
    func sample(_ random: inout Xoshiro256StarStar) -> Int {
        let word = random.next()
        // The high half picks the column, the low half is the coin: independent bits.
        let column = Int(truncatingIfNeeded: ((word >> 32) &* UInt64(probability.count)) >> 32)
        let coin = Double(word & 0xFFFF_FFFF) * 0x1.0p-32
        return coin < probability[column] ? column : alias[column]
    }
}
