public import StrataCore
import StrataEngine
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// A Strata store on one directory: trades, aggregated trades and quotes, embedded; and the
/// trading system's own records: orders (``orders``), the job queue (``jobs``), active anomalies
/// (``anomalies``) and the signal history (``saveSignals(_:)``, ``recentSignals(since:symbol:limit:)``).
///
/// ```swift
/// import Strata
///
/// let store = try StrataStore.open(directory: "./strata-data")
/// try await store.trades.append(trades)
/// let last = try await store.trades.lastTimestamp(symbol: "BTCUSDT")
/// try store.close()
/// ```
///
/// Opening runs recovery (see ``recovery``). One process at a time may open a directory.
/// All methods are safe to call from many tasks at once.
public final class StrataStore: Sendable {
    /// How a store is opened.
    public struct Configuration: Sendable {
        /// When an acknowledged append is on stable storage. Default ``Durability/fsyncEachBatch``.
        public var durability: Durability
        /// What records must satisfy to be stored.
        public var validation: ValidationRules
        /// Width of a time partition in nanoseconds (a UTC day by default). Fixed when a table is
        /// created: opening with another width reports the existing files as damaged.
        public var partitionDuration: Int64
        /// Nanoseconds of newer data after which an open partition seals itself in the background
        /// (one hour by default, so late rows of the previous day still merge in memory).
        public var sealGrace: Int64
        /// Maintain OHLCV bars of trades (1m, 5m, 15m, 1h, 1d) on the write path. Default on.
        public var aggregates: Bool
        /// How long each table keeps its data; `nil` uses the policy saved in the directory
        /// (`strata retention set`), else keeps everything.
        public var retention: RetentionPolicy?
        /// How often the store's scheduler seals finished partitions, merges late rows and applies
        /// retention; `nil` turns it off (then call ``StrataStore/maintain(now:)`` yourself).
        public var maintenanceInterval: Duration?
        /// Symbols a table has never seen that one append may add (`nil`: no limit). Each new
        /// symbol costs memory for as long as its partition is open (see `RELIABILITY.md`), so a
        /// server bounds what one request can add.
        public var maxNewSymbolsPerAppend: Int?
        /// Distinct symbols a table may hold (`nil`: no limit).
        public var maxSymbolsPerTable: Int?
        /// User-defined tables beside the built-in ones, each a ``RecordSchema`` (read from the
        /// configuration file by the server, or built in code). See ``StrataStore/table(named:)``.
        public var tables: [RecordSchema]
        /// Events of a keyed state table (orders, jobs, anomalies) after which a snapshot of its
        /// state is written in the background (0: only when the store closes). Opening reads the
        /// snapshot and the events after it.
        public var snapshotInterval: Int
        /// How the store's job queue (``StrataStore/jobs``) retries failed and expired jobs.
        public var jobRetryPolicy: RetryPolicy
        /// Where the audit trail of trades and order events is written, from the commit path
        /// (see ``AuditSettings``); nil (default): none.
        public var audit: AuditSettings?
        /// The data-quality monitor's settings (off by default; see ``QualityMonitor``).
        public var quality: QualitySettings
        /// The cold tier older partitions move to and are read back from (`LakeColdTier` of
        /// `StrataLake`); nil (default): none. See ``ColdTier``.
        public var cold: (any ColdTier)?

        public init(
            durability: Durability = .fsyncEachBatch, validation: ValidationRules = .standard,
            partitionDuration: Int64 = Timestamp.nanosecondsPerDay,
            sealGrace: Int64 = 3_600 * Timestamp.nanosecondsPerSecond, aggregates: Bool = true,
            retention: RetentionPolicy? = nil, maintenanceInterval: Duration? = .seconds(60),
            maxNewSymbolsPerAppend: Int? = nil, maxSymbolsPerTable: Int? = nil, tables: [RecordSchema] = [],
            snapshotInterval: Int = 100_000, jobRetryPolicy: RetryPolicy = RetryPolicy(),
            audit: AuditSettings? = nil, quality: QualitySettings = QualitySettings(), cold: (any ColdTier)? = nil
        ) {
            self.cold = cold
            self.audit = audit
            self.quality = quality
            self.tables = tables
            self.snapshotInterval = snapshotInterval
            self.jobRetryPolicy = jobRetryPolicy
            self.maxNewSymbolsPerAppend = maxNewSymbolsPerAppend
            self.maxSymbolsPerTable = maxSymbolsPerTable
            self.durability = durability
            self.validation = validation
            self.partitionDuration = partitionDuration
            self.sealGrace = sealGrace
            self.aggregates = aggregates
            self.retention = retention
            self.maintenanceInterval = maintenanceInterval
        }
    }

    /// The store's on-disk format version (in the `STRATA` file of the directory).
    public static let formatVersion = 1

    public let directory: String
    public let configuration: Configuration
    /// The built-in tables' typed conveniences (``table(_:)`` finds any built-in table by its record).
    public let trades: StrataTable<Trade>
    public let aggregatedTrades: StrataTable<AggregatedTrade>
    public let quotes: StrataTable<Quote>
    /// The built-in tables, one per record of ``RecordSchema/builtInRecords``, in its order.
    let builtInTables: [any BuiltInTable]
    /// The user-defined tables, in the configuration's order (a declared table that is one of
    /// the trading records' is the store's own, not a second one).
    public let userTables: [DynamicTable]
    /// The trading records (orders, jobs, anomalies, signals): opened with the store when it
    /// holds one of their tables, otherwise on first use (``TradingRecords``); `closed` once the
    /// store is.
    private let records: Mutex<(opened: TradingRecords?, closed: Bool)>
    private let openRecords: @Sendable () throws -> TradingRecords
    /// The audit trail (nil unless ``Configuration/audit`` names one).
    let audit: StoreAudit?
    /// The data-quality monitor (nil unless ``Configuration/quality`` enables it).
    let quality: QualityMonitor?

    /// The trading records, opened now if they are not yet.
    /// - Throws: ``StrataError`` `.closed` after ``close()``; what opening their tables throws.
    func tradingRecords() throws -> TradingRecords {
        try records.withLock { records in
            if let opened = records.opened { return opened }
            guard !records.closed else { throw StrataError(.closed, "the store is closed") }
            let opened = try openRecords()
            records.opened = opened
            return opened
        }
    }

    /// The trading records if they are open (what stats, health and maintenance cover).
    var openedRecords: TradingRecords? { records.withLock { $0.opened } }

    /// Whether the trading records (orders, jobs, anomalies, signals) are open: reading this
    /// never opens them, so a server that records market data only can report their figures
    /// without creating their tables.
    public var tradingRecordsOpen: Bool { openedRecords != nil }

    /// Orders and their lifecycle, kept in `order_events` (opened on first use).
    /// - Throws: ``StrataError`` if the store is closed or the table cannot be opened.
    public var orders: OrderStore { get throws { try tradingRecords().orders } }
    /// The durable job queue, kept in `job_events` (opened on first use).
    public var jobs: JobStore { get throws { try tradingRecords().jobs } }
    /// The active anomalies, kept in `anomaly_events` (opened on first use).
    public var anomalies: AnomalyStore { get throws { try tradingRecords().anomalies } }
    /// What opening recovered, per table.
    public let recovery: RecoveryReport
    /// Where the tables live.
    let backend: any StorageBackend
    /// The trades' bars (nil when ``Configuration/aggregates`` is off), kept by the backend.
    let tradeBars: (any ContinuousBarSource)?
    /// The retention policy in force.
    public let retention: RetentionPolicy
    let scheduler: MaintenanceScheduler
    let history = Mutex(MaintenanceHistory())
    /// Damage found and failing writes, until an operator acknowledges them (see ``Incident``).
    let incidents: IncidentLog
    /// The cold tier's side of each table it takes (see ``ColdTier``).
    let coldTables: [any ColdTable]
    /// The directory lock, released by ``close()``.
    private let lock: Mutex<FileDescriptor?>

    /// Opens the store in `directory`, creating it if needed, and recovers from a crash. Its
    /// tables live in the embedded engine, in the same directory.
    ///
    /// - Parameters:
    ///   - directory: the data directory.
    ///   - configuration: durability, validation and partitioning.
    /// - Returns: the open store.
    /// - Throws: ``StrataError``: `.io` if the directory cannot be created or read, `.locked` if
    ///   another process has it open, `.unsupportedFormat` for a store written by a newer
    ///   version. Damaged files do not prevent opening: they are in ``recovery``.
    public static func open(directory: String, configuration: Configuration = Configuration()) throws -> StrataStore {
        try StrataStore(directory: directory, backend: nil, configuration: configuration)
    }

    /// Opens a store whose tables live in `backend`; `directory` keeps the store's own state (its
    /// lock, incident ledger and retention policy).
    ///
    /// Continuous bars are kept by backends that can (the embedded engine, PostgreSQL): with
    /// another backend, open with ``Configuration/aggregates`` off.
    /// - Throws: ``StrataError``: as ``open(directory:configuration:)``, and `.invalidArgument`
    ///   for aggregates on a backend that cannot keep them; what the backend throws opening a table.
    public static func open(
        directory: String, backend: any StorageBackend, configuration: Configuration = Configuration()
    ) throws -> StrataStore {
        try StrataStore(directory: directory, backend: backend, configuration: configuration)
    }

    private init(directory: String, backend given: (any StorageBackend)?, configuration: Configuration) throws {
        self.directory = directory
        self.configuration = configuration
        try FileSystem.createDirectory(directory)
        lock = Mutex(try FileSystem.lockExclusively(directory + "/.lock"))
        try StrataStore.checkFormatMarker(directory)
        let incidentLog = try IncidentLog(directory: directory)
        incidents = incidentLog
        let audit = try configuration.audit.map { try StoreAudit(settings: $0, incidents: incidentLog) }
        self.audit = audit
        let declared = try configuration.declaredTables()
        do {
            _ = try SchemaCatalog.builtIn.adding(RecordSchema.tradingRecords + declared)
        } catch {
            throw StrataError(.invalidArgument, "\(error)")
        }
        let backend =
            given
            ?? EmbeddedBackend(
                directory: directory, durability: configuration.durability, sealGrace: configuration.sealGrace)
        self.backend = backend
        // Every table opened so far, closed again if a later one is refused.
        var opened: [any BackendTable] = []
        var coldTables: [any ColdTable] = []
        // A table the cold tier takes is read through it (``ColdTieredTable``).
        func withCold(_ table: any BackendTable, _ schema: RecordSchema) throws -> any BackendTable {
            guard let tier = configuration.cold,
                let cold = try tier.openTable(schema, hot: HotPartitions(schema: schema, table: table))
            else { return table }
            coldTables.append(cold)
            return ColdTieredTable(hot: table, cold: cold, schema: schema)
        }
        func open(_ schema: RecordSchema, _ options: TableOptions) throws -> any BackendTable {
            let table = try backend.openTable(schema, options: options)
            opened.append(table)
            return try withCold(table, schema)
        }
        do {
            // The built-in tables' layouts predate absent values; their partitions are the store's.
            let builtIn = TableOptions(absentValues: false, partitionDuration: configuration.partitionDuration)
            let limits = (configuration.maxNewSymbolsPerAppend, configuration.maxSymbolsPerTable)
            let ledger = incidents
            var continuous: (any ContinuousBarSource)?
            // Each built-in record's table, through a generic function opened on its metatype.
            func openBuiltIn<R: ColumnarRecord>(_ type: R.Type) throws -> any BuiltInTable {
                // Only the trades keep continuous bars, on a backend able to keep them.
                guard R.schema == .trades, configuration.aggregates else {
                    return StrataTable<R>(
                        table: try open(R.schema, builtIn), rules: configuration.validation, incidents: ledger,
                        limits: limits)
                }
                guard let keeper = backend as? any TradeBarsBackend else {
                    throw StrataError(
                        .invalidArgument,
                        "continuous bars need a backend that keeps them: open a store on the \(backend.name) backend with aggregates off"
                    )
                }
                let withBars = try keeper.openTradesWithBars(R.schema, options: builtIn)
                opened.append(withBars.trades)
                opened += withBars.bars.barTables
                continuous = withBars.bars
                return StrataTable<R>(
                    table: try withCold(withBars.trades, R.schema), rules: configuration.validation, incidents: ledger,
                    limits: limits, bars: withBars.bars)
            }
            let builtInTables = try RecordSchema.builtInRecords.map { try openBuiltIn($0) }
            self.builtInTables = builtInTables
            tradeBars = continuous
            func openDynamic(_ schema: RecordSchema) throws -> DynamicTable {
                DynamicTable(
                    schema: schema,
                    access: TableAccess(
                        table: try open(schema, TableOptions()), rules: configuration.validation, incidents: ledger,
                        limits: limits))
            }
            userTables = try declared.map(openDynamic)
            // The trading records open with the store only if it already holds one of them.
            let openRecords: @Sendable () throws -> TradingRecords = {
                [directory, configuration, backend, ledger, audit] in
                var opened: [any BackendTable] = []
                do {
                    return try TradingRecords(
                        directory: directory, configuration: configuration, incidents: ledger, audit: audit,
                        keyedState: backend.keyedState
                    ) { schema in
                        let table = try backend.openTable(schema, options: TableOptions())
                        opened.append(table)
                        return DynamicTable(
                            schema: schema,
                            access: TableAccess(
                                table: table, rules: configuration.validation, incidents: ledger, limits: limits))
                    }
                } catch {
                    for table in opened { try? table.close() }
                    throw error
                }
            }
            self.openRecords = openRecords
            let records =
                RecordSchema.tradingRecords.contains { backend.holdsTable(named: $0.name) } ? try openRecords() : nil
            if let records { opened += records.tables.map(\.access.table) }
            self.records = Mutex((records, false))
            trades = try StrataStore.builtIn(Trade.self, in: builtInTables)
            if let audit { try trades.live.setTap(named: "audit") { audit.tradesStored($0) } }
            aggregatedTrades = try StrataStore.builtIn(AggregatedTrade.self, in: builtInTables)
            quotes = try StrataStore.builtIn(Quote.self, in: builtInTables)
            retention =
                try configuration.retention ?? RetentionPolicy.load(
                    directory: directory, tables: declared.map(\.name) + RecordSchema.tradingRecords.map(\.name))
                ?? .keepEverything
            let user = userTables
            quality = try user.first { $0.schema.name == "quality_findings" && configuration.quality.enabled }
                .map { findings in
                    try QualityMonitor(
                        settings: configuration.quality, findings: findings,
                        monitored: builtInTables.compactMap { ($0 as? any RowTable)?.rows }
                            + user.filter { $0 !== findings }, directory: directory)
                }
            recovery = RecoveryReport(
                tables: builtInTables.map(\.table.recovery) + (continuous?.barTables.map(\.recovery) ?? [])
                    + userTables.map(\.access.table.recovery) + (records?.tables.map(\.access.table.recovery) ?? []))
        } catch {
            for table in opened { try? table.close() }
            try? audit?.close()
            throw error
        }
        self.coldTables = coldTables
        scheduler = MaintenanceScheduler()
        recordRecoveryIncidents()
        if let interval = configuration.maintenanceInterval { scheduler.start(every: interval, store: self) }
    }

    private static func checkFormatMarker(_ directory: String) throws {
        let path = directory + "/STRATA"
        if FileSystem.exists(path) {
            let text = String(decoding: try FileDescriptor(path: path, flags: O_RDONLY).readAll(), as: UTF8.self)
            let version = text.split(separator: "\n").first.flatMap { line in
                line.hasPrefix("strata-format ") ? Int(line.dropFirst("strata-format ".count)) : nil
            }
            guard let version else { throw StrataError(.corruptFile, "unreadable store marker", path: path) }
            guard version <= formatVersion else {
                throw StrataError(
                    .unsupportedFormat, "store format \(version) is newer than this build (\(formatVersion))",
                    path: path)
            }
        } else {
            try FileSystem.writeAtomically(path, chunks: [Array("strata-format \(formatVersion)\n".utf8)])
        }
    }

    /// Every table: the built-in ones (trades, aggregated trades, quotes), the bar tables, the
    /// user-defined ones, then the trading records'.
    var allTables: [any BackendTable] {
        builtInTables.map(\.table) + (tradeBars?.barTables ?? []) + userTables.map(\.access.table)
            + (openedRecords?.tables.map(\.access.table) ?? [])
    }

    /// How each keyed state (orders, jobs, anomalies) was rebuilt when the store opened: from
    /// which snapshot, with how many events after it, in how long.
    /// Empty while the trading records are not open.
    public var keyedRecovery: [KeyedStateRecovery] { openedRecords?.keyedRecovery ?? [] }

    /// The built-in table whose records are `R` (`store.table(Trade.self)` is ``trades``): every
    /// record of ``RecordSchema/builtInRecords`` has one; nil for any other type.
    public func table<R: ColumnarRecord>(_ type: R.Type) -> StrataTable<R>? {
        builtInTables.lazy.compactMap { $0 as? StrataTable<R> }.first
    }

    /// `R`'s table among `tables` (the typed conveniences, while the store opens).
    private static func builtIn<R: ColumnarRecord>(_ type: R.Type, in tables: [any BuiltInTable]) throws
        -> StrataTable<R>
    {
        guard let table = tables.lazy.compactMap({ $0 as? StrataTable<R> }).first else {
            throw StrataError(.invalidArgument, "\(R.schema.name) is not in RecordSchema.builtInRecords")
        }
        return table
    }

    /// The table called `name` (or answering to it as an alias), taking and giving ``Row``s by
    /// column name: a user-defined table, a built-in one (its rows are also checked by its
    /// record's rules and stored as its typed records are), or one of the trading records'
    /// (`order_events`, `job_events`, `anomaly_events`, `signal_history`).
    public func table(named name: String) -> DynamicTable? {
        func find(_ tables: [DynamicTable]) -> DynamicTable? {
            tables.first { $0.schema.name == name } ?? tables.first { $0.schema.aliases.contains(name) }
        }
        if let table = find(builtInTables.compactMap { ($0 as? any RowTable)?.rows } + userTables) { return table }
        guard RecordSchema.tradingRecords.contains(where: { $0.names.contains(name) }) else { return nil }
        return (try? tradingRecords()).flatMap { find($0.tables) }
    }

    /// Size and shape of every table; a bar table counts the bars queries see, including those
    /// of partitions still in memory (stored only when their partition is sealed).
    public func stats() -> [TableStats] {
        builtInTables.map { $0.table.stats() }
            + (tradeBars?.stats() ?? []) + userTables.map { $0.stats() }
            + (openedRecords?.tables.map { $0.stats() } ?? [])
    }

    /// Health of every table's write path.
    public func health() -> [TableHealth] { allTables.map(\.health) }

    /// Every open table's bytes per column (encoded in sealed files, and raw) and what it holds
    /// in memory (``TableStorage``).
    public func storage() -> [TableStorage] { allTables.map { $0.storage() } }

    /// Seals every partition whose period is over (by the newest data or by `now`) and merges
    /// late rows into sealed partitions.
    /// - Returns: what each table did; failures are reported in it, not thrown (data stays in
    ///   memory and in the WAL, and the next run retries).
    @discardableResult
    public func compact(now: Timestamp = WallClock.now()) -> CompactionReport {
        CompactionReport(tables: allTables.map { $0.compact(now: now) })
    }

    /// Makes every acknowledged append durable now.
    public func flush() throws { for table in allTables { try table.flush() } }

    /// Flushes and closes every table. Later calls on the store throw `.closed`; live
    /// subscriptions end with ``LiveTermination/storeClosed`` after their buffered rows.
    public func close() throws {
        scheduler.stop()
        // The keyed states' last snapshots, while their tables are open.
        let records = self.records.withLock { records in
            records.closed = true
            return records.opened
        }
        records?.close()
        var firstError: (any Error)?
        do { try quality?.saveCounts() } catch { firstError = error }
        for table in allTables {
            do { try table.close() } catch { firstError = firstError ?? error }
        }
        do { try backend.close() } catch { firstError = firstError ?? error }
        do { try audit?.close() } catch { firstError = firstError ?? error }
        lock.withLock { $0 = nil }
        if let firstError { throw firstError }
    }
}

/// What opening a store recovered.
public struct RecoveryReport: Sendable, CustomStringConvertible {
    public var tables: [TableRecovery]
    /// Rows replayed from the WAL across tables.
    public var rowsReplayed: Int { tables.reduce(0) { $0 + $1.rowsReplayed } }
    /// Files that could not be read.
    public var damagedFiles: [StrataError] { tables.flatMap(\.damagedFiles) }
    /// Bytes cut from the WAL (torn tails and damage).
    public var bytesTruncated: Int64 { tables.reduce(0) { $0 + $1.bytesTruncated } }
    /// True when something stored may be lost or unreadable in any table (see
    /// ``TableRecovery/isDamaged``); a torn WAL tail after a crash is not damage.
    public var isDamaged: Bool { tables.contains { $0.isDamaged } }
    /// Rows lost to WAL damage across tables (a lower bound; see ``TableRecovery/rowsLost``).
    public var rowsLost: Int { tables.reduce(0) { $0 + $1.rowsLost } }
    public var description: String { tables.map(\.description).joined(separator: "\n") }
}

/// What a compaction did.
public struct CompactionReport: Sendable, CustomStringConvertible {
    public var tables: [TableMaintenance]
    public var errors: [StrataError] { tables.flatMap(\.errors) }
    public var description: String { tables.map(\.description).joined(separator: "\n") }
}

/// A built-in table, whatever its record (what the store does to every table alike).
protocol BuiltInTable: Sendable {
    var table: any BackendTable { get }
}

extension StrataTable: BuiltInTable {}

/// A built-in table's ``Row`` view, whatever its record.
protocol RowTable {
    var rows: DynamicTable { get }
}

extension StrataTable: RowTable {}

extension StrataStore.Configuration {
    /// The user-defined tables a store opens with this configuration: its `tables`, less any of
    /// the trading records' (declared before the store had them, they are the store's own), and
    /// the quality monitor's findings table when the monitor is on. What `strata migrate` plans
    /// for, so a node started without migrating finds every table it opens.
    /// - Throws: the findings table's ``SchemaError`` (never in practice: its declaration is fixed).
    public func declaredTables() throws -> [RecordSchema] {
        var declared = tables.filter { !RecordSchema.tradingRecords.contains($0) }
        if quality.enabled, !declared.contains(where: { $0.name == "quality_findings" }) {
            declared.append(try QualityFinding.schema)
        }
        return declared
    }
}
