import StrataCore
/// One-minute bars of the rows of one partition that are in memory (open partition, late rows
/// of a sealed one), per symbol: the write path's incremental aggregate.
///
/// A symbol's minutes are an array covering the span of minutes it has traded in (grown at
/// either end as trades arrive), so a trade finds its bucket with one subtraction and one
/// division (or none, when it falls in the same minute as the previous trade of the symbol),
/// and a symbol that traded once holds one bar, not a day of them: a whole day per symbol was
/// ~170 KiB for every new symbol.
struct BarBook: Sendable {
    static let minute: Int64 = 60_000_000_000

    /// The bars of minutes `first ..< first + bars.count` of the partition.
    struct Span: Sendable {
        var first: Int
        var bars: [BarState]
    }

    let partitionStart: Int64
    let minutes: Int
    private(set) var symbols: [UInt32: Span] = [:]

    init(partitionStart: Int64, partitionDuration: Int64) {
        self.partitionStart = partitionStart
        minutes = Int(partitionDuration / BarBook.minute)
    }

    /// Adds trades (`rows` of `batch`) of one symbol.
    mutating func add(
        symbol: UInt32, batch: ColumnBatch, rows: [Int], time: Int, id: Int, price: Int, quantity: Int
    ) {
        let start = partitionStart
        let count = minutes
        // The minutes the rows fall in (rows outside the partition cannot happen: skipped).
        var low = Int.max
        var high = Int.min
        batch.columns[time].withUnsafeBufferPointer { times in
            for row in rows {
                let minute = Int(BarState.floorDiv(times[row] &- start, BarBook.minute))
                guard minute >= 0 && minute < count else { continue }
                low = min(low, minute)
                high = max(high, minute)
            }
        }
        guard low <= high else { return }
        var span = symbols.removeValue(forKey: symbol) ?? Span(first: low, bars: [])
        if span.bars.isEmpty { span.first = low }
        if low < span.first {
            span.bars.insert(contentsOf: (low..<span.first).map { bar(at: $0) }, at: 0)
            span.first = low
        }
        let end = span.first + span.bars.count
        if high >= end { span.bars.append(contentsOf: (end...high).map { bar(at: $0) }) }
        let first = span.first
        batch.columns[time].withUnsafeBufferPointer { times in
            batch.columns[id].withUnsafeBufferPointer { ids in
                batch.columns[price].withUnsafeBufferPointer { prices in
                    batch.columns[quantity].withUnsafeBufferPointer { quantities in
                        span.bars.withUnsafeMutableBufferPointer { buckets in
                            var lastIndex = -1
                            var lastStart = Int64.max
                            var lastEnd = Int64.min
                            for row in rows {
                                let t = times[row]
                                if t < lastStart || t >= lastEnd {
                                    let minute = Int(BarState.floorDiv(t &- start, BarBook.minute))
                                    guard minute >= 0 && minute < count else {
                                        lastIndex = -1
                                        lastStart = Int64.max
                                        continue  // cannot happen: the row's partition is this one
                                    }
                                    lastIndex = minute - first
                                    lastStart = start + Int64(minute) * BarBook.minute
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
        symbols[symbol] = span
    }

    private func bar(at minute: Int) -> BarState { BarState(start: partitionStart + Int64(minute) * BarBook.minute) }

    /// The non-empty minute bars of `symbol` with start in `[from, to)`, in time order.
    func bars(symbol: UInt32, from: Int64, to: Int64) -> [BarState] {
        guard let span = symbols[symbol], !span.bars.isEmpty else { return [] }
        // Clamped to the symbol's span first: `from` and `to` may be anywhere in Int64.
        let spanStart = partitionStart + Int64(span.first) * BarBook.minute
        let spanEnd = spanStart + Int64(span.bars.count) * BarBook.minute
        let low = max(from, spanStart)
        let high = min(to, spanEnd)
        guard low < high else { return [] }
        let first = Int(BarState.floorDiv(low - spanStart, BarBook.minute))
        let last = Int(BarState.floorDiv(high - 1 - spanStart, BarBook.minute)) + 1
        guard first < last else { return [] }
        return span.bars[first..<last].filter { !$0.isEmpty && $0.start >= from && $0.start < to }
    }

    /// The minute bar of `symbol` starting at `start`, if it has trades.
    func bar(symbol: UInt32, start: Int64) -> BarState? {
        guard let span = symbols[symbol], start >= partitionStart else { return nil }
        let index = Int((start &- partitionStart) / BarBook.minute) - span.first
        guard index >= 0, index < span.bars.count, !span.bars[index].isEmpty else { return nil }
        return span.bars[index]
    }

    /// Symbol ids with at least one trade.
    var symbolIDs: [UInt32] { Array(symbols.keys) }

    /// Per width (each a whole number of minutes, given as minutes per bucket), how many buckets
    /// hold trades and the first and last bucket's start, over every symbol, in one pass over
    /// the minutes; and the symbols with trades. What stats report for a book not stored yet,
    /// without a set or a call per bucket (stats are polled while trades stream in).
    func summary(minutesPerBucket: [Int]) -> (buckets: [Int], oldest: [Int64], newest: [Int64], symbols: [UInt32]) {
        let widths = minutesPerBucket.count
        var buckets = [Int](repeating: 0, count: widths)
        var oldest = [Int64](repeating: .max, count: widths)
        var newest = [Int64](repeating: .min, count: widths)
        var symbolsWithTrades: [UInt32] = []
        var last = [Int](repeating: .min, count: widths)
        for (symbol, span) in symbols {
            var first = -1
            var final = -1
            for w in 0..<widths { last[w] = .min }
            for (offset, bar) in span.bars.enumerated() where !bar.isEmpty {
                let minute = span.first + offset
                if first < 0 { first = minute }
                final = minute
                for w in 0..<widths {
                    let bucket = minute / minutesPerBucket[w]
                    if bucket != last[w] {
                        last[w] = bucket
                        buckets[w] += 1
                    }
                }
            }
            guard first >= 0 else { continue }
            symbolsWithTrades.append(symbol)
            for w in 0..<widths {
                let width = Int64(minutesPerBucket[w]) * BarBook.minute
                oldest[w] = min(oldest[w], partitionStart + Int64(first / minutesPerBucket[w]) * width)
                newest[w] = max(newest[w], partitionStart + Int64(final / minutesPerBucket[w]) * width)
            }
        }
        return (buckets, oldest, newest, symbolsWithTrades)
    }

    /// Calls `body` once per `width`-wide bucket (aligned to the partition's start; `width` a
    /// whole number of minutes) that a symbol has trades in, with the symbol and the bucket's start.
    func forEachBucket(width: Int64, _ body: (UInt32, Int64) -> Void) {
        let minutesPerBucket = Int(max(1, width / BarBook.minute))
        for (symbol, span) in symbols {
            var last = Int.min
            for (offset, bar) in span.bars.enumerated() where !bar.isEmpty {
                let bucket = (span.first + offset) / minutesPerBucket
                guard bucket != last else { continue }
                last = bucket
                body(symbol, partitionStart + Int64(bucket) * width)
            }
        }
    }
}
