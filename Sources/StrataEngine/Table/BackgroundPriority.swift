#if canImport(Glibc)
    import Glibc
#endif

/// Background maintenance (sealing, compaction, retention) yields the CPU to queries and
/// appends: it runs at nice +10 (Linux sets the nice value per thread), restored afterwards, as
/// dispatch threads are shared. On a machine whose cores ingest keeps busy, a seal encoding a
/// day of rows at normal priority took a core from the threads answering latest-N.
package enum BackgroundPriority {
    /// The niceness of maintenance work.
    package static let niceness: Int32 = 10

    /// Runs `body` with the calling thread's priority lowered, then restores it.
    package static func lowered<T>(_ body: () throws -> T) rethrows -> T {
        #if os(Linux)
            let which = __priority_which_t(PRIO_PROCESS.rawValue)
            errno = 0
            let previous = getpriority(which, 0)
            let known = errno == 0
            if known && previous < niceness { _ = setpriority(which, 0, niceness) }
            defer { if known && previous < niceness { _ = setpriority(which, 0, previous) } }
        #endif
        return try body()
    }
}
