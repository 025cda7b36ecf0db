import Strata
import Synchronization

/// A second ``StorageBackend``, written only against the seam: every table a list of rows per
/// symbol in memory, kept in time order (rows of equal time in arrival order), deduplicated by a
/// keep-first key or replaced by a last-wins key. It is the reference model the embedded
/// engine's answers are compared with through the same `StrataStore` API, and the proof that the
/// store needs nothing of a backend but the seam. Its tables outlive a store: reopening a store
/// on the same backend finds the rows.
final class ReferenceBackend: StorageBackend {
    private let tables = Mutex<[String: ReferenceTable]>([:])

    var name: String { "reference" }

    func openTable(_ schema: RecordSchema, options: TableOptions) throws -> any BackendTable {
        tables.withLock { tables in
            if let table = tables[schema.name] {
                table.reopen()
                return table
            }
            let table = ReferenceTable(schema: schema)
            tables[schema.name] = table
            return table
        }
    }

    func close() throws {}
}

final class ReferenceTable: BackendTable {
    /// One stored row: its lanes, with text values held as strings (the batch's heap is gone
    /// once the append returns).
    struct StoredRow {
        var lanes: [Int64]
        var texts: [Int: String]
    }

    struct State {
        var rows: [String: [StoredRow]] = [:]
        var listener: (any StoredRowsListener)?
        var closed = false
        var duplicates = 0
        var overwrites = 0
    }

    let schema: RecordSchema
    let timestampLane: Int
    private let textLanes: [Int]
    private let keyLane: Int?
    private let state = Mutex(State())

    init(schema: RecordSchema) {
        self.schema = schema
        let columns = schema.storageColumns
        timestampLane = columns.firstIndex { $0.name == schema.timestamp }!
        textLanes = columns.indices.filter { columns[$0].kind == .text }
        keyLane = schema.key.flatMap { key in columns.firstIndex { $0.name == key.column } }
    }

    var name: String { schema.name }
    var recovery: TableRecovery { TableRecovery(table: name) }

    func reopen() { state.withLock { $0.closed = false } }

    private func open(_ state: borrowing State) throws {
        if state.closed { throw StrataError(.closed, "table \(name) is closed") }
    }

    func append(_ batch: ColumnBatch) throws -> AppendReport {
        try state.withLock { state in
            try open(state)
            var commit = StoredCommit(batch: batch, symbolIDs: Array(0..<UInt32(batch.symbols.count)))
            for row in 0..<batch.count {
                let symbol = batch.symbols[Int(batch.symbolIndex[row])]
                var stored = StoredRow(lanes: batch.columns.map { $0[row] }, texts: [:])
                for lane in textLanes where stored.lanes[lane] >= 0 {
                    stored.texts[lane] = batch.texts.string(stored.lanes[lane])
                }
                var rows = state.rows[symbol, default: []]
                if let keyLane, let existing = rows.firstIndex(where: { $0.lanes[keyLane] == stored.lanes[keyLane] }) {
                    if schema.key?.policy == .keepFirst {
                        commit.skipped.append(row)
                        state.duplicates += 1
                        continue
                    }
                    rows.remove(at: existing)
                    state.overwrites += 1
                }
                let time = stored.lanes[timestampLane]
                let position = rows.lastIndex { $0.lanes[timestampLane] <= time }.map { $0 + 1 } ?? 0
                rows.insert(stored, at: position)
                state.rows[symbol] = rows
                commit.stored += 1
            }
            if let listener = state.listener, !listener.stored(commit) { state.listener = nil }
            return AppendReport(stored: commit.stored, duplicates: commit.skipped.count)
        }
    }

    /// `rows` as a row set: lanes as stored, texts in a new heap.
    private func rowSet(_ rows: some Collection<StoredRow>) -> RowSet {
        var set = RowSet(columnCount: schema.storageColumns.count)
        for row in rows {
            for lane in row.lanes.indices {
                set.columns[lane].append(row.texts[lane].map { set.texts.append($0) } ?? row.lanes[lane])
            }
        }
        return set
    }

    func range(symbol: String, from: Int64, to: Int64, limit: Int) throws -> RowSet {
        try state.withLock { state in
            try open(state)
            let rows = (state.rows[symbol] ?? []).filter {
                $0.lanes[timestampLane] >= from && $0.lanes[timestampLane] < to
            }
            return rowSet(rows.prefix(limit))
        }
    }

    func latest(symbol: String, limit: Int) throws -> RowSet {
        try state.withLock { state in
            try open(state)
            return rowSet((state.rows[symbol] ?? []).reversed().prefix(limit))
        }
    }

    func lastTimestamp(symbol: String) throws -> Int64? {
        try state.withLock { state in
            try open(state)
            return state.rows[symbol]?.last?.lanes[timestampLane]
        }
    }

    var newestTimestamp: Timestamp? {
        state.withLock { state in
            state.rows.values.compactMap { $0.last?.lanes[timestampLane] }.max().map(Timestamp.init(nanoseconds:))
        }
    }

    func symbols() -> [String] { state.withLock { $0.rows.filter { !$0.value.isEmpty }.keys.sorted() } }

    func symbolSpans() throws -> [SymbolSpan] {
        state.withLock { state in
            state.rows.filter { !$0.value.isEmpty }.keys.sorted().map { symbol in
                let rows = state.rows[symbol]!
                return SymbolSpan(
                    symbol: symbol, rows: rows.count, first: rows.first!.lanes[timestampLane],
                    last: rows.last!.lanes[timestampLane])
            }
        }
    }

    func symbolCensus(_ names: [String]) -> (new: Int, known: Int) {
        state.withLock { state in (Set(names).filter { state.rows[$0] == nil }.count, state.rows.count) }
    }

    func aggregate(_ request: ColumnAggregate.Request) throws -> [ColumnAggregate.Row] {
        throw StrataError(.invalidArgument, "the reference backend offers no aggregates")
    }

    func summarize(column name: String) throws -> [ColumnSummary] {
        throw StrataError(.invalidArgument, "the reference backend offers no column summaries")
    }

    func stats() -> TableStats {
        state.withLock { state in
            let times = state.rows.values.flatMap { $0.map { $0.lanes[timestampLane] } }
            return TableStats(
                table: name, rows: times.count, symbols: state.rows.count, duplicatesSkipped: state.duplicates,
                overwrites: state.overwrites, oldest: times.min().map(Timestamp.init(nanoseconds:)),
                newest: times.max().map(Timestamp.init(nanoseconds:)))
        }
    }

    /// Every row in memory (8-byte lanes), nothing sealed.
    func storage() -> TableStorage {
        state.withLock { state in
            let lanes = state.rows.values.reduce(0) { $0 + $1.reduce(0) { $0 + $1.lanes.count } }
            let rows = state.rows.values.reduce(0) { $0 + $1.count }
            return TableStorage(table: name, memoryRows: rows, memoryBytes: Int64(lanes * 8))
        }
    }

    var health: TableHealth { state.withLock { TableHealth(table: name, isClosed: $0.closed) } }
    func verify() throws -> TableVerification { TableVerification(table: name) }
    func compact(now: Timestamp) -> TableMaintenance { TableMaintenance(table: name) }
    func dropPartitions(endingAtOrBefore cutoff: Int64) throws -> DroppedPartitions { DroppedPartitions() }

    func updateListener<Result, Failure: Error>(
        _ body: (inout (any StoredRowsListener)?, _ closed: Bool) throws(Failure) -> Result
    ) throws(Failure) -> Result {
        try state.withLock { (state) throws(Failure) -> Result in try body(&state.listener, state.closed) }
    }

    func observeWALSyncs(_ observer: (@Sendable (_ nanoseconds: Int64) -> Void)?) {}
    func flush() throws {}

    func close() throws {
        state.withLock { state in
            state.listener?.tableClosed()
            state.listener = nil
            state.closed = true
        }
    }
}
