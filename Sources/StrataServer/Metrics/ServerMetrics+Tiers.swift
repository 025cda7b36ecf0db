import Metrics
import StrataTiers
import Synchronization

extension ServerMetrics {
    /// The tiers' gauges and counters, refreshed at each scrape, per table and tier:
    /// - `strata_tier_accepted_position`, `strata_tier_applied_position`: the log's last position
    ///   and the last one the tier holds;
    /// - `strata_tier_backlog_rows`, `strata_tier_backlog_bytes`, `strata_tier_oldest_unapplied_seconds`;
    /// - `strata_tier_breaker_state` (0 closed, 1 open, 2 half-open), `strata_tier_breaker_opened_total`;
    /// - `strata_tier_rebuild_needed` (0/1), `strata_tier_degraded` (0/1);
    /// - `strata_tier_rows_applied_total`;
    /// - `strata_tier_reads_total{table,tier,outcome}` (`hit`, `miss`, `error`; the system of
    ///   record's answers as `tier="engine"` or `"postgresql"`, outcome `hit`).
    func recordTiers(_ tiers: ServerTiers) {
        for tier in tiers.status {
            let dimensions = [("table", tier.table), ("tier", tier.tier)]
            let replication = tier.replication
            gauge("strata_tier_accepted_position", dimensions: dimensions).record(Int64(clamping: replication.accepted))
            gauge("strata_tier_applied_position", dimensions: dimensions).record(Int64(clamping: replication.applied))
            gauge("strata_tier_backlog_rows", dimensions: dimensions).record(replication.backlogRows)
            gauge("strata_tier_backlog_bytes", dimensions: dimensions).record(replication.backlogBytes)
            gauge("strata_tier_oldest_unapplied_seconds", dimensions: dimensions)
                .record(Double(replication.oldestUnappliedAge ?? 0) / 1e9)
            gauge("strata_tier_breaker_state", dimensions: dimensions).record(tier.breaker.state.gauge)
            gauge("strata_tier_rebuild_needed", dimensions: dimensions).record(replication.rebuildNeeded ? 1 : 0)
            gauge("strata_tier_degraded", dimensions: dimensions).record(ServerTiers.isDegraded(tier) ? 1 : 0)
            advance("strata_tier_breaker_opened_total", dimensions, to: tier.breaker.timesOpened)
            advance("strata_tier_rows_applied_total", dimensions, to: tier.rowsApplied)
        }
        for (table, tableTiers) in tiers.tables {
            for (tier, counts) in tableTiers.reader.counts {
                for (outcome, value) in [("hit", counts.hits), ("miss", counts.misses), ("error", counts.errors)] {
                    advance(
                        "strata_tier_reads_total", [("table", table), ("tier", tier), ("outcome", outcome)], to: value)
                }
            }
        }
    }

    /// Moves a counter up to `value` (a figure the tiers keep as a running total).
    private func advance(_ label: String, _ dimensions: [(String, String)], to value: Int) {
        let key = label + dimensions.map { "|" + $0.0 + "=" + $0.1 }.joined()
        let delta = tierCounts.withLock { counts -> Int in
            let delta = value - (counts[key] ?? 0)
            if delta > 0 { counts[key] = value }
            return delta
        }
        if delta > 0 { counter(label, dimensions).increment(by: delta) }
    }
}
