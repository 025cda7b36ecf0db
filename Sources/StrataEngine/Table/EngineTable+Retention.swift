import Dispatch
public import StrataCore
import Synchronization

extension EngineTable {
    /// Drops every sealed partition that ends at or before `cutoff`, with its late rows.
    ///
    /// Open partitions are never dropped (they are sealed first, by the data or the clock), nor
    /// damaged ones (their files are kept for inspection). The drop is recorded durably before
    /// any file is removed, with the WAL position, so replay after a crash does not bring the
    /// rows back.
    ///
    /// - Parameter cutoff: nanoseconds; partitions with `end <= cutoff` go.
    /// - Returns: the start timestamps of the partitions dropped, and their size in bytes and rows.
    /// - Throws: ``StrataError`` `.io` if the record cannot be written (nothing is dropped then).
    public func dropPartitions(endingAtOrBefore cutoff: Int64) throws -> DroppedPartitions {
        try maintenanceQueue.sync {
            // Both locks: an append applies in several holds of the state lock, and a partition
            // must not go between two of them.
            let victims = try commitLock.withLock { _ in
                try state.withLock { state throws -> [(Int64, SealedPartition)] in
                    guard !state.closed else {
                        throw StrataError(.closed, "table \(schema.name) is closed", path: directory)
                    }
                    var victims: [(Int64, SealedPartition)] = []
                    for index in state.partitionOrder where end(of: index) <= cutoff {
                        guard let partition = state.partitions[index], partition.phase == .sealed,
                            let file = partition.sealedFile
                        else { continue }
                        victims.append((index, file))
                    }
                    guard !victims.isEmpty else { return [] }
                    var dropped = state.dropped
                    for (index, _) in victims { dropped[index] = state.sequence }
                    try writeDropped(dropped)
                    state.dropped = dropped
                    for (index, _) in victims {
                        state.partitions[index] = nil
                        state.partitionOrder.removeAll { $0 == index }
                    }
                    return victims
                }
            }
            var result = DroppedPartitions()
            for (index, file) in victims {
                try fileSystem.remove(file.path)
                observer?.dropped(partition: index)
                result.partitions.append(Timestamp(nanoseconds: index &* schema.partitionDuration))
                result.bytes += file.fileSize
                result.rows += file.rowCount
            }
            if !victims.isEmpty {
                try fileSystem.syncDirectory(partitionDirectory)
                // The commit lock too: removing segments changes the WAL writer, which appenders use.
                try commitLock.withLock { _ in
                    try state.withLock { state in
                        if !state.closed { try Self.removeObsoleteSegments(state, from: wal) }
                    }
                }
            }
            return result
        }
    }

    /// Rewrites the `dropped` file atomically (one short line per dropped partition).
    private func writeDropped(_ dropped: [Int64: UInt64]) throws {
        let text = dropped.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)\n" }.joined()
        try fileSystem.writeAtomically(directory + "/dropped", chunks: [Array(text.utf8)])
    }

    /// The newest timestamp in the table, if any.
    public var newestTimestamp: Timestamp? { state.withLock { $0.newest.map(Timestamp.init(nanoseconds:)) } }
}
