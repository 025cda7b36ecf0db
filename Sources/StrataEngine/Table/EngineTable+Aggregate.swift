public import StrataCore
import Synchronization

extension EngineTable {
    /// Where the rows of one partition come from, captured under the lock: the sealed file as
    /// a reference, memory lanes as copy-on-write snapshots (the timestamp lane, then one lane per
    /// plan slot), read after the lock is released.
    private struct AggregateSources {
        var file: SealedPartition?
        var damaged: StrataError?
        /// Memory sources in `range` order (base, frozen, overlay): per symbol, its lanes.
        var memory: [[(symbol: String, lanes: [Lane])]]
    }

    /// Count, sum, min, max, first, last and VWAP over the rows of some symbols in
    /// `[from, to)`, grouped by symbol, by time bucket, by both, or not at all.
    ///
    /// Sees what ``range(symbol:from:to:)`` sees: the open partition, rows being sealed, late
    /// rows and sealed files (duplicates dropped by the dedup key were never stored). The lock is
    /// held only to capture the sources; blocks are decoded after, only the columns needed, and a
    /// sealed block that lies inside the range and one bucket is counted from the file's index,
    /// which also answers Σ, min and max of integer and decimal columns (format version 2); its
    /// other values, if a function needs them, are decoded without its timestamps.
    ///
    /// ```swift
    /// let perSymbol = try table.aggregate(.init(
    ///     functions: [.count, .sum(column: "qty"), .vwap(price: "price", quantity: "qty")],
    ///     from: t0, to: t1, groupBySymbol: true, bucketWidth: 3_600_000_000_000))
    /// ```
    /// - Returns: one row per group sorted by symbol then bucket start; without grouping always
    ///   exactly one row (a count of 0 and absent values when no row matches).
    /// - Throws: ``StrataError`` `.invalidArgument` for an unknown or non-numeric column, a bucket
    ///   width ≤ 0 or `from > to`; `.corruptFile` if a partition or block in the range is
    ///   damaged; `.overflow` if a VWAP numerator leaves Int128; `.closed`.
    public func aggregate(_ request: AggregateRequest) throws -> [AggregateRow] {
        try aggregate(request, plan: try AggregatePlan(request.functions, schema: schema))
    }

    func aggregate(_ request: AggregateRequest, plan: AggregatePlan) throws -> [AggregateRow] {
        var request = request
        request.symbols = request.symbols.map { Set($0).sorted() }  // a symbol named twice counts once
        guard request.from <= request.to else {
            throw StrataError(
                .invalidArgument, "aggregate: from (\(request.from)) is after to (\(request.to))")
        }
        if let width = request.bucketWidth, width <= 0 {
            throw StrataError(.invalidArgument, "aggregate: bucket width must be > 0 ns, got \(width)")
        }
        var scan = AggregateScan(
            accumulator: AggregateAccumulator(plan: plan), request: request, slots: plan.columns.count)
        defer { scan.deallocate() }
        if !request.groupBySymbol && request.bucketWidth == nil {
            _ = scan.accumulator.group(.init(symbol: nil, bucket: nil))  // always one row
        }
        if request.from < request.to {
            if schema.writeMode != .append {
                try scanMerged(&scan, plan: plan)
            } else {
                try scanSources(&scan, plan: plan)
            }
        }
        return try scan.accumulator.rows()
    }

    /// Append tables: every source folded on its own (no row shadows another).
    private func scanSources(_ scan: inout AggregateScan, plan: AggregatePlan) throws {
        let request = scan.request
        let ts = schema.timestampIndex
        let wanted = [ts] + plan.columns
        let sources = try state.withLock { state throws -> [AggregateSources] in
            try ensureOpen(state)
            let ids = request.symbols.map { $0.compactMap { state.symbolIDs[$0] } }
            let first = schema.partition(of: request.from)
            let last = schema.partition(of: request.to - 1)
            return state.partitionOrder.filter { $0 >= first && $0 <= last }.map { index in
                let partition = state.partitions[index]!
                var sources = AggregateSources(file: partition.sealedFile, damaged: partition.unreadable, memory: [])
                for memory in partition.memorySources {
                    var slices: [(symbol: String, lanes: [Lane])] = []
                    func take(_ id: UInt32, _ slice: SymbolSlice) {
                        slices.append((state.symbolNames[Int(id)], wanted.map { slice.columns[$0] }))
                    }
                    if let ids {
                        for id in ids { if let slice = memory.slices[id] { take(id, slice) } }
                    } else {
                        for (id, slice) in memory.slices { take(id, slice) }
                    }
                    sources.memory.append(slices)
                }
                return sources
            }
        }
        let names = request.symbols.map(Set.init)
        scan.rank(
            request.symbols
                ?? sources.flatMap { source in
                    (source.file.map { Array($0.symbols.keys) } ?? []) + source.memory.flatMap { $0.map(\.symbol) }
                })
        for source in sources {
            if let damaged = source.damaged { throw damaged }
            if let file = source.file {
                for (name, entry) in file.symbols where names?.contains(name) ?? true {
                    try scan.fold(file: file, entry: entry, symbol: name, plan: plan, timestampColumn: ts)
                }
            }
            for memory in source.memory {
                for (symbol, lanes) in memory {
                    let lo = SymbolSlice.lowerBound(lanes[0], request.from)
                    let hi = SymbolSlice.lowerBound(lanes[0], request.to)
                    try scan.fold(rows: lo..<hi, symbol: symbol) { range, buffers in
                        for (lane, buffer) in zip(lanes, buffers) {
                            var filled = 0
                            lane.forEachPiece(range) { piece in
                                (buffer + filled).update(from: piece.baseAddress!, count: piece.count)
                                filled += piece.count
                            }
                        }
                    }
                }
            }
        }
    }

    /// Replace-by-timestamp and last-wins tables: a newer row shadows an older one, so each
    /// symbol's rows are read merged, as ``range(symbol:from:to:)`` returns them.
    private func scanMerged(_ scan: inout AggregateScan, plan: AggregatePlan) throws {
        let ts = schema.timestampIndex
        let names = scan.request.symbols ?? symbols()
        scan.rank(names)
        for symbol in names {
            let rows = try range(symbol: symbol, from: scan.request.from, to: scan.request.to)
            let lanes = [rows.columns[ts]] + plan.columns.map { rows.columns[$0] }
            try scan.fold(rows: 0..<rows.count, symbol: symbol) { range, buffers in
                for (lane, buffer) in zip(lanes, buffers) {
                    lane.withUnsafeBufferPointer { all in
                        buffer.update(from: all.baseAddress! + range.lowerBound, count: range.count)
                    }
                }
            }
        }
    }
}

/// One aggregate scan in progress: the accumulator, the request, and block-sized buffers for
/// the timestamps and the plan's slots.
private struct AggregateScan {
    var accumulator: AggregateAccumulator
    let request: EngineTable.AggregateRequest
    let times: UnsafeMutablePointer<Int64>
    let buffers: [UnsafeMutablePointer<Int64>]
    /// Each symbol's place in name order, when rows of several symbols share a group and first
    /// or last must break ties of time between them.
    var ranks: [String: Int] = [:]

    init(accumulator: AggregateAccumulator, request: EngineTable.AggregateRequest, slots: Int) {
        self.accumulator = accumulator
        self.request = request
        times = .allocate(capacity: BlockCodec.blockRows)
        buffers = (0..<slots).map { _ in .allocate(capacity: BlockCodec.blockRows) }
    }

    func deallocate() {
        times.deallocate()
        for buffer in buffers { buffer.deallocate() }
    }

    func rank(of symbol: String) -> Int { ranks[symbol] ?? 0 }

    /// Ranks `symbols` by name if first or last can meet rows of several symbols in a group.
    mutating func rank(_ symbols: some Sequence<String>) {
        guard !request.groupBySymbol,
            accumulator.plan.steps.contains(where: { $0.operation == .first || $0.operation == .last })
        else { return }
        for (rank, symbol) in Set(symbols).sorted().enumerated() { ranks[symbol] = rank }
    }

    /// The group key of a row of `symbol` in the bucket starting at `bucket`.
    private func key(_ symbol: String, _ bucket: Int64?) -> AggregateAccumulator.Key {
        AggregateAccumulator.Key(symbol: request.groupBySymbol ? symbol : nil, bucket: bucket)
    }

    /// The bucket holding `time` and the end of that bucket (exclusive), or `nil`s without buckets.
    /// A bucket beyond the Int64 range is cut short at its end.
    private func bucket(of time: Int64) -> (start: Int64?, end: Int64) {
        guard let width = request.bucketWidth else { return (nil, Int64.max) }
        let start = Int128(BarState.floorDiv(time, width)) * Int128(width)
        return (Int64(clamping: start), Int64(clamping: start + Int128(width)))
    }

    /// Folds the blocks of one symbol of a sealed file that hold rows in the range.
    mutating func fold(
        file: SealedPartition, entry: SealedPartition.SymbolEntry, symbol: String, plan: AggregatePlan,
        timestampColumn ts: Int
    ) throws {
        guard entry.maxTimestamp >= request.from, entry.minTimestamp < request.to else { return }
        // The slots a whole block's statistics answer, and the columns still to decode.
        let indexed = plan.columns.indices.map { slot in
            plan.answeredByStatistics[slot] ? file.statisticsIndex[plan.columns[slot]] : nil
        }
        let decoded = plan.columns.indices.filter { indexed[$0] == nil }
        let decodedColumns = decoded.map { plan.columns[$0] }
        let decodedBuffers = decoded.map { buffers[$0] }
        for block in file.blockRange(of: entry, from: request.from, to: request.to) {
            let info = entry.blocks[block]
            let (start, end) = bucket(of: info.firstTimestamp)
            if info.firstTimestamp >= request.from && info.lastTimestamp < request.to && info.lastTimestamp < end
                && !plan.hasOptional
            {
                // Inside the range and one bucket: the index gives the count and the end times,
                // and Σ, min and max of columns with statistics.
                if !decoded.isEmpty {
                    try file.decode(entry, block: block, columns: decodedColumns, into: decodedBuffers)
                }
                let group = accumulator.group(key(symbol, start))
                try accumulator.fold(
                    group: group,
                    lanes: buffers.map { UnsafeBufferPointer(start: $0, count: info.rows) }, rows: info.rows,
                    firstTime: info.firstTimestamp, lastTime: info.lastTimestamp, rank: rank(of: symbol),
                    statistics: .init(all: file.statistics, base: info.firstStatistics, slots: indexed))
            } else {
                try file.decode(entry, block: block, columns: [ts] + plan.columns, into: [times] + buffers)
                let lane = UnsafeBufferPointer(start: times, count: info.rows)
                let lo = SealedPartition.lowerBound(lane, request.from)
                let hi = SealedPartition.lowerBound(lane, request.to)
                try foldRuns(lo..<hi, symbol: symbol)
            }
        }
    }

    /// Folds rows `rows` of a source of `symbol`, `fill` copying a piece of at most a block's
    /// rows into the buffers (timestamps first, then the slots).
    mutating func fold(
        rows: Range<Int>, symbol: String,
        fill: (Range<Int>, [UnsafeMutablePointer<Int64>]) -> Void
    ) throws {
        var position = rows.lowerBound
        while position < rows.upperBound {
            let piece = position..<min(rows.upperBound, position + BlockCodec.blockRows)
            fill(piece, [times] + buffers)
            try foldRuns(0..<piece.count, symbol: symbol)
            position = piece.upperBound
        }
    }

    /// Folds rows `rows` of the buffers (sorted by time), one run per bucket.
    private mutating func foldRuns(_ rows: Range<Int>, symbol: String) throws {
        var i = rows.lowerBound
        while i < rows.upperBound {
            let (start, end) = bucket(of: times[i])
            var j = rows.upperBound
            if request.bucketWidth != nil && times[rows.upperBound - 1] >= end {
                j =
                    i
                    + SealedPartition.lowerBound(UnsafeBufferPointer(start: times + i, count: rows.upperBound - i), end)
            }
            let group = accumulator.group(key(symbol, start))
            try accumulator.fold(
                group: group,
                lanes: buffers.map { UnsafeBufferPointer(start: $0 + i, count: j - i) }, rows: j - i,
                firstTime: times[i], lastTime: times[j - 1], rank: rank(of: symbol), times: times + i)
            i = j
        }
    }
}
