import Foundation
import Logging
import PostgresNIO
public import StrataCore

/// PostgreSQL behind the `StorageBackend` seam: each table a PostgreSQL table in the configured
/// schema, created (and evolved) through ``PostgresMigrator`` from its `RecordSchema`.
///
/// ```swift
/// let backend = try PostgresBackend(configuration: PostgresConfiguration(url: "postgres://…/strata"))
/// let store = try StrataStore.open(directory: path, backend: backend, configuration: configuration)
/// ```
///
/// Opening the backend connects once outside the pool, so an unreachable server is said at once
/// (`.io`, naming host, port, database and the cause), then applies the backend's own migrations
/// (scope `strata`: the `strata_tables` catalog and the partition function). Opening a table
/// applies the table's migrations (scope `table:<name>`): version 1 creates it as first
/// declared, each optional column added later is one more (`ALTER TABLE … ADD COLUMN`); a
/// change ``RecordSchema/evolution(from:)`` refuses is refused naming table, column and change.
public final class PostgresBackend: StorageBackend {
    public let configuration: PostgresConfiguration
    let connector: PostgresConnector

    public var name: String { "postgresql" }

    /// Connects and applies the backend's migrations.
    /// - Throws: `StrataError` `.io` naming the server when it cannot be reached or refuses;
    ///   `.invalidArgument` for a schema name that is not an identifier.
    public init(configuration: PostgresConfiguration) throws {
        guard SQL.isIdentifier(configuration.schema) else {
            throw StrataError(
                .invalidArgument, "the PostgreSQL schema name '\(configuration.schema)' is not an identifier")
        }
        self.configuration = configuration
        connector = try PostgresConnector(configuration)
        do {
            try connector.probe()
            try PostgresMigrator(
                connector: connector, scope: "strata", migrations: Self.migrations(configuration.schema)
            )
            .upOnStart()
            try PostgresMigrator(
                connector: connector, scope: Self.partitionScope,
                migrations: Self.partitionMigrations(configuration.schema)
            ).upOnStart()
        } catch {
            connector.shutdown()
            throw error
        }
    }

    /// The backend's own migrations in `namespace`.
    static func migrations(_ namespace: String) -> [PostgresMigration] {
        let tables = SQL.qualified(namespace, "strata_tables")
        let ensure = SQL.qualified(namespace, "strata_ensure_partition")
        return [
            PostgresMigration(
                version: 1, name: "table catalog",
                up: [
                    """
                    CREATE TABLE \(tables) (
                        name text PRIMARY KEY, layout text NOT NULL, created_layout text NOT NULL,
                        partition_width bigint NOT NULL, absent_values boolean NOT NULL,
                        duplicates_skipped bigint NOT NULL DEFAULT 0, overwrites bigint NOT NULL DEFAULT 0)
                    """
                ],
                down: ["DROP TABLE \(tables)"]),
            PostgresMigration(
                version: 2, name: "partition function",
                up: [
                    // Bounds arrive as parameters and are formatted as integers (%s of bigint),
                    // names as identifiers (%I): no value is ever spliced into the DDL by a client.
                    """
                    CREATE FUNCTION \(ensure)(namespace text, parent text, part text, lo bigint, hi bigint)
                    RETURNS void LANGUAGE plpgsql AS $body$
                    BEGIN
                        IF to_regclass(format('%I.%I', namespace, part)) IS NULL THEN
                            EXECUTE format('CREATE TABLE %I.%I PARTITION OF %I.%I FOR VALUES FROM (%s) TO (%s)',
                                namespace, part, namespace, parent, lo, hi);
                        END IF;
                    END
                    $body$
                    """
                ],
                down: ["DROP FUNCTION \(ensure)(text, text, text, bigint, bigint)"]),
        ]
    }

    public func openTable(_ schema: RecordSchema, options: TableOptions) throws -> any BackendTable {
        try openPostgresTable(schema, options: options)
    }

    /// Opens (creating or evolving) the table `schema` describes; `bars` upserts the bars of
    /// each append (the trades').
    func openPostgresTable(_ schema: RecordSchema, options: TableOptions, bars: PostgresBars.Writer? = nil) throws
        -> PostgresTable
    {
        guard schema.name.utf8.count <= 40 else {
            throw StrataError(
                .invalidArgument,
                "table \(schema.name): PostgreSQL keeps names of at most 63 bytes, and its partitions' names need 23 more: at most 40 bytes"
            )
        }
        let width = options.partitionDuration ?? schema.partitioning.nanoseconds
        guard width > 0 else {
            throw StrataError(.invalidArgument, "table \(schema.name): partition width must be > 0")
        }
        let namespace = configuration.schema
        let layout = PostgresTableLayout(
            schema: schema, namespace: namespace, partitionWidth: width, absentValues: options.absentValues)
        let logger = connector.logger
        let catalog = SQL.qualified(namespace, "strata_tables")
        let binds = Self.binds { $0.append(schema.name) }
        let stored = try connector.run("reading the catalog entry of table \(schema.name)") { client in
            try await client.withConnection { connection in
                try await connection.rows(
                    "SELECT layout, created_layout, partition_width, absent_values FROM \(catalog) WHERE name = $1",
                    binds,
                    logger: logger
                ).first.map { try $0.decode((String, String, Int64, Bool).self) }
            }
        }
        var migrations: [PostgresMigration]
        if let stored {
            let current = try Self.decodeSchema(stored.0, table: schema.name)
            let created = try Self.decodeSchema(stored.1, table: schema.name)
            guard stored.2 == width else {
                throw StrataError(
                    .invalidArgument,
                    "table \(schema.name): stored with partitions of \(stored.2) ns, opened with \(width) ns (a stored table cannot change so)"
                )
            }
            guard stored.3 == options.absentValues else {
                throw StrataError(
                    .invalidArgument,
                    "table \(schema.name): stored with absent values \(stored.3 ? "on" : "off"), opened with them \(options.absentValues ? "on" : "off")"
                )
            }
            do {
                _ = try schema.evolution(from: current)  // only columns added at the end
            } catch {
                throw StrataError(.invalidArgument, "\(error)")
            }
            migrations = Self.tableMigrations(
                schema, created: created, namespace: namespace, partitionWidth: width,
                absentValues: options.absentValues)
        } else {
            migrations = [layout.createMigration()]
        }
        try PostgresMigrator(connector: connector, scope: "table:" + schema.name, migrations: migrations).upOnStart()
        let text = try Self.encodeSchema(schema)
        var record = PostgresBindings()
        record.append(schema.name)
        record.append(text)
        record.append(width)
        record.append(options.absentValues)
        let recorded = record
        try connector.run("recording table \(schema.name)") { client in
            try await client.withConnection { connection in
                try await connection.execute(
                    """
                    INSERT INTO \(catalog) (name, layout, created_layout, partition_width, absent_values)
                    VALUES ($1, $2, $2, $3, $4) ON CONFLICT (name) DO UPDATE SET layout = EXCLUDED.layout
                    """, recorded, logger: logger)
            }
        }
        return PostgresTable(layout: layout, connector: connector, bars: bars)
    }

    /// The migrations of a stored table's scope (`table:<name>`): version 1 creates it as it was
    /// first stored (`created`), each later version adds one column `schema` has beyond that, in
    /// order (``RecordSchema/evolution(from:)`` allows columns added at the end only, so these are
    /// the versions applied so far and the ones `schema` adds).
    static func tableMigrations(
        _ schema: RecordSchema, created: RecordSchema, namespace: String, partitionWidth: Int64, absentValues: Bool
    ) -> [PostgresMigration] {
        let layout = PostgresTableLayout(
            schema: schema, namespace: namespace, partitionWidth: partitionWidth, absentValues: absentValues)
        let createdLayout = PostgresTableLayout(
            schema: created, namespace: namespace, partitionWidth: partitionWidth, absentValues: absentValues)
        var migrations = [createdLayout.createMigration()]
        for column in schema.columns where !created.columns.contains(where: { $0.name == column.name }) {
            migrations.append(layout.addColumnMigration(column, version: migrations.count + 1))
        }
        return migrations
    }

    /// Whether the catalog lists the table (true when it cannot be read: always safe).
    public func holdsTable(named name: String) -> Bool {
        let (logger, catalog) = (connector.logger, SQL.qualified(configuration.schema, "strata_tables"))
        let binds = Self.binds { $0.append(name) }
        let found = try? connector.run("looking up table \(name)") { client in
            try await client.withConnection { connection in
                try await !connection.rows("SELECT 1 FROM \(catalog) WHERE name = $1", binds, logger: logger).isEmpty
            }
        }
        return found ?? true
    }

    /// A migrator of the application's own migrations on this backend's pool and schema.
    public func migrator(scope: String, migrations: [PostgresMigration]) throws -> PostgresMigrator {
        try PostgresMigrator.check(configuration, migrations)
        return PostgresMigrator(connector: connector, scope: scope, migrations: migrations)
    }

    /// Stops the pool (its connections close); tables opened from it then fail with `.closed`.
    public func close() throws { connector.shutdown() }

    static func binds(_ fill: (inout PostgresBindings) -> Void) -> PostgresBindings {
        var binds = PostgresBindings()
        fill(&binds)
        return binds
    }

    static func encodeSchema(_ schema: RecordSchema) throws -> String {
        do {
            return String(decoding: try JSONEncoder().encode(schema), as: UTF8.self)
        } catch {
            throw StrataError(.invalidArgument, "table \(schema.name): its schema cannot be recorded: \(error)")
        }
    }

    static func decodeSchema(_ text: String, table: String) throws -> RecordSchema {
        do {
            return try JSONDecoder().decode(RecordSchema.self, from: Data(text.utf8))
        } catch {
            throw StrataError(
                .corruptFile, "table \(table): the layout recorded in strata_tables is unreadable: \(error)")
        }
    }
}
