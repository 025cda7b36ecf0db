import Dispatch
public import StrataCore
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// One table of the embedded engine on its own directory: WAL, open partitions in memory,
/// sealed partition files.
///
/// ```
/// <table>/wal/0000000000000001.wal      write-ahead log segments
/// <table>/partitions/p20458.g1.col      sealed partitions (partition number, generation)
/// <table>/corrupt/                      WAL bytes cut by recovery (torn or damaged), kept for inspection
/// ```
///
/// **Write path** (``append(_:)``): under the table's *commit lock*, encode the batch as one WAL
/// frame and write it (and fsync by the ``Durability``); then, still under the commit lock, apply
/// it to the in-memory partitions in runs of whole (partition, symbol) groups, taking the *state
/// lock* for each run, and with the last run hand the stored rows to the live feed's listener.
/// Readers take only the state lock, so a query never waits for a WAL write or an fsync, only for
/// one run of an apply (~2,000 rows); rows become visible once durable, a symbol's rows of one
/// commit and partition all at once. Sealing and compaction run on the table's maintenance queue;
/// they choose and freeze partitions under both locks (never between two runs of a commit) and
/// take the state lock only to swap state, so readers and writers are not blocked while files
/// are written.
///
/// **Concurrency**: two locks, always taken in the order commit → state. The commit lock
/// serializes appenders and owns the WAL writer (appends, flush, roll-over, segment removal,
/// close), so frames reach the log and the table in the same order. Everything else is behind
/// the state lock; the WAL's size and sync figures are published for readers without either.
/// Sealed files are immutable and decoded outside both. Every method may be called from any
/// thread or task.
public final class EngineTable: Sendable {
    public let schema: TableSchema
    public let directory: String
    let walDirectory: String
    let partitionDirectory: String
    let corruptDirectory: String
    /// How much newer data must exist before an open partition seals itself.
    let sealGrace: Int64
    let state: Mutex<State>
    /// Serializes appenders and everything that writes the WAL (see the type's documentation).
    let commitLock = Mutex(CommitState())
    /// The table's WAL writer: written only under ``commitLock`` after open; its size and sync
    /// figures may be read from anywhere.
    let wal: WALWriter
    let maintenanceQueue: DispatchQueue
    let maintenanceLog = Mutex<[TableMaintenance]>([])
    /// What opening the table recovered.
    public let recovery: TableRecovery
    /// Maintains derived data (bars) from what is stored.
    let observer: (any TableObserver)?
    /// Every file-system call of the table goes through it (the real one but in tests).
    let fileSystem: any FileSystemOperations

    struct State: ~Copyable {
        var symbolIDs: [String: UInt32] = [:]
        var symbolNames: [String] = []
        var partitions: [Int64: PartitionState] = [:]
        var sequence: UInt64 = 0
        var newest: Int64?
        var closed = false
        var maintenanceScheduled = false
        /// Partitions in phase `open` (kept so the write path need not scan every partition).
        var openPartitions: Set<Int64> = []
        /// Every partition number, ascending (so queries need not sort the dictionary's keys).
        var partitionOrder: [Int64] = []
        /// Partitions dropped by retention, with the last WAL sequence at the drop: replay skips
        /// their rows up to it, so a dropped partition never comes back from the log.
        var dropped: [Int64: UInt64] = [:]

        /// Adds `partition` to ``partitionOrder`` (new partitions are almost always the newest).
        mutating func registerPartition(_ partition: Int64) {
            if let last = partitionOrder.last, last >= partition {
                let position = partitionOrder.firstIndex { $0 >= partition }!
                if partitionOrder[position] != partition { partitionOrder.insert(partition, at: position) }
            } else {
                partitionOrder.append(partition)
            }
        }
        var lastMaintenanceError: StrataError?
        /// When the last append was applied (acknowledged), for health.
        var lastCommit: Timestamp?
        /// The live feed's listener, if anyone subscribed (see ``StoredRowsListener``).
        var listener: (any StoredRowsListener)?
        /// Last-wins tables: the newest version of each (symbol, key).
        var versions = VersionIndex()

        mutating func symbolID(_ name: String) -> UInt32 {
            if let id = symbolIDs[name] { return id }
            let id = UInt32(symbolNames.count)
            symbolNames.append(name)
            symbolIDs[name] = id
            return id
        }
    }

    /// What the commit lock guards besides the WAL writer.
    struct CommitState: ~Copyable {
        /// Where each batch's WAL frame is encoded (reused).
        var frameBuffer = ByteWriter(capacity: 1 << 20)
    }

    /// Opens (creating if needed) the table in `directory`, recovering from its WAL.
    ///
    /// - Parameters:
    ///   - directory: the table's own directory.
    ///   - schema: its schema; sealed files written with another schema are reported damaged.
    ///   - durability: when appends reach stable storage.
    ///   - sealGrace: nanoseconds of newer data after which an open partition seals itself.
    /// - Throws: ``StrataError`` `.io` if the directory cannot be used. Damaged files do not
    ///   throw: they are listed in ``recovery`` and the rest of the table opens.
    public convenience init(
        directory: String, schema: TableSchema, durability: Durability, sealGrace: Int64 = 3_600_000_000_000
    ) throws {
        try self.init(directory: directory, schema: schema, durability: durability, sealGrace: sealGrace, observer: nil)
    }

    /// Opens the table on `fileSystem` (the seam the fault-injection tests use).
    package convenience init(
        directory: String, schema: TableSchema, durability: Durability, sealGrace: Int64 = 3_600_000_000_000,
        fileSystem: any FileSystemOperations
    ) throws {
        try self.init(
            directory: directory, schema: schema, durability: durability, sealGrace: sealGrace, observer: nil,
            fileSystem: fileSystem)
    }

    /// Opens the table with an observer that sees every stored row (from replay on).
    init(
        directory: String, schema: TableSchema, durability: Durability, sealGrace: Int64,
        observer: (any TableObserver)?, applyRunRows: Int = EngineTable.defaultApplyRunRows,
        fileSystem: any FileSystemOperations = SystemFileSystem()
    ) throws {
        self.observer = observer
        self.fileSystem = fileSystem
        self.applyRunRows = max(1, applyRunRows)
        self.schema = schema
        self.directory = directory
        walDirectory = directory + "/wal"
        partitionDirectory = directory + "/partitions"
        corruptDirectory = directory + "/corrupt"
        self.sealGrace = sealGrace
        maintenanceQueue = DispatchQueue(label: "strata.maintenance.\(schema.name)")
        for path in [directory, walDirectory, partitionDirectory] { try fileSystem.createDirectory(path) }
        let wal = WALWriter(directory: walDirectory, durability: durability, fileSystem: fileSystem)
        var recovered = State()
        var report = TableRecovery(table: schema.name)
        try Self.recover(
            schema: schema, partitionDirectory: partitionDirectory, walDirectory: walDirectory,
            corruptDirectory: corruptDirectory, observer: observer, wal: wal, fileSystem: fileSystem, into: &recovered,
            report: &report)
        Self.indexSealedVersions(&recovered, schema: schema)
        try wal.start()
        try Self.removeObsoleteSegments(recovered, from: wal)
        recovery = report
        self.wal = wal
        state = Mutex(recovered)
    }

    // MARK: - Writing

    /// Rows applied per hold of the state lock by default (see ``append(_:)``): about 100 µs of work.
    static let defaultApplyRunRows = 2_048
    /// Rows applied per hold of the state lock (tests make it small to interleave readers).
    let applyRunRows: Int

    /// Appends a batch (already validated) durably and applies it.
    ///
    /// Rows whose (symbol, dedup key) is already stored in the partition of their timestamp are
    /// counted as duplicates and not stored.
    /// - Returns: rows stored and duplicates.
    /// - Throws: ``StrataError`` `.io` if the WAL write fails (nothing is applied), `.closed`.
    @discardableResult
    public func append(_ batch: ColumnBatch) throws -> AppendReport {
        guard batch.count > 0 else { return AppendReport() }
        guard batch.columns.count == schema.writtenColumnCount, batch.columns.allSatisfy({ $0.count == batch.count }),
            batch.symbolIndex.allSatisfy({ Int($0) < batch.symbols.count })
        else { throw StrataError(.invalidArgument, "malformed column batch for table \(schema.name)") }
        if schema.versionIndex != nil, batch.count > VersionIndex.maximumBatchRows {
            throw StrataError(
                .invalidArgument,
                "a batch of table \(schema.name) holds at most \(VersionIndex.maximumBatchRows) rows, got \(batch.count)"
            )
        }
        return try append(written: batch)
    }

    private func append(written: ColumnBatch) throws -> AppendReport {
        var batch = written
        let plan = Applier.Plan(batch, schema: schema)
        let applier = Applier(schema: schema, observer: observer)
        let (report, needsMaintenance) = try commitLock.withLock { commit throws -> (AppendReport, Bool) in
            // The state lock briefly: the sequence is only ever advanced under the commit lock we hold.
            let (sequence, symbolIDs) = try state.withLock { state throws -> (UInt64, [UInt32]) in
                guard !state.closed else {
                    throw StrataError(.closed, "table \(schema.name) is closed", path: directory)
                }
                return (state.sequence + 1, batch.symbols.map { state.symbolID($0) })
            }
            if schema.versionIndex != nil { batch = batch.stamped(sequence: sequence, schema: schema) }
            // Without the state lock: readers go on while the frame is written and synced.
            WALFormat.encodeFrame(batch, sequence: sequence, schema: schema, into: &commit.frameBuffer)
            let touched = Self.touchedPartitions(batch, schema: schema)
            try wal.append(frame: commit.frameBuffer.bytes, sequence: sequence, touching: touched)
            // Lanes that fill a chunk under the state lock take a faulted-in one from the reserve.
            ChunkReserve.refill()
            let now = WallClock.now()
            // Applied in runs of about `applyRunRows` rows, the state lock taken for each run, so
            // a reader waits for one run, not for the whole batch. A run holds whole (partition,
            // symbol) groups: a query of one symbol sees a commit's rows of a partition all or none.
            // What was stored, for the live feed (whoever listens when the last run is applied).
            var collected: StoredCommit? = StoredCommit(batch: batch, symbolIDs: symbolIDs)
            var report = AppendReport()
            var next = 0
            while true {
                let finished = state.withLock { state -> (AppendReport, Bool)? in
                    let run = plan.slice(from: next, rows: applyRunRows)
                    applier.apply(
                        plan, groups: run, of: batch, symbolIDs: symbolIDs, to: &state, alreadySealed: nil,
                        report: &report, commit: &collected)
                    next = run.upperBound
                    guard next == plan.groups.count else { return nil }
                    applier.finish(plan, to: &state, report: report, commit: &collected)
                    state.sequence = sequence
                    state.lastCommit = now
                    if let collected, collected.stored > 0, let listener = state.listener,
                        !listener.stored(collected)
                    {
                        state.listener = nil
                    }
                    return (report, needsSealing(state) && !state.maintenanceScheduled)
                }
                if let finished { return finished }
            }
        }
        if needsMaintenance { scheduleMaintenance() }
        return report
    }

    /// Makes every acknowledged append durable now (for group commit and OS-buffered policies).
    public func flush() throws {
        try commitLock.withLock { _ in
            guard !state.withLock({ $0.closed }) else { return }
            try wal.flush()
        }
    }

    /// Waits for maintenance, syncs the WAL and closes. Later calls throw `.closed`.
    /// - Throws: ``StrataError`` `.io` if the final sync fails, or if a sync failed earlier (see
    ///   ``TableHealth/walFailure``): the table is closed all the same, but what was acknowledged
    ///   since the last good sync may not be durable.
    public func close() throws {
        maintenanceQueue.sync {}
        try commitLock.withLock { _ in
            let wasOpen = state.withLock { state in
                guard !state.closed else { return false }
                state.closed = true
                state.listener?.tableClosed()
                state.listener = nil
                return true
            }
            if wasOpen { try wal.close() }
        }
    }

    /// The partitions a batch has rows in: two divisions in the usual single-partition case.
    static func touchedPartitions(_ batch: ColumnBatch, schema: TableSchema) -> [Int64] {
        let times = batch.columns[schema.timestampIndex]
        guard let low = times.min(), let high = times.max() else { return [] }
        let first = schema.partition(of: low)
        let last = schema.partition(of: high)
        if first == last { return [first] }
        return Array(Set(times.map { schema.partition(of: $0) })).sorted()
    }
}
