package import StrataCore

#if canImport(Glibc)
    import Glibc
#endif

/// A table whose older partitions a cold tier may hold: the hot table, with every read that
/// reaches into the cold tier's span answered from both, merged by time.
///
/// Exactly once: the cold table answers only moves whose hot partition is dropped, and each drop
/// happens inside an odd ``ColdTable/generation``; a read is done again if the generation was
/// odd or changed while it read, so it never sees a partition in both tiers or in neither.
/// Writes, maintenance, statistics and aggregates are the hot table's (aggregates over moved
/// rows are not answered from the cold tier yet).
final class ColdTieredTable: BackendTable {
    let hot: any BackendTable
    let cold: any ColdTable
    private let textLanes: [Int]

    init(hot: any BackendTable, cold: any ColdTable, schema: RecordSchema) {
        self.hot = hot
        self.cold = cold
        textLanes = schema.textLanes
    }

    var name: String { hot.name }
    var timestampLane: Int { hot.timestampLane }
    var recovery: TableRecovery { hot.recovery }

    func append(_ batch: ColumnBatch) throws -> AppendReport { try hot.append(batch) }

    /// Runs `body` until it ran while no drop was under way and none happened. Everything a read
    /// decides — whether the cold tier is asked at all, its moved span — is decided inside.
    private func consistently<T, Failure: Error>(_ body: () throws(Failure) -> T) throws(Failure) -> T {
        var spins = 0
        while true {
            let before = cold.generation
            if before & 1 == 0 {
                let result = try body()
                if cold.generation == before { return result }
            }
            spins += 1
            // A drop takes a few fsyncs: wait for it rather than spin.
            if spins > 3 { usleep(1_000) }
        }
    }

    /// Whether the cold tier holds rows in `[from, to)`.
    private func coldOverlaps(from: Int64, to: Int64) -> Bool {
        guard let span = cold.movedSpan else { return false }
        return span.lowerBound < to && from < span.upperBound
    }

    func range(symbol: String, from: Int64, to: Int64, limit: Int) throws -> RowSet {
        try consistently {
            guard coldOverlaps(from: from, to: to) else {
                return try hot.range(symbol: symbol, from: from, to: to, limit: limit)
            }
            let coldRows = try cold.range(symbol: symbol, from: from, to: to, limit: limit)
            let hotRows = try hot.range(symbol: symbol, from: from, to: to, limit: limit)
            return RowSet.merging([coldRows, hotRows], timestampLane: timestampLane, textLanes: textLanes).prefix(limit)
        }
    }

    func latest(symbol: String, limit: Int) throws -> RowSet {
        try latest(symbol: symbol, limit: limit, before: .max)
    }

    func latest(symbol: String, limit: Int, before: Int64) throws -> RowSet {
        try consistently {
            guard let span = cold.movedSpan, span.lowerBound < before, limit > 0 else {
                return before == .max
                    ? try hot.latest(symbol: symbol, limit: limit)
                    : try hot.latest(symbol: symbol, limit: limit, before: before)
            }
            let newest =
                before == .max
                ? try hot.latest(symbol: symbol, limit: limit)
                : try hot.latest(symbol: symbol, limit: limit, before: before)
            // Enough hot rows, all newer than anything moved: the cold tier cannot change the answer.
            if newest.count >= limit, let oldest = newest.columns[timestampLane].last, oldest >= span.upperBound {
                return newest
            }
            let coldRows = try newestCold(symbol: symbol, limit: limit, before: before, span: span)
            return RowSet.merging(
                [coldRows, newest.reversedRows()], timestampLane: timestampLane, textLanes: textLanes
            ).suffix(limit).reversedRows()
        }
    }

    /// At least the newest `limit` moved rows of `symbol` before `before` (all of them if fewer),
    /// oldest first: read in windows back from the newest, each twice as wide as the last.
    private func newestCold(symbol: String, limit: Int, before: Int64, span: Range<Int64>) throws -> RowSet {
        var windows: [RowSet] = []
        var count = 0
        var upper = min(before, span.upperBound)
        var width = max(1, (span.upperBound - span.lowerBound) / 16)
        while count < limit && upper > span.lowerBound {
            let (shifted, overflow) = upper.subtractingReportingOverflow(width)
            let lower = max(span.lowerBound, overflow ? Int64.min : shifted)
            let rows = try cold.range(symbol: symbol, from: lower, to: upper, limit: .max)
            windows.append(rows)
            count += rows.count
            upper = lower
            width = width > Int64.max / 2 ? Int64.max : width * 2
        }
        return RowSet.merging(windows.reversed(), timestampLane: timestampLane, textLanes: textLanes)
    }

    func lastTimestamp(symbol: String) throws -> Int64? {
        try consistently {
            guard let span = cold.movedSpan else { return try hot.lastTimestamp(symbol: symbol) }
            let hotLast = try hot.lastTimestamp(symbol: symbol)
            if let hotLast, hotLast >= span.upperBound { return hotLast }
            let coldLast = cold.symbolSpans().first { $0.symbol == symbol }?.last
            return [hotLast, coldLast].compactMap { $0 }.max()
        }
    }

    var newestTimestamp: Timestamp? { hot.newestTimestamp }

    func symbols() -> [String] {
        consistently { () -> [String] in
            guard cold.movedSpan != nil else { return hot.symbols() }
            return Array(Set(hot.symbols()).union(cold.symbolSpans().map(\.symbol))).sorted()
        }
    }

    func symbolSpans() throws -> [SymbolSpan] {
        try consistently {
            guard cold.movedSpan != nil else { return try hot.symbolSpans() }
            var spans: [String: SymbolSpan] = [:]
            for span in try hot.symbolSpans() + cold.symbolSpans() {
                if let known = spans[span.symbol] {
                    spans[span.symbol] = SymbolSpan(
                        symbol: span.symbol, rows: known.rows + span.rows, first: min(known.first, span.first),
                        last: max(known.last, span.last))
                } else {
                    spans[span.symbol] = span
                }
            }
            return spans.values.sorted { $0.symbol < $1.symbol }
        }
    }

    func symbolCensus(_ names: [String]) -> (new: Int, known: Int) { hot.symbolCensus(names) }
    func aggregate(_ request: ColumnAggregate.Request) throws -> [ColumnAggregate.Row] {
        try hot.aggregate(request)
    }
    func summarize(column name: String) throws -> [ColumnSummary] { try hot.summarize(column: name) }
    func stats() -> TableStats { hot.stats() }
    func storage() -> TableStorage { hot.storage() }
    var health: TableHealth { hot.health }
    func verify() throws -> TableVerification { try hot.verify() }
    func compact(now: Timestamp) -> TableMaintenance { hot.compact(now: now) }
    func dropPartitions(endingAtOrBefore cutoff: Int64) throws -> DroppedPartitions {
        try hot.dropPartitions(endingAtOrBefore: cutoff)
    }
    func updateListener<Result, Failure: Error>(
        _ body: (inout (any StoredRowsListener)?, _ closed: Bool) throws(Failure) -> Result
    ) throws(Failure) -> Result {
        try hot.updateListener(body)
    }
    func observeWALSyncs(_ observer: (@Sendable (_ nanoseconds: Int64) -> Void)?) { hot.observeWALSyncs(observer) }
    func flush() throws { try hot.flush() }
    func close() throws { try hot.close() }
}

extension RowSet {
    /// The rows of `parts` (each in time order) as one row set in time order; rows at the same
    /// time keep the parts' order. `textLanes`: the lanes holding text references.
    package static func merging(_ parts: [RowSet], timestampLane: Int, textLanes: [Int]) -> RowSet {
        var nonEmpty = parts.filter { $0.count > 0 }
        guard nonEmpty.count > 1 else { return nonEmpty.first ?? parts.first ?? RowSet(columns: []) }
        var merged = nonEmpty.removeFirst()
        for var part in nonEmpty {
            merged.adoptTexts(of: &part, textColumns: textLanes)
            for lane in merged.columns.indices { merged.columns[lane].append(contentsOf: part.columns[lane]) }
        }
        let times = merged.columns[timestampLane]
        guard !zip(times, times.dropFirst()).allSatisfy({ $0 <= $1 }) else { return merged }
        let order = times.indices.sorted { times[$0] < times[$1] || (times[$0] == times[$1] && $0 < $1) }
        for lane in merged.columns.indices {
            let values = merged.columns[lane]
            merged.columns[lane] = order.map { values[$0] }
        }
        return merged
    }

    /// The first `count` rows.
    package func prefix(_ count: Int) -> RowSet {
        guard count < self.count else { return self }
        var rows = RowSet(columns: columns.map { Array($0.prefix(count)) })
        rows.texts = texts
        return rows
    }

    /// The last `count` rows.
    package func suffix(_ count: Int) -> RowSet {
        guard count < self.count else { return self }
        var rows = RowSet(columns: columns.map { Array($0.suffix(count)) })
        rows.texts = texts
        return rows
    }

    /// The rows in reverse order.
    package func reversedRows() -> RowSet {
        var rows = RowSet(columns: columns.map { Array($0.reversed()) })
        rows.texts = texts
        return rows
    }
}

extension RecordSchema {
    /// The storage lanes of text columns (their values are references into a row set's heap).
    package var textLanes: [Int] {
        storageColumns.indices.filter {
            if case .text = storageColumns[$0].kind { return true }
            return false
        }
    }
}
