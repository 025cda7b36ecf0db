import StrataRedis
import StrataTestSupport
import Testing

@Suite("Redis client pool (real redis-server)", .heavy)
struct RedisClientTests {
    @Test("the pool sends on every connection and reports itself healthy", RedisTestEnvironment.sharedServer)
    func pool() async throws {
        var configuration = try RedisTestEnvironment.configuration
        configuration.poolSize = 3
        let client = try await RedisClient.connect(configuration: configuration)
        #expect(client.health.connections == [.connected, .connected, .connected])
        #expect(client.health.isHealthy)
        let prefix = RedisTestEnvironment.prefix("pool")
        var ids = Set<Int64>()
        for _ in 0..<6 {
            let id = try await client.send(["CLIENT", "ID"]).int
            ids.insert(try #require(id))
        }
        #expect(ids.count == 3)
        _ = try await client.send(["SET", .string(prefix + "k"), "v"])
        let results = try await client.pipeline([["GET", .string(prefix + "k")], ["DEL", .string(prefix + "k")]])
        #expect((try? results[0].get())?.string == "v")
        #expect((try? results[1].get()) == .integer(1))
        // A transaction needs its commands on one connection.
        let exec = try await client.withConnection { connection in
            #expect(try await connection.send(["MULTI"]) == .simpleString("OK"))
            #expect(try await connection.send(["SET", .string(prefix + "t"), "1"]) == .simpleString("QUEUED"))
            #expect(try await connection.send(["INCR", .string(prefix + "t")]) == .simpleString("QUEUED"))
            return try await connection.send(["EXEC"])
        }
        #expect(exec.array == [.simpleString("OK"), .integer(2)])
        _ = try await client.send(["DEL", .string(prefix + "t")])
        await client.close()
        #expect(client.health.connections == [.closed, .closed, .closed])
        await #expect(throws: RedisError.self) { try await client.send(["PING"]) }
    }

    @Test(
        "AUTH: a password-protected server refuses without it and accepts it, over RESP3 and RESP2",
        RedisTestEnvironment.serverBinary)
    func auth() async throws {
        let server = try OwnedRedisServer(extraArguments: ["--requirepass", "s3cret pass"])
        defer { server.stop() }
        var configuration = server.configuration
        do {
            _ = try await RedisConnection.connect(configuration: configuration)
            Issue.record("connected without the password")
        } catch {
            #expect(error.serverCode == "NOAUTH")
        }
        configuration.password = "wrong"
        do {
            _ = try await RedisConnection.connect(configuration: configuration)
            Issue.record("connected with a wrong password")
        } catch {
            #expect(error.serverCode == "WRONGPASS")
        }
        configuration.password = "s3cret pass"
        let resp3 = try await RedisConnection.connect(configuration: configuration)
        #expect(resp3.protocolVersion == 3)
        #expect(try await resp3.send(["PING"]) == .simpleString("PONG"))
        configuration.protocolPreference = .resp2
        let resp2 = try await RedisConnection.connect(configuration: configuration)
        #expect(resp2.protocolVersion == 2)
        #expect(try await resp2.send(["PING"]) == .simpleString("PONG"))
        // And with an explicit ACL user.
        configuration.username = "default"
        let named = try await RedisConnection.connect(configuration: configuration)
        #expect(try await named.send(["ACL", "WHOAMI"]).string == "default")
        await resp3.close()
        await resp2.close()
        await named.close()
    }

    @Test(
        "a killed server fails pending commands; the pool reconnects with backoff and later commands succeed",
        RedisTestEnvironment.serverBinary)
    func killedServer() async throws {
        let server = try OwnedRedisServer()
        defer { server.stop() }
        var configuration = server.configuration
        configuration.poolSize = 2
        configuration.connectTimeout = .seconds(1)
        configuration.reconnectBaseDelay = .milliseconds(20)
        configuration.reconnectMaxDelay = .milliseconds(200)
        let client = try await RedisClient.connect(configuration: configuration)
        _ = try await client.send(["SET", "k", "before"])

        // A command blocked in the server when it dies fails with connectionClosed (blocked for
        // good, 0: under the full suite's load the kill below has come after a 30 s BLPOP ended).
        let blocked = Task {
            try await client.send(["BLPOP", "never", 0], timeout: .seconds(300))
        }
        // Kill only once the server holds it (asked on a connection of its own, outside the pool).
        let observer = try await RedisConnection.connect(configuration: server.configuration)
        let clock = ContinuousClock()
        let blockedBy = clock.now + .seconds(120)
        while clock.now < blockedBy {
            let info = try await observer.send(["INFO", "clients"]).string ?? ""
            if info.contains("blocked_clients:1") { break }
            try await Task.sleep(for: .milliseconds(20))
        }
        await observer.close()
        server.kill()
        await #expect(throws: RedisError.connectionClosed) { try await blocked.value }

        // While it is down: health says so, with the last error; commands fail fast.
        let deadline = clock.now + .seconds(10)
        while client.health.connectedCount > 0 && clock.now < deadline {
            try await Task.sleep(for: .milliseconds(20))
        }
        #expect(client.health.connectedCount == 0)
        #expect(client.health.lastError != nil)
        // Failed attempts are counted (each after a backoff of 20 ms doubling to 200 ms, jittered).
        func attempts() -> Int {
            if case .reconnecting(let attempt, _) = client.health.connections[0] { return attempt }
            return -1
        }
        // Its own deadline: on a loaded machine the wait above may have used most of the first.
        let attemptsBy = clock.now + .seconds(30)
        while attempts() < 2 && clock.now < attemptsBy {
            try await Task.sleep(for: .milliseconds(20))
        }
        #expect(attempts() >= 2)
        do {
            _ = try await client.send(["GET", "k"])
            Issue.record("a command succeeded with the server down")
        } catch {
            guard case .notConnected = error else {
                Issue.record("unexpected \(error)")
                return
            }
        }

        // Back up: the pool reconnects, and commands succeed again (the data is gone: no persistence).
        try server.start()
        while !client.health.isHealthy && clock.now < deadline + .seconds(10) {
            try await Task.sleep(for: .milliseconds(20))
        }
        #expect(client.health.isHealthy)
        #expect(try await client.send(["SET", "k", "after"]) == .simpleString("OK"))
        #expect(try await client.send(["GET", "k"]).string == "after")
        await client.close()
    }
}
