import Foundation
import StrataCore
import Testing

@testable import StrataEngine

/// A small deterministic workload — appends, a seal, late rows into a sealed partition and their
/// compaction, retention — run once per file-system call it makes, with that call failing (EIO,
/// ENOSPC, a short write). Whatever fails must fail with a typed ``StrataError``, never a crash;
/// reopened on the real file system the table must open by itself, hold every batch whose append
/// returned exactly once, no part of a batch, and nothing else.
///
/// `STRATA_FAULTS=full` runs every fault; otherwise a deterministic sample that keeps the suite
/// well under a minute in a debug build.
@Suite(.serialized) struct FaultInjectionTests {
    static let schema = testSchema(partitionDuration: 1_000)

    /// Batch `i`: eight rows with ids `100 i ..< 100 i + 8`, in the partitions its step needs.
    static func batch(_ i: Int) -> [TestRow] {
        let base: Int64
        switch i {
        case 0..<4: base = Int64(i) * 400  // p0 and p1, in order
        case 4: base = 50  // late, into sealed p0 (and p1)
        case 5, 6: base = 2_000 + Int64(i - 5) * 400  // p2
        case 7: base = 2_900  // p2 and p3
        default: base = 4_100  // p4, after p2 and p3 are sealed
        }
        return (0..<8).map { r in
            let id = Int64(i) * 100 + Int64(r)
            return TestRow(
                symbol: r % 2 == 0 ? "AAA" : "BBB", ts: base + Int64(r) * 30, id: id, value: id * 7, flag: r % 3 == 0)
        }
    }

    static let batchCount = 9

    enum Step { case append(Int), compact(Int64), dropBefore(Int64) }

    static let steps: [Step] = [
        .append(0), .append(1), .append(2), .append(3), .compact(2_000), .append(4), .append(5), .compact(2_500),
        .dropBefore(1_000), .append(6), .append(7), .compact(4_000), .append(8),
    ]

    /// What the workload did before it stopped.
    struct Outcome {
        var acknowledged: Set<Int> = []
        /// Batches whose append threw: each wholly present or wholly absent afterwards.
        var inDoubt: Set<Int> = []
        /// What retention did to p0.
        var p0: Fate = .kept
        var error: (any Error)?

        enum Fate { case kept, dropped, inDoubt }
    }

    static func run(directory: String, fileSystem: any FileSystemOperations) -> Outcome {
        var outcome = Outcome()
        let table: EngineTable
        do {
            table = try EngineTable(
                directory: directory, schema: schema, durability: .fsyncEachBatch, fileSystem: fileSystem)
        } catch {
            outcome.error = error
            return outcome
        }
        for step in steps {
            switch step {
            case .append(let i):
                do {
                    try table.append(makeBatch(batch(i)))
                    outcome.acknowledged.insert(i)
                } catch {
                    // Go on, as an application would: later batches must not suffer from it.
                    outcome.inDoubt.insert(i)
                    outcome.error = outcome.error ?? error
                    #expect(error is StrataError, "an untyped error: \(error)")
                }
            case .compact(let now):
                // Failures are reported, not thrown: the rows stay in memory and in the WAL.
                _ = table.compact(now: Timestamp(nanoseconds: now))
            case .dropBefore(let cutoff):
                do {
                    let dropped = try table.dropPartitions(endingAtOrBefore: cutoff)
                    // p0 is not dropped if it is not sealed (its seal failed): then it stays.
                    if dropped.partitions.contains(Timestamp(nanoseconds: 0)) { outcome.p0 = .dropped }
                } catch {
                    outcome.p0 = .inDoubt
                    outcome.error = outcome.error ?? error
                    #expect(error is StrataError, "an untyped error: \(error)")
                }
            }
        }
        do { try table.close() } catch { outcome.error = outcome.error ?? error }
        return outcome
    }

    /// Reopens `directory` on the real file system and checks the invariants.
    /// - Returns: acknowledged rows checked, and how many of them were missing.
    static func verify(directory: String, _ outcome: Outcome, _ label: String) throws -> (checked: Int, lost: Int) {
        let table: EngineTable
        do {
            table = try EngineTable(directory: directory, schema: schema, durability: .fsyncEachBatch)
        } catch {
            Issue.record("\(label): the table does not reopen: \(error)")
            return (0, 0)
        }
        defer { try? table.close() }
        #expect(!table.recovery.isDamaged, "\(label): \(table.recovery)")
        var present: [Int64: Int] = [:]
        for symbol in ["AAA", "BBB"] {
            for row in rows(try table.range(symbol: symbol, from: .min, to: .max), symbol: symbol) {
                present[row.id, default: 0] += 1
                let batch = Int(row.id / 100)
                let expected = batch < batchCount ? Self.batch(batch).first { $0.id == row.id } : nil
                #expect(expected == row, "\(label): a row no batch wrote: \(row)")
            }
        }
        #expect(present.values.allSatisfy { $0 == 1 }, "\(label): rows stored twice")
        // Rows of p0 go with retention: the acknowledged ones are gone if it returned, all there
        // or all gone if it failed. (A batch whose append failed is judged on its own below: its
        // frame may be in the log after the drop, so that its rows rightly come back.)
        func inDroppedPartition(_ row: TestRow) -> Bool { outcome.p0 != .kept && row.ts < 1_000 }
        let droppedRows = outcome.acknowledged.flatMap { batch($0) }.filter(inDroppedPartition)
        let droppedPresent = droppedRows.filter { present[$0.id] != nil }.count
        if outcome.p0 == .dropped {
            #expect(droppedPresent == 0, "\(label): \(droppedPresent) dropped rows came back")
        } else if outcome.p0 == .inDoubt {
            #expect(
                droppedPresent == 0 || droppedPresent == droppedRows.count,
                "\(label): a partial drop (\(droppedPresent) of \(droppedRows.count) rows)")
        }
        var checked = 0
        var lost = 0
        for i in 0..<batchCount {
            if outcome.inDoubt.contains(i) {
                // Wholly present or wholly absent (its rows in a dropped partition on their own).
                for part in [batch(i).filter { !inDroppedPartition($0) }, batch(i).filter(inDroppedPartition)] {
                    let found = part.filter { present[$0.id] != nil }.count
                    #expect(found == 0 || found == part.count, "\(label): batch \(i) partly present (\(found) rows)")
                }
                continue
            }
            let rowsOfBatch = batch(i).filter { !inDroppedPartition($0) }
            let found = rowsOfBatch.filter { present[$0.id] != nil }.count
            if outcome.acknowledged.contains(i) {
                checked += rowsOfBatch.count
                lost += rowsOfBatch.count - found
                #expect(
                    found == rowsOfBatch.count, "\(label): batch \(i) acknowledged, \(found)/\(rowsOfBatch.count) rows")
            } else {
                #expect(found == 0, "\(label): batch \(i) was never acknowledged, \(found) rows present")
            }
        }
        // And the table takes writes again.
        let probe = TestRow(symbol: "CCC", ts: 10_000, id: 999_999, value: 1, flag: false)
        try table.append(makeBatch([probe]))
        #expect(rows(try table.range(symbol: "CCC", from: .min, to: .max), symbol: "CCC") == [probe], "\(label)")
        return (checked, lost)
    }

    /// The sweep makes thousands of fsyncs: on tmpfs when there is one.
    static func scratchDirectory() -> TemporaryDirectory { .inMemory("strata-faults") }

    @Test func everyFailedCallIsATypedErrorAndLosesNothingAcknowledged() throws {
        // A clean run counts the calls the workload makes, by kind.
        let clean = FaultyFileSystem()
        let cleanDirectory = Self.scratchDirectory()
        defer { cleanDirectory.cleanup() }
        let cleanOutcome = Self.run(directory: cleanDirectory.path, fileSystem: clean)
        #expect(cleanOutcome.error == nil)
        #expect(cleanOutcome.acknowledged.count == Self.batchCount)
        _ = try Self.verify(directory: cleanDirectory.path, cleanOutcome, "clean run")
        let counts = clean.counts
        #expect((counts[.syncData] ?? 0) > 10 && (counts[.rename] ?? 0) > 2 && (counts[.unlink] ?? 0) > 0)

        var plans: [FaultyFileSystem.Plan] = []
        for operation in FaultyFileSystem.Operation.allCases {
            let faults: [FaultyFileSystem.Fault] =
                operation == .write ? [.eio, .enospc, .shortWrite] : [.eio, .enospc]
            for occurrence in 1...max(1, counts[operation] ?? 0) where counts[operation] != nil {
                for fault in faults { plans.append(.init(operation: operation, occurrence: occurrence, fault: fault)) }
            }
        }
        let full = ProcessInfo.processInfo.environment["STRATA_FAULTS"] == "full"
        let stride = full ? 1 : max(1, plans.count / 400)
        var injected = 0
        var checked = 0
        var lost = 0
        for (index, plan) in plans.enumerated() where index % stride == 0 {
            let directory = Self.scratchDirectory()
            defer { directory.cleanup() }
            let fileSystem = FaultyFileSystem(plan: plan)
            let outcome = Self.run(directory: directory.path, fileSystem: fileSystem)
            injected += fileSystem.injected
            if let error = outcome.error {
                #expect(error is StrataError, "\(plan): an untyped error: \(error)")
            }
            let result = try Self.verify(directory: directory.path, outcome, "\(plan)")
            checked += result.checked
            lost += result.lost
        }
        #expect(injected > 0)
        #expect(lost == 0)
        print(
            "faults injected: \(injected)\(stride > 1 ? " (a sample: every \(stride)th of \(plans.count))" : ""), acknowledged rows checked: \(checked), lost: \(lost)"
        )
    }

    /// Recovery of a damaged log — a bad frame in the middle, a torn tail — with each of its
    /// file-system calls failing in turn: the open throws a typed error or succeeds, and a reopen
    /// on the real file system finds exactly the intact batches, the damage never forgotten.
    @Test func faultsDuringRecoveryOfADamagedLogLoseNothingMore() throws {
        let template = Self.scratchDirectory()
        defer { template.cleanup() }
        do {
            let table = try EngineTable(directory: template.path, schema: Self.schema, durability: .fsyncEachBatch)
            for i in 0..<6 { try table.append(makeBatch(Self.batch(i < 4 ? i : i + 1))) }
            try table.close()
        }
        // Damage the third frame's last byte; tear the last frame.
        let segment = try #require(
            try FileManager.default.contentsOfDirectory(atPath: template.path + "/wal").filter { $0.hasSuffix(".wal") }
                .sorted().first.map { template.path + "/wal/" + $0 })
        var bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: segment)))
        var offsets: [Int] = []
        var offset = 16
        while offset + 12 <= bytes.count {
            offsets.append(offset)
            offset += 12 + (4..<8).reduce(0) { $0 | Int(bytes[offset + $1]) << (8 * ($1 - 4)) }
        }
        #expect(offsets.count == 6)
        bytes[offsets[3] - 1] ^= 0x10
        bytes.removeLast(7)
        try Data(bytes).write(to: URL(fileURLWithPath: segment))
        let expected = [0, 1, 3, 5].flatMap { Self.batch($0) }.sorted()  // batch 2 damaged, 6 torn

        func copyTemplate() -> TemporaryDirectory {
            let copy = Self.scratchDirectory()
            try? FileManager.default.removeItem(atPath: copy.path)
            try? FileManager.default.copyItem(atPath: template.path, toPath: copy.path)
            return copy
        }
        func allRows(_ table: EngineTable) throws -> [TestRow] {
            try ["AAA", "BBB"].flatMap { rows(try table.range(symbol: $0, from: .min, to: .max), symbol: $0) }.sorted()
        }
        let clean = FaultyFileSystem()
        do {
            let directory = copyTemplate()
            defer { directory.cleanup() }
            let table = try EngineTable(
                directory: directory.path, schema: Self.schema, durability: .fsyncEachBatch, fileSystem: clean)
            #expect(table.recovery.isDamaged && table.recovery.framesLost == 1 && table.recovery.rowsLost == 8)
            #expect(table.recovery.tornTail != nil)
            #expect(try allRows(table) == expected)
            try table.close()
        }
        var injected = 0
        for (operation, count) in clean.counts.sorted(by: { $0.key.rawValue < $1.key.rawValue }) {
            for occurrence in 1...count {
                let plan = FaultyFileSystem.Plan(operation: operation, occurrence: occurrence, fault: .eio)
                let directory = copyTemplate()
                defer { directory.cleanup() }
                let fileSystem = FaultyFileSystem(plan: plan)
                var reported = false
                do {
                    let table = try EngineTable(
                        directory: directory.path, schema: Self.schema, durability: .fsyncEachBatch,
                        fileSystem: fileSystem)
                    reported = table.recovery.isDamaged
                    try? table.close()
                } catch {
                    #expect(error is StrataError, "\(plan): an untyped error: \(error)")
                }
                injected += fileSystem.injected
                let table = try EngineTable(directory: directory.path, schema: Self.schema, durability: .fsyncEachBatch)
                defer { try? table.close() }
                #expect(try allRows(table) == expected, "\(plan)")
                // The damage is reported by one open or the other, or its bytes wait in corrupt/.
                let recovery = table.recovery
                #expect(
                    reported || recovery.isDamaged || recovery.quarantinedFiles.contains { $0.contains(".at") },
                    "\(plan): the damage went unreported: \(recovery)")
            }
        }
        #expect(injected > 20)
    }

    // MARK: - fsyncgate: after a failed sync the table takes no more writes

    func openFaulty(_ directory: TemporaryDirectory, _ durability: Durability) throws -> (EngineTable, FaultyFileSystem)
    {
        let fileSystem = FaultyFileSystem()
        let table = try EngineTable(
            directory: directory.path, schema: Self.schema, durability: durability, fileSystem: fileSystem)
        return (table, fileSystem)
    }

    func expectFailedForWrites(_ table: EngineTable, sourceLocation: SourceLocation = #_sourceLocation) {
        let error = #expect(throws: StrataError.self, sourceLocation: sourceLocation) {
            try table.append(makeBatch(Self.batch(2)))
        }
        #expect(error?.code == .io, sourceLocation: sourceLocation)
        #expect(throws: StrataError.self, sourceLocation: sourceLocation) { try table.flush() }
        #expect(table.health.walFailure != nil, sourceLocation: sourceLocation)
        #expect(!table.health.isHealthy, sourceLocation: sourceLocation)
    }

    @Test func failedSyncOfABatchFailsTheTableForWrites() throws {
        let directory = Self.scratchDirectory()
        defer { directory.cleanup() }
        do {
            let (table, fileSystem) = try openFaulty(directory, .fsyncEachBatch)
            try table.append(makeBatch(Self.batch(0)))
            fileSystem.failNext(.syncData)
            #expect(throws: StrataError.self) { try table.append(makeBatch(Self.batch(1))) }
            expectFailedForWrites(table)
            // Reads go on.
            #expect(rows(try table.range(symbol: "AAA", from: .min, to: .max), symbol: "AAA").count == 4)
            try? table.close()
        }
        var outcome = Outcome()
        outcome.acknowledged = [0]
        outcome.inDoubt = [1]
        _ = try Self.verify(directory: directory.path, outcome, "after a failed fdatasync")
    }

    @Test func failedFlushFailsTheTableForWrites() throws {
        let directory = Self.scratchDirectory()
        defer { directory.cleanup() }
        do {
            let (table, fileSystem) = try openFaulty(directory, .groupCommit(milliseconds: 60_000))
            try table.append(makeBatch(Self.batch(0)))
            try table.append(makeBatch(Self.batch(1)))
            fileSystem.failNext(.syncData)
            #expect(throws: StrataError.self) { try table.flush() }
            expectFailedForWrites(table)
            try? table.close()
        }
        var outcome = Outcome()
        outcome.acknowledged = [0, 1]  // written before the failed sync; the reopen finds them
        _ = try Self.verify(directory: directory.path, outcome, "after a failed flush")
    }

    /// The group-commit flusher's failed sync is reported by the next append, flush — or close,
    /// if nothing else comes: closing must not pretend the data is durable.
    @Test func failedBackgroundSyncIsReportedByClose() throws {
        let directory = Self.scratchDirectory()
        defer { directory.cleanup() }
        let (table, fileSystem) = try openFaulty(directory, .groupCommit(milliseconds: 2))
        fileSystem.failNext(.syncData)
        try table.append(makeBatch(Self.batch(0)))
        let deadline = ContinuousClock.now + .seconds(10)
        while table.health.walFailure == nil && ContinuousClock.now < deadline { Thread.sleep(forTimeInterval: 0.002) }
        #expect(table.health.walFailure != nil)
        let error = #expect(throws: StrataError.self) { try table.close() }
        #expect(error?.code == .io)
        #expect(throws: StrataError.self) { try table.append(makeBatch(Self.batch(1))) }
    }

    @Test func failedSyncAtSegmentRollOverFailsTheTableForWrites() throws {
        let directory = Self.scratchDirectory()
        defer { directory.cleanup() }
        do {
            let (table, fileSystem) = try openFaulty(directory, .groupCommit(milliseconds: 60_000))
            for i in 0..<4 { try table.append(makeBatch(Self.batch(i))) }
            // Sealing p0 and p1 syncs their files (two fdatasyncs), then rolls the WAL over to a
            // new segment, syncing the current one first: the third.
            fileSystem.fail(.syncData, occurrenceFromNow: 3)
            let report = table.compact(now: Timestamp(nanoseconds: 2_000))
            #expect(!report.errors.isEmpty)
            expectFailedForWrites(table)
            try? table.close()
        }
        var outcome = Outcome()
        outcome.acknowledged = [0, 1, 2, 3]
        _ = try Self.verify(directory: directory.path, outcome, "after a failed sync at roll-over")
    }
}
