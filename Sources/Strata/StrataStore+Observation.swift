import StrataCore

extension StrataStore {
    /// Tells `observer` the table and duration of every successful WAL fsync of every table (for
    /// latency metrics; the server records them as `strata_wal_fsync_duration_seconds`). It runs
    /// on the syncing thread, on the write path: keep it quick. `nil` removes it.
    public func observeWALSyncs(_ observer: (@Sendable (_ table: String, _ duration: Duration) -> Void)?) {
        for table in allTables {
            guard let observer else {
                table.observeWALSyncs(nil)
                continue
            }
            let name = table.name
            table.observeWALSyncs { nanoseconds in observer(name, .nanoseconds(nanoseconds)) }
        }
    }
}
