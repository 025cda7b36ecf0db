/// One-minute bars of the rows of one partition that are in memory (open partition, late rows
/// of a sealed one), per symbol: the write path's incremental aggregate.
///
/// A symbol's minutes are an array indexed by minute of the partition, so a trade finds its
/// bucket with one subtraction and one division (or none, when it falls in the same minute as
/// the previous trade of the symbol).
struct BarBook: Sendable {
    static let minute: Int64 = 60_000_000_000

    let partitionStart: Int64
    let minutes: Int
    private(set) var symbols: [UInt32: [BarState]] = [:]

    init(partitionStart: Int64, partitionDuration: Int64) {
        self.partitionStart = partitionStart
        minutes = Int(partitionDuration / BarBook.minute)
    }

    /// Adds trades (`rows` of `batch`) of one symbol.
    mutating func add(
        symbol: UInt32, batch: ColumnBatch, rows: [Int], time: Int, id: Int, price: Int, quantity: Int
    ) {
        var bars =
            symbols.removeValue(forKey: symbol)
            ?? (0..<minutes).map {
                BarState(start: partitionStart + Int64($0) * BarBook.minute)
            }
        let start = partitionStart
        let count = minutes
        batch.columns[time].withUnsafeBufferPointer { times in
            batch.columns[id].withUnsafeBufferPointer { ids in
                batch.columns[price].withUnsafeBufferPointer { prices in
                    batch.columns[quantity].withUnsafeBufferPointer { quantities in
                        bars.withUnsafeMutableBufferPointer { buckets in
                            var lastIndex = -1
                            var lastStart = Int64.max
                            var lastEnd = Int64.min
                            for row in rows {
                                let t = times[row]
                                if t < lastStart || t >= lastEnd {
                                    lastIndex = Int((t - start) / BarBook.minute)
                                    guard lastIndex >= 0 && lastIndex < count else {
                                        lastIndex = -1
                                        continue  // cannot happen: the row's partition is this one
                                    }
                                    lastStart = start + Int64(lastIndex) * BarBook.minute
                                    lastEnd = lastStart + BarBook.minute
                                }
                                buckets[lastIndex].add(
                                    time: t, id: ids[row], price: prices[row], quantity: quantities[row])
                            }
                        }
                    }
                }
            }
        }
        symbols[symbol] = bars
    }

    /// The non-empty minute bars of `symbol` with start in `[from, to)`, in time order.
    func bars(symbol: UInt32, from: Int64, to: Int64) -> [BarState] {
        guard let bars = symbols[symbol] else { return [] }
        // Clamped to the partition first: `from` and `to` may be anywhere in Int64.
        let partitionEnd = partitionStart + Int64(minutes) * BarBook.minute
        let low = max(from, partitionStart)
        let high = min(to, partitionEnd)
        guard low < high else { return [] }
        let first = Int(BarState.floorDiv(low - partitionStart, BarBook.minute))
        let last = Int(BarState.floorDiv(high - 1 - partitionStart, BarBook.minute)) + 1
        guard first < last else { return [] }
        return bars[first..<last].filter { !$0.isEmpty && $0.start >= from && $0.start < to }
    }

    /// The minute bar of `symbol` starting at `start`, if it has trades.
    func bar(symbol: UInt32, start: Int64) -> BarState? {
        guard let bars = symbols[symbol], start >= partitionStart else { return nil }
        let index = Int((start - partitionStart) / BarBook.minute)
        guard index < minutes, !bars[index].isEmpty else { return nil }
        return bars[index]
    }

    /// Symbol ids with at least one trade.
    var symbolIDs: [UInt32] { Array(symbols.keys) }
}
