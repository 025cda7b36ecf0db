import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import Strata
import StrataCore
import StrataPostgres
import StrataPostgresTier
import StrataRedis
import StrataTestSupport
import StrataTiers
import Testing

@testable import StrataServer

/// The tiers wired into the server (issue 11, part 3), in process over the router: memory and
/// the real Redis (`STRATA_TEST_REDIS_URL`, keys under a prefix of the test's own) and the real
/// PostgreSQL (`STRATA_TEST_POSTGRES_URL`, a schema of the test's own) as replicas of the engine;
/// reads through the composite; health, metrics, `/api/v1/tiers` and reconciliation.
@Suite(.serialized) struct TiersServerTests {
    static let redisURL = ProcessInfo.processInfo.environment["STRATA_TEST_REDIS_URL"] ?? "redis://127.0.0.1:6390"
    static let postgresURL =
        ProcessInfo.processInfo.environment["STRATA_TEST_POSTGRES_URL"]
        ?? "postgres://postgres:test_password@127.0.0.1:5433/strata_test"

    /// `count` trades of `symbol`, trade ids `first…`, one millisecond apart.
    static func lines(_ symbol: String = "BTCUSDT", first: Int, count: Int) -> String {
        (first..<first + count).map { id in
            "trades,symbol=\(symbol) price=\(64_000 + id % 100).25,qty=0.5,trade_id=\(id)i,side=\"buy\" "
                + "\(t(0) + Int64(id) * 1_000_000)"
        }.joined(separator: "\n") + "\n"
    }

    /// Runs `body` against a router whose store has the tiers of `configuration` (started).
    static func withTieredServer(
        _ configuration: ServerConfiguration,
        _ body: @Sendable (any TestClientProtocol, StrataStore, ServerTiers) async throws -> Void
    ) async throws {
        let directory = makeTemporaryDirectory("strata-tiers-server")
        defer { removeTree(directory) }
        let store = try StrataStore.open(
            directory: directory, configuration: .init(durability: .osBuffered, maintenanceInterval: nil))
        defer { try? store.close() }
        var logger = Logger(label: "strata-tiers-test")
        logger.logLevel = .critical
        let tiers = try #require(
            try ServerTiers.make(configuration: configuration, store: store, directory: directory, logger: logger))
        tiers.start()
        let router = StrataServer.makeRouter(
            store: store, configuration: configuration, metrics: ServerMetrics(), tiers: tiers)
        let app = Application(router: router, logger: logger)
        do {
            try await app.test(.router) { client in try await body(client, store, tiers) }
        } catch {
            await tiers.stop()
            throw error
        }
        await tiers.stop()
    }

    static func configuration(write: [ServerConfiguration.Tiers.Kind], prefix: String) -> ServerConfiguration {
        var configuration = testConfiguration()
        configuration.tiers.tables["trades"] = .init(write: write)
        configuration.tiers.memoryRows = 50
        configuration.tiers.redisRows = 20
        configuration.tiers.redisURL = redisURL
        configuration.tiers.redisKeyPrefix = prefix
        configuration.tiers.breakerBackoffMilliseconds = 20
        return configuration
    }

    static func tier(_ json: [String: Any], table: String, tier: String) -> [String: Any]? {
        let tables = (json["tables"] as? [[String: Any]]) ?? []
        let tiers = tables.first { $0["table"] as? String == table }?["tiers"] as? [[String: Any]]
        return tiers?.first { $0["tier"] as? String == tier }
    }

    /// Latest-N and ranges answered by the first tier that holds them fully: memory (50 per
    /// symbol, 40 seen) answers the newest 10 and a range inside what it holds (its next page then
    /// comes from the engine); for the newest 45 neither memory (40) nor Redis (20) can, so the
    /// engine answers.
    @Test func readsGoThroughTheFirstTierThatAnswersFully() async throws {
        let prefix = "strata-test-\(UInt32.random(in: 0...UInt32.max)):"
        try await Self.withTieredServer(Self.configuration(write: [.memory, .redis], prefix: prefix)) {
            client, _, tiers in
            #expect(try await client.writeILP(Self.lines(first: 1, count: 40)).status == .noContent)
            #expect(await tiers.waitUntilCaughtUp(timeout: .seconds(20)))
            let ten = try await client.get("/api/v1/trades/latest?symbol=BTCUSDT&limit=10")
            #expect(ten.status == .ok, "\(ten.text)")
            #expect(ten.headers[TieredAnswers.tierHeader] == "memory")
            let rows = ten.json["rows"] as? [[String: Any]] ?? []
            #expect(rows.map { $0["trade_id"] as? Int } == (31...40).reversed().map { $0 })
            #expect(rows.first?["price"] as? String == "64040.25", "exact decimals: \(rows.first ?? [:])")
            // The same answer from the engine (no tiers) is byte for byte the same rows.
            let all = try await client.get("/api/v1/trades/latest?symbol=BTCUSDT&limit=45")
            #expect(all.headers[TieredAnswers.tierHeader] == "engine")
            #expect((all.json["rows"] as? [[String: Any]])?.count == 40)
            // A range inside what memory holds, paged: the cursor continues on the engine.
            let from = t(0) + 5 * 1_000_000
            let to = t(0) + 36 * 1_000_000
            let page = try await client.get("/api/v1/trades/range?symbol=BTCUSDT&from=\(from)&to=\(to)&limit=20")
            #expect(page.headers[TieredAnswers.tierHeader] == "memory", "\(page.text)")
            let pageRows = page.json["rows"] as? [[String: Any]] ?? []
            #expect(pageRows.map { $0["trade_id"] as? Int } == (5...24).map { $0 })
            let next = try #require(page.json["next_cursor"] as? String)
            let rest = try await client.get(
                "/api/v1/trades/range?symbol=BTCUSDT&from=\(from)&to=\(to)&limit=20&cursor=\(next)")
            let restRows = rest.json["rows"] as? [[String: Any]] ?? []
            #expect(restRows.map { $0["trade_id"] as? Int } == (25...35).map { $0 })
            // Redis answers what memory cannot (a reader whose first tier is Redis).
            let redisRows = try #require(
                try await tiers.tables["trades"]?.reader.tiers.last?.answerLatest(
                    table: "trades", symbol: "BTCUSDT", limit: 20))
            #expect(redisRows.count == 20)
            let counts = try #require(tiers.reader(table: "trades")?.counts)
            #expect(counts["memory"]?.hits ?? 0 >= 2 && counts["memory"]?.misses ?? 0 >= 1, "\(counts)")
            #expect(counts["engine"]?.hits ?? 0 >= 2, "\(counts)")
            let verify = try await client.get("/api/v1/tiers/verify")
            #expect(verify.json["differences"] as? Int == 0, "\(verify.text)")
            let checked = verify.json["checked"] as? [[String: Any]] ?? []
            #expect(checked.contains { $0["tier"] as? String == "redis" && $0["rows"] as? Int == 20 }, "\(checked)")
            #expect(checked.contains { $0["tier"] as? String == "memory" && $0["rows"] as? Int == 40 }, "\(checked)")
        }
    }

    /// Health and metrics show every tier per table; a Redis that cannot be reached makes health
    /// `degraded` with a 200 (the engine still takes writes), its breaker open and its backlog
    /// growing; reconciliation reports it.
    @Test func healthAndMetricsPerTierAndADownTierIsDegradedNot503() async throws {
        let prefix = "strata-test-\(UInt32.random(in: 0...UInt32.max)):"
        var configuration = Self.configuration(write: [.memory, .redis], prefix: prefix)
        try await Self.withTieredServer(configuration) { client, _, tiers in
            #expect(try await client.writeILP(Self.lines(first: 1, count: 5)).status == .noContent)
            #expect(await tiers.waitUntilCaughtUp(timeout: .seconds(20)))
            let ready = try await client.get("/health/ready", authorization: nil)
            #expect(ready.status == .ok)
            #expect(ready.json["status"] as? String == "ok", "\(ready.text)")
            let tiersJSON = try #require(ready.json["tiers"] as? [String: Any], "\(ready.text)")
            #expect(tiersJSON["durable"] as? Bool == true)
            let redis = try #require(Self.tier(tiersJSON, table: "trades", tier: "redis"), "\(tiersJSON)")
            #expect(redis["accepted"] as? Int == 1 && redis["applied"] as? Int == 1, "\(redis)")
            #expect(redis["breaker"] as? String == "closed" && redis["backlog_rows"] as? Int == 0)
            #expect(redis["rebuild_needed"] as? Bool == false && redis["rows_applied"] as? Int == 5)
            let metrics = try await client.get("/metrics").text
            for series in [
                "strata_tier_applied_position{table=\"trades\",tier=\"redis\"} 1.0",
                "strata_tier_backlog_rows{table=\"trades\",tier=\"memory\"} 0.0",
                "strata_tier_breaker_state{table=\"trades\",tier=\"redis\"} 0.0",
                "strata_tier_rows_applied_total{table=\"trades\",tier=\"redis\"} 5",
            ] {
                #expect(metrics.contains(series), "\(series) in \(metrics)")
            }
            let status = try await client.get("/api/v1/tiers")
            #expect(Self.tier(status.json, table: "trades", tier: "memory")?["applied"] as? Int == 1, "\(status.text)")
        }
        // Redis on a port nobody listens on.
        configuration.tiers.redisURL = "redis://127.0.0.1:\(freePort())"
        try await Self.withTieredServer(configuration) { client, _, tiers in
            for batch in 0..<4 {
                #expect(try await client.writeILP(Self.lines(first: 1 + batch * 5, count: 5)).status == .noContent)
            }
            #expect(await tiers.waitUntilCaughtUp(timeout: .milliseconds(500)) == false)
            var opened = false
            for _ in 0..<100 where !opened {
                let redis = Self.tier(
                    try await client.get("/health/ready", authorization: nil).json["tiers"] as? [String: Any] ?? [:],
                    table: "trades", tier: "redis")
                opened = redis?["breaker"] as? String != "closed"
                if !opened { try await Task.sleep(for: .milliseconds(50)) }
            }
            let ready = try await client.get("/health/ready", authorization: nil)
            #expect(ready.status == .ok, "a tier down is not a 503: \(ready.text)")
            #expect(ready.json["status"] as? String == "degraded")
            let redis = try #require(
                Self.tier(ready.json["tiers"] as? [String: Any] ?? [:], table: "trades", tier: "redis"))
            #expect(opened, "\(redis)")
            #expect(redis["status"] as? String == "degraded")
            #expect(redis["accepted"] as? Int == 4 && redis["applied"] as? Int == 0, "\(redis)")
            #expect(redis["backlog_rows"] as? Int == 20 && (redis["backlog_bytes"] as? Int ?? 0) > 0, "\(redis)")
            #expect(
                redis["oldest_unapplied_age_ms"] as? Int != nil && redis["last_error"] as? String != nil, "\(redis)")
            let memory = try #require(
                Self.tier(ready.json["tiers"] as? [String: Any] ?? [:], table: "trades", tier: "memory"))
            #expect(memory["applied"] as? Int == 4 && memory["status"] as? String == "ok", "\(memory)")
            let metrics = try await client.get("/metrics").text
            #expect(metrics.contains("strata_tier_backlog_rows{table=\"trades\",tier=\"redis\"} 20.0"), "\(metrics)")
            #expect(metrics.contains("strata_tier_degraded{table=\"trades\",tier=\"redis\"} 1.0"), "\(metrics)")
            // Reads still answer (memory, then the engine).
            let latest = try await client.get("/api/v1/trades/latest?symbol=BTCUSDT&limit=5")
            #expect(latest.status == .ok && latest.headers[TieredAnswers.tierHeader] == "memory")
            let verify = try await client.get("/api/v1/tiers/verify?table=trades")
            #expect((verify.json["differences"] as? Int ?? 0) > 0, "\(verify.text)")
            let details = verify.json["details"] as? [[String: Any]] ?? []
            #expect(details.contains { $0["tier"] as? String == "redis" && $0["kind"] as? String == "unreachable" })
        }
    }

    /// The sync write mode: with Redis a sync tier, a 204 means Redis already holds the rows;
    /// Redis unreachable, a write is stored by the engine but refused with 503
    /// `tierUnavailable` naming the tier (a retry is safe); with `tiers.syncDegrade` it is
    /// acknowledged and health shows the table's sync writes degraded to async.
    @Test func syncTiersHoldEveryAcknowledgedWriteOrTheWriteIsRefusedOrVisiblyDegraded() async throws {
        let prefix = "strata-test-\(UInt32.random(in: 0...UInt32.max)):"
        var configuration = Self.configuration(write: [.memory, .redis], prefix: prefix)
        configuration.tiers.tables["trades"]?.sync = [.redis]
        configuration.tiers.syncTimeoutMilliseconds = 2_000
        try await Self.withTieredServer(configuration) { client, _, tiers in
            let replicator = try #require(tiers.tables["trades"]?.replicator)
            for batch in 0..<5 {
                #expect(try await client.writeILP(Self.lines(first: 1 + batch * 10, count: 10)).status == .noContent)
                // Acknowledged: Redis holds it already, no waiting.
                let redis = try #require(replicator.status.first { $0.tier == "redis" })
                #expect(redis.replication.applied == UInt64(batch + 1), "\(redis)")
            }
            let ready = try await client.get("/health/ready", authorization: nil)
            let table = (ready.json["tiers"] as? [String: Any])?["tables"] as? [[String: Any]] ?? []
            #expect(table.first?["sync"] as? [String] == ["redis"], "\(ready.text)")
            #expect(table.first?["sync_degraded"] is NSNull, "\(ready.text)")
        }
        // Redis on a port nobody listens on: stored by the engine, refused until Redis holds it.
        configuration.tiers.redisURL = "redis://127.0.0.1:\(freePort())"
        configuration.tiers.syncTimeoutMilliseconds = 300
        try await Self.withTieredServer(configuration) { client, _, _ in
            for batch in 0..<3 {
                let response = try await client.writeILP(Self.lines(first: 1 + batch * 10, count: 10))
                #expect(response.status == .serviceUnavailable, "\(response.text)")
                #expect(response.headers[.retryAfter] != nil)
                #expect(
                    response.text.contains("tierUnavailable") && response.text.contains("redis"), "\(response.text)")
            }
            let latest = try await client.get("/api/v1/trades/latest?symbol=BTCUSDT&limit=100")
            #expect(latest.json["count"] as? Int == 30, "stored by the engine: \(latest.text)")
        }
        configuration.tiers.syncDegrade = true
        try await Self.withTieredServer(configuration) { client, _, _ in
            for batch in 0..<3 {
                #expect(try await client.writeILP(Self.lines(first: 1 + batch * 10, count: 10)).status == .noContent)
            }
            let ready = try await client.get("/health/ready", authorization: nil)
            #expect(ready.status == .ok && ready.json["status"] as? String == "degraded", "\(ready.text)")
            let table = (ready.json["tiers"] as? [String: Any])?["tables"] as? [[String: Any]] ?? []
            let degraded = try #require(table.first?["sync_degraded"] as? [String: Any], "\(ready.text)")
            #expect(degraded["tier"] as? String == "redis" && degraded["writes"] as? Int == 3, "\(degraded)")
        }
    }

    /// The memory tier alone (`tiers.memoryOnly`): it has seen every row, so it answers every
    /// latest-N and range of what it holds; health says plainly that nothing is durable.
    @Test func memoryOnlyAnswersEverythingAndSaysNothingIsDurable() async throws {
        var configuration = testConfiguration()
        configuration.tiers.memoryOnly = true
        configuration.tiers.memoryRows = 100
        try await Self.withTieredServer(configuration) { client, _, tiers in
            #expect(try await client.writeILP(Self.lines(first: 1, count: 30)).status == .noContent)
            #expect(await tiers.waitUntilCaughtUp(timeout: .seconds(20)))
            let latest = try await client.get("/api/v1/trades/latest?symbol=BTCUSDT&limit=50")
            #expect(latest.headers[TieredAnswers.tierHeader] == "memory", "\(latest.text)")
            #expect((latest.json["rows"] as? [[String: Any]])?.count == 30)
            let none = try await client.get("/api/v1/trades/latest?symbol=ETHUSDT&limit=5")
            #expect(none.headers[TieredAnswers.tierHeader] == "memory" && none.json["count"] as? Int == 0)
            let range = try await client.get("/api/v1/trades/range?symbol=BTCUSDT&from=0&to=\(t(10))")
            #expect(range.headers[TieredAnswers.tierHeader] == "memory")
            #expect(range.json["count"] as? Int == 30)
            let ready = try await client.get("/health/ready", authorization: nil)
            let tiersJSON = try #require(ready.json["tiers"] as? [String: Any], "\(ready.text)")
            #expect(tiersJSON["durable"] as? Bool == false)
            #expect((tiersJSON["note"] as? String)?.contains("nothing is durable") == true, "\(tiersJSON)")
        }
    }

    /// PostgreSQL as a replica of the engine: every row once, in order; a batch sent again is
    /// skipped by its position; reconciliation agrees; a restart of the server resumes from the
    /// cursor without sending twice.
    @Test func postgresReplicaHoldsEveryRowExactlyOnce() async throws {
        let schema = "t_tiers_\(UInt32.random(in: 0...UInt32.max))"
        defer { PostgresServeTests.dropShared(schema) }
        var configuration = Self.configuration(write: [.memory, .postgresql], prefix: "unused:")
        configuration.tiers.postgresURL = Self.postgresURL + "?schema=\(schema)"
        try await Self.withTieredServer(configuration) { client, store, tiers in
            for batch in 0..<5 {
                let status = try await client.writeILP(Self.lines(first: 1 + batch * 100, count: 100)).status
                #expect(status == .noContent)
            }
            // A duplicate trade id is not stored by the engine, so not replicated.
            #expect(try await client.writeILP(Self.lines(first: 1, count: 1)).status == .noContent)
            #expect(await tiers.waitUntilCaughtUp(timeout: .seconds(60)))
            let replica = try #require(try tiers.postgres?.tier())
            let table = try #require(replica.table(named: "trades"))
            let rows = try table.range(symbol: "BTCUSDT", from: .min, to: .max, limit: 10_000)
            #expect(rows.count == 500)
            #expect(try replica.appliedPosition(table: "trades") == 5)
            // Sent again (as after a lost reply): skipped by position.
            var again = ColumnBatch(symbols: ["BTCUSDT"], symbolIndex: [0], columns: rows.columns.map { [$0[0]] })
            again.texts = rows.texts
            try await replica.apply(
                table: "trades",
                entries: (1...5).map { LogEntry(position: UInt64($0), committedAt: 0, batch: again) })
            #expect(try table.range(symbol: "BTCUSDT", from: .min, to: .max, limit: 10_000).count == 500)
            let verify = await tiers.verify()
            #expect(verify.differences.isEmpty, "\(verify.differences)")
            #expect(verify.checked.contains { $0.tier == "postgresql" && $0.rows == 500 })
            _ = store
        }
    }
}
