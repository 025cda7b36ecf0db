import Foundation
import Strata
import StrataPostgres
import StrataTestSupport
import Testing

/// Continuous bars on PostgreSQL (`PostgresBars`): the same real trades — SPY ticks and CME
/// ESU4 futures trades from `../shared/data` — fed to a store on the embedded engine and to one
/// on PostgreSQL, in shuffled batches with re-sent trade ids and late trades (some into a day the
/// engine has sealed), give the same bars for every timeframe.
@Suite(
    .enabled(if: PostgresTestServer.enabled, "PostgreSQL unreachable at \(PostgresTestServer.url)"),
    SharedData.required)
struct BarsOnPostgresTests {
    static let configuration = StrataStore.Configuration(maintenanceInterval: nil)

    /// SPY trade ticks of 2013-10-07 (every 7th of the first 140,000: the day's hours), prices in
    /// 1e-4 dollars, and the 120 ESU4 trades of 2024-07-01 23:58 – 07-02 00:01 UTC.
    static func realTrades() throws -> [Trade] {
        let spyText = try String(
            contentsOfFile: SharedData.path("lean_spy_ibm_equity/csv/20131007_spy_Trade_Tick.csv"), encoding: .utf8)
        let midnight: Int64 = 1_381_118_400_000_000_000  // 2013-10-07 00:00 New York
        let trades = LeanTradeTick.parse(spyText, limit: 140_000).filter { $0.line % 7 == 0 }.map { tick in
            Trade(
                symbol: "SPY", timestamp: Timestamp(nanoseconds: midnight + tick.milliseconds * 1_000_000),
                tradeID: Int64(tick.line + 1), price: Price(mantissa: tick.price * 10_000),
                quantity: Quantity(mantissa: tick.size * 100_000_000), isBuyerMaker: tick.line % 3 == 0)
        }
        return trades + (try esTrades())
    }

    /// ESU4's trades (Databento, `ts_event` in ns, decimal prices).
    static func esTrades() throws -> [Trade] {
        let text = try String(
            contentsOfFile: SharedData.path(
                "nautilus_trader_fixtures/csv/futures_trades_2024-07-01T23-58_2024-07-02T00-02.csv"), encoding: .utf8)
        return try text.split(separator: "\n").dropFirst().enumerated().map { index, line in
            let fields = line.split(separator: ",", omittingEmptySubsequences: false)
            return Trade(
                symbol: "ESU4", timestamp: Timestamp(nanoseconds: try #require(Int64(fields[1]))),
                tradeID: Int64(index + 1), price: try Price(String(fields[5])),
                quantity: try Quantity(String(fields[6])), isBuyerMaker: fields[4] == "A")
        }
    }

    /// Batches of 2,500 in shuffled order, shuffled inside; every third batch re-sends 40 trades of
    /// the one before; the last 3 % of each symbol's trades held back and sent at the end (late).
    static func batches(_ trades: [Trade]) -> (early: [[Trade]], late: [[Trade]]) {
        var random = SplitMix64(seed: 10)
        var held: [Trade] = []
        var early: [Trade] = []
        for trade in trades {
            if random.next() % 100 < 3 { held.append(trade) } else { early.append(trade) }
        }
        var batches = stride(from: 0, to: early.count, by: 2_500).map {
            Array(early[$0..<min($0 + 2_500, early.count)])
        }
        batches.shuffle(using: &random)
        for index in batches.indices {
            batches[index].shuffle(using: &random)
            if index % 3 == 2 { batches[index] += batches[index - 1].prefix(40) }
        }
        held.shuffle(using: &random)
        let late = stride(from: 0, to: held.count, by: 1_000).map { Array(held[$0..<min($0 + 1_000, held.count)]) }
        return (batches, late)
    }

    static let timeframes = ["1m", "5m", "15m", "1h", "1d", "3m", "4h"]

    /// Every symbol's bars of every timeframe over the data's days, and 1-day bars shifted to New
    /// York's midnight.
    static func bars(_ store: StrataStore) async throws -> [[Bar]] {
        var answers: [[Bar]] = []
        let from = Timestamp(nanoseconds: 1_381_017_600_000_000_000)  // 2013-10-06 UTC
        let to = Timestamp(nanoseconds: 1_720_051_200_000_000_000)  // 2024-07-04 UTC
        for symbol: Symbol in ["SPY", "ESU4"] {
            for timeframe in timeframes {
                answers.append(
                    try await store.bars(symbol: symbol, timeframe: try Timeframe(timeframe), from: from, to: to))
            }
            answers.append(
                try await store.bars(
                    symbol: symbol, timeframe: .oneDay, from: from, to: to, offset: -4 * 3_600_000_000_000))
        }
        return answers
    }

    /// Feeds the batches, compacting (the engine seals the days: the late trades then go to
    /// sealed partitions) before the late ones; returns the append reports.
    static func feed(_ store: StrataStore, _ batches: (early: [[Trade]], late: [[Trade]])) async throws
        -> [AppendReport]
    {
        var reports: [AppendReport] = []
        for batch in batches.early { reports.append(try await store.trades.append(batch)) }
        store.compact(now: Timestamp(nanoseconds: 1_900_000_000_000_000_000))
        for batch in batches.late { reports.append(try await store.trades.append(batch)) }
        return reports
    }

    @Test func barsOnPostgresEqualTheEngines() async throws {
        let trades = try Self.realTrades()
        let batches = Self.batches(trades)
        let directory = makeTemporaryDirectory("strata-pg-bars")
        defer { removeTree(directory) }
        let engine = try StrataStore.open(directory: directory + "/engine", configuration: Self.configuration)
        let engineReports = try await Self.feed(engine, batches)
        let expected = try await Self.bars(engine)
        try engine.close()

        try await PostgresTestServer.withSchema("bars") { configuration in
            let backend = try PostgresBackend(configuration: configuration)
            let store = try StrataStore.open(
                directory: directory + "/pg", backend: backend, configuration: Self.configuration)
            let reports = try await Self.feed(store, batches)
            #expect(reports == engineReports)
            #expect(reports.reduce(0) { $0 + $1.duplicates } > 0)
            let answers = try await Self.bars(store)
            for (index, bars) in expected.enumerated() {
                #expect(!bars.isEmpty)
                #expect(answers[index] == bars, "answer \(index)")
            }
            // Every stored trade is in exactly one bar of each timeframe.
            let stored = reports.reduce(0) { $0 + $1.stored }
            for level in 0..<5 {
                let counted =
                    answers[level].reduce(0) { $0 + $1.tradeCount }
                    + answers[level + 8].reduce(0) { $0 + $1.tradeCount }
                #expect(counted == stored)
            }
            #expect(store.health().allSatisfy { $0.isHealthy })
            // The bar tables report the bars queries see (1m: both symbols' minutes).
            let minuteStats = try #require(store.stats().first { $0.table == "bars_1m" })
            #expect(minuteStats.rows == answers[0].count + answers[8].count)
            try store.close()
        }
    }

    /// ESU4's 1-minute bars equal Databento's own OHLCV-1m bars for the four minutes its trades
    /// cover (built from the same trades by the vendor).
    @Test func minuteBarsEqualTheVendors() async throws {
        let ohlcv = try String(
            contentsOfFile: SharedData.path(
                "nautilus_trader_fixtures/csv/futures_ohlcv-1m_2024-07-01T23-40_2024-07-02T00-10.csv"), encoding: .utf8)
        var vendor: [Int64: [String]] = [:]
        for line in ohlcv.split(separator: "\n").dropFirst() {
            let fields = line.split(separator: ",").map(String.init)
            if fields[1] == "118" { vendor[Int64(fields[0])!] = fields }
        }
        let directory = makeTemporaryDirectory("strata-pg-bars-vendor")
        defer { removeTree(directory) }
        try await PostgresTestServer.withSchema("barsvendor") { configuration in
            let backend = try PostgresBackend(configuration: configuration)
            let store = try StrataStore.open(directory: directory, backend: backend, configuration: Self.configuration)
            let feed = try store.subscribeBars(symbols: ["ESU4"])
            var trades = try Self.esTrades()
            trades.reverse()  // newest first: every open arrives after its close
            var commits = 0
            for start in stride(from: 0, to: trades.count, by: 7) {
                _ = try await store.trades.append(Array(trades[start..<min(start + 7, trades.count)]))
                commits += 1
            }
            let bars = try await store.bars(
                symbol: "ESU4", timeframe: .oneMinute, from: Timestamp(nanoseconds: 1_719_878_280_000_000_000),
                to: Timestamp(nanoseconds: 1_719_878_520_000_000_000))
            #expect(bars.count == 4)
            for bar in bars {
                let row = try #require(vendor[bar.start.nanoseconds])
                #expect(bar.open == (try Price(row[2])))
                #expect(bar.high == (try Price(row[3])))
                #expect(bar.low == (try Price(row[4])))
                #expect(bar.close == (try Price(row[5])))
                #expect(bar.volume == Volume(mantissa: Int128(try #require(Int64(row[6]))) * 100_000_000))
            }
            // Live: one update per commit, each minute it touched read back from bars_1m (here
            // after the last commit: the final bars).
            var updates = 0
            for try await minutes in feed {
                #expect(!minutes.isEmpty)
                for minute in minutes { #expect(bars.contains(minute), "\(minute)") }
                updates += 1
                if updates == commits { break }
            }
            try store.close()
        }
    }

    /// Trades stored while aggregates were off are in the bars once a store opens with them on
    /// (the `bars` migration fills the tables from the trades), and equal the engine's.
    @Test func barsAreFilledFromTradesStoredBefore() async throws {
        let trades = try Self.esTrades() + Self.realTrades().prefix(3_000)
        let directory = makeTemporaryDirectory("strata-pg-bars-fill")
        defer { removeTree(directory) }
        let engine = try StrataStore.open(directory: directory + "/engine", configuration: Self.configuration)
        _ = try await engine.trades.append(trades)
        _ = try await engine.trades.append(Array(trades.prefix(50)))
        let expected = try await Self.bars(engine)
        try engine.close()
        try await PostgresTestServer.withSchema("barsfill") { configuration in
            var off = Self.configuration
            off.aggregates = false
            let first = try StrataStore.open(
                directory: directory + "/pg1", backend: try PostgresBackend(configuration: configuration),
                configuration: off)
            _ = try await first.trades.append(trades)
            _ = try await first.trades.append(Array(trades.prefix(50)))
            try first.close()
            let store = try StrataStore.open(
                directory: directory + "/pg2", backend: try PostgresBackend(configuration: configuration),
                configuration: Self.configuration)
            #expect(try await Self.bars(store) == expected)
            try store.close()
        }
    }
}
