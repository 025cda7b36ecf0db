import Foundation
import Strata
import StrataTestSupport
import Testing

@Suite struct StoreSmokeTests {
    @Test func appendQueryReopen() async throws {
        let dir = makeTemporaryDirectory("strata-smoke")
        defer { removeTree(dir) }
        let base = try Timestamp(iso8601: "2024-07-01T00:00:00Z")
        var trades: [Trade] = []
        for i in 0..<5000 {
            trades.append(
                Trade(
                    symbol: i % 3 == 0 ? "BTCUSDT" : "ETHUSDT", timestamp: base.advanced(by: Int64(i) * 1_000_000_000),
                    tradeID: Int64(i), price: Price(mantissa: 6_400_000_000_000 + Int64(i)),
                    quantity: Quantity(mantissa: 1000 + Int64(i)),
                    isBuyerMaker: i % 2 == 0))
        }
        do {
            let store = try StrataStore.open(directory: dir)
            let report = try await store.trades.append(trades)
            #expect(report.stored == 5000)
            let again = try await store.trades.append(Array(trades[0..<10]))
            #expect(again.duplicates == 10)
            let latest = try await store.trades.latest(symbol: "BTCUSDT", limit: 3)
            #expect(latest.map(\.tradeID) == [4998, 4995, 4992])
            try store.close()
        }
        do {
            let store = try StrataStore.open(directory: dir)
            #expect(store.recovery.rowsReplayed == 5010)
            let all = try await store.trades.range(symbol: "ETHUSDT", from: .min, to: .max)
            #expect(all.count == trades.filter { $0.symbol == "ETHUSDT" }.count)
            let report = store.compact()
            #expect(report.errors.isEmpty)
            #expect(store.trades.stats().sealedPartitions == 1)
            let sealed = try await store.trades.range(symbol: "ETHUSDT", from: .min, to: .max)
            #expect(sealed == all)
            let latest = try await store.trades.latest(symbol: "BTCUSDT", limit: 3)
            #expect(latest.map(\.tradeID) == [4998, 4995, 4992])
            try store.close()
        }
        do {
            let store = try StrataStore.open(directory: dir)
            #expect(store.recovery.rowsReplayed == 0)
            let all = try await store.trades.range(symbol: "ETHUSDT", from: .min, to: .max)
            #expect(all.count == trades.filter { $0.symbol == "ETHUSDT" }.count)
            #expect(try await store.trades.lastTimestamp(symbol: "BTCUSDT") == trades[4998].timestamp)
            try store.close()
        }
    }
}
