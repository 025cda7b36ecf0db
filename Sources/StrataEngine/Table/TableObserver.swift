import StrataCore

/// Watches what a table stores, to maintain derived data (bars) on the write path.
///
/// The table calls ``rowsStored(partition:symbol:batch:rows:)`` and
/// ``memoryReset(partition:memory:)`` with its lock held, so an observer sees every stored row
/// exactly once and in the order the WAL has them — during WAL replay too. Duplicates the table
/// dropped are never reported.
protocol TableObserver: AnyObject, Sendable {
    /// `rows` of `batch` (all of symbol id `symbol`) were stored in memory for `partition`.
    func rowsStored(partition: Int64, symbol: UInt32, batch: ColumnBatch, rows: [Int])
    /// After a seal or compaction swap, the partition's in-memory rows are exactly `memory`.
    func memoryReset(partition: Int64, memory: MemoryPartition)
    /// A new generation of `partition` was published as `file` (called without the lock, on the
    /// table's maintenance queue).
    /// - Returns: an error if deriving from the file failed (reported by the maintenance pass).
    func published(partition: Int64, file: SealedPartition) -> StrataError?
    /// `partition` was dropped by retention or purge.
    func dropped(partition: Int64)
}
