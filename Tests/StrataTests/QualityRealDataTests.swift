import Foundation
import Strata
import StrataTestSupport
import Testing

/// The data-quality monitor on clean real data, with its defaults: LEAN's SPY trades and IBM
/// quotes of 2013-10-07 (04:00–20:00 New York, so sparse pre- and post-market hours) raise
/// nothing. The rules still ran: every row was checked.
@Suite struct QualityRealDataTests {
    /// Midnight 2013-10-07 in New York (EDT, UTC−4).
    static let midnight = Timestamp(nanoseconds: 1_381_118_400_000_000_000)

    static func lines(_ name: String) throws -> [[Substring]] {
        let text = try String(
            contentsOfFile: sharedData + "/lean_spy_ibm_equity/csv/" + name, encoding: .utf8)
        return text.split(separator: "\n").map { $0.split(separator: ",") }
    }

    @Test(SharedData.required) func cleanSPYTradesAndIBMQuotesRaiseNothing() async throws {
        let directory = makeTemporaryDirectory("strata-quality-real")
        defer { removeTree(directory) }
        var configuration = testConfiguration(aggregates: false)
        configuration.quality.enabled = true
        let store = try StrataStore.open(directory: directory, configuration: configuration)
        defer { try? store.close() }
        // time (ms since midnight New York), price × 10⁴, size, …
        let trades = try Self.lines("20131007_spy_Trade_Tick.csv").enumerated().map { index, fields in
            Trade(
                symbol: "SPY", timestamp: Self.midnight.advanced(by: Int64(fields[0])! * 1_000_000),
                tradeID: Int64(index), price: Price(units: Int64(fields[1])!, exponent: 4)!,
                quantity: Quantity(integer: Int64(fields[2])!)!, isBuyerMaker: false)
        }
        // time, bid × 10⁴, bid size, ask × 10⁴, ask size, … (one side is 0,0 on one-sided updates)
        let quotes = try Self.lines("20131007_ibm_Quote_Tick.csv").map { fields in
            func side(_ price: Substring, _ size: Substring) -> [DepthLevel] {
                let units = Int64(price)!
                return units > 0
                    ? [DepthLevel(price: Price(units: units, exponent: 4)!, size: Quantity(integer: Int64(size)!)!)]
                    : []
            }
            return Quote(
                symbol: "IBM", timestamp: Self.midnight.advanced(by: Int64(fields[0])! * 1_000_000),
                bids: side(fields[1], fields[2]), asks: side(fields[3], fields[4]))
        }
        #expect(trades.count == 250_601 && quotes.count == 109_067)
        for start in stride(from: 0, to: trades.count, by: 20_000) {
            try await store.trades.append(Array(trades[start..<min(start + 20_000, trades.count)]))
        }
        for start in stride(from: 0, to: quotes.count, by: 20_000) {
            try await store.quotes.append(Array(quotes[start..<min(start + 20_000, quotes.count)]))
        }
        let report = try await store.qualityReport()
        #expect(report.findings.isEmpty, "\(report.findings.prefix(5))")
        #expect(report.score == 1)
        let spy = try #require(report.tables.first { $0.table == "trades" }?.symbols.first)
        let ibm = try #require(report.tables.first { $0.table == "quotes" }?.symbols.first)
        func checked(_ rules: [QualityReport.RuleCount], _ rule: QualityRule) -> Int {
            rules.first { $0.rule == rule }?.count.checked ?? 0
        }
        // Every row after the first is judged for order and gaps, every price after the eighth.
        #expect(checked(spy.rules, .backwards) == trades.count - 1 && checked(spy.rules, .gap) == trades.count - 1)
        #expect(checked(spy.rules, .priceJump) == trades.count - 8)
        #expect(checked(spy.rules, .duplicate) == trades.count)
        #expect(checked(ibm.rules, .backwards) == quotes.count - 1)
        #expect(checked(ibm.rules, .priceJump) > 100_000)
        // Every IBM quote of the file is one-sided: the crossed rule has nothing to judge.
        #expect(checked(ibm.rules, .crossed) == 0)
        let findings = try #require(store.table(named: "quality_findings"))
        #expect(findings.symbols().isEmpty)
    }
}
