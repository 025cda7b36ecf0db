import StrataEngine

extension StrataTable {
    /// Subscribes to the rows this table stores from now on (see ``LiveSubscription``).
    ///
    /// ```swift
    /// let feed = try store.trades.subscribe(symbols: ["BTCUSDT"])
    /// for try await trades in feed { print(trades.count) }
    /// ```
    /// - Parameters:
    ///   - symbols: the symbols to receive; `nil` (default) for all.
    ///   - bufferLimit: most rows that may wait unread before the subscriber is dropped with
    ///     ``LiveFeedError/slowConsumer(limit:)`` (an empty buffer takes any one batch).
    /// - Throws: ``StrataError`` `.invalidArgument` for a limit below 1 or an empty symbol list,
    ///   `.closed` if the store is closed.
    public func subscribe(symbols: [Symbol]? = nil, bufferLimit: Int = 100_000) throws(StrataError)
        -> LiveSubscription<Record>
    {
        let subscriber = try LiveSubscriber.make(kind: .rows, symbols: symbols, bufferLimit: bufferLimit)
        try live.add(subscriber)
        return LiveSubscription(subscriber: subscriber, hub: live) { entry throws(LiveFeedError) in
            guard case .rows(let batch, let rows) = entry else { return [] }
            return Record.decode(batch, rows: rows)
        }
    }

    /// Subscriptions open on this table now.
    public var liveSubscriberCount: Int { live.count }
}

extension LiveSubscriber {
    static func make(kind: Kind, symbols: [Symbol]?, bufferLimit: Int) throws(StrataError) -> LiveSubscriber {
        guard bufferLimit >= 1 else {
            throw StrataError(.invalidArgument, "bufferLimit must be >= 1, got \(bufferLimit)")
        }
        if let symbols, symbols.isEmpty {
            throw StrataError(.invalidArgument, "symbols must not be empty (nil subscribes to every symbol)")
        }
        return LiveSubscriber(kind: kind, symbols: symbols.map { Set($0.map(\.name)) }, limit: bufferLimit)
    }
}

extension ColumnarRecord {
    /// Records from rows of a column batch (all rows, or `rows`), in that order.
    static func decode(_ batch: ColumnBatch, rows: [Int]?) -> [Self] {
        let count = rows?.count ?? batch.count
        func gather(_ selection: [Int]) -> RowSet {
            RowSet(columns: batch.columns.map { column in selection.map { column[$0] } })
        }
        if batch.symbols.count == 1 {
            let set = rows.map(gather) ?? RowSet(columns: batch.columns)
            return decode(set, symbol: Symbol(unchecked: batch.symbols[0]))
        }
        // Several symbols: decode each symbol's rows, then interleave them back in batch order.
        var perSymbol = [[Int]](repeating: [], count: batch.symbols.count)
        var order: [UInt32] = []
        order.reserveCapacity(count)
        for row in rows ?? Array(0..<batch.count) {
            let symbol = batch.symbolIndex[row]
            perSymbol[Int(symbol)].append(row)
            order.append(symbol)
        }
        let decoded = perSymbol.enumerated().map { symbol, selection in
            selection.isEmpty ? [] : decode(gather(selection), symbol: Symbol(unchecked: batch.symbols[symbol]))
        }
        var cursors = [Int](repeating: 0, count: decoded.count)
        var records: [Self] = []
        records.reserveCapacity(count)
        for symbol in order {
            records.append(decoded[Int(symbol)][cursors[Int(symbol)]])
            cursors[Int(symbol)] += 1
        }
        return records
    }
}
