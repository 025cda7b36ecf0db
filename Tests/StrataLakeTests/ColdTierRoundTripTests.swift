import Strata
import StrataCore
import StrataLake
import StrataTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The lake as the store's cold tier, end to end on real data: SPY trade ticks of two days
/// (2013-10-07 and -08), IBM quote ticks (one and zero-level sides) and a user-defined table with
/// text over three days are ingested; every query is answered; the janitor moves what is past
/// each table's hot retention; the same queries — ranges inside the cold tier, ranges spanning
/// both tiers, latest N beyond what the hot tier holds, pages across the boundary, last
/// timestamps, symbols — answer exactly what they answered before, after a reopen too; a late
/// row into a moved hour is answered once, and moved again on its own; the rows really left the
/// engine; `strata lake verify`'s checks and DuckDB see the moved files.
@Suite(.heavy, .serialized) struct ColdTierRoundTripTests {
    static let hour: Int64 = 3_600_000_000_000
    static let day: Int64 = 86_400_000_000_000
    static let midnight07: Int64 = 1_381_104_000_000_000_000  // 2013-10-07 00:00 UTC
    static let newYork07: Int64 = 1_381_118_400_000_000_000  // 2013-10-07 00:00 New York (EDT)

    static func trades(_ text: String, dayOffset: Int64, idBase: Int64, limit: Int) -> [Trade] {
        LeanTradeTick.parse(text, limit: limit).map { tick in
            Trade(
                symbol: "SPY",
                timestamp: Timestamp(nanoseconds: newYork07 + dayOffset * day + tick.milliseconds * 1_000_000),
                tradeID: idBase + Int64(tick.line), price: Price(mantissa: tick.price * 10_000),
                quantity: Quantity(mantissa: tick.size * 100_000_000), isBuyerMaker: tick.line % 3 == 0)
        }
    }

    static func quotes(_ text: String) -> [Quote] {
        var quotes: [Quote] = []
        for line in text.split(separator: "\n") {
            let fields = line.split(separator: ",", omittingEmptySubsequences: false)
            guard fields.count >= 5, let ms = Int64(fields[0]), let bid = Int64(fields[1]),
                let bidSize = Int64(fields[2]), let ask = Int64(fields[3]), let askSize = Int64(fields[4])
            else { continue }
            let bids =
                bid > 0 && bidSize > 0
                ? [DepthLevel(price: Price(mantissa: bid * 10_000), size: Quantity(mantissa: bidSize * 100_000_000))]
                : []
            let asks =
                ask > 0 && askSize > 0
                ? [DepthLevel(price: Price(mantissa: ask * 10_000), size: Quantity(mantissa: askSize * 100_000_000))]
                : []
            guard !bids.isEmpty || !asks.isEmpty, bids.isEmpty || asks.isEmpty || bid < ask else { continue }
            quotes.append(
                Quote(
                    symbol: "IBM", timestamp: Timestamp(nanoseconds: newYork07 + ms * 1_000_000), bids: bids, asks: asks
                ))
        }
        return quotes
    }

    /// Three days of news for two symbols, every 20 minutes: text with commas, tabs, quotes and
    /// non-ASCII, optional columns absent in some rows.
    static func news() -> [Row] {
        var rows: [Row] = []
        for step in 0..<(3 * 72) {
            for (s, symbol) in ["SPY", "IBM"].enumerated() {
                let id = Int64(step * 2 + s)
                var values: [String: FieldValue] = [
                    "ts": .timestamp(Timestamp(nanoseconds: midnight07 + Int64(step) * 1_200_000_000_000 + Int64(s))),
                    "id": .integer(id), "source": .text(["wire", "desk", "blog"][step % 3]),
                    "headline": .text("\(symbol) #\(step): déjà vu, \"quoted\"\tand tabbed — №\(id)"),
                    "urgency": .integer(Int64(step % 5)), "verified": .bool(step % 2 == 0),
                    "shares": .decimal(ExactAmount(mantissa: Int128(step * 1_000), scale: 0)),
                ]
                if step % 4 != 0 { values["sentiment"] = .float(Double(step % 9) / 8 - 0.5) }
                if step % 3 != 0 {
                    values["impact"] = .decimal(ExactAmount(mantissa: Int128(step) * 12_345_678, scale: 8))
                }
                if step % 5 == 0 { values["comment"] = .text("note \(step)") }
                rows.append(Row(symbol: Symbol(unchecked: symbol), values))
            }
        }
        return rows
    }

    static func configuration(lake: String?) -> StrataStore.Configuration {
        var configuration = StrataStore.Configuration(
            durability: .osBuffered, partitionDuration: hour, maintenanceInterval: nil, tables: [LakeFixtures.news])
        if let lake {
            configuration.cold = LakeColdTier(
                root: lake, hotRetention: ["trades": 12 * hour, "quotes": 4 * hour, "news": day],
                janitorEnabled: false)
        }
        return configuration
    }

    /// Every query of the test, answered as text.
    static func answers(_ store: StrataStore, hotTrades: Int, hotQuotes: Int) async throws -> [String: [[String]]] {
        var answers: [String: [[String]]] = [:]
        func columns(_ table: any ColumnarTable, _ symbol: String, _ from: Int64, _ to: Int64) throws -> [[String]] {
            var pages = table.rangeBatches(
                symbol: Symbol(unchecked: symbol), from: Timestamp(nanoseconds: from), to: Timestamp(nanoseconds: to),
                batchRows: 9_999)
            var batches: [ColumnarBatch] = []
            while let page = try pages.next() { batches.append(page) }
            return LakeFixtures.rows(batches)
        }
        let trades = try #require(store.table(Trade.self))
        let quotes = try #require(store.table(Quote.self))
        let news = try #require(store.table(named: "news"))
        let d07 = midnight07
        let d08 = midnight07 + day
        answers["trades.all"] = try columns(trades, "SPY", .min, .max)
        answers["trades.insideCold"] = try columns(trades, "SPY", d07 + 13 * hour + hour / 2, d07 + 15 * hour)
        answers["trades.spanning"] = try columns(trades, "SPY", d07 + 22 * hour, d08 + 14 * hour)
        answers["trades.latest100"] = LakeFixtures.rows([try trades.latestBatch(symbol: "SPY", limit: 100)])
        answers["trades.latestPastHot"] = LakeFixtures.rows([
            try trades.latestBatch(symbol: "SPY", limit: hotTrades + 777)
        ])
        // Typed, paged across the boundary.
        var paged: [Trade] = []
        var page = try await trades.range(
            symbol: "SPY", from: Timestamp(nanoseconds: d07 + 20 * hour), to: Timestamp(nanoseconds: d08 + 12 * hour),
            limit: 7_777)
        paged += page.rows
        while let next = page.next {
            page = try await trades.range(
                symbol: "SPY", from: Timestamp(nanoseconds: d07 + 20 * hour),
                to: Timestamp(nanoseconds: d08 + 12 * hour), limit: 7_777, after: next)
            paged += page.rows
        }
        answers["trades.paged"] = paged.map {
            ["\($0.timestamp.nanoseconds)", "\($0.tradeID)", "\($0.price)", "\($0.quantity)"]
        }
        let typed = try await trades.range(
            symbol: "SPY", from: Timestamp(nanoseconds: d07), to: Timestamp(nanoseconds: d08 + 9 * hour))
        answers["trades.typed"] = typed.map { ["\($0.timestamp.nanoseconds)", "\($0.tradeID)", "\($0.isBuyerMaker)"] }
        answers["trades.last"] = [[try await trades.lastTimestamp(symbol: "SPY").map { "\($0.nanoseconds)" } ?? "none"]]
        answers["trades.symbols"] = [trades.symbols().map(\.name)]
        answers["quotes.all"] = try columns(quotes, "IBM", .min, .max)
        answers["quotes.insideCold"] = try columns(quotes, "IBM", d07 + 10 * hour, d07 + 12 * hour)
        answers["quotes.spanning"] = try columns(quotes, "IBM", d07 + 18 * hour + hour / 2, d07 + 21 * hour + hour / 2)
        answers["quotes.latestPastHot"] = LakeFixtures.rows([
            try quotes.latestBatch(symbol: "IBM", limit: hotQuotes + 50)
        ])
        let typedQuotes = try await quotes.latest(symbol: "IBM", limit: hotQuotes + 3)
        answers["quotes.typedLatest"] = typedQuotes.map { "\($0)" }.map { [$0] }
        for symbol in ["SPY", "IBM"] {
            answers["news.\(symbol).all"] = try columns(news, symbol, .min, .max)
            answers["news.\(symbol).spanning"] = try columns(news, symbol, d07 + 20 * hour, d08 + 4 * hour)
            answers["news.\(symbol).latest100"] = try await news.latest(symbol: Symbol(unchecked: symbol), limit: 100)
                .map { row in row.values.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" } }
        }
        return answers
    }

    @Test(SharedData.required) func queriesAnswerTheSameAfterTheMove() async throws {
        let day07 = try #require(readText(SharedData.path("lean_spy_ibm_equity/csv/20131007_spy_Trade_Tick.csv")))
        let zip = SharedData.path("lean_spy_ibm_equity/original/Data/equity/usa/tick/spy/20131008_trade.zip")
        let unzip = await onThread { runCommand(["/usr/bin/unzip", "-p", zip]) }
        #expect(unzip.status == 0)
        let quoteText = try #require(readText(SharedData.path("lean_spy_ibm_equity/csv/20131007_ibm_Quote_Tick.csv")))
        let trades =
            Self.trades(day07, dayOffset: 0, idBase: 1, limit: 60_000)
            + Self.trades(unzip.output, dayOffset: 1, idBase: 1_000_000, limit: 60_000)
        let quotes = Self.quotes(quoteText)
        let news = Self.news()
        let directory = makeTemporaryDirectory("strata-cold")
        defer { removeTree(directory) }
        let data = directory + "/data"
        let lake = directory + "/lake"
        // What stays hot: the partitions (hours) not ending by the newest row minus the retention.
        func hotBoundary(_ times: [Int64], _ age: Int64) -> Int64 {
            let cutoff = times.max()! - age
            return cutoff / Self.hour * Self.hour
        }
        let tradeBoundary = hotBoundary(trades.map(\.timestamp.nanoseconds), 12 * Self.hour)
        let quoteBoundary = hotBoundary(quotes.map(\.timestamp.nanoseconds), 4 * Self.hour)
        let hotTrades = trades.count { $0.timestamp.nanoseconds >= tradeBoundary }
        let hotQuotes = quotes.count { $0.timestamp.nanoseconds >= quoteBoundary }
        #expect(hotTrades > 0 && hotTrades < trades.count && hotQuotes > 0 && hotQuotes < quotes.count)

        var store = try StrataStore.open(directory: data, configuration: Self.configuration(lake: lake))
        try store.trades.appendNow(trades)
        try store.quotes.appendNow(quotes)
        _ = try #require(store.table(named: "news")).appendNow(news)
        store.compact(now: Timestamp(nanoseconds: Self.midnight07 + 3 * Self.day))
        let before = try await Self.answers(store, hotTrades: hotTrades, hotQuotes: hotQuotes)
        #expect(before["trades.all"]?.count == trades.count)
        #expect(before["quotes.all"]?.count == quotes.count)

        // The move.
        let reports = store.moveToCold(now: WallClock.now())
        for report in reports { #expect(report.errors.isEmpty, "\(report)") }
        let moved = Dictionary(uniqueKeysWithValues: reports.map { ($0.table, $0) })
        #expect(moved["trades"]?.rows == trades.count - hotTrades)
        #expect(moved["quotes"]?.rows == quotes.count - hotQuotes)
        #expect((moved["quotes"]?.moved.count ?? 0) >= 10)
        #expect((moved["news"]?.rows ?? 0) > 0)
        #expect(store.coldTableNames.sorted() == ["news", "quotes", "trades"])
        let after = try await Self.answers(store, hotTrades: hotTrades, hotQuotes: hotQuotes)
        for key in before.keys.sorted() {
            #expect(
                after[key] == before[key],
                "\(key): \(after[key]?.count ?? 0) rows after the move, \(before[key]?.count ?? 0) before")
        }
        // The rows left the engine: the store without its cold tier holds only the hot ones.
        try store.close()
        let hotOnly = try StrataStore.open(directory: data, configuration: Self.configuration(lake: nil))
        #expect(try await hotOnly.trades.range(symbol: "SPY", from: .min, to: .max).count == hotTrades)
        #expect(try await hotOnly.quotes.range(symbol: "IBM", from: .min, to: .max).count == hotQuotes)
        try hotOnly.close()

        // Reopened: the journal says what is cold; the same answers; a second run moves nothing.
        store = try StrataStore.open(directory: data, configuration: Self.configuration(lake: lake))
        #expect(try await Self.answers(store, hotTrades: hotTrades, hotQuotes: hotQuotes) == before)
        for report in store.moveToCold(now: WallClock.now()) {
            #expect(report.moved.isEmpty && report.errors.isEmpty, "\(report)")
        }

        // A late trade into a moved hour: answered once, from the hot tier, then moved on its own.
        let lateTime = Timestamp(nanoseconds: Self.midnight07 + 15 * Self.hour + 1)
        let late = Trade(
            symbol: "SPY", timestamp: lateTime, tradeID: 9_999_999, price: Price(mantissa: 16_900_000_000),
            quantity: Quantity(mantissa: 100_000_000), isBuyerMaker: false)
        try store.trades.appendNow([late])
        let window = (
            Timestamp(nanoseconds: Self.midnight07 + 15 * Self.hour),
            Timestamp(nanoseconds: Self.midnight07 + 16 * Self.hour)
        )
        let expectedHour = (try await store.trades.range(symbol: "SPY", from: window.0, to: window.1))
        #expect(expectedHour.count { $0.tradeID == 9_999_999 } == 1)
        store.compact(now: Timestamp(nanoseconds: Self.midnight07 + 3 * Self.day))
        let again = store.moveToCold(now: WallClock.now(), tables: ["trades"])
        #expect(again.first?.moved == [window.0], "\(again)")
        #expect(try await store.trades.range(symbol: "SPY", from: window.0, to: window.1) == expectedHour)
        let manifest = try LakeReader(root: lake).manifest(table: "trades")
        #expect(manifest.entries.count == (moved["trades"]?.moved.count ?? 0) + 1)
        try store.close()

        // The lake's own checks, and DuckDB on the moved files.
        let verification = LakeVerifier(root: lake, schemas: [.trades, .quotes, LakeFixtures.news]).verify()
        #expect(verification.isClean, "\(verification.problems)")
        #expect(
            verification.rows == trades.count - hotTrades + 1 + quotes.count - hotQuotes + (moved["news"]?.rows ?? 0))
        let output = try await PythonLakeReaders.read(lake: lake, table: "trades", symbol: "SPY")
        #expect((output["duckdb"] as? [String: Any])?["symbol_count"] as? Int == trades.count - hotTrades + 1)
    }
}
