public import StrataCore
import Synchronization

extension EngineTable {
    /// Where the rows of one partition come from, captured under the lock: memory rows already
    /// copied out, sealed files as references (decoded after the lock is released).
    private struct PartitionSources {
        var index: Int64
        var file: SealedPartition?
        var damaged: StrataError?
        /// Copied memory rows, in source order (base, frozen, overlay).
        var memory: [RowSet]
    }

    /// Rows of `symbol` with `from <= ts < to`, oldest first (ties in arrival order), at most
    /// `limit` of them: the limit is pushed into the reads (memory copies at most `limit` rows
    /// per source, sealed files decode only the blocks that hold them, later partitions are not
    /// read once it is reached).
    /// - Throws: ``StrataError`` `.corruptFile` if a sealed block in the range is damaged.
    public func range(symbol: String, from: Int64, to: Int64, limit: Int = .max) throws -> RowSet {
        guard from < to, limit > 0 else { return RowSet(columnCount: schema.columns.count) }
        if schema.writeMode == .replaceByKey {
            return try currentRange(symbol: symbol, from: from, to: to, limit: limit)
        }
        return try storedRange(symbol: symbol, from: from, to: to, limit: limit)
    }

    /// Every stored row of `symbol` in the range (for a last-wins table, every version).
    func storedRange(symbol: String, from: Int64, to: Int64, limit: Int) throws -> RowSet {
        guard from < to, limit > 0 else { return RowSet(columnCount: schema.columns.count) }
        let ts = schema.timestampIndex
        let sources = try state.withLock { state throws -> [PartitionSources] in
            try ensureOpen(state)
            guard let id = state.symbolIDs[symbol] else { return [] }
            let first = schema.partition(of: from)
            let last = schema.partition(of: to - 1)
            return state.partitionOrder.filter { $0 >= first && $0 <= last }.map { index in
                capture(state.partitions[index]!, symbol: id) { slice, out in
                    slice.copyRows(from: from, to: to, limit: limit, timestampColumn: ts, into: &out)
                }
            }
        }
        var result = RowSet(columnCount: schema.columns.count)
        for source in sources {
            if let damaged = source.damaged { throw damaged }
            var parts: [RowSet] = []
            let wanted = limit - result.count
            if let file = source.file {
                var sealed = RowSet(columnCount: schema.columns.count)
                try file.copyRows(symbol: symbol, from: from, to: to, limit: wanted, timestampColumn: ts, into: &sealed)
                parts.append(sealed)
            }
            parts.append(contentsOf: source.memory)
            append(merging: parts, into: &result)
            if result.count >= limit {
                if result.count > limit {
                    for c in 0..<result.columns.count { result.columns[c].removeSubrange(limit...) }
                }
                break
            }
        }
        return result
    }

    /// The newest `limit` rows of `symbol`, newest first.
    public func latest(symbol: String, limit: Int) throws -> RowSet {
        try latest(symbol: symbol, limit: limit, before: Int64.max)
        // A row at exactly Int64.max is not a valid timestamp.
    }

    /// The newest `limit` rows of `symbol` with `ts < before`, newest first (the quote prevailing
    /// at a time is `latest(symbol:limit: 1, before: time + 1)`): partitions after `before` are
    /// not read, and of the others only the tail.
    public func latest(symbol: String, limit: Int, before: Int64) throws -> RowSet {
        guard limit > 0, before > Int64.min else { return RowSet(columnCount: schema.columns.count) }
        if schema.writeMode == .replaceByKey { return try currentLatest(symbol: symbol, limit: limit, before: before) }
        let ts = schema.timestampIndex
        let lastPartition = schema.partition(of: before - 1)
        let sources = try state.withLock { state throws -> [PartitionSources] in
            try ensureOpen(state)
            guard let id = state.symbolIDs[symbol] else { return [] }
            var picked: [PartitionSources] = []
            var available = 0
            for index in state.partitionOrder.reversed() where index <= lastPartition {
                let partition = state.partitions[index]!
                let source = capture(partition, symbol: id) { slice, out in
                    slice.copyTail(limit: limit, before: before, timestampColumn: ts, into: &out)
                }
                // A sealed file's rows count only when all of them are before `before`.
                let sealed = source.file?.symbols[symbol].map { $0.maxTimestamp < before ? $0.rows : 0 } ?? 0
                available += source.memory.reduce(0) { $0 + $1.count } + sealed
                picked.append(source)
                if available >= limit { break }
            }
            return picked
        }
        // Newest partition first; inside each, oldest first — then reverse at the end.
        var pieces: [RowSet] = []
        var have = 0
        for source in sources {
            if let damaged = source.damaged { throw damaged }
            var parts: [RowSet] = []
            if let file = source.file {
                var sealed = RowSet(columnCount: schema.columns.count)
                try file.copyTail(
                    symbol: symbol, limit: limit - have, before: before, timestampColumn: ts, into: &sealed)
                parts.append(sealed)
            }
            parts.append(contentsOf: source.memory)
            var merged = RowSet(columnCount: schema.columns.count)
            append(merging: parts, into: &merged)
            let take = min(limit - have, merged.count)
            if take > 0 {
                var piece = RowSet(columns: merged.columns.map { Array($0.suffix(take)) })
                piece.texts = merged.texts
                pieces.append(piece)
                have += take
            }
            if have >= limit { break }
        }
        var result = RowSet(columnCount: schema.columns.count)
        for c in 0..<schema.columns.count { result.columns[c].reserveCapacity(have) }
        for var piece in pieces {
            result.adoptTexts(of: &piece, textColumns: schema.textColumns)
            for c in 0..<schema.columns.count { result.columns[c].append(contentsOf: piece.columns[c].reversed()) }
        }
        return result
    }

    /// The newest timestamp stored for `symbol`, or `nil`.
    public func lastTimestamp(symbol: String) throws -> Int64? {
        let ts = schema.timestampIndex
        if schema.writeMode == .replaceByKey {
            return try currentRange(symbol: symbol, from: .min, to: .max, limit: .max).columns[ts].last
        }
        return try state.withLock { state throws -> Int64? in
            try ensureOpen(state)
            guard let id = state.symbolIDs[symbol] else { return nil }
            for index in state.partitionOrder.reversed() {
                let partition = state.partitions[index]!
                var newest: Int64? = nil
                func consider(_ value: Int64?) {
                    if let value, newest.map({ value > $0 }) ?? true { newest = value }
                }
                if case .memory(let memory) = partition.base { consider(memory.slices[id]?.columns[ts].last) }
                if case .damaged(let path, let error) = partition.base {
                    throw StrataError(.corruptFile, "partition unreadable: \(error)", path: path)
                }
                consider(partition.sealedFile?.symbols[symbol]?.maxTimestamp)
                consider(partition.frozen?.slices[id]?.columns[ts].last)
                consider(partition.overlay.slices[id]?.columns[ts].last)
                if let newest { return newest }
            }
            return nil
        }
    }

    /// Row count and exact sum of one column per symbol, over the whole table (a full scan):
    /// an ``aggregate(_:)`` of count and sum grouped by symbol that sums any column's lanes
    /// (a decimal's mantissas at its scale).
    public func summarize(column name: String) throws -> [ColumnSummary] {
        let plan = try AggregatePlan([.count, .sum(column: name)], schema: schema, anyColumn: true)
        let request = AggregateRequest(functions: [], from: .min, to: .max, groupBySymbol: true)
        return try aggregate(request, plan: plan).map { row in
            var rows = 0
            var sum: Int128 = 0
            if case .integer(let count) = row.values[0] { rows = Int(count) }
            if case .integer(let total) = row.values[1] { sum = total }
            return ColumnSummary(symbol: row.symbol ?? "", rows: rows, sum: sum)
        }
    }

    /// The name of each symbol id of the table's dictionary (ids index the array).
    package var symbolNames: [String] { state.withLock { $0.symbolNames } }

    /// Symbols that have at least one row, sorted.
    public func symbols() -> [String] {
        state.withLock { state in
            var present = Set<UInt32>()
            for partition in state.partitions.values {
                if case .memory(let memory) = partition.base { present.formUnion(memory.slices.keys) }
                present.formUnion(partition.overlay.slices.keys)
                if let frozen = partition.frozen { present.formUnion(frozen.slices.keys) }
                if let file = partition.sealedFile {
                    for name in file.symbols.keys { present.insert(state.symbolIDs[name]!) }
                }
            }
            return present.map { state.symbolNames[Int($0)] }.sorted()
        }
    }

    /// Size and shape of the table.
    public func stats() -> TableStats {
        state.withLock { state in
            var stats = TableStats(table: schema.name)
            var symbols = Set<UInt32>()
            var oldest: Int64? = nil
            var newest: Int64? = nil
            let ts = schema.timestampIndex
            func note(_ low: Int64?, _ high: Int64?) {
                if let low, oldest.map({ low < $0 }) ?? true { oldest = low }
                if let high, newest.map({ high > $0 }) ?? true { newest = high }
            }
            for partition in state.partitions.values {
                stats.partitions += 1
                stats.rows += partition.rowCount
                stats.duplicatesSkipped += partition.pendingDuplicates
                for memory in partition.memorySources {
                    symbols.formUnion(memory.slices.keys)
                    note(memory.minTimestamp(timestampColumn: ts), memory.maxTimestamp(timestampColumn: ts))
                }
                if let file = partition.sealedFile {
                    stats.sealedPartitions += 1
                    stats.bytesOnDisk += file.fileSize
                    stats.duplicatesSkipped += file.duplicatesSkipped
                    stats.pendingLateRows += partition.overlay.rowCount + (partition.frozen?.rowCount ?? 0)
                    for (name, entry) in file.symbols {
                        symbols.insert(state.symbolIDs[name]!)
                        note(entry.minTimestamp, entry.maxTimestamp)
                    }
                } else if case .damaged(let path, _) = partition.base {
                    stats.bytesOnDisk += fileSystem.fileSize(path)
                }
            }
            stats.bytesOnDisk += wal.totalBytes
            if schema.writeMode == .replaceByKey {
                stats.overwrites = max(0, stats.rows - state.versions.count)
                stats.rows -= stats.overwrites
            }
            stats.symbols = symbols.count
            stats.oldest = oldest.map(Timestamp.init(nanoseconds:))
            stats.newest = newest.map(Timestamp.init(nanoseconds:))
            return stats
        }
    }

    /// Bytes per column in the sealed files (each block's chunk of the column, summed when the
    /// file opened), against the sealed rows × 8; rows and bytes in memory.
    public func storage() -> TableStorage {
        state.withLock { state in
            var encoded = [Int64](repeating: 0, count: schema.columns.count)
            var report = TableStorage(table: schema.name)
            for partition in state.partitions.values {
                for memory in partition.memorySources {
                    report.memoryRows += memory.rowCount
                    report.memoryBytes += Int64(memory.rowCount * memory.columnCount * 8 + memory.texts.byteCount)
                }
                guard let file = partition.sealedFile else { continue }
                report.sealedRows += file.rowCount
                for column in encoded.indices where column < file.encodedBytes.count {
                    encoded[column] += file.encodedBytes[column]
                }
            }
            report.columns = schema.columns.indices.map { column in
                TableStorage.Column(
                    name: schema.columns[column].name, encodedBytes: encoded[column],
                    rawBytes: Int64(report.sealedRows) * 8)
            }
            return report
        }
    }

    /// Health of the write path: WAL backlog and last sync, last maintenance error.
    public var health: TableHealth {
        state.withLock { state in
            TableHealth(
                table: schema.name, walBytes: wal.totalBytes, walSegments: wal.segmentCount,
                lastSync: wal.lastSync, lastCommit: state.lastCommit, walFailure: wal.failure,
                lastMaintenanceError: state.lastMaintenanceError,
                openPartitions: state.openPartitions.count,
                damagedPartitions: state.partitions.values.filter { $0.phase == .damaged }.count, isClosed: state.closed
            )
        }
    }

    func ensureOpen(_ state: borrowing State) throws {
        if state.closed { throw StrataError(.closed, "table \(schema.name) is closed", path: directory) }
    }

    private func capture(
        _ partition: PartitionState, symbol id: UInt32, copy: (SymbolSlice, inout RowSet) -> Void
    ) -> PartitionSources {
        var sources = PartitionSources(
            index: partition.index, file: partition.sealedFile, damaged: partition.unreadable, memory: [])
        for memory in partition.memorySources {
            guard let slice = memory.slices[id] else { continue }
            var rows = RowSet(columnCount: schema.columns.count)
            copy(slice, &rows)
            if !schema.textColumns.isEmpty { rows.texts = memory.texts }  // shared, not copied
            if rows.count > 0 { sources.memory.append(rows) }
        }
        return sources
    }

    /// Appends the time-ordered merge of `parts` (each sorted; ties keep part order).
    private func append(merging parts: [RowSet], into out: inout RowSet) {
        var nonEmpty = parts.filter { $0.count > 0 }
        if nonEmpty.count == 1 && out.count == 0 {
            out = nonEmpty[0]  // the usual case: one source, no copy
            return
        }
        for p in nonEmpty.indices { out.adoptTexts(of: &nonEmpty[p], textColumns: schema.textColumns) }
        if nonEmpty.count == 1 {
            for c in 0..<schema.columns.count { out.columns[c].append(contentsOf: nonEmpty[0].columns[c]) }
            return
        }
        guard !nonEmpty.isEmpty else { return }
        let ts = schema.timestampIndex
        let replace = schema.writeMode == .replaceByTimestamp
        var cursors = [Int](repeating: 0, count: nonEmpty.count)
        while true {
            var best = -1
            for p in 0..<nonEmpty.count where cursors[p] < nonEmpty[p].count {
                if best < 0 || nonEmpty[p].columns[ts][cursors[p]] < nonEmpty[best].columns[ts][cursors[best]] {
                    best = p
                }
            }
            guard best >= 0 else { return }
            if replace {
                // The newest source's row for this timestamp wins; the older ones are shadowed.
                let time = nonEmpty[best].columns[ts][cursors[best]]
                var winner = best
                for p in (best + 1)..<nonEmpty.count
                where cursors[p] < nonEmpty[p].count && nonEmpty[p].columns[ts][cursors[p]] == time {
                    cursors[winner] += 1
                    winner = p
                }
                best = winner
            }
            for c in 0..<schema.columns.count { out.columns[c].append(nonEmpty[best].columns[c][cursors[best]]) }
            cursors[best] += 1
        }
    }

}
