import StrataCore

/// Applies a logged batch to a table's in-memory state: the one place rows enter memory, used by
/// the write path and by WAL replay alike (so replay makes exactly the same dedup decisions).
struct Applier {
    let schema: TableSchema
    /// Told about every group of rows stored (aggregates maintained on the write path).
    var observer: (any TableObserver)? = nil
    /// Replaying a large WAL: new lanes pre-fault their memory (see ``Lane``).
    var bulk = false

    /// How a batch's rows fall into (partition, symbol) groups: computed from the batch alone,
    /// without the table's lock. Each group's rows keep their arrival order; groups are ordered
    /// by partition, then by the batch's own symbol order.
    struct Plan: Sendable {
        struct Group: Sendable {
            var partition: Int64
            /// The batch-local symbol (`batch.symbols[symbol]`).
            var symbol: Int
            var rows: [Int]
        }

        var groups: [Group] = []
        var newest = Int64.min

        init(_ batch: ColumnBatch, schema: TableSchema) {
            guard batch.count > 0 else { return }
            let times = batch.columns[schema.timestampIndex]
            var oldest = times[0]
            var newest = times[0]
            for t in times {
                if t > newest { newest = t }
                if t < oldest { oldest = t }
            }
            self.newest = newest
            let firstPartition = schema.partition(of: oldest)
            if firstPartition == schema.partition(of: newest) {
                var counts = [Int](repeating: 0, count: batch.symbols.count)
                for s in batch.symbolIndex { counts[Int(s)] += 1 }
                var members = counts.map { count -> [Int] in
                    var rows: [Int] = []
                    rows.reserveCapacity(count)
                    return rows
                }
                for (row, s) in batch.symbolIndex.enumerated() { members[Int(s)].append(row) }
                for (symbol, rows) in members.enumerated() where !rows.isEmpty {
                    groups.append(Group(partition: firstPartition, symbol: symbol, rows: rows))
                }
            } else {
                var byKey: [Int64: [Int: [Int]]] = [:]
                for (row, s) in batch.symbolIndex.enumerated() {
                    byKey[schema.partition(of: times[row]), default: [:]][Int(s), default: []].append(row)
                }
                for partition in byKey.keys.sorted() {
                    for (symbol, rows) in byKey[partition]!.sorted(by: { $0.key < $1.key }) {
                        groups.append(Group(partition: partition, symbol: symbol, rows: rows))
                    }
                }
            }
        }

        /// The end of the run of groups from `start` holding about `rows` rows (at least one group).
        func slice(from start: Int, rows: Int) -> Range<Int> {
            var end = start
            var taken = 0
            while end < groups.count, end == start || taken + groups[end].rows.count <= rows {
                taken += groups[end].rows.count
                end += 1
            }
            return start..<end
        }
    }

    /// Applies a logged batch to memory, all of it at once. `alreadySealed` (replay only) says,
    /// per partition, up to which sequence its sealed file already holds the rows.
    func apply(
        _ batch: ColumnBatch, to state: inout EngineTable.State, alreadySealed: ((Int64) -> Bool)?
    ) -> AppendReport {
        let plan = Plan(batch, schema: schema)
        let symbolIDs = batch.symbols.map { state.symbolID($0) }
        var report = AppendReport()
        var commit: StoredCommit? = nil
        apply(
            plan, groups: plan.groups.indices, of: batch, symbolIDs: symbolIDs, to: &state,
            alreadySealed: alreadySealed, report: &report, commit: &commit)
        finish(plan, to: &state, report: report, commit: &commit)
        return report
    }

    /// Applies the groups `range` of `plan` (the live write path applies a batch in several runs
    /// of groups, releasing the table's lock between them; see ``EngineTable/append(_:)``).
    /// `symbolIDs` are the table's ids of `batch.symbols`. When `commit` is not nil, records in it
    /// what was stored (for the live feed: skipped rows, partitions whose base is a file).
    func apply(
        _ plan: Plan, groups range: Range<Int>, of batch: ColumnBatch, symbolIDs: [UInt32],
        to state: inout EngineTable.State, alreadySealed: ((Int64) -> Bool)?, report: inout AppendReport,
        commit: inout StoredCommit?
    ) {
        let ts = schema.timestampIndex
        let keyColumn = schema.dedupKeyIndex
        // Where this run took in the batch's text heap: once per partition and target (the base
        // or the overlay), its groups then only shift their references.
        var placements: [Int64: MemoryPartition.TextPlacement] = [:]
        var overlayPlacements: [Int64: MemoryPartition.TextPlacement] = [:]
        let hasText = !schema.textColumns.isEmpty
        for group in plan.groups[range] {
            if let alreadySealed, alreadySealed(group.partition) { continue }
            let symbol = symbolIDs[group.symbol]
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
                var placement = MemoryPartition.TextPlacement.copy
                if hasText {
                    placement = placements[group.partition] ?? memory.placeTexts(of: batch)
                    placements[group.partition] = placement
                }
                storedRows = memory.insert(
                    batch, rows: group.rows, symbol: symbol, timestampColumn: ts, keyColumn: keyColumn,
                    writeMode: schema.writeMode, bulk: bulk, textColumns: schema.textColumns, placement: placement)
                partition.base = .memory(memory)
            } else {
                var rows = group.rows
                if let keyColumn {
                    rows = rows.filter { row in
                        !existsOutsideOverlay(
                            batch.columns[keyColumn][row], symbol: symbol, in: &partition, state: state)
                    }
                }
                var placement = MemoryPartition.TextPlacement.copy
                if hasText {
                    placement = overlayPlacements[group.partition] ?? partition.overlay.placeTexts(of: batch)
                    overlayPlacements[group.partition] = placement
                }
                storedRows = partition.overlay.insert(
                    batch, rows: rows, symbol: symbol, timestampColumn: ts, keyColumn: keyColumn,
                    writeMode: schema.writeMode, textColumns: schema.textColumns, placement: placement)
            }
            if let key = schema.upsertKeyIndex, let version = schema.versionIndex {
                for row in storedRows {
                    state.versions.note(
                        symbol: symbol, key: batch.columns[key][row], version: batch.columns[version][row])
                }
            }
            if let observer, !storedRows.isEmpty {
                observer.rowsStored(partition: group.partition, symbol: symbol, batch: batch, rows: storedRows)
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
    }

    /// Ends a batch applied group by group: the table's newest timestamp and the commit record.
    func finish(_ plan: Plan, to state: inout EngineTable.State, report: AppendReport, commit: inout StoredCommit?) {
        if !plan.groups.isEmpty, state.newest.map({ plan.newest > $0 }) ?? true { state.newest = plan.newest }
        if commit != nil {
            commit!.stored = report.stored
            if commit!.skipped.count > 1 { commit!.skipped.sort() }
        }
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
