import Foundation
import Strata
import StrataTestSupport
import Synchronization
import Testing

/// The live feed of the facade: `StrataTable.subscribe` and `StrataStore.subscribeBars`.
@Suite struct LiveFeedTests {
    static let day = Timestamp(nanoseconds: 1_767_571_200_000_000_000)  // 2026-01-05T00:00:00Z
    static let minute: Int64 = 60_000_000_000

    func trade(_ symbol: Symbol, _ id: Int64, at offset: Int64 = 0, price: Int64 = 100_00000000) -> Trade {
        Trade(
            symbol: symbol, timestamp: Self.day.advanced(by: offset), tradeID: id, price: Price(mantissa: price),
            quantity: Quantity(mantissa: 1_000 + id % 7), isBuyerMaker: id % 2 == 0)
    }

    func withStore(_ body: (StrataStore) async throws -> Void) async throws {
        let directory = temporaryStoreDirectory("strata-live")
        defer { removeTree(directory) }
        let store = try StrataStore.open(directory: directory, configuration: testConfiguration())
        defer { try? store.close() }
        try await body(store)
    }

    /// Reads batches until `count` rows arrived (or fails after a timeout).
    func collect<R: Sendable>(_ feed: LiveSubscription<R>, rows count: Int) async throws -> [[R]] {
        try await withTimeout {
            var batches: [[R]] = []
            var total = 0
            for try await batch in feed {
                batches.append(batch)
                total += batch.count
                if total >= count { break }
            }
            return batches
        }
    }

    @Test func everyStoredRowArrivesOnceInCommitOrderWithConcurrentAppenders() async throws {
        try await withStore { store in
            let feed = try store.trades.subscribe(bufferLimit: 1_000_000)
            let writers = 4
            let batches = 40
            let size = 25
            let symbols: [Symbol] = ["AAA", "BBB", "CCC"]
            // One timestamp for every trade: stored ties keep commit order, so `range` gives the
            // commit order of each symbol to compare the feed with.
            try await withThrowingTaskGroup(of: Void.self) { group in
                for writer in 0..<writers {
                    group.addTask {
                        for b in 0..<batches {
                            let base = Int64(writer * 1_000_000 + b * 1_000)
                            let batch = (0..<size).map { i in
                                self.trade(symbols[(writer + i) % symbols.count], base + Int64(i))
                            }
                            try await store.trades.append(batch)
                        }
                    }
                }
                try await group.waitForAll()
            }
            let received = try await collect(feed, rows: writers * batches * size)
            let rows = received.flatMap { $0 }
            #expect(rows.count == writers * batches * size)
            #expect(Set(rows.map(\.tradeID)).count == rows.count, "every row exactly once")
            // Each element is one whole append, in the writer's order.
            for batch in received {
                #expect(batch.count == size)
                #expect(Set(batch.map { $0.tradeID / 1_000 }).count == 1)
            }
            for symbol in symbols {
                let stored = try await store.trades.range(symbol: symbol, from: .min, to: .max)
                #expect(rows.filter { $0.symbol == symbol }.map(\.tradeID) == stored.map(\.tradeID))
            }
        }
    }

    @Test func onlyStoredRowsArePublished() async throws {
        try await withStore { store in
            let feed = try store.trades.subscribe()
            try await store.trades.append([trade("AAA", 1), trade("AAA", 2), trade("AAA", 3)])
            try await store.trades.append([trade("AAA", 2), trade("AAA", 3)])  // all duplicates: nothing
            try await store.trades.append([trade("AAA", 3), trade("AAA", 4), trade("BBB", 3), trade("AAA", 4)])
            var bad = trade("AAA", 9)
            bad.price = Price(mantissa: -1)
            await #expect(throws: ValidationError.self) { try await store.trades.append([trade("AAA", 8), bad]) }
            try await store.trades.append([trade("AAA", 5)])
            let received = try await collect(feed, rows: 6)
            #expect(
                received.map { $0.map { "\($0.symbol.name)\($0.tradeID)" } } == [
                    ["AAA1", "AAA2", "AAA3"], ["AAA4", "BBB3"], ["AAA5"],
                ])
        }
    }

    @Test func symbolFilterAndOtherTables() async throws {
        try await withStore { store in
            let feed = try store.trades.subscribe(symbols: ["BBB", "CCC"])
            let quotesFeed = try store.quotes.subscribe(symbols: ["AAA"])
            let names: [Symbol] = ["AAA", "BBB", "CCC"]
            try await store.trades.append((0..<10).map { trade(names[Int($0) % 3], $0) })
            try await store.trades.append([trade("AAA", 100)])  // nothing for the filter
            try await store.trades.append([trade("CCC", 101), trade("AAA", 102)])
            let received = try await collect(feed, rows: 7)
            #expect(received.map { $0.map(\.tradeID) } == [[1, 2, 4, 5, 7, 8], [101]])
            let quote = Quote(
                symbol: "AAA", timestamp: Self.day,
                bids: [DepthLevel(price: Price(mantissa: 99_00000000), size: Quantity(mantissa: 5))],
                asks: [DepthLevel(price: Price(mantissa: 101_00000000), size: Quantity(mantissa: 7))])
            var other = quote
            other.symbol = "ZZZ"
            try await store.quotes.append([other, quote])
            #expect(try await collect(quotesFeed, rows: 1) == [[quote]])
            #expect(throws: StrataError.self) { _ = try store.trades.subscribe(symbols: []) }
            #expect(throws: StrataError.self) { _ = try store.trades.subscribe(bufferLimit: 0) }
        }
    }

    @Test func slowConsumerIsDroppedWhileIngestAndOthersGoOn() async throws {
        try await withStore { store in
            let slow = try store.trades.subscribe(bufferLimit: 10)
            let fast = try store.trades.subscribe(bufferLimit: 1_000)
            #expect(store.trades.liveSubscriberCount == 2)
            for b in 0..<6 {
                let report = try await store.trades.append((0..<5).map { trade("AAA", Int64(b * 10 + $0)) })
                #expect(report.stored == 5, "ingest is not slowed or refused by a slow subscriber")
            }
            #expect(slow.termination == .slowConsumer(limit: 10))
            #expect(store.trades.liveSubscriberCount == 1)
            await #expect(throws: LiveFeedError.slowConsumer(limit: 10)) {
                for try await _ in slow {}
            }
            #expect(try await collect(fast, rows: 30).flatMap { $0 }.count == 30)
        }
    }

    @Test func cancellationRemovesTheSubscriber() async throws {
        try await withStore { store in
            let started = Mutex(false)
            let task = Task {
                let feed = try store.trades.subscribe()
                started.withLock { $0 = true }
                var rows = 0
                for try await batch in feed { rows += batch.count }
                return (rows, feed.termination)
            }
            while !started.withLock({ $0 }) { try await Task.sleep(for: .milliseconds(1)) }
            #expect(store.trades.liveSubscriberCount == 1)
            task.cancel()
            let (_, termination) = try await task.value
            #expect(termination == .cancelled)
            #expect(store.trades.liveSubscriberCount == 0)

            var feed: LiveSubscription<Trade>? = try store.trades.subscribe()
            #expect(store.trades.liveSubscriberCount == 1)
            feed = nil  // released: unsubscribed
            #expect(feed == nil && store.trades.liveSubscriberCount == 0)

            let explicit = try store.trades.subscribe()
            try await store.trades.append([trade("AAA", 1)])
            explicit.cancel()
            #expect(store.trades.liveSubscriberCount == 0)
            var iterator = explicit.makeAsyncIterator()
            #expect(try await iterator.next() == nil, "cancel drops what was buffered")
        }
    }

    @Test func closeEndsSubscriptionsAfterTheirBufferAndReplayPublishesNothing() async throws {
        let directory = temporaryStoreDirectory("strata-live")
        defer { removeTree(directory) }
        var store = try StrataStore.open(directory: directory, configuration: testConfiguration())
        let feed = try store.trades.subscribe()
        let bars = try store.subscribeBars()
        try await store.trades.append([trade("AAA", 1), trade("AAA", 2)])
        try store.close()
        #expect(feed.termination == .storeClosed)
        var rows: [Trade] = []
        for try await batch in feed { rows += batch }
        #expect(rows.map(\.tradeID) == [1, 2], "buffered rows are delivered before the end")
        var updates = 0
        for try await batch in bars { updates += batch.count }
        #expect(updates == 1)
        #expect(throws: StrataError.self) { _ = try store.trades.subscribe() }

        // Reopening replays the WAL: a new subscriber sees only new commits.
        store = try StrataStore.open(directory: directory, configuration: testConfiguration())
        defer { try? store.close() }
        #expect(store.recovery.rowsReplayed == 2)
        let again = try store.trades.subscribe()
        try await store.trades.append([trade("AAA", 3)])
        #expect(try await collect(again, rows: 1).map { $0.map(\.tradeID) } == [[3]])
    }

    @Test func barUpdatesMatchStoredBarsForTheTouchedMinutes() async throws {
        try await withStore { store in
            let feed = try store.subscribeBars(bufferLimit: 10_000)
            let btcOnly = try store.subscribeBars(symbols: ["BTC"])
            var id: Int64 = 0
            var lastUpdate: [String: Bar] = [:]
            var btcUpdates = 0
            // Batches spanning minutes and symbols, late trades for earlier minutes, duplicates.
            for b in 0..<12 {
                var batch: [Trade] = []
                for i in 0..<8 {
                    id += 1
                    let minute = Int64(b / 2 + (i % 3 == 0 ? -1 : 0))  // some late for the previous minute
                    let offset = max(0, minute) * Self.minute + Int64(i) * 1_000_000_000
                    batch.append(
                        trade(i % 2 == 0 ? "BTC" : "ETH", id, at: offset, price: 100_00000000 + id * 1_000_000))
                }
                batch.append(batch[0])  // a duplicate inside the batch
                try await store.trades.append(batch)
                let updates = try #require(
                    try await withTimeout { () async throws -> [Bar]? in
                        var iterator = feed.makeAsyncIterator()
                        return try await iterator.next()
                    })
                // Each update is the bar right after its commit: compare before the next append.
                let touched = Set(batch.map { "\($0.symbol.name)@\($0.timestamp.nanoseconds / Self.minute)" })
                #expect(Set(updates.map { "\($0.symbol.name)@\($0.start.nanoseconds / Self.minute)" }) == touched)
                for update in updates {
                    let stored = try await store.bars(
                        symbol: update.symbol, timeframe: .oneMinute, from: update.start,
                        to: update.start.advanced(by: Self.minute))
                    #expect([update] == stored)
                    lastUpdate["\(update.symbol.name)@\(update.start.nanoseconds)"] = update
                }
                btcUpdates += updates.filter { $0.symbol == "BTC" }.count
            }
            #expect(lastUpdate.count == 12)
            let btc = try await collect(btcOnly, rows: btcUpdates).flatMap { $0 }
            #expect(btc.count == btcUpdates && btc.allSatisfy { $0.symbol == "BTC" })

            // A late trade for a day already sealed to disk: the update is completed from the file.
            _ = store.compact(now: Self.day.advanced(by: 2 * 86_400_000_000_000))
            #expect(store.trades.stats().sealedPartitions == 1)
            try await store.trades.append([trade("BTC", 10_000, at: 30_000_000_000, price: 1_00000000)])
            let late = try #require(
                try await withTimeout { () async throws -> [Bar]? in
                    var iterator = feed.makeAsyncIterator()
                    return try await iterator.next()
                })
            let stored = try await store.bars(
                symbol: "BTC", timeframe: .oneMinute, from: Self.day, to: Self.day.advanced(by: Self.minute))
            #expect(late == stored)
            #expect(late.first?.low == Price(mantissa: 1_00000000))
            #expect(late.first.map { $0.tradeCount > 1 } == true, "the sealed trades are in the bar")
        }
    }
}

/// Runs `body`, failing if it takes more than `seconds`.
func withTimeout<T: Sendable>(seconds: Double = 20, _ body: @escaping @Sendable () async throws -> T)
    async throws -> T
{
    try await withThrowingTaskGroup(of: T.self) { group in
        group.addTask { try await body() }
        group.addTask {
            try await Task.sleep(for: .seconds(seconds))
            throw CancellationError()
        }
        let result = try await group.next()!
        group.cancelAll()
        return result
    }
}
