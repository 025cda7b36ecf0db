package import StrataCore

/// A sealed partition file, memory-mapped, with its footer parsed.
///
/// Immutable after `init`, so it is shared freely between readers (`Sendable`). Every chunk's
/// checksum is verified each time it is decoded.
package final class SealedPartition: Sendable {
    struct Chunk: Sendable {
        var offset: Int
        var length: Int
        var crc: UInt32
    }

    struct Block: Sendable {
        var rows: Int
        var firstTimestamp: Int64
        var lastTimestamp: Int64
        /// Index of this block's first chunk in ``SealedPartition/chunks``; one chunk per column.
        var firstChunk: Int
        /// Index of this block's first statistics in ``SealedPartition/statistics``; one per
        /// column with statistics (none in a version-1 file).
        var firstStatistics: Int
    }

    /// Σ, min and max of one column's values in one block, from the file's index.
    struct ColumnStatistics: Sendable, Equatable {
        var sum: Int128
        var min: Int64
        var max: Int64
    }

    package struct SymbolEntry: Sendable {
        var name: String
        var rows: Int
        var minTimestamp: Int64
        var maxTimestamp: Int64
        var blocks: [Block]
    }

    let path: String
    package let generation: Int
    let partition: Int64
    let includedThrough: UInt64
    let duplicatesSkipped: Int
    let rowCount: Int
    let fileSize: Int64
    package let symbols: [String: SymbolEntry]
    let chunks: [Chunk]
    let columnCount: Int
    /// The designated timestamp's column: decoding it checks the block's times against the index.
    let timestampColumn: Int
    /// The file's format version (1: no statistics).
    let formatVersion: UInt32
    /// Per block, per column with statistics: Σ, min, max (see ``Block/firstStatistics``).
    let statistics: [ColumnStatistics]
    /// For each schema column, its place among a block's statistics; `nil` when the file keeps
    /// none for it (a version-1 file, or a column type without statistics).
    let statisticsIndex: [Int?]
    /// Per column: whether it is a text column (a ``TextBlockCodec`` chunk).
    let isText: [Bool]
    /// Per schema column: its place among the file's columns (a block's chunks), `nil` for a
    /// column added after the file was written (read as absent).
    let physical: [Int?]
    /// Per schema column: the lane value of an absent value.
    let absent: [Int64]
    /// Per schema column: the bytes of its chunks in every block (0 for a column the file lacks),
    /// summed once when the file is opened (storage reports read it on every metrics scrape).
    let encodedBytes: [Int64]
    private let file: MappedFile

    /// The largest row or duplicate count a file may claim (2^40): far above anything real,
    /// far below what would overflow when counts are added up.
    static let maximumCount: UInt64 = 1 << 40

    /// Maps and validates `path`.
    /// - Throws: ``StrataError`` `.corruptFile` / `.unsupportedFormat` naming the file and problem.
    init(
        path: String, generation: Int, schema: TableSchema, fileSystem: any FileSystemOperations = SystemFileSystem()
    ) throws {
        self.path = path
        self.generation = generation
        file = try MappedFile(path: path, fileSystem: fileSystem)
        let bytes = file.bytes
        fileSize = Int64(bytes.count)
        func corrupt(_ reason: String, at offset: Int? = nil) -> StrataError {
            StrataError(
                .corruptFile, "sealed partition is damaged: \(reason)", path: path, offset: offset.map(Int64.init))
        }
        guard bytes.count >= PartitionFileFormat.headerSize + PartitionFileFormat.trailerSize else {
            throw corrupt("file too short (\(bytes.count) bytes)")
        }
        guard Array(bytes[0..<8]) == PartitionFileFormat.headerMagic else { throw corrupt("bad header magic", at: 0) }
        let version = UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: 8, as: UInt32.self))
        guard PartitionFileFormat.readableVersions.contains(version) else {
            let readable = PartitionFileFormat.readableVersions
            throw StrataError(
                .unsupportedFormat,
                "sealed partition format version \(version) is not supported (this build reads \(readable.lowerBound)–\(readable.upperBound))",
                path: path)
        }
        formatVersion = version
        var statisticsIndex: [Int?] = Array(repeating: nil, count: schema.columns.count)
        var statisticsCount = 0
        let trailerStart = bytes.count - PartitionFileFormat.trailerSize
        var trailer = ByteReader(bytes, offset: trailerStart)
        do {
            // Every number read from the file is range-checked before it becomes an `Int`, an
            // index or a size: a damaged file is a typed error, never a trap.
            let rawFooterOffset = try trailer.readUInt64()
            let footerLength = Int(try trailer.readUInt32())
            let footerCRC = try trailer.readUInt32()
            guard Array(try trailer.readBytes(8)) == PartitionFileFormat.trailerMagic else {
                throw corrupt("bad trailer magic (torn or truncated file)", at: trailerStart)
            }
            guard let footerOffset = Int(exactly: rawFooterOffset), footerOffset >= PartitionFileFormat.headerSize,
                footerOffset <= trailerStart, footerLength == trailerStart - footerOffset
            else { throw corrupt("footer position \(rawFooterOffset) out of range", at: trailerStart) }
            let footerBytes = UnsafeRawBufferPointer(rebasing: bytes[footerOffset..<trailerStart])
            guard CRC32C.checksum(footerBytes) == footerCRC else {
                throw corrupt("footer checksum mismatch", at: footerOffset)
            }
            var footer = ByteReader(footerBytes)
            let storedCount = Int(try footer.readUInt16())
            // A file written before optional columns were added holds fewer: they read as absent.
            guard let placement = schema.placement(ofStored: storedCount) else {
                throw corrupt("file has \(storedCount) columns, table \(schema.name) has \(schema.columns.count)")
            }
            var physical: [Int?] = Array(repeating: nil, count: schema.columns.count)
            for (stored, c) in placement.enumerated() {
                let spec = schema.columns[c]
                let rawCode = try footer.readUInt8()
                let scale = Int(try footer.readUInt8())
                let name = try footer.readString()
                let optional = rawCode & PartitionFileFormat.optionalFlag != 0
                let code = rawCode & ~PartitionFileFormat.optionalFlag
                guard let type = ColumnType(code: code, scale: scale), type == spec.type, name == spec.name else {
                    throw corrupt("column \(name) does not match the table schema (\(spec.name))")
                }
                guard (spec.type != .text && !optional) || version >= PartitionFileFormat.textVersion else {
                    throw corrupt("\(optional ? "optional" : "text") column \(name) in a version-\(version) file")
                }
                physical[c] = stored
                if version >= PartitionFileFormat.statisticsVersion,
                    PartitionFileFormat.hasStatistics(type, optional: optional)
                {
                    statisticsIndex[c] = statisticsCount
                    statisticsCount += 1
                }
            }
            self.statisticsIndex = statisticsIndex
            self.physical = physical
            absent = schema.columns.map(\.type.absent)
            self.columnCount = schema.columns.count
            isText = schema.columns.map { $0.type == .text }
            timestampColumn = schema.timestampIndex
            partition = try footer.readInt64()
            let duration = try footer.readInt64()
            guard duration == schema.partitionDuration else {
                throw corrupt("partition duration \(duration) differs from the table's \(schema.partitionDuration)")
            }
            includedThrough = try footer.readUInt64()
            // A WAL sequence is counted up from 1 by one per batch: past 2^63 it is damage, and
            // letting it through would make the next append's sequence overflow.
            guard includedThrough <= UInt64(Int64.max) else {
                throw corrupt("included-through sequence \(includedThrough) is impossible")
            }
            let rawDuplicates = try footer.readUInt64()
            // Stats and compaction add these up: bound them far below overflow (2^40 is more
            // duplicates than a partition can ever have been offered).
            guard rawDuplicates <= Self.maximumCount else {
                throw corrupt("duplicate count \(rawDuplicates) is impossible")
            }
            duplicatesSkipped = Int(rawDuplicates)
            let rawRows = try footer.readUInt64()
            guard rawRows <= Self.maximumCount else { throw corrupt("row count \(rawRows) is impossible") }
            rowCount = Int(rawRows)
            let symbolCount = Int(try footer.readUInt32())
            // Each symbol entry takes at least 26 bytes (name length, rows, min, max, block count).
            guard symbolCount <= footer.remaining / 26 else { throw corrupt("impossible symbol count \(symbolCount)") }
            var symbols: [String: SymbolEntry] = [:]
            var chunks: [Chunk] = []
            var statistics: [ColumnStatistics] = []
            var counted = 0
            let dataEnd = footerOffset
            for _ in 0..<symbolCount {
                let name = try footer.readString()
                let rows = Int(try footer.readUInt32())
                let minTs = try footer.readInt64()
                let maxTs = try footer.readInt64()
                let blockCount = Int(try footer.readUInt32())
                guard minTs <= maxTs else { throw corrupt("time range of \(name) is inverted") }
                guard blockCount <= footer.remaining / 20 else { throw corrupt("impossible block count for \(name)") }
                var blocks: [Block] = []
                blocks.reserveCapacity(blockCount)
                var blockRows = 0
                for _ in 0..<blockCount {
                    let n = Int(try footer.readUInt32())
                    let first = try footer.readInt64()
                    let last = try footer.readInt64()
                    guard n > 0, n <= BlockCodec.blockRows else { throw corrupt("impossible block size for \(name)") }
                    guard first <= last, first >= minTs, last <= maxTs else {
                        throw corrupt("block time range of \(name) lies outside its symbol's")
                    }
                    blocks.append(
                        Block(
                            rows: n, firstTimestamp: first, lastTimestamp: last, firstChunk: chunks.count,
                            firstStatistics: statistics.count))
                    for _ in 0..<storedCount {
                        let rawOffset = try footer.readUInt64()
                        let length = Int(try footer.readUInt32())
                        let crc = try footer.readUInt32()
                        guard let offset = Int(exactly: rawOffset), offset >= PartitionFileFormat.headerSize,
                            offset <= dataEnd - length
                        else {
                            throw corrupt("chunk of \(name) points outside the data region (\(rawOffset))")
                        }
                        chunks.append(Chunk(offset: offset, length: length, crc: crc))
                    }
                    for _ in 0..<statisticsCount {
                        let low = try footer.readUInt64()
                        let high = try footer.readInt64()
                        let minimum = try footer.readInt64()
                        let maximum = try footer.readInt64()
                        let sum = Int128(high) << 64 | Int128(low)
                        // n ≤ 1,024 values of at most 2^63 in magnitude: the bounds fit Int128.
                        guard minimum <= maximum, sum >= Int128(n) * Int128(minimum),
                            sum <= Int128(n) * Int128(maximum)
                        else { throw corrupt("impossible block statistics for \(name)") }
                        statistics.append(ColumnStatistics(sum: sum, min: minimum, max: maximum))
                    }
                    blockRows += n
                }
                guard blockRows == rows else { throw corrupt("row count of \(name) disagrees with its blocks") }
                // The symbol's time range is its blocks' (`lastTimestamp` answers from it without
                // decoding, so a wider one would disagree with what `range` reads).
                guard let firstBlock = blocks.first, let lastBlock = blocks.last,
                    firstBlock.firstTimestamp == minTs, lastBlock.lastTimestamp == maxTs
                else { throw corrupt("time range of \(name) disagrees with its blocks") }
                guard symbols[name] == nil else { throw corrupt("symbol \(name) is listed twice") }
                counted += rows
                symbols[name] = SymbolEntry(
                    name: name, rows: rows, minTimestamp: minTs, maxTimestamp: maxTs, blocks: blocks)
            }
            guard counted == rowCount else { throw corrupt("row count disagrees with the symbol index") }
            guard footer.remaining == 0 else { throw corrupt("trailing bytes in the footer") }
            self.symbols = symbols
            self.chunks = chunks
            self.statistics = statistics
            var encoded = [Int64](repeating: 0, count: physical.count)
            for entry in symbols.values {
                for block in entry.blocks {
                    for (column, place) in physical.enumerated() {
                        guard let place else { continue }
                        encoded[column] += Int64(chunks[block.firstChunk + place].length)
                    }
                }
            }
            encodedBytes = encoded
        } catch is ByteReader.OutOfBounds {
            throw corrupt("footer shorter than its contents")
        }
    }

    /// Σ, min and max of `column` in block `block` of `entry`, if the file keeps them.
    func statistics(_ entry: SymbolEntry, block: Int, column: Int) -> ColumnStatistics? {
        guard let index = statisticsIndex[column] else { return nil }
        return statistics[entry.blocks[block].firstStatistics + index]
    }

    /// Checks the index's statistics of block `block` of `entry` against its values, `buffers`
    /// holding every column as ``decode(_:block:columns:into:)`` filled them: a file whose
    /// statistics are plausible but wrong (its footer checksum recomputed) answers aggregates
    /// wrongly, and only decoding finds it.
    func verifyStatistics(_ entry: SymbolEntry, block: Int, decoded buffers: [UnsafeMutablePointer<Int64>]) throws {
        let rows = entry.blocks[block].rows
        for column in 0..<columnCount {
            guard let known = statistics(entry, block: block, column: column) else { continue }
            let lane = UnsafeBufferPointer(start: buffers[column], count: rows)
            let actual = ColumnStatistics(
                sum: AggregateAccumulator.exactSum(lane), min: lane.min() ?? 0, max: lane.max() ?? 0)
            guard actual == known else {
                throw StrataError(
                    .corruptFile,
                    "statistics of block \(block) of symbol \(entry.name), column \(column) disagree with its values",
                    path: path)
            }
        }
    }

    /// Decodes block `block` of `entry` for the given columns into `buffers` (one per column,
    /// `BlockCodec.blockRows` capacity each) after checking each chunk's checksum; text values go
    /// into a heap that is dropped (for checks, and for callers that decode no text column).
    func decode(
        _ entry: SymbolEntry, block: Int, columns: [Int], into buffers: [UnsafeMutablePointer<Int64>]
    ) throws {
        var texts = TextHeap()
        try decode(entry, block: block, columns: columns, into: buffers, texts: &texts)
    }

    /// Decodes block `block` of `entry` for the given columns into `buffers`; a text column's
    /// values go into `texts`, their references into its buffer.
    func decode(
        _ entry: SymbolEntry, block: Int, columns: [Int], into buffers: [UnsafeMutablePointer<Int64>],
        texts: inout TextHeap
    ) throws {
        let info = entry.blocks[block]
        for (i, column) in columns.enumerated() {
            guard let stored = physical[column] else {
                buffers[i].update(repeating: absent[column], count: info.rows)
                continue
            }
            let chunk = chunks[info.firstChunk + stored]
            let bytes = UnsafeRawBufferPointer(rebasing: file.bytes[chunk.offset..<(chunk.offset + chunk.length)])
            guard CRC32C.checksum(bytes) == chunk.crc else {
                throw StrataError(
                    .corruptFile, "checksum mismatch in block \(block) of symbol \(entry.name), column \(column)",
                    path: path, offset: Int64(chunk.offset))
            }
            let decoded: Int
            do {
                // Capacity is the index's row count: `copyRows` decodes straight into a lane sized
                // by the index, so a chunk claiming more rows must fail, not write past it.
                decoded =
                    isText[column]
                    ? try TextBlockCodec.decode(bytes, into: buffers[i], capacity: info.rows, heap: &texts)
                    : try BlockCodec.decode(bytes, into: buffers[i], capacity: info.rows)
            } catch {
                throw StrataError(
                    .corruptFile, "undecodable block \(block) of symbol \(entry.name): \(error.reason)", path: path,
                    offset: Int64(chunk.offset))
            }
            guard decoded == info.rows else {
                throw StrataError(
                    .corruptFile, "block \(block) of \(entry.name) has \(decoded) rows, index says \(info.rows)",
                    path: path, offset: Int64(chunk.offset))
            }
            // The index answers time bounds (and `lastTimestamp`) without decoding: the block's
            // own first and last times must be the index's.
            if column == timestampColumn,
                buffers[i][0] != info.firstTimestamp || buffers[i][info.rows - 1] != info.lastTimestamp
            {
                throw StrataError(
                    .corruptFile, "block \(block) of \(entry.name): its times disagree with the index", path: path,
                    offset: Int64(chunk.offset))
            }
        }
    }

    /// Calls `body` with each decoded block of `symbol` that may hold rows in `[from, to)`,
    /// oldest first (or newest first when `reverse`); `body` returns false to stop.
    func forEachBlock(
        of entry: SymbolEntry, from: Int64, to: Int64, reverse: Bool = false, columns: [Int],
        _ body: (_ block: Int, _ lanes: [UnsafeBufferPointer<Int64>]) throws -> Bool
    ) throws {
        var texts = TextHeap()
        try forEachBlock(of: entry, from: from, to: to, reverse: reverse, columns: columns, texts: &texts, body)
    }

    /// ``forEachBlock(of:from:to:reverse:columns:_:)`` keeping the decoded text values in `texts`
    /// (the text lanes handed to `body` are references into it).
    func forEachBlock(
        of entry: SymbolEntry, from: Int64, to: Int64, reverse: Bool = false, columns: [Int], texts: inout TextHeap,
        _ body: (_ block: Int, _ lanes: [UnsafeBufferPointer<Int64>]) throws -> Bool
    ) throws {
        let buffers = columns.map { _ in UnsafeMutablePointer<Int64>.allocate(capacity: BlockCodec.blockRows) }
        defer { for buffer in buffers { buffer.deallocate() } }
        var indices = Array(blockRange(of: entry, from: from, to: to))
        if reverse { indices.reverse() }
        for block in indices {
            try decode(entry, block: block, columns: columns, into: buffers, texts: &texts)
            let n = entry.blocks[block].rows
            let lanes = buffers.map { UnsafeBufferPointer(start: $0, count: n) }
            if try !body(block, lanes) { return }
        }
    }

    /// Rows of `symbol` with `from <= ts < to`, appended to `out` (all columns, oldest first).
    ///
    /// Each output lane is allocated once, uninitialised, for every candidate block; blocks wholly
    /// inside the range decode straight into it, the (at most two) partial ones through a scratch
    /// buffer.
    package func copyRows(
        symbol: String, from: Int64, to: Int64, limit: Int = .max, timestampColumn ts: Int, into out: inout RowSet
    ) throws {
        guard limit > 0, let entry = symbols[symbol], entry.maxTimestamp >= from, entry.minTimestamp < to else {
            return
        }
        var blocks = blockRange(of: entry, from: from, to: to)
        let scratch = UnsafeMutablePointer<Int64>.allocate(capacity: BlockCodec.blockRows)
        let times = UnsafeMutablePointer<Int64>.allocate(capacity: BlockCodec.blockRows)
        defer {
            scratch.deallocate()
            times.deallocate()
        }
        // The row window [lo, hi) of each partial block, from its timestamps (blocks are in time
        // order, so only the first and the last can be partial).
        var windows: [Int: Range<Int>] = [:]
        for block in blocks {
            let info = entry.blocks[block]
            guard info.firstTimestamp < from || info.lastTimestamp >= to else { continue }
            try decode(entry, block: block, columns: [ts], into: [times])
            let lane = UnsafeBufferPointer(start: times, count: info.rows)
            windows[block] = Self.lowerBound(lane, from)..<Self.lowerBound(lane, to)
        }
        // With a limit, only the blocks that hold the first `limit` rows are decoded.
        var capacity = 0
        for block in blocks {
            capacity += windows[block]?.count ?? entry.blocks[block].rows
            if capacity >= limit {
                blocks = blocks.lowerBound..<(block + 1)
                break
            }
        }
        for c in 0..<columnCount {
            let lane = try [Int64](unsafeUninitializedCapacity: capacity) { buffer, count in
                var filled = 0
                for block in blocks {
                    if let window = windows[block] {
                        guard !window.isEmpty else { continue }
                        try decode(entry, block: block, columns: [c], into: [scratch], texts: &out.texts)
                        (buffer.baseAddress! + filled).update(from: scratch + window.lowerBound, count: window.count)
                        filled += window.count
                    } else {
                        try decode(
                            entry, block: block, columns: [c], into: [buffer.baseAddress! + filled], texts: &out.texts)
                        filled += entry.blocks[block].rows
                    }
                }
                // The last block may reach past `limit`: its extra rows are left out of the count
                // (Int64 needs no deinitialisation), not copied away.
                count = min(filled, limit)
            }
            if out.columns[c].isEmpty {
                out.columns[c] = lane
            } else {
                out.columns[c].append(contentsOf: lane)
            }
        }
    }

    /// The indices of the blocks of `entry` that may hold rows in `[from, to)`.
    func blockRange(of entry: SymbolEntry, from: Int64, to: Int64) -> Range<Int> {
        var low = 0
        var high = entry.blocks.count
        while low < high {
            let mid = (low + high) >> 1
            if entry.blocks[mid].lastTimestamp < from { low = mid + 1 } else { high = mid }
        }
        var end = low
        while end < entry.blocks.count && (entry.blocks[end].firstTimestamp < to || to == Int64.max) { end += 1 }
        return low..<end
    }

    /// The newest `limit` rows of `symbol` with `ts < before`, appended to `out` oldest first.
    func copyTail(symbol: String, limit: Int, before: Int64, timestampColumn ts: Int, into out: inout RowSet) throws {
        guard limit > 0, let entry = symbols[symbol], entry.minTimestamp < before else { return }
        let all = Array(0..<columnCount)
        var pieces: [[[Int64]]] = []  // newest piece first
        var have = 0
        try forEachBlock(of: entry, from: Int64.min, to: before, reverse: true, columns: all, texts: &out.texts) {
            _, lanes in
            let hi = lanes[ts][lanes[ts].count - 1] < before ? lanes[ts].count : Self.lowerBound(lanes[ts], before)
            let lo = max(0, hi - (limit - have))
            if lo < hi {
                pieces.append(lanes.map { Array($0[lo..<hi]) })
                have += hi - lo
            }
            return have < limit
        }
        for piece in pieces.reversed() {
            for c in 0..<all.count { out.columns[c].append(contentsOf: piece[c]) }
        }
    }

    /// All keys of `symbol` in `keyColumn` (for dedup of late rows against sealed data).
    func keys(symbol: String, keyColumn: Int) throws -> Set<Int64> {
        guard let entry = symbols[symbol] else { return [] }
        var keys = Set<Int64>(minimumCapacity: entry.rows)
        try forEachBlock(of: entry, from: Int64.min, to: Int64.max, columns: [keyColumn]) { _, lanes in
            for key in lanes[0] { keys.insert(key) }
            return true
        }
        return keys
    }

    /// All rows of `symbol` (used when compaction rewrites the partition); text values go into
    /// `texts`.
    func allRows(symbol: String, texts: inout TextHeap) throws -> [[Int64]] {
        var columns: [[Int64]] = Array(repeating: [], count: columnCount)
        guard let entry = symbols[symbol] else { return columns }
        for c in 0..<columnCount { columns[c].reserveCapacity(entry.rows) }
        try forEachBlock(of: entry, from: Int64.min, to: Int64.max, columns: Array(0..<columnCount), texts: &texts) {
            _, lanes in
            for c in 0..<columnCount { columns[c].append(contentsOf: lanes[c]) }
            return true
        }
        return columns
    }

    static func lowerBound(_ lane: UnsafeBufferPointer<Int64>, _ value: Int64) -> Int {
        var low = 0
        var high = lane.count
        while low < high {
            let mid = (low + high) >> 1
            if lane[mid] < value { low = mid + 1 } else { high = mid }
        }
        return low
    }
}
