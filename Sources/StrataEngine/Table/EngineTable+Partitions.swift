package import StrataCore
import Synchronization

extension EngineTable {
    /// Where a partition's rows are, for derived-data readers.
    package enum PartitionSource: Sendable {
        /// All rows are in memory (an open partition).
        case memory
        /// Rows are in this sealed file (and maybe late rows in memory).
        case sealed(SealedPartition)
        /// The partition's file cannot be read.
        case damaged(StrataError)
    }

    /// Runs `body` under the table lock with the partitions overlapping `[from, to)` (ascending)
    /// and the id of `symbol` (nil if the table has never seen it), so that a derived-data reader
    /// sees sources and its own in-memory state at one consistent moment.
    package func withPartitions<T>(
        from: Int64, to: Int64, symbol: String, _ body: ([(partition: Int64, source: PartitionSource)], UInt32?) -> T
    ) throws -> T {
        try state.withLock { state in
            if state.closed { throw StrataError(.closed, "table \(schema.name) is closed", path: directory) }
            let first = schema.partition(of: from)
            let last = schema.partition(of: to &- 1)
            let partitions = state.partitionOrder.filter { $0 >= first && $0 <= last }.map {
                index -> (partition: Int64, source: PartitionSource) in
                switch state.partitions[index]!.base {
                case .memory: (index, .memory)
                case .sealed(let file): (index, .sealed(file))
                case .damaged(let path, let error):
                    (index, .damaged(StrataError(.corruptFile, "partition unreadable: \(error)", path: path)))
                }
            }
            return body(partitions, state.symbolIDs[symbol])
        }
    }

    /// Every sealed partition file, ascending.
    package func sealedFiles() -> [(partition: Int64, file: SealedPartition)] {
        state.withLock { state in
            state.partitionOrder.compactMap { index in state.partitions[index]!.sealedFile.map { (index, $0) } }
        }
    }

    /// The start (inclusive) of a partition, in nanoseconds.
    package func start(of partition: Int64) -> Int64 { partition &* schema.partitionDuration }
}
