public import StrataCore

/// Writes one Parquet file of a table, row group by row group, written here from the format's
/// specification (`parquet-format`: `parquet.thrift`, `Encodings.md`, `Compression.md`).
///
/// The file: `PAR1`, the row groups (each column's chunk: a dictionary page if its values are
/// dictionary-encoded, then data pages of at most ``Configuration/pageRows`` rows), the footer
/// (`FileMetaData`, Thrift compact), its length (4 bytes little-endian) and `PAR1`.
///
/// Pages are data page v1: every reader (pyarrow, DuckDB, polars, Spark, parquet-mr before
/// 1.11) reads v1, while v2 gains nothing here (its uncompressed levels help repeated columns,
/// and the lake has none). Each page's body is compressed with Snappy (``Snappy``); definition
/// levels (optional columns only) are RLE / bit-packed with a 4-byte length; values are PLAIN,
/// or RLE_DICTIONARY for text whose distinct values fit a dictionary page of 1 MiB and repeat,
/// and for INT64 columns (prices, sizes) whose distinct values are at most a quarter of the rows.
/// Pages and column chunks carry statistics (`min_value`, `max_value`, `null_count`) and the
/// footer declares `TYPE_ORDER` for every column, so readers trust them to skip: INT64 min/max
/// are signed (timestamps, decimals' mantissas), strings compare as unsigned bytes.
///
/// The bytes accumulate in ``pending`` (``takePending()`` hands them to the file): a row group is
/// the unit of memory.
public struct ParquetWriter: Sendable {
    public struct Configuration: Sendable {
        /// Rows per data page (each page has its statistics).
        public var pageRows = 16_384
        /// A string dictionary larger than this falls back to PLAIN.
        public var dictionaryBytes = 1 << 20
        /// Compress pages with Snappy (else uncompressed).
        public var compress = true

        public init() {}
    }

    public let layout: LakeTableLayout
    public let configuration: Configuration
    private var pending: [UInt8]
    /// The file offset of `pending`'s first byte.
    private var flushed = 0
    private var rowGroups: [RowGroupMeta] = []
    /// Rows written so far.
    public private(set) var rows = 0

    public init(layout: LakeTableLayout, configuration: Configuration = Configuration()) {
        self.layout = layout
        self.configuration = configuration
        pending = parquetMagic
    }

    /// The file's size so far.
    public var position: Int { flushed + pending.count }

    /// The bytes written since the last call, to append to the file.
    public mutating func takePending() -> [UInt8] {
        defer {
            flushed += pending.count
            pending.removeAll(keepingCapacity: true)
        }
        return pending
    }

    /// Writes `batch` (the table's columns, rows sorted by time) as one row group.
    /// - Throws: ``LakeError`` `.unsupported` when the batch cannot be stored as the table's
    ///   columns (see ``LakeTableLayout``); nothing is written then.
    public mutating func write(_ batch: ColumnarBatch) throws(LakeError) {
        guard batch.count > 0 else { return }
        let data = try layout.columnData(of: batch)
        let start = position
        var chunks: [ChunkMeta] = []
        for (column, values) in zip(layout.columns, data) {
            chunks.append(writeChunk(column, values, rows: batch.count))
        }
        rowGroups.append(
            RowGroupMeta(
                chunks: chunks, rows: batch.count, offset: start, compressedSize: position - start,
                uncompressedSize: chunks.reduce(0) { $0 + $1.uncompressedSize }))
        rows += batch.count
    }

    /// Appends the footer with `metadata` as key-value metadata; take it with ``takePending()``.
    public mutating func finish(metadata: [(String, String)] = []) {
        var writer = ThriftCompactWriter()
        writer.i32(1, 1)
        writer.list(2, .structure, count: layout.columns.count + 1) { writer in
            writer.structValue { writer in
                writer.string(4, "schema")
                writer.i32(5, Int32(layout.columns.count))
            }
            for column in layout.columns { writer.structValue { Self.schemaElement(column, &$0) } }
        }
        writer.i64(3, Int64(rows))
        writer.list(4, .structure, count: rowGroups.count) { writer in
            for (ordinal, group) in rowGroups.enumerated() {
                writer.structValue { writer in
                    writer.list(1, .structure, count: group.chunks.count) { writer in
                        for chunk in group.chunks { writer.structValue { chunk.write(to: &$0) } }
                    }
                    writer.i64(2, Int64(group.uncompressedSize))
                    writer.i64(3, Int64(group.rows))
                    writer.i64(5, Int64(group.offset))
                    writer.i64(6, Int64(group.compressedSize))
                    writer.fieldHeader(7, .i16)
                    writer.i32Value(Int32(ordinal))
                }
            }
        }
        let pairs = [("strata.table", layout.schema.name)] + metadata
        writer.list(5, .structure, count: pairs.count) { writer in
            for (key, value) in pairs {
                writer.structValue { writer in
                    writer.string(1, key)
                    writer.string(2, value)
                }
            }
        }
        writer.string(6, "strata version \(StrataVersion.release)")
        writer.list(7, .structure, count: layout.columns.count) { writer in
            for _ in layout.columns {
                writer.structValue { writer in writer.structure(1) { _ in } }
            }
        }
        writer.end()
        pending.append(contentsOf: writer.bytes)
        PlainEncoding.append(Int32(writer.bytes.count), to: &pending)
        pending.append(contentsOf: parquetMagic)
    }

    private static func schemaElement(_ column: LakeColumn, _ writer: inout ThriftCompactWriter) {
        writer.i32(1, column.physical.rawValue)
        writer.i32(3, column.optional ? 1 : 0)
        writer.string(4, column.name)
        switch column.type {
        case .int8: writer.i32(6, ParquetConvertedType.int8.rawValue)
        case .string: writer.i32(6, ParquetConvertedType.utf8.rawValue)
        case .decimal(let scale):
            writer.i32(6, ParquetConvertedType.decimal.rawValue)
            writer.i32(7, Int32(scale))
            writer.i32(8, 18)
        default: break
        }
        switch column.type {
        case .timestamp:
            writer.structure(10) { writer in
                writer.structure(8) { writer in
                    writer.bool(1, true)
                    writer.structure(2) { writer in writer.structure(3) { _ in } }
                }
            }
        case .int8:
            writer.structure(10) { writer in
                writer.structure(10) { writer in
                    writer.byte(1, 8)
                    writer.bool(2, true)
                }
            }
        case .string: writer.structure(10) { writer in writer.structure(1) { _ in } }
        case .decimal(let scale):
            writer.structure(10) { writer in
                writer.structure(5) { writer in
                    writer.i32(1, Int32(scale))
                    writer.i32(2, 18)
                }
            }
        case .int64, .float64, .bool: break
        }
    }

    // MARK: Column chunks

    private mutating func writeChunk(_ column: LakeColumn, _ data: LakeColumnData, rows: Int) -> ChunkMeta {
        var dictionaryOffset: Int?
        // Dictionary encoding: each value's index into the chunk's distinct values, and how many.
        var dictionary: (indices: [UInt32], count: Int)?
        var dictionaryBody: [UInt8] = []
        var encodings: [ParquetEncoding] = [.plain, .rle]
        var uncompressedSize = 0
        let start = position
        switch data.values {
        case .strings(let indices, let values) where values.count < max(2, indices.count) || values.count == 1:
            let bytes = values.reduce(0) { $0 + $1.count + 4 }
            if bytes <= configuration.dictionaryBytes {
                dictionary = (indices, values.count)
                dictionaryBody.reserveCapacity(bytes)
                for value in values { PlainEncoding.append(bytes: value, to: &dictionaryBody) }
            }
        case .int64(let values) where column.type != .timestamp:
            // Prices and sizes repeat (a few ticks and lots per symbol): a dictionary when each
            // distinct value appears four times on average; timestamps and ids give up early.
            if let (indices, distinct) = Self.int64Dictionary(values, limit: configuration.dictionaryBytes / 8) {
                dictionary = (indices, distinct.count)
                for value in distinct { PlainEncoding.append(value, to: &dictionaryBody) }
            }
        default: break
        }
        if let dictionary {
            dictionaryOffset = position
            var header = ThriftCompactWriter()
            header.i32(1, ParquetPageType.dictionaryPage.rawValue)
            header.i32(2, Int32(dictionaryBody.count))
            let stored = configuration.compress ? Snappy.compress(dictionaryBody) : dictionaryBody
            header.i32(3, Int32(stored.count))
            header.structure(7) { writer in
                writer.i32(1, Int32(dictionary.count))
                writer.i32(2, ParquetEncoding.plain.rawValue)
                writer.bool(3, false)
            }
            header.end()
            pending.append(contentsOf: header.bytes)
            pending.append(contentsOf: stored)
            uncompressedSize += header.bytes.count + dictionaryBody.count
            encodings.append(.rleDictionary)
        }
        let dataOffset = position
        var valueStart = 0
        var chunkStatistics: ParquetStatistics?
        var pageStart = 0
        while pageStart < rows {
            let pageEnd = min(rows, pageStart + configuration.pageRows)
            var body: [UInt8] = []
            var nulls = 0
            if column.optional {
                let levels: [UInt32]
                if let present = data.present {
                    levels = present[pageStart..<pageEnd].map { $0 ? 1 : 0 }
                } else {
                    levels = Array(repeating: 1, count: pageEnd - pageStart)
                }
                nulls = levels.count { $0 == 0 }
                var encoded: [UInt8] = []
                RLEHybrid.encode(levels, bitWidth: 1, into: &encoded)
                PlainEncoding.append(Int32(encoded.count), to: &body)
                body.append(contentsOf: encoded)
            }
            let valueEnd = valueStart + (pageEnd - pageStart - nulls)
            let statistics = Self.statistics(data.values, valueStart..<valueEnd, nulls: nulls)
            let encoding = Self.encodeValues(data.values, valueStart..<valueEnd, dictionary: dictionary, into: &body)
            var header = ThriftCompactWriter()
            header.i32(1, ParquetPageType.dataPage.rawValue)
            header.i32(2, Int32(body.count))
            let stored = configuration.compress ? Snappy.compress(body) : body
            header.i32(3, Int32(stored.count))
            header.structure(5) { writer in
                writer.i32(1, Int32(pageEnd - pageStart))
                writer.i32(2, encoding.rawValue)
                writer.i32(3, ParquetEncoding.rle.rawValue)
                writer.i32(4, ParquetEncoding.rle.rawValue)
                statistics.write(5, to: &writer)
            }
            header.end()
            pending.append(contentsOf: header.bytes)
            pending.append(contentsOf: stored)
            uncompressedSize += header.bytes.count + body.count
            chunkStatistics = chunkStatistics.map { Self.merge($0, statistics, column.type) } ?? statistics
            valueStart = valueEnd
            pageStart = pageEnd
        }
        return ChunkMeta(
            type: column.physical, encodings: encodings, name: column.name,
            codec: configuration.compress ? .snappy : .uncompressed, values: rows,
            uncompressedSize: uncompressedSize, compressedSize: position - start, dataPageOffset: dataOffset,
            dictionaryPageOffset: dictionaryOffset,
            statistics: chunkStatistics ?? ParquetStatistics(minimum: nil, maximum: nil, nullCount: 0))
    }

    private static func encodeValues(
        _ values: LakeValues, _ range: Range<Int>, dictionary: (indices: [UInt32], count: Int)?,
        into body: inout [UInt8]
    ) -> ParquetEncoding {
        if let dictionary {
            let width = max(1, RLEHybrid.bitWidth(dictionary.count - 1))
            body.append(UInt8(width))
            RLEHybrid.encode(Array(dictionary.indices[range]), bitWidth: width, into: &body)
            return .rleDictionary
        }
        switch values {
        case .int64(let values):
            body.reserveCapacity(body.count + range.count * 8)
            for value in values[range] { PlainEncoding.append(value, to: &body) }
        case .int32(let values): for value in values[range] { PlainEncoding.append(value, to: &body) }
        case .double(let values): for value in values[range] { PlainEncoding.append(value, to: &body) }
        case .bool(let values): PlainEncoding.append(bools: values[range], to: &body)
        case .strings(let indices, let values):
            for index in indices[range] { PlainEncoding.append(bytes: values[Int(index)], to: &body) }
        }
        return .plain
    }

    /// `values` as indices into their distinct values, when those are at most a quarter of the
    /// values and at most `limit`; else nil.
    private static func int64Dictionary(_ values: [Int64], limit: Int) -> (indices: [UInt32], distinct: [Int64])? {
        guard values.count >= 16 else { return nil }
        let most = min(limit, values.count / 4)
        var index: [Int64: UInt32] = [:]
        index.reserveCapacity(min(most, 4_096))
        var distinct: [Int64] = []
        var indices: [UInt32] = []
        indices.reserveCapacity(values.count)
        for (position, value) in values.enumerated() {
            // Ids and times are told from the first 1,024 values, not after a quarter of the chunk.
            if position == 1_024, distinct.count > position / 4 { return nil }
            if let known = index[value] {
                indices.append(known)
            } else {
                guard distinct.count < most else { return nil }
                index[value] = UInt32(distinct.count)
                indices.append(UInt32(distinct.count))
                distinct.append(value)
            }
        }
        return (indices, distinct)
    }

    // MARK: Statistics

    /// Statistics longer than this are left out for strings (a reader compares whole values).
    static let statisticsLimit = 64

    private static func statistics(_ values: LakeValues, _ range: Range<Int>, nulls: Int) -> ParquetStatistics {
        var result = ParquetStatistics(minimum: nil, maximum: nil, nullCount: Int64(nulls))
        guard !range.isEmpty else { return result }
        var low: [UInt8] = []
        var high: [UInt8] = []
        switch values {
        case .int64(let values):
            let slice = values[range]
            PlainEncoding.append(slice.min()!, to: &low)
            PlainEncoding.append(slice.max()!, to: &high)
        case .int32(let values):
            let slice = values[range]
            PlainEncoding.append(slice.min()!, to: &low)
            PlainEncoding.append(slice.max()!, to: &high)
        case .double(let values):
            let numbers = values[range].filter { !$0.isNaN }
            guard var minimum = numbers.min(), var maximum = numbers.max() else { return result }
            if minimum == 0 { minimum = -0.0 }
            if maximum == 0 { maximum = 0.0 }
            PlainEncoding.append(minimum, to: &low)
            PlainEncoding.append(maximum, to: &high)
        case .bool(let values):
            let slice = values[range]
            low = [slice.contains(false) ? 0 : 1]
            high = [slice.contains(true) ? 1 : 0]
        case .strings(let indices, let dictionary):
            var seen = Set<UInt32>()
            for index in indices[range] { seen.insert(index) }
            let strings = seen.map { dictionary[Int($0)] }
            guard let minimum = strings.min(by: { $0.lexicographicallyPrecedes($1) }),
                let maximum = strings.max(by: { $0.lexicographicallyPrecedes($1) }),
                maximum.count <= statisticsLimit
            else { return result }
            low = minimum
            high = maximum
        }
        result.minimum = low
        result.maximum = high
        return result
    }

    private static func merge(
        _ a: ParquetStatistics, _ b: ParquetStatistics, _ type: LakeColumn.ValueType
    ) -> ParquetStatistics {
        var result = ParquetStatistics(minimum: nil, maximum: nil, nullCount: a.nullCount + b.nullCount)
        let aEmpty = a.minimum == nil
        let bEmpty = b.minimum == nil
        // A page without values (all null) leaves the other's range; a string page whose range
        // was left out leaves the chunk without one.
        if aEmpty && bEmpty { return result }
        if aEmpty || bEmpty {
            if case .string = type { return result }
            if case .float64 = type { return result }
            let other = aEmpty ? b : a
            result.minimum = other.minimum
            result.maximum = other.maximum
            return result
        }
        let less: ([UInt8], [UInt8]) -> Bool
        switch type {
        case .string: less = { $0.lexicographicallyPrecedes($1) }
        case .float64:
            less = {
                Double(bitPattern: UInt64(bitPattern: ParquetStatistics.int64($0)))
                    < Double(bitPattern: UInt64(bitPattern: ParquetStatistics.int64($1)))
            }
        case .bool: less = { $0[0] < $1[0] }
        case .int8:
            less = { Self.int32($0) < Self.int32($1) }
        default: less = { ParquetStatistics.int64($0) < ParquetStatistics.int64($1) }
        }
        result.minimum = less(b.minimum!, a.minimum!) ? b.minimum : a.minimum
        result.maximum = less(a.maximum!, b.maximum!) ? b.maximum : a.maximum
        return result
    }

    private static func int32(_ bytes: [UInt8]) -> Int32 {
        Int32(bitPattern: UInt32(bytes[0]) | UInt32(bytes[1]) << 8 | UInt32(bytes[2]) << 16 | UInt32(bytes[3]) << 24)
    }
}

/// A column chunk's metadata, kept until the footer.
struct ChunkMeta: Sendable {
    let type: ParquetPhysicalType
    let encodings: [ParquetEncoding]
    let name: String
    let codec: ParquetCodec
    let values: Int
    let uncompressedSize: Int
    let compressedSize: Int
    let dataPageOffset: Int
    let dictionaryPageOffset: Int?
    let statistics: ParquetStatistics

    func write(to writer: inout ThriftCompactWriter) {
        writer.i64(2, Int64(dictionaryPageOffset ?? dataPageOffset))
        writer.structure(3) { writer in
            writer.i32(1, type.rawValue)
            writer.list(2, .i32, count: encodings.count) { writer in
                for encoding in encodings { writer.i32Value(encoding.rawValue) }
            }
            writer.list(3, .binary, count: 1) { writer in writer.stringValue(name) }
            writer.i32(4, codec.rawValue)
            writer.i64(5, Int64(values))
            writer.i64(6, Int64(uncompressedSize))
            writer.i64(7, Int64(compressedSize))
            writer.i64(9, Int64(dataPageOffset))
            if let dictionaryPageOffset { writer.i64(11, Int64(dictionaryPageOffset)) }
            statistics.write(12, to: &writer)
        }
    }
}

/// A row group's metadata, kept until the footer.
struct RowGroupMeta: Sendable {
    let chunks: [ChunkMeta]
    let rows: Int
    let offset: Int
    let compressedSize: Int
    let uncompressedSize: Int
}
