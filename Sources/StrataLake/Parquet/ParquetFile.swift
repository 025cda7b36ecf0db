/// A Parquet file Strata wrote, read back: the footer parsed, each row group's column chunks
/// decoded (dictionary and PLAIN pages, RLE definition levels, Snappy or uncompressed) — what
/// ``ParquetWriter`` writes, and files of the same shapes from other writers.
///
/// Every offset and length is checked against the file: a damaged file is a ``LakeError``
/// (`.corrupt`), never a crash.
public struct ParquetFile: Sendable {
    /// A leaf column of the schema.
    struct Leaf: Sendable {
        let name: String
        let type: ParquetPhysicalType
        let optional: Bool
    }

    /// A column chunk's metadata.
    struct Chunk: Sendable {
        let codec: ParquetCodec
        let values: Int
        let start: Int
        let length: Int
        let statistics: ParquetStatistics?
    }

    /// A row group's metadata.
    public struct RowGroup: Sendable {
        public let rows: Int
        let chunks: [Chunk]
    }

    /// Values a page may hold at most (a damaged count must not allocate gigabytes).
    static let maximumPageValues: Int64 = 1 << 24

    let bytes: [UInt8]
    let leaves: [Leaf]
    public let rows: Int
    public let rowGroups: [RowGroup]
    /// The footer's key-value metadata.
    public let metadata: [String: String]

    /// Parses `bytes`' footer.
    /// - Throws: ``LakeError`` `.corrupt` when the bytes are not a Parquet file of these shapes.
    public init(bytes: [UInt8]) throws(LakeError) {
        self.bytes = bytes
        guard bytes.count >= 12, Array(bytes[0..<4]) == parquetMagic, Array(bytes[(bytes.count - 4)...]) == parquetMagic
        else { throw LakeError(.corrupt, "not a Parquet file (no PAR1 at both ends)") }
        var position = bytes.count - 8
        let footerLength = Int(try PlainEncoding.int32s(bytes[...], position: &position, count: 1)[0])
        guard footerLength > 0, footerLength <= bytes.count - 12 else {
            throw LakeError(.corrupt, "a footer of \(footerLength) bytes in a file of \(bytes.count)")
        }
        var reader = ThriftCompactReader(bytes[(bytes.count - 8 - footerLength)..<(bytes.count - 8)])
        let footer = try reader.readStruct()
        guard let schema = footer[2]?.list, let rowCount = footer[3]?.int, let groups = footer[4]?.list else {
            throw LakeError(.corrupt, "a footer without schema, row count or row groups")
        }
        var leaves: [Leaf] = []
        for element in schema.dropFirst() {
            guard let fields = element.fields, let name = fields[4]?.string else {
                throw LakeError(.corrupt, "a schema element without a name")
            }
            guard fields[5] == nil || fields[5]?.int == 0 else {
                throw LakeError(.corrupt, "nested column \"\(name)\": Strata's files are flat")
            }
            guard let raw = fields[1]?.int, let type = ParquetPhysicalType(rawValue: Int32(truncatingIfNeeded: raw))
            else { throw LakeError(.corrupt, "column \"\(name)\": an unsupported physical type") }
            let repetition = fields[3]?.int ?? 0
            guard repetition != 2 else { throw LakeError(.corrupt, "column \"\(name)\": repeated") }
            leaves.append(Leaf(name: name, type: type, optional: repetition == 1))
        }
        self.leaves = leaves
        var rowGroups: [RowGroup] = []
        for group in groups {
            guard let fields = group.fields, let columns = fields[1]?.list, let rows = fields[3]?.int,
                columns.count == leaves.count, rows >= 0
            else { throw LakeError(.corrupt, "a row group without its \(leaves.count) columns") }
            var chunks: [Chunk] = []
            for column in columns {
                guard let meta = column.fields?[3]?.fields, let codecValue = meta[4]?.int,
                    let codec = ParquetCodec(rawValue: Int32(truncatingIfNeeded: codecValue)),
                    let values = meta[5]?.int, let length = meta[7]?.int, let dataOffset = meta[9]?.int
                else { throw LakeError(.corrupt, "a column chunk without its metadata or with an unknown codec") }
                let start = meta[11]?.int ?? dataOffset
                guard start >= 4, length >= 0, start <= Int64(bytes.count), length <= Int64(bytes.count) - start,
                    values >= 0, values <= rows
                else { throw LakeError(.corrupt, "a column chunk at \(start)+\(length) outside the file") }
                chunks.append(
                    Chunk(
                        codec: codec, values: Int(values), start: Int(start), length: Int(length),
                        statistics: ParquetStatistics(meta[12])))
            }
            rowGroups.append(RowGroup(rows: Int(rows), chunks: chunks))
        }
        guard rowGroups.reduce(0, { $0 + Int64($1.rows) }) == rowCount else {
            throw LakeError(.corrupt, "the row groups hold other than the footer's \(rowCount) rows")
        }
        self.rows = Int(rowCount)
        self.rowGroups = rowGroups
        var metadata: [String: String] = [:]
        for pair in footer[5]?.list ?? [] {
            if let key = pair.fields?[1]?.string { metadata[key] = pair.fields?[2]?.string ?? "" }
        }
        self.metadata = metadata
    }

    /// The columns' names, in file order.
    public var columnNames: [String] { leaves.map(\.name) }

    /// Row group `group`'s column `column` min and max as INT64 (nil without statistics).
    func int64Range(group: Int, column: Int) -> ClosedRange<Int64>? {
        rowGroups[group].chunks[column].statistics?.int64Range
    }

    /// Row group `group`'s column `column` min and max as bytes (nil without statistics).
    func bytesRange(group: Int, column: Int) -> (minimum: [UInt8], maximum: [UInt8])? {
        guard let statistics = rowGroups[group].chunks[column].statistics, let minimum = statistics.minimum,
            let maximum = statistics.maximum
        else { return nil }
        return (minimum, maximum)
    }

    /// Row group `group`'s columns decoded.
    /// - Throws: ``LakeError`` `.corrupt` for a damaged page.
    func read(group: Int) throws(LakeError) -> [LakeColumnData] {
        let rowGroup = rowGroups[group]
        var columns: [LakeColumnData] = []
        for (index, chunk) in rowGroup.chunks.enumerated() {
            do {
                columns.append(try readChunk(chunk, leaf: leaves[index], rows: rowGroup.rows))
            } catch {
                throw LakeError(.corrupt, "row group \(group), column \"\(leaves[index].name)\": \(error.message)")
            }
        }
        return columns
    }

    private func readChunk(_ chunk: Chunk, leaf: Leaf, rows: Int) throws(LakeError) -> LakeColumnData {
        let end = chunk.start + chunk.length
        var position = chunk.start
        var dictionary: LakeValues?
        var present: [Bool] = []
        var decoded: LakeValues?
        var rowsRead = 0
        while rowsRead < rows {
            guard position < end else { throw LakeError(.corrupt, "\(rowsRead) of \(rows) rows in the chunk") }
            var reader = ThriftCompactReader(bytes[position..<end])
            let header = try reader.readStruct()
            position += reader.consumed
            guard let typeValue = header[1]?.int, let uncompressed = header[2]?.int, let compressed = header[3]?.int,
                compressed >= 0, compressed <= end - position, uncompressed >= 0, uncompressed <= 1 << 31
            else { throw LakeError(.corrupt, "a page header without its sizes, or a page past the chunk") }
            let stored = bytes[position..<position + Int(compressed)]
            position += Int(compressed)
            let body: ArraySlice<UInt8>
            switch chunk.codec {
            case .snappy: body = try Snappy.decompress(stored, expected: Int(uncompressed))[...]
            case .uncompressed:
                guard stored.count == uncompressed else { throw LakeError(.corrupt, "a page of another size") }
                body = stored
            }
            switch ParquetPageType(rawValue: Int32(truncatingIfNeeded: typeValue)) {
            case .dictionaryPage:
                guard let count = header[7]?.fields?[1]?.int, count >= 0, count <= body.count else {
                    throw LakeError(.corrupt, "a dictionary page without its count")
                }
                var at = body.startIndex
                dictionary = try Self.plain(body, position: &at, count: Int(count), type: leaf.type)
            case .dataPage:
                guard let page = header[5]?.fields, let count = page[1]?.int, let encoding = page[2]?.int,
                    count >= 0, count <= rows - rowsRead, count <= Self.maximumPageValues
                else { throw LakeError(.corrupt, "a data page header without its count, or too many rows") }
                var at = body.startIndex
                var pagePresent = [Bool](repeating: true, count: Int(count))
                if leaf.optional {
                    var lengthAt = at
                    let length = Int(try PlainEncoding.int32s(body, position: &lengthAt, count: 1)[0])
                    guard length >= 0, length <= body.endIndex - lengthAt else {
                        throw LakeError(.corrupt, "definition levels past the page")
                    }
                    var levelsAt = lengthAt
                    let levels = try RLEHybrid.decode(
                        body[lengthAt..<lengthAt + length], position: &levelsAt, bitWidth: 1, count: Int(count))
                    pagePresent = levels.map { $0 == 1 }
                    at = lengthAt + length
                }
                let valueCount = pagePresent.count { $0 }
                let values: LakeValues
                switch ParquetEncoding(rawValue: Int32(truncatingIfNeeded: encoding)) {
                case .plain: values = try Self.plain(body, position: &at, count: valueCount, type: leaf.type)
                case .rleDictionary:
                    guard let dictionary else { throw LakeError(.corrupt, "dictionary indices without a dictionary") }
                    guard at < body.endIndex else { throw LakeError(.corrupt, "a page without its bit width") }
                    let width = Int(body[at])
                    at += 1
                    let indices = try RLEHybrid.decode(body, position: &at, bitWidth: width, count: valueCount)
                    values = try Self.lookUp(indices, in: dictionary)
                default: throw LakeError(.corrupt, "an unsupported encoding \(encoding)")
                }
                present += pagePresent
                if let previous = decoded {
                    decoded = try Self.append(previous, values)
                } else {
                    decoded = values
                }
                rowsRead += Int(count)
            default: throw LakeError(.corrupt, "an unsupported page type \(typeValue)")
            }
        }
        var values: LakeValues
        if let decoded {
            values = decoded
        } else {
            var none = 0
            values = try Self.plain([], position: &none, count: 0, type: leaf.type)
        }
        return LakeColumnData(present: present.contains(false) ? present : nil, values: values)
    }

    private static func plain(
        _ body: ArraySlice<UInt8>, position: inout Int, count: Int, type: ParquetPhysicalType
    ) throws(LakeError) -> LakeValues {
        switch type {
        case .int64: return .int64(try PlainEncoding.int64s(body, position: &position, count: count))
        case .int32: return .int32(try PlainEncoding.int32s(body, position: &position, count: count))
        case .double: return .double(try PlainEncoding.doubles(body, position: &position, count: count))
        case .boolean: return .bool(try PlainEncoding.bools(body, position: &position, count: count))
        case .byteArray:
            let values = try PlainEncoding.byteArrays(body, position: &position, count: count)
            return .strings(indices: (0..<UInt32(values.count)).map { $0 }, dictionary: values)
        }
    }

    private static func lookUp(_ indices: [UInt32], in dictionary: LakeValues) throws(LakeError) -> LakeValues {
        let count = dictionary.count
        for index in indices where Int(index) >= count {
            throw LakeError(.corrupt, "a dictionary index \(index) past \(count) values")
        }
        switch dictionary {
        case .int64(let values): return .int64(indices.map { values[Int($0)] })
        case .int32(let values): return .int32(indices.map { values[Int($0)] })
        case .double(let values): return .double(indices.map { values[Int($0)] })
        case .bool(let values): return .bool(indices.map { values[Int($0)] })
        case .strings(let inner, let values):
            return .strings(indices: indices.map { inner[Int($0)] }, dictionary: values)
        }
    }

    /// `a` then `b` (pages of one chunk).
    private static func append(_ a: LakeValues, _ b: LakeValues) throws(LakeError) -> LakeValues {
        switch (a, b) {
        case (.int64(let x), .int64(let y)): return .int64(x + y)
        case (.int32(let x), .int32(let y)): return .int32(x + y)
        case (.double(let x), .double(let y)): return .double(x + y)
        case (.bool(let x), .bool(let y)): return .bool(x + y)
        case (.strings(let xi, let xd), .strings(let yi, let yd)):
            if xd == yd { return .strings(indices: xi + yi, dictionary: xd) }
            let shift = UInt32(xd.count)
            return .strings(indices: xi + yi.map { $0 + shift }, dictionary: xd + yd)
        default: throw LakeError(.corrupt, "pages of different types in one chunk")
        }
    }
}
