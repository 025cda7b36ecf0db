import Foundation
import Strata
import StrataTestSupport
import Testing

@Suite struct QuoteBarsTests {
    /// Real IBM quotes (LEAN, 2013-10-07): bid/ask OHLC per minute equal a direct computation over
    /// the best bid and ask of each quote, one-sided updates included.
    @Test(SharedData.required) func ibmQuoteBarsFromRealQuotes() async throws {
        let text = try String(
            contentsOfFile: sharedData + "/lean_spy_ibm_equity/csv/20131007_ibm_Quote_Tick.csv", encoding: .utf8)
        // time (ms since midnight New York, EDT = UTC-4), bid×1e4, bid size, ask×1e4, ask size, …
        let midnight = try Timestamp(iso8601: "2013-10-07T04:00:00Z")
        var quotes: [Quote] = []
        for line in text.split(separator: "\n").prefix(20_000) {
            let f = line.split(separator: ",").map(String.init)
            let time = midnight.advanced(by: Int64(f[0])! * 1_000_000)
            let bid = Int64(f[1])!
            let ask = Int64(f[3])!
            quotes.append(
                Quote(
                    symbol: "IBM", timestamp: time,
                    bids: bid > 0
                        ? [DepthLevel(price: Price(units: bid, exponent: 4)!, size: Quantity(integer: Int64(f[2])!)!)]
                        : [],
                    asks: ask > 0
                        ? [DepthLevel(price: Price(units: ask, exponent: 4)!, size: Quantity(integer: Int64(f[4])!)!)]
                        : []))
        }
        let directory = temporaryStoreDirectory("strata-quotebars")
        defer { removeTree(directory) }
        let store = try StrataStore.open(directory: directory, configuration: testConfiguration())
        defer { try? store.close() }
        try await store.quotes.append(quotes)
        let bars = try await store.quoteBars(
            symbol: "IBM", timeframe: .oneMinute, from: midnight, to: midnight.advanced(by: Timestamp.nanosecondsPerDay)
        )
        var expected: [Int64: (bid: [Price], ask: [Price], count: Int)] = [:]
        for quote in quotes {
            let start = quote.timestamp.floor(toMultipleOf: 60_000_000_000).nanoseconds
            var entry = expected[start] ?? ([], [], 0)
            if let bid = quote.bestBid?.price { entry.bid.append(bid) }
            if let ask = quote.bestAsk?.price { entry.ask.append(ask) }
            entry.count += 1
            expected[start] = entry
        }
        #expect(bars.count == expected.count)
        for bar in bars {
            let entry = expected[bar.start.nanoseconds]!
            #expect(bar.quoteCount == entry.count)
            #expect(bar.bid?.open == entry.bid.first && bar.bid?.close == entry.bid.last)
            #expect(bar.bid?.high == entry.bid.max() && bar.bid?.low == entry.bid.min())
            #expect(bar.ask?.open == entry.ask.first && bar.ask?.close == entry.ask.last)
            #expect(bar.ask?.high == entry.ask.max() && bar.ask?.low == entry.ask.min())
        }
    }

    @Test func vwapIsExactNotionalOverVolumeRoundedHalfToEven() {
        func bar(notional: Int128, volume: Int128) -> Bar {
            Bar(
                symbol: "X", timeframe: .oneMinute, start: .zero, open: Price(mantissa: 1), high: Price(mantissa: 1),
                low: Price(mantissa: 1), close: Price(mantissa: 1), volume: Volume(mantissa: volume),
                notional: Notional(mantissa: notional), tradeCount: 1)
        }
        let scale: Int128 = 100_000_000
        // 100 × 1 + 101 × 3 = 403 over 4 = 100.75 exactly.
        #expect(
            bar(notional: (100 * 1 + 101 * 3) * scale * scale, volume: 4 * scale).vwap
                == Price(mantissa: 10_075_000_000))
        // 1 / 3 = 0.333333333… → 0.33333333; 2 / 3 → 0.66666667.
        #expect(bar(notional: 1 * scale * scale, volume: 3 * scale).vwap == Price(mantissa: 33_333_333))
        #expect(bar(notional: 2 * scale * scale, volume: 3 * scale).vwap == Price(mantissa: 66_666_667))
        // Exactly half a unit in the last place rounds to even: 0.000000005 → 0.00000000; 0.000000015 → 0.00000002.
        #expect(bar(notional: 5 * scale / 10, volume: 100 * scale / 100 * 1).vwap == Price(mantissa: 0))
        #expect(bar(notional: 15 * scale / 10, volume: scale).vwap == Price(mantissa: 2))
        #expect(bar(notional: 0, volume: 0).vwap == nil)
    }
}
