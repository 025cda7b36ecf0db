public import StrataCore
public import StrataPostgres
public import StrataTiers

/// PostgreSQL as a replica tier: the system of record (the embedded engine) writes through to
/// PostgreSQL's tables, fed by the ``Replicator`` from the log.
///
/// Each log entry is one PostgreSQL transaction on the backend's table (the same layout, DDL and
/// partitions as the PostgreSQL backend's, so the tables are the ones a `postgresql`-mode node
/// reads): the rows, and the entry's position in `strata_replica_positions` under the slot
/// `<tier>:<table>`. An entry at or below the slot's position is skipped, so a batch sent again
/// after a crash, a lost reply or a PostgreSQL restart is stored exactly once.
///
/// ```swift
/// let backend = try PostgresBackend(configuration: PostgresConfiguration(url: url))
/// let tier = try PostgresReplicaTier(backend: backend, tables: [(RecordSchema.trades, TableOptions())])
/// ```
public final class PostgresReplicaTier: ReplicaTier {
    public let backend: PostgresBackend
    public let name: String
    private let tables: [String: PostgresTable]

    /// Opens (creating when needed) each table on `backend` with its options (those a
    /// PostgreSQL-mode node opens it with, so both see one table), and the positions' table.
    /// - Throws: `StrataError` `.io` when PostgreSQL cannot be reached or refuses.
    public init(
        backend: PostgresBackend, tables: [(schema: RecordSchema, options: TableOptions)], name: String = "postgresql"
    ) throws {
        self.backend = backend
        self.name = name
        try backend.prepareReplicas()
        var opened: [String: PostgresTable] = [:]
        for (schema, options) in tables {
            guard let table = try backend.openTable(schema, options: options) as? PostgresTable else {
                throw TierError(
                    .invalidConfiguration, "postgresql tier: table \(schema.name) did not open as PostgreSQL")
            }
            opened[schema.name] = table
        }
        self.tables = opened
    }

    /// The slot of `table`: `<tier>:<table>`.
    public func slot(table: String) -> String { name + ":" + table }

    /// The PostgreSQL table holding `table`'s replica.
    public func table(named table: String) -> PostgresTable? { tables[table] }

    /// Applies each entry in its own transaction, skipping those the slot already holds.
    /// - Throws: ``TierError`` `.invalidConfiguration` for a table not configured; `StrataError`
    ///   `.io` when PostgreSQL cannot be reached (the replicator's breaker counts it).
    public func apply(table: String, entries: [LogEntry]) async throws {
        try applyBlocking(table: table, entries: entries)
    }

    /// ``apply(table:entries:)`` waiting on the caller's thread (PostgreSQL's calls block it).
    public func applyBlocking(table: String, entries: [LogEntry]) throws {
        guard let target = tables[table] else {
            throw TierError(.invalidConfiguration, "postgresql tier: table \(table) is not configured")
        }
        let slot = slot(table: table)
        for entry in entries {
            _ = try target.applyReplica(entry.batch, slot: slot, position: entry.position)
        }
    }

    /// The last log position the tier holds for `table`.
    /// - Throws: `StrataError` `.io` when PostgreSQL cannot be reached.
    public func appliedPosition(table: String) throws -> UInt64 {
        try backend.replicaPosition(slot: slot(table: table))
    }
}
