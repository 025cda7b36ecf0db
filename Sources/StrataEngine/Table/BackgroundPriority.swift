import StrataCore
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

    /// Lowers the calling thread's priority to `niceness` if it is higher.
    /// - Returns: the niceness to restore, or nil if nothing was changed.
    @discardableResult
    package static func lowerCurrentThread(to niceness: Int32 = niceness) -> Int32? {
        #if os(Linux)
            // On Linux the nice value is per thread, and `who` 0 is the calling thread.
            let which = __priority_which_t(PRIO_PROCESS.rawValue)
            errno = 0
            let previous = getpriority(which, 0)
            guard errno == 0, previous < niceness else { return nil }
            _ = setpriority(which, 0, niceness)
            return previous
        #else
            return nil
        #endif
    }

    /// The calling thread's nice value (0, the default, where the platform has none per thread).
    package static func currentNiceness() -> Int32 {
        #if os(Linux)
            errno = 0
            let value = getpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0)
            return errno == 0 ? value : 0
        #else
            return 0
        #endif
    }

    /// Runs `body` with the calling thread's priority lowered, then restores it.
    package static func lowered<T>(_ body: () throws -> T) rethrows -> T {
        let previous = lowerCurrentThread()
        defer {
            #if os(Linux)
                if let previous { _ = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, previous) }
            #endif
        }
        return try body()
    }
}
