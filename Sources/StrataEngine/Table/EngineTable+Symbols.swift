public import StrataCore
import Synchronization

extension EngineTable {
    /// Every symbol with at least one row — its row count and first and last times — sorted by
    /// symbol. Answered from what the table already keeps (each sealed file's per-symbol entry,
    /// each memory slice's ends): no rows are decoded. An unreadable partition's rows are left
    /// out (its damage is reported by health and incidents, not by failing every listing).
    /// - Throws: ``StrataError`` `.closed`.
    public func symbolSpans() throws -> [SymbolSpan] {
        if schema.writeMode == .replaceByKey { return try currentSymbolSpans() }
        return try state.withLock { state throws -> [SymbolSpan] in
            try ensureOpen(state)
            let ts = schema.timestampIndex
            var spans: [String: SymbolSpan] = [:]
            func add(_ name: String, rows: Int, first: Int64, last: Int64) {
                guard rows > 0 else { return }
                if var span = spans[name] {
                    span.rows += rows
                    span.first = min(span.first, first)
                    span.last = max(span.last, last)
                    spans[name] = span
                } else {
                    spans[name] = SymbolSpan(symbol: name, rows: rows, first: first, last: last)
                }
            }
            for partition in state.partitions.values {
                if let file = partition.sealedFile {
                    for (name, entry) in file.symbols {
                        add(name, rows: entry.rows, first: entry.minTimestamp, last: entry.maxTimestamp)
                    }
                }
                for memory in partition.memorySources {
                    for (id, slice) in memory.slices where slice.count > 0 {
                        let times = slice.columns[ts]
                        add(
                            state.symbolNames[Int(id)], rows: slice.count, first: times[0], last: times[slice.count - 1]
                        )
                    }
                }
            }
            return spans.values.sorted { $0.symbol < $1.symbol }
        }
    }
}
