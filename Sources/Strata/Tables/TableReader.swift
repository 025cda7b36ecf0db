package import StrataCore

/// Any table of the store — built-in or user-defined, whatever its record — read in columnar
/// form, described by its schema alone.
///
/// The layers that serve every table (the server's query routes and live feed, `strata query`)
/// read through this and show rows from the schema (`RowJSON` in the server), so a new table,
/// built-in or declared, is served without being named again. The typed tables
/// (``StrataTable``) and the dynamic ones (``DynamicTable``) answer the same reads through it.
package struct TableReader: Sendable {
    /// The table's schema: its columns are the lanes of every ``RowSet`` read here, in the order
    /// of ``RecordSchema/storageColumns``.
    package let schema: RecordSchema
    let access: TableAccess
    let live: LiveHub

    package var name: String { schema.name }

    /// The newest `limit` rows of `symbol`, newest first.
    /// - Throws: ``StrataError`` `.invalidArgument` for a negative limit; what reading throws.
    package func latest(symbol: Symbol, limit: Int) throws -> RowSet {
        guard limit >= 0 else { throw StrataError(.invalidArgument, "limit must be >= 0, got \(limit)") }
        return try access.reading { try access.table.latest(symbol: symbol.name, limit: limit) }
    }

    /// One page of rows of `symbol` with `from <= time < to`, oldest first (see
    /// ``StrataTable/range(symbol:from:to:limit:after:)``).
    package func range(symbol: Symbol, from: Timestamp, to: Timestamp, limit: Int, after cursor: RangeCursor?)
        throws -> (rows: RowSet, next: RangeCursor?)
    {
        try access.page(symbol: symbol, from: from, to: to, limit: limit, after: cursor)
    }

    /// The newest stored timestamp of `symbol`, or nil if it has none.
    package func lastTimestamp(symbol: Symbol) throws -> Timestamp? {
        try access.reading { try access.table.lastTimestamp(symbol: symbol.name) }.map(Timestamp.init(nanoseconds:))
    }

    /// The symbols with at least one row, sorted.
    package func symbols() -> [Symbol] { access.table.symbols().map(Symbol.init(unchecked:)) }

    /// Every symbol with rows, with counts and first and last times.
    package func symbolListing() throws -> [SymbolListing] { try access.symbolListing() }

    /// Count, sum, min, max, first, last and VWAP over the table's numeric columns, named as the
    /// schema names them (or by an alias), passed to the backend by the names its files know.
    package func aggregate(_ query: AggregateQuery) throws -> [AggregateRow] {
        var stored = query
        stored.functions = query.functions.map { function in
            function.renamingColumns { schema.column(named: $0)?.storageName ?? $0 }
        }
        return try access.reading { try access.table.aggregate(stored.engineRequest) }.map(AggregateRow.init)
    }

    /// Subscribes to the rows this table stores from now on, each as a row of its stored batch.
    package func subscribe(symbols: [Symbol]?, bufferLimit: Int) throws(StrataError) -> LiveSubscription<BatchRow> {
        let subscriber = try LiveSubscriber.make(kind: .rows, symbols: symbols, bufferLimit: bufferLimit)
        try live.add(subscriber)
        return LiveSubscription(subscriber: subscriber, hub: live) { entry throws(LiveFeedError) in
            guard case .rows(let batch, let rows) = entry else { return [] }
            let shared = SharedBatch(batch)
            return (rows ?? Array(0..<batch.count)).map { BatchRow(batch: shared, row: $0) }
        }
    }
}

/// A stored batch, shared by the rows of it a live subscription hands out.
package final class SharedBatch: Sendable {
    package let batch: ColumnBatch
    init(_ batch: ColumnBatch) { self.batch = batch }
}

/// One row of a stored batch (a live feed's row, read by its lanes).
package struct BatchRow: Sendable {
    package let batch: SharedBatch
    package let row: Int

    /// The row's symbol.
    package var symbol: String { batch.batch.symbols[Int(batch.batch.symbolIndex[row])] }
}

// A table is read through a ``TableReader`` (its ``ColumnarTable/columnarSource``).
extension StrataTable {
    package var reader: TableReader { TableReader(schema: Record.schema, access: access, live: live) }
}

extension DynamicTable {
    package var reader: TableReader { TableReader(schema: schema, access: access, live: live) }
}

extension StrataStore {
    /// Every table's reader: the built-in tables in the order of ``RecordSchema/builtInRecords``,
    /// the user-defined ones in the configuration's order, then the trading records' if they are
    /// open.
    package var readers: [TableReader] {
        builtInTables.compactMap { ($0 as? any ColumnarTable)?.columnarSource.reader } + userTables.map(\.reader)
            + (openedRecords?.tables.map(\.reader) ?? [])
    }

    /// The reader of the table called `name` or answering to it as an alias, built-in,
    /// user-defined or one of the trading records' (`order_events`…: opened if they are not yet,
    /// so that the live feed of order events can be subscribed to before the first order).
    package func reader(named name: String) -> TableReader? { table(named: name)?.reader }
}
