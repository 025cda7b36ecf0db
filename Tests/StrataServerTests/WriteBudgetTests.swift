import Foundation
import StrataTestSupport
import Testing

@testable import StrataServer

#if canImport(Glibc)
    import Glibc
#endif

/// `http.maxInFlightWriteBytes`: writes beyond the budget wait their turn, in order, and are
/// refused with 503 `overloaded` (and `Retry-After`) when no room comes in time.
@Suite struct WriteBudgetTests {
    @Test func reservesWaitsInOrderAndTimesOut() async throws {
        let budget = WriteBudget(capacity: 100)
        let first = await budget.reserve(60, timeout: .seconds(5))
        #expect(first == 60)
        // 50 does not fit: it waits; 10 would fit but queues behind it (first come, first served).
        async let second = budget.reserve(50, timeout: .seconds(5))
        try await Task.sleep(for: .milliseconds(50))
        async let third = budget.reserve(10, timeout: .seconds(5))
        try await Task.sleep(for: .milliseconds(50))
        #expect(budget.reserved == 60)
        budget.release(60)
        #expect(await second == 50)
        #expect(await third == 10)
        #expect(budget.reserved == 60)
        // Nothing is released in time: refused, and the refusal leaves nothing reserved.
        let refused = await budget.reserve(80, timeout: .milliseconds(100))
        #expect(refused == nil)
        #expect(budget.reserved == 60)
        // More than the whole budget is clamped to it (a body may be as large as the budget).
        budget.release(60)
        #expect(await budget.reserve(1_000, timeout: .seconds(1)) == 100)
        budget.release(100)
        #expect(budget.reserved == 0)
    }

    /// A real server with a 4 KiB budget: a client that sends half of a 4,096-byte body holds the
    /// budget; another write waits, then gets 503 `overloaded` with `Retry-After`; once the first
    /// body arrives it is stored (204) and the second, retried, is stored too.
    @Test func aFullBudgetAnswers503Overloaded() async throws {
        let directory = makeTemporaryDirectory("strata-write-budget")
        defer { removeTree(directory) }
        let port = freePort()
        let server = try await ServerProcess.serve(
            ["serve", "--data", directory + "/data", "--port", String(port)], port: port,
            environment: [
                "STRATA_AUTH_DISABLED": "true", "STRATA_ILP_TCP_ENABLED": "false",
                "STRATA_HTTP_MAX_REQUEST_BYTES": "4096", "STRATA_HTTP_MAX_IN_FLIGHT_WRITE_BYTES": "4096",
                "STRATA_HTTP_WRITE_WAIT_MILLISECONDS": "300",
            ],
            stderrPath: directory + "/server.log")
        defer { server.stopInBackground(SIGTERM) }
        var lines = ""
        var id = 1
        while lines.utf8.count < 3_900 {
            lines += "trades,symbol=SLOW price=1.5,qty=2,trade_id=\(id)i,side=\"buy\" \(t(Int64(id)))\n"
            id += 1
        }
        // A comment line pads the body to exactly the budget: nothing else fits beside it.
        lines += "#" + String(repeating: "x", count: 4_096 - lines.utf8.count - 2) + "\n"
        let body = Array(lines.utf8)
        #expect(body.count == 4_096)
        guard case .success(let slow) = connectLoopback(port: port) else {
            Issue.record("cannot connect")
            return
        }
        defer { close(slow) }
        let head = "POST /write HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: \(body.count)\r\n\r\n"
        let half = Array(head.utf8) + body[0..<body.count / 2]
        #expect(half.withUnsafeBytes { send(slow, $0.baseAddress, $0.count, 0) } == half.count)
        try await Task.sleep(for: .milliseconds(200))

        // Until the slow request holds the budget (a loaded machine may take longer than 200 ms
        // to start its handler), the other write is stored: the same trade id, so retrying it
        // stores nothing twice.
        let other = "trades,symbol=FAST price=2,qty=1,trade_id=1i,side=\"sell\" \(t(1))"
        var started = ContinuousClock.now
        var refused = try #require(await rawHTTP(port: port, method: "POST", path: "/write", body: other))
        for _ in 0..<20 where refused.status == 204 {
            try await Task.sleep(for: .milliseconds(200))
            started = ContinuousClock.now
            refused = try #require(await rawHTTP(port: port, method: "POST", path: "/write", body: other))
        }
        #expect(refused.status == 503, "\(refused.body)")
        #expect(refused.body.contains("\"code\":\"overloaded\""), "\(refused.body)")
        #expect(refused.head.lowercased().contains("retry-after: 1"), "\(refused.head)")
        #expect(ContinuousClock.now - started >= .milliseconds(250), "it waited before refusing")

        let rest = Array(body[(body.count / 2)...])
        #expect(rest.withUnsafeBytes { send(slow, $0.baseAddress, $0.count, 0) } == rest.count)
        #expect(String(decoding: readToEnd(slow), as: UTF8.self).hasPrefix("HTTP/1.1 204"))
        #expect(await rawHTTP(port: port, method: "POST", path: "/write", body: other)?.status == 204)
        let stats = try #require(await rawHTTP(port: port, method: "GET", path: "/api/v1/stats"))
        #expect(stats.body.contains("\"rows\":\(id)"), "\(stats.body)")  // id - 1 slow rows + 1 fast
        let metrics = try #require(await rawHTTP(port: port, method: "GET", path: "/metrics"))
        #expect(metrics.body.contains("strata_http_writes_overloaded_total 1"), "\(metrics.body)")
    }
}
