public import StrataCore
public import StrataTiers
import Synchronization

/// The ClickHouse analytics tier: the catalog's tables as `MergeTree` tables and the trades'
/// OHLCV bars as materialized views, fed by the ``Replicator`` from the commit log.
///
/// **Idempotent under retry.** ClickHouse 18.16's non-replicated MergeTree has no insert
/// deduplication, so the tier makes its own:
/// - every row carries `_position`, the log position of its batch; one `INSERT` per month of the
///   rows (one RowBinary block, `max_insert_block_size` above its row count, so one part per
///   table and per view target: each commits whole or not at all);
/// - after the rows, one row per log entry in the ledger table `_strata_applied` (table,
///   position, rows); the tier answers the replicator only after the ledger has them;
/// - **fast path**: when the previous call of this process ended well at the position just before
///   the batch, nothing can be half-done: the batch is inserted straight away;
/// - **recovery** (the first call, or after any failure: a timeout whose insert may have run, a
///   server killed mid-insert): entries at or below the ledger's last position are skipped; for
///   the others the tier counts what the table holds per (position, month), and what each view's
///   target holds (`sumMap` of positions), against what the batch has. A unit the table lacks
///   is inserted (its views follow); a unit the table has but a view lacks (the server died
///   between the table's part and the view's) is re-derived for that view alone with
///   `INSERT … SELECT` of the view's own query over those rows; a complete unit is skipped. So
///   no row is stored twice and no bar counts a row twice or misses one.
/// - A unit found partly stored (which one part per insert rules out) or a ledger behind the
///   replicator's cursor (ClickHouse lost data it had confirmed) is refused with
///   ``TierError`` `.rebuildNeeded`, never papered over.
///
/// One process feeds one ClickHouse database per tier (the fast path relies on it).
public final class ClickHouseTier: ReplicaTier {
    public struct Configuration: Sendable {
        /// The tier's name in health and the cursor file's name.
        public var name: String
        /// The tables it holds.
        public var tables: [RecordSchema]
        /// The timeframes of the bars views (trades-like tables only, ``ClickHouseBarViews``); empty: none.
        public var barTimeframes: [Timeframe]

        public init(
            tables: [RecordSchema], barTimeframes: [Timeframe] = Timeframe.standard, name: String = "clickhouse"
        ) {
            self.name = name
            self.tables = tables
            self.barTimeframes = barTimeframes
        }
    }

    /// One table ready in ClickHouse.
    struct Prepared: Sendable {
        var layout: ClickHouseTableLayout
        var encoder: RowBinaryEncoder
        var views: ClickHouseBarViews?
    }

    struct State: Sendable {
        var prepared: [String: Prepared] = [:]
        var version: ClickHouseVersion?
        /// Per table the last position this process applied, when its last call ended well.
        var knownApplied: [String: UInt64] = [:]
        var lastError: String?
        var insertedRows = 0
        var skippedEntries = 0
        var repairedViewUnits = 0
    }

    public let client: ClickHouseClient
    public let configuration: Configuration
    let state = Mutex(State())

    public var name: String { configuration.name }

    /// The ledger table's name.
    public static let ledgerTable = "_strata_applied"

    public init(client: ClickHouseClient, configuration: Configuration) {
        self.client = client
        self.configuration = configuration
    }

    var database: String { client.configuration.database }

    /// Creates the database, the ledger, the tables and their views if missing (`IF NOT EXISTS`:
    /// safe to call again). ``apply(table:entries:)`` calls it when needed.
    /// - Throws: ``ClickHouseError``.
    public func prepare() async throws(ClickHouseError) {
        let version = try await client.version()
        try await client.createDatabase()
        try await client.execute(
            """
            CREATE TABLE IF NOT EXISTS \(ClickHouseSQL.quote(identifier: database)).\(Self.ledgerTable) (
                table String, position UInt64, rows UInt64, committed_at Int64, applied_at DateTime DEFAULT now()
            ) ENGINE = ReplacingMergeTree ORDER BY (table, position)
            """)
        var prepared: [String: Prepared] = [:]
        for schema in configuration.tables {
            let layout = ClickHouseTableLayout(schema: schema, version: version)
            try await client.execute(layout.createStatement(database: database))
            let views =
                configuration.barTimeframes.isEmpty
                ? nil : ClickHouseBarViews(layout: layout, timeframes: configuration.barTimeframes)
            for statement in views?.createStatements(database: database) ?? [] {
                try await client.execute(statement)
            }
            prepared[schema.name] = Prepared(layout: layout, encoder: RowBinaryEncoder(schema: schema), views: views)
        }
        state.withLock { state in
            state.version = version
            state.prepared = prepared
        }
    }

    func preparedTable(_ table: String) async throws -> Prepared {
        if let ready = state.withLock({ $0.prepared[table] }) { return ready }
        guard configuration.tables.contains(where: { $0.name == table }) else {
            throw TierError(.invalidConfiguration, "clickhouse tier: table \(table) is not configured")
        }
        do { try await prepare() } catch { throw TierError(.unavailable, "clickhouse tier: \(error)") }
        guard let ready = state.withLock({ $0.prepared[table] }) else {
            throw TierError(.invalidConfiguration, "clickhouse tier: table \(table) is not configured")
        }
        return ready
    }

    /// Stores `entries` of `table` exactly once (see the type's summary).
    /// - Throws: ``TierError`` `.unavailable` when ClickHouse cannot be reached or refuses
    ///   (retry), `.rebuildNeeded` when it lost rows it had confirmed or holds a batch partly,
    ///   `.invalidConfiguration` for a table the tier does not hold.
    public func apply(table: String, entries: [LogEntry]) async throws {
        guard let first = entries.first?.position, let last = entries.last?.position else { return }
        let prepared = try await preparedTable(table)
        try Self.check(entries, of: prepared.layout.schema)
        // Forgotten until this call ends well: after any failure the next call recovers.
        let known = state.withLock { $0.knownApplied.removeValue(forKey: table) }
        do {
            if first > 0 && known == first - 1 {
                try await insert(entries, of: prepared, table: table)
                try await recordLedger(entries, table: table)
            } else {
                try await recover(entries, of: prepared, table: table)
            }
        } catch let error as TierError {
            state.withLock { $0.lastError = error.description }
            throw error
        } catch {
            let failure = TierError(.unavailable, "clickhouse tier: \(error)")
            state.withLock { $0.lastError = failure.description }
            throw failure
        }
        state.withLock { state in
            state.knownApplied[table] = last
            state.lastError = nil
        }
    }

    /// Refuses entries that do not fit the table (a foreign log, a bug): positions 1, 2, 3…
    /// consecutive, one lane per storage column, every lane and symbol index the batch's size.
    static func check(_ entries: [LogEntry], of schema: RecordSchema) throws(TierError) {
        let lanes = schema.storageColumns.count
        var expected = entries.first?.position ?? 1
        for entry in entries {
            let batch = entry.batch
            func fail(_ problem: String) -> TierError {
                TierError(
                    .invalidConfiguration,
                    "clickhouse tier: log entry \(entry.position) does not fit table \(schema.name): \(problem)")
            }
            guard entry.position >= 1, entry.position == expected else {
                throw fail("positions must be consecutive from 1, expected \(expected)")
            }
            expected += 1
            guard batch.columns.count == lanes else {
                throw fail("\(batch.columns.count) lanes, the table has \(lanes)")
            }
            guard batch.columns.allSatisfy({ $0.count == batch.count }) else { throw fail("lanes of unequal length") }
            guard batch.symbolIndex.allSatisfy({ Int($0) < batch.symbols.count }) else {
                throw fail("a symbol index past its \(batch.symbols.count) symbols")
            }
        }
    }

    /// The settings of every insert: one block for the whole body, and single-level
    /// aggregation in the views so each view's states of the block are one block too.
    static func insertSettings(rows: Int) -> [String: String] {
        [
            "max_insert_block_size": String(max(1_048_576, rows + 1)),
            "group_by_two_level_threshold": "0", "group_by_two_level_threshold_bytes": "0",
        ]
    }

    /// Inserts the given rows of entries, one insert per month.
    func insert(_ entries: [LogEntry], of prepared: Prepared, table: String, only units: Set<Unit>? = nil)
        async throws(ClickHouseError)
    {
        var months: [Int: (bytes: [UInt8], rows: Int)] = [:]
        for entry in entries {
            for (month, rows) in prepared.encoder.rowsByMonth(entry) {
                if let units, !units.contains(Unit(position: entry.position, month: month)) { continue }
                prepared.encoder.append(entry, rows: rows, into: &months[month, default: ([], 0)].bytes)
                months[month]!.rows += rows.count
            }
        }
        let statement =
            "INSERT INTO \(prepared.layout.qualifiedName(database: database)) (\(prepared.layout.insertColumns)) FORMAT RowBinary"
        for month in months.keys.sorted() {
            let (bytes, rows) = months[month]!
            try await client.insert(
                statement, body: bytes, settings: Self.insertSettings(rows: rows), queryID: queryID(table: table))
            state.withLock { $0.insertedRows += rows }
        }
    }

    /// The `query_id` of the tier's writes to `table`: `strata_<database>_<table>_<random>`, so
    /// that recovery can see whether one of them is still running (``waitForRunningWrites(table:)``).
    func queryID(table: String) -> String {
        queryIDPrefix(table: table) + String(UInt64.random(in: 0...UInt64.max), radix: 16)
    }

    func queryIDPrefix(table: String) -> String { "strata_\(database)_\(table)_" }

    /// One row per entry in the ledger.
    func recordLedger(_ entries: [LogEntry], table: String) async throws(ClickHouseError) {
        guard !entries.isEmpty else { return }
        let values = entries.map {
            "(\(ClickHouseSQL.quote(string: table)), \($0.position), \($0.batch.count), \($0.committedAt))"
        }
        try await client.execute(
            "INSERT INTO \(ClickHouseSQL.quote(identifier: database)).\(Self.ledgerTable) (table, position, rows, committed_at) VALUES "
                + values.joined(separator: ", "))
    }

    /// The last log position of `table` ClickHouse holds (the ledger's; 0 for none).
    /// - Throws: ``ClickHouseError``.
    public func appliedPosition(table: String) async throws(ClickHouseError) -> UInt64 {
        let rows = try await client.rows(
            "SELECT max(position) FROM \(ClickHouseSQL.quote(identifier: database)).\(Self.ledgerTable) WHERE table = \(ClickHouseSQL.quote(string: table))"
        )
        return rows.first?.first.flatMap { UInt64($0) } ?? 0
    }
}

/// Rows of one log position in one month: what one insert stores whole or not at all.
struct Unit: Hashable, Sendable {
    var position: UInt64
    var month: Int
}
