import Foundation
import Strata
import StrataTestSupport
import Testing

/// `strata quality report`: what the monitor saved when the store closed, and its findings.
@Suite struct QualityCommandTests {
    /// `runStrata` on a thread of its own: a test never holds a cooperative thread waiting for a process.
    static func strata(_ arguments: [String], in directory: String) async throws -> CommandResult {
        try await withCheckedThrowingContinuation { continuation in
            Thread { continuation.resume(with: Result { try runStrata(arguments, in: directory) }) }.start()
        }
    }

    @Test func reportInTableAndJSON() async throws {
        let directory = makeTemporaryDirectory("strata-quality-cli")
        defer { removeTree(directory) }
        var configuration = StrataStore.Configuration(durability: .osBuffered, maintenanceInterval: nil)
        configuration.quality.enabled = true
        let store = try StrataStore.open(directory: directory + "/data", configuration: configuration)
        // 2024-07-01 10:00 and 10:15 New York: a 900 s gap in the session.
        let start = Timestamp(nanoseconds: 1_719_842_400_000_000_000)
        let price = try Price("10")
        try await store.trades.append(
            [0, 900, 901].enumerated().map { id, seconds in
                Trade(
                    symbol: "AAA", timestamp: start.advanced(by: Int64(seconds) * 1_000_000_000), tradeID: Int64(id),
                    price: price, quantity: Quantity(integer: 1)!, isBuyerMaker: false)
            })
        try store.close()

        let table = try await Self.strata(["quality", "report", "--data", "data"], in: directory)
        #expect(table.status == 0, "\(table.stderr)")
        #expect(table.stdout.contains("1/2"), "gap failed/checked: \(table.stdout)")
        #expect(table.stdout.contains("1 newest finding(s)") && table.stdout.contains("no row for 900 s"))

        let json = try await Self.strata(
            ["quality", "report", "--data", "data", "--table", "trades", "--symbol", "AAA", "--format", "json"],
            in: directory)
        #expect(json.status == 0, "\(json.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        let findings = object["findings"] as? [[String: Any]] ?? []
        #expect(findings.count == 1 && findings.first?["rule"] as? String == "gap")
        #expect((object["tables"] as? [Any])?.count == 1)

        let unknown = try await Self.strata(["quality", "report", "--data", "data", "--table", "news"], in: directory)
        #expect(unknown.status == 1 && unknown.stderr.contains("news is not monitored"), "\(unknown.stderr)")
    }
}
