import Foundation
import Strata
import StrataTestSupport
import StrataWorkload
import Testing

@Suite struct BarsPropertyTests {
    static let timeframes: [Timeframe] = [
        .oneMinute, .fiveMinutes, .fifteenMinutes, .oneHour, .oneDay, Timeframe(minutes: 3)!, Timeframe(minutes: 240)!,
        Timeframe(minutes: 10_080)!,
    ]

    func checkAll(_ store: StrataStore, against trades: [Trade], symbols: [Symbol], _ context: String) async throws {
        // `stats` counts the bars queries see: in-memory partitions' bars too, never twice.
        let stats = store.stats()
        for timeframe in Timeframe.standard {
            let expected = symbols.reduce(0) { $0 + referenceBars(trades, symbol: $1, timeframe: timeframe).count }
            let table = stats.first { $0.table == "bars_\(timeframe)" }
            #expect(table?.rows == expected, "\(context): stats of bars_\(timeframe)")
            #expect(table?.symbols == symbols.count, "\(context): symbols of bars_\(timeframe)")
        }
        let from = Timestamp(nanoseconds: trades.map(\.timestamp.nanoseconds).min()!).floor(
            toMultipleOf: 7 * Timestamp.nanosecondsPerDay)
        let to = from.advanced(by: 21 * Timestamp.nanosecondsPerDay)
        for symbol in symbols {
            for timeframe in Self.timeframes {
                let bars = try await store.bars(symbol: symbol, timeframe: timeframe, from: from, to: to)
                let expected = referenceBars(trades, symbol: symbol, timeframe: timeframe)
                #expect(
                    bars == expected,
                    "\(context): \(symbol) \(timeframe): \(bars.count) bars, expected \(expected.count)")
            }
            // An offset bucket grid: daily bars starting at 22:00 UTC (rolled up from hourly bars).
            let offset: Int64 = -2 * 3_600_000_000_000
            let shifted = try await store.bars(symbol: symbol, timeframe: .oneDay, from: from, to: to, offset: offset)
            #expect(
                shifted == referenceBars(trades, symbol: symbol, timeframe: .oneDay, offset: offset),
                "\(context): \(symbol) 1d offset")
        }
    }

    /// On the standard synthetic workload (a sample of it), every bar of every timeframe equals a
    /// straightforward recomputation from the raw rows: while open, after sealing, after reopening.
    @Test func syntheticWorkloadBarsEqualRecomputation() async throws {
        let workload = SyntheticTrades(configuration: .init(rows: 60_000, symbols: 5))
        let trades = Array(workload)
        let directory = temporaryStoreDirectory()
        defer { removeTree(directory) }
        let symbols = workload.symbols
        do {
            let store = try StrataStore.open(directory: directory, configuration: testConfiguration())
            for batch in workload.batches(of: 10_000) { try await store.trades.append(batch) }
            try await checkAll(store, against: trades, symbols: symbols, "open")
            let report = store.compact(now: .max)
            #expect(report.errors.isEmpty, "\(report)")
            try await checkAll(store, against: trades, symbols: symbols, "sealed")
            try store.close()
        }
        let store = try StrataStore.open(directory: directory, configuration: testConfiguration())
        defer { try? store.close() }
        try await checkAll(store, against: trades, symbols: symbols, "reopened")
        #expect(store.stats().contains { $0.table == "bars_1m" && $0.rows > 0 })
    }

    /// Shuffled arrival order, injected duplicates, seals and compactions in between, a reopen:
    /// the bars are the same as for the clean, in-order trades.
    @Test(arguments: [11, 12, 13] as [UInt64])
    func arrivalOrderAndDuplicatesDoNotChangeBars(seed: UInt64) async throws {
        var random = SplitMix64(seed: seed)
        let symbols: [Symbol] = ["AAA", "BBB", "CCC"]
        let start = try Timestamp(iso8601: "2026-03-02T20:00:00Z")
        var trades: [Trade] = []
        var clock = start.nanoseconds
        for i in 0..<6_000 {
            clock += Int64.random(in: 0...40_000_000_000, using: &random)  // spans ~1.5 days
            trades.append(
                Trade(
                    symbol: symbols.randomElement(using: &random)!, timestamp: Timestamp(nanoseconds: clock),
                    tradeID: Int64(i), price: Price(mantissa: Int64.random(in: 90...110, using: &random) * 1_000_000),
                    quantity: Quantity(mantissa: Int64.random(in: 1...1_000, using: &random) * 100_000),
                    isBuyerMaker: Bool.random(using: &random)))
        }
        // Some trades share a timestamp: open/close must still not depend on arrival.
        for i in stride(from: 10, to: trades.count, by: 97) { trades[i].timestamp = trades[i - 1].timestamp }
        var arrivals = trades.shuffled(using: &random)
        arrivals += (0..<600).map { _ in trades.randomElement(using: &random)! }  // re-sends
        arrivals.shuffle(using: &random)

        let directory = temporaryStoreDirectory()
        defer { removeTree(directory) }
        var store = try StrataStore.open(directory: directory, configuration: testConfiguration())
        var offset = 0
        var step = 0
        while offset < arrivals.count {
            let size = Int.random(in: 1...400, using: &random)
            try await store.trades.append(Array(arrivals[offset..<min(arrivals.count, offset + size)]))
            offset += size
            step += 1
            if step % 5 == 0 {
                store.compact(now: Timestamp(nanoseconds: Int64.random(in: start.nanoseconds...clock, using: &random)))
            }
            if step % 17 == 0 {
                try store.close()
                store = try StrataStore.open(directory: directory, configuration: testConfiguration())
            }
        }
        try await checkAll(store, against: trades, symbols: symbols, "seed \(seed) shuffled")
        #expect(store.trades.stats().rows == trades.count)
        store.compact(now: .max)
        try await checkAll(store, against: trades, symbols: symbols, "seed \(seed) shuffled, compacted")
        try store.close()
    }
}
