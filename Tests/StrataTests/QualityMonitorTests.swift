import Strata
import StrataTestSupport
import Testing

/// Each rule of the data-quality monitor on a fixture built to trip it, with the finding's
/// fields; the findings table read back; the findings budget; counts surviving a reopen.
@Suite struct QualityMonitorTests {
    /// Monday 2024-07-01 14:00 UTC = 10:00 New York: inside the US equities session.
    static let open = Timestamp(nanoseconds: 1_719_842_400_000_000_000)

    static func at(_ seconds: Double) -> Timestamp {
        open.advanced(by: Int64(seconds * 1_000_000_000))
    }

    static func trade(_ seconds: Double, id: Int64, price: String, symbol: Symbol = "AAA") throws -> Trade {
        Trade(
            symbol: symbol, timestamp: at(seconds), tradeID: id, price: try Price(price),
            quantity: Quantity(integer: 1)!, isBuyerMaker: false)
    }

    static func configuration(_ change: (inout QualitySettings) -> Void = { _ in }) -> StrataStore.Configuration {
        var configuration = testConfiguration()
        configuration.quality.enabled = true
        change(&configuration.quality)
        return configuration
    }

    /// Opens a store with the monitor on, runs `body`, closes and removes it.
    static func withStore(
        _ configuration: StrataStore.Configuration = configuration(), _ body: (StrataStore) async throws -> Void
    ) async throws {
        let directory = makeTemporaryDirectory("strata-quality")
        defer { removeTree(directory) }
        let store = try StrataStore.open(directory: directory, configuration: configuration)
        defer { try? store.close() }
        try await body(store)
    }

    /// The one finding of `rule` in the report (and that there is exactly one).
    static func only(_ rule: QualityRule, in report: QualityReport) throws -> QualityFinding {
        let found = report.findings.filter { $0.rule == rule }
        try #require(found.count == 1, "findings: \(report.findings)")
        return found[0]
    }

    static func count(_ rule: QualityRule, _ report: QualityReport, table: String = "trades") -> QualityCount? {
        report.tables.first { $0.table == table }?.rules.first { $0.rule == rule }?.count
    }

    @Test func priceJumpBeyondTheBandOfTheMedian() async throws {
        try await Self.withStore { store in
            var trades: [Trade] = try (0..<20).map { (n: Int) throws -> Trade in
                try Self.trade(Double(n), id: Int64(n), price: n % 2 == 0 ? "100" : "100.5")
            }
            trades.append(try Self.trade(20, id: 20, price: "104.9"))  // 4.7% from 100.25: inside 5%
            trades.append(try Self.trade(21, id: 21, price: "120"))
            try await store.trades.append(trades)
            let report = try await store.qualityReport()
            let finding = try Self.only(.priceJump, in: report)
            #expect(finding.table == "trades" && finding.symbol == "AAA")
            #expect(finding.time == Self.at(21))
            #expect(finding.value.description == "120")
            #expect(finding.detail.contains("from the median 100.5 of the last 21"), "\(finding.detail)")
            #expect(report.findings.count == 1)
            // Checked from the ninth price on.
            #expect(Self.count(.priceJump, report) == QualityCount(checked: 14, failed: 1))
            #expect(report.score < 1)
        }
    }

    @Test func timestampsGoingBackwardsBeyondTheTolerance() async throws {
        try await Self.withStore { store in
            try await store.trades.append([
                try Self.trade(0, id: 1, price: "10"), try Self.trade(5, id: 2, price: "10"),
                try Self.trade(4.5, id: 3, price: "10"),  // 0.5 s behind: tolerated
                try Self.trade(1, id: 4, price: "10"),  // 4 s behind
            ])
            let report = try await store.qualityReport()
            let finding = try Self.only(.backwards, in: report)
            #expect(finding.time == Self.at(1) && finding.symbol == "AAA")
            #expect(finding.value.description == "4")
            #expect(finding.detail.contains("before the newest row"))
            #expect(Self.count(.backwards, report) == QualityCount(checked: 3, failed: 1))
            #expect(report.findings.count == 1)
        }
    }

    @Test func gapsCountTradingTimeOnly() async throws {
        try await Self.withStore { store in
            // 600 s in the session: a gap. Friday 15:59 → Monday 09:31 New York: 120 s of trading time.
            let friday = Timestamp(nanoseconds: 1_719_604_740_000_000_000)  // 2024-06-28T19:59:00Z
            let monday = Timestamp(nanoseconds: 1_719_840_660_000_000_000)  // 2024-07-01T13:31:00Z
            try await store.trades.append([
                Trade(
                    symbol: "BBB", timestamp: friday, tradeID: 1, price: try Price("5"),
                    quantity: Quantity(integer: 1)!,
                    isBuyerMaker: false),
                Trade(
                    symbol: "BBB", timestamp: monday, tradeID: 2, price: try Price("5"),
                    quantity: Quantity(integer: 1)!,
                    isBuyerMaker: false),
                try Self.trade(0, id: 1, price: "10"), try Self.trade(600, id: 2, price: "10"),
            ])
            let report = try await store.qualityReport()
            let finding = try Self.only(.gap, in: report)
            #expect(finding.symbol == "AAA" && finding.time == Self.at(600))
            #expect(finding.value.description == "600")
            #expect(Self.count(.gap, report) == QualityCount(checked: 2, failed: 1))
        }
    }

    @Test func staleSymbolsBySilenceInTradingTime() async throws {
        try await Self.withStore(Self.configuration { $0.calendar = .always }) { store in
            try await store.trades.append([try Self.trade(0, id: 1, price: "10")])
            let quiet = try await store.qualityReport()
            #expect(quiet.findings.isEmpty)
            let later = WallClock.now().advanced(by: 600 * Timestamp.nanosecondsPerSecond)
            let report = try await store.qualityReport(now: later)
            let finding = try Self.only(.stale, in: report)
            #expect(finding.time == later && finding.symbol == "AAA" && finding.table == "trades")
            #expect(finding.detail.contains("of trading time since"))
            // Still silent a minute later: counted again, no second finding.
            let again = try await store.qualityReport(now: later.advanced(by: 61 * Timestamp.nanosecondsPerSecond))
            #expect(again.findings.filter { $0.rule == .stale }.count == 1)
            #expect(Self.count(.stale, again) == QualityCount(checked: 3, failed: 2))
        }
    }

    @Test func duplicateKeysAreCounted() async throws {
        try await Self.withStore { store in
            try await store.trades.append([try Self.trade(0, id: 7, price: "10")])
            try await store.trades.append([
                try Self.trade(1, id: 7, price: "10"), try Self.trade(2, id: 8, price: "10"),
            ])
            let report = try await store.qualityReport()
            let finding = try Self.only(.duplicate, in: report)
            #expect(finding.value.description == "7" && finding.time == Self.at(1))
            #expect(finding.detail.contains("already stored"))
            #expect(Self.count(.duplicate, report) == QualityCount(checked: 3, failed: 1))
            // The dropped row is judged by no other rule.
            #expect(Self.count(.backwards, report)?.checked == 1)
        }
    }

    @Test func crossedQuotes() async throws {
        func quote(_ seconds: Double, bid: String, ask: String) throws -> Quote {
            Quote(
                symbol: "CCC", timestamp: Self.at(seconds),
                bids: [DepthLevel(price: try Price(bid), size: Quantity(integer: 1)!)],
                asks: [DepthLevel(price: try Price(ask), size: Quantity(integer: 1)!)])
        }
        try await Self.withStore { store in
            try await store.quotes.append([
                try quote(0, bid: "99.9", ask: "100"), try quote(1, bid: "100.1", ask: "100"),
                Quote(
                    symbol: "CCC", timestamp: Self.at(2), bids: [],
                    asks: [DepthLevel(price: try Price("100"), size: Quantity(integer: 1)!)]),
            ])
            let report = try await store.qualityReport(table: "quotes")
            let finding = try Self.only(.crossed, in: report)
            #expect(finding.table == "quotes" && finding.symbol == "CCC" && finding.time == Self.at(1))
            #expect(finding.value.description == "100.1" && finding.detail == "bid 100.1 >= ask 100")
            // A one-sided quote is not checked.
            #expect(Self.count(.crossed, report, table: "quotes") == QualityCount(checked: 2, failed: 1))
        }
    }

    @Test func findingsAreATableOfTheCatalog() async throws {
        try await Self.withStore { store in
            try await store.trades.append([
                try Self.trade(0, id: 1, price: "10"), try Self.trade(900, id: 2, price: "10"),
            ])
            let table = try #require(store.table(named: "quality_findings"))
            let page = try await table.range(symbol: "AAA", from: Self.at(0), to: Self.at(1_000))
            #expect(page.rows.count == 1)
            let row = try #require(page.rows.first)
            #expect(row["rule"] == .text("gap") && row["table"] == .text("trades"))
            #expect(row["ts"] == .timestamp(Self.at(900)))
            #expect(row["value"].map { "\($0)" } == "900")
        }
    }

    @Test func findingsAreBoundedPerMinuteAndTheRestCounted() async throws {
        try await Self.withStore(Self.configuration { $0.maxFindingsPerMinute = 3 }) { store in
            var trades: [Trade] = try (0..<10).map { (n: Int) throws -> Trade in
                try Self.trade(Double(n), id: Int64(n), price: "100")
            }
            trades += try (10..<40).map { (n: Int) throws -> Trade in
                try Self.trade(Double(n), id: Int64(n), price: n % 2 == 0 ? "200" : "50")
            }
            try await store.trades.append(trades)
            let report = try await store.qualityReport()
            let jumps = try #require(Self.count(.priceJump, report))
            #expect(report.findings.filter { $0.rule == .priceJump }.count == 3)
            #expect(jumps.failed >= 20 && jumps.suppressed == jumps.failed - 3)
        }
    }

    @Test func countsSurviveAReopen() async throws {
        let directory = makeTemporaryDirectory("strata-quality")
        defer { removeTree(directory) }
        let first = try StrataStore.open(directory: directory, configuration: Self.configuration())
        try await first.trades.append([try Self.trade(0, id: 1, price: "10"), try Self.trade(900, id: 2, price: "10")])
        let before = try first.qualitySummary()
        try first.close()
        let second = try StrataStore.open(directory: directory, configuration: Self.configuration())
        defer { try? second.close() }
        let after = try await second.qualityReport()
        #expect(Self.count(.gap, after) == Self.count(.gap, before))
        #expect(Self.count(.gap, after) == QualityCount(checked: 1, failed: 1))
        #expect(after.findings.count == 1)
    }

    @Test func offUnlessEnabled() async throws {
        try await Self.withStore(testConfiguration()) { store in
            #expect(store.table(named: "quality_findings") == nil)
            await #expect(throws: StrataError.self) { try await store.qualityReport() }
        }
    }

    @Test func unknownTableIsRefused() async throws {
        try await Self.withStore { store in
            await #expect(throws: StrataError.self) { try await store.qualityReport(table: "news") }
        }
    }
}
