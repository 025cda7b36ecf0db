import Foundation
import Strata
import StrataPostgres
import Testing

/// The store over PostgreSQL, chosen by what `open` is given: the same calls through
/// `StrataStore` (validation, typed records, paging, the live feed) answer as over the engine.
@Suite(.enabled(if: PostgresTestServer.enabled, "PostgreSQL unreachable at \(PostgresTestServer.url)"))
struct StoreOverPostgresTests {
    static let news: RecordSchema = {
        do {
            return try RecordSchema(
                name: "news",
                columns: [
                    SchemaColumn("ts", .timestamp), SchemaColumn("symbol", .symbol), SchemaColumn("id", .int64),
                    SchemaColumn("headline", .text), SchemaColumn("source", .text, rules: ColumnRules(required: false)),
                    SchemaColumn("sentiment", .float64),
                ],
                timestamp: "ts", key: RecordKey("id"))
        } catch {
            preconditionFailure("\(error)")
        }
    }()

    static let configuration = StrataStore.Configuration(aggregates: false, maintenanceInterval: nil, tables: [news])

    static let base: Int64 = 1_719_792_000_000_000_000

    /// Trades of three symbols over two days, out of order, every 9th a repeat of an earlier id.
    static func trades(batch: Int) -> [Trade] {
        var random = SplitMix64(seed: UInt64(batch) &* 31 &+ 5)
        return (0..<400).map { i in
            let id = i % 9 == 8 ? Int64(batch * 400 + i - 8) : Int64(batch * 400 + i)
            let symbol = ["BTCUSDT", "ETHUSDT", "SOLUSDT"][Int(id % 3)]
            let time = base + Int64(random.next() % 172_800) * 1_000_000_000
            return Trade(
                symbol: Symbol(unchecked: symbol), timestamp: Timestamp(nanoseconds: time), tradeID: id,
                price: Price(mantissa: 6_400_000_000_000 + Int64(random.next() % 100_000)),
                quantity: Quantity(mantissa: 1 + Int64(random.next() % 10_000)), isBuyerMaker: id % 2 == 0)
        }
    }

    static func newsRows() -> [Row] {
        (0..<40).map { i in
            var values: [String: FieldValue] = [
                "ts": .timestamp(Timestamp(nanoseconds: base + Int64(i / 2) * 1_000_000_000)),
                "id": .integer(Int64(i % 30)),
                "headline": .text(i % 5 == 0 ? "" : "Ünïcode headline №\(i)\twith a tab"),
                "sentiment": .float(Double(i) / 64),
            ]
            if i % 3 != 0 { values["source"] = .text(["Reuters", "Bloomberg"][i % 2]) }
            return Row(symbol: Symbol(unchecked: i % 2 == 0 ? "AAPL" : "MSFT"), values)
        }
    }

    struct Answers: Equatable {
        var reports: [AppendReport] = []
        var symbols: [Symbol] = []
        var latest: [[Trade]] = []
        var ranges: [[Trade]] = []
        var pages: [[Trade]] = []
        var lastTimes: [Timestamp?] = []
        var news: [[Row]] = []
        var live: [Trade] = []
    }

    static func exercise(_ store: StrataStore) async throws -> Answers {
        var answers = Answers()
        let feed = try store.trades.subscribe(bufferLimit: 100_000)
        for batch in 0..<3 { answers.reports.append(try await store.trades.append(trades(batch: batch))) }
        answers.reports.append(try await store.trades.append(trades(batch: 1)))
        let news = try #require(store.table(named: "news"))
        answers.reports.append(try await news.append(newsRows()))
        answers.symbols = store.trades.symbols()
        for symbol in answers.symbols + ["XRPUSDT"] {
            answers.latest.append(try await store.trades.latest(symbol: symbol, limit: 9))
            answers.ranges.append(try await store.trades.range(symbol: symbol, from: .min, to: .max))
            var cursor: RangeCursor?
            var paged: [Trade] = []
            repeat {
                let page = try await store.trades.range(symbol: symbol, from: .min, to: .max, limit: 41, after: cursor)
                paged += page.rows
                cursor = page.next
            } while cursor != nil
            answers.pages.append(paged)
            answers.lastTimes.append(try await store.trades.lastTimestamp(symbol: symbol))
        }
        for symbol: Symbol in ["AAPL", "MSFT"] {
            answers.news.append(try await news.latest(symbol: symbol, limit: 5))
            answers.news.append(try await news.range(symbol: symbol, from: .min, to: .max).rows)
        }
        let stored = answers.reports.prefix(4).reduce(0) { $0 + $1.stored }
        for try await rows in feed {
            answers.live += rows
            if answers.live.count >= stored { break }
        }
        return answers
    }

    @Test func theStoreAnswersAlikeOverPostgreSQL() async throws {
        let directory = NSTemporaryDirectory() + "strata-store-pg-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let embedded = try StrataStore.open(directory: directory + "/embedded", configuration: Self.configuration)
        let expected = try await Self.exercise(embedded)
        try embedded.close()

        let configuration = try PostgresTestServer.configuration("store")
        let backend = try PostgresBackend(configuration: configuration)
        let store = try StrataStore.open(
            directory: directory + "/pg", backend: backend, configuration: Self.configuration)
        let answers = try await Self.exercise(store)
        #expect(expected.reports.map(\.duplicates) == [22, 29, 28, 400, 10])
        #expect(answers.reports == expected.reports)
        #expect(answers.symbols == expected.symbols)
        #expect(answers.lastTimes == expected.lastTimes)
        for index in expected.latest.indices {
            #expect(answers.latest[index] == expected.latest[index])
            #expect(answers.ranges[index] == expected.ranges[index])
            #expect(answers.pages[index] == expected.ranges[index])
        }
        #expect(answers.news == expected.news)
        #expect(answers.live == expected.live)
        #expect(store.health().allSatisfy { $0.isHealthy })
        try store.close()
        await PostgresTestServer.drop(configuration)
    }
}
