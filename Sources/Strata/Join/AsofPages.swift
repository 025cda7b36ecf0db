public import StrataCore

/// An ASOF join read page by page (see ``ColumnarTable/asofJoin(_:symbol:from:to:tolerance:prefix:batchRows:)``):
/// each ``next()`` reads one page of the left table and pairs each of its rows with the last
/// right row at or before its time, reading the right table in step.
///
/// Memory is one page of each side and the row carried over from the right page before (the
/// prevailing row when a right page ends): never either side whole.
public struct AsofPages: Sendable {
    public let symbol: Symbol
    public let from: Timestamp
    public let to: Timestamp
    /// The oldest a right row may be, in nanoseconds before the left row (nil: any age).
    public let tolerance: Int64?

    private var left: ColumnarPages
    private var right: ColumnarPages
    /// The right page being read, its times and the index of its first row not yet passed.
    private var page: ColumnarBatch?
    private var pageTimes: [Int64] = []
    private var nextRight = 0
    private var rightDone = false
    /// The right row prevailing before `page` (row 0): the last of the page before, or the last
    /// row before the start.
    private var carry: ColumnarBatch?
    /// The last right row at or before the last left time seen.
    private var match: Match?
    /// The right columns written (every one but the symbol), by index in a right page.
    private let rightColumns: [Int]
    private let emptyRight: [GatheredColumn]
    private let emptyLeft: ColumnarBatch
    /// The columns being built for the current left page, and the picks not yet gathered into
    /// them (from `pendingSource`).
    private var building: [GatheredColumn]
    private var pendingRows: [Int32] = []
    private var pendingSource: Source = .none

    private enum Source: Sendable, Equatable { case none, carry, page }
    private struct Match: Sendable {
        var source: Source
        var row: Int
        var time: Int64
    }

    init(
        left: TableReader, right: TableReader, symbol: Symbol, from: Timestamp, to: Timestamp, tolerance: Int64?,
        prefix: String, batchRows: Int, limit: Int?, after cursor: RangeCursor?
    ) throws {
        self.symbol = symbol
        self.from = from
        self.to = to
        self.tolerance = tolerance
        self.left = left.rangeBatches(
            symbol: symbol, from: from, to: to, batchRows: batchRows, limit: limit, after: cursor)
        let start = cursor?.timestamp ?? from
        self.right = right.rangeBatches(symbol: symbol, from: start, to: to, batchRows: batchRows)
        emptyLeft = self.left.emptyBatch
        let rightEmpty = self.right.emptyBatch
        var columns: [Int] = []
        var empty: [GatheredColumn] = []
        for (index, column) in rightEmpty.columns.enumerated() where index != 1 {  // 1: the symbol
            columns.append(index)
            empty.append(
                GatheredColumn(
                    name: prefix + (index == 0 ? "ts" : column.name), like: column.values, levelPrefix: prefix))
        }
        rightColumns = columns
        emptyRight = empty
        building = empty
        try Self.checkNames(
            left: emptyLeft,
            right: empty.map { column in
                var column = column
                return column.take()
            }, prefix: prefix)
        // The prevailing row at the start: the newest right row before it.
        let before = try right.latest(symbol: symbol, limit: 1, before: start)
        if before.count == 1 {
            let row = right.layout.batch(before, symbol: symbol)
            if case .timestamps(let times)? = row.columns.first?.values {
                carry = row
                match = Match(source: .carry, row: 0, time: times[0])
            }
        }
    }

    /// Output names must be distinct: a right column's prefixed name may not be a left column's.
    private static func checkNames(left: ColumnarBatch, right: [ColumnarColumn], prefix: String) throws(StrataError) {
        func names(_ column: ColumnarColumn) -> [String] {
            if case .levels(let levels) = column.values {
                return [column.name] + levels.levelColumns.flatMap { [$0.price, $0.size] }
            }
            return [column.name]
        }
        let leftNames = Set(left.columns.flatMap(names))
        for column in right {
            for name in names(column) where leftNames.contains(name) {
                throw StrataError(
                    .invalidArgument,
                    "prefix: the right column '\(name)' (prefix '\(prefix)') is also a left column; choose another prefix"
                )
            }
        }
    }

    /// Where the rows a `limit` left out begin (the left table's cursor), once ``next()`` has
    /// returned nil; nil when every row was read.
    public var cursor: RangeCursor? { left.cursor }

    /// An empty batch of the answer's columns (what an answer without rows describes itself by).
    public var emptyBatch: ColumnarBatch {
        var right = emptyRight
        return ColumnarBatch(count: 0, columns: emptyLeft.columns + right.indices.map { right[$0].take() })
    }

    /// The next page: a page of left rows, each with its right row's columns (absent where none
    /// qualifies), or nil after the last.
    /// - Throws: ``StrataError`` from reading either table.
    public mutating func next() throws -> ColumnarBatch? {
        guard let leftPage = try left.next() else { return nil }
        guard case .timestamps(let times)? = leftPage.columns.first?.values else { return nil }
        for time in times {
            try advance(to: time)
            if let match, within(time, match.time) {
                record(match.source, row: Int32(match.row))
            } else {
                record(pendingSource, row: -1)
            }
        }
        flush()
        var columns = leftPage.columns
        columns.reserveCapacity(columns.count + building.count)
        for index in building.indices { columns.append(building[index].take()) }
        return ColumnarBatch(count: leftPage.count, columns: columns)
    }

    /// Whether a right row at `rightTime` is recent enough for a left row at `leftTime`.
    private func within(_ leftTime: Int64, _ rightTime: Int64) -> Bool {
        guard let tolerance else { return true }
        let (age, overflow) = leftTime.subtractingReportingOverflow(rightTime)
        return !overflow && age <= tolerance
    }

    /// Moves `match` to the last right row at or before `time`, reading right pages as needed.
    private mutating func advance(to time: Int64) throws {
        while true {
            if nextRight < pageTimes.count {
                guard pageTimes[nextRight] <= time else { return }
                // Equal times: the last stored (the last in the page order) wins.
                while nextRight < pageTimes.count && pageTimes[nextRight] <= time { nextRight += 1 }
                match = Match(source: .page, row: nextRight - 1, time: pageTimes[nextRight - 1])
                continue
            }
            guard !rightDone else { return }
            guard let next = try right.next() else {
                rightDone = true
                return
            }
            flush()
            if let match, match.source == .page, let page {
                carry = Self.row(match.row, of: page)
                self.match = Match(source: .carry, row: 0, time: match.time)
            }
            guard case .timestamps(let times)? = next.columns.first?.values else { return }
            page = next
            pageTimes = times
            nextRight = 0
        }
    }

    /// Row `row` of `batch`, as a batch of one row with the same columns.
    private static func row(_ row: Int, of batch: ColumnarBatch) -> ColumnarBatch {
        ColumnarBatch(
            count: 1,
            columns: batch.columns.map { column in
                var one = GatheredColumn(name: column.name, like: column.values)
                one.append(column, rows: CollectionOfOne(Int32(row)))
                return one.take()
            })
    }

    /// Picks `row` of `source` (-1: absent) for the next left row.
    private mutating func record(_ source: Source, row: Int32) {
        if source != pendingSource && row >= 0 {
            flush()
            pendingSource = source
        }
        pendingRows.append(row)
    }

    /// Gathers the pending picks into the columns being built.
    private mutating func flush() {
        guard !pendingRows.isEmpty else { return }
        let batch: ColumnarBatch? =
            switch pendingSource {
            case .none: nil
            case .carry: carry
            case .page: page
            }
        for index in building.indices {
            building[index].append(batch?.columns[rightColumns[index]], rows: pendingRows)
        }
        pendingRows.removeAll(keepingCapacity: true)
    }
}
