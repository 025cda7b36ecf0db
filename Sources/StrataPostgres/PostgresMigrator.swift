import Logging
import PostgresNIO
import StrataCore

/// One versioned change of a PostgreSQL schema: statements to apply it and to revert it.
///
/// Statements run one by one in one transaction (PostgreSQL's DDL is transactional), so a
/// failing migration leaves nothing behind. The checksum covers the name and both directions:
/// a migration edited after it was applied is refused.
public struct PostgresMigration: Sendable, Hashable {
    public let version: Int
    public let name: String
    public let up: [String]
    public let down: [String]

    public init(version: Int, name: String, up: [String], down: [String]) {
        self.version = version
        self.name = name
        self.up = up
        self.down = down
    }

    /// SHA-256 (hex) of the name and the statements of both directions.
    public var checksum: String {
        var hash = SHA256()
        hash.update(Array(name.utf8))
        for statement in up { hash.update([0, 1] + Array(statement.utf8)) }
        for statement in down { hash.update([0, 2] + Array(statement.utf8)) }
        return hash.finalize().description
    }
}

/// Where one migration stands on the server.
public struct PostgresMigrationStatus: Sendable, Hashable {
    public enum State: String, Sendable, Hashable {
        /// Applied, with the checksum this migration has now.
        case applied
        /// Not applied.
        case pending
        /// Applied with another checksum: the migration was edited since (refused by up and down).
        case changed
        /// Applied, but this migrator does not know the version (newer code applied it).
        case unknown
    }

    public var version: Int
    public var name: String
    public var state: State
    /// When it was applied (the server's `applied_at`, ISO 8601 text), if it was.
    public var appliedAt: String?
}

/// Applies versioned migrations to a PostgreSQL schema, recorded in `<schema>.strata_migrations`
/// (`scope, version, name, checksum, applied_at`).
///
/// A migrator works on one *scope* of that table: an application's migrations, or the tables a
/// ``PostgresBackend`` creates (scope `table:<name>`, each table's DDL and added columns as
/// migrations). `up` and `down` hold a session advisory lock on the schema's migrations, so two
/// nodes starting at once apply each migration once: the second waits, then finds it applied.
///
/// ```swift
/// let migrator = try PostgresMigrator(configuration: configuration, scope: "app", migrations: [
///     PostgresMigration(version: 1, name: "accounts", up: ["CREATE TABLE accounts (id bigint)"],
///                       down: ["DROP TABLE accounts"]),
/// ])
/// try migrator.up()
/// ```
public final class PostgresMigrator: Sendable {
    public let scope: String
    public let migrations: [PostgresMigration]
    let connector: PostgresConnector
    private let ownsConnector: Bool

    /// A migrator with its own connection pool (closed by ``close()``).
    /// - Throws: `StrataError` `.invalidArgument` for versions not unique and positive or a bad
    ///   schema name; `.io` naming the host when the server cannot be reached.
    public convenience init(configuration: PostgresConfiguration, scope: String, migrations: [PostgresMigration])
        throws
    {
        try Self.check(configuration, migrations)
        let connector = try PostgresConnector(configuration)
        do {
            try connector.probe()
        } catch {
            connector.shutdown()
            throw error
        }
        self.init(connector: connector, scope: scope, migrations: migrations, owns: true)
    }

    init(connector: PostgresConnector, scope: String, migrations: [PostgresMigration], owns: Bool = false) {
        self.connector = connector
        self.scope = scope
        self.migrations = migrations.sorted { $0.version < $1.version }
        ownsConnector = owns
    }

    static func check(_ configuration: PostgresConfiguration, _ migrations: [PostgresMigration]) throws {
        guard SQL.isIdentifier(configuration.schema) else {
            throw StrataError(
                .invalidArgument, "the PostgreSQL schema name '\(configuration.schema)' is not an identifier")
        }
        var seen = Set<Int>()
        for migration in migrations {
            guard migration.version > 0, seen.insert(migration.version).inserted else {
                throw StrataError(
                    .invalidArgument, "migration versions must be positive and unique (\(migration.version))")
            }
        }
    }

    /// Releases the pool if this migrator opened it.
    public func close() { if ownsConnector { connector.shutdown() } }

    private var schema: String { connector.configuration.schema }
    private var ledger: String { SQL.qualified(schema, "strata_migrations") }

    /// Applies every pending migration up to `target` (all by default), in version order, each in
    /// its own transaction.
    /// - Returns: the versions applied.
    /// - Throws: `StrataError` `.invalidArgument` if an applied migration was edited (checksum);
    ///   `.io` naming the host, the migration and PostgreSQL's message when one fails (it was
    ///   rolled back: the schema is as the previous migration left it).
    @discardableResult
    public func up(to target: Int? = nil) throws -> [Int] {
        let migrations = self.migrations.filter { $0.version <= (target ?? .max) }
        let (scope, ledger, logger) = (self.scope, self.ledger, connector.logger)
        return try locked("migrating \(scope) up") { connection in
            let applied = try await Self.applied(connection, ledger: ledger, scope: scope, logger: logger)
            try Self.verify(migrations, against: applied, scope: scope)
            var done: [Int] = []
            for migration in migrations where applied[migration.version] == nil {
                try await Self.apply(migration, connection, ledger: ledger, scope: scope, logger: logger)
                done.append(migration.version)
            }
            return done
        }
    }

    /// What a node does with this scope as it opens: applies what is pending when
    /// `migrateOnStart` (``PostgresConfiguration/migrateOnStart``), and otherwise only checks —
    /// reading the ledger, creating nothing — that every migration is applied.
    /// - Throws: `StrataError` `.unsupportedFormat` naming the first missing scope and version
    ///   and the command that applies it; as ``up(to:)`` otherwise.
    func upOnStart() throws {
        guard !connector.configuration.migrateOnStart else {
            try up()
            return
        }
        let (scope, ledger, logger, migrations) = (self.scope, self.ledger, connector.logger, self.migrations)
        var lookup = PostgresBindings()
        lookup.append(schema + ".strata_migrations")
        let regclass = lookup
        let applied = try connector.run("checking the migrations of \(scope)") { client in
            try await client.withConnection { connection in
                let exists =
                    try await connection.rows("SELECT to_regclass($1) IS NOT NULL", regclass, logger: logger)
                    .first.map { try $0.decode(Bool.self) } ?? false
                guard exists else { return [Int: Applied]() }
                return try await Self.applied(connection, ledger: ledger, scope: scope, logger: logger)
            }
        }
        try Self.verify(migrations, against: applied, scope: scope)
        guard let missing = migrations.first(where: { applied[$0.version] == nil }) else { return }
        throw StrataError(
            .unsupportedFormat,
            "PostgreSQL at \(connector.configuration.endpoint) (schema \(schema)) lacks migration \(scope) version \(missing.version) (\(missing.name)), and postgres.migrate_on_start is false: run `strata migrate up` with this configuration first"
        )
    }

    /// Reverts every applied migration above `target`, newest first, each in its own transaction.
    /// - Returns: the versions reverted.
    @discardableResult
    public func down(to target: Int) throws -> [Int] {
        let migrations = self.migrations
        let (scope, ledger, logger) = (self.scope, self.ledger, connector.logger)
        return try locked("migrating \(scope) down") { connection in
            let applied = try await Self.applied(connection, ledger: ledger, scope: scope, logger: logger)
            try Self.verify(migrations, against: applied, scope: scope)
            var done: [Int] = []
            for version in applied.keys.sorted(by: >) where version > target {
                guard let migration = migrations.first(where: { $0.version == version }) else {
                    throw StrataError(
                        .invalidArgument,
                        "migration \(version) of \(scope) is applied but unknown here: it cannot be reverted")
                }
                try await connection.inTransaction(logger: logger) { connection in
                    do {
                        for statement in migration.down { try await connection.execute(statement, logger: logger) }
                    } catch {
                        throw Failure(version: version, name: migration.name, cause: error)
                    }
                    var binds = PostgresBindings()
                    binds.append(scope)
                    binds.append(version)
                    try await connection.execute(
                        "DELETE FROM \(ledger) WHERE scope = $1 AND version = $2", binds, logger: logger)
                }
                done.append(version)
            }
            return done
        }
    }

    /// Every migration known here or applied, in version order, with its state.
    public func status() throws -> [PostgresMigrationStatus] {
        let migrations = self.migrations
        let (scope, ledger, logger) = (self.scope, self.ledger, connector.logger)
        return try locked("reading migration status of \(scope)") { connection in
            let applied = try await Self.applied(connection, ledger: ledger, scope: scope, logger: logger)
            var result: [PostgresMigrationStatus] = migrations.map { migration in
                guard let row = applied[migration.version] else {
                    return PostgresMigrationStatus(version: migration.version, name: migration.name, state: .pending)
                }
                return PostgresMigrationStatus(
                    version: migration.version, name: migration.name,
                    state: row.checksum == migration.checksum ? .applied : .changed, appliedAt: row.appliedAt)
            }
            for (version, row) in applied where !migrations.contains(where: { $0.version == version }) {
                result.append(
                    PostgresMigrationStatus(version: version, name: row.name, state: .unknown, appliedAt: row.appliedAt)
                )
            }
            return result.sorted { $0.version < $1.version }
        }
    }

    /// A migration that failed, for the error message.
    struct Failure: Error {
        var version: Int
        var name: String
        var cause: any Error
    }

    /// `body` on one connection holding the schema's migration lock, the ledger created first.
    func locked<T: Sendable>(
        _ what: String, _ body: @escaping @Sendable (PostgresConnection) async throws -> T
    ) throws -> T {
        let (schema, ledger, logger) = (self.schema, self.ledger, connector.logger)
        let endpoint = connector.configuration.endpoint
        return try connector.run(what) { client in
            do {
                return try await client.withConnection { connection in
                    try await connection.withAdvisoryLock("strata_migrations:" + schema, logger: logger) { connection in
                        try await connection.execute("CREATE SCHEMA IF NOT EXISTS \(SQL.quote(schema))", logger: logger)
                        try await connection.execute(
                            """
                            CREATE TABLE IF NOT EXISTS \(ledger) (
                                scope text NOT NULL, version integer NOT NULL, name text NOT NULL,
                                checksum text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now(),
                                PRIMARY KEY (scope, version))
                            """, logger: logger)
                        return try await body(connection)
                    }
                }
            } catch let error as Failure {
                throw StrataError(
                    .io,
                    "PostgreSQL at \(endpoint): migration \(error.version) (\(error.name)) failed and was rolled back: \(PostgresConnector.cause(error.cause))"
                )
            }
        }
    }

    struct Applied: Sendable {
        var name: String
        var checksum: String
        var appliedAt: String
    }

    static func applied(_ connection: PostgresConnection, ledger: String, scope: String, logger: Logger) async throws
        -> [Int: Applied]
    {
        var binds = PostgresBindings()
        binds.append(scope)
        var result: [Int: Applied] = [:]
        let rows = try await connection.rows(
            """
            SELECT version, name, checksum, to_char(applied_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')
            FROM \(ledger) WHERE scope = $1
            """, binds, logger: logger)
        for row in rows {
            let (version, name, checksum, at) = try row.decode((Int, String, String, String).self)
            result[version] = Applied(name: name, checksum: checksum, appliedAt: at)
        }
        return result
    }

    static func verify(_ migrations: [PostgresMigration], against applied: [Int: Applied], scope: String) throws {
        for migration in migrations {
            guard let row = applied[migration.version], row.checksum != migration.checksum else { continue }
            throw StrataError(
                .invalidArgument,
                "migration \(migration.version) (\(migration.name)) of \(scope) was edited after it was applied: checksum \(row.checksum.prefix(12))… applied, \(migration.checksum.prefix(12))… now"
            )
        }
    }

    static func apply(
        _ migration: PostgresMigration, _ connection: PostgresConnection, ledger: String, scope: String, logger: Logger
    ) async throws {
        try await connection.inTransaction(logger: logger) { connection in
            do {
                for statement in migration.up { try await connection.execute(statement, logger: logger) }
            } catch {
                throw Failure(version: migration.version, name: migration.name, cause: error)
            }
            var binds = PostgresBindings()
            binds.append(scope)
            binds.append(migration.version)
            binds.append(migration.name)
            binds.append(migration.checksum)
            try await connection.execute(
                "INSERT INTO \(ledger) (scope, version, name, checksum) VALUES ($1, $2, $3, $4)", binds, logger: logger)
        }
    }
}
