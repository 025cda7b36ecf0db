import Dispatch
public import StrataCore
import Synchronization

extension EngineTable {
    /// How much late data an idle sealed partition may hold in memory before background
    /// maintenance merges it into a new generation of its file.
    static let lateRowsCompactionThreshold = 100_000

    /// The end (exclusive) of a partition, in nanoseconds, saturating.
    func end(of partition: Int64) -> Int64 {
        let (start, o1) = partition.multipliedReportingOverflow(by: schema.partitionDuration)
        if o1 { return partition < 0 ? Int64.min : Int64.max }
        let (end, o2) = start.addingReportingOverflow(schema.partitionDuration)
        return o2 ? Int64.max : end
    }

    func needsSealing(_ state: borrowing State) -> Bool {
        if let newest = state.newest, let oldestOpen = state.openPartitions.min() {
            let (deadline, overflow) = end(of: oldestOpen).addingReportingOverflow(sealGrace)
            if !overflow && deadline <= newest { return true }
        }
        // Late data waiting for sealed partitions: only when there is a lot of it.
        return state.partitions.values.contains {
            $0.hasPendingLateData && $0.overlay.rowCount + $0.pendingDuplicates >= Self.lateRowsCompactionThreshold
        }
    }

    func scheduleMaintenance() {
        state.withLock { $0.maintenanceScheduled = true }
        maintenanceQueue.async { [self] in
            state.withLock { $0.maintenanceScheduled = false }
            let report = BackgroundPriority.lowered { runMaintenance(sealingBefore: nil, compactAll: false) }
            record(report)
        }
    }

    /// Seals every open partition whose period is over — by the data (the newest row is past its
    /// end) or by the wall clock `now` — and merges all late rows into their sealed partitions.
    ///
    /// Runs on the table's maintenance queue (waits for a background pass in progress).
    /// - Returns: what was done; failures are in ``TableMaintenance/errors`` (the rows stay in
    ///   memory and in the WAL, and the next pass retries).
    public func compact(now: Timestamp = WallClock.now()) -> TableMaintenance {
        maintenanceQueue.sync {
            let report = runMaintenance(sealingBefore: now.nanoseconds, compactAll: true)
            record(report)
            return report
        }
    }

    /// The reports of recent maintenance passes, newest last (at most 50 kept).
    public var maintenanceHistory: [TableMaintenance] { maintenanceLog.withLock { $0 } }

    private func record(_ report: TableMaintenance) {
        guard !report.sealed.isEmpty || !report.compacted.isEmpty || !report.errors.isEmpty else { return }
        maintenanceLog.withLock { log in
            log.append(report)
            if log.count > 50 { log.removeFirst(log.count - 50) }
        }
        if let error = report.errors.last { state.withLock { $0.lastMaintenanceError = error } }
    }

    /// One pass: seal what is due, then compact late rows. Must run on `maintenanceQueue`.
    func runMaintenance(sealingBefore wallClock: Int64?, compactAll: Bool) -> TableMaintenance {
        var report = TableMaintenance(table: schema.name)
        struct SealJob {
            var partition: Int64
            var snapshot: MemoryPartition
            var sequence: UInt64
            var duplicates: Int
        }
        struct CompactJob {
            var partition: Int64
            var file: SealedPartition
            var late: MemoryPartition
            var sequence: UInt64
            var duplicates: Int
        }
        // 1. Choose and freeze, under both locks: an append applies in several holds of the state
        //    lock, and a snapshot must hold whole commits up to its sequence.
        let (seals, compactions, names) = commitLock.withLock { _ in
            state.withLock { state -> ([SealJob], [CompactJob], [String]) in
                guard !state.closed else { return ([], [], []) }
                var seals: [SealJob] = []
                var compactions: [CompactJob] = []
                let newest = state.newest ?? Int64.min
                for index in state.openPartitions.sorted() {
                    let partitionEnd = end(of: index)
                    let dueByData: Bool
                    if wallClock != nil {
                        dueByData = partitionEnd <= newest
                    } else {
                        let (deadline, overflow) = partitionEnd.addingReportingOverflow(sealGrace)
                        dueByData = !overflow && deadline <= newest
                    }
                    let dueByClock = wallClock.map { partitionEnd <= $0 } ?? false
                    guard dueByData || dueByClock, var partition = state.partitions[index],
                        case .memory(let memory) = partition.base
                    else { continue }
                    partition.phase = .sealing
                    seals.append(
                        SealJob(
                            partition: index, snapshot: memory, sequence: state.sequence,
                            duplicates: partition.pendingDuplicates))
                    state.partitions[index] = partition
                    state.openPartitions.remove(index)
                }
                for (index, var partition) in state.partitions where partition.hasPendingLateData {
                    guard
                        compactAll
                            || partition.overlay.rowCount + partition.pendingDuplicates
                                >= Self.lateRowsCompactionThreshold,
                        let file = partition.sealedFile
                    else { continue }
                    partition.phase = .compacting
                    partition.frozen = partition.overlay
                    partition.overlay = MemoryPartition(columnCount: schema.columns.count)
                    compactions.append(
                        CompactJob(
                            partition: index, file: file, late: partition.frozen!, sequence: state.sequence,
                            duplicates: partition.pendingDuplicates))
                    state.partitions[index] = partition
                }
                return (seals, compactions, state.symbolNames)
            }
        }
        let writer = PartitionFileWriter(schema: schema)
        // 2. Write files, without the lock.
        for job in seals {
            let start = Timestamp(nanoseconds: job.partition &* schema.partitionDuration)
            do {
                let input = PartitionFileWriter.Input(
                    partition: job.partition, includedThrough: job.sequence, duplicatesSkipped: UInt64(job.duplicates),
                    symbols: job.snapshot.slices.map { (names[Int($0.key)], $0.value.columns) },
                    texts: job.snapshot.texts)
                let path =
                    partitionDirectory + "/" + PartitionFileFormat.fileName(partition: job.partition, generation: 1)
                try writer.write(input, to: path, fileSystem: fileSystem)
                let file = try SealedPartition(path: path, generation: 1, schema: schema, fileSystem: fileSystem)
                state.withLock { state in
                    guard var partition = state.partitions[job.partition] else { return }
                    partition.base = .sealed(file)
                    partition.phase = .sealed
                    partition.pendingDuplicates -= job.duplicates  // now counted by the file
                    observer?.memoryReset(partition: job.partition, memory: partition.overlay)
                    state.partitions[job.partition] = partition
                }
                if let error = observer?.published(partition: job.partition, file: file) { report.errors.append(error) }
                report.sealed.append(start)
                report.rowsSealed += job.snapshot.rowCount
            } catch {
                report.errors.append(asStrataError(error, "sealing partition \(start)"))
                // Back to open: the overlay's rows rejoin the in-memory base.
                state.withLock { state in
                    guard var partition = state.partitions[job.partition] else { return }
                    var memory = job.snapshot
                    merge(partition.overlay, into: &memory, names: state.symbolNames)
                    partition.base = .memory(memory)
                    partition.overlay = MemoryPartition(columnCount: schema.columns.count)
                    partition.phase = .open
                    state.partitions[job.partition] = partition
                    state.openPartitions.insert(job.partition)
                }
            }
        }
        for job in compactions {
            let start = Timestamp(nanoseconds: job.partition &* schema.partitionDuration)
            do {
                var symbols: [(name: String, columns: [Lane])] = []
                var allNames = Set(job.file.symbols.keys)
                for id in job.late.slices.keys { allNames.insert(names[Int(id)]) }
                var ids: [String: UInt32] = [:]
                for (id, _) in job.late.slices { ids[names[Int(id)]] = id }
                // One heap for the new file: the late rows' texts shared, the file's decoded into it.
                var texts = TextHeap()
                let lateShift = texts.absorb(job.late.texts)
                for name in allNames {
                    var columns = try job.file.allRows(symbol: name, texts: &texts)
                    if let id = ids[name], let late = job.late.slices[id] {
                        var lateColumns = late.columns.map(\.array)
                        if lateShift != 0 {
                            for c in schema.textColumns { lateColumns[c] = lateColumns[c].map { $0 + lateShift } }
                        }
                        columns = mergeSorted(columns, lateColumns)
                    }
                    symbols.append((name, columns.map(Lane.init)))
                }
                let generation = job.file.generation + 1
                let input = PartitionFileWriter.Input(
                    partition: job.partition, includedThrough: job.sequence,
                    duplicatesSkipped: UInt64(job.file.duplicatesSkipped + job.duplicates), symbols: symbols,
                    texts: texts)
                let path =
                    partitionDirectory + "/"
                    + PartitionFileFormat.fileName(partition: job.partition, generation: generation)
                try writer.write(input, to: path, fileSystem: fileSystem)
                let file = try SealedPartition(
                    path: path, generation: generation, schema: schema, fileSystem: fileSystem)
                state.withLock { state in
                    guard var partition = state.partitions[job.partition] else { return }
                    partition.base = .sealed(file)
                    partition.frozen = nil
                    partition.phase = .sealed
                    partition.sealedKeys = [:]
                    partition.pendingDuplicates -= job.duplicates
                    observer?.memoryReset(partition: job.partition, memory: partition.overlay)
                    state.partitions[job.partition] = partition
                }
                if let error = observer?.published(partition: job.partition, file: file) { report.errors.append(error) }
                report.compacted.append(start)
                report.lateRowsMerged += job.late.rowCount
                // The new generation is in place: failing to remove the old one is reported, not
                // undone (undoing would put the merged rows in memory a second time); recovery
                // removes superseded generations at the next open.
                do { try fileSystem.remove(job.file.path) } catch {
                    report.errors.append(asStrataError(error, "removing the superseded \(job.file.path)"))
                }
            } catch {
                report.errors.append(asStrataError(error, "compacting partition \(start)"))
                state.withLock { state in
                    guard var partition = state.partitions[job.partition] else { return }
                    var late = job.late
                    merge(partition.overlay, into: &late, names: state.symbolNames)
                    partition.overlay = late
                    partition.frozen = nil
                    partition.phase = .sealed
                    state.partitions[job.partition] = partition
                }
            }
        }
        // 3. Drop WAL segments that only hold sealed rows.
        if !seals.isEmpty || !compactions.isEmpty {
            do {
                try commitLock.withLock { _ in
                    try state.withLock { state in
                        guard !state.closed else { return }
                        let before = wal.segments.count
                        try wal.rollOver()
                        try Self.removeObsoleteSegments(state, from: wal)
                        report.walSegmentsRemoved = max(0, before + 1 - wal.segments.count)
                    }
                }
            } catch {
                report.errors.append(asStrataError(error, "removing WAL segments"))
            }
        }
        return report
    }

    /// Inserts every row of `source` into `target` (used to undo a failed seal or compaction).
    private func merge(_ source: MemoryPartition, into target: inout MemoryPartition, names: [String]) {
        for (id, slice) in source.slices {
            var batch = ColumnBatch(
                symbols: [names[Int(id)]], symbolIndex: Array(repeating: 0, count: slice.count),
                columns: slice.columns.map(\.array))
            batch.texts = source.texts
            _ = target.insert(
                batch, rows: Array(0..<slice.count), symbol: id, timestampColumn: schema.timestampIndex,
                keyColumn: schema.dedupKeyIndex, writeMode: schema.writeMode, textColumns: schema.textColumns)
        }
    }

    /// Merges two time-sorted column sets; on equal times the rows of `a` come first.
    func mergeSorted(_ a: [[Int64]], _ b: [[Int64]]) -> [[Int64]] {
        let ts = schema.timestampIndex
        let countA = a[ts].count
        let countB = b[ts].count
        var out: [[Int64]] = a.map { column in
            var merged: [Int64] = []
            merged.reserveCapacity(countA + countB)
            _ = column
            return merged
        }
        var i = 0
        var j = 0
        let replace = schema.writeMode == .replaceByTimestamp
        while i < countA || j < countB {
            if replace && i < countA && j < countB && a[ts][i] == b[ts][j] {
                i += 1  // the later row (from `b`) replaces the stored one
                continue
            }
            let takeA = j == countB || (i < countA && a[ts][i] <= b[ts][j])
            for c in 0..<out.count { out[c].append(takeA ? a[c][i] : b[c][j]) }
            if takeA { i += 1 } else { j += 1 }
        }
        return out
    }

    func asStrataError(_ error: any Error, _ context: String) -> StrataError {
        if var strata = error as? StrataError {
            strata.message = "\(context): \(strata.message)"
            return strata
        }
        return StrataError(.io, "\(context): \(error)", path: directory)
    }
}
