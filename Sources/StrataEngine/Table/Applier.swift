import StrataCore

/// Applies a logged batch to a table's in-memory state: the one place rows enter memory, used by
/// the write path and by WAL replay alike (so replay makes exactly the same dedup decisions).
struct Applier {
    let schema: TableSchema
    /// Told about every group of rows stored (aggregates maintained on the write path).
    var observer: (any TableObserver)? = nil
    /// Replaying a large WAL: new lanes pre-fault their memory (see ``Lane``).
    var bulk = false

    /// Applies a logged batch to memory. `alreadySealed` (replay only) says, per partition, up to
    /// which sequence its sealed file already holds the rows.
    func apply(
        _ batch: ColumnBatch, to state: inout EngineTable.State, alreadySealed: ((Int64) -> Bool)?
    ) -> AppendReport {
        var commit: StoredCommit? = nil
        return apply(batch, to: &state, alreadySealed: alreadySealed, commit: &commit)
    }

    /// Applies a batch and, when `commit` is not nil, records in it what was stored (for the
    /// live feed: skipped rows, symbol ids, partitions whose base is a file).
    func apply(
        _ batch: ColumnBatch, to state: inout EngineTable.State, alreadySealed: ((Int64) -> Bool)?,
        commit: inout StoredCommit?
    ) -> AppendReport {
        let ts = schema.timestampIndex
        let keyColumn = schema.dedupKeyIndex
        let globalIDs = batch.symbols.map { state.symbolID($0) }
        if commit != nil { commit!.symbolIDs = globalIDs }
        let times = batch.columns[ts]
        // Group rows by (partition, symbol), keeping arrival order inside a group.
        var oldest = times[0]
        var newest = times[0]
        for t in times {
            if t > newest { newest = t }
            if t < oldest { oldest = t }
        }
        let firstPartition = schema.partition(of: oldest)
        let singlePartition = firstPartition == schema.partition(of: newest)
        var groups: [(partition: Int64, symbol: UInt32, rows: [Int])] = []
        if singlePartition {
            var counts = [Int](repeating: 0, count: batch.symbols.count)
            for s in batch.symbolIndex { counts[Int(s)] += 1 }
            var members = counts.map { count -> [Int] in
                var rows: [Int] = []
                rows.reserveCapacity(count)
                return rows
            }
            for (row, s) in batch.symbolIndex.enumerated() { members[Int(s)].append(row) }
            for (local, rows) in members.enumerated() where !rows.isEmpty {
                groups.append((firstPartition, globalIDs[local], rows))
            }
        } else {
            var byKey: [Int64: [UInt32: [Int]]] = [:]
            for (row, s) in batch.symbolIndex.enumerated() {
                byKey[schema.partition(of: times[row]), default: [:]][globalIDs[Int(s)], default: []].append(row)
            }
            for partition in byKey.keys.sorted() {
                for (symbol, rows) in byKey[partition]!.sorted(by: { $0.key < $1.key }) {
                    groups.append((partition, symbol, rows))
                }
            }
        }
        var report = AppendReport()
        for group in groups {
            if let alreadySealed, alreadySealed(group.partition) { continue }
            var partition: PartitionState
            if let existing = state.partitions.removeValue(forKey: group.partition) {
                partition = existing
            } else {
                partition = PartitionState(index: group.partition, columnCount: schema.columns.count)
                state.openPartitions.insert(group.partition)
                state.registerPartition(group.partition)
            }
            let storedRows: [Int]
            let baseInMemory: Bool
            if case .memory = partition.base { baseInMemory = true } else { baseInMemory = false }
            if partition.phase == .open, case .memory(var memory) = partition.base {
                partition.base = .damaged(path: "", error: "")  // release the reference while mutating
                storedRows = memory.insert(
                    batch, rows: group.rows, symbol: group.symbol, timestampColumn: ts, keyColumn: keyColumn,
                    writeMode: schema.writeMode, bulk: bulk)
                partition.base = .memory(memory)
            } else {
                var rows = group.rows
                if let keyColumn {
                    rows = rows.filter { row in
                        !existsOutsideOverlay(
                            batch.columns[keyColumn][row], symbol: group.symbol, in: &partition, state: state)
                    }
                }
                storedRows = partition.overlay.insert(
                    batch, rows: rows, symbol: group.symbol, timestampColumn: ts, keyColumn: keyColumn,
                    writeMode: schema.writeMode)
            }
            if let observer, !storedRows.isEmpty {
                observer.rowsStored(
                    partition: group.partition, symbol: group.symbol, batch: batch, rows: storedRows)
            }
            let stored = storedRows.count
            let duplicates = group.rows.count - stored
            if commit != nil {
                if duplicates > 0 {
                    let kept = Set(storedRows)
                    commit!.skipped.append(contentsOf: group.rows.filter { !kept.contains($0) })
                }
                if !baseInMemory && stored > 0 && !commit!.sealedPartitions.contains(group.partition) {
                    commit!.sealedPartitions.append(group.partition)
                }
            }
            partition.pendingDuplicates += duplicates
            report.stored += stored
            report.duplicates += duplicates
            state.partitions[group.partition] = partition
        }
        if state.newest.map({ newest > $0 }) ?? true { state.newest = newest }
        if commit != nil {
            commit!.stored = report.stored
            if commit!.skipped.count > 1 { commit!.skipped.sort() }
        }
        return report
    }

    /// Dedup check of a late row against the partition's base and frozen sources.
    private func existsOutsideOverlay(
        _ key: Int64, symbol: UInt32, in partition: inout PartitionState, state: borrowing EngineTable.State
    ) -> Bool {
        guard let keyColumn = schema.dedupKeyIndex else { return false }
        if let frozen = partition.frozen, frozen.hasKey(key, symbol: symbol, keyColumn: keyColumn) { return true }
        switch partition.base {
        case .memory(let memory):
            return memory.hasKey(key, symbol: symbol, keyColumn: keyColumn)
        case .sealed(let file):
            if partition.sealedKeys[symbol] == nil {
                // An unreadable block means the key cannot be checked; the row is kept (never dropped).
                partition.sealedKeys[symbol] =
                    (try? file.keys(symbol: state.symbolNames[Int(symbol)], keyColumn: keyColumn)) ?? []
            }
            return partition.sealedKeys[symbol]!.contains(key)
        case .damaged:
            return false
        }
    }
}
