import StrataCore
import Synchronization

extension EngineTable {
    /// Tells `observer` the duration of every successful fsync of this table's WAL, in
    /// nanoseconds (for metrics: it runs on the syncing thread, under the table's lock or on the
    /// group-commit flusher, so it must be quick). `nil` removes it.
    public func observeWALSyncs(_ observer: (@Sendable (_ nanoseconds: Int64) -> Void)?) {
        wal.setSyncObserver(observer)
    }
}
