import PostgresNIO
public import StrataCore

/// Every migration a store over PostgreSQL applies, scope by scope, for an operator to look at,
/// apply ahead or roll back (`strata migrate status|up|down`) without opening the store.
///
/// The scopes are those ``PostgresBackend`` applies as it opens: `strata` (the catalog and the
/// partition function), `strata:partitions` (the partition function's later versions: BRIN),
/// `table:<name>` for each table (version 1 creates it as first declared, each later optional
/// column is one more version), `bars` (the trades' bar tables) and `keyed` (orders, jobs,
/// anomalies). A node with `migrateOnStart` off applies none of them itself. A table already in the catalog
/// gets its migrations from what the catalog recorded (as ``PostgresBackend/openTable(_:options:)``
/// does), plus an `ADD COLUMN` for each optional column the given schema adds.
///
/// ```swift
/// let plan = try PostgresMigrationPlan(configuration: configuration)
/// defer { plan.close() }
/// for migrator in try plan.migrators(tables: [(.trades, TableOptions(absentValues: false))]) {
///     print(migrator.scope, try migrator.status())
/// }
/// ```
public final class PostgresMigrationPlan: Sendable {
    let connector: PostgresConnector

    /// Connects (one probe, so an unreachable server is said at once).
    /// - Throws: `StrataError` `.io` naming the host and the cause; `.invalidArgument` for a
    ///   schema name that is not an identifier.
    public init(configuration: PostgresConfiguration) throws {
        guard SQL.isIdentifier(configuration.schema) else {
            throw StrataError(
                .invalidArgument, "the PostgreSQL schema name '\(configuration.schema)' is not an identifier")
        }
        connector = try PostgresConnector(configuration)
        do {
            try connector.probe()
        } catch {
            connector.shutdown()
            throw error
        }
    }

    /// Releases the pool.
    public func close() { connector.shutdown() }

    /// The migrators of scope `strata`, then of each table, in the order given, then `bars` (the
    /// trades' bar tables, when `bars` and the trades are among `tables`) and `keyed` (orders,
    /// jobs, anomalies).
    /// - Throws: `StrataError` `.io` when the catalog cannot be read; `.invalidArgument` for a
    ///   table whose stored partition width differs or whose schema changes in a way
    ///   ``RecordSchema/evolution(from:)`` refuses.
    public func migrators(tables: [(schema: RecordSchema, options: TableOptions)], bars: Bool = true) throws
        -> [PostgresMigrator]
    {
        let namespace = connector.configuration.schema
        var result = [
            PostgresMigrator(
                connector: connector, scope: "strata", migrations: PostgresBackend.migrations(namespace)),
            PostgresMigrator(
                connector: connector, scope: PostgresBackend.partitionScope,
                migrations: PostgresBackend.partitionMigrations(namespace)),
        ]
        let catalog = SQL.qualified(namespace, "strata_tables")
        let logger = connector.logger
        var regclass = PostgresBindings()
        regclass.append(namespace + ".strata_tables")
        let lookup = regclass
        let stored: [String: (String, Int64, Bool)] = try connector.run("reading the table catalog") { client in
            try await client.withConnection { connection in
                let exists =
                    try await connection.rows(
                        "SELECT to_regclass($1) IS NOT NULL", lookup, logger: logger
                    ).first.map { try $0.decode(Bool.self) } ?? false
                guard exists else { return [:] }
                var entries: [String: (String, Int64, Bool)] = [:]
                for row in try await connection.rows(
                    "SELECT name, created_layout, partition_width, absent_values FROM \(catalog)", logger: logger)
                {
                    let (name, created, width, absent) = try row.decode((String, String, Int64, Bool).self)
                    entries[name] = (created, width, absent)
                }
                return entries
            }
        }
        for (schema, options) in tables {
            let width = options.partitionDuration ?? schema.partitioning.nanoseconds
            var migrations: [PostgresMigration]
            if let entry = stored[schema.name] {
                let (createdText, storedWidth, absent) = entry
                guard storedWidth == width else {
                    throw StrataError(
                        .invalidArgument,
                        "table \(schema.name): stored with partitions of \(storedWidth) ns, configured with \(width) ns"
                    )
                }
                let created = try PostgresBackend.decodeSchema(createdText, table: schema.name)
                do {
                    _ = try schema.evolution(from: created)
                } catch {
                    throw StrataError(.invalidArgument, "\(error)")
                }
                migrations = PostgresBackend.tableMigrations(
                    schema, created: created, namespace: namespace, partitionWidth: width, absentValues: absent)
            } else {
                let layout = PostgresTableLayout(
                    schema: schema, namespace: namespace, partitionWidth: width, absentValues: options.absentValues)
                migrations = [layout.createMigration()]
            }
            result.append(PostgresMigrator(connector: connector, scope: "table:" + schema.name, migrations: migrations))
        }
        if bars, let trades = tables.first(where: { $0.schema == .trades })?.schema {
            let writer = try PostgresBars.Writer(trades: trades, namespace: namespace)
            result.append(
                PostgresMigrator(
                    connector: connector, scope: PostgresBars.scope,
                    migrations: PostgresBars.migrations(namespace, writer: writer, trades: trades)))
        }
        result.append(
            PostgresMigrator(connector: connector, scope: "keyed", migrations: KeyedSchema.migrations(namespace)))
        return result
    }

    /// Every scope recorded in `strata_migrations` (a table this configuration does not name, an
    /// application's own), with its highest applied version.
    public func recordedScopes() throws -> [(scope: String, version: Int)] {
        let ledger = SQL.qualified(connector.configuration.schema, "strata_migrations")
        let logger = connector.logger
        var regclass = PostgresBindings()
        regclass.append(connector.configuration.schema + ".strata_migrations")
        let lookup = regclass
        return try connector.run("reading strata_migrations") { client in
            try await client.withConnection { connection in
                let exists =
                    try await connection.rows(
                        "SELECT to_regclass($1) IS NOT NULL", lookup, logger: logger
                    ).first.map { try $0.decode(Bool.self) } ?? false
                guard exists else { return [] }
                return try await connection.rows(
                    "SELECT scope, max(version)::bigint FROM \(ledger) GROUP BY scope ORDER BY scope", logger: logger
                ).map { row in
                    let (scope, version) = try row.decode((String, Int64).self)
                    return (scope, Int(version))
                }
            }
        }
    }
}
