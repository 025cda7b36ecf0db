import Foundation
import Strata
import StrataTestSupport
import Testing

/// Query arguments at the ends of their types must be answered (or refused with a typed error),
/// never trap: a read-only client chooses them.
@Suite struct ExtremeArgumentsTests {
    static let extremes: [Int64] = [
        .min, .min + 1, .min + 59_999_999_999, -86_400_000_000_001, -1, 0, 1, 1_717_200_000_000_000_000,
        .max - 60_000_000_000, .max - 1, .max,
    ]
    static let timeframes = ["1m", "3m", "1h", "1d", "366d"]
    static let offsets: [Int64] = [-1_440, 0, 7].map { $0 * 60_000_000_000 }
    static let symbol: Symbol = "BTCUSDT"
    static let base: Int64 = 1_717_200_000_000_000_000  // 2024-06-01

    /// Trades of ``symbol`` from ``base``, `spacing` nanoseconds apart.
    static func trades(_ count: Int, spacing: Int64, firstID: Int64 = 0) -> [Trade] {
        (0..<count).map { (i: Int) -> Trade in
            let n = Int64(i)
            let time: Int64 = base + n * spacing
            let price: Int64 = 100_000_000 + n
            return Trade(
                symbol: symbol, timestamp: Timestamp(nanoseconds: time), tradeID: firstID + n,
                price: Price(mantissa: price), quantity: Quantity(mantissa: 1_000), isBuyerMaker: i % 2 == 0)
        }
    }

    /// A fresh store in a temporary directory, removed after `body`.
    static func withStore(_ body: (StrataStore) async throws -> Void) async throws {
        let directory = temporaryStoreDirectory("strata-extremes")
        defer { removeTree(directory) }
        let store = try StrataStore.open(directory: directory, configuration: testConfiguration())
        defer { try? store.close() }
        try await body(store)
    }

    /// The read that killed the server: bars from `Int64.min` on an empty store, and every other
    /// pair of extremes, timeframe and offset, on an empty store and one with trades.
    @Test(arguments: [false, true])
    func barsAtInt64ExtremesAnswerOrRefuse(withTrades: Bool) async throws {
        try await Self.withStore { store in
            let symbol = Self.symbol
            let trades = withTrades ? Self.trades(50, spacing: 37_000_000_000) : []
            if withTrades { try await store.trades.append(trades) }
            var answered = 0
            var refused = 0
            for text in Self.timeframes {
                let timeframe = try Timeframe(text)
                for offset in Self.offsets {
                    for from in Self.extremes {
                        for to in Self.extremes {
                            for policy in [EmptyBucketPolicy.omit, .carryForward] {
                                do {
                                    let bars = try await store.bars(
                                        symbol: symbol, timeframe: timeframe, from: Timestamp(nanoseconds: from),
                                        to: Timestamp(nanoseconds: to), offset: offset, emptyBuckets: policy)
                                    answered += 1
                                    for bar in bars {
                                        #expect(bar.start.nanoseconds >= from && bar.start.nanoseconds < to)
                                    }
                                    if policy == .omit {
                                        let expected = referenceBars(
                                            trades, symbol: symbol, timeframe: timeframe, offset: offset
                                        ).filter { $0.start.nanoseconds >= from && $0.start.nanoseconds < to }
                                        #expect(bars == expected, "\(text) offset \(offset) [\(from), \(to))")
                                    }
                                } catch let error as StrataError {
                                    // Only a made-up range too wide to fill may be refused.
                                    #expect(error.code == .invalidArgument && policy == .carryForward, "\(error)")
                                    refused += 1
                                }
                            }
                        }
                    }
                }
                _ = try await store.quoteBars(
                    symbol: symbol, timeframe: timeframe, from: Timestamp(nanoseconds: .min),
                    to: Timestamp(nanoseconds: .max))
            }
            #expect(answered > 0)
            // Carrying forward across the whole of time is too wide to make up, and is refused.
            #expect(refused > 0)
        }
    }

    /// Range, latest and last at the extremes, on every table, empty and with rows.
    @Test func rangesAndLatestAtInt64Extremes() async throws {
        try await Self.withStore { store in
            let symbol = Self.symbol
            let base = Self.base
            try await store.trades.append(Self.trades(20, spacing: 1_000_000_000))
            store.compact(now: Timestamp(nanoseconds: base + 3 * Timestamp.nanosecondsPerDay))
            try await store.trades.append([
                Trade(
                    symbol: symbol, timestamp: Timestamp(nanoseconds: base + 2 * Timestamp.nanosecondsPerDay),
                    tradeID: 99,
                    price: Price(mantissa: 100), quantity: Quantity(mantissa: 1), isBuyerMaker: false)
            ])
            for from in Self.extremes {
                for to in Self.extremes {
                    let rows = try await store.trades.range(
                        symbol: symbol, from: Timestamp(nanoseconds: from), to: Timestamp(nanoseconds: to))
                    #expect(rows.allSatisfy { $0.timestamp.nanoseconds >= from && $0.timestamp.nanoseconds < to })
                    _ = try await store.quotes.range(
                        symbol: symbol, from: Timestamp(nanoseconds: from), to: Timestamp(nanoseconds: to))
                    _ = try await store.aggregatedTrades.range(
                        symbol: symbol, from: Timestamp(nanoseconds: from), to: Timestamp(nanoseconds: to))
                }
            }
            #expect(try await store.trades.range(symbol: symbol, from: .min, to: .max).count == 21)
            for limit in [0, 1, 20, 21, 1_000_000, Int.max] {
                #expect(try await store.trades.latest(symbol: symbol, limit: limit).count == min(limit, 21))
            }
            await #expect(throws: StrataError.self) { _ = try await store.trades.latest(symbol: symbol, limit: -1) }
        }
    }
}
