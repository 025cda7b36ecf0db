public import StrataCore

// ASOF join (issue 13): each row of a left table (trades) with the last row of a right table
// (quotes) at or before its time, for one symbol and a time range, streamed.
//
// Design: the left side is read page by page (`rangeBatches`); the right side is read over the
// same range in step, page by page, after one backward read for the row prevailing at the start
// (`latest(…, before:)`, which reads only the tail of the partitions before it). Both sides come
// oldest first, so one forward pass pairs them: a right cursor moves to the last right row at or
// before each left time. The answer is ``ColumnarBatch`` pages, one per left page: the left
// columns as they are, then the right ones gathered from the right pages they came from.

extension ColumnarTable {
    /// Each row of this table (the left side) of `symbol` with `from <= time < to`, with the
    /// last row of `right` at or before its time, page by page (``AsofPages``): pandas'
    /// `merge_asof(direction="backward", by="symbol", allow_exact_matches=True)`.
    ///
    /// ```swift
    /// var pages = try store.trades.asofJoin(store.quotes, symbol: "IBM", from: open, to: close,
    ///                                       tolerance: 1_000_000_000)  // quotes at most 1 s old
    /// while let batch = try pages.next() { … }  // ts_ns, symbol, trade_id, price, …, quotes_ts, quotes_bids, quotes_asks
    /// ```
    ///
    /// The answer's columns: this table's (its timestamp, `symbol`, its other columns), then the
    /// right table's after `prefix` — its timestamp as `<prefix>ts`, no symbol (it is the left
    /// row's), a book side's level columns prefixed too. A left row with no right row at or
    /// before it (none, or the newest older than `tolerance`) has them absent (null).
    ///
    /// Ties: a right row at the left row's very time qualifies; among right rows at one time the
    /// last stored wins (as `merge_asof` takes the last of equal keys).
    ///
    /// - Parameters:
    ///   - right: the table whose rows are looked up (a built-in or declared table, or this one).
    ///   - tolerance: the oldest a right row may be, in nanoseconds before the left row,
    ///     inclusive (nil: any age).
    ///   - prefix: before the right columns' names (default: the right table's name and `_`).
    ///   - batchRows: rows per page read from each side.
    /// - Throws: ``StrataError`` `.invalidArgument` naming the parameter for `from >= to`, a
    ///   negative tolerance, `batchRows < 1`, or a prefix that makes a right column's name a left
    ///   one's; what reading throws.
    public func asofJoin(
        _ right: some ColumnarTable, symbol: Symbol, from: Timestamp, to: Timestamp, tolerance: Int64? = nil,
        prefix: String? = nil, batchRows: Int = ColumnarPages.defaultBatchRows
    ) throws -> AsofPages {
        try columnarSource.reader.asofJoin(
            right.columnarSource.reader, symbol: symbol, from: from, to: to, tolerance: tolerance, prefix: prefix,
            batchRows: batchRows)
    }
}

extension StrataStore {
    /// ``ColumnarTable/asofJoin(_:symbol:from:to:tolerance:prefix:batchRows:)`` of two tables of
    /// the catalog by name (built-in, declared or the trading records', by name or alias).
    ///
    /// ```swift
    /// var pages = try store.asofJoin(left: "trades", right: "quotes", symbol: "IBM", from: open, to: close)
    /// ```
    /// - Throws: ``StrataError`` `.invalidArgument` naming `left` or `right` for a table the store
    ///   does not have (and listing those it has); what the join throws.
    public func asofJoin(
        left: String, right: String, symbol: Symbol, from: Timestamp, to: Timestamp, tolerance: Int64? = nil,
        prefix: String? = nil, batchRows: Int = ColumnarPages.defaultBatchRows
    ) throws -> AsofPages {
        try asofReader(left, "left").asofJoin(
            asofReader(right, "right"), symbol: symbol, from: from, to: to, tolerance: tolerance, prefix: prefix,
            batchRows: batchRows)
    }

    /// The reader of the table `name`, for the join's side `parameter`.
    package func asofReader(_ name: String, _ parameter: String) throws -> TableReader {
        guard let reader = reader(named: name) else {
            throw StrataError(
                .invalidArgument,
                "\(parameter): no table '\(name)' (tables: \(readers.map(\.name).joined(separator: ", ")))")
        }
        return reader
    }
}

extension TableReader {
    /// The join, with a page `limit` on the left rows and a left `cursor` to start after (what a
    /// paged answer needs; see ``AsofPages/cursor``).
    package func asofJoin(
        _ right: TableReader, symbol: Symbol, from: Timestamp, to: Timestamp, tolerance: Int64?, prefix: String?,
        batchRows: Int, limit: Int? = nil, after cursor: RangeCursor? = nil
    ) throws -> AsofPages {
        guard from < to else {
            throw StrataError(.invalidArgument, "to: must be after from (from \(from), to \(to))")
        }
        if let tolerance, tolerance < 0 {
            throw StrataError(.invalidArgument, "tolerance: must be 0 or more nanoseconds, got \(tolerance)")
        }
        guard batchRows >= 1 else {
            throw StrataError(.invalidArgument, "batchRows: must be at least 1, got \(batchRows)")
        }
        if let limit, limit < 1 { throw StrataError(.invalidArgument, "limit: must be at least 1, got \(limit)") }
        if let cursor, cursor.timestamp < from || cursor.timestamp >= to {
            throw StrataError(.invalidArgument, "cursor: \(cursor) is outside the range [\(from), \(to))")
        }
        return try AsofPages(
            left: self, right: right, symbol: symbol, from: from, to: to, tolerance: tolerance,
            prefix: prefix ?? right.name + "_", batchRows: batchRows, limit: limit, after: cursor)
    }

    /// The newest `limit` rows of `symbol` with `time < before`, newest first.
    package func latest(symbol: Symbol, limit: Int, before: Timestamp) throws -> RowSet {
        guard limit >= 0 else { throw StrataError(.invalidArgument, "limit must be >= 0, got \(limit)") }
        return try access.reading {
            try access.table.latest(symbol: symbol.name, limit: limit, before: before.nanoseconds)
        }
    }
}
