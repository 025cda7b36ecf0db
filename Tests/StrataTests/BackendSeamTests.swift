import Strata
import StrataTestSupport
import Testing

/// The store is a catalog over a ``StorageBackend``: the same calls on a store over the embedded
/// engine and on one over ``ReferenceBackend`` (rows in memory, written against the seam alone)
/// give the same answers — appends with duplicates, late and equal-time rows, latest, ranges
/// paged with cursors, last times, symbols, text columns of a declared table, the live feed,
/// stats — so nothing above the seam depends on the engine.
@Suite struct BackendSeamTests {
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

    static let configuration = StrataStore.Configuration(
        aggregates: false, maintenanceInterval: nil, tables: [news])

    /// Trades of three symbols, out of order, several per nanosecond, every 7th a repeat of an
    /// earlier trade id (a duplicate the key drops).
    static func trades(batch: Int) -> [Trade] {
        let base: Int64 = 1_719_792_000_000_000_000
        var random = SplitMix64(seed: UInt64(batch) + 1)
        return (0..<500).map { i in
            let id = i % 7 == 6 ? Int64(batch * 500 + i - 6) : Int64(batch * 500 + i)
            let symbol = ["BTCUSDT", "ETHUSDT", "SOLUSDT"][Int(id % 3)]
            let time = base + Int64(random.next() % 2_000) * 1_000_000
            return Trade(
                symbol: Symbol(unchecked: symbol), timestamp: Timestamp(nanoseconds: time), tradeID: id,
                price: Price(mantissa: 6_400_000_000_000 + Int64(random.next() % 100_000)),
                quantity: Quantity(mantissa: 1 + Int64(random.next() % 10_000)), isBuyerMaker: id % 2 == 0)
        }
    }

    static func newsRows() -> [Row] {
        let base: Int64 = 1_719_792_000_000_000_000
        return (0..<60).map { i in
            var values: [String: FieldValue] = [
                "ts": .timestamp(Timestamp(nanoseconds: base + Int64(i / 2) * 1_000_000_000)),
                "id": .integer(Int64(i % 50)),
                "headline": .text(i % 5 == 0 ? "" : "Ünïcode headline №\(i) — beats estimates"),
                "sentiment": .float(Double(i) / 64),
            ]
            if i % 3 != 0 { values["source"] = .text(["Reuters", "Bloomberg"][i % 2]) }
            return Row(symbol: Symbol(unchecked: i % 2 == 0 ? "AAPL" : "MSFT"), values)
        }
    }

    /// Everything the test asks a store, as comparable values.
    struct Answers: Equatable {
        var reports: [AppendReport] = []
        var latest: [[Trade]] = []
        var ranges: [[Trade]] = []
        var pages: [[Trade]] = []
        var lastTimes: [Timestamp?] = []
        var symbols: [Symbol] = []
        var newsLatest: [[Row]] = []
        var newsRange: [[Row]] = []
        var rows: [Int] = []
        var duplicates: [Int] = []
        var live: [Trade] = []
    }

    static func exercise(_ store: StrataStore) async throws -> Answers {
        var answers = Answers()
        let feed = try store.trades.subscribe(bufferLimit: 100_000)
        for batch in 0..<4 {
            answers.reports.append(try await store.trades.append(trades(batch: batch)))
        }
        answers.reports.append(try await store.trades.append(trades(batch: 1)))
        let news = try #require(store.table(named: "news"))
        answers.reports.append(try await news.append(newsRows()))
        answers.symbols = store.trades.symbols()
        for symbol in answers.symbols + ["XRPUSDT"] {
            answers.latest.append(try await store.trades.latest(symbol: symbol, limit: 7))
            answers.ranges.append(try await store.trades.range(symbol: symbol, from: .min, to: .max))
            var cursor: RangeCursor?
            var paged: [Trade] = []
            repeat {
                let page = try await store.trades.range(symbol: symbol, from: .min, to: .max, limit: 37, after: cursor)
                paged += page.rows
                cursor = page.next
            } while cursor != nil
            answers.pages.append(paged)
            answers.lastTimes.append(try await store.trades.lastTimestamp(symbol: symbol))
        }
        for symbol: Symbol in ["AAPL", "MSFT"] {
            answers.newsLatest.append(try await news.latest(symbol: symbol, limit: 5))
            answers.newsRange.append(try await news.range(symbol: symbol, from: .min, to: .max).rows)
        }
        let stats = store.stats().filter { ["trades", "news"].contains($0.table) }
        answers.rows = stats.map(\.rows)
        answers.duplicates = stats.map(\.duplicatesSkipped)
        let stored = answers.reports.prefix(5).reduce(0) { $0 + $1.stored }
        for try await rows in feed {
            answers.live += rows
            if answers.live.count >= stored { break }
        }
        return answers
    }

    @Test func theStoreAnswersAlikeOverEitherBackend() async throws {
        let directory = makeTemporaryDirectory("strata-seam")
        defer { removeTree(directory) }
        let embedded = try StrataStore.open(directory: directory + "/embedded", configuration: Self.configuration)
        let backend = ReferenceBackend()
        let reference = try StrataStore.open(
            directory: directory + "/reference", backend: backend, configuration: Self.configuration)
        let expected = try await Self.exercise(embedded)
        let answers = try await Self.exercise(reference)
        #expect(expected.reports.map(\.duplicates) == [71, 71, 71, 71, 500, 10])
        #expect(expected.symbols == ["BTCUSDT", "ETHUSDT", "SOLUSDT"])
        #expect(expected.newsRange.flatMap { $0 }.count == 50)
        #expect(expected.live.count == expected.reports.prefix(5).reduce(0) { $0 + $1.stored })
        // Field by field, so a difference names the query it is in.
        #expect(answers.reports == expected.reports)
        #expect(answers.symbols == expected.symbols)
        #expect(answers.lastTimes == expected.lastTimes)
        #expect(answers.rows == expected.rows && answers.duplicates == expected.duplicates)
        for (index, symbol) in (expected.symbols + ["XRPUSDT"]).enumerated() {
            #expect(answers.latest[index] == expected.latest[index], "latest \(symbol)")
            #expect(answers.ranges[index] == expected.ranges[index], "range \(symbol)")
            #expect(answers.pages[index] == expected.ranges[index], "pages \(symbol)")
        }
        #expect(answers.newsLatest == expected.newsLatest)
        #expect(answers.newsRange == expected.newsRange)
        #expect(answers.live == expected.live)
        try embedded.close()
        try reference.close()

        // The reference backend keeps its rows across stores; a closed store's tables refuse.
        await #expect(throws: StrataError.self) { try await reference.trades.latest(symbol: "BTCUSDT", limit: 1) }
        let reopened = try StrataStore.open(
            directory: directory + "/reference", backend: backend, configuration: Self.configuration)
        #expect(try await reopened.trades.range(symbol: "BTCUSDT", from: .min, to: .max) == expected.ranges[0])
        #expect(reopened.health().allSatisfy { $0.isHealthy })
        try reopened.close()
    }

    @Test func barsNeedABackendThatKeepsThem() throws {
        let directory = makeTemporaryDirectory("strata-seam-bars")
        defer { removeTree(directory) }
        #expect {
            _ = try StrataStore.open(directory: directory, backend: ReferenceBackend())
        } throws: { error in
            guard let error = error as? StrataError else { return false }
            return error.code == .invalidArgument && error.message.contains("reference backend with aggregates off")
        }
    }
}
