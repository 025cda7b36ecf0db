/// Where a store's tables live: the seam between the catalog (`StrataStore`, in `Strata`) and
/// what stores the rows — the embedded engine (`EmbeddedBackend`, the default), and later
/// PostgreSQL, Redis, ClickHouse and the Parquet lake, each its own target.
///
/// A backend opens tables from their ``RecordSchema``s and runs its own schema checks and
/// migrations: opening a table the backend already holds with a changed schema either applies
/// what ``RecordSchema/evolution(from:)`` allows (optional columns added at the end) or throws
/// naming the table, the column and the change. Everything above the seam — validation, symbol
/// limits, the incident ledger, typed records, the live feed, paging, JSON, the CLI — is the
/// store's, written once for every backend.
public protocol StorageBackend: Sendable {
    /// A short name for health, logs and errors (`embedded`, `postgresql`…).
    var name: String { get }

    /// Opens the table `schema` describes, creating it if the backend has none.
    /// - Parameters:
    ///   - schema: the table's description (checked: ``RecordSchema`` validates itself when built).
    ///   - options: what the store asks of this table beyond its schema.
    /// - Throws: ``StrataError``: `.invalidArgument` for a schema the backend cannot store or an
    ///   incompatible change to a stored table (naming table, column and change); `.io`,
    ///   `.corruptFile`, `.locked` for what the backend's storage refuses.
    func openTable(_ schema: RecordSchema, options: TableOptions) throws -> any BackendTable

    /// Whether the backend may already hold the table called `name` (what a store opens at once
    /// rather than on first use). The default, true, is always safe.
    func holdsTable(named name: String) -> Bool

    /// The keyed state (orders, jobs, anomalies) this backend keeps itself, shared by every node
    /// on it; nil (the default) when the store keeps it, event-sourced in its tables
    /// (``KeyedStateBackend``).
    var keyedState: (any KeyedStateBackend)? { get }

    /// Releases what the backend holds beyond its tables (connections, locks); called once by
    /// the store's `close()` after every table closed.
    func close() throws
}

extension StorageBackend {
    public func holdsTable(named name: String) -> Bool { true }

    public var keyedState: (any KeyedStateBackend)? { nil }
}

/// What a store asks of one table beyond its schema.
public struct TableOptions: Sendable, Hashable {
    /// Whether optional columns may hold absent values (``ColumnKind/absentLane``). The built-in
    /// tables' layouts predate absent values and store none.
    public var absentValues: Bool
    /// Width of a time partition in nanoseconds, for backends that partition by time: `nil`
    /// takes the schema's ``RecordSchema/partitioning`` (the built-in tables take the store's
    /// configured width).
    public var partitionDuration: Int64?

    public init(absentValues: Bool = true, partitionDuration: Int64? = nil) {
        self.absentValues = absentValues
        self.partitionDuration = partitionDuration
    }
}

/// One table of a ``StorageBackend``: what the store writes and reads through.
///
/// Rows cross the seam in columnar form: a ``ColumnBatch`` to append, a ``RowSet`` read back.
/// Their lanes are the schema's storage columns (``RecordSchema/storageColumns``: every column
/// but the symbol, in declared order) with one convention for every backend: a timestamp in
/// nanoseconds UTC, a decimal's mantissa at the column's scale, a float64's bit pattern, a bool as
/// 0 or 1, a text value as a reference into the batch's ``TextHeap``, an absent value as
/// ``ColumnKind/absentLane``. Rows of a range or a latest read are one symbol's, in time order.
///
/// A backend stores every row of an acknowledged append or none (a keep-first key drops rows
/// whose key is stored, counted in ``AppendReport``; a last-wins key replaces them, counted as
/// overwrites), and reports a failure of its storage as a ``StrataError`` — `.io` or
/// `.corruptFile` when the storage refused, so the store keeps its health degraded until a
/// write succeeds.
public protocol BackendTable: AnyObject, Sendable {
    /// The table's name (the schema's).
    var name: String { get }
    /// The index of the designated timestamp among the lanes.
    var timestampLane: Int { get }
    /// What opening the table recovered (empty for backends with nothing to recover).
    var recovery: TableRecovery { get }

    /// Stores `batch` atomically.
    func append(_ batch: ColumnBatch) throws -> AppendReport
    /// Rows of `symbol` with `from <= time < to`, oldest first, at most `limit`.
    func range(symbol: String, from: Int64, to: Int64, limit: Int) throws -> RowSet
    /// The newest `limit` rows of `symbol`, newest first.
    func latest(symbol: String, limit: Int) throws -> RowSet
    /// The newest `limit` rows of `symbol` with `time < before`, newest first (the row prevailing
    /// at a time; by default read as a range up to `before`).
    func latest(symbol: String, limit: Int, before: Int64) throws -> RowSet
    /// The time of `symbol`'s newest row.
    func lastTimestamp(symbol: String) throws -> Int64?
    /// The newest row's time over every symbol.
    var newestTimestamp: Timestamp? { get }
    /// Every symbol with a row, sorted.
    func symbols() -> [String]
    /// Every symbol with its row count and first and last times, sorted by symbol.
    func symbolSpans() throws -> [SymbolSpan]
    /// How many of `names` the table has never stored, and how many symbols it holds.
    func symbolCensus(_ names: [String]) -> (new: Int, known: Int)
    /// Aggregates over the table's numeric columns (named by their storage names).
    func aggregate(_ request: ColumnAggregate.Request) throws -> [ColumnAggregate.Row]
    /// Per symbol, the row count and the exact sum of one integer or decimal column.
    func summarize(column name: String) throws -> [ColumnSummary]

    /// Size and shape.
    func stats() -> TableStats
    /// Bytes per column, encoded and raw, and what is held in memory.
    func storage() -> TableStorage
    /// The state of the write path.
    var health: TableHealth { get }
    /// Reads every stored block and reports what is damaged.
    func verify() throws -> TableVerification

    /// Seals and compacts what is due at `now` (backends that do not partition report nothing).
    func compact(now: Timestamp) -> TableMaintenance
    /// Removes every partition (or row) older than `cutoff`, for retention.
    func dropPartitions(endingAtOrBefore cutoff: Int64) throws -> DroppedPartitions

    /// Runs `body` with the table's live listener (which it may replace or clear) and whether
    /// the table is closed, atomically with respect to appends: a listener installed here is
    /// told about exactly the commits after it (``StoredRowsListener``).
    func updateListener<Result, Failure: Error>(
        _ body: (inout (any StoredRowsListener)?, _ closed: Bool) throws(Failure) -> Result
    ) throws(Failure) -> Result
    /// Reports each sync of the write path to stable storage (its duration in nanoseconds), or
    /// stops reporting (`nil`). Backends without such a step never call it.
    func observeWALSyncs(_ observer: (@Sendable (_ nanoseconds: Int64) -> Void)?)

    /// Makes every acknowledged write durable.
    func flush() throws
    /// Flushes and closes; later calls fail with `.closed`.
    func close() throws
}

extension BackendTable {
    /// The newest `limit` rows before `before` from a range read of everything before it (a
    /// backend that can read backwards from a time does better).
    public func latest(symbol: String, limit: Int, before: Int64) throws -> RowSet {
        let rows = try range(symbol: symbol, from: .min, to: before, limit: .max)
        let take = max(0, min(limit, rows.count))
        var newest = RowSet(columns: rows.columns.map { Array($0.suffix(take).reversed()) })
        newest.texts = rows.texts
        return newest
    }
}
