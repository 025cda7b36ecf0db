public import StrataCore

/// Where the next page of a range read starts: the time of its first row and how many rows at
/// that very time the pages before already returned (rows may share a nanosecond, so a time
/// alone would repeat or skip them).
///
/// Its text form, `<epoch ns>:<rows to skip>` (`1719878281500000000:2`), is what the API's
/// `cursor` parameter and the CLI's `--cursor` take back.
public struct RangeCursor: Sendable, Hashable, LosslessStringConvertible {
    /// The time of the next page's first row.
    public let timestamp: Timestamp
    /// Rows at ``timestamp`` already returned.
    public let skip: Int

    public init(timestamp: Timestamp, skip: Int) {
        self.timestamp = timestamp
        self.skip = skip
    }

    public init?(_ description: String) {
        guard let colon = description.lastIndex(of: ":"),
            let nanoseconds = Int64(description[..<colon]),
            let skip = Int(description[description.index(after: colon)...]), skip >= 0
        else { return nil }
        self.init(timestamp: Timestamp(nanoseconds: nanoseconds), skip: skip)
    }

    public var description: String { "\(timestamp.nanoseconds):\(skip)" }
}

/// One page of a range read: at most the limit's rows, oldest first, and where the next page
/// starts if more rows matched.
public struct RangePage<Record: Sendable>: Sendable {
    public var rows: [Record]
    /// nil when this page holds the last matching row.
    public var next: RangeCursor?
}

extension StrataTable {
    /// Rows of `symbol` with `from <= timestamp < to`, oldest first, at most `limit` of them,
    /// starting at `cursor` (a previous page's ``RangePage/next``) when given.
    ///
    /// The limit is pushed into the read: memory copies and sealed blocks beyond the page are not
    /// touched, so a page of 1,000 rows from a day of millions costs a page, not the day.
    /// ```swift
    /// var page = try await store.trades.range(symbol: "BTCUSDT", from: start, to: end, limit: 10_000)
    /// while let next = page.next {
    ///     page = try await store.trades.range(symbol: "BTCUSDT", from: start, to: end, limit: 10_000, after: next)
    /// }
    /// ```
    /// - Throws: ``StrataError`` `.invalidArgument` for a limit below 1 or a cursor outside
    ///   `[from, to)`; `.corruptFile` if a sealed block needed is damaged; `.closed`.
    public func range(
        symbol: Symbol, from: Timestamp, to: Timestamp, limit: Int, after cursor: RangeCursor? = nil
    ) async throws -> RangePage<Record> {
        let page = try access.page(symbol: symbol, from: from, to: to, limit: limit, after: cursor)
        return RangePage(rows: Record.decode(page.rows, symbol: symbol), next: page.next)
    }
}

extension TableAccess {
    /// One page of a range read as engine rows (see ``StrataTable/range(symbol:from:to:limit:after:)``).
    func page(symbol: Symbol, from: Timestamp, to: Timestamp, limit: Int, after cursor: RangeCursor?) throws
        -> (rows: RowSet, next: RangeCursor?)
    {
        guard limit >= 1 else { throw StrataError(.invalidArgument, "limit must be >= 1, got \(limit)") }
        if let cursor, cursor.timestamp < from || cursor.timestamp >= to {
            throw StrataError(.invalidArgument, "cursor \(cursor) is outside the range [\(from), \(to))")
        }
        let start = cursor?.timestamp ?? from
        let skip = cursor?.skip ?? 0
        let (wanted, overflow) = skip.addingReportingOverflow(limit + 1)
        var rows = try reading {
            try table.range(
                symbol: symbol.name, from: start.nanoseconds, to: to.nanoseconds, limit: overflow ? .max : wanted)
        }
        let ts = table.timestampLane
        // The rows at the cursor's time that earlier pages returned.
        var dropped = 0
        while dropped < skip && dropped < rows.count && rows.columns[ts][dropped] == start.nanoseconds { dropped += 1 }
        if dropped > 0 {
            for c in 0..<rows.columns.count { rows.columns[c].removeFirst(dropped) }
        }
        var next: RangeCursor?
        if rows.count > limit {
            let time = rows.columns[ts][limit]
            var atTime = 0
            var index = limit - 1
            while index >= 0 && rows.columns[ts][index] == time {
                atTime += 1
                index -= 1
            }
            // A page made only of rows at the cursor's time continues its count.
            if index < 0 && time == start.nanoseconds { atTime += dropped }
            next = RangeCursor(timestamp: Timestamp(nanoseconds: time), skip: atTime)
            for c in 0..<rows.columns.count { rows.columns[c].removeSubrange(limit...) }
        }
        return (rows, next)
    }
}
