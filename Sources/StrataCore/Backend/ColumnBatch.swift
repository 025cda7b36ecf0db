/// Rows in columnar form: the unit the engine writes, logs and applies.
///
/// `symbols` is the batch's own dictionary; `symbolIndex[row]` points into it. `columns[c][row]`
/// is the lane of column `c` of the table schema; a text column's lane holds references into
/// `texts` (``TextHeap/append(_:)-(String)``).
public struct ColumnBatch: Sendable {
    public var symbols: [String]
    public var symbolIndex: [UInt32]
    public var columns: [[Int64]]
    /// The values of the text columns (empty when the table has none).
    public var texts = TextHeap()

    public var count: Int { symbolIndex.count }

    public init(symbols: [String], symbolIndex: [UInt32], columns: [[Int64]]) {
        self.symbols = symbols
        self.symbolIndex = symbolIndex
        self.columns = columns
    }

    public init(columnCount: Int, capacity: Int = 0) {
        symbols = []
        symbolIndex = []
        symbolIndex.reserveCapacity(capacity)
        columns = Array(repeating: [], count: columnCount)
        for c in 0..<columnCount { columns[c].reserveCapacity(capacity) }
    }
}

/// Rows read back from a table for one symbol: `columns[c][row]`, in schema order; a text
/// column's lane holds references into `texts` (``TextHeap/string(_:)``).
public struct RowSet: Sendable {
    public var columns: [[Int64]]
    /// The values of the text columns.
    public var texts = TextHeap()
    public var count: Int { columns.first?.count ?? 0 }

    public init(columns: [[Int64]]) { self.columns = columns }
    public init(columnCount: Int) { columns = Array(repeating: [], count: columnCount) }
}
