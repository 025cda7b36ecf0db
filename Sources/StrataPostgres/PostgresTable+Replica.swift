import Logging
import PostgresNIO
public import StrataCore

/// PostgreSQL as a replica tier (issue 11): a batch of the system of record's log applied exactly
/// once. The slot's position (`strata_replica_positions`, one row per slot) is read under the
/// table's append lock and written in the append's own transaction, so a batch sent again (after
/// a crash, a lost reply or a restarted server) is recognised and skipped, and a position is
/// never recorded without its rows.
struct ReplicaMark: Sendable {
    var slot: String
    var position: Int64

    static func table(_ namespace: String) -> String { SQL.qualified(namespace, "strata_replica_positions") }

    /// Whether the slot already holds this position (the row is locked until the transaction ends).
    func holds(on connection: PostgresConnection, namespace: String, logger: Logger) async throws -> Bool {
        var binds = PostgresBindings()
        binds.append(slot)
        let rows = try await connection.rows(
            "SELECT position FROM \(Self.table(namespace)) WHERE slot = $1 FOR UPDATE", binds, logger: logger)
        guard let row = rows.first else { return false }
        return try row.decode(Int64.self) >= position
    }

    /// Records the position (in the caller's transaction).
    func record(on connection: PostgresConnection, namespace: String, logger: Logger) async throws {
        var binds = PostgresBindings()
        binds.append(slot)
        binds.append(position)
        try await connection.execute(
            """
            INSERT INTO \(Self.table(namespace)) (slot, position) VALUES ($1, $2)
            ON CONFLICT (slot) DO UPDATE SET position = EXCLUDED.position
            """, binds, logger: logger)
    }
}

extension PostgresTable {
    /// Stores `batch` as the log's entry `position` of the replica `slot`, exactly once.
    ///
    /// ```swift
    /// let applied = try table.applyReplica(entry.batch, slot: "postgresql:trades", position: entry.position)
    /// ```
    /// - Parameters:
    ///   - batch: the rows as the system of record stored them.
    ///   - slot: the replica's name for this table (its position is kept per slot).
    ///   - position: the log's position of the batch (1, 2, 3…).
    /// - Returns: false when the slot already held the position (nothing written).
    /// - Throws: `StrataError` `.io` when PostgreSQL cannot be reached or refuses (nothing written).
    public func applyReplica(_ batch: ColumnBatch, slot: String, position: UInt64) throws -> Bool {
        let mark = ReplicaMark(slot: slot, position: Int64(clamping: position))
        if batch.count == 0 {
            // No rows, but the position still moves (an empty entry is still an entry).
            let (logger, namespace) = (connector.logger, layout.namespace)
            return try connector.run("recording replica position of table \(name)") { client in
                try await client.withConnection { connection in
                    try await connection.inTransaction(logger: logger) { connection in
                        if try await mark.holds(on: connection, namespace: namespace, logger: logger) { return false }
                        try await mark.record(on: connection, namespace: namespace, logger: logger)
                        return true
                    }
                }
            }
        }
        return try !append(batch, replica: mark).skipped
    }
}

extension PostgresBackend {
    /// The migrations of the replica positions' table (scope `strata_replica`).
    static func replicaMigrations(_ namespace: String) -> [PostgresMigration] {
        [
            PostgresMigration(
                version: 1, name: "replica positions",
                up: ["CREATE TABLE \(ReplicaMark.table(namespace)) (slot text PRIMARY KEY, position bigint NOT NULL)"],
                down: ["DROP TABLE \(ReplicaMark.table(namespace))"])
        ]
    }

    /// Makes the table of replica positions (once per schema; nodes starting at once apply it once).
    /// - Throws: `StrataError` `.io` when PostgreSQL cannot be reached or refuses.
    public func prepareReplicas() throws {
        try PostgresMigrator(
            connector: connector, scope: "strata_replica", migrations: Self.replicaMigrations(configuration.schema)
        ).up()
    }

    /// The last position `slot` holds (0 when none).
    /// - Throws: `StrataError` `.io` when PostgreSQL cannot be reached or refuses.
    public func replicaPosition(slot: String) throws -> UInt64 {
        let (logger, table) = (connector.logger, ReplicaMark.table(configuration.schema))
        let binds = Self.binds { $0.append(slot) }
        let position = try connector.run("reading replica position \(slot)") { client in
            try await client.withConnection { connection in
                try await connection.rows("SELECT position FROM \(table) WHERE slot = $1", binds, logger: logger)
                    .first?.decode(Int64.self)
            }
        }
        return UInt64(max(0, position ?? 0))
    }
}
