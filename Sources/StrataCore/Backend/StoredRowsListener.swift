/// What one append stored: the batch as appended and which of its rows were not stored.
///
/// Built only while a ``StoredRowsListener`` is registered, so an append nobody listens to
/// allocates nothing for it.
public struct StoredCommit: Sendable {
    /// The batch as appended, rows in arrival order.
    public let batch: ColumnBatch
    /// Rows stored.
    public var stored = 0
    /// Indices of the batch's rows that were *not* stored (duplicates), ascending; usually empty.
    public var skipped: [Int] = []
    /// The table-wide symbol id of each batch-local symbol (`batch.symbols[i]` is id `symbolIDs[i]`).
    public var symbolIDs: [UInt32] = []
    /// Partitions this commit stored rows into whose base is a sealed (or damaged) file rather
    /// than memory: late rows, whose derived data (bars) is only partly in memory.
    public var sealedPartitions: [Int64] = []

    public init(batch: ColumnBatch, symbolIDs: [UInt32]) {
        self.batch = batch
        self.symbolIDs = symbolIDs
    }
}

/// Told about every batch a table stores after it opened — the live feed's hook.
///
/// ``stored(_:)`` is called with the table lock held, once per successful append, after the
/// rows are applied and before the append returns: so listeners see commits exactly in the
/// order the WAL has them, never a failed append, never a duplicate the table dropped, and never
/// WAL replay (the listener is registered after opening). It must only hand the rows on (enqueue)
/// and return quickly: the table's writers wait for it.
public protocol StoredRowsListener: AnyObject, Sendable {
    /// One commit's stored rows.
    /// - Returns: `false` to be unregistered (nobody is interested any more).
    func stored(_ commit: StoredCommit) -> Bool
    /// The table closed: no more commits. Called once, with the lock held; the listener is then
    /// unregistered.
    func tableClosed()
}
