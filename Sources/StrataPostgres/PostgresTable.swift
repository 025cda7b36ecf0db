import Logging
import NIOCore
import PostgresNIO
public import StrataCore
import Synchronization

/// One table of a ``PostgresBackend``: a (partitioned) PostgreSQL table and its sequence.
///
/// Every operation is one round of statements on a pooled connection, waited for by the caller
/// (``PostgresConnector/run(_:timeout:_:)``). A failure is an `.io` `StrataError` naming the host
/// and PostgreSQL's message; it is kept in ``health`` (as its write-path failure) until an
/// operation succeeds.
public final class PostgresTable: BackendTable {
    let layout: PostgresTableLayout
    let connector: PostgresConnector

    private struct State {
        var listener: (any StoredRowsListener)?
        var closed = false
        var lastCommit: Timestamp?
        var failure: StrataError?
        /// Whether ``failure`` came from a write (only a write clears it then).
        var failureOfWrite = false
        /// Partitions known to exist (created or seen by this process).
        var partitions = Set<Int64>()
    }

    private let state = Mutex(State())
    /// The trades' bars, upserted in each append's transaction (nil for every other table).
    let bars: PostgresBars.Writer?

    init(layout: PostgresTableLayout, connector: PostgresConnector, bars: PostgresBars.Writer? = nil) {
        self.layout = layout
        self.connector = connector
        self.bars = bars
    }

    public var name: String { layout.schema.name }
    public var timestampLane: Int { layout.lanes.firstIndex { $0.name == layout.schema.timestamp }! }
    public var recovery: TableRecovery { TableRecovery(table: name) }

    private var logger: Logger { connector.logger }

    // MARK: Running statements

    /// Runs `body` unless the table is closed, keeping a failure in the health state.
    private func run<T: Sendable>(
        _ what: String, write: Bool = false, _ body: @escaping @Sendable (PostgresClient) async throws -> T
    ) throws -> T {
        try ensureOpen()
        do {
            let value = try connector.run("\(what) of table \(name)", body)
            state.withLock { state in
                if write || !state.failureOfWrite { state.failure = nil }
            }
            return value
        } catch let error as StrataError {
            if error.code == .io {
                state.withLock { state in
                    state.failure = error
                    state.failureOfWrite = write
                }
            }
            throw error
        }
    }

    private func ensureOpen() throws {
        if state.withLock({ $0.closed }) {
            throw StrataError(.closed, "table \(name) is closed")
        }
    }

    /// One query's rows, parameters bound.
    func query(_ what: String, _ sql: String, _ binds: PostgresBindings) throws -> [PostgresRow] {
        let logger = self.logger
        return try run(what) { client in
            try await client.withConnection { try await $0.rows(sql, binds, logger: logger) }
        }
    }

    // MARK: Append

    public func append(_ batch: ColumnBatch) throws -> AppendReport {
        try append(batch, replica: nil).report
    }

    /// An append; with `replica`, skipped when its slot already holds its position, and the
    /// position recorded in the same transaction (``applyReplica(_:slot:position:)``).
    func append(_ batch: ColumnBatch, replica: ReplicaMark?) throws -> (report: AppendReport, skipped: Bool) {
        guard batch.count > 0 else { return (AppendReport(), false) }
        let lanes = layout.lanes
        guard batch.columns.count == lanes.count, batch.columns.allSatisfy({ $0.count == batch.count }),
            batch.symbolIndex.allSatisfy({ Int($0) < batch.symbols.count })
        else { throw StrataError(.invalidArgument, "malformed column batch for table \(name)") }
        // Encoded here, on the caller's thread; the bridge's thread only sends. The staging way's
        // rows are encoded only when the fast path cannot be (or turns out not to be) taken.
        let direct = PostgresDirectAppend(batch, layout: layout)
        let stageChunks: [ByteBuffer]?
        let partitions: Set<Int64>
        if let direct {
            stageChunks = nil
            partitions = direct.partitions
        } else {
            (stageChunks, partitions) = PostgresCopyEncoder(layout: layout).encode(batch)
        }
        var known = state.withLock { $0.partitions }
        let listening = state.withLock { $0.listener != nil }
        let (layout, logger, count) = (self.layout, self.logger, batch.count)
        let lockKey = "strata_table:" + layout.namespace + "." + name
        var ensure: [Int64] = []
        var result: AppendCount?
        for attempt in 0..<2 {
            var needed = partitions.subtracting(known)
            if let newest = partitions.max(), !known.contains(newest + 1) { needed.insert(newest + 1) }  // one ahead
            ensure = needed.sorted()
            do {
                result = try appendOnce(
                    batch, direct: direct, stageChunks: stageChunks, ensure: ensure, listening: listening, count: count,
                    lockKey: lockKey, layout: layout, logger: logger, replica: replica)
                break
            } catch let error as StrataError where attempt == 0 && error.message.contains("[SQLSTATE 23514]") {
                // No partition for a row: one this process knew was dropped (by retention on
                // another node). Make every partition of the batch again, once.
                state.withLock { $0.partitions.removeAll() }
                known = []
            }
        }
        guard let stored = result else { throw StrataError(.io, "appending to table \(name) failed") }
        if stored.replicaHeld { return (AppendReport(), true) }
        return (finishAppend(batch, stored, ensure: ensure, partitions: partitions, listening: listening), false)
    }

    /// One transaction of an append: the partitions in `ensure` made, the chunks copied into the
    /// staging table, moved into the table, the bars of the rows stored upserted; the rows stored
    /// (and the places of those not stored when `listening` or keeping bars).
    private func appendOnce(
        _ batch: ColumnBatch, direct: PostgresDirectAppend?, stageChunks: [ByteBuffer]?, ensure: [Int64],
        listening: Bool, count: Int, lockKey: String,
        layout: PostgresTableLayout, logger: Logger, replica: ReplicaMark? = nil
    ) throws -> AppendCount {
        let bars = self.bars
        return try run("appending \(count) rows", write: true) { client in
            try await client.withConnection { connection in
                try await connection.inTransaction(logger: logger) { connection in
                    var binds = PostgresBindings()
                    binds.append(lockKey)
                    try await connection.execute("SELECT pg_advisory_xact_lock(hashtext($1))", binds, logger: logger)
                    if let replica, try await replica.holds(on: connection, namespace: layout.namespace, logger: logger)
                    {
                        return AppendCount(stored: 0, duplicates: 0, skipped: [], replicaHeld: true)
                    }
                    if layout.isPartitioned {
                        for index in ensure {
                            try await Self.ensurePartition(index, layout: layout, on: connection, logger: logger)
                        }
                    }
                    var reserve = PostgresBindings()
                    reserve.append(Int64(count))
                    let base = try await connection.rows(
                        "SELECT setval('\(layout.sequence.replacing("'", with: "''"))', nextval('\(layout.sequence.replacing("'", with: "''"))') + $1 - 1) - $1 + 1",
                        reserve, logger: logger
                    ).first!.decode(Int64.self)
                    if let direct {
                        var clear = true
                        if let check = direct.conflictQuery(layout) {
                            let held = try await connection.rows(check.0, check.1, logger: logger).first?.decode(
                                Bool.self)
                            clear = held == false
                        }
                        if clear {
                            // Straight into the table: every row is stored.
                            let chunks = PostgresCopyEncoder.sequenced(direct.encoded, base: base)
                            try await connection.execute(
                                "SET LOCAL search_path TO \(SQL.quote(layout.namespace))", logger: logger)
                            try await connection.copyFrom(
                                table: layout.schema.name, columns: layout.columns.map(\.name) + ["_strata_seq"],
                                logger: logger
                            ) { writer in
                                for chunk in chunks { try await writer.write(chunk) }
                            }
                            if let bars { try await bars.write(batch, skipped: [], on: connection, logger: logger) }
                            try await replica?.record(on: connection, namespace: layout.namespace, logger: logger)
                            return AppendCount(stored: count, duplicates: 0, skipped: [])
                        }
                    }
                    let chunks = stageChunks ?? PostgresCopyEncoder(layout: layout).encode(batch).chunks
                    // The dedup sorts the whole batch: in memory rather than spilled at the default 4 MB.
                    try await connection.execute("SET LOCAL work_mem = '64MB'", logger: logger)
                    try await connection.execute(layout.createStage, logger: logger)
                    try await connection.copyFrom(
                        table: PostgresTableLayout.stage, columns: layout.stageColumns, logger: logger
                    ) { writer in
                        for chunk in chunks { try await writer.write(chunk) }
                    }
                    // Last-wins: the keys already stored are the overwrites among the batch's keys.
                    var overwrittenKeys = 0
                    var distinctKeys = count
                    if let existing = layout.existingKeys {
                        let row = try await connection.rows(existing, logger: logger).first!
                        let (keys, stored) = try row.decode((Int64, Int64).self)
                        distinctKeys = Int(keys)
                        overwrittenKeys = Int(stored)
                    }
                    var insertBinds = PostgresBindings()
                    insertBinds.append(base)
                    // The rows not stored (usually none) when someone needs them: the listener, the bars.
                    let places = listening || bars != nil
                    let stage = PostgresTableLayout.stage
                    let sql =
                        places
                        ? """
                        WITH ins(ord, fresh) AS (\(layout.insert))
                        SELECT s."_strata_ord" FROM \(stage) s WHERE NOT EXISTS (SELECT 1 FROM ins WHERE ins.ord = s."_strata_ord")
                        ORDER BY 1
                        """
                        : "WITH ins(ord, fresh) AS (\(layout.insert)) SELECT count(*)::bigint FROM ins"
                    var skipped: [Int] = []
                    var storedRows = 0
                    for row in try await connection.rows(sql, insertBinds, logger: logger) {
                        if places {
                            skipped.append(Int(try row.decode(Int64.self)))
                        } else {
                            storedRows = Int(try row.decode(Int64.self))
                        }
                    }
                    if places { storedRows = count - skipped.count }
                    if let bars { try await bars.write(batch, skipped: skipped, on: connection, logger: logger) }
                    var duplicates = 0
                    var overwrites = 0
                    if case .lastWins = layout.mode {
                        // Every row but the newest of each key, and the stored rows those replace.
                        overwrites = count - distinctKeys + overwrittenKeys
                    } else {
                        duplicates = count - storedRows
                    }
                    if duplicates > 0 || overwrites > 0 {
                        var binds = PostgresBindings()
                        binds.append(Int64(duplicates))
                        binds.append(Int64(overwrites))
                        binds.append(layout.schema.name)
                        try await connection.execute(
                            """
                            UPDATE \(SQL.qualified(layout.namespace, "strata_tables"))
                            SET duplicates_skipped = duplicates_skipped + $1, overwrites = overwrites + $2 WHERE name = $3
                            """, binds, logger: logger)
                    }
                    try await replica?.record(on: connection, namespace: layout.namespace, logger: logger)
                    return AppendCount(stored: storedRows, duplicates: duplicates, skipped: skipped)
                }
            }
        }
    }

    /// Notes the partitions and the commit; tells the listener that was registered when the
    /// append began (one registered since sees the commits after this one).
    private func finishAppend(
        _ batch: ColumnBatch, _ stored: AppendCount, ensure: [Int64], partitions: Set<Int64>, listening: Bool
    ) -> AppendReport {
        let (layout, count) = (self.layout, batch.count)
        let now = WallClock.now()
        state.withLock { state in
            state.partitions.formUnion(ensure)
            state.partitions.formUnion(partitions)
            state.lastCommit = now
            guard listening, let listener = state.listener else { return }
            var commit = StoredCommit(batch: batch, symbolIDs: (0..<batch.symbols.count).map { UInt32($0) })
            if case .lastWins = layout.mode {
                commit.stored = count
            } else {
                commit.stored = stored.stored
                commit.skipped = stored.skipped
            }
            if !listener.stored(commit) { state.listener = nil }
        }
        if case .lastWins = layout.mode { return AppendReport(stored: count, duplicates: 0) }
        return AppendReport(stored: stored.stored, duplicates: stored.duplicates)
    }

    private struct AppendCount: Sendable {
        var stored: Int
        var duplicates: Int
        /// Places in the batch of the rows not stored, ascending (when asked for).
        var skipped: [Int]
        /// A replica's batch its slot already held: nothing was written.
        var replicaHeld = false
    }

    // MARK: Reads

    public func range(symbol: String, from: Int64, to: Int64, limit: Int) throws -> RowSet {
        guard from < to, limit > 0 else { return RowSet(columnCount: layout.lanes.count) }
        var binds = PostgresBindings()
        binds.append(symbol)
        binds.append(from)
        binds.append(to)
        binds.append(Int64(limit))
        let l = layout
        return try decode(
            query(
                "reading a range",
                """
                SELECT \(l.laneSelect) FROM \(l.table) WHERE \(l.symbol) = $1 AND \(l.time) >= $2 AND \(l.time) < $3
                ORDER BY \(l.time), "_strata_seq" LIMIT $4
                """, binds))
    }

    public func latest(symbol: String, limit: Int) throws -> RowSet {
        try latest(symbol: symbol, limit: limit, before: nil)
    }

    public func latest(symbol: String, limit: Int, before: Int64) throws -> RowSet {
        try latest(symbol: symbol, limit: limit, before: Optional(before))
    }

    private func latest(symbol: String, limit: Int, before: Int64?) throws -> RowSet {
        guard limit > 0 else { return RowSet(columnCount: layout.lanes.count) }
        var binds = PostgresBindings()
        binds.append(symbol)
        binds.append(Int64(limit))
        let l = layout
        var condition = ""
        if let before {
            binds.append(before)
            condition = " AND \(l.time) < $3"
        }
        return try decode(
            query(
                "reading the latest rows",
                """
                SELECT \(l.laneSelect) FROM \(l.table) WHERE \(l.symbol) = $1\(condition)
                ORDER BY \(l.time) DESC, "_strata_seq" DESC LIMIT $2
                """, binds))
    }

    /// Rows of lanes as the seam's convention has them.
    private func decode(_ rows: [PostgresRow]) throws -> RowSet {
        let lanes = layout.lanes
        var set = RowSet(columnCount: lanes.count)
        for c in 0..<lanes.count { set.columns[c].reserveCapacity(rows.count) }
        do {
            for row in rows {
                let cells = row.makeRandomAccess()
                for (c, column) in lanes.enumerated() {
                    let cell = cells[c]
                    let lane: Int64
                    switch column.kind {
                    case .float64:
                        lane =
                            try cell.decode(Double?.self).map { Int64(bitPattern: $0.bitPattern) }
                            ?? column.kind.absentLane
                    case .bool:
                        lane = try cell.decode(Bool?.self).map { $0 ? 1 : 0 } ?? column.kind.absentLane
                    case .text, .symbol:
                        lane = try cell.decode(String?.self).map { set.texts.append($0) } ?? column.kind.absentLane
                    default:
                        lane = try cell.decode(Int64?.self) ?? column.kind.absentLane
                    }
                    set.columns[c].append(lane)
                }
            }
        } catch {
            throw connector.translate(error, "decoding rows of table \(name)")
        }
        return set
    }

    public func lastTimestamp(symbol: String) throws -> Int64? {
        var binds = PostgresBindings()
        binds.append(symbol)
        return try query(
            "reading the last timestamp",
            "SELECT max(\(layout.time)) FROM \(layout.table) WHERE \(layout.symbol) = $1", binds
        ).first.flatMap { try? $0.decode(Int64?.self) }
    }

    public var newestTimestamp: Timestamp? {
        let rows = try? query(
            "reading the newest timestamp", "SELECT max(\(layout.time)) FROM \(layout.table)", .init())
        return rows?.first.flatMap { try? $0.decode(Int64?.self) }.map { Timestamp(nanoseconds: $0) }
    }

    /// Every symbol with a row, by a loose index scan of (symbol, time): one index probe per
    /// symbol, not a scan of the rows.
    public func symbols() -> [String] {
        (try? symbolList()) ?? []
    }

    private func symbolList() throws -> [String] {
        let l = layout
        let rows = try query(
            "listing symbols",
            """
            WITH RECURSIVE s(sym) AS (
                SELECT min(\(l.symbol)) FROM \(l.table)
                UNION ALL
                SELECT (SELECT min(\(l.symbol)) FROM \(l.table) WHERE \(l.symbol) > s.sym) FROM s WHERE s.sym IS NOT NULL)
            SELECT sym FROM s WHERE sym IS NOT NULL
            """, .init())
        return try rows.map { try $0.decode(String.self) }
    }

    public func symbolSpans() throws -> [SymbolSpan] {
        let l = layout
        let rows = try query(
            "reading symbol spans",
            """
            SELECT \(l.symbol), count(*)::bigint, min(\(l.time)), max(\(l.time)) FROM \(l.table)
            GROUP BY \(l.symbol) ORDER BY \(l.symbol)
            """, .init())
        return try rows.map { row in
            let (symbol, count, first, last) = try row.decode((String, Int64, Int64, Int64).self)
            return SymbolSpan(symbol: symbol, rows: Int(count), first: first, last: last)
        }
    }

    public func symbolCensus(_ names: [String]) -> (new: Int, known: Int) {
        let known = symbols()
        let set = Set(known)
        return (names.filter { !set.contains($0) }.count, known.count)
    }

    public func summarize(column name: String) throws -> [ColumnSummary] {
        guard let column = layout.lanes.first(where: { $0.name == name || $0.storageName == name }) else {
            throw StrataError(.invalidArgument, "table \(self.name) has no column \(name)")
        }
        switch column.kind {
        case .int64, .int8, .decimal, .timestamp: break
        default:
            throw StrataError(.invalidArgument, "column \(name) of table \(self.name) is not an integer or decimal")
        }
        let l = layout
        let rows = try query(
            "summarizing \(name)",
            """
            SELECT \(l.symbol), count(*)::bigint, coalesce(sum(\(SQL.quote(column.name))), 0)::text FROM \(l.table)
            GROUP BY \(l.symbol) ORDER BY \(l.symbol)
            """, .init())
        return try rows.map { row in
            let (symbol, count, sum) = try row.decode((String, Int64, String).self)
            return ColumnSummary(
                symbol: symbol, rows: Int(count), sum: try DecimalText.mantissa(sum, scale: column.kind.scale))
        }
    }

    // MARK: Size, health, maintenance

    /// Counts from PostgreSQL: rows and symbols counted (exact, a scan), bytes of every
    /// partition with indexes and TOAST (`pg_total_relation_size`), partitions; none sealed
    /// (PostgreSQL has no such step). On a failure, zeros (and ``health`` says why).
    public func stats() -> TableStats {
        var stats = TableStats(table: name)
        let l = layout
        guard
            let row = try? query(
                "reading stats",
                """
                SELECT (SELECT count(*) FROM \(l.table))::bigint,
                    (SELECT coalesce(sum(pg_total_relation_size(relid)), 0) FROM pg_partition_tree('\(l.table.replacing("'", with: "''"))'::regclass))::bigint,
                    (SELECT count(*) FROM pg_partition_tree('\(l.table.replacing("'", with: "''"))'::regclass) WHERE isleaf AND level > 0)::bigint,
                    (SELECT min(\(l.time)) FROM \(l.table)), (SELECT max(\(l.time)) FROM \(l.table)),
                    (SELECT duplicates_skipped FROM \(SQL.qualified(l.namespace, "strata_tables")) WHERE name = $1),
                    (SELECT overwrites FROM \(SQL.qualified(l.namespace, "strata_tables")) WHERE name = $1)
                """,
                {
                    var b = PostgresBindings(); b.append(name); return b
                }()
            ).first,
            let values = try? row.decode((Int64, Int64, Int64, Int64?, Int64?, Int64?, Int64?).self)
        else { return stats }
        stats.rows = Int(values.0)
        stats.bytesOnDisk = values.1
        stats.partitions = Int(values.2)
        stats.oldest = values.3.map { Timestamp(nanoseconds: $0) }
        stats.newest = values.4.map { Timestamp(nanoseconds: $0) }
        stats.duplicatesSkipped = Int(values.5 ?? 0)
        stats.overwrites = Int(values.6 ?? 0)
        stats.symbols = symbols().count
        return stats
    }

    /// Per column, the bytes PostgreSQL stores its values in (`pg_column_size`, summed over
    /// every row: a scan) against 8 bytes a value raw; every row counts as sealed, none in memory.
    public func storage() -> TableStorage {
        var storage = TableStorage(table: name)
        let sizes = layout.lanes.map { "coalesce(sum(pg_column_size(\(SQL.quote($0.name)))), 0)::bigint" }
        guard
            let row = try? query(
                "reading storage", "SELECT count(*)::bigint, \(sizes.joined(separator: ", ")) FROM \(layout.table)",
                .init()
            ).first
        else { return storage }
        let cells = row.makeRandomAccess()
        let rows = (try? cells[0].decode(Int64.self)) ?? 0
        storage.sealedRows = Int(rows)
        storage.columns = layout.lanes.enumerated().map { c, column in
            TableStorage.Column(
                name: column.storageName, encodedBytes: (try? cells[c + 1].decode(Int64.self)) ?? 0, rawBytes: rows * 8)
        }
        return storage
    }

    /// No WAL of ours (PostgreSQL's is the server's): the last failure of an operation on this
    /// table stands as the write path's failure until one succeeds.
    public var health: TableHealth {
        state.withLock { state in
            TableHealth(
                table: name, lastCommit: state.lastCommit, walFailure: state.failure,
                openPartitions: state.partitions.count, isClosed: state.closed)
        }
    }

    /// Reads every row of every partition (a sequential scan of each: a page PostgreSQL cannot
    /// read or whose checksum fails is an error), each partition on its own so one damaged
    /// partition is reported and the others still checked.
    public func verify() throws -> TableVerification {
        var report = TableVerification(table: name)
        for partition in try leafPartitions() {
            report.sealedPartitions += 1
            do {
                let rows = try query(
                    "verifying \(partition.name)",
                    "SELECT count(*)::bigint, (SELECT relpages FROM pg_class WHERE oid = '\(partition.qualified.replacing("'", with: "''"))'::regclass)::bigint FROM \(partition.qualified)",
                    .init())
                if let row = rows.first {
                    let (count, pages) = try row.decode((Int64, Int64).self)
                    report.rowsChecked += Int(count)
                    report.blocksChecked += Int(pages)
                }
            } catch let error as StrataError {
                report.unreadablePartitions.append(error)
            }
        }
        return report
    }

    /// A leaf of the table (a partition, or the table itself when not partitioned).
    struct Leaf {
        var name: String
        var qualified: String
        var index: Int64?
    }

    func leafPartitions() throws -> [Leaf] {
        guard layout.isPartitioned else {
            return [Leaf(name: name, qualified: layout.table, index: nil)]
        }
        var binds = PostgresBindings()
        binds.append(layout.namespace)
        binds.append(name)
        let rows = try query(
            "listing partitions",
            """
            SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
            JOIN pg_class p ON p.oid = i.inhparent JOIN pg_namespace n ON n.oid = p.relnamespace
            WHERE n.nspname = $1 AND p.relname = $2 ORDER BY c.relname
            """, binds)
        let prefix = name + "$p"
        return try rows.compactMap { row in
            let relname = try row.decode(String.self)
            guard relname.hasPrefix(prefix) else { return nil }
            var digits = Substring(relname.dropFirst(prefix.count))
            var negative = false
            if digits.first == "m" {
                negative = true
                digits = digits.dropFirst()
            }
            guard let value = Int64(digits) else { return nil }
            return Leaf(
                name: relname, qualified: SQL.qualified(layout.namespace, relname), index: negative ? -value : value)
        }.sorted { ($0.index ?? 0) < ($1.index ?? 0) }
    }

    /// Creates the partitions of `now` and the next one ahead (rows arriving later find them);
    /// nothing to seal or compact in PostgreSQL (its autovacuum does its own upkeep).
    public func compact(now: Timestamp) -> TableMaintenance {
        var report = TableMaintenance(table: name)
        guard layout.isPartitioned else { return report }
        let current = layout.partition(of: now.nanoseconds)
        do {
            try ensurePartitions([current, current + 1])
        } catch let error as StrataError {
            report.errors.append(error)
        } catch {
            report.errors.append(StrataError(.io, "\(error)"))
        }
        return report
    }

    private func ensurePartitions(_ indices: [Int64]) throws {
        let (layout, logger) = (self.layout, self.logger)
        try run("creating partitions") { client in
            try await client.withConnection { connection in
                for index in indices {
                    try await Self.ensurePartition(index, layout: layout, on: connection, logger: logger)
                }
            }
        }
        state.withLock { $0.partitions.formUnion(indices) }
    }

    /// Creates partition `index` if it is missing (the server-side function takes its bounds as
    /// parameters: no SQL is built from values).
    private static func ensurePartition(
        _ index: Int64, layout: PostgresTableLayout, on connection: PostgresConnection, logger: Logger
    ) async throws {
        let (lo, hi) = layout.bounds(of: index)
        var binds = PostgresBindings()
        binds.append(layout.namespace)
        binds.append(layout.schema.name)
        binds.append(layout.partitionName(index))
        binds.append(lo)
        binds.append(hi)
        try await connection.execute(
            "SELECT \(SQL.qualified(layout.namespace, "strata_ensure_partition"))($1, $2, $3, $4, $5)", binds,
            logger: logger)
    }

    /// Drops every whole partition ending at or before `cutoff` (`DROP TABLE` of the partition:
    /// no row-by-row delete); an unpartitioned (last-wins) table deletes the rows of those
    /// partitions' spans instead.
    public func dropPartitions(endingAtOrBefore cutoff: Int64) throws -> DroppedPartitions {
        var dropped = DroppedPartitions()
        let (layout, logger) = (self.layout, self.logger)
        if !layout.isPartitioned {
            // Rows of every partition span that ends at or before the cutoff.
            let boundary =
                layout.bounds(of: layout.partition(of: cutoff)).hi == cutoff
                ? cutoff : layout.bounds(of: layout.partition(of: cutoff)).lo
            var binds = PostgresBindings()
            binds.append(boundary)
            binds.append(layout.partitionWidth)
            let rows = try query(
                "dropping rows before \(boundary)",
                """
                WITH gone AS (DELETE FROM \(layout.table) WHERE \(layout.time) < $1 RETURNING \(layout.time))
                SELECT DISTINCT CASE WHEN \(layout.time) % $2 >= 0 THEN \(layout.time) - \(layout.time) % $2
                    ELSE \(layout.time) - \(layout.time) % $2 - $2 END, count(*) OVER ()::bigint FROM gone ORDER BY 1
                """, binds)
            for row in rows {
                let (start, count) = try row.decode((Int64, Int64).self)
                dropped.partitions.append(Timestamp(nanoseconds: start))
                dropped.rows = Int(count)
            }
            return dropped
        }
        let doomed = try leafPartitions().filter { leaf in
            guard let index = leaf.index else { return false }
            return layout.bounds(of: index).hi <= cutoff
        }
        guard !doomed.isEmpty else { return dropped }
        let lockKey = "strata_table:" + layout.namespace + "." + name
        let counts = try run("dropping \(doomed.count) partitions", write: true) { client in
            try await client.withConnection { connection in
                try await connection.inTransaction(logger: logger) { connection in
                    var binds = PostgresBindings()
                    binds.append(lockKey)
                    try await connection.execute("SELECT pg_advisory_xact_lock(hashtext($1))", binds, logger: logger)
                    var counts: [(Int64, Int64)] = []
                    for leaf in doomed {
                        let quoted = leaf.qualified.replacing("'", with: "''")
                        let row = try await connection.rows(
                            "SELECT count(*)::bigint, pg_total_relation_size('\(quoted)'::regclass)::bigint FROM \(leaf.qualified)",
                            logger: logger
                        ).first!
                        counts.append(try row.decode((Int64, Int64).self))
                        try await connection.execute("DROP TABLE \(leaf.qualified)", logger: logger)
                    }
                    return counts.map { [$0.0, $0.1] }
                }
            }
        }
        for (leaf, count) in zip(doomed, counts) {
            // An empty partition made ahead is dropped without being reported, as the engine has none.
            guard count[0] > 0 else { continue }
            dropped.partitions.append(Timestamp(nanoseconds: layout.bounds(of: leaf.index!).lo))
            dropped.rows += Int(count[0])
            dropped.bytes += count[1]
        }
        state.withLock { state in
            for leaf in doomed { state.partitions.remove(leaf.index!) }
        }
        return dropped
    }

    // MARK: Listener, durability, close

    public func updateListener<Result, Failure: Error>(
        _ body: (inout (any StoredRowsListener)?, _ closed: Bool) throws(Failure) -> Result
    ) throws(Failure) -> Result {
        try state.withLock { (state) throws(Failure) -> Result in try body(&state.listener, state.closed) }
    }

    /// PostgreSQL syncs its own WAL at commit: there is no sync of ours to report.
    public func observeWALSyncs(_ observer: (@Sendable (_ nanoseconds: Int64) -> Void)?) {}

    /// Every acknowledged append was committed (durable as the server's `synchronous_commit`
    /// makes commits): nothing to do but refuse a closed table.
    public func flush() throws { try ensureOpen() }

    public func close() throws {
        let listener = state.withLock { state -> (any StoredRowsListener)? in
            guard !state.closed else { return nil }
            state.closed = true
            defer { state.listener = nil }
            return state.listener
        }
        listener?.tableClosed()
    }
}
