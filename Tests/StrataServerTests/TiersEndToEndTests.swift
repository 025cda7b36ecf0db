import Foundation
import StrataTestSupport
import Synchronization
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Issue 11's end-to-end test: `strata serve` (a child process) with the tiers redis and
/// postgresql beside the engine, a client writing ILP over HTTP, and the test's own redis-server
/// (SIGKILLed) and its own PostgreSQL cluster (stopped) taken down and brought back in the middle
/// of the ingest. Afterwards every acknowledged row is in every tier, in order, exactly once;
/// `strata tiers verify` reports zero differences; health sampled during the run showed each
/// tier's breaker open and its backlog grow and drain.
@Suite(.heavy, .serialized) struct TiersEndToEndTests {
    static let redisServer: String? = {
        for directory in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin").split(separator: ":") {
            if access("\(directory)/redis-server", X_OK) == 0 { return "\(directory)/redis-server" }
        }
        return nil
    }()

    static let available = redisServer != nil && PostgresServeTests.privateCluster

    /// A redis-server of the test's own (a child process, its stdio on /dev/null): append-only
    /// file synced on every write, so what it confirmed survives its SIGKILL.
    final class OwnRedis: Sendable {
        let port = freePort()
        let directory = makeTemporaryDirectory("strata-e2e-redis")
        private let pid = Mutex<pid_t>(0)

        func start() throws {
            let arguments = [
                redisServer!, "--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "yes",
                "--appendfsync", "always", "--daemonize", "no", "--dir", directory, "--logfile",
                directory + "/redis.log",
            ]
            var actions = posix_spawn_file_actions_t()
            posix_spawn_file_actions_init(&actions)
            defer { posix_spawn_file_actions_destroy(&actions) }
            for fd in [STDIN_FILENO, STDOUT_FILENO, STDERR_FILENO] {
                posix_spawn_file_actions_addopen(&actions, fd, "/dev/null", fd == STDIN_FILENO ? O_RDONLY : O_WRONLY, 0)
            }
            let argv = arguments.map { strdup($0) } + [nil]
            defer { argv.forEach { free($0) } }
            var child: pid_t = 0
            guard posix_spawn(&child, arguments[0], &actions, nil, argv, environ) == 0 else {
                throw PrivatePostgresError(message: "cannot start redis-server")
            }
            pid.withLock { $0 = child }
            for _ in 0..<400 {
                if case .success(let fd) = connectLoopback(port: port) {
                    close(fd)
                    return
                }
                usleep(25_000)
            }
            throw PrivatePostgresError(message: "redis-server did not start on \(port)")
        }

        /// SIGKILL, and reaps it.
        func kill() {
            let child = pid.withLock { pid in
                defer { pid = 0 }
                return pid
            }
            guard child > 0 else { return }
            Glibc.kill(child, SIGKILL)
            var status: Int32 = 0
            waitpid(child, &status, 0)
        }

        func cli(_ arguments: [String]) -> [String] {
            runCommand(["/usr/bin/env", "redis-cli", "-p", String(port)] + arguments).output
                .split(separator: "\n").map(String.init)
        }

        func destroy() {
            kill()
            removeTree(directory)
        }
    }

    /// What health showed of one tier during the run.
    final class Samples: Sendable {
        struct Seen: Sendable {
            var breakerOpen = false
            var maxBacklog = 0
            var degradedWith200 = false
            var samples = 0
        }
        private let seen = Mutex<[String: Seen]>([:])
        private let stopping = Mutex(false)

        func record(_ body: String?, status: Int?) {
            let json = PostgresServeTests.json(body)
            let tables = (json["tiers"] as? [String: Any])?["tables"] as? [[String: Any]] ?? []
            let tiers = tables.first { $0["table"] as? String == "trades" }?["tiers"] as? [[String: Any]] ?? []
            seen.withLock { seen in
                for tier in tiers {
                    guard let name = tier["tier"] as? String else { continue }
                    var entry = seen[name] ?? Seen()
                    entry.samples += 1
                    if tier["breaker"] as? String == "open" { entry.breakerOpen = true }
                    entry.maxBacklog = max(entry.maxBacklog, tier["backlog_rows"] as? Int ?? 0)
                    if tier["status"] as? String == "degraded" && status == 200 { entry.degradedWith200 = true }
                    seen[name] = entry
                }
            }
        }

        var snapshot: [String: Seen] { seen.withLock { $0 } }
        var isStopping: Bool { stopping.withLock { $0 } }
        func stop() { stopping.withLock { $0 = true } }
    }

    static func tier(_ body: String?, _ name: String) -> [String: Any]? {
        let tables = (PostgresServeTests.json(body)["tiers"] as? [String: Any])?["tables"] as? [[String: Any]] ?? []
        let tiers = tables.first { $0["table"] as? String == "trades" }?["tiers"] as? [[String: Any]] ?? []
        return tiers.first { $0["tier"] as? String == name }
    }

    @Test(.enabled(if: available, "needs redis-server and PostgreSQL 15's binaries"))
    func redisAndPostgresKilledAndRestartedMidIngest() async throws {
        let postgres = try PrivatePostgres()
        defer { postgres.destroy() }
        let redis = OwnRedis()
        try redis.start()
        defer { redis.destroy() }
        let directory = makeTemporaryDirectory("strata-tiers-e2e")
        defer { removeTree(directory) }
        let port = freePort()
        let config = directory + "/strata.json"
        writeText(
            config,
            """
            {"data": "\(directory)/data", "http": {"port": \(port)}, "ilp": {"tcp": {"enabled": false}},
             "auth": {"writeTokens": ["pg-write"], "readTokens": ["pg-read"]}, "aggregates": false,
             "tiers": {"tables": {"trades": {"write": ["memory", "redis", "postgresql"]}},
                       "memory": {"rows": 1000}, "breakerBackoffMilliseconds": 50,
                       "redis": {"url": "redis://127.0.0.1:\(redis.port)", "rows": 100000},
                       "postgresql": {"url": "\(postgres.url)"}}}
            """)
        let server = try await ServerProcess.serve(
            ["serve", "--config", config], port: port, environment: [:], stderrPath: directory + "/serve.log")
        defer { server.stopInBackground() }

        // The client: batches of 5 rows, one after another, on a thread of its own; health sampled
        // on another.
        let log = WriteLog()
        let writer = Thread {
            var next = 1
            while !log.stopping {
                log.record(first: next, count: 5, answer: PostgresServeTests.write(port: port, first: next, count: 5))
                next += 5
            }
            log.finish()
        }
        writer.start()
        let samples = Samples()
        Thread {
            while !samples.isStopping {
                let answer = rawHTTPBlocking(port: port, method: "GET", path: "/health/ready")
                samples.record(answer?.body, status: answer?.status)
                usleep(100_000)
            }
        }.start()
        defer { samples.stop() }
        // Minutes, not seconds: the full suite on two cores has kept the catch-up past 90 s.
        func waitFor(_ what: String, seconds: Int = 300, _ condition: () async -> Bool) async throws {
            for _ in 0..<(seconds * 10) {
                if await condition() { return }
                try await Task.sleep(for: .milliseconds(100))
            }
            Issue.record("timed out waiting for \(what)")
        }
        func health(_ tier: String) async -> [String: Any]? {
            Self.tier(await rawHTTP(port: port, method: "GET", path: "/health/ready")?.body, tier)
        }

        try await waitFor("acknowledged writes") { log.counts.acked >= 20 }
        // Redis killed (SIGKILL) and PostgreSQL stopped while the client writes.
        redis.kill()
        try postgres.stop()
        try await waitFor("both breakers open") {
            let (redisBreaker, postgresBreaker) = (await health("redis"), await health("postgresql"))
            return redisBreaker?["breaker"] as? String == "open" && postgresBreaker?["breaker"] as? String == "open"
        }
        let acked = log.counts.acked
        try await waitFor("more writes acknowledged while both are down") { log.counts.acked >= acked + 20 }
        let down = await rawHTTP(port: port, method: "GET", path: "/health/ready")
        #expect(down?.status == 200, "the engine still takes writes: \(String(describing: down?.body))")
        for name in ["redis", "postgresql"] {
            let tier = Self.tier(down?.body, name)
            #expect(tier?["status"] as? String == "degraded", "\(String(describing: tier))")
            #expect((tier?["backlog_rows"] as? Int ?? 0) > 0, "\(String(describing: tier))")
        }
        try redis.start()
        try postgres.start()
        let resumed = log.counts.acked
        try await waitFor("writes after the restarts") { log.counts.acked >= resumed + 20 }
        log.stop()
        try await waitFor("the writer to finish") { log.finished }
        try await waitFor("both tiers caught up") {
            let (r, p) = (await health("redis"), await health("postgresql"))
            return r?["backlog_rows"] as? Int == 0 && p?["backlog_rows"] as? Int == 0
                && r?["applied"] as? Int == r?["accepted"] as? Int && p?["applied"] as? Int == p?["accepted"] as? Int
        }
        samples.stop()

        let outcome = log.snapshot
        #expect(outcome.others.isEmpty && outcome.refused == 0, "every write acknowledged: \(outcome.others)")
        let expected = outcome.acked.sorted()
        // Redis: every row once, in time (= trade id) order.
        let members = redis.cli(["ZRANGE", "strata:rows:trades:BTCUSDT", "0", "-1"])
        let redisIDs = members.compactMap { member -> Int? in
            guard let range = member.range(of: "\"trade_id\":") else { return nil }
            return Int(member[range.upperBound...].prefix { $0.isNumber })
        }
        #expect(redisIDs == expected, "redis holds \(redisIDs.count) rows, \(expected.count) acknowledged")
        // PostgreSQL: every row once, in commit order.
        let postgresIDs = try postgres.psql("SELECT trade_id FROM public.trades ORDER BY \"_strata_seq\"")
            .compactMap(Int.init)
        #expect(postgresIDs == expected, "postgresql holds \(postgresIDs.count) rows, \(expected.count) acknowledged")

        let seen = samples.snapshot
        for name in ["redis", "postgresql"] {
            let tier = seen[name]
            #expect(tier?.breakerOpen == true, "\(name): \(String(describing: tier))")
            #expect(
                (tier?.maxBacklog ?? 0) > 0 && tier?.degradedWith200 == true, "\(name): \(String(describing: tier))")
        }
        let metrics = await rawHTTP(
            port: port, method: "GET", path: "/metrics", headers: ["Authorization": "Bearer pg-read"])
        #expect(
            metrics?.body.contains("strata_tier_breaker_opened_total{table=\"trades\",tier=\"redis\"}") == true,
            "\(metrics?.body ?? "")")
        #expect(
            metrics?.body.contains("strata_tier_backlog_rows{table=\"trades\",tier=\"postgresql\"} 0.0") == true)

        #expect(await server.stop(SIGTERM) == 0, "\(server.stderr)")
        let executable = try #require(strataExecutable)
        let verify = await onThread { runCommand([executable, "tiers", "verify", "--config", config]) }
        #expect(verify.status == 0, "\(verify.output)")
        #expect(verify.output.contains("0 difference(s)"), "\(verify.output)")
        #expect(verify.output.contains("checked trades postgresql: 1 symbol(s), \(expected.count) row(s)"))
    }
}
