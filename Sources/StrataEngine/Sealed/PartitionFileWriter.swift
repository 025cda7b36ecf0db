import StrataCore

/// Writes a sealed partition file from per-symbol sorted columns.
struct PartitionFileWriter {
    let schema: TableSchema
    /// The format version to write: the current one; tests write version 1 (no statistics)
    /// to check that old files still read.
    var formatVersion: UInt32 = PartitionFileFormat.formatVersion

    struct Input {
        var partition: Int64
        var includedThrough: UInt64
        var duplicatesSkipped: UInt64
        /// (symbol name, columns sorted by time), in any order; the writer sorts by name.
        var symbols: [(name: String, columns: [Lane])]
        /// The values of the text columns (their lanes hold references into it).
        var texts = TextHeap()
    }

    /// Encodes the file into memory chunks (header, blocks, footer + trailer).
    func encode(_ input: Input) -> [[UInt8]] {
        var header = ByteWriter(capacity: PartitionFileFormat.headerSize)
        header.write(bytes: PartitionFileFormat.headerMagic)
        // Tests write older versions (1: no statistics) to check that old files still read.
        let version = formatVersion
        precondition(
            version >= PartitionFileFormat.textVersion
                || (schema.textColumns.isEmpty && !schema.columns.contains(where: \.optional)),
            "text and optional columns need format version \(PartitionFileFormat.textVersion)")
        header.write(version)
        header.write(UInt32(0))

        var data = ByteWriter(capacity: 1 << 20)
        var footer = ByteWriter(capacity: 4096)
        footer.write(UInt16(schema.columns.count))
        for column in schema.columns {
            footer.write(column.type.code | (column.optional ? PartitionFileFormat.optionalFlag : 0))
            footer.write(UInt8(column.type.scale))
            footer.write(string: column.name)
        }
        footer.write(input.partition)
        footer.write(schema.partitionDuration)
        footer.write(input.includedThrough)
        footer.write(input.duplicatesSkipped)
        let totalRows = input.symbols.reduce(0) { $0 + $1.columns[schema.timestampIndex].count }
        footer.write(UInt64(totalRows))
        let symbols = input.symbols.filter { !$0.columns[schema.timestampIndex].isEmpty }.sorted { $0.name < $1.name }
        footer.write(UInt32(symbols.count))
        let ts = schema.timestampIndex
        var chunk = ByteWriter(capacity: 16 << 10)
        let statisticsColumns =
            version >= PartitionFileFormat.statisticsVersion
            ? schema.columns.indices.filter {
                PartitionFileFormat.hasStatistics(schema.columns[$0].type, optional: schema.columns[$0].optional)
            } : []
        var statistics = ByteWriter(capacity: statisticsColumns.count * PartitionFileFormat.statisticsSize)
        for symbol in symbols {
            let rows = symbol.columns[ts].count
            footer.write(string: symbol.name)
            footer.write(UInt32(rows))
            footer.write(symbol.columns[ts][0])
            footer.write(symbol.columns[ts][rows - 1])
            let blockCount = (rows + BlockCodec.blockRows - 1) / BlockCodec.blockRows
            footer.write(UInt32(blockCount))
            for block in 0..<blockCount {
                let lo = block * BlockCodec.blockRows
                let hi = min(rows, lo + BlockCodec.blockRows)
                footer.write(UInt32(hi - lo))
                footer.write(symbol.columns[ts][lo])
                footer.write(symbol.columns[ts][hi - 1])
                statistics.removeAll()
                for c in 0..<schema.columns.count {
                    chunk.removeAll()
                    let isText = schema.columns[c].type == .text
                    func encode(_ values: UnsafeBufferPointer<Int64>) {
                        if isText {
                            TextBlockCodec.encode(values, heap: input.texts, into: &chunk)
                        } else {
                            BlockCodec.encode(values, into: &chunk)
                        }
                        if statisticsColumns.contains(c) { Self.writeStatistics(of: values, into: &statistics) }
                    }
                    // A block never straddles a lane chunk (1,024 divides 65,536), so this is one piece.
                    var pieces: [UnsafeBufferPointer<Int64>] = []
                    symbol.columns[c].forEachPiece(lo..<hi) { pieces.append($0) }
                    if pieces.count == 1 {
                        encode(pieces[0])
                    } else {
                        var values: [Int64] = []
                        symbol.columns[c].copy(lo..<hi, into: &values)
                        values.withUnsafeBufferPointer { encode($0) }
                    }
                    let offset = PartitionFileFormat.headerSize + data.count
                    let crc = chunk.bytes.withUnsafeBytes { CRC32C.checksum($0) }
                    data.write(bytes: chunk.bytes)
                    footer.write(UInt64(offset))
                    footer.write(UInt32(chunk.count))
                    footer.write(crc)
                }
                footer.write(bytes: statistics.bytes)
            }
        }
        let footerOffset = PartitionFileFormat.headerSize + data.count
        let footerCRC = footer.bytes.withUnsafeBytes { CRC32C.checksum($0) }
        var trailer = ByteWriter(capacity: PartitionFileFormat.trailerSize)
        trailer.write(UInt64(footerOffset))
        trailer.write(UInt32(footer.count))
        trailer.write(footerCRC)
        trailer.write(bytes: PartitionFileFormat.trailerMagic)
        return [header.bytes, data.bytes, footer.bytes, trailer.bytes]
    }

    /// Σ (Int128, low half then high half), min and max of one block's values.
    static func writeStatistics(of values: UnsafeBufferPointer<Int64>, into out: inout ByteWriter) {
        var low = Int64.max
        var high = Int64.min
        for value in values {
            low = Swift.min(low, value)
            high = Swift.max(high, value)
        }
        let sum = AggregateAccumulator.exactSum(values)
        out.write(UInt64(truncatingIfNeeded: sum))
        out.write(Int64(truncatingIfNeeded: sum >> 64))
        out.write(low)
        out.write(high)
    }

    /// Writes the file atomically at `path` (temp file, fsync, rename, fsync directory).
    func write(_ input: Input, to path: String, fileSystem: any FileSystemOperations) throws {
        try fileSystem.writeAtomically(path, chunks: encode(input))
    }
}
