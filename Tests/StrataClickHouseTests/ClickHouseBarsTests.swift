import Strata
import StrataClickHouse
import StrataCore
import StrataTestSupport
import StrataTiers
import StrataWorkload
import Testing

/// Real trades through a store, its replicator and the ClickHouse tier: the rows arrive exactly,
/// and the materialized views' bars equal Strata's own bars, late and out-of-order trades included.
@Suite(TestClickHouse.sharedServer, SharedData.required) struct ClickHouseBarsTests {
    /// Every timeframe kept, and rolled-up ones (3m, 4h, with an offset), for every symbol.
    static func expectSameBars(_ fed: FedStore, symbols: [Symbol], from: Timestamp, to: Timestamp) async throws {
        for symbol in symbols {
            for (timeframe, offset) in [
                (Timeframe.oneMinute, Int64(0)), (.fiveMinutes, 0), (.fifteenMinutes, 0), (.oneHour, 0), (.oneDay, 0),
                (try Timeframe("3m"), 0), (try Timeframe("4h"), 0), (.oneHour, 30 * 60_000_000_000),
            ] {
                let strata = try await fed.store.bars(
                    symbol: symbol, timeframe: timeframe, from: from, to: to, offset: offset)
                let clickhouse = try await fed.tier.bars(
                    symbol: symbol, timeframe: timeframe, from: from, to: to, offset: offset)
                #expect(!strata.isEmpty)
                #expect(clickhouse == strata, "\(symbol) \(timeframe) offset \(offset)")
            }
        }
    }

    /// The standard workload (its generator: 120,000 trades of 20 symbols over the day) in
    /// batches of shuffled sizes and order, and 3 % of its trades sent again late — new ids, times
    /// moved back into minutes written long before: the views' bars equal the store's for every
    /// timeframe kept and rolled up.
    @Test func theStandardWorkloadsBarsEqualStratasWithLateTrades() async throws {
        let client = try await TestClickHouse.client("standard")
        let fed = try FedStore(client: client)
        let workload = SyntheticTrades(configuration: .init(rows: 120_000, symbols: 20, seed: 11))
        let trades = Array(workload)
        var random = SplitMix64(seed: 11)
        var batches: [[Trade]] = []
        var start = 0
        while start < trades.count {
            let size = Int.random(in: 1...4_000, using: &random)
            batches.append(Array(trades[start..<min(trades.count, start + size)]))
            start += size
        }
        batches.shuffle(using: &random)
        for batch in batches { try await fed.store.trades.append(batch) }
        var late: [Trade] = []
        for (index, trade) in trades.enumerated() where index % 33 == 0 {
            var moved = trade
            moved.tradeID = trade.tradeID + 1_000_000_000
            moved.timestamp = trade.timestamp.advanced(by: -Int64.random(in: 0...7_200_000_000_000, using: &random))
            late.append(moved)
        }
        late.shuffle(using: &random)
        for chunk in stride(from: 0, to: late.count, by: 500) {
            try await fed.store.trades.append(Array(late[chunk..<min(late.count, chunk + 500)]))
        }
        #expect(await fed.replicator.waitUntilCaughtUp(timeout: .seconds(300)))
        let all = trades + late
        let from = all.map(\.timestamp).min()!.floor(toMultipleOf: 86_400_000_000_000)
        let to = all.map(\.timestamp).max()!.advanced(by: 86_400_000_000_000)
        try await Self.expectSameBars(
            fed, symbols: Array(workload.symbols.prefix(3)) + [workload.symbols[19]], from: from, to: to)
        let status = try #require(fed.replicator.status.first)
        #expect(status.replication.applied == status.replication.accepted)
        #expect(await fed.tier.health().insertedRows == all.count)
        await fed.stop()
        await TestClickHouse.dispose(client)
    }

    @Test func realTradesRoundTripAndTheViewsBarsEqualStratas() async throws {
        let client = try await TestClickHouse.client("bars")
        let fed = try FedStore(client: client, maxRowsPerBatch: 300)
        let kraken = try RealTrades.kraken()
        let databento = try RealTrades.databento()
        // Out of order: the second half of each file first, then the first half in small
        // batches, newest first — so most minutes get trades after later minutes were written.
        try await fed.store.trades.append(Array(kraken[500...]) + Array(databento[60...]))
        for chunk in stride(from: 480, through: 0, by: -20) {
            try await fed.store.trades.append(Array(kraken[chunk..<(chunk + 20)]))
        }
        for chunk in stride(from: 50, through: 0, by: -10) {
            try await fed.store.trades.append(Array(databento[chunk..<(chunk + 10)]))
        }
        // Late trades into minutes long closed, at times equal to stored trades' (ids break the tie:
        // the lower id opens, the higher closes), and a re-sent trade (a duplicate: not stored).
        let first = kraken.min { $0.timestamp < $1.timestamp }!
        var late = first
        late.tradeID = first.tradeID - 1
        late.price = Price(mantissa: first.price.mantissa + 123_456_789)
        var later = first
        later.tradeID = first.tradeID + 10_000_000
        later.timestamp = first.timestamp.advanced(by: 59_999_999_999 - first.timestamp.nanoseconds % 60_000_000_000)
        later.price = Price(mantissa: 1)
        let report = try await fed.store.trades.append([late, later, kraken[10]])
        #expect(report.duplicates == 1)
        #expect(await fed.replicator.waitUntilCaughtUp(timeout: .seconds(120)))
        let all = kraken + databento + [late, later]
        #expect(try await storedTrades(client) == expectedRows(all))
        let times = all.map(\.timestamp)
        let from = times.min()!.floor(toMultipleOf: 86_400_000_000_000)
        let to = times.max()!.advanced(by: 86_400_000_000_000)
        try await Self.expectSameBars(fed, symbols: ["XBTUSDT", "ESU4"], from: from, to: to)
        // Empty minutes carried forward at the previous close, as the store does (Kraken's window
        // has minutes without trades).
        for (symbol, range) in [("XBTUSDT", kraken), ("ESU4", databento)] {
            let start = range.map(\.timestamp).min()!.advanced(by: 120_000_000_000)
            let end = range.map(\.timestamp).max()!
            let strata = try await fed.store.bars(
                symbol: Symbol(symbol), timeframe: .oneMinute, from: start, to: end, emptyBuckets: .carryForward)
            let clickhouse = try await fed.tier.bars(
                symbol: Symbol(symbol), timeframe: .oneMinute, from: start, to: end, emptyBuckets: .carryForward)
            #expect(strata.contains { $0.tradeCount == 0 } || symbol == "ESU4")
            #expect(clickhouse == strata, "\(symbol) carried forward")
        }
        // The late trade opened its minute; the later one, at its last nanosecond, closed it.
        let minute = try await fed.tier.bars(
            symbol: "XBTUSDT", timeframe: .oneMinute, from: first.timestamp.floor(toMultipleOf: 60_000_000_000),
            to: first.timestamp.floor(toMultipleOf: 60_000_000_000).advanced(by: 60_000_000_000))
        #expect(minute.first?.open == late.price && minute.first?.close == Price(mantissa: 1))
        let status = try #require(fed.replicator.status.first)
        #expect(status.replication.applied == status.replication.accepted && status.breaker.state == .closed)
        let health = await fed.tier.health()
        #expect(health.reachable && health.appliedPositions["trades"] == status.replication.applied)
        #expect(health.insertedRows == all.count && health.lastError == nil)
        await fed.stop()
        await TestClickHouse.dispose(client)
    }
}
