import Foundation
import StrataCore
import Synchronization
import Testing

@testable import StrataEngine

/// The write path's two locks (see ``EngineTable``): appenders hold the commit lock across the
/// WAL write and fsync and take the state lock only to apply; readers take only the state lock.
@Suite(.timeLimit(.minutes(1))) struct CommitLockTests {
    /// A reader completes while the commit lock is held (as it is during a slow fsync), and an
    /// appender waits for it; the waiting batch becomes visible once the lock is released.
    @Test func readersDoNotWaitForTheWAL() throws {
        let directory = TemporaryDirectory("strata-commit-lock")
        defer { directory.cleanup() }
        let table = try EngineTable(directory: directory.path, schema: testSchema(), durability: .fsyncEachBatch)
        try table.append(makeBatch([TestRow(symbol: "A", ts: 10, id: 1, value: 5, flag: true)]))
        let appended = Mutex(false)
        let started = DispatchSemaphore(value: 0)
        let done = DispatchSemaphore(value: 0)
        try table.commitLock.withLock { _ throws in
            // Same thread as the lock's holder: were reads to take the commit lock, this would deadlock.
            #expect(try rows(table.latest(symbol: "A", limit: 10), symbol: "A").map(\.id) == [1])
            #expect(try table.lastTimestamp(symbol: "A") == 10)
            #expect(table.stats().rows == 1)
            #expect(table.health.walBytes > 0)
            Thread {
                started.signal()
                _ = try? table.append(makeBatch([TestRow(symbol: "A", ts: 20, id: 2, value: 6, flag: false)]))
                appended.withLock { $0 = true }
                done.signal()
            }.start()
            started.wait()
            Thread.sleep(forTimeInterval: 0.05)
            #expect(appended.withLock { $0 } == false, "an append waits for the commit lock")
            #expect(try rows(table.latest(symbol: "A", limit: 10), symbol: "A").map(\.id) == [1])
        }
        done.wait()
        #expect(try rows(table.latest(symbol: "A", limit: 10), symbol: "A").map(\.id) == [2, 1])
        try table.close()
    }

    /// Concurrent appenders, readers and maintenance: every reader sees whole batches (a batch is
    /// applied under one state-lock hold, after its frame is in the WAL), and after a reopen the
    /// table holds exactly what was acknowledged, in the order the WAL recorded.
    @Test func concurrentAppendersReadersAndMaintenance() async throws {
        let directory = TemporaryDirectory("strata-commit-lock")
        defer { directory.cleanup() }
        let schema = testSchema(partitionDuration: 1_000)
        let table = try EngineTable(directory: directory.path, schema: schema, durability: .fsyncEachBatch)
        let writers = 4
        let batches = 40
        let batchRows = 25
        try await withThrowingTaskGroup(of: Void.self) { group in
            for writer in 0..<writers {
                group.addTask {
                    for batch in 0..<batches {
                        let rows = (0..<batchRows).map { row in
                            let id = Int64((writer * batches + batch) * batchRows + row)
                            return TestRow(symbol: "S", ts: id, id: id, value: id * 3, flag: row % 2 == 0)
                        }
                        try table.append(makeBatch(rows))
                    }
                }
            }
            group.addTask {
                for _ in 0..<200 {
                    let seen = try rows(table.range(symbol: "S", from: .min, to: .max), symbol: "S")
                    // Batches are whole: every batch's row count is 0 or batchRows.
                    let perBatch = Dictionary(grouping: seen) { $0.id / Int64(batchRows) }
                    #expect(perBatch.values.allSatisfy { $0.count == batchRows })
                }
            }
            group.addTask { for _ in 0..<10 { _ = table.compact(now: Timestamp(nanoseconds: 1_000_000)) } }
            try await group.waitForAll()
        }
        let total = writers * batches * batchRows
        #expect(table.stats().rows == total)
        try table.close()
        let reopened = try EngineTable(directory: directory.path, schema: schema, durability: .fsyncEachBatch)
        defer { try? reopened.close() }
        let all = try rows(reopened.range(symbol: "S", from: .min, to: .max), symbol: "S")
        #expect(all.map(\.id) == (0..<Int64(total)).map { $0 })
        #expect(all.allSatisfy { $0.value == $0.id * 3 })
    }

    /// An append applies in runs of whole (partition, symbol) groups, the state lock released
    /// between runs (here runs of 7 rows, so every batch takes several). Readers of one symbol
    /// always see each batch's rows of a partition all or none; sealing and compaction, which
    /// freeze partitions, and retention, which drops them, never fall between two runs: after
    /// a reopen (WAL replay over the sealed files) the table holds exactly what was acknowledged
    /// — with a dedup key, and without one (quotes), where a replayed half commit would duplicate.
    @Test(arguments: [true, false])
    func appliesInRunsWithoutTearingAGroup(dedup: Bool) async throws {
        let directory = TemporaryDirectory("strata-apply-runs")
        defer { directory.cleanup() }
        var schema = testSchema(partitionDuration: 1_000)
        if !dedup {
            schema = TableSchema(name: "q", columns: schema.columns, dedupKey: nil, partitionDuration: 1_000)
        }
        let symbols = ["A", "B", "C", "D", "E"]
        let table = try EngineTable(
            directory: directory.path, schema: schema, durability: .osBuffered, sealGrace: 0, observer: nil,
            applyRunRows: 7)
        let batches = 200
        /// Batch b: for each symbol, 4 rows in partition b/4 and (every third batch) 3 in the next.
        func batch(_ b: Int) -> [TestRow] {
            var rows: [TestRow] = []
            for (s, symbol) in symbols.enumerated() {
                let count = b % 3 == 0 ? 7 : 4
                for k in 0..<count {
                    let ts = Int64(b / 4) * 1_000 + Int64(b % 4) * 200 + Int64(k < 4 ? k : 900 + k)
                    let id = Int64(b * 100 + s * 10 + k)
                    rows.append(TestRow(symbol: symbol, ts: ts, id: id, value: id * 7, flag: k % 2 == 0))
                }
            }
            return rows.shuffled()
        }
        let written = (0..<batches).map(batch)
        final class Flag: Sendable {
            let raised = Atomic(false)
        }
        let writing = Flag()
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                for rows in written { try table.append(makeBatch(rows)) }
                writing.raised.store(true, ordering: .releasing)
            }
            for symbol in symbols {
                group.addTask {
                    while !writing.raised.load(ordering: .acquiring) {
                        let seen = try rows(table.range(symbol: symbol, from: .min, to: .max), symbol: symbol)
                        // Per (batch, partition): 0 rows, or all the batch wrote there.
                        let groups = Dictionary(grouping: seen) { "\($0.id / 100)|\($0.ts / 1_000)" }
                        for (key, members) in groups {
                            let b = Int(key.split(separator: "|")[0])!
                            let partition = Int64(key.split(separator: "|")[1])!
                            let expected = written[b].filter { $0.symbol == symbol && $0.ts / 1_000 == partition }
                            #expect(members.count == expected.count, "batch \(b) partition \(partition) torn")
                        }
                    }
                }
            }
            group.addTask {
                while !writing.raised.load(ordering: .acquiring) {
                    _ = table.compact(now: Timestamp(nanoseconds: 1_000_000))
                    _ = try table.dropPartitions(endingAtOrBefore: 2_000)  // the first two partitions go
                }
            }
            try await group.waitForAll()
        }
        _ = try table.dropPartitions(endingAtOrBefore: 2_000)
        let kept = written.flatMap { $0 }.filter { $0.ts >= 2_000 }
        func check(_ table: EngineTable) throws {
            for symbol in symbols {
                let all = try rows(table.range(symbol: symbol, from: 2_000, to: .max), symbol: symbol)
                let expected = kept.filter { $0.symbol == symbol }.sorted { ($0.ts, $0.id) < ($1.ts, $1.id) }
                #expect(all == expected, "\(symbol)")
            }
        }
        try check(table)
        try table.close()
        let reopened = try EngineTable(directory: directory.path, schema: schema, durability: .osBuffered)
        defer { try? reopened.close() }
        try check(reopened)
    }
}
