import Foundation
import StrataTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Two API nodes sharing Redis (`tiers.redis.subscribe`): two `strata serve` processes, each on its
/// own data directory, one Redis (`STRATA_TEST_REDIS_URL`, keys under a prefix of the test's own).
/// Node A writes trades through its Redis tier and also subscribes; node B only subscribes. A
/// live-feed client on node B receives the rows written through node A, in order; a client on
/// node A receives each row once (its own rows come back over Redis and are skipped).
@Suite(.heavy, .serialized) struct TiersTwoNodesTests {
    static let redisURL = ProcessInfo.processInfo.environment["STRATA_TEST_REDIS_URL"] ?? "redis://127.0.0.1:6390"
    static let redisUp: Bool = {
        guard let url = URLComponents(string: redisURL), let port = url.port,
            case .success(let fd) = connectLoopback(port: port)
        else { return PostgresServeTests.isCI }
        close(fd)
        return true
    }()

    static func node(
        _ name: String, port: Int, directory: String, prefix: String, writes: Bool
    ) async throws -> ServerProcess {
        var environment = [
            "STRATA_DATA": directory + "/" + name, "STRATA_HTTP_PORT": String(port),
            "STRATA_ILP_TCP_ENABLED": "false", "STRATA_TOKENS_WRITE": Tokens.write, "STRATA_TOKENS_READ": Tokens.read,
            "STRATA_TIERS_REDIS_URL": redisURL, "STRATA_TIERS_REDIS_KEY_PREFIX": prefix,
            "STRATA_TIERS_REDIS_SUBSCRIBE": "trades",
        ]
        if writes { environment["STRATA_TIERS_WRITE"] = "memory,redis" }
        return try await ServerProcess.serve(
            ["serve"], port: port, environment: environment, stderrPath: directory + "/\(name).log")
    }

    static func rows(first: Int, count: Int) -> String {
        (first..<first + count).map { id in
            "trades,symbol=BTCUSDT price=\(64_000 + id).5,qty=0.25,trade_id=\(id)i,side=\"sell\" "
                + "\(1_719_878_400_000_000_000 + Int64(id) * 1_000_000)"
        }.joined(separator: "\n") + "\n"
    }

    @Test(.enabled(if: redisUp, "needs Redis at STRATA_TEST_REDIS_URL"))
    func nodeBsClientsReceiveRowsWrittenThroughNodeA()
        async throws
    {
        let directory = makeTemporaryDirectory("strata-two-nodes")
        defer { removeTree(directory) }
        let prefix = "strata-two-nodes-\(UInt32.random(in: 0...UInt32.max)):"
        let (portA, portB) = (freePort(), freePort())
        let nodeA = try await Self.node("a", port: portA, directory: directory, prefix: prefix, writes: true)
        defer { nodeA.stopInBackground() }
        let nodeB = try await Self.node("b", port: portB, directory: directory, prefix: prefix, writes: false)
        defer { nodeB.stopInBackground() }
        let onB = LiveClient(port: portB, query: "channel=trades")
        let onA = LiveClient(port: portA, query: "channel=trades")
        try await onB.subscribed()
        try await onA.subscribed()
        // Node B's subscription to Redis is made in the background: wait until a probe row arrives.
        var probe = 0
        while onB.rowCount(of: "trades") == 0 && probe < 100 {
            probe += 1
            let answer = await rawHTTP(
                port: portA, method: "POST", path: "/write",
                headers: ["Authorization": "Bearer \(Tokens.write)"], body: Self.rows(first: probe, count: 1))
            #expect(answer?.status == 204, "\(String(describing: answer))")
            try await Task.sleep(for: .milliseconds(200))
        }
        let probes = onB.rowCount(of: "trades")
        try #require(probes > 0, "node B never received a row: \(nodeB.stderr)")
        // Then 200 rows in 10 requests through node A.
        for batch in 0..<10 {
            let answer = await rawHTTP(
                port: portA, method: "POST", path: "/write", headers: ["Authorization": "Bearer \(Tokens.write)"],
                body: Self.rows(first: 1_000 + batch * 20, count: 20))
            #expect(answer?.status == 204)
        }
        _ = try await onB.rows(channel: "trades", count: probes + 200)
        try await Task.sleep(for: .milliseconds(500))
        let onBRows = try await onB.rows(channel: "trades", count: onB.rowCount(of: "trades"))
        let idsOnB = onBRows.compactMap { $0["trade_id"] as? Int }.filter { $0 >= 1_000 }
        #expect(idsOnB == Array(1_000..<1_200), "in order, each once")
        let last = onBRows.last { ($0["trade_id"] as? Int ?? 0) >= 1_000 }
        #expect((last?["price"] as? String)?.hasPrefix("65199.5") == true, "exact: \(last ?? [:])")
        // Node A: its own rows once (locally), not again from Redis.
        let total = probe + 200
        let onARows = try await onA.rows(channel: "trades", count: total)
        #expect(onARows.compactMap { $0["trade_id"] as? Int } == Array(1...probe) + Array(1_000..<1_200))
        try await Task.sleep(for: .milliseconds(500))
        #expect(onA.rowCount(of: "trades") == total, "no row twice on the node that stores and subscribes")
        #expect(onBRows.count == Set(onBRows.compactMap { $0["trade_id"] as? Int }).count, "no row twice on B")
    }
}
