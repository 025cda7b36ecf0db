import Foundation
import StrataTestSupport
import Synchronization
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// `strata serve` (the built binary, as child processes) over PostgreSQL: a node that cannot
/// reach it at start, PostgreSQL stopped and restarted while a client writes, and two nodes on
/// one database.
///
/// The outage test runs its own cluster (``PrivatePostgres``); the two-node test uses the shared
/// server (`STRATA_TEST_POSTGRES_URL`) in a schema of its own, dropped at its end.
@Suite(.heavy, .serialized) struct PostgresServeTests {
    static let tokens = ["STRATA_TOKENS_WRITE": "pg-write", "STRATA_TOKENS_READ": "pg-read"]
    static let sharedURL =
        ProcessInfo.processInfo.environment["STRATA_TEST_POSTGRES_URL"]
        ?? "postgres://postgres:test_password@127.0.0.1:5433/strata_test"

    static let isCI = ProcessInfo.processInfo.environment["CI"] == "true"

    /// Whether the shared server answers on its (loopback) port. Locally the tests that need it
    /// skip without it; under `CI=true` they run and fail, so CI never passes without them.
    static let sharedServer: Bool = {
        guard isCI == false else { return true }
        guard let url = URLComponents(string: sharedURL), url.host == "127.0.0.1", let port = url.port,
            case .success(let fd) = connectLoopback(port: port)
        else { return false }
        close(fd)
        return true
    }()

    /// Whether a cluster of the test's own can be made (PostgreSQL 15's binaries are installed).
    static let privateCluster =
        isCI || FileManager.default.isExecutableFile(atPath: PrivatePostgres.bin + "/initdb")

    /// `count` trades of BTCUSDT, trade ids `first…`, one millisecond apart from a fixed day.
    static func lines(first: Int, count: Int) -> String {
        (first..<first + count).map { id in
            "trades,symbol=BTCUSDT price=\(64_000 + id % 100).25,qty=0.5,trade_id=\(id)i,side=\"buy\" "
                + "\(1_719_878_400_000_000_000 + Int64(id) * 1_000_000)"
        }.joined(separator: "\n") + "\n"
    }

    static func write(port: Int, first: Int, count: Int) -> (status: Int, body: String, head: String)? {
        rawHTTPBlocking(
            port: port, method: "POST", path: "/api/v2/write?precision=ns",
            headers: ["Authorization": "Token pg-write"], body: lines(first: first, count: count))
    }

    static func json(_ text: String?) -> [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data((text ?? "").utf8))) as? [String: Any] ?? [:]
    }

    /// A node whose PostgreSQL does not answer does not start: exit 1, one line naming host:port
    /// and the cause.
    @Test func unreachableAtStartIsOneLineAndExit1() async throws {
        let directory = makeTemporaryDirectory("strata-pg-unreachable")
        defer { removeTree(directory) }
        let dead = freePort()
        let process = try ServerProcess.start(
            ["serve", "--port", String(freePort())],
            environment: Self.tokens.merging([
                "STRATA_BACKEND": "postgresql",
                "STRATA_POSTGRES_URL": "postgres://postgres:x@127.0.0.1:\(dead)/nothing",
                "STRATA_POSTGRES_CONNECT_TIMEOUT_MILLISECONDS": "1000",
            ]) { $1 },
            stderrPath: directory + "/err.log")
        #expect(await process.wait() == 1)
        let lines = process.stderr.split(separator: "\n").filter { $0.contains("cannot reach PostgreSQL") }
        #expect(lines.count == 1, "\(process.stderr)")
        let line = String(lines.first ?? "")
        #expect(line.contains("127.0.0.1:\(dead)"), "\(line)")
        #expect(line.lowercased().contains("refused"), "the cause: \(line)")
        #expect(line.contains("STRATA_POSTGRES_URL"), "\(line)")
    }

    /// PostgreSQL stopped and restarted in the middle of a client's ILP writes: every write is
    /// acknowledged (204) or refused with 503 and `Retry-After` (never a crash, never another
    /// status), every acknowledged row is in PostgreSQL afterwards, and `/health/ready` shows the
    /// outage (503, `reachable: false`, the cause) and the recovery (200).
    @Test(.enabled(if: privateCluster)) func stoppedAndRestartedWhileAClientWrites() async throws {
        let postgres = try PrivatePostgres()
        defer { postgres.destroy() }
        let directory = makeTemporaryDirectory("strata-pg-outage")
        defer { removeTree(directory) }
        let port = freePort()
        let server = try await ServerProcess.serve(
            ["serve", "--port", String(port)], port: port,
            environment: Self.tokens.merging([
                "STRATA_BACKEND": "postgresql", "STRATA_POSTGRES_URL": postgres.url,
                "STRATA_POSTGRES_CONNECT_TIMEOUT_MILLISECONDS": "1000",
                "STRATA_POSTGRES_OPERATION_TIMEOUT_MILLISECONDS": "3000",
            ]) { $1 },
            stderrPath: directory + "/serve.log")
        defer { server.stopInBackground() }

        let ready = await rawHTTP(port: port, method: "GET", path: "/health/ready")
        #expect(ready?.status == 200, "\(String(describing: ready))")
        let database = Self.json(ready?.body)["postgresql"] as? [String: Any]
        #expect(database?["reachable"] as? Bool == true)
        #expect(database?["endpoint"] as? String == "127.0.0.1:\(postgres.port)/postgres")
        #expect(database?["timescaledb"] is NSNull, "no TimescaleDB in a plain cluster")

        // The client: batches of 5 rows, one after another, on a thread of its own.
        let log = WriteLog()
        let writer = Thread {
            var next = 0
            while !log.stopping {
                let answer = Self.write(port: port, first: next, count: 5)
                log.record(first: next, count: 5, answer: answer)
                next += 5
            }
            log.finish()
        }
        writer.start()
        func waitFor(_ what: String, seconds: Int = 60, _ condition: () -> Bool) async throws {
            for _ in 0..<(seconds * 20) {
                if condition() { return }
                try await Task.sleep(for: .milliseconds(50))
            }
            Issue.record("timed out waiting for \(what)")
        }
        try await waitFor("acknowledged writes") { log.counts.acked >= 10 }
        try postgres.stop()
        try await waitFor("refused writes") { log.counts.refused >= 2 }
        let down = await rawHTTP(port: port, method: "GET", path: "/health/ready")
        #expect(down?.status == 503)
        #expect(down?.head.lowercased().contains("retry-after:") == true)
        let outage = Self.json(down?.body)["postgresql"] as? [String: Any]
        #expect(outage?["reachable"] as? Bool == false, "\(String(describing: down?.body))")
        #expect((outage?["last_error"] as? String)?.contains("127.0.0.1:\(postgres.port)") == true)
        let ackedBeforeRestart = log.counts.acked
        try postgres.start()
        try await waitFor("writes acknowledged again") { log.counts.acked >= ackedBeforeRestart + 10 }
        log.stop()
        try await waitFor("the writer to finish") { log.finished }

        // Health recovers by itself.
        var recovered: (status: Int, body: String, head: String)?
        for _ in 0..<60 {
            recovered = await rawHTTP(port: port, method: "GET", path: "/health/ready")
            if recovered?.status == 200 { break }
            try await Task.sleep(for: .milliseconds(500))
        }
        #expect(recovered?.status == 200, "\(String(describing: recovered?.body))")
        let back = Self.json(recovered?.body)["postgresql"] as? [String: Any]
        #expect(back?["reachable"] as? Bool == true)
        #expect(back?["last_error"] is String, "the outage stays visible after it")

        let outcome = log.snapshot
        #expect(outcome.others.isEmpty, "every answer is 204 or 503: \(outcome.others)")
        #expect(outcome.refusedWithoutRetryAfter == 0)
        #expect(outcome.refused > 0)
        let stored = Set(try postgres.psql("SELECT trade_id FROM public.trades").compactMap(Int.init))
        let missing = outcome.acked.subtracting(stored)
        #expect(missing.isEmpty, "acknowledged but not in PostgreSQL: \(missing.sorted().prefix(20))")
        #expect(stored.count >= outcome.acked.count)
        #expect(await server.stop(SIGTERM) == 0, "\(server.stderr)")
    }

    /// Two `strata serve` processes on different ports, one PostgreSQL (the stateless mode): trades
    /// written through one are read back through the other (latest and range), and the other way.
    @Test(.enabled(if: sharedServer)) func twoNodesShareOnePostgres() async throws {
        let directory = makeTemporaryDirectory("strata-pg-two-nodes")
        defer { removeTree(directory) }
        let schema = "t_two_nodes_\(UInt32.random(in: 0...UInt32.max))"
        let environment = Self.tokens.merging([
            "STRATA_BACKEND": "postgresql", "STRATA_POSTGRES_URL": Self.sharedURL, "STRATA_POSTGRES_SCHEMA": schema,
        ]) { $1 }
        defer { Self.dropShared(schema) }
        let (portA, portB) = (freePort(), freePort())
        // Both start at once: each migration is applied once (the advisory lock).
        async let startA = ServerProcess.serve(
            ["serve", "--port", String(portA)], port: portA, environment: environment, stderrPath: directory + "/a.log")
        async let startB = ServerProcess.serve(
            ["serve", "--port", String(portB)], port: portB, environment: environment, stderrPath: directory + "/b.log")
        let (nodeA, nodeB) = try await (startA, startB)
        defer {
            nodeA.stopInBackground()
            nodeB.stopInBackground()
        }
        let first = await onThread { Self.write(port: portA, first: 1, count: 50) }
        #expect(first?.status == 204, "\(String(describing: first))")
        let read = ["Authorization": "Bearer pg-read"]
        let latest = await rawHTTP(
            port: portB, method: "GET", path: "/api/v1/trades/latest?symbol=BTCUSDT&limit=10", headers: read)
        let latestRows = Self.json(latest?.body)["rows"] as? [[String: Any]] ?? []
        #expect(latestRows.count == 10, "\(String(describing: latest?.body))")
        #expect(latestRows.first?["trade_id"] as? Int == 50)
        #expect(latestRows.first?["price"] as? String == "64050.25")
        let from = 1_719_878_400_000_000_000 + 10 * 1_000_000
        let to = 1_719_878_400_000_000_000 + 20 * 1_000_000
        let range = await rawHTTP(
            port: portB, method: "GET", path: "/api/v1/trades/range?symbol=BTCUSDT&from=\(from)&to=\(to)", headers: read
        )
        let rangeRows = Self.json(range?.body)["rows"] as? [[String: Any]] ?? []
        #expect(rangeRows.compactMap { $0["trade_id"] as? Int } == Array(10..<20), "\(String(describing: range))")

        // Each new time partition has its BRIN on the timestamp (scope strata:partitions).
        let brin = try MigrateCommandTests.psql(
            "SELECT count(*) FROM pg_indexes WHERE schemaname = '\(schema)' AND tablename LIKE 'trades$p%' "
                + "AND indexdef LIKE '%USING brin (ts_ns)%'")
        #expect((Int(brin) ?? 0) >= 1, "BRIN indexes on trades partitions: \(brin)")

        // The other way, and a re-send through the other node stores nothing twice.
        let second = await onThread { Self.write(port: portB, first: 45, count: 10) }
        #expect(second?.status == 204)
        let back = await rawHTTP(
            port: portA, method: "GET", path: "/api/v1/trades/latest?symbol=BTCUSDT&limit=100", headers: read)
        let backRows = Self.json(back?.body)["rows"] as? [[String: Any]] ?? []
        #expect(backRows.compactMap { $0["trade_id"] as? Int } == Array((1...54).reversed()))

        // Orders and jobs across the two nodes: their state lives in PostgreSQL (keyed state), so
        // an order written through A is read and changed through B, and a fill beyond its size
        // is refused on either.
        let write = ["Authorization": "Bearer pg-write", "Content-Type": "application/json"]
        let order = #"""
            {"id":7,"client_order_id":"c-7","user":"alice","symbol":"BTCUSDT","side":"buy","type":"limit",\#
            "price":"64000.5","size":"2","created_at":"2024-07-01T00:00:00Z"}
            """#
        let created = await rawHTTP(port: portA, method: "POST", path: "/api/v1/orders", headers: write, body: order)
        #expect(created?.status == 201, "\(String(describing: created?.body))")
        let seen = await rawHTTP(port: portB, method: "GET", path: "/api/v1/orders/7", headers: read)
        #expect(Self.json(seen?.body)["status"] as? String == "new", "\(String(describing: seen?.body))")
        let fill = await rawHTTP(
            port: portB, method: "POST", path: "/api/v1/orders/7/fill", headers: write,
            body: #"{"quantity":"0.5","price":"64000"}"#)
        #expect(Self.json(fill?.body)["status"] as? String == "partially_filled", "\(String(describing: fill?.body))")
        let afterFill = await rawHTTP(port: portA, method: "GET", path: "/api/v1/orders/7", headers: read)
        #expect(Self.json(afterFill?.body)["filled_size"] as? String == "0.5", "\(String(describing: afterFill?.body))")
        let overfill = await rawHTTP(
            port: portA, method: "POST", path: "/api/v1/orders/7/fill", headers: write,
            body: #"{"quantity":"1.6","price":"64000"}"#)
        #expect(overfill?.status == 409, "\(String(describing: overfill?.body))")
        #expect(Self.json(overfill?.body)["code"] as? String == "overfill")

        // 40 jobs enqueued on A, worked by two workers on each node at once: every job completes
        // exactly once (FOR UPDATE SKIP LOCKED: a leased job is never handed to another worker).
        let jobCount = 40
        for id in 1...jobCount {
            let enqueued = await rawHTTP(
                port: portA, method: "POST", path: "/api/v1/jobs", headers: write,
                body: #"{"id":\#(id),"queue":"settle","payload":{"n":\#(id)}}"#)
            #expect(enqueued?.status == 201, "\(String(describing: enqueued?.body))")
        }
        let workers = [(portA, "a1"), (portA, "a2"), (portB, "b1"), (portB, "b2")]
        let worked = await withTaskGroup(of: [Int].self) { group in
            for (port, name) in workers {
                group.addTask { await onThread { Self.work(port: port, worker: name, headers: write) } }
            }
            var all: [Int] = []
            for await ids in group { all += ids }
            return all
        }
        #expect(worked.count == jobCount, "jobs completed: \(worked.count) of \(jobCount)")
        #expect(Set(worked) == Set(1...jobCount), "every job once: \(worked.sorted())")
        let done = await rawHTTP(port: portB, method: "GET", path: "/api/v1/jobs/\(jobCount)", headers: read)
        #expect(Self.json(done?.body)["state"] as? String == "completed", "\(String(describing: done?.body))")
        // The live feed is per node: a node's WebSocket subscribers see the rows written through
        // that node only (no LISTEN/NOTIFY yet), so it has no two-node check.

        #expect(await nodeA.stop(SIGTERM) == 0, "\(nodeA.stderr)")
        #expect(await nodeB.stop(SIGTERM) == 0, "\(nodeB.stderr)")
    }

    /// Dequeues jobs of queue `settle` one at a time through `port` and completes each, until the
    /// queue is empty twice in a row; the ids it completed.
    static func work(port: Int, worker: String, headers: [String: String]) -> [Int] {
        var completed: [Int] = []
        var emptyTimes = 0
        while emptyTimes < 2 {
            let answer = rawHTTPBlocking(
                port: port, method: "POST", path: "/api/v1/jobs/dequeue", headers: headers,
                body: #"{"queue":"settle","worker":"\#(worker)","limit":1,"lease_ms":60000}"#)
            let jobs = json(answer?.body)["jobs"] as? [[String: Any]] ?? []
            guard let job = jobs.first, let id = job["id"] as? Int,
                let token = (job["lease"] as? [String: Any])?["token"] as? Int
            else {
                emptyTimes += 1
                continue
            }
            emptyTimes = 0
            let done = rawHTTPBlocking(
                port: port, method: "POST", path: "/api/v1/jobs/\(id)/complete", headers: headers,
                body: #"{"token":\#(token)}"#)
            if done?.status == 200 { completed.append(id) }
        }
        return completed
    }

    /// Drops `schema` on the shared server (psql).
    static func dropShared(_ schema: String) {
        guard let url = URLComponents(string: sharedURL), let host = url.host, let port = url.port else { return }
        _ = try? PrivatePostgres.run(
            PrivatePostgres.bin + "/psql",
            [
                "-h", host, "-p", String(port), "-U", url.user ?? "postgres", "-d", String(url.path.dropFirst()), "-c",
                "DROP SCHEMA IF EXISTS \(schema) CASCADE",
            ],
            environment: ["PGPASSWORD": url.password ?? ""])
    }
}

/// What the writing client saw, shared between its thread and the test.
final class WriteLog: Sendable {
    struct State {
        var acked: Set<Int> = []
        var ackedBatches = 0
        var refused = 0
        var refusedWithoutRetryAfter = 0
        var others: [String] = []
        var stopping = false
        var finished = false
    }

    private let state = Mutex(State())

    func record(first: Int, count: Int, answer: (status: Int, body: String, head: String)?) {
        state.withLock { state in
            switch answer?.status {
            case 204:
                state.acked.formUnion(first..<first + count)
                state.ackedBatches += 1
            case 503:
                state.refused += 1
                if answer?.head.lowercased().contains("retry-after:") != true { state.refusedWithoutRetryAfter += 1 }
            default:
                state.others.append("\(answer.map { "\($0.status) \($0.body)" } ?? "no answer")")
            }
        }
    }

    var counts: (acked: Int, refused: Int) { state.withLock { ($0.ackedBatches, $0.refused) } }
    var snapshot: State { state.withLock { $0 } }
    var stopping: Bool { state.withLock { $0.stopping } }
    var finished: Bool { state.withLock { $0.finished } }
    func stop() { state.withLock { $0.stopping = true } }
    func finish() { state.withLock { $0.finished = true } }
}
