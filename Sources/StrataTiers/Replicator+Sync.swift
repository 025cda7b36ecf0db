import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Synchronous tiers (the *sync* write mode): a write is acknowledged only once some tiers hold
/// it too.
///
/// The system of record has already stored the write when the writer asks (its commit tap put
/// it in the log); the writer then waits until each sync tier's cursor has passed the log's end
/// as it was right after that write. A tier that cannot take writes now — its breaker open, or
/// marked for a rebuild, or the log failed — answers at once instead of letting the writer wait
/// out the timeout: the write is stored but not acknowledged, and retrying it is safe (the
/// tables' keys make it idempotent, and the tiers apply the log exactly once).
extension Replicator {
    /// What a synchronous writer learns.
    public enum SyncOutcome: Sendable, Hashable {
        /// Every sync tier holds the write.
        case held
        /// A sync tier cannot take writes now (why, in words).
        case unavailable(tier: String, reason: String)
        /// A sync tier did not confirm within the timeout.
        case timedOut(tier: String)
    }

    /// The log's newest position: what a writer that just appended waits for.
    public var acceptedPosition: UInt64 {
        state.withLock { $0.cursors.accepted }
    }

    /// Blocks the calling thread until every tier of `tiers` applied the log through `position`,
    /// one of them cannot take writes now, or `timeout` passed. Call it from a thread of the
    /// store's executor, never from a cooperative thread (the replicator's loops must run).
    public func waitUntilApplied(through position: UInt64, tiers names: [String], timeout: Duration)
        -> SyncOutcome
    {
        let (seconds, attoseconds) = timeout.components
        let deadline = now + seconds * 1_000_000_000 + attoseconds / 1_000_000_000
        var pause: UInt32 = 20
        while true {
            if let outcome = syncCheck(through: position, tiers: names) { return outcome }
            if now >= deadline {
                let late = state.withLock { state in
                    names.first { (state.cursors.cursors[$0]?.applied ?? 0) < position }
                }
                return late.map { .timedOut(tier: $0) } ?? .held
            }
            usleep(pause)
            pause = min(pause * 2, 500)
        }
    }

    /// `.held`, a failure, or `nil` to keep waiting.
    func syncCheck(through position: UInt64, tiers names: [String]) -> SyncOutcome? {
        let time = now
        return state.withLock { state -> SyncOutcome? in
            var pending = false
            for name in names {
                guard let cursor = state.cursors.cursors[name], let tier = state.tiers[name] else {
                    return .unavailable(tier: name, reason: "not a tier of table \(configuration.table)")
                }
                if cursor.applied >= position { continue }
                if let failure = state.logFailure {
                    return .unavailable(tier: name, reason: "the replication log failed: \(failure)")
                }
                if cursor.rebuildNeeded {
                    return .unavailable(tier: name, reason: "marked for a rebuild")
                }
                let breaker = tier.breaker.snapshot(now: time)
                if breaker.state == .open {
                    let retry = breaker.retryAfter.map { " (next try in \($0 / 1_000_000) ms)" } ?? ""
                    return .unavailable(
                        tier: name, reason: "its breaker is open\(retry): \(tier.lastError ?? "failing")")
                }
                pending = true
            }
            return pending ? nil : .held
        }
    }
}
