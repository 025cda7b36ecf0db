public import Strata
public import StrataPostgres

/// The deployment modes (issue 10): where the tables live and what stays on the node's disk.
///
/// | `backend` | Tables | Local data directory |
/// |---|---|---|
/// | `embedded` | the embedded engine, in `data` | everything |
/// | `embedded+postgresql` | PostgreSQL (`postgres.url`) | the node's own state: its lock (one process per directory), the incident ledger, the retention policy saved by `strata retention set`, the ILP quarantine of refused lines, the audit trail and the quality monitor's state |
/// | `postgresql` | PostgreSQL | none: a private temporary directory holds the same files for the process's life (removed at exit); retention comes from the configuration only |
///
/// Continuous bars (`aggregates`) are kept where the tables are: in the PostgreSQL modes as bar
/// tables upserted in each trades append's transaction. Migrations (the catalog and every table) are applied at start, under an advisory
/// lock, so nodes starting at once apply each once; `strata migrate` runs them ahead. With
/// `postgres.migrateOnStart` false a node applies none: it refuses to start while one is missing.
extension ServerConfiguration {
    public enum BackendMode: String, Sendable, Hashable, CaseIterable {
        /// Tables in the embedded engine, in the data directory (the default).
        case embedded
        /// Tables on PostgreSQL; the node's own state in the data directory.
        case embeddedPostgres = "embedded+postgresql"
        /// Tables on PostgreSQL; no data directory (a stateless API node).
        case postgres = "postgresql"

        /// Whether the tables live on PostgreSQL.
        public var usesPostgres: Bool { self != .embedded }
    }

    /// `postgres.…` / `STRATA_POSTGRES_…`: what ``StrataPostgres/PostgresConfiguration`` gets.
    /// Only ``url`` is required; the other keys override what the URL says.
    public struct Postgres: Sendable, Hashable {
        /// `postgres.url`, `STRATA_POSTGRES_URL`: `postgres://user:password@host:port/database`
        /// (`?sslmode=require&schema=name&pool=8` accepted too).
        public var url: String?
        /// `postgres.password`, `STRATA_POSTGRES_PASSWORD`: keeps the secret out of the URL.
        public var password: String?
        /// `postgres.schema`, `STRATA_POSTGRES_SCHEMA`: the PostgreSQL schema of the tables (`public`).
        public var schema: String?
        /// `postgres.poolSize`, `STRATA_POSTGRES_POOL_SIZE`: most connections (4).
        public var poolSize: Int?
        /// `postgres.tls`, `STRATA_POSTGRES_TLS`: `disable` or `require` (certificate verified
        /// against the system's roots).
        public var tls: PostgresConfiguration.TLSMode?
        /// `postgres.connectTimeoutMilliseconds`, `STRATA_POSTGRES_CONNECT_TIMEOUT_MILLISECONDS` (5000).
        public var connectTimeoutMilliseconds: Int?
        /// `postgres.operationTimeoutMilliseconds`, `STRATA_POSTGRES_OPERATION_TIMEOUT_MILLISECONDS`:
        /// how long one query or append may take, waiting for a connection included (10000). While
        /// PostgreSQL is down a write fails after it with 503 and `Retry-After`.
        public var operationTimeoutMilliseconds: Int?
        /// `postgres.migrateOnStart` (or `postgres.migrate_on_start`), `STRATA_POSTGRES_MIGRATE_ON_START`:
        /// whether the node applies pending migrations as it starts (true); when false a node whose
        /// database lacks one refuses to start, naming it and `strata migrate up`.
        public var migrateOnStart: Bool?

        public init() {}
    }

    /// The PostgreSQL connection of a PostgreSQL mode (nil in `embedded`).
    /// - Throws: ``ConfigurationError`` naming the key of a missing or bad value.
    public func postgresConfiguration() throws(ConfigurationError) -> PostgresConfiguration? {
        guard backend.usesPostgres else { return nil }
        guard let url = postgres.url, !url.isEmpty else {
            throw ConfigurationError(
                key: "postgres.url",
                message: "backend \(backend.rawValue) needs a PostgreSQL URL (postgres.url / STRATA_POSTGRES_URL)")
        }
        var result: PostgresConfiguration
        do {
            result = try PostgresConfiguration(url: url)
        } catch {
            throw ConfigurationError(key: "postgres.url", message: (error as? StrataError)?.message ?? "\(error)")
        }
        // A server is given its own, shorter default than the library's: a write that cannot
        // reach PostgreSQL should come back as a 503 well before a client's own timeout.
        result.operationTimeout = .seconds(10)
        if let password = postgres.password { result.password = password }
        if let schema = postgres.schema { result.schema = schema }
        if let tls = postgres.tls { result.tls = tls }
        if let size = postgres.poolSize { result.poolSize = size }
        if let value = postgres.connectTimeoutMilliseconds { result.connectTimeout = .milliseconds(value) }
        if let value = postgres.operationTimeoutMilliseconds { result.operationTimeout = .milliseconds(value) }
        if let value = postgres.migrateOnStart { result.migrateOnStart = value }
        guard (1...1_000).contains(result.poolSize) else {
            throw ConfigurationError(key: "postgres.poolSize", message: "must be 1...1000, got \(result.poolSize)")
        }
        guard SQLName.isIdentifier(result.schema) else {
            throw ConfigurationError(
                key: "postgres.schema",
                message: "'\(result.schema)' is not a lowercase identifier (a-z, 0-9, _; at most 63 bytes)")
        }
        return result
    }

    /// The backend keys, checked with the rest by ``validate()``.
    func validateBackend() throws(ConfigurationError) {
        for (key, value) in [
            ("postgres.connectTimeoutMilliseconds", postgres.connectTimeoutMilliseconds),
            ("postgres.operationTimeoutMilliseconds", postgres.operationTimeoutMilliseconds),
        ] {
            if let value, value <= 0 { throw ConfigurationError(key: key, message: "must be > 0, got \(value)") }
        }
        _ = try postgresConfiguration()
    }

    /// `backend` / `STRATA_BACKEND`.
    static func backendMode(_ text: String, key: String) throws(ConfigurationError) -> BackendMode {
        guard let mode = BackendMode(rawValue: text) else {
            throw ConfigurationError(
                key: key,
                message: "unknown backend '\(text)' (\(BackendMode.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        return mode
    }

    static func tlsMode(_ text: String, key: String) throws(ConfigurationError) -> PostgresConfiguration.TLSMode {
        guard let mode = PostgresConfiguration.TLSMode(rawValue: text) else {
            throw ConfigurationError(key: key, message: "unknown TLS mode '\(text)' (disable, require)")
        }
        return mode
    }

    /// The `postgres` object of the file.
    mutating func applyPostgres(json value: JSONValue) throws(ConfigurationError) {
        try JSONReader(prefix: "postgres.").object(value) { (key, value) throws(ConfigurationError) in
            let name = "postgres." + key
            switch key {
            case "url": postgres.url = try JSONReader.string(value, key: name)
            case "password": postgres.password = try JSONReader.string(value, key: name)
            case "schema": postgres.schema = try JSONReader.string(value, key: name)
            case "poolSize": postgres.poolSize = try JSONReader.int(value, key: name)
            case "tls": postgres.tls = try Self.tlsMode(try JSONReader.string(value, key: name), key: name)
            case "connectTimeoutMilliseconds":
                postgres.connectTimeoutMilliseconds = try JSONReader.int(value, key: name)
            case "operationTimeoutMilliseconds":
                postgres.operationTimeoutMilliseconds = try JSONReader.int(value, key: name)
            case "migrateOnStart", "migrate_on_start":
                postgres.migrateOnStart = try JSONReader.bool(value, key: name)
            default: throw JSONReader.unknown(name)
            }
        }
    }

    /// One `STRATA_BACKEND` / `STRATA_POSTGRES_…` variable; false if `key` is none of them.
    mutating func applyPostgres(variable key: String, value: String) throws(ConfigurationError) -> Bool {
        switch key {
        case "STRATA_BACKEND": backend = try Self.backendMode(value, key: key)
        case "STRATA_POSTGRES_URL": postgres.url = value
        case "STRATA_POSTGRES_PASSWORD": postgres.password = value
        case "STRATA_POSTGRES_SCHEMA": postgres.schema = value
        case "STRATA_POSTGRES_POOL_SIZE": postgres.poolSize = try StoreSettings.int(value, key: key)
        case "STRATA_POSTGRES_TLS": postgres.tls = try Self.tlsMode(value, key: key)
        case "STRATA_POSTGRES_CONNECT_TIMEOUT_MILLISECONDS":
            postgres.connectTimeoutMilliseconds = try StoreSettings.int(value, key: key)
        case "STRATA_POSTGRES_OPERATION_TIMEOUT_MILLISECONDS":
            postgres.operationTimeoutMilliseconds = try StoreSettings.int(value, key: key)
        case "STRATA_POSTGRES_MIGRATE_ON_START": postgres.migrateOnStart = try StoreSettings.bool(value, key: key)
        default: return false
        }
        return true
    }
}

/// PostgreSQL's identifiers as the backend accepts them (lowercase, unquoted-safe).
enum SQLName {
    static func isIdentifier(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        guard let first = bytes.first, bytes.count <= 63, first == UInt8(ascii: "_") || (97...122).contains(first)
        else { return false }
        return bytes.allSatisfy { $0 == UInt8(ascii: "_") || (97...122).contains($0) || (48...57).contains($0) }
    }
}
