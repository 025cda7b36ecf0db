public import StrataEngine

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
public final class StrataTable<Record: EngineRecord>: TimeSeriesStore, Sendable {
    /// The engine table underneath (for tools and benchmarks).
    public let engine: EngineTable
    let rules: ValidationRules
    /// The live feed's subscribers (see ``subscribe(symbols:bufferLimit:)``).
    let live: LiveHub

    init(engine: EngineTable, rules: ValidationRules, bars: TradeBars? = nil) {
        self.engine = engine
        self.rules = rules
        live = LiveHub(engine: engine, bars: bars)
    }

    /// The table's name (`trades`, `aggtrades`, `quotes`).
    public var name: String { engine.schema.name }

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
        return try engine.append(Record.encode(batch))
    }

    /// The newest `limit` rows of `symbol`, newest first.
    /// - Throws: ``StrataError`` `.invalidArgument` for a negative limit, `.corruptFile` if a
    ///   sealed block needed is damaged, `.closed`.
    public func latest(symbol: Symbol, limit: Int) async throws -> [Record] {
        guard limit >= 0 else { throw StrataError(.invalidArgument, "limit must be >= 0, got \(limit)") }
        return Record.decode(try engine.latest(symbol: symbol.name, limit: limit), symbol: symbol)
    }

    /// Rows of `symbol` with `from <= timestamp < to`, oldest first.
    public func range(symbol: Symbol, from: Timestamp, to: Timestamp) async throws -> [Record] {
        Record.decode(try engine.range(symbol: symbol.name, from: from.nanoseconds, to: to.nanoseconds), symbol: symbol)
    }

    /// The newest stored timestamp of `symbol`, or `nil` if it has none.
    public func lastTimestamp(symbol: Symbol) async throws -> Timestamp? {
        try engine.lastTimestamp(symbol: symbol.name).map(Timestamp.init(nanoseconds:))
    }

    /// The symbols with at least one row, sorted.
    public func symbols() -> [Symbol] { engine.symbols().map(Symbol.init(unchecked:)) }

    /// Rows, symbols, partitions and bytes of this table.
    public func stats() -> TableStats { engine.stats() }

    /// A full scan of one numeric column: rows and exact sum per symbol.
    ///
    /// ```swift
    /// for s in try store.trades.summarize(column: "qty") {
    ///     print(s.symbol, s.rows, Quantity(mantissa: Int64(s.sum)))  // sums can exceed Int64: keep Int128
    /// }
    /// ```
    /// - Throws: ``StrataError`` `.invalidArgument` for an unknown column, `.corruptFile`.
    public func summarize(column: String) throws -> [SymbolSummary] {
        try engine.summarize(column: column).map {
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
