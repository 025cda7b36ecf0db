import Foundation
import NIOCore
import StrataCore
import StrataRedis
import StrataRedisTier
import StrataTestSupport
import StrataTiers
import Testing

@Suite(.heavy) struct RedisTierTests {
    static let fastBreaker = CircuitBreaker.Configuration(
        failureThreshold: 2, windowSize: 10, minimumCalls: 5, failureRatePercent: 50, baseBackoff: 20_000_000,
        maximumBackoff: 200_000_000, probeTimeout: 5_000_000_000)

    @Test(TierRedis.sharedServer) func rowsAreExactTrimmedAndPublishedOnceInOrder() async throws {
        let configuration = try RedisConfiguration(url: TierRedis.url)
        let client = try await RedisClient.connect(configuration: configuration)
        let prefix = TierRedis.prefix("exact")
        let tier = try RedisTier(
            client: client, configuration: .init(tables: [(TierTicks.schema, 25)], keyPrefix: prefix))
        let subscriber = try await RedisSubscriber.connect(configuration: configuration)
        try await subscriber.subscribe([tier.channel(table: "ticks")])
        var entries: [LogEntry] = []
        for i in 0..<10 {
            let symbol = i % 2 == 0 ? "BTCUSDT" : "ETHUSDT"
            let batch = TierTicks.batch(symbol: symbol, first: Int64(i * 5), count: 5)
            entries.append(LogEntry(position: UInt64(i + 1), committedAt: 0, batch: batch))
        }
        try await tier.apply(table: "ticks", entries: Array(entries[0..<6]))
        // Sent again (a lost reply, a restart), overlapping: nothing is added or published twice.
        try await tier.apply(table: "ticks", entries: Array(entries[4..<10]))
        try await tier.apply(table: "ticks", entries: Array(entries[0..<3]))
        #expect(try await tier.appliedPosition(table: "ticks") == 10)
        let btc = try await tier.members(table: "ticks", symbol: "BTCUSDT")
        // 25 rows of BTCUSDT were written (entries 1, 3, 5, 7, 9): all kept, oldest first.
        #expect(btc.count == 25)
        #expect(
            btc.compactMap(RedisRowEncoding.position(ofMember:))
                == [1, 3, 5, 7, 9].flatMap { Array(repeating: UInt64($0), count: 5) })
        let first = String(RedisRowEncoding.json(ofMember: btc[0]))
        #expect(
            first == #"{"symbol":"BTCUSDT","ts":1700000000123456789,"id":0,"price":"-0.05","note":null}"#)
        let second = String(RedisRowEncoding.json(ofMember: btc[1]))
        #expect(second == #"{"symbol":"BTCUSDT","ts":1700000000124456789,"id":1,"price":"1.05","note":"say \"1\"\n"}"#)
        let latest = try #require(try await tier.latest(table: "ticks", symbol: "ETHUSDT", limit: 3))
        #expect(latest.map { $0.contains(#""id":49,"#) } == [true, false, false])
        #expect(try await tier.latest(table: "ticks", symbol: "ETHUSDT", limit: 26) == nil)
        // Trimmed to 25 per symbol.
        try await tier.apply(
            table: "ticks",
            entries: [
                LogEntry(position: 11, committedAt: 0, batch: TierTicks.batch(symbol: "BTCUSDT", first: 100, count: 4))
            ])
        let trimmed = try await tier.members(table: "ticks", symbol: "BTCUSDT")
        #expect(trimmed.count == 25)
        #expect(trimmed.last?.contains(#""id":103,"#) == true)
        #expect(trimmed.first?.contains(#""id":4,"#) == true)  // the four oldest (ids 0...3) went
        var iterator = subscriber.messages.makeAsyncIterator()
        var positions: [String] = []
        for _ in 0..<11 {
            guard let message = await iterator.next() else { break }
            positions.append(String(message.text.prefix { $0 != "\n" }))
        }
        #expect(positions == (1...11).map(String.init))
        await subscriber.close()
        _ = try await client.send([
            "DEL", .string(tier.appliedKey(table: "ticks")), .string(tier.rowsKey(table: "ticks", symbol: "BTCUSDT")),
            .string(tier.rowsKey(table: "ticks", symbol: "ETHUSDT")),
        ])
        await client.close()
    }

    /// One entry of 9,000 rows, three symbols interleaved (one of them 5,000 rows: its ZADD goes
    /// in slices): every member is the row's exact member, and the message holds the rows in
    /// commit order.
    @Test(TierRedis.sharedServer) func aLargeEntryOfInterleavedSymbolsIsStoredWholeAndInOrder() async throws {
        let configuration = try RedisConfiguration(url: TierRedis.url)
        let client = try await RedisClient.connect(configuration: configuration)
        let prefix = TierRedis.prefix("large")
        let tier = try RedisTier(
            client: client, configuration: .init(tables: [(TierTicks.schema, 10_000)], keyPrefix: prefix))
        let subscriber = try await RedisSubscriber.connect(configuration: configuration)
        try await subscriber.subscribe([tier.channel(table: "ticks")])
        let symbols = ["AAA", "BBB", "CCC"]
        var batch = ColumnBatch(columnCount: 4)
        batch.symbols = symbols
        for row in 0..<9_000 {
            // AAA takes 5 of every 9 rows; BBB 3; CCC 1.
            let slot: UInt32 = row % 9 < 5 ? 0 : row % 9 < 8 ? 1 : 2
            batch.symbolIndex.append(slot)
            batch.columns[0].append(TierTicks.base + Int64(row) * 1_000)
            batch.columns[1].append(Int64(row))
            batch.columns[2].append(Int64(row) * 7 - 20_000)
            batch.columns[3].append(row % 5 == 0 ? -1 : batch.texts.append("n\(row)"))
        }
        try await tier.apply(table: "ticks", entries: [LogEntry(position: 1, committedAt: 0, batch: batch)])
        let encoding = RedisRowEncoding(schema: TierTicks.schema)
        for (slot, symbol) in symbols.enumerated() {
            let expected = (0..<9_000).filter { batch.symbolIndex[$0] == slot }.map {
                encoding.member(row: $0, of: batch, position: 1)
            }
            let held = try await tier.members(table: "ticks", symbol: symbol)
            #expect(held == expected, "\(symbol): \(held.count) members, expected \(expected.count)")
        }
        var iterator = subscriber.messages.makeAsyncIterator()
        let message = try #require(await iterator.next())
        let lines = message.text.split(separator: "\n").map(String.init)
        #expect(lines.first == "1")
        #expect(Array(lines.dropFirst()) == (0..<9_000).map { encoding.json(row: $0, of: batch) })
        await subscriber.close()
        _ = try await client.send(
            ["DEL", .string(tier.appliedKey(table: "ticks"))]
                + symbols.map { .string(tier.rowsKey(table: "ticks", symbol: $0)) })
        await client.close()
    }

    /// Redis SIGKILLed and restarted in the middle of a feed: every committed row reaches it
    /// afterwards, in order, exactly once; the breaker opened and closed; the backlog grew and
    /// drained.
    @Test(TierRedis.serverBinary) func redisKilledAndRestartedMidFeedMissesNothing() async throws {
        let server = try TierRedisServer()
        let directory = makeTemporaryDirectory("strata-redis-tier")
        defer { removeTree(directory) }
        var redisConfiguration = server.configuration
        redisConfiguration.commandTimeout = .seconds(2)
        redisConfiguration.reconnectMaxDelay = .milliseconds(200)
        let client = try await RedisClient.connect(configuration: redisConfiguration)
        let tier = try RedisTier(client: client, configuration: .init(tables: [(TierTicks.schema, 100_000)]))
        let log = try CommitLog(
            configuration: .init(directory: directory + "/log", textLanes: [3], syncEachAppend: false))
        let replicator = try Replicator(
            configuration: .init(
                table: "ticks", cursorDirectory: directory + "/cursors", maxRowsPerBatch: 50, breaker: Self.fastBreaker),
            log: log, tiers: [tier])
        let running = replicator.start()
        var next: Int64 = 0
        func commit(_ batches: Int) throws {
            for _ in 0..<batches {
                try replicator.commit(TierTicks.batch(symbol: next % 2 == 0 ? "A" : "B", first: next * 10, count: 10))
                next += 1
            }
        }
        try commit(100)
        #expect(await replicator.waitUntilCaughtUp(timeout: .seconds(30)))
        await onThread { server.kill() }
        try commit(100)
        var sawOpen = false
        var peakBacklog = 0
        for _ in 0..<600 where !sawOpen {
            try await Task.sleep(for: .milliseconds(10))
            let status = replicator.status[0]
            peakBacklog = max(peakBacklog, status.replication.backlogRows)
            sawOpen = status.breaker.state != .closed
        }
        #expect(sawOpen)
        try commit(100)
        peakBacklog = max(peakBacklog, replicator.status[0].replication.backlogRows)
        #expect(peakBacklog >= 1_000)
        try await onThread { try server.start() }
        try commit(50)
        #expect(await replicator.waitUntilCaughtUp(timeout: .seconds(60)))
        running.cancel()
        await running.value
        let status = replicator.status[0]
        #expect(status.breaker.state == .closed)
        #expect(status.breaker.timesOpened >= 1)
        #expect(status.replication.applied == 350 && status.replication.backlogRows == 0)
        #expect(try await tier.appliedPosition(table: "ticks") == 350)
        for (symbol, parity) in [("A", Int64(0)), ("B", Int64(1))] {
            let members = try await tier.members(table: "ticks", symbol: symbol)
            let expected = stride(from: parity, to: 350, by: 2).flatMap { batch in
                (0..<Int64(10)).map { batch * 10 + $0 }
            }
            let ids = members.map { member -> Int64 in
                let json = RedisRowEncoding.json(ofMember: member)
                let fields = json.split(separator: ",")
                let id = fields.first { $0.hasPrefix(#""id":"#) }?.dropFirst(5) ?? ""
                return Int64(id) ?? -1
            }
            #expect(ids == expected)  // every row, in order, once
        }
        #expect(try CursorFile(path: directory + "/cursors/redis.cursor").read() == 350)
        await client.close()
    }

    @Test(TierRedis.serverBinary) func aRedisThatLostItsDataIsMarkedForARebuild() async throws {
        let server = try TierRedisServer()
        let directory = makeTemporaryDirectory("strata-redis-tier")
        defer { removeTree(directory) }
        let client = try await RedisClient.connect(configuration: server.configuration)
        let tier = try RedisTier(client: client, configuration: .init(tables: [(TierTicks.schema, 100)]))
        let log = try CommitLog(
            configuration: .init(directory: directory + "/log", textLanes: [3], syncEachAppend: false))
        let replicator = try Replicator(
            configuration: .init(table: "ticks", cursorDirectory: directory + "/cursors", breaker: Self.fastBreaker),
            log: log, tiers: [tier])
        let running = replicator.start()
        try replicator.commit(TierTicks.batch(symbol: "A", first: 0, count: 3))
        #expect(await replicator.waitUntilCaughtUp(timeout: .seconds(20)))
        _ = try await client.send(["FLUSHALL"])  // Redis forgets everything it confirmed
        try replicator.commit(TierTicks.batch(symbol: "A", first: 3, count: 3))
        var marked = false
        for _ in 0..<500 where !marked {
            try await Task.sleep(for: .milliseconds(10))
            marked = replicator.status[0].replication.rebuildNeeded
        }
        #expect(marked)
        #expect(replicator.status[0].lastError?.contains("lost entries") == true)
        running.cancel()
        await running.value
        await client.close()
    }
}
