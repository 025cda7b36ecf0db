import Strata
import StrataClickHouse
import StrataCore
import StrataTestSupport
import StrataTiers
import Testing

/// A clickhouse-server of the test's own SIGKILLed in the middle of an ingest and restarted: no
/// acknowledged row is lost or stored twice, the replicator catches up, the breaker opened and
/// closed, and health showed the outage.
@Suite(.heavy, TestClickHouse.serverBinary) struct ClickHouseRestartTests {
    @Test func aClickHouseKilledMidIngestLosesNoAcknowledgedRow() async throws {
        let server = try await onThread { try TestClickHouseServer() }
        let client = ClickHouseClient(configuration: server.configuration(database: "strata_restart"))
        let fed = try FedStore(client: client, maxRowsPerBatch: 400)
        var all: [Trade] = []
        var next: Int64 = 0
        // Batches of 250 trades over two symbols, 1.3 s apart, some of them late (into minutes
        // already written).
        func commit(_ batches: Int) async throws {
            for _ in 0..<batches {
                var batch = ClickHouseIdempotenceTests.trades(
                    next % 2 == 0 ? "AAA" : "BBB", first: next * 250, count: 250)
                if next % 5 == 4 {
                    for i in batch.indices {
                        batch[i].timestamp = batch[i].timestamp.advanced(by: -3_600_000_000_000)
                    }
                }
                try await fed.store.trades.append(batch)
                all += batch
                next += 1
            }
        }
        try await commit(20)
        // Killed while the replicator is still sending.
        await onThread { server.kill() }
        try await commit(20)
        var sawOpen = false
        var sawUnreachable = false
        var peakBacklog = 0
        for _ in 0..<1_500 where !(sawOpen && sawUnreachable) {
            try await Task.sleep(for: .milliseconds(20))
            let status = try #require(fed.replicator.status.first)
            peakBacklog = max(peakBacklog, status.replication.backlogRows)
            sawOpen = sawOpen || status.breaker.state != .closed
            if !sawUnreachable {
                let health = await fed.tier.health()
                sawUnreachable = !health.reachable && health.lastError != nil
            }
        }
        #expect(sawOpen)
        #expect(sawUnreachable)
        try await commit(10)
        peakBacklog = max(peakBacklog, fed.replicator.status.first?.replication.backlogRows ?? 0)
        #expect(peakBacklog >= 2_500)
        try await onThread { try server.start() }
        try await commit(10)
        let caughtUp = await fed.replicator.waitUntilCaughtUp(timeout: .seconds(180))
        #expect(
            caughtUp,
            "last error: \(fed.replicator.status.first?.lastError ?? "none"); server log: \(server.errorLogTail())")
        let status = try #require(fed.replicator.status.first)
        #expect(status.breaker.state == .closed && status.breaker.timesOpened >= 1)
        #expect(status.replication.applied == status.replication.accepted && status.replication.backlogRows == 0)
        // Every acknowledged row once, exactly; the bars equal the store's.
        #expect(try await storedTrades(client) == expectedRows(all))
        let times = all.map(\.timestamp)
        let from = times.min()!.floor(toMultipleOf: 86_400_000_000_000)
        let to = times.max()!.advanced(by: 86_400_000_000_000)
        for symbol: Symbol in ["AAA", "BBB"] {
            for timeframe in Timeframe.standard {
                let strata = try await fed.store.bars(symbol: symbol, timeframe: timeframe, from: from, to: to)
                let clickhouse = try await fed.tier.bars(symbol: symbol, timeframe: timeframe, from: from, to: to)
                #expect(clickhouse == strata, "\(symbol) \(timeframe)")
            }
        }
        let health = await fed.tier.health()
        #expect(health.reachable && health.lastError == nil)
        #expect(health.appliedPositions["trades"] == status.replication.applied)
        await fed.stop()
        try? await client.shutdown()
        await onThread { server.kill() }
    }
}
