import Logging
import Strata
import StrataCore
import StrataTiers
import Synchronization

/// The *sync* write mode (`tiers.tables.<table>.sync`, `STRATA_TIERS_SYNC`): a write to the table
/// is acknowledged only once its sync tiers hold it too.
///
/// The system of record has stored the rows when the gate is asked (the replication log has them,
/// so the sync tiers will get them whatever happens next); the gate then waits until each sync
/// tier applied the log through its end as of that write. When a sync tier cannot take it — its
/// breaker open, marked for a rebuild, or silent past `tiers.syncTimeoutMilliseconds` — the
/// write fails with 503 `tierUnavailable` and `Retry-After` (stored, not acknowledged: a retry
/// is safe, the tables' keys and the log's exactly-once apply make it idempotent), or, with
/// `tiers.syncDegrade`, is acknowledged as an async write and the table shows `sync_degraded`
/// (the tier, the reason, since when and how many writes) in health, which is then degraded
/// until a sync write succeeds again.
extension ServerTiers {
    /// What health shows of a table whose sync writes degraded to async.
    struct SyncDegradation: Sendable, Hashable {
        var tier: String
        var reason: String
        var since: Int64
        var writes: Int
    }

    /// Waits for `table`'s sync tiers after a write the system of record stored (blocking: from
    /// the store's executor, never an event loop or a cooperative thread).
    /// - Throws: ``WriteError`` 503 `tierUnavailable` when a sync tier cannot take it and
    ///   `tiers.syncDegrade` is off.
    func awaitSync(table: String) throws(WriteError) {
        guard let tiers = tables[table], !tiers.route.sync.isEmpty else { return }
        let names = tiers.route.sync.map(\.rawValue)
        let outcome = tiers.replicator.waitUntilApplied(
            through: tiers.replicator.acceptedPosition, tiers: names, timeout: .milliseconds(syncTimeoutMilliseconds))
        let failure: (tier: String, reason: String)
        switch outcome {
        case .held:
            syncDegradations.withLock { $0[table] = nil }
            return
        case .unavailable(let tier, let reason): failure = (tier, reason)
        case .timedOut(let tier):
            failure = (tier, "it did not confirm within \(syncTimeoutMilliseconds) ms")
        }
        guard syncDegrade else {
            throw WriteError(
                code: "tierUnavailable",
                message:
                    "\(table): stored by the \(systemOfRecord), but the sync tier \(failure.tier) does not hold it yet (\(failure.reason)); retry: the write is idempotent",
                status: 503, table: table)
        }
        let first = syncDegradations.withLock { degradations -> Bool in
            let first = degradations[table] == nil
            var degradation =
                degradations[table]
                ?? SyncDegradation(
                    tier: failure.tier, reason: failure.reason, since: WallClock.now().nanoseconds, writes: 0)
            degradation.tier = failure.tier
            degradation.reason = failure.reason
            degradation.writes += 1
            degradations[table] = degradation
            return first
        }
        if first {
            logger.warning(
                "sync writes degraded to async",
                metadata: ["table": "\(table)", "tier": "\(failure.tier)", "reason": "\(failure.reason)"])
        }
    }
}
