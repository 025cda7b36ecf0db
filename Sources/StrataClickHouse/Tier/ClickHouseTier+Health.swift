import StrataCore
import Synchronization

/// The ClickHouse tier as health shows it, beside the replicator's view of it
/// (`Replicator.status`: accepted vs applied position, backlog, breaker).
public struct ClickHouseTierHealth: Sendable, Hashable, Codable {
    public var tier: String
    /// Whether `SELECT version()` answered.
    public var reachable: Bool
    public var version: String?
    /// How long that took, in nanoseconds.
    public var latencyNanoseconds: Int64?
    /// Per table the last log position ClickHouse holds (its ledger), when reachable.
    public var appliedPositions: [String: UInt64]
    /// The last failure of a call (nil once a call ended well), or why health could not ask.
    public var lastError: String?
    /// Rows inserted by this process.
    public var insertedRows: Int
    /// Log entries sent again that ClickHouse already held (skipped).
    public var skippedEntries: Int
    /// (position, month) units a view missed and the tier re-derived.
    public var repairedViewUnits: Int
}

extension ClickHouseTier {
    /// Asks ClickHouse for its version and ledger; never throws: an unreachable server is a
    /// health with `reachable: false` and the reason.
    public func health() async -> ClickHouseTierHealth {
        let started = ContinuousClock.now
        var health = state.withLock { state in
            ClickHouseTierHealth(
                tier: name, reachable: false, version: nil, latencyNanoseconds: nil, appliedPositions: [:],
                lastError: state.lastError, insertedRows: state.insertedRows, skippedEntries: state.skippedEntries,
                repairedViewUnits: state.repairedViewUnits)
        }
        do {
            let version = try await client.version()
            health.reachable = true
            health.version = version.description
            health.latencyNanoseconds = ClickHouseClient.nanoseconds(ContinuousClock.now - started)
            for schema in configuration.tables {
                health.appliedPositions[schema.name] = try await appliedPosition(table: schema.name)
            }
        } catch {
            // A ledger not created yet is a server that answers with nothing applied.
            if error.serverCode != 60 { health.lastError = error.description }
        }
        return health
    }
}
