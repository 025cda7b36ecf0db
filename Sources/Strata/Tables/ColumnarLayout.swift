public import StrataCore
import StrataEngine

/// How a table's rows become a ``ColumnarBatch``, derived from its schema alone (as ``RowJSON``
/// derives the API's objects): the designated timestamp, `symbol` (a dictionary of one value: a
/// read is of one symbol), then every other column in schema order, a book side (``BookSide``)
/// as one column of levels in place of its count column, an optional column's absent values as
/// absent. Lanes move into the batch as they are (timestamps, integers and decimal mantissas
/// are not copied); text is gathered into one buffer, as a dictionary when it has few distinct
/// values in the batch.
package struct ColumnarLayout: Sendable {
    private enum Member: Sendable {
        case column(name: String, lane: Int, kind: ColumnKind, absent: Int64?)
        case book(name: String, count: Int, levels: [(price: Int, size: Int)], BookLevels)
    }

    package let schema: RecordSchema
    private let members: [Member]
    private let timestampLane: Int

    package init(schema: RecordSchema) {
        self.schema = schema
        members = schema.answerMembers.map { member in
            switch member {
            case .column(let lane, let column, let absent):
                .column(name: column.name, lane: lane, kind: column.kind, absent: absent)
            case .book(let side, let count, let levels, let priceScale, let sizeScale):
                .book(
                    name: side.name, count: count, levels: levels,
                    BookLevels(
                        priceScale: priceScale, sizeScale: sizeScale,
                        levelColumns: zip(side.prices, side.sizes).map { (price: $0, size: $1) }))
            }
        }
        timestampLane = schema.timestampLane
    }

    /// Rows of `symbol` (a table's lanes in storage order) as columns.
    package func batch(_ rows: RowSet, symbol: Symbol) -> ColumnarBatch {
        let count = rows.count
        var columns: [ColumnarColumn] = []
        columns.reserveCapacity(members.count + 2)
        columns.append(ColumnarColumn(name: schema.timestamp, values: .timestamps(lane(rows, timestampLane, count))))
        columns.append(
            ColumnarColumn(
                name: "symbol",
                values: .dictionary(indices: Array(repeating: 0, count: count), values: StringColumn([symbol.name]))))
        for member in members {
            switch member {
            case .column(let name, let index, let kind, let absent):
                let values = lane(rows, index, count)
                let present = absent.flatMap { absent in
                    values.contains(absent) ? values.map { $0 != absent } : nil
                }
                columns.append(
                    ColumnarColumn(
                        name: name, values: Self.values(values, kind: kind, texts: rows.texts), present: present))
            case .book(let name, let countLane, let levelLanes, let empty):
                var levels = empty
                levels.offsets.reserveCapacity(count + 1)
                let counts = lane(rows, countLane, count)
                for row in 0..<count {
                    let depth = min(max(0, Int(counts[row])), levelLanes.count)
                    for level in 0..<depth {
                        levels.prices.append(rows.columns[levelLanes[level].price][row])
                        levels.sizes.append(rows.columns[levelLanes[level].size][row])
                    }
                    levels.offsets.append(Int32(levels.prices.count))
                }
                columns.append(ColumnarColumn(name: name, values: .levels(levels)))
            }
        }
        return ColumnarBatch(count: count, columns: columns)
    }

    /// An empty batch of this table's columns (what an answer without rows describes itself by).
    package func emptyBatch(symbol: Symbol) -> ColumnarBatch {
        batch(RowSet(columnCount: schema.storageColumns.count), symbol: symbol)
    }

    private func lane(_ rows: RowSet, _ index: Int, _ count: Int) -> [Int64] {
        index < rows.columns.count ? rows.columns[index] : Array(repeating: 0, count: count)
    }

    /// A lane's values as `kind` says (absent values become placeholders: the `present` flags say
    /// which they are).
    private static func values(_ lane: [Int64], kind: ColumnKind, texts: TextHeap) -> ColumnarValues {
        switch kind {
        case .timestamp: .timestamps(lane)
        case .int64, .symbol: .int64(lane)
        case .int8: .int8(lane.map { Int8(truncatingIfNeeded: $0) })
        case .decimal(let scale): .decimals(lane, scale: scale)
        case .float64: .float64(lane.map { Double(bitPattern: UInt64(bitPattern: $0)) })
        case .bool: .bool(lane.map { $0 > 0 })
        case .text: text(lane, texts: texts)
        }
    }

    /// Distinct values a batch's text column may have and still be sent as a dictionary: at most
    /// this many, and at most one for every `dictionaryRowsPerValue` rows.
    static let dictionaryLimit = 4_096
    static let dictionaryRowsPerValue = 4

    /// A text lane as strings, or as a dictionary when it has few distinct values.
    private static func text(_ lane: [Int64], texts: TextHeap) -> ColumnarValues {
        let limit = min(dictionaryLimit, max(1, lane.count / dictionaryRowsPerValue))
        var index: [String: Int32] = [:]
        var indices: [Int32] = []
        indices.reserveCapacity(lane.count)
        var dictionary = StringColumn()
        for reference in lane {
            let string = reference < 0 ? "" : texts.string(reference)
            if let known = index[string] {
                indices.append(known)
                continue
            }
            guard index.count < limit else { return .strings(strings(lane, texts: texts)) }
            let next = Int32(index.count)
            index[string] = next
            dictionary.append(string)
            indices.append(next)
        }
        return .dictionary(indices: indices, values: dictionary)
    }

    private static func strings(_ lane: [Int64], texts: TextHeap) -> StringColumn {
        var column = StringColumn()
        column.reserve(count: lane.count, bytes: lane.count * 16)
        for reference in lane {
            if reference < 0 {
                column.append(UnsafeRawBufferPointer(start: nil, count: 0))
            } else {
                texts.withBytes(reference) { column.append($0) }
            }
        }
        return column
    }
}

/// A range read page by page as ``ColumnarBatch``es, oldest first: each ``next()`` reads one page
/// (at most `batchRows` rows) and resumes after it, so a range of any size is read with the
/// memory of one page.
///
/// ```swift
/// var pages = trades.rangeBatches(symbol: btc, from: start, to: end)
/// while let batch = try pages.next() { … }
/// ```
public struct ColumnarPages: Sendable {
    /// Rows per page by default: a page of trades is ~3 MiB of lanes and as much of Arrow, and the
    /// next page is read while the last is on the wire (measured against 131,072: see
    /// BENCHMARKS.md, "Arrow answers").
    public static let defaultBatchRows = 65_536

    let reader: TableReader
    let layout: ColumnarLayout
    public let symbol: Symbol
    public let from: Timestamp
    public let to: Timestamp
    public let batchRows: Int
    /// Where the next page starts (nil: at `from`).
    public private(set) var cursor: RangeCursor?
    /// Rows still to read at most (nil: to the end).
    private var remaining: Int?
    private var done = false

    init(
        reader: TableReader, symbol: Symbol, from: Timestamp, to: Timestamp, batchRows: Int, limit: Int?,
        after: RangeCursor?
    ) {
        self.reader = reader
        layout = ColumnarLayout(schema: reader.schema)
        self.symbol = symbol
        self.from = from
        self.to = to
        self.batchRows = max(1, batchRows)
        remaining = limit
        cursor = after
    }

    /// The next page, or nil after the last.
    /// - Throws: ``StrataError`` from reading.
    public mutating func next() throws -> ColumnarBatch? {
        guard !done else { return nil }
        let rows = min(batchRows, remaining ?? .max)
        guard rows > 0 else {
            done = true
            return nil
        }
        let page = try reader.range(symbol: symbol, from: from, to: to, limit: rows, after: cursor)
        cursor = page.next
        remaining = remaining.map { $0 - page.rows.count }
        if page.next == nil || page.rows.count == 0 { done = true }
        guard page.rows.count > 0 else { return nil }
        return layout.batch(page.rows, symbol: symbol)
    }

    /// An empty batch of the table's columns.
    public var emptyBatch: ColumnarBatch { layout.emptyBatch(symbol: symbol) }
}

extension TableReader {
    /// The layout of this table's rows as columns.
    package var layout: ColumnarLayout { ColumnarLayout(schema: schema) }

    /// The newest `limit` rows of `symbol`, newest first, as columns.
    package func latestBatch(symbol: Symbol, limit: Int) throws -> ColumnarBatch {
        layout.batch(try latest(symbol: symbol, limit: limit), symbol: symbol)
    }

    /// The rows of `symbol` with `from <= time < to`, oldest first, page by page (at most `limit`
    /// rows in all; nil: every row), starting after `cursor`.
    package func rangeBatches(
        symbol: Symbol, from: Timestamp, to: Timestamp, batchRows: Int = ColumnarPages.defaultBatchRows,
        limit: Int? = nil, after cursor: RangeCursor? = nil
    ) -> ColumnarPages {
        ColumnarPages(
            reader: self, symbol: symbol, from: from, to: to, batchRows: batchRows, limit: limit, after: cursor)
    }
}

/// A table whose rows read as columns: the built-in tables (``StrataTable``) and the declared ones
/// (``DynamicTable``) alike.
public protocol ColumnarTable: Sendable {
    /// The table's rows as its schema lays them out (what the methods below read through).
    var columnarSource: ColumnarSource { get }
}

/// What a ``ColumnarTable`` reads its columns from (opaque: the store's reader of the table).
public struct ColumnarSource: Sendable {
    let reader: TableReader
}

extension ColumnarTable {
    /// The newest `limit` rows of `symbol`, newest first, as columns (see ``ColumnarBatch``).
    /// - Throws: ``StrataError`` `.invalidArgument` for a negative limit; what reading throws.
    public func latestBatch(symbol: Symbol, limit: Int) throws -> ColumnarBatch {
        try columnarSource.reader.latestBatch(symbol: symbol, limit: limit)
    }

    /// The rows of `symbol` with `from <= time < to`, oldest first, as columns, page by page
    /// (``ColumnarPages``): a range of any size in the memory of one page.
    public func rangeBatches(
        symbol: Symbol, from: Timestamp, to: Timestamp, batchRows: Int = ColumnarPages.defaultBatchRows
    ) -> ColumnarPages {
        columnarSource.reader.rangeBatches(symbol: symbol, from: from, to: to, batchRows: batchRows)
    }
}

extension StrataTable: ColumnarTable {
    public var columnarSource: ColumnarSource { ColumnarSource(reader: reader) }
}

extension DynamicTable: ColumnarTable {
    public var columnarSource: ColumnarSource { ColumnarSource(reader: reader) }
}
