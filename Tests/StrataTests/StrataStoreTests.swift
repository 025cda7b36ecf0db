import Foundation
import Strata
import StrataTestSupport
import Testing

@Suite struct StrataStoreTests {
    static let t0 = Timestamp(nanoseconds: 1_767_571_200_000_000_000)  // 2026-01-05

    func temporaryDirectory() -> String { makeTemporaryDirectory("strata-store") }

    func trade(_ symbol: Symbol, _ i: Int64, price: String = "100.5") throws -> Trade {
        Trade(
            symbol: symbol, timestamp: Self.t0.advanced(by: i * 1_000_000), tradeID: i, price: try Price(price),
            quantity: Quantity(mantissa: 1_000 + i), isBuyerMaker: i % 2 == 0)
    }

    @Test func badRowRejectsTheWholeBatchWithItsIndex() async throws {
        let directory = temporaryDirectory()
        defer { removeTree(directory) }
        let store = try StrataStore.open(directory: directory)
        defer { try? store.close() }
        var batch = try (0..<10).map { try trade("BTCUSDT", $0) }
        batch[7].price = Price(mantissa: 0)
        await #expect(throws: ValidationError.self) { try await store.trades.append(batch) }
        do {
            try await store.trades.append(batch)
        } catch let error as ValidationError {
            #expect(error.index == 7)
            #expect(error.field == "price")
            #expect(error.rule == .nonPositive)
        }
        #expect(store.trades.stats().rows == 0, "nothing from a rejected batch is stored")
        // Timestamps outside the window: a seconds-for-nanoseconds mix-up.
        var wrongUnit = try trade("BTCUSDT", 1)
        wrongUnit.timestamp = Timestamp(nanoseconds: 1_767_571_200)
        await #expect(throws: ValidationError.self) { try await store.trades.append([wrongUnit]) }
    }

    @Test func manyTasksAppendAndReadAtOnce() async throws {
        let directory = temporaryDirectory()
        defer { removeTree(directory) }
        let store = try StrataStore.open(
            directory: directory, configuration: .init(durability: .groupCommit(milliseconds: 5)))
        let symbols: [Symbol] = ["AAA", "BBB", "CCC", "DDD"]
        try await withThrowingTaskGroup(of: Void.self) { group in
            for (n, symbol) in symbols.enumerated() {
                group.addTask {
                    for b in 0..<50 {
                        let batch = try (0..<100).map { i in try self.trade(symbol, Int64(n * 1_000_000 + b * 100 + i))
                        }
                        try await store.trades.append(batch)
                    }
                }
                group.addTask {
                    for _ in 0..<50 {
                        let latest = try await store.trades.latest(symbol: symbol, limit: 10)
                        // Newest first, strictly decreasing ids for this writer's symbol.
                        #expect(zip(latest, latest.dropFirst()).allSatisfy { $0.tradeID > $1.tradeID })
                    }
                }
            }
            group.addTask { for _ in 0..<5 { _ = store.compact(now: Self.t0) } }
            try await group.waitForAll()
        }
        for symbol in symbols {
            let all = try await store.trades.range(symbol: symbol, from: .min, to: .max)
            #expect(all.count == 5_000)
            #expect(Set(all.map(\.tradeID)).count == 5_000)
        }
        #expect(store.trades.stats().rows == 20_000)
        try store.close()
        await #expect(throws: StrataError.self) { try await store.trades.latest(symbol: "AAA", limit: 1) }
    }

    @Test func quotesAndAggregatedTradesRoundTrip() async throws {
        let directory = temporaryDirectory()
        defer { removeTree(directory) }
        var quotes: [Quote] = []
        for i in 0..<200 {
            var bids: [DepthLevel] = []
            for level in 0..<(i % 6) {
                let size = Quantity(mantissa: Int64(100 * (level + 1)) * 100_000_000)
                bids.append(DepthLevel(price: try Price("180.\(50 - level)"), size: size))
            }
            var asks: [DepthLevel] = []
            for level in 0..<((i + 3) % 6) {
                let size = Quantity(mantissa: Int64(300 + level) * 100_000_000)
                asks.append(DepthLevel(price: try Price("180.\(60 + level)"), size: size))
            }
            if bids.isEmpty && asks.isEmpty { continue }
            quotes.append(
                Quote(symbol: "IBM", timestamp: Self.t0.advanced(by: Int64(i) * 1_000), bids: bids, asks: asks))
        }
        var aggregated: [AggregatedTrade] = []
        let aggPrice = try Price("64000.1")
        let aggQuantity = try Quantity("0.25")
        for i in Int64(0)..<100 {
            aggregated.append(
                AggregatedTrade(
                    symbol: "BTCUSDT", aggregateID: i, price: aggPrice, quantity: aggQuantity, firstTradeID: i * 3,
                    lastTradeID: i * 3 + 2, timestamp: Self.t0.advanced(by: i * 1_000_000), isBuyerMaker: i % 3 == 0,
                    isBestMatch: true))
        }
        do {
            let store = try StrataStore.open(directory: directory)
            try await store.quotes.append(quotes)
            try await store.aggregatedTrades.append(aggregated)
            let again = try await store.aggregatedTrades.append(Array(aggregated.prefix(5)))
            #expect(again.duplicates == 5)
            try store.close()
        }
        let store = try StrataStore.open(directory: directory)
        defer { try? store.close() }
        #expect(try await store.quotes.range(symbol: "IBM", from: .min, to: .max) == quotes)
        store.compact()
        #expect(try await store.quotes.range(symbol: "IBM", from: .min, to: .max) == quotes, "the same after sealing")
        #expect(try await store.aggregatedTrades.latest(symbol: "BTCUSDT", limit: 100) == aggregated.reversed())
        #expect(try await store.quotes.lastTimestamp(symbol: "IBM") == quotes.last?.timestamp)
        #expect(store.quotes.symbols() == ["IBM"])
    }

    /// Every built-in record has its table, found by its type (the typed conveniences are the
    /// same tables), in the order the store lists its tables.
    @Test func builtInTablesAreFoundByRecordType() throws {
        let directory = temporaryDirectory()
        defer { removeTree(directory) }
        let store = try StrataStore.open(directory: directory, configuration: .init(maintenanceInterval: nil))
        defer { try? store.close() }
        #expect(store.table(Trade.self) === store.trades)
        #expect(store.table(AggregatedTrade.self) === store.aggregatedTrades)
        #expect(store.table(Quote.self) === store.quotes)
        func name<R: ColumnarRecord>(_ type: R.Type) -> String? { store.table(type)?.name }
        let names = RecordSchema.builtInRecords.map { name($0) }
        #expect(names == RecordSchema.builtIn.map(\.name))
        #expect(Array(store.stats().map(\.table).prefix(names.count)) == names)
    }

    @Test func secondProcessIsLockedOut() throws {
        let directory = temporaryDirectory()
        defer { removeTree(directory) }
        let store = try StrataStore.open(directory: directory)
        // flock is per open file description: a second open in the same process conflicts too.
        #expect(throws: StrataError.self) { _ = try StrataStore.open(directory: directory) }
        try store.close()
        let reopened = try StrataStore.open(directory: directory)
        try reopened.close()
    }

    @Test func openingAFileInsteadOfADirectoryFailsClearly() throws {
        let scratch = temporaryDirectory()
        defer { removeTree(scratch) }
        let path = scratch + "/not-a-directory"
        _ = FileManager.default.createFile(atPath: path, contents: Data("x".utf8))
        do {
            _ = try StrataStore.open(directory: path)
            Issue.record("opened a regular file as a store")
        } catch let error as StrataError {
            #expect(error.code == .io)
            #expect(error.description.contains(path))
        }
    }
}
