import NIOCore
import StrataRedis
import Testing

@Suite("Redis connection (real redis-server)", RedisTestEnvironment.sharedServer)
struct RedisConnectionTests {
    static let protocols: [RedisConfiguration.ProtocolPreference] = [.resp3, .resp2]

    @Test("HELLO 3 negotiates RESP3; RESP2 when asked")
    func negotiation() async throws {
        let resp3 = try await RedisTestEnvironment.connection(protocolPreference: .resp3)
        let resp2 = try await RedisTestEnvironment.connection(protocolPreference: .resp2)
        #expect(resp3.protocolVersion == 3)
        #expect(resp2.protocolVersion == 2)
        #expect(try await resp3.send(["PING"]) == .simpleString("PONG"))
        #expect(try await resp2.send(["PING"]) == .simpleString("PONG"))
        await resp3.close()
        await resp2.close()
    }

    @Test("SET, GET, DEL and a missing key's nil", arguments: protocols)
    func setGetDel(protocolPreference: RedisConfiguration.ProtocolPreference) async throws {
        let connection = try await RedisTestEnvironment.connection(protocolPreference: protocolPreference)
        let key = RedisTestEnvironment.prefix("setget") + "k"
        #expect(try await connection.send(["SET", .string(key), "value"]) == .simpleString("OK"))
        #expect(try await connection.send(["GET", .string(key)]).string == "value")
        #expect(try await connection.send(["DEL", .string(key)]) == .integer(1))
        let missing = try await connection.send(["GET", .string(key)])
        #expect(missing.isNull)
        #expect(missing == (protocolPreference == .resp3 ? .null : .bulkString(nil)))
        await connection.close()
    }

    @Test("INCR")
    func incr() async throws {
        let connection = try await RedisTestEnvironment.connection()
        let key = RedisTestEnvironment.prefix("incr") + "n"
        #expect(try await connection.send(["INCR", .string(key)]) == .integer(1))
        #expect(try await connection.send(["INCRBY", .string(key), 41]) == .integer(42))
        _ = try await connection.send(["DEL", .string(key)])
        await connection.close()
    }

    @Test("bulk strings with binary bytes and CRLF inside round-trip")
    func binary() async throws {
        let connection = try await RedisTestEnvironment.connection()
        let key = RedisTestEnvironment.prefix("binary") + "b"
        let bytes: [UInt8] = Array(0...255) + [13, 10, 13, 10] + Array("$3\r\n*1\r\n".utf8)
        _ = try await connection.send(["SET", .string(key), RedisArgument(bytes)])
        #expect(try await connection.send(["GET", .string(key)]).bytes == bytes)
        #expect(try await connection.send(["STRLEN", .string(key)]) == .integer(Int64(bytes.count)))
        _ = try await connection.send(["DEL", .string(key)])
        await connection.close()
    }

    @Test("arrays, with nil elements", arguments: protocols)
    func arrays(protocolPreference: RedisConfiguration.ProtocolPreference) async throws {
        let connection = try await RedisTestEnvironment.connection(protocolPreference: protocolPreference)
        let prefix = RedisTestEnvironment.prefix("arrays")
        _ = try await connection.send(["RPUSH", .string(prefix + "list"), "a", "b", "c"])
        let range = try await connection.send(["LRANGE", .string(prefix + "list"), 0, -1])
        #expect(range.array?.compactMap(\.string) == ["a", "b", "c"])
        _ = try await connection.send(["SET", .string(prefix + "x"), "1"])
        let mget = try await connection.send(["MGET", .string(prefix + "x"), .string(prefix + "missing")])
        #expect(mget.array?.count == 2)
        #expect(mget.array?[0].string == "1")
        #expect(mget.array?[1].isNull == true)
        let empty = try await connection.send(["LRANGE", .string(prefix + "none"), 0, -1])
        #expect(empty == .array([]))
        _ = try await connection.send(["DEL", .string(prefix + "list"), .string(prefix + "x")])
        await connection.close()
    }

    @Test("ZADD and ZRANGE WITHSCORES (doubles in RESP3, strings in RESP2)", arguments: protocols)
    func sortedSets(protocolPreference: RedisConfiguration.ProtocolPreference) async throws {
        let connection = try await RedisTestEnvironment.connection(protocolPreference: protocolPreference)
        let key = RedisTestEnvironment.prefix("zset") + "z"
        #expect(try await connection.send(["ZADD", .string(key), 2.5, "b", 1, "a", -3.25, "c"]) == .integer(3))
        let reply = try await connection.send(["ZRANGE", .string(key), 0, -1, "WITHSCORES"])
        let entries: [(String, Double)]
        if protocolPreference == .resp3 {
            // RESP3: an array of [member, score] pairs, the score a double.
            entries = try #require(reply.array).map { pair in
                (pair.array?[0].string ?? "", pair.array?[1].double ?? .nan)
            }
            if case .array(let pairs?) = reply, case .array(let first?) = pairs.first {
                #expect(first[1] == .double(-3.25))
            } else {
                Issue.record("ZRANGE WITHSCORES over RESP3 is not an array of pairs: \(reply)")
            }
        } else {
            let flat = try #require(reply.array)
            entries = stride(from: 0, to: flat.count, by: 2).map {
                (flat[$0].string ?? "", flat[$0 + 1].double ?? .nan)
            }
        }
        #expect(entries.map(\.0) == ["c", "a", "b"])
        #expect(entries.map(\.1) == [-3.25, 1, 2.5])
        _ = try await connection.send(["DEL", .string(key)])
        await connection.close()
    }

    @Test("HSET and HGETALL (a map in RESP3, a flat array in RESP2)", arguments: protocols)
    func hashes(protocolPreference: RedisConfiguration.ProtocolPreference) async throws {
        let connection = try await RedisTestEnvironment.connection(protocolPreference: protocolPreference)
        let key = RedisTestEnvironment.prefix("hash") + "h"
        #expect(try await connection.send(["HSET", .string(key), "side", "buy", "qty", 12]) == .integer(2))
        let reply = try await connection.send(["HGETALL", .string(key)])
        if protocolPreference == .resp3 {
            guard case .map = reply else {
                Issue.record("HGETALL over RESP3 is not a map: \(reply)")
                return
            }
        }
        let pairs = try #require(reply.pairs)
        var fields: [String: String] = [:]
        for pair in pairs { fields[pair.key.string ?? ""] = pair.value.string }
        #expect(fields == ["side": "buy", "qty": "12"])
        _ = try await connection.send(["DEL", .string(key)])
        await connection.close()
    }

    @Test("10,000 pipelined commands: written before the replies, replies in order")
    func pipelining() async throws {
        let connection = try await RedisTestEnvironment.connection()
        let key = RedisTestEnvironment.prefix("pipeline") + "n"
        let commands = (0..<10_000).map { _ -> [RedisArgument] in ["INCR", .string(key)] }
        let results = try await connection.pipeline(commands, timeout: .seconds(60))
        #expect(results.count == 10_000)
        let values = results.compactMap { try? $0.get().int }
        #expect(values == (1...10_000).map { Int64($0) })

        // Concurrent senders on one connection: each gets its own reply.
        let prefix = RedisTestEnvironment.prefix("concurrent")
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<200 {
                group.addTask {
                    let echoed = try await connection.send(["ECHO", .string("\(prefix)\(index)")])
                    #expect(echoed.string == "\(prefix)\(index)")
                }
            }
            try await group.waitForAll()
        }
        _ = try await connection.send(["DEL", .string(key)])
        await connection.close()
    }

    @Test("SELECT: the configured database is the one used")
    func select() async throws {
        var configuration = try RedisTestEnvironment.configuration
        configuration.database = 3
        let db3 = try await RedisConnection.connect(configuration: configuration)
        configuration.database = 0
        let db0 = try await RedisConnection.connect(configuration: configuration)
        let key = RedisTestEnvironment.prefix("select") + "k"
        _ = try await db3.send(["SET", .string(key), "in 3"])
        #expect(try await db3.send(["GET", .string(key)]).string == "in 3")
        #expect(try await db0.send(["GET", .string(key)]).isNull)
        #expect(try await db0.send(["EXISTS", .string(key)]) == .integer(0))
        configuration.database = 99_999
        let outOfRange = configuration
        await #expect(throws: RedisError.self) { try await RedisConnection.connect(configuration: outOfRange) }
        _ = try await db3.send(["DEL", .string(key)])
        await db3.close()
        await db0.close()
    }

    @Test("an error reply is a RedisError with the server's message; the connection goes on")
    func serverError() async throws {
        let connection = try await RedisTestEnvironment.connection()
        let key = RedisTestEnvironment.prefix("error") + "list"
        do {
            _ = try await connection.send(["NOSUCHCOMMAND", "x"])
            Issue.record("an unknown command succeeded")
        } catch {
            #expect(error.serverCode == "ERR")
            if case .server(let message) = error { #expect(message.contains("unknown command")) }
        }
        _ = try await connection.send(["RPUSH", .string(key), "a"])
        await #expect(throws: RedisError.server("WRONGTYPE Operation against a key holding the wrong kind of value")) {
            try await connection.send(["INCR", .string(key)])
        }
        // One failing command in a pipeline fails only itself.
        let results = try await connection.pipeline([["PING"], ["INCR", .string(key)], ["PING"]])
        #expect((try? results[0].get()) == .simpleString("PONG"))
        #expect(throws: RedisError.self) { try results[1].get() }
        #expect((try? results[2].get()) == .simpleString("PONG"))
        #expect(try await connection.send(["PING"]) == .simpleString("PONG"))
        await #expect(throws: RedisError.unsupportedCommand("SUBSCRIBE")) {
            try await connection.send(["subscribe", "channel"])
        }
        _ = try await connection.send(["DEL", .string(key)])
        await connection.close()
    }

    @Test("a command without a reply in time fails with timedOut; the late reply is dropped")
    func timeout() async throws {
        let connection = try await RedisTestEnvironment.connection()
        let key = RedisTestEnvironment.prefix("timeout") + "queue"
        // The server answers BLPOP (nil) after 2 s: timedOut rather than that nil shows the 200 ms
        // deadline fired first (no wall-clock bound: under the whole suite's load the loop runs late).
        await #expect(throws: RedisError.timedOut(.milliseconds(200))) {
            try await connection.send(["BLPOP", .string(key), 2], timeout: .milliseconds(200))
        }
        // The next command is answered after the blocked one (its nil reply is matched and dropped).
        #expect(try await connection.send(["ECHO", "after"], timeout: .seconds(30)).string == "after")
        await connection.close()
    }
}
