public import StrataCore

extension DynamicTable {
    /// Sets (or, with `nil`, removes) the commit tap called `name`: `body` is told about every
    /// batch the table stores after this call — each successful append once, in commit order,
    /// with the table's commit lock held and before the append returns (so a tap that writes
    /// somewhere durable has done so before the writer is acknowledged). It must return quickly:
    /// the table's writers wait for it. The replicator of the tiers (`StrataTiers`) is fed so.
    ///
    /// ```swift
    /// try store.table(named: "trades")!.setCommitTap(named: "replicator") { commit in
    ///     log.append(commit.storedRows())
    /// }
    /// ```
    /// - Parameters:
    ///   - name: the tap's name; setting a name again replaces that tap. The store uses `audit`
    ///     and `quality` for its own.
    ///   - body: called with each commit (``StoredCommit``: the batch and which rows were not
    ///     stored as duplicates).
    /// - Throws: ``StrataError`` `.closed` if the table is closed.
    public func setCommitTap(named name: String, _ body: (@Sendable (StoredCommit) -> Void)?) throws(StrataError) {
        try live.setTap(named: name, body)
    }
}

extension StoredCommit {
    /// The rows the commit stored (the batch without the duplicates it skipped). The batch's text
    /// heap is kept whole, so every text reference stays valid (it is already in memory).
    public func storedRows() -> ColumnBatch {
        guard !skipped.isEmpty else { return batch }
        let skip = Set(skipped)
        let keep = (0..<batch.count).filter { !skip.contains($0) }
        var rows = ColumnBatch(symbols: batch.symbols, symbolIndex: keep.map { batch.symbolIndex[$0] }, columns: [])
        rows.columns = batch.columns.map { lane in keep.map { lane[$0] } }
        rows.texts = batch.texts
        return rows
    }
}
