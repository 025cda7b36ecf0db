/// A store of one kind of time-series record, the seam every backend implements.
///
/// The embedded engine, PostgreSQL, Redis and ClickHouse each provide conformances; the
/// `Strata` facade composes them. Signatures use only StrataCore types, are batch-first and
/// async, and throw ``StrataError`` (and ``ValidationError`` for rejected input).
///
/// ```swift
/// func record<S: TimeSeriesStore<Trade>>(_ trades: [Trade], into store: S) async throws {
///     let report = try await store.append(trades)
///     print(report.stored, report.duplicates)
/// }
/// ```
public protocol TimeSeriesStore<Record>: Sendable {
    associatedtype Record: TimeSeriesRecord

    /// Appends a batch atomically: either every row is accepted (stored, or counted as a
    /// duplicate of a stored row) or none is.
    /// - Returns: how many rows were stored and how many were duplicates.
    /// - Throws: ``ValidationError`` for a row that breaks a rule (its ``ValidationError/index``
    ///   says which; nothing from the batch is stored); ``StrataError`` for a failed write.
    @discardableResult
    func append(_ batch: [Record]) async throws -> AppendReport

    /// The newest `limit` rows of `symbol`, newest first (`ORDER BY ts DESC LIMIT limit`).
    func latest(symbol: Symbol, limit: Int) async throws -> [Record]

    /// The rows of `symbol` with `from <= timestamp < to`, oldest first.
    func range(symbol: Symbol, from: Timestamp, to: Timestamp) async throws -> [Record]

    /// The newest stored timestamp of `symbol`, or `nil` if it has no rows (for gap recovery).
    func lastTimestamp(symbol: Symbol) async throws -> Timestamp?
}

/// What an append did.
public struct AppendReport: Sendable, Hashable, Codable {
    /// Rows stored.
    public var stored: Int
    /// Rows not stored because a row with the same (symbol, dedup key) already was.
    public var duplicates: Int

    public init(stored: Int = 0, duplicates: Int = 0) {
        self.stored = stored
        self.duplicates = duplicates
    }

    public static func + (lhs: AppendReport, rhs: AppendReport) -> AppendReport {
        AppendReport(stored: lhs.stored + rhs.stored, duplicates: lhs.duplicates + rhs.duplicates)
    }
}

/// Size and shape of one table.
public struct TableStats: Sendable, Hashable, Codable {
    public var table: String
    public var rows: Int
    public var symbols: Int
    public var bytesOnDisk: Int64
    public var partitions: Int
    public var sealedPartitions: Int
    /// Rows stored in partitions that were already sealed, waiting for compaction.
    public var pendingLateRows: Int
    public var duplicatesSkipped: Int
    /// Last-wins tables: rows replaced by a newer write of their key (not counted in ``rows``).
    public var overwrites: Int
    public var oldest: Timestamp?
    public var newest: Timestamp?

    public init(
        table: String, rows: Int = 0, symbols: Int = 0, bytesOnDisk: Int64 = 0, partitions: Int = 0,
        sealedPartitions: Int = 0, pendingLateRows: Int = 0, duplicatesSkipped: Int = 0, overwrites: Int = 0,
        oldest: Timestamp? = nil, newest: Timestamp? = nil
    ) {
        self.overwrites = overwrites
        self.table = table
        self.rows = rows
        self.symbols = symbols
        self.bytesOnDisk = bytesOnDisk
        self.partitions = partitions
        self.sealedPartitions = sealedPartitions
        self.pendingLateRows = pendingLateRows
        self.duplicatesSkipped = duplicatesSkipped
        self.oldest = oldest
        self.newest = newest
    }
}
