public import StrataCore
import StrataEngine

/// One table of a ``StrataStore``: trades, aggregated trades or quotes.
///
/// Conforms to ``TimeSeriesStore``, the protocol every backend implements, so code written
/// against it runs on the embedded engine today and on PostgreSQL or ClickHouse later.
///
/// ```swift
/// let report = try await store.trades.append(trades)
/// let recent = try await store.trades.latest(symbol: "BTCUSDT", limit: 100)
/// let hour = try await store.trades.range(symbol: "BTCUSDT", from: t0, to: t0.advanced(by: 3_600_000_000_000))
/// ```
///
/// Every method is safe to call from many tasks at once. Calls block their thread for the
/// duration of the engine operation (a WAL write and, by policy, an fsync).
public final class StrataTable<Record: ColumnarRecord>: TimeSeriesStore, Sendable {
    /// The engine table underneath, its rules, limits and incident ledger (shared with
    /// ``DynamicTable``: writes and reads go through the same checks).
    let access: TableAccess
    /// The live feed's subscribers (see ``subscribe(symbols:bufferLimit:)``).
    let live: LiveHub
    /// The table taking ``Row``s by column name (what ``StrataStore/table(named:)`` gives for it).
    let rows: DynamicTable

    /// The backend's table underneath.
    var table: any BackendTable { access.table }
    var rules: ValidationRules { access.rules }
    var incidents: IncidentLog { access.incidents }

    init(
        table: any BackendTable, rules: ValidationRules, incidents: IncidentLog,
        limits: (perAppend: Int?, perTable: Int?) = (nil, nil), bars: (any ContinuousBarSource)? = nil
    ) {
        access = TableAccess(table: table, rules: rules, incidents: incidents, limits: limits)
        live = LiveHub(table: table, bars: bars)
        rows = DynamicTable(builtIn: Record.self, access: access, live: live)
    }

    /// The table's name: its record's schema's (``RecordSchema/name``).
    public var name: String { table.name }

    /// Validates every row, then appends the batch atomically.
    ///
    /// - Parameter batch: rows of any symbols, in any order (late rows are merged in time order).
    /// - Returns: rows stored and rows skipped as duplicates of stored rows (same symbol and key).
    /// - Throws: ``ValidationError`` for the first row that breaks a rule, with its
    ///   ``ValidationError/index`` (nothing from the batch is stored); ``StrataError`` if the WAL
    ///   write fails or the store is closed.
    @discardableResult
    public func append(_ batch: [Record]) async throws -> AppendReport {
        try appendNow(batch)
    }

    /// The synchronous form of ``append(_:)`` (for threads that are not in a task).
    @discardableResult
    public func appendNow(_ batch: [Record]) throws -> AppendReport {
        guard !batch.isEmpty else { return AppendReport() }
        try Record.validate(batch, with: rules, window: rules.timestampWindow())
        return try appendValidated(batch)
    }

    /// Appends rows the caller has already validated with this table's rules (the store's
    /// ``StrataStore/Configuration/validation``): the ILP path checks each row as it maps its
    /// line, to name the line, and validating again here was a second pass over every row.
    @discardableResult
    package func appendValidated(_ batch: [Record]) throws -> AppendReport {
        guard !batch.isEmpty else { return AppendReport() }
        return try access.append(Record.encode(batch))
    }

    /// Runs a read, recording a damaged block it meets as an incident (see ``TableAccess``).
    func reading<T>(_ body: () throws -> T) throws -> T { try access.reading(body) }

    /// The newest `limit` rows of `symbol`, newest first.
    /// - Throws: ``StrataError`` `.invalidArgument` for a negative limit, `.corruptFile` if a
    ///   sealed block needed is damaged, `.closed`.
    public func latest(symbol: Symbol, limit: Int) async throws -> [Record] {
        guard limit >= 0 else { throw StrataError(.invalidArgument, "limit must be >= 0, got \(limit)") }
        return Record.decode(try reading { try table.latest(symbol: symbol.name, limit: limit) }, symbol: symbol)
    }

    /// Rows of `symbol` with `from <= timestamp < to`, oldest first.
    public func range(symbol: Symbol, from: Timestamp, to: Timestamp) async throws -> [Record] {
        Record.decode(
            try reading {
                try table.range(symbol: symbol.name, from: from.nanoseconds, to: to.nanoseconds, limit: .max)
            },
            symbol: symbol)
    }

    /// The newest stored timestamp of `symbol`, or `nil` if it has none.
    public func lastTimestamp(symbol: Symbol) async throws -> Timestamp? {
        try reading { try table.lastTimestamp(symbol: symbol.name) }.map(Timestamp.init(nanoseconds:))
    }

    /// The symbols with at least one row, sorted.
    public func symbols() -> [Symbol] { table.symbols().map(Symbol.init(unchecked:)) }

    /// Rows, symbols, partitions and bytes of this table.
    public func stats() -> TableStats { table.stats() }

    /// A full scan of one numeric column: rows and exact sum per symbol.
    ///
    /// ```swift
    /// for s in try store.trades.summarize(column: "qty") {
    ///     print(s.symbol, s.rows, Quantity(mantissa: Int64(s.sum)))  // sums can exceed Int64: keep Int128
    /// }
    /// ```
    /// - Throws: ``StrataError`` `.invalidArgument` for an unknown column, `.corruptFile`.
    public func summarize(column: String) throws -> [SymbolSummary] {
        try reading { try table.summarize(column: column) }.map {
            SymbolSummary(symbol: Symbol(unchecked: $0.symbol), rows: $0.rows, sum: $0.sum)
        }
    }
}

/// Rows and the exact sum of one column for one symbol (the lanes' sum: a decimal column's
/// mantissas at its scale).
public struct SymbolSummary: Sendable, Hashable {
    public var symbol: Symbol
    public var rows: Int
    public var sum: Int128
}
