import StrataEngine

/// Bulk ingest yields the CPU to queries: the ILP/TCP pool's threads run at a lower scheduling
/// priority (nice +10 relative to the default), so on a machine whose cores a firehose keeps
/// busy, a latest-100 query is not queued behind mapping and appending; ingest still gets every
/// cycle nobody else wants.
enum IngestPriority {
    /// The niceness of ingest threads by default (`ilp.tcp.nice`).
    static let niceness: Int32 = 10

    /// Lowers the calling thread's priority to `niceness` (two system calls; called once per
    /// batch); 0 leaves it as it is.
    static func lower(to niceness: Int32 = niceness) {
        if niceness > 0 { BackgroundPriority.lowerCurrentThread(to: niceness) }
    }
}
