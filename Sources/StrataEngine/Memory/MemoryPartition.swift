import StrataCore
/// The in-memory rows of one time partition: a ``SymbolSlice`` per symbol id.
///
/// Used for the open partition, for a partition's frozen snapshot while it is being sealed,
/// and for the late rows that arrived after its sealing started (the *overlay*).
struct MemoryPartition: Sendable {
    var slices: [UInt32: SymbolSlice] = [:]
    var rowCount = 0
    let columnCount: Int
    /// The values of the text columns; their lanes hold references into it.
    var texts = TextHeap()

    init(columnCount: Int) { self.columnCount = columnCount }

    var isEmpty: Bool { rowCount == 0 }

    /// Admits (dedup) and inserts the rows of one symbol; returns the rows stored (in replace
    /// mode, the rows written, overwrites included). The text values of `textColumns` are copied
    /// into this partition's heap.
    mutating func insert(
        _ batch: ColumnBatch, rows: [Int], symbol: UInt32, timestampColumn: Int, keyColumn: Int?,
        writeMode: TableSchema.WriteMode = .append, bulk: Bool = false, textColumns: [Int] = [],
        placement: TextPlacement = .copy
    ) -> [Int] {
        if !textColumns.isEmpty && !rows.isEmpty {
            // The group's rows, with their text references rebased onto this partition's heap.
            var local = ColumnBatch(
                symbols: batch.symbols, symbolIndex: rows.map { batch.symbolIndex[$0] },
                columns: batch.columns.map { lane in rows.map { lane[$0] } })
            for c in textColumns {
                for i in local.columns[c].indices {
                    let reference = local.columns[c][i]
                    switch placement {
                    case .copy: local.columns[c][i] = texts.copy(reference, from: batch.texts)
                    case .shift(let shift): local.columns[c][i] = reference < 0 ? reference : reference + shift
                    }
                }
            }
            let stored = insert(
                local, rows: Array(local.symbolIndex.indices), symbol: symbol, timestampColumn: timestampColumn,
                keyColumn: keyColumn, writeMode: writeMode, bulk: bulk)
            return stored.map { rows[$0] }
        }
        var slice = slices.removeValue(forKey: symbol) ?? SymbolSlice(columnCount: columnCount)
        let before = slice.count
        let admitted: [Int]
        switch writeMode {
        case .append, .replaceByKey:
            admitted = keyColumn.map { slice.admit(batch, rows: rows, keyColumn: $0) } ?? rows
            slice.insert(batch, rows: admitted, timestampColumn: timestampColumn, bulk: bulk)
        case .replaceByTimestamp:
            _ = slice.upsert(batch, rows: rows, timestampColumn: timestampColumn)
            admitted = rows
        }
        rowCount += slice.count - before
        if slice.count > 0 { slices[symbol] = slice }
        return admitted
    }

    /// How a batch's text references become this partition's: its values copied row by row, or
    /// its whole heap taken in (shared, no copy) and its references shifted.
    enum TextPlacement: Sendable {
        case copy
        case shift(Int64)
    }

    /// Heaps smaller than this are copied: a small batch's heap keeps a whole chunk reserved, and
    /// a stream of one-line appends must not keep a chunk each.
    static let adoptedHeapBytes = 32 << 10

    /// Takes in `batch`'s text heap when it is large enough to share (see ``TextPlacement``); call
    /// once per batch and partition, then insert its groups with the placement returned.
    mutating func placeTexts(of batch: ColumnBatch) -> TextPlacement {
        guard batch.texts.byteCount >= Self.adoptedHeapBytes else { return .copy }
        return .shift(texts.absorb(batch.texts))
    }

    func hasKey(_ key: Int64, symbol: UInt32, keyColumn: Int) -> Bool {
        slices[symbol]?.hasKey(key, keyColumn: keyColumn) ?? false
    }

    func minTimestamp(timestampColumn ts: Int) -> Int64? {
        slices.values.compactMap { $0.columns[ts].first }.min()
    }

    func maxTimestamp(timestampColumn ts: Int) -> Int64? {
        slices.values.compactMap { $0.columns[ts].last }.max()
    }
}
