import Dispatch
package import StrataCore
import Synchronization

/// Continuous OHLCV bars of a trades table: maintained on the write path, stored per timeframe.
///
/// **How bars stay exact** (see the Aggregates article):
/// - Every trade the trades table stores (never a duplicate it dropped) is added to a 1-minute
///   ``BarBook`` of its partition, under the trades table's lock — during WAL replay too, so the
///   books survive restarts.
/// - When a partition is sealed or compacted, its book is reset to the rows still in memory,
///   and its bars are *derived* from the published file: 1m from the trades, then 5m from 1m,
///   15m from 5m, 1h from 15m and 1d from 1h, upserted into one table per timeframe
///   (`bars_1m` … `bars_1d`) and marked derived for that file generation.
/// - A query combines, per partition, the stored bars (or, until derivation has finished, bars
///   computed from the file) with the book's bars of the rows still in memory. Bars merge
///   exactly: open/close by (time, trade id), high/low by comparison, sums in `Int128`.
///
/// Only timeframes that divide the partition width are stored (all five for day partitions).
package final class TradeBars: Sendable {
    /// The timeframes stored when they divide the partition width, in minutes.
    package static let storedMinutes = [1, 5, 15, 60, 1_440]

    package let directory: String
    let partitionDuration: Int64
    /// Stored bar widths (ns), finest first, and their tables.
    package let storedWidths: [Int64]
    let tables: [Int64: EngineTable]
    let markerDirectory: String
    let time: Int
    let id: Int
    let price: Int
    let quantity: Int
    private let state = Mutex(AggregateState())

    struct AggregateState {
        var books: [Int64: BarBook] = [:]
        /// The file generation of each partition whose bars are in the tables.
        var derived: [Int64: Int] = [:]
        /// Bumped around every derivation, so a reader can tell that stored bars changed under it.
        var epochs: [Int64: Int] = [:]
        var lastError: StrataError?
    }

    /// Opens the trades table with its bars.
    ///
    /// - Parameters:
    ///   - directory: where the bar tables and derivation markers live.
    ///   - tradesDirectory: the trades table's directory.
    ///   - tradesSchema: must have `ts_ns`/timestamp, `trade_id`, `price`, `qty` columns.
    /// - Returns: the trades table (recovered, with its books rebuilt) and the bars.
    /// The trades' partition of a time (the trades table's partition width).
    package func partition(of nanoseconds: Int64) -> Int64 { BarState.floorDiv(nanoseconds, partitionDuration) }

    package static func open(
        directory: String, tradesDirectory: String, tradesSchema: TableSchema, durability: Durability,
        sealGrace: Int64
    ) throws -> (trades: EngineTable, bars: TradeBars) {
        let bars = try TradeBars(
            directory: directory, tradesSchema: tradesSchema, durability: durability, sealGrace: sealGrace)
        let trades = try EngineTable(
            directory: tradesDirectory, schema: tradesSchema, durability: durability, sealGrace: sealGrace,
            observer: bars)
        // A crash between publishing a file and deriving its bars leaves them to be derived now.
        for (partition, file) in trades.sealedFiles() where bars.derivedGeneration(partition) != file.generation {
            if let error = bars.published(partition: partition, file: file) { bars.record(error) }
        }
        return (trades, bars)
    }

    private init(directory: String, tradesSchema: TableSchema, durability: Durability, sealGrace: Int64) throws {
        func column(_ names: [String]) throws -> Int {
            guard let index = tradesSchema.columns.firstIndex(where: { names.contains($0.name) }) else {
                throw StrataError(.invalidArgument, "bars need a \(names[0]) column in \(tradesSchema.name)")
            }
            return index
        }
        time = tradesSchema.timestampIndex
        id = try column(["trade_id", "agg_trade_id"])
        price = try column(["price"])
        quantity = try column(["qty", "quantity"])
        self.directory = directory
        partitionDuration = tradesSchema.partitionDuration
        markerDirectory = directory + "/derived"
        try FileSystem.createDirectory(markerDirectory)
        let widths = TradeBars.storedMinutes.map { Int64($0) * BarBook.minute }.filter {
            tradesSchema.partitionDuration % $0 == 0
        }
        storedWidths = widths
        var tables: [Int64: EngineTable] = [:]
        for width in widths {
            let name = "bars_" + TradeBars.label(width)
            // Day-partitioned like the trades, except daily bars: a partition of 30 days.
            let duration =
                width >= 86_400_000_000_000 ? 30 * 86_400_000_000_000 : max(width, tradesSchema.partitionDuration)
            tables[width] = try EngineTable(
                directory: directory + "/" + name, schema: BarTable.schema(name: name, partitionDuration: duration),
                durability: durability, sealGrace: sealGrace)
        }
        self.tables = tables
        var derived: [Int64: Int] = [:]
        for name in try FileSystem.list(markerDirectory) {
            guard let (partition, generation) = PartitionFileFormat.parseMarker(name) else { continue }
            derived[partition] = max(derived[partition] ?? 0, generation)
        }
        state.withLock { $0.derived = derived }
    }

    /// `1m`, `5m`, `15m`, `1h`, `1d`.
    /// The names of the bar tables (`bars_1m` … `bars_1d`).
    public static var tableNames: [String] { storedMinutes.map { "bars_" + label(Int64($0) * BarBook.minute) } }

    static func label(_ width: Int64) -> String {
        let minutes = width / BarBook.minute
        if minutes % 1_440 == 0 { return "\(minutes / 1_440)d" }
        if minutes % 60 == 0 { return "\(minutes / 60)h" }
        return "\(minutes)m"
    }

    /// The bar tables, finest first (for stats, compaction and retention).
    package var barTables: [EngineTable] { storedWidths.map { tables[$0]! } }

    /// Each bar table's stats as queries see it, finest first: its stored rows plus the bars only
    /// the in-memory books hold — every bar of a partition not sealed yet (its bars are stored
    /// when it is), and the buckets that late rows of a sealed partition opened which its stored
    /// bars lack. `symbols` is then at least the larger of the two sets. (A partition sealed but
    /// not yet derived, for the moment derivation takes, counts only its stored bars.)
    package func stats(trades: EngineTable) -> [TableStats] {
        let (unsealed, late) = state.withLock { state in
            var unsealed: [BarBook] = []
            var late: [(partition: Int64, book: BarBook)] = []
            for (partition, book) in state.books {
                if state.derived[partition] == nil { unsealed.append(book) } else { late.append((partition, book)) }
            }
            return (unsealed, late)
        }
        let names = late.isEmpty ? [] : trades.symbolNames
        let minutesPerBucket = storedWidths.map { Int(max(1, $0 / BarBook.minute)) }
        let summaries = unsealed.map { $0.summary(minutesPerBucket: minutesPerBucket) }
        let unsealedSymbols = Set(summaries.flatMap(\.symbols))
        return storedWidths.enumerated().map { w, width in
            let table = tables[width]!
            var stats = table.stats()
            var symbols = Set<UInt32>()
            var pending = 0
            var oldest = Int64.max
            var newest = Int64.min
            func count(_ symbol: UInt32, _ start: Int64) {
                symbols.insert(symbol)
                pending += 1
                oldest = min(oldest, start)
                newest = max(newest, start)
            }
            for summary in summaries where summary.buckets[w] > 0 {
                pending += summary.buckets[w]
                oldest = min(oldest, summary.oldest[w])
                newest = max(newest, summary.newest[w])
            }
            symbols.formUnion(unsealedSymbols)
            for (partition, book) in late {
                let from = partition &* partitionDuration
                var stored: [UInt32: Set<Int64>] = [:]
                book.forEachBucket(width: width) { symbol, start in
                    if stored[symbol] == nil {
                        let name = Int(symbol) < names.count ? names[Int(symbol)] : ""
                        let rows = try? table.range(symbol: name, from: from, to: from &+ partitionDuration)
                        stored[symbol] = Set(rows.map { $0.columns[table.schema.timestampIndex] } ?? [])
                    }
                    if !stored[symbol]!.contains(start) { count(symbol, start) }
                }
            }
            guard pending > 0 else { return stats }
            stats.rows += pending
            stats.symbols = max(stats.symbols, symbols.count)
            stats.oldest = min(stats.oldest ?? Timestamp(nanoseconds: oldest), Timestamp(nanoseconds: oldest))
            stats.newest = max(stats.newest ?? Timestamp(nanoseconds: newest), Timestamp(nanoseconds: newest))
            return stats
        }
    }

    func derivedGeneration(_ partition: Int64) -> Int? { state.withLock { $0.derived[partition] } }

    /// The last derivation failure, if any (for health).
    package var lastError: StrataError? { state.withLock { $0.lastError } }

    func record(_ error: StrataError) { state.withLock { $0.lastError = error } }

    // MARK: - Queries

    /// The in-memory 1-minute bars of the given (partition, table symbol id, minute start) keys,
    /// `nil` where the book has no trade — for the live feed, which calls it under the trades
    /// table's lock right after a commit, so each bar includes exactly the commits up to it.
    ///
    /// A bar is the whole bar only while its partition's rows are in memory; for a partition
    /// whose base is a sealed file it covers just the late rows still in memory.
    package func minuteBars(_ keys: [(partition: Int64, symbol: UInt32, start: Int64)]) -> [BarState?] {
        state.withLock { state in
            keys.map { key in state.books[key.partition]?.bar(symbol: key.symbol, start: key.start) }
        }
    }

    /// Bars of width `width` (ns; must divide the partition width) for `symbol`, buckets starting
    /// in `[from, to)`, time-ordered.
    /// - Throws: ``StrataError`` `.corruptFile` if a partition needed is damaged.
    package func bars(symbol: String, width: Int64, from: Int64, to: Int64, trades: EngineTable) throws -> [BarState] {
        guard from < to else { return [] }
        guard width > 0, partitionDuration % width == 0, width % BarBook.minute == 0 else {
            throw StrataError(
                .invalidArgument,
                "bars of \(width / 1_000_000_000) s cannot be read from partitions of \(partitionDuration / 1_000_000_000) s: the width must be whole minutes dividing the partition"
            )
        }
        struct Part {
            var partition: Int64
            var source: EngineTable.PartitionSource
            var derived: Bool
            var epoch: Int
            var memory: [BarState]
        }
        for attempt in 0..<4 {
            let parts = try trades.withPartitions(from: from, to: to, symbol: symbol) { partitions, symbolID in
                state.withLock { state in
                    partitions.map { partition, source -> Part in
                        var derived = false
                        if case .sealed(let file) = source { derived = state.derived[partition] == file.generation }
                        let memory =
                            symbolID.map { state.books[partition]?.bars(symbol: $0, from: from, to: to) ?? [] } ?? []
                        return Part(
                            partition: partition, source: source, derived: derived,
                            epoch: state.epochs[partition] ?? 0, memory: memory)
                    }
                }
            }
            var result: [BarState] = []
            var readStored: [(Int64, Int)] = []
            for part in parts {
                let start = trades.start(of: part.partition)
                let low = max(from, start)
                let high = min(to, start &+ partitionDuration)
                var stored: [BarState] = []
                switch part.source {
                case .memory: break
                case .damaged(let error): throw error
                case .sealed(let file):
                    if part.derived && attempt < 3, let table = tables[width] {
                        stored = BarTable.decode(try table.range(symbol: symbol, from: low, to: high))
                        readStored.append((part.partition, part.epoch))
                    } else {
                        stored = try compute(file: file, symbol: symbol, width: width, from: low, to: high)
                    }
                }
                result.append(contentsOf: BarState.combine(stored, BarState.rollUp(part.memory, width: width)))
            }
            // Stored bars read while a derivation rewrote them may double-count late trades: retry.
            let unchanged = state.withLock { state in readStored.allSatisfy { (state.epochs[$0.0] ?? 0) == $0.1 } }
            if unchanged { return result }
        }
        return []  // unreachable: the last attempt reads no stored bars
    }

    /// Bars computed directly from a sealed file's trades.
    private func compute(file: SealedPartition, symbol: String, width: Int64, from: Int64, to: Int64) throws
        -> [BarState]
    {
        let first = BarState.floorDiv(from, width) &* width
        var rows = RowSet(columnCount: file.columnCount)
        try file.copyRows(symbol: symbol, from: first, to: to, timestampColumn: time, into: &rows)
        var bars: [BarState] = []
        let times = rows.columns[time]
        for row in 0..<rows.count {
            let bucket = BarState.floorDiv(times[row], width) &* width
            if bars.last?.start != bucket { bars.append(BarState(start: bucket)) }
            bars[bars.count - 1].add(
                time: times[row], id: rows.columns[id][row], price: rows.columns[price][row],
                quantity: rows.columns[quantity][row])
        }
        return bars.filter { $0.start >= from && $0.start < to }
    }

    // MARK: - Derivation

    /// Derives every stored timeframe of a partition from its file and upserts them.
    private func derive(partition: Int64, file: SealedPartition) throws {
        let start = partition &* partitionDuration
        let minutes = Int(partitionDuration / BarBook.minute)
        var batches = Dictionary(uniqueKeysWithValues: storedWidths.map { ($0, ColumnBatch(columnCount: 14)) })
        let columns = [time, id, price, quantity]
        for (name, entry) in file.symbols.sorted(by: { $0.key < $1.key }) {
            var minute = (0..<minutes).map { BarState(start: start + Int64($0) * BarBook.minute) }
            try file.forEachBlock(of: entry, from: Int64.min, to: Int64.max, columns: columns) { _, lanes in
                for row in 0..<lanes[0].count {
                    let t = lanes[0][row]
                    let index = Int((t - start) / BarBook.minute)
                    guard index >= 0 && index < minutes else { continue }
                    minute[index].add(time: t, id: lanes[1][row], price: lanes[2][row], quantity: lanes[3][row])
                }
                return true
            }
            // Hierarchical roll-up: each stored width from the one below it.
            var previous = minute.filter { !$0.isEmpty }
            for width in storedWidths {
                let bars = width == BarBook.minute ? previous : BarState.rollUp(previous, width: width)
                BarTable.encode(bars, symbol: name, into: &batches[width]!)
                previous = bars
            }
        }
        for width in storedWidths where batches[width]!.count > 0 {
            try tables[width]!.append(batches[width]!)
        }
        for width in storedWidths { try tables[width]!.flush() }
        // Mark it derived (durably), then drop the markers of older generations.
        let marker =
            markerDirectory + "/" + PartitionFileFormat.markerName(partition: partition, generation: file.generation)
        try FileSystem.writeAtomically(marker, chunks: [])
        for name in try FileSystem.list(markerDirectory) {
            if let (p, g) = PartitionFileFormat.parseMarker(name), p == partition, g < file.generation {
                try FileSystem.remove(markerDirectory + "/" + name)
            }
        }
    }

    // MARK: - Lifecycle

    /// Compacts every bar table (seals their finished partitions).
    package func compact(now: Timestamp) -> [TableMaintenance] { barTables.map { $0.compact(now: now) } }

    package func flush() throws { for table in barTables { try table.flush() } }

    package func close() throws {
        var firstError: (any Error)?
        for table in barTables {
            do { try table.close() } catch { firstError = firstError ?? error }
        }
        if let firstError { throw firstError }
    }
}

extension TradeBars: TableObserver {
    func rowsStored(partition: Int64, symbol: UInt32, batch: ColumnBatch, rows: [Int]) {
        let duration = partitionDuration
        state.withLock { state in
            if state.books[partition] == nil {
                state.books[partition] = BarBook(partitionStart: partition &* duration, partitionDuration: duration)
            }
            state.books[partition]!.add(
                symbol: symbol, batch: batch, rows: rows, time: time, id: id, price: price, quantity: quantity)
        }
    }

    func memoryReset(partition: Int64, memory: MemoryPartition) {
        var book = BarBook(partitionStart: partition &* partitionDuration, partitionDuration: partitionDuration)
        for (symbol, slice) in memory.slices {
            let batch = ColumnBatch(
                symbols: [""], symbolIndex: Array(repeating: 0, count: slice.count), columns: slice.columns.map(\.array)
            )
            book.add(
                symbol: symbol, batch: batch, rows: Array(0..<slice.count), time: time, id: id, price: price,
                quantity: quantity)
        }
        state.withLock { state in
            state.books[partition] = memory.isEmpty ? nil : book
        }
    }

    func published(partition: Int64, file: SealedPartition) -> StrataError? {
        state.withLock { $0.epochs[partition, default: 0] += 1 }
        defer { state.withLock { $0.epochs[partition, default: 0] += 1 } }
        do {
            try derive(partition: partition, file: file)
            state.withLock { $0.derived[partition] = file.generation }
            return nil
        } catch {
            let failure =
                (error as? StrataError).map {
                    var e = $0
                    e.message = "deriving bars of partition \(partition): \(e.message)"
                    return e
                } ?? StrataError(.io, "deriving bars of partition \(partition): \(error)", path: directory)
            record(failure)
            return failure
        }
    }

    func dropped(partition: Int64) {
        state.withLock { state in
            state.books[partition] = nil
            state.derived[partition] = nil
        }
        if let names = try? FileSystem.list(markerDirectory) {
            for name in names where PartitionFileFormat.parseMarker(name)?.partition == partition {
                try? FileSystem.remove(markerDirectory + "/" + name)
            }
        }
    }
}
