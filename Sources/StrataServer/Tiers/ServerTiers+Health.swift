import Strata
import StrataCore
import StrataTiers
import Synchronization

extension ServerTiers {
    /// The `tiers` object of `/health/ready` and `/api/v1/tiers`, and whether a tier is degraded.
    ///
    /// ```json
    /// {"status": "ok", "durable": true, "system_of_record": "engine",
    ///  "tables": [{"table": "trades", "write": ["memory", "redis"], "read": ["memory", "redis"],
    ///              "tiers": [{"tier": "redis", "status": "ok", "accepted": 120, "applied": 120,
    ///                         "backlog_rows": 0, "backlog_bytes": 0, "oldest_unapplied_age_ms": null,
    ///                         "breaker": "closed", "breaker_opened": 0, "retry_after_ms": null,
    ///                         "rebuild_needed": false, "last_error": null, "last_success": "…",
    ///                         "rows_applied": 4000, "log_failure": null,
    ///                         "reads": {"hits": 10, "misses": 2, "errors": 0}}]}]}
    /// ```
    func healthJSON() -> (json: JSON, degraded: Bool) {
        var degraded = false
        var tableItems: [JSON] = []
        for name in tables.keys.sorted() {
            let tiers = tables[name]!
            let reads = tiers.reader.counts
            var items: [JSON] = []
            for tier in tiers.replicator.status {
                let bad = Self.isDegraded(tier)
                degraded = degraded || bad
                let counts = reads[tier.tier]
                items.append(
                    .object([
                        ("tier", .string(tier.tier)), ("status", .string(bad ? "degraded" : "ok")),
                        ("accepted", .int(Int64(clamping: tier.replication.accepted))),
                        ("applied", .int(Int64(clamping: tier.replication.applied))),
                        ("backlog_rows", .int(tier.replication.backlogRows)),
                        ("backlog_bytes", .int(tier.replication.backlogBytes)),
                        (
                            "oldest_unapplied_age_ms",
                            tier.replication.oldestUnappliedAge.map { .int($0 / 1_000_000) } ?? .null
                        ),
                        ("breaker", .string(tier.breaker.state.rawValue)),
                        ("breaker_opened", .int(tier.breaker.timesOpened)),
                        ("retry_after_ms", tier.breaker.retryAfter.map { .int($0 / 1_000_000) } ?? .null),
                        ("rebuild_needed", .bool(tier.replication.rebuildNeeded)),
                        ("last_error", tier.lastError.map { .string($0) } ?? .null),
                        ("last_success", tier.lastSuccess.map { .string(Timestamp(nanoseconds: $0).iso8601) } ?? .null),
                        ("rows_applied", .int(tier.rowsApplied)),
                        ("log_failure", tier.logFailure.map { .string($0) } ?? .null),
                        (
                            "reads",
                            counts.map {
                                .object([
                                    ("hits", .int($0.hits)), ("misses", .int($0.misses)), ("errors", .int($0.errors)),
                                ])
                            } ?? .null
                        ),
                    ]))
            }
            let sor = reads[systemOfRecord]
            let degradation = syncDegradations.withLock { $0[name] }
            degraded = degraded || degradation != nil
            tableItems.append(
                .object([
                    ("table", .string(name)), ("write", .array(tiers.route.write.map { .string($0.rawValue) })),
                    ("read", .array(tiers.route.readTiers.map { .string($0.rawValue) })),
                    ("sync", .array(tiers.route.sync.map { .string($0.rawValue) })),
                    (
                        "sync_degraded",
                        degradation.map {
                            .object([
                                ("tier", .string($0.tier)), ("reason", .string($0.reason)),
                                ("since", .string(Timestamp(nanoseconds: $0.since).iso8601)),
                                ("writes", .int($0.writes)),
                            ])
                        } ?? .null
                    ),
                    ("system_of_record_reads", .int(sor?.hits ?? 0)), ("tiers", .array(items)),
                ]))
        }
        var fields: [(String, JSON)] = [
            ("status", .string(degraded ? "degraded" : "ok")), ("durable", .bool(!memoryOnly)),
            ("system_of_record", .string(systemOfRecord)),
        ]
        if let memory {
            let health = memory.health
            if let note = health.note { fields.append(("note", .string(note))) }
            fields.append(
                (
                    "memory",
                    .object([
                        ("hits", .int(health.hits)), ("misses", .int(health.misses)),
                        (
                            "tables",
                            .array(
                                health.tables.map {
                                    .object([
                                        ("table", .string($0.table)), ("symbols", .int($0.symbols)),
                                        ("rows_held", .int($0.rowsHeld)),
                                        ("capacity_per_symbol", .int($0.capacityPerSymbol)),
                                    ])
                                })
                        ),
                    ])
                ))
        }
        fields.append(("tables", .array(tableItems)))
        return (.object(fields), degraded)
    }
}
