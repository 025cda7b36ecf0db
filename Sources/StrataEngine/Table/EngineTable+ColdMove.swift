import Dispatch
import StrataCore
import Synchronization

extension EngineTable {
    /// A sealed partition as the cold tier's janitor sees it: what it holds, and a version that
    /// changes whenever its rows may have (a late row in memory, a compaction's new file).
    package struct MovablePartition: Sendable, Hashable {
        /// The partition's index (its start divided by the partition width).
        package var index: Int64
        package var start: Int64
        package var end: Int64
        /// Rows in the sealed file.
        package var rows: Int
        /// Late rows in memory, not merged into the file yet (a partition with some is not moved:
        /// compaction merges them first).
        package var lateRows: Int
        /// `<file generation>.<sequence the file includes through>`: equal versions, equal rows.
        package var version: String
        /// The table's commit sequence when this was listed: after a drop of the partition, its
        /// drop record is at or past it (see ``droppedSequence(partition:)``).
        package var tableSequence: UInt64
        /// The symbols with rows in the file, sorted.
        package var symbols: [String]

        package init(
            index: Int64, start: Int64, end: Int64, rows: Int, lateRows: Int, version: String, tableSequence: UInt64,
            symbols: [String]
        ) {
            self.index = index
            self.start = start
            self.end = end
            self.rows = rows
            self.lateRows = lateRows
            self.version = version
            self.tableSequence = tableSequence
            self.symbols = symbols
        }
    }

    /// What a conditional drop did.
    package enum ConditionalDrop: Sendable, Equatable {
        /// Dropped: its rows are gone from the table.
        case dropped(rows: Int)
        /// The table has no sealed partition at that index.
        case absent
        /// The partition's rows may differ from what was listed (late rows, a new file): kept.
        case changed
    }

    /// Every sealed partition, ascending.
    package func movablePartitions() -> [MovablePartition] {
        state.withLock { state in
            state.partitionOrder.compactMap { index -> MovablePartition? in
                guard let partition = state.partitions[index], partition.phase == .sealed,
                    let file = partition.sealedFile
                else { return nil }
                return MovablePartition(
                    index: index, start: start(of: index), end: end(of: index), rows: file.rowCount,
                    lateRows: partition.overlay.rowCount + (partition.frozen?.rowCount ?? 0),
                    version: "\(file.generation).\(file.includedThrough)", tableSequence: state.sequence,
                    symbols: file.symbols.keys.sorted())
            }
        }
    }

    /// The commit sequence recorded when partition `index` was last dropped, if it ever was.
    package func droppedSequence(partition index: Int64) -> UInt64? { state.withLock { $0.dropped[index] } }

    /// Drops one sealed partition only if it is still exactly `expected` (same file, no late
    /// rows): the check and the drop happen under the table's locks, so no append can slip a row
    /// in between. Recorded durably before the file is removed, as ``dropPartitions(endingAtOrBefore:)``.
    /// - Throws: ``StrataError`` `.io` if the drop record cannot be written (nothing dropped), `.closed`.
    package func dropPartition(_ expected: MovablePartition) throws -> ConditionalDrop {
        try maintenanceQueue.sync {
            let outcome = try commitLock.withLock { _ in
                try state.withLock { state throws -> DropOutcome in
                    guard !state.closed else {
                        throw StrataError(.closed, "table \(schema.name) is closed", path: directory)
                    }
                    guard let partition = state.partitions[expected.index] else { return .keep(.absent) }
                    guard partition.phase == .sealed, let file = partition.sealedFile,
                        "\(file.generation).\(file.includedThrough)" == expected.version, partition.overlay.isEmpty,
                        partition.frozen == nil
                    else { return .keep(.changed) }
                    var dropped = state.dropped
                    dropped[expected.index] = state.sequence
                    try writeDroppedRecord(dropped)
                    state.dropped = dropped
                    state.partitions[expected.index] = nil
                    state.partitionOrder.removeAll { $0 == expected.index }
                    return .drop(file)
                }
            }
            let file: SealedPartition
            switch outcome {
            case .keep(let kept): return kept
            case .drop(let victim): file = victim
            }
            try fileSystem.remove(file.path)
            observer?.dropped(partition: expected.index)
            try fileSystem.syncDirectory(partitionDirectory)
            try commitLock.withLock { _ in
                try state.withLock { state in
                    if !state.closed { try Self.removeObsoleteSegments(state, from: wal) }
                }
            }
            return .dropped(rows: file.rowCount)
        }
    }

    /// Rewrites the `dropped` file atomically (as retention does).
    private func writeDroppedRecord(_ dropped: [Int64: UInt64]) throws {
        let text = dropped.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)\n" }.joined()
        try fileSystem.writeAtomically(directory + "/dropped", chunks: [Array(text.utf8)])
    }
}

/// A conditional drop's decision under the locks.
private enum DropOutcome {
    case drop(SealedPartition)
    case keep(EngineTable.ConditionalDrop)
}
