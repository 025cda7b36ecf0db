/// PostgreSQL as a Strata backend (issue 10, first part).
///
/// ``PostgresBackend`` implements the `StorageBackend` seam of `StrataCore` on postgres-nio's
/// `PostgresClient`; ``PostgresMigrator`` applies versioned migrations recorded in
/// `strata_migrations`. The design (types, partitions, keys, the sync-over-async bridge) is in
/// `Docs/PostgreSQL.md`; in short:
///
/// - Timestamps are `bigint` nanoseconds UTC (exact, the engine's lane; `timestamptz` keeps only
///   microseconds), decimals `NUMERIC(19, scale)` (every Int64 mantissa fits), `text COLLATE "C"`
///   (byte order, as the engine sorts), `boolean`, `double precision`, `smallint` for int8.
/// - Time-series tables are `PARTITION BY RANGE` on the designated timestamp, one partition per
///   table partition width (a day by default), created as rows arrive (and one ahead).
/// - Writes: `COPY … FROM STDIN` into a temporary staging table, then one
///   `INSERT … SELECT … ON CONFLICT` in the same transaction.
/// - Reads: parameterised statements only; identifiers come from the validated schema, quoted.
/// - The seam is synchronous: each call runs its async work in a task on the backend's own
///   executor thread (never the cooperative pool, never a NIO event loop) and the caller waits.
import StrataCore

/// Where a ``PostgresBackend`` connects and how.
public struct PostgresConfiguration: Sendable, Hashable {
    /// Whether the connection is encrypted.
    public enum TLSMode: String, Sendable, Hashable {
        /// Plain TCP (a server on the same host or a private network).
        case disable
        /// TLS required, the server's certificate verified against the system's roots.
        case require
    }

    public var host: String
    public var port: Int
    public var user: String
    public var password: String?
    public var database: String
    public var tls: TLSMode
    /// The PostgreSQL schema (namespace) the backend's tables and `strata_migrations` live in:
    /// a lowercase identifier. Several stores may share one database under different schemas.
    public var schema: String
    /// Most connections the pool opens.
    public var poolSize: Int
    /// How long opening one connection may take.
    public var connectTimeout: Duration
    /// How long one operation (a query, an append's transaction) may take, waiting for a
    /// connection included; past it the caller gets an `.io` error and the work is cancelled.
    public var operationTimeout: Duration
    /// Whether opening the backend (and each table) applies pending migrations (the default);
    /// when false it only checks that none is pending, refusing to open otherwise, and
    /// `strata migrate up` (``PostgresMigrationPlan``) applies them.
    public var migrateOnStart: Bool

    public init(
        host: String = "127.0.0.1", port: Int = 5432, user: String = "postgres", password: String? = nil,
        database: String = "postgres", tls: TLSMode = .disable, schema: String = "public", poolSize: Int = 4,
        connectTimeout: Duration = .seconds(5), operationTimeout: Duration = .seconds(60), migrateOnStart: Bool = true
    ) {
        self.host = host
        self.port = port
        self.user = user
        self.password = password
        self.database = database
        self.tls = tls
        self.schema = schema
        self.poolSize = poolSize
        self.connectTimeout = connectTimeout
        self.operationTimeout = operationTimeout
        self.migrateOnStart = migrateOnStart
    }

    /// Reads `postgres://user:password@host:port/database?sslmode=require&schema=name`
    /// (`postgresql://` too); what the URL leaves out keeps this initialiser's defaults.
    /// - Throws: `StrataError` `.invalidArgument` naming what is wrong.
    public init(url: String) throws {
        self.init()
        var rest = Substring(url)
        guard let scheme = ["postgresql://", "postgres://"].first(where: { rest.hasPrefix($0) }) else {
            throw StrataError(.invalidArgument, "a PostgreSQL URL starts with postgres:// (got \(Self.redacted(url)))")
        }
        rest = rest.dropFirst(scheme.count)
        var query: Substring = ""
        if let mark = rest.firstIndex(of: "?") {
            query = rest[rest.index(after: mark)...]
            rest = rest[..<mark]
        }
        if let slash = rest.firstIndex(of: "/") {
            let name = rest[rest.index(after: slash)...]
            if !name.isEmpty { database = Self.decoded(name) }
            rest = rest[..<slash]
        }
        if let at = rest.lastIndex(of: "@") {
            let credentials = rest[..<at]
            rest = rest[rest.index(after: at)...]
            if let colon = credentials.firstIndex(of: ":") {
                user = Self.decoded(credentials[..<colon])
                password = Self.decoded(credentials[credentials.index(after: colon)...])
            } else {
                user = Self.decoded(credentials)
            }
        }
        if let colon = rest.lastIndex(of: ":") {
            guard let number = Int(rest[rest.index(after: colon)...]), (1...65535).contains(number) else {
                throw StrataError(.invalidArgument, "bad port in PostgreSQL URL \(Self.redacted(url))")
            }
            port = number
            rest = rest[..<colon]
        }
        if !rest.isEmpty { host = String(rest) }
        for item in query.split(separator: "&") {
            let parts = item.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2 else { continue }
            switch parts[0] {
            case "sslmode":
                switch parts[1] {
                case "disable", "allow", "prefer": tls = .disable
                case "require", "verify-ca", "verify-full": tls = .require
                default: throw StrataError(.invalidArgument, "unknown sslmode \(parts[1])")
                }
            case "schema": schema = parts[1]
            case "pool": poolSize = Int(parts[1]) ?? poolSize
            default: continue
            }
        }
    }

    /// `host:port/database`, for messages (never the password).
    public var endpoint: String { "\(host):\(port)/\(database)" }

    static func redacted(_ url: String) -> String {
        guard let at = url.lastIndex(of: "@"), let scheme = url.firstRange(of: "://") else { return url }
        return String(url[..<scheme.upperBound]) + "…" + String(url[at...])
    }

    private static func decoded(_ text: Substring) -> String {
        var bytes: [UInt8] = []
        var utf8 = Array(text.utf8)[...]
        while let byte = utf8.popFirst() {
            if byte == UInt8(ascii: "%"), utf8.count >= 2,
                let value = UInt8(String(decoding: utf8.prefix(2), as: UTF8.self), radix: 16)
            {
                bytes.append(value)
                utf8 = utf8.dropFirst(2)
            } else {
                bytes.append(byte)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
