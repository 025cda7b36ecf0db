import Foundation
import HTTPTypes
import HummingbirdTesting
import Strata
import Testing

@testable import StrataServer

/// `GET /api/v1/quality`, the findings table through the query API, and the quality metrics.
@Suite struct QualityRoutesTests {
    static func configuration() -> ServerConfiguration {
        var configuration = testConfiguration()
        configuration.storeSettings.quality.enabled = true
        return configuration
    }

    /// Two trades of AAA 15 minutes apart in the New York session (10:00 and 10:15 EDT): a gap.
    static let gapLines =
        "trades,symbol=AAA price=10,qty=1,trade_id=1i,side=\"buy\" \(t(50_400))\n"
        + "trades,symbol=AAA price=10,qty=1,trade_id=2i,side=\"buy\" \(t(51_300))\n"
        + "trades,symbol=BBB price=20,qty=1,trade_id=1i,side=\"buy\" \(t(50_400))\n"

    @Test func reportAsJSON() async throws {
        try await withServer(Self.configuration()) { client, _, _ in
            #expect(try await client.writeILP(Self.gapLines).status == .noContent)
            let answer = try await client.get("/api/v1/quality")
            #expect(answer.status == .ok, "\(answer.text)")
            let json = answer.json
            #expect((json["score"] as? String).map { $0 < "1" } == true, "\(answer.text)")
            let tables = json["tables"] as? [[String: Any]] ?? []
            #expect(tables.map { $0["table"] as? String } == ["trades", "aggtrades", "quotes"])
            let trades = try #require(tables.first)
            let symbols = trades["symbols"] as? [[String: Any]] ?? []
            #expect(symbols.map { $0["symbol"] as? String } == ["AAA", "BBB"])
            let gap = (symbols.first?["rules"] as? [[String: Any]])?.first { $0["rule"] as? String == "gap" }
            #expect(gap?["checked"] as? Int == 1 && gap?["failed"] as? Int == 1 && gap?["passed"] as? Int == 0)
            #expect(symbols.first?["score"] as? String != "1.0000" && symbols.last?["score"] as? String == "1.0000")
            let findings = json["findings"] as? [[String: Any]] ?? []
            #expect(findings.count == 1)
            #expect(findings.first?["rule"] as? String == "gap" && findings.first?["symbol"] as? String == "AAA")
            #expect(
                findings.first?["value"] as? String == "900" && findings.first?["ts_ns"] as? String == "\(t(51_300))")
            #expect((findings.first?["time"] as? String)?.hasPrefix("2024-07-01T14:15:00") == true)
        }
    }

    @Test func filtersAndErrors() async throws {
        try await withServer(Self.configuration()) { client, _, _ in
            #expect(try await client.writeILP(Self.gapLines).status == .noContent)
            let bbb = try await client.get("/api/v1/quality?table=trades&symbol=BBB").json
            let tables = bbb["tables"] as? [[String: Any]] ?? []
            #expect(tables.count == 1 && (tables.first?["symbols"] as? [Any])?.count == 1)
            #expect((bbb["findings"] as? [Any])?.isEmpty == true)
            #expect(bbb["score"] as? String == "1.0000")
            let unknown = try await client.get("/api/v1/quality?table=news")
            #expect(unknown.status == .badRequest && unknown.json["code"] as? String == "invalidArgument")
            let badSymbol = try await client.get("/api/v1/quality?symbol=a%20b")
            #expect(badSymbol.status == .badRequest && badSymbol.json["parameter"] as? String == "symbol")
            let limit = try await client.get("/api/v1/quality?findings=5000")
            #expect(limit.status == .badRequest && limit.json["parameter"] as? String == "findings")
            #expect(try await client.get("/api/v1/quality", authorization: nil).status == .unauthorized)
        }
    }

    @Test func offWithoutTheSetting() async throws {
        try await withServer { client, _, _ in
            let answer = try await client.get("/api/v1/quality")
            #expect(
                answer.status == .badRequest && (answer.json["message"] as? String)?.contains("quality.enabled") == true
            )
        }
    }

    @Test func findingsTableThroughTheQueryAPI() async throws {
        try await withServer(Self.configuration()) { client, _, _ in
            #expect(try await client.writeILP(Self.gapLines).status == .noContent)
            let range = try await client.get(
                "/api/v1/quality_findings/range?symbol=AAA&from=2024-07-01T00:00:00Z&to=2024-07-02T00:00:00Z")
            #expect(range.status == .ok, "\(range.text)")
            let rows = range.json["rows"] as? [[String: Any]] ?? []
            #expect(rows.count == 1)
            #expect(rows.first?["rule"] as? String == "gap" && rows.first?["table"] as? String == "trades")
            #expect(rows.first?["value"] as? String == "900")
        }
    }

    @Test func metrics() async throws {
        try await withServer(Self.configuration()) { client, _, _ in
            #expect(try await client.writeILP(Self.gapLines).status == .noContent)
            let text = try await client.get("/metrics").text
            #expect(
                text.contains(#"strata_quality_checks_total{table="trades",rule="gap",outcome="failed"} 1"#), "\(text)")
            #expect(text.contains(#"strata_quality_checks_total{table="trades",rule="gap",outcome="passed"} 0"#))
            #expect(text.contains(#"strata_quality_score{table="trades",symbol="_all"}"#))
            // AAA: duplicate, backwards and stale passed, gap failed.
            #expect(text.contains(#"strata_quality_score{table="trades",symbol="AAA"} 0.75"#))
            // Scraped again: the counter is not counted twice.
            let again = try await client.get("/metrics").text
            #expect(again.contains(#"strata_quality_checks_total{table="trades",rule="gap",outcome="failed"} 1"#))
        }
    }
}
