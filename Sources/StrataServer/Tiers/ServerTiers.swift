public import Logging
public import Strata
import StrataCore
import StrataRedis
public import StrataTiers
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The tiers of a server, built from the `tiers` block (``ServerConfiguration/Tiers``).
///
/// Design (see `Docs/Tiers.md`): the store (the embedded engine, or PostgreSQL) is the system of
/// record and acknowledges every write. Per table with tiers, a ``Replicator`` is attached to the
/// table's commit tap: each stored batch is appended to the table's replication log
/// (`<data>/tiers/<table>/log`, synced per batch under the `fsync` durability) before the write
/// is acknowledged, and each tier is fed from its own durable cursor
/// (`<data>/tiers/<table>/cursors/<tier>.cursor`), behind its own circuit breaker. Reads of
/// latest-N and ranges go through a ``TieredReader``: the table's read tiers in order, then the
/// system of record; a tier answers only what it holds fully.
///
/// Redis and PostgreSQL clients are made on first use (a server starts while they are down; their
/// breakers open and the log keeps their backlog).
public final class ServerTiers: Sendable {
    /// One table's tiers.
    public struct TableTiers: Sendable {
        public let table: String
        public let route: ServerConfiguration.Tiers.Route
        public let replicator: Replicator
        public let reader: TieredReader
        let schema: RecordSchema
    }

    public let tables: [String: TableTiers]
    /// The memory tier, when a table writes to it.
    public let memory: MemoryTier?
    let redis: RedisTierHandle?
    let postgres: PostgresTierHandle?
    /// The live feed's relay of other nodes' rows (`tiers.redis.subscribe`).
    let relay: LiveRelay?
    /// The in-memory development mode: nothing is durable.
    public let memoryOnly: Bool
    /// The name of the system of record in health and metrics (`engine` or `postgresql`).
    public let systemOfRecord: String
    let store: StrataStore
    private let running = Mutex<[Task<Void, Never>]>([])
    /// How long a sync write waits (`tiers.syncTimeoutMilliseconds`), and whether it degrades to
    /// async instead of failing (`tiers.syncDegrade`): see ``awaitSync(table:)``.
    let syncTimeoutMilliseconds: Int
    let syncDegrade: Bool
    /// Per table, its sync writes acknowledged as async since the last that held.
    let syncDegradations = Mutex<[String: SyncDegradation]>([:])
    let logger: Logger

    /// Builds the tiers of `configuration` over `store` (the replicators attached, not started).
    /// - Returns: nil when no tier is configured.
    /// - Throws: ``ConfigurationError`` for a table that is not a time-series table of the store or
    ///   a bad URL; ``StrataTiers/TierError`` when a log or cursor file cannot be used.
    public static func make(
        configuration: ServerConfiguration, store: StrataStore, directory: String, logger: Logger
    ) throws -> ServerTiers? {
        let tiers = configuration.tiers
        guard tiers.isOn else { return nil }
        // This process's id on the messages its Redis tier publishes (the relay skips its own).
        let nodeID = "node-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        var names = Array(tiers.tables.keys)
        if tiers.defaultRoute != nil || tiers.memoryOnly {
            names += store.readers.map(\.name).filter { tiers.tables[$0] == nil && store.table(named: $0) != nil }
        }
        var resolved: [(DynamicTable, TableReader, ServerConfiguration.Tiers.Route)] = []
        for name in Set(names).sorted() {
            guard let route = tiers.route(table: name), !route.write.isEmpty else { continue }
            guard let table = store.table(named: name), let reader = store.reader(named: name) else {
                throw ConfigurationError(
                    key: "tiers.tables.\(name)", message: "no time-series table \(name) in the store")
            }
            resolved.append((table, reader, route))
        }
        func writing(_ kind: ServerConfiguration.Tiers.Kind) -> [DynamicTable] {
            resolved.filter { $0.2.write.contains(kind) }.map(\.0)
        }
        let memoryTables = writing(.memory)
        var memory: MemoryTier?
        if !memoryTables.isEmpty {
            memory = try MemoryTier(
                tables: memoryTables.map { table -> MemoryTier.Table in
                    MemoryTier.Table(
                        schema: table.schema, capacity: tiers.memoryTableRows[table.name] ?? tiers.memoryRows,
                        complete: tiers.memoryOnly)
                }, standalone: tiers.memoryOnly)
        }
        let redisTables = writing(.redis)
        var redis: RedisTierHandle?
        if !redisTables.isEmpty {
            redis = try RedisTierHandle(
                url: tiers.redisURL ?? "", keyPrefix: tiers.redisKeyPrefix,
                tables: redisTables.map { table -> (schema: RecordSchema, recentRows: Int) in
                    (table.schema, tiers.redisRows)
                }, origin: nodeID, logger: logger)
        }
        let postgresTables = writing(.postgresql)
        var postgres: PostgresTierHandle?
        if !postgresTables.isEmpty {
            postgres = try PostgresTierHandle(
                url: tiers.postgresURL ?? configuration.postgres.url ?? "",
                tables: postgresTables.map { table -> (schema: RecordSchema, options: TableOptions) in
                    // As a PostgreSQL-mode node opens them (`strata migrate`'s plan too).
                    let builtIn = RecordSchema.builtIn.contains { $0.name == table.name }
                    let options =
                        builtIn
                        ? TableOptions(absentValues: false, partitionDuration: configuration.store().partitionDuration)
                        : TableOptions()
                    return (table.schema, options)
                })
        }
        let systemOfRecord = configuration.backend.usesPostgres ? "postgresql" : "engine"
        let sync = configuration.durability == .fsyncEachBatch && !tiers.memoryOnly
        let backoff = Int64(tiers.breakerBackoffMilliseconds) * 1_000_000
        var built: [String: TableTiers] = [:]
        for (table, reader, route) in resolved {
            let base = directory + "/tiers/" + table.name
            let log = try CommitLog(
                configuration: .init(
                    directory: base + "/log", textLanes: Replicator.textLanes(of: table.schema), syncEachAppend: sync))
            var replicas: [any ReplicaTier] = []
            for kind in route.write {
                switch kind {
                case .memory: if let memory { replicas.append(memory) }
                case .redis: if let redis { replicas.append(redis) }
                case .postgresql: if let postgres { replicas.append(postgres) }
                }
            }
            let replicator = try Replicator(
                configuration: .init(
                    table: table.name, cursorDirectory: base + "/cursors", retentionLimitBytes: tiers.logRetentionBytes,
                    breaker: .init(baseBackoff: backoff, maximumBackoff: max(backoff, 30_000_000_000))),
                log: log, tiers: replicas)
            var readable: [any ReadableTier] = []
            for kind in route.readTiers {
                switch kind {
                case .memory: if let memory { readable.append(memory) }
                case .redis: if let redis { readable.append(redis) }
                case .postgresql: break
                }
            }
            let tiered = TieredReader(
                tiers: readable, systemOfRecord: SystemOfRecordTier(name: systemOfRecord, reader: reader))
            try replicator.attach(to: table)
            built[table.name] = TableTiers(
                table: table.name, route: route, replicator: replicator, reader: tiered, schema: table.schema)
        }
        logger.info(
            "tiers",
            metadata: [
                "tables":
                    "\(built.keys.sorted().map { "\($0)=\(built[$0]!.route.write.map(\.rawValue).joined(separator: "+"))" })",
                "memory_only": "\(tiers.memoryOnly)",
            ])
        var relay: LiveRelay?
        if !tiers.redisSubscribe.isEmpty {
            var channels: [String: DynamicTable] = [:]
            for name in tiers.redisSubscribe {
                guard let table = store.table(named: name) else {
                    throw ConfigurationError(
                        key: "tiers.redis.subscribe", message: "no time-series table \(name) in the store")
                }
                channels[tiers.redisKeyPrefix + "live:" + name] = table
            }
            let settings: RedisConfiguration
            do { settings = try RedisConfiguration(url: tiers.redisURL ?? "") } catch {
                throw ConfigurationError(key: "tiers.redis.url", message: "\(error)")
            }
            relay = LiveRelay(nodeID: nodeID, configuration: settings, tables: channels, logger: logger)
        }
        return ServerTiers(
            tables: built, memory: memory, redis: redis, postgres: postgres, relay: relay,
            memoryOnly: tiers.memoryOnly, systemOfRecord: systemOfRecord, store: store,
            syncTimeoutMilliseconds: tiers.syncTimeoutMilliseconds, syncDegrade: tiers.syncDegrade, logger: logger)
    }

    private init(
        tables: [String: TableTiers], memory: MemoryTier?, redis: RedisTierHandle?, postgres: PostgresTierHandle?,
        relay: LiveRelay?, memoryOnly: Bool, systemOfRecord: String, store: StrataStore, syncTimeoutMilliseconds: Int,
        syncDegrade: Bool, logger: Logger
    ) {
        self.syncTimeoutMilliseconds = syncTimeoutMilliseconds
        self.syncDegrade = syncDegrade
        self.relay = relay
        self.tables = tables
        self.memory = memory
        self.redis = redis
        self.postgres = postgres
        self.memoryOnly = memoryOnly
        self.systemOfRecord = systemOfRecord
        self.store = store
        self.logger = logger
    }

    /// Starts every replicator (on the replicators' own thread).
    public func start() {
        var tasks = tables.values.map { $0.replicator.start() }
        if let relay { tasks.append(Task { await relay.run() }) }
        running.withLock { $0 += tasks }
    }

    /// Stops the replicators, detaches them from the tables and closes the clients. What was
    /// committed and not yet applied stays in the logs for the next start.
    public func stop() async {
        let tasks = running.withLock { tasks in
            defer { tasks = [] }
            return tasks
        }
        for task in tasks { task.cancel() }
        for task in tasks { await task.value }
        for tiers in tables.values {
            if let table = store.table(named: tiers.table) { try? tiers.replicator.detach(from: table) }
        }
        await redis?.lazy.close()
        postgres?.close()
    }

    /// Waits until every tier of every table applied everything committed so far (or `timeout`).
    public func waitUntilCaughtUp(timeout: Duration) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        for tiers in tables.values.sorted(by: { $0.table < $1.table }) {
            let left = deadline - ContinuousClock.now
            guard await tiers.replicator.waitUntilCaughtUp(timeout: max(left, .zero)) else { return false }
        }
        return true
    }

    /// The tiers of `table`, if it has any.
    public func reader(table: String) -> TieredReader? { tables[table]?.reader }

    /// Every table's and tier's replication state, sorted by table then tier.
    public var status: [TierReplicationHealth] {
        tables.keys.sorted().flatMap { tables[$0]!.replicator.status }
    }

    /// Whether a tier needs attention (breaker not closed, rebuild needed, log failure, behind
    /// with an error).
    public static func isDegraded(_ tier: TierReplicationHealth) -> Bool {
        tier.breaker.state != .closed || tier.replication.rebuildNeeded || tier.logFailure != nil
            || (tier.lastError != nil && tier.replication.applied < tier.replication.accepted)
    }
}
