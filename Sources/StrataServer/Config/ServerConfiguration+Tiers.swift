import Strata

/// The `tiers` block (issue 11): which tiers each table writes to and which answer its reads.
///
/// ```json
/// "tiers": {
///   "default": { "write": ["memory", "redis"], "read": ["memory", "redis"] },
///   "tables": { "trades": { "write": ["memory", "redis", "postgresql"], "sync": ["postgresql"] } },
///   "memory": { "rows": 1000, "tables": { "trades": 10000 } },
///   "redis": { "url": "redis://127.0.0.1:6379/0", "rows": 1000, "keyPrefix": "strata:" },
///   "postgresql": { "url": "postgres://strata@db/strata" },
///   "logRetentionBytes": 1073741824
/// }
/// ```
///
/// The system of record (the `backend`) always takes the write first and acknowledges it; each
/// listed tier is fed from the table's replication log (``StrataTiers/Replicator``). `read` lists,
/// in order, the tiers asked before the system of record (`memory`, `redis`; by default the
/// readable tiers of `write`, in their order). `sync` lists the tiers written synchronously: a
/// write is acknowledged only once they hold it (the *sync* write mode; the others are *async*).
extension ServerConfiguration {
    /// The `tiers` block; nothing configured: no tiers (the system of record alone).
    public struct Tiers: Sendable, Hashable {
        /// A tier's kind.
        public enum Kind: String, Sendable, Hashable, CaseIterable {
            case memory, redis, postgresql

            /// Whether the tier can answer reads in a composite.
            public var isReadable: Bool { self != .postgresql }
        }

        /// One table's tiers: written (fed from the log), and asked for reads, in order.
        public struct Route: Sendable, Hashable {
            public var write: [Kind]
            /// `nil`: the readable tiers of ``write``, in order.
            public var read: [Kind]?
            /// The tiers written *synchronously* (the sync write mode): a write is acknowledged
            /// only once they hold it too; the other tiers of ``write`` are fed asynchronously.
            public var sync: [Kind]

            public init(write: [Kind], read: [Kind]? = nil, sync: [Kind] = []) {
                self.write = write
                self.read = read
                self.sync = sync
            }

            /// The tiers asked for reads, in order.
            public var readTiers: [Kind] { read ?? write.filter(\.isReadable) }
        }

        /// `tiers.default` (`STRATA_TIERS_WRITE`, `STRATA_TIERS_READ`): every time-series table
        /// not in ``tables``.
        public var defaultRoute: Route?
        /// `tiers.tables.<table>`: per table.
        public var tables: [String: Route] = [:]
        /// `tiers.memory.rows` (`STRATA_TIERS_MEMORY_ROWS`): rows kept per symbol (1000).
        public var memoryRows = 1_000
        /// `tiers.memory.tables.<table>`: rows kept per symbol of one table.
        public var memoryTableRows: [String: Int] = [:]
        /// `tiers.memoryOnly` (`STRATA_TIERS_MEMORY_ONLY`): the in-memory development mode — no
        /// data directory (a private temporary one, removed at exit), the memory tier answers
        /// reads; nothing is durable, and health says so.
        public var memoryOnly = false
        /// `tiers.redis.url` (`STRATA_TIERS_REDIS_URL`).
        public var redisURL: String?
        /// `tiers.redis.rows` (`STRATA_TIERS_REDIS_ROWS`): rows kept per symbol (1000).
        public var redisRows = 1_000
        /// `tiers.redis.keyPrefix` (`STRATA_TIERS_REDIS_KEY_PREFIX`): `strata:`.
        public var redisKeyPrefix = "strata:"
        /// `tiers.redis.subscribe` (`STRATA_TIERS_REDIS_SUBSCRIBE`, comma-separated): tables whose
        /// rows written through other nodes (their Redis tier's channel) this node's live feed
        /// relays to its clients.
        public var redisSubscribe: [String] = []
        /// `tiers.postgresql.url` (`STRATA_TIERS_POSTGRESQL_URL`); unset: `postgres.url`.
        public var postgresURL: String?
        /// `tiers.logRetentionBytes` (`STRATA_TIERS_LOG_RETENTION_BYTES`): the most a table's log
        /// keeps for a lagging tier (1 GiB); further behind, the tier is marked for a rebuild.
        public var logRetentionBytes = 1 << 30
        /// `tiers.breakerBackoffMilliseconds` (`STRATA_TIERS_BREAKER_BACKOFF_MILLISECONDS`): the
        /// first wait of an open breaker (100; doubling up to 30 s).
        public var breakerBackoffMilliseconds = 100
        /// `tiers.syncTimeoutMilliseconds` (`STRATA_TIERS_SYNC_TIMEOUT_MILLISECONDS`): how long a
        /// write waits for its sync tiers (5000).
        public var syncTimeoutMilliseconds = 5_000
        /// `tiers.syncDegrade` (`STRATA_TIERS_SYNC_DEGRADE`): when a sync tier cannot take a
        /// write, acknowledge it anyway (the tier gets it asynchronously, from the log) and say
        /// so in health, instead of failing the write with 503 (false).
        public var syncDegrade = false

        public init() {}

        /// Whether any tier is configured.
        public var isOn: Bool { memoryOnly || defaultRoute != nil || !tables.isEmpty || !redisSubscribe.isEmpty }

        /// The route of `table`: its own, else the default.
        public func route(table: String) -> Route? {
            if memoryOnly { return Route(write: [.memory]) }
            return tables[table] ?? defaultRoute
        }

        /// Every tier kind some table writes to.
        public var kinds: Set<Kind> {
            var kinds = Set((tables.values.map(\.write) + [defaultRoute?.write ?? []]).joined())
            if memoryOnly { kinds.insert(.memory) }
            return kinds
        }
    }

    /// The tiers' keys, checked with the rest by ``validate()``.
    func validateTiers() throws(ConfigurationError) {
        let routes = [("tiers.default", tiers.defaultRoute)] + tiers.tables.map { ("tiers.tables." + $0.key, $0.value) }
        for case (let key, let route?) in routes {
            guard Set(route.write).count == route.write.count else {
                throw ConfigurationError(key: key + ".write", message: "a tier is listed twice")
            }
            guard Set(route.sync).isSubset(of: route.write) else {
                throw ConfigurationError(key: key + ".sync", message: "a sync tier must be written (in \(key).write)")
            }
            for kind in route.read ?? [] {
                guard kind.isReadable else {
                    throw ConfigurationError(
                        key: key + ".read", message: "\(kind.rawValue) cannot answer reads (memory, redis)")
                }
                guard route.write.contains(kind) else {
                    throw ConfigurationError(
                        key: key + ".read", message: "\(kind.rawValue) is not written (not in \(key).write)")
                }
            }
        }
        let kinds = tiers.kinds
        if kinds.contains(.redis) || !tiers.redisSubscribe.isEmpty, tiers.redisURL?.isEmpty ?? true {
            throw ConfigurationError(
                key: "tiers.redis.url", message: "a table writes to or subscribes to redis: its URL is required")
        }
        if kinds.contains(.postgresql) {
            guard backend == .embedded else {
                throw ConfigurationError(
                    key: "tiers", message: "postgresql is the system of record with backend \(backend.rawValue)")
            }
            guard !(tiers.postgresURL ?? postgres.url ?? "").isEmpty else {
                throw ConfigurationError(
                    key: "tiers.postgresql.url", message: "a table writes to postgresql: its URL is required")
            }
        }
        if tiers.memoryOnly {
            guard tiers.defaultRoute == nil, tiers.tables.isEmpty, backend == .embedded else {
                throw ConfigurationError(
                    key: "tiers.memoryOnly", message: "the memory-only mode has no other tier and no backend")
            }
        }
        for (key, value) in [
            ("tiers.memory.rows", tiers.memoryRows), ("tiers.redis.rows", tiers.redisRows),
            ("tiers.logRetentionBytes", tiers.logRetentionBytes),
            ("tiers.breakerBackoffMilliseconds", tiers.breakerBackoffMilliseconds),
            ("tiers.syncTimeoutMilliseconds", tiers.syncTimeoutMilliseconds),
        ] + tiers.memoryTableRows.map({ ("tiers.memory.tables." + $0.key, $0.value) }) where value < 1 {
            throw ConfigurationError(key: key, message: "must be >= 1, got \(value)")
        }
    }

    static func tierKinds(_ names: [String], key: String) throws(ConfigurationError) -> [Tiers.Kind] {
        var kinds: [Tiers.Kind] = []
        for name in names {
            guard let kind = Tiers.Kind(rawValue: name) else {
                throw ConfigurationError(
                    key: key,
                    message: "unknown tier '\(name)' (\(Tiers.Kind.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            kinds.append(kind)
        }
        return kinds
    }

    static func tierRoute(_ value: JSONValue, key: String) throws(ConfigurationError) -> Tiers.Route {
        var write: [Tiers.Kind]?
        var read: [Tiers.Kind]?
        var sync: [Tiers.Kind] = []
        try JSONReader(prefix: key + ".").object(value) { (name, value) throws(ConfigurationError) in
            let full = key + "." + name
            switch name {
            case "write": write = try tierKinds(try JSONReader.strings(value, key: full), key: full)
            case "read": read = try tierKinds(try JSONReader.strings(value, key: full), key: full)
            case "sync": sync = try tierKinds(try JSONReader.strings(value, key: full), key: full)
            default: throw JSONReader.unknown(full)
            }
        }
        guard let write else { throw ConfigurationError(key: key + ".write", message: "required") }
        return Tiers.Route(write: write, read: read, sync: sync)
    }

    /// The `tiers` object of the file.
    mutating func applyTiers(json value: JSONValue) throws(ConfigurationError) {
        try JSONReader(prefix: "tiers.").object(value) { (key, value) throws(ConfigurationError) in
            let name = "tiers." + key
            switch key {
            case "default": tiers.defaultRoute = try Self.tierRoute(value, key: name)
            case "tables":
                try JSONReader(prefix: name + ".").object(value) { (table, value) throws(ConfigurationError) in
                    tiers.tables[table] = try Self.tierRoute(value, key: name + "." + table)
                }
            case "memoryOnly": tiers.memoryOnly = try JSONReader.bool(value, key: name)
            case "logRetentionBytes": tiers.logRetentionBytes = try JSONReader.int(value, key: name)
            case "breakerBackoffMilliseconds": tiers.breakerBackoffMilliseconds = try JSONReader.int(value, key: name)
            case "syncTimeoutMilliseconds": tiers.syncTimeoutMilliseconds = try JSONReader.int(value, key: name)
            case "syncDegrade": tiers.syncDegrade = try JSONReader.bool(value, key: name)
            case "memory":
                try JSONReader(prefix: name + ".").object(value) { (key, value) throws(ConfigurationError) in
                    switch key {
                    case "rows": tiers.memoryRows = try JSONReader.int(value, key: name + ".rows")
                    case "tables":
                        try JSONReader(prefix: name + ".tables.").object(value) {
                            (table, value) throws(ConfigurationError) in
                            tiers.memoryTableRows[table] = try JSONReader.int(value, key: name + ".tables." + table)
                        }
                    default: throw JSONReader.unknown(name + "." + key)
                    }
                }
            case "redis":
                try JSONReader(prefix: name + ".").object(value) { (key, value) throws(ConfigurationError) in
                    switch key {
                    case "url": tiers.redisURL = try JSONReader.string(value, key: name + ".url")
                    case "rows": tiers.redisRows = try JSONReader.int(value, key: name + ".rows")
                    case "keyPrefix": tiers.redisKeyPrefix = try JSONReader.string(value, key: name + ".keyPrefix")
                    case "subscribe": tiers.redisSubscribe = try JSONReader.strings(value, key: name + ".subscribe")
                    default: throw JSONReader.unknown(name + "." + key)
                    }
                }
            case "postgresql":
                try JSONReader(prefix: name + ".").object(value) { (key, value) throws(ConfigurationError) in
                    switch key {
                    case "url": tiers.postgresURL = try JSONReader.string(value, key: name + ".url")
                    default: throw JSONReader.unknown(name + "." + key)
                    }
                }
            default: throw JSONReader.unknown(name)
            }
        }
    }

    /// One `STRATA_TIERS_…` variable; false if `key` is none of them.
    mutating func applyTiers(variable key: String, value: String) throws(ConfigurationError) -> Bool {
        func names() -> [String] { Self.list(value) }
        switch key {
        case "STRATA_TIERS_WRITE":
            let route = tiers.defaultRoute
            tiers.defaultRoute = Tiers.Route(
                write: try Self.tierKinds(names(), key: key), read: route?.read, sync: route?.sync ?? [])
        case "STRATA_TIERS_READ":
            var route = tiers.defaultRoute ?? Tiers.Route(write: [])
            route.read = try Self.tierKinds(names(), key: key)
            tiers.defaultRoute = route
        case "STRATA_TIERS_SYNC":
            var route = tiers.defaultRoute ?? Tiers.Route(write: [])
            route.sync = try Self.tierKinds(names(), key: key)
            tiers.defaultRoute = route
        case "STRATA_TIERS_SYNC_TIMEOUT_MILLISECONDS":
            tiers.syncTimeoutMilliseconds = try StoreSettings.int(value, key: key)
        case "STRATA_TIERS_SYNC_DEGRADE": tiers.syncDegrade = try StoreSettings.bool(value, key: key)
        case "STRATA_TIERS_MEMORY_ROWS": tiers.memoryRows = try StoreSettings.int(value, key: key)
        case "STRATA_TIERS_MEMORY_ONLY": tiers.memoryOnly = try StoreSettings.bool(value, key: key)
        case "STRATA_TIERS_REDIS_URL": tiers.redisURL = value
        case "STRATA_TIERS_REDIS_ROWS": tiers.redisRows = try StoreSettings.int(value, key: key)
        case "STRATA_TIERS_REDIS_KEY_PREFIX": tiers.redisKeyPrefix = value
        case "STRATA_TIERS_REDIS_SUBSCRIBE": tiers.redisSubscribe = names()
        case "STRATA_TIERS_POSTGRESQL_URL": tiers.postgresURL = value
        case "STRATA_TIERS_LOG_RETENTION_BYTES": tiers.logRetentionBytes = try StoreSettings.int(value, key: key)
        case "STRATA_TIERS_BREAKER_BACKOFF_MILLISECONDS":
            tiers.breakerBackoffMilliseconds = try StoreSettings.int(value, key: key)
        default: return false
        }
        return true
    }
}
