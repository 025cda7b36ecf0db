public import Strata
public import StrataCore

extension Replicator {
    /// The name of the replicator's commit tap on a table.
    public static let tapName = "replicator"

    /// Feeds this replicator from `table`'s commits: every batch the table stores from now on
    /// is appended to the log on the commit path (before the append is acknowledged) and the
    /// tiers are woken. A batch the log cannot take is recorded in ``status`` (its tiers will
    /// need a rebuild); the append itself has succeeded in the system of record.
    /// - Throws: ``StrataError`` `.closed` if the table is closed.
    public func attach(to table: DynamicTable) throws(StrataError) {
        try table.setCommitTap(named: Self.tapName) { [self] commit in
            let rows = commit.storedRows()
            guard rows.count > 0 else { return }
            _ = try? self.commit(rows)
        }
    }

    /// Stops feeding from `table`.
    public func detach(from table: DynamicTable) throws(StrataError) {
        try table.setCommitTap(named: Self.tapName, nil)
    }

    /// The storage lanes of `schema` that hold text (what ``CommitLog/Configuration/textLanes``
    /// needs).
    public static func textLanes(of schema: RecordSchema) -> [Int] {
        let columns = schema.storageColumns
        return columns.indices.filter { columns[$0].kind == .text }
    }
}
