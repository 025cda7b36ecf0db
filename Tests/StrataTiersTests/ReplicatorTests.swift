import Strata
import StrataCore
import StrataTestSupport
import StrataTiers
import Synchronization
import Testing

@Suite struct ReplicatorTests {
    static let fastBreaker = CircuitBreaker.Configuration(
        failureThreshold: 2, windowSize: 10, minimumCalls: 5, failureRatePercent: 50, baseBackoff: 5_000_000,
        maximumBackoff: 40_000_000, probeTimeout: 1_000_000_000)

    @Test func aStoresCommitsReachTheMemoryTierInOrder() async throws {
        let directory = makeTemporaryDirectory("strata-replicator")
        defer { removeTree(directory) }
        let store = try StrataStore.open(
            directory: directory + "/store", configuration: .init(tables: [TickTable.schema]))
        let table = try #require(store.table(named: "ticks"))
        let log = try CommitLog(
            configuration: .init(directory: directory + "/log/ticks", textLanes: Replicator.textLanes(of: table.schema))
        )
        let memory = try MemoryTier(tables: [.init(schema: TickTable.schema, capacity: 1_000)])
        let replicator = try Replicator(
            configuration: .init(table: "ticks", cursorDirectory: directory + "/cursors/ticks"), log: log,
            tiers: [memory])
        try replicator.attach(to: table)
        let running = replicator.start()
        let base = WallClock.now().nanoseconds - 3_600_000_000_000
        for i in Int64(0)..<50 {
            _ = try await table.append([TickTable.row(symbol: "BTCUSDT", id: i, base: base)])
        }
        // A duplicate id is not stored, so it is not replicated either.
        let report = try await table.append([TickTable.row(symbol: "BTCUSDT", id: 3, base: base)])
        #expect(report.duplicates == 1)
        #expect(await replicator.waitUntilCaughtUp(timeout: .seconds(20)))
        running.cancel()
        await running.value
        let status = try #require(replicator.status.first)
        #expect(status.replication.accepted == 50 && status.replication.applied == 50)
        #expect(status.breaker.state == .closed)
        let rows = try #require(memory.latest(table: "ticks", symbol: "BTCUSDT", limit: 50))
        #expect(rows.columns[1] == Array((0..<50).reversed()))
        #expect(rows.columns[2].first == 14_925)  // 149.25 at scale 2
        #expect(rows.columns[3].map { rows.texts.string($0) }.first == "row 49")
        #expect(try CursorFile(path: directory + "/cursors/ticks/memory.cursor").read() == 50)
        try store.close()
    }

    @Test func anOutageOpensTheBreakerTheBacklogGrowsAndDrainsExactlyOnce() async throws {
        let directory = makeTemporaryDirectory("strata-replicator")
        defer { removeTree(directory) }
        let log = try CommitLog(
            configuration: .init(directory: directory + "/log", textLanes: TickTable.textLanes, syncEachAppend: false))
        let tier = SwitchableTier(inner: try MemoryTier(tables: [.init(schema: TickTable.schema, capacity: 100_000)]))
        let configuration = Replicator.Configuration(
            table: "ticks", cursorDirectory: directory + "/cursors", maxRowsPerBatch: 7, breaker: Self.fastBreaker)
        let replicator = try Replicator(configuration: configuration, log: log, tiers: [tier])
        let running = replicator.start()
        let base: Int64 = 1_700_000_000_000_000_000
        tier.down.store(true, ordering: .relaxed)
        for i in 0..<40 {
            try replicator.commit(TickTable.batch(symbol: "A", first: Int64(i * 2), count: 2, base: base))
        }
        var sawOpen = false
        for _ in 0..<400 where !sawOpen {
            try await Task.sleep(for: .milliseconds(5))
            sawOpen = replicator.status[0].breaker.state != .closed
        }
        #expect(sawOpen)
        let during = replicator.status[0]
        #expect(during.replication.applied == 0)
        #expect(during.replication.backlogRows == 80)
        #expect(during.replication.oldestUnappliedAge != nil)
        #expect(during.lastError != nil)
        tier.down.store(false, ordering: .relaxed)
        #expect(await replicator.waitUntilCaughtUp(timeout: .seconds(20)))
        running.cancel()
        await running.value
        let after = replicator.status[0]
        #expect(after.breaker.state == .closed)
        #expect(after.breaker.timesOpened >= 1)
        #expect(after.replication.backlogRows == 0)
        #expect(tier.positions.withLock { $0 } == Array(1...40))  // in order, exactly once
        let rows = try #require(tier.inner.latest(table: "ticks", symbol: "A", limit: 80))
        #expect(rows.columns[1] == Array((0..<80).reversed()))
    }

    @Test func aRestartResumesFromTheCursorAndRepeatsNothing() async throws {
        let directory = makeTemporaryDirectory("strata-replicator")
        defer { removeTree(directory) }
        let logConfiguration = CommitLog.Configuration(directory: directory + "/log", textLanes: TickTable.textLanes)
        let configuration = Replicator.Configuration(table: "ticks", cursorDirectory: directory + "/cursors")
        let memory = try MemoryTier(tables: [.init(schema: TickTable.schema, capacity: 100_000)])
        let tier = SwitchableTier(inner: memory)
        let base: Int64 = 1_700_000_000_000_000_000
        do {
            let replicator = try Replicator(
                configuration: configuration, log: try CommitLog(configuration: logConfiguration), tiers: [tier])
            let running = replicator.start()
            for i in 0..<10 {
                try replicator.commit(TickTable.batch(symbol: "A", first: Int64(i), count: 1, base: base))
            }
            #expect(await replicator.waitUntilCaughtUp(timeout: .seconds(20)))
            running.cancel()
            await running.value
            // Committed while no loop runs: the log keeps them for the next start.
            for i in 10..<15 {
                try replicator.commit(TickTable.batch(symbol: "A", first: Int64(i), count: 1, base: base))
            }
        }
        let replicator = try Replicator(
            configuration: configuration, log: try CommitLog(configuration: logConfiguration), tiers: [tier])
        #expect(replicator.status[0].replication.applied == 10)
        #expect(replicator.status[0].replication.accepted == 15)
        #expect(replicator.status[0].replication.backlogRows == 5)
        let running = replicator.start()
        #expect(await replicator.waitUntilCaughtUp(timeout: .seconds(20)))
        running.cancel()
        await running.value
        #expect(tier.positions.withLock { $0 } == Array(1...15))
        #expect(replicator.log.releasedPosition == 15)
    }

    @Test func aTierPastTheRetentionLimitIsMarkedForARebuild() async throws {
        let directory = makeTemporaryDirectory("strata-replicator")
        defer { removeTree(directory) }
        let log = try CommitLog(
            configuration: .init(directory: directory + "/log", textLanes: TickTable.textLanes, syncEachAppend: false))
        let tier = SwitchableTier(inner: try MemoryTier(tables: [.init(schema: TickTable.schema, capacity: 100)]))
        tier.down.store(true, ordering: .relaxed)
        let replicator = try Replicator(
            configuration: .init(table: "ticks", cursorDirectory: directory + "/cursors", retentionLimitBytes: 2_000),
            log: log, tiers: [tier])
        for i in 0..<100 {
            try replicator.commit(
                TickTable.batch(symbol: "A", first: Int64(i), count: 1, base: 1_700_000_000_000_000_000))
        }
        let status = replicator.status[0]
        #expect(status.replication.rebuildNeeded)
        #expect(status.lastError?.contains("rebuild") == true)
        #expect(log.releasedPosition > 0)
    }
}
