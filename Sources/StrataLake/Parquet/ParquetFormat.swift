/// The numbers of `parquet.thrift` that Strata's files use.
enum ParquetPhysicalType: Int32, Sendable {
    case boolean = 0
    case int32 = 1
    case int64 = 2
    case double = 5
    case byteArray = 6
}

enum ParquetEncoding: Int32, Sendable {
    case plain = 0
    case rle = 3
    case rleDictionary = 8
}

enum ParquetPageType: Int32, Sendable {
    case dataPage = 0
    case dictionaryPage = 2
    case dataPageV2 = 3
}

enum ParquetCodec: Int32, Sendable {
    case uncompressed = 0
    case snappy = 1
}

/// `ConvertedType`: the legacy annotations, written beside the logical types for older readers.
enum ParquetConvertedType: Int32, Sendable {
    case utf8 = 0
    case decimal = 5
    case int8 = 15
}

/// The magic at both ends of a Parquet file.
let parquetMagic: [UInt8] = Array("PAR1".utf8)

/// A page's or a column chunk's statistics, as the file stores them: min and max in the
/// column's plain encoding (signed for integers and decimals on INT64, unsigned bytewise for
/// strings), the nulls counted.
struct ParquetStatistics: Sendable, Equatable {
    var minimum: [UInt8]?
    var maximum: [UInt8]?
    var nullCount: Int64

    func write(_ id: Int16, to writer: inout ThriftCompactWriter) {
        writer.structure(id) { writer in
            writer.i64(3, nullCount)
            if let maximum, let minimum {
                writer.binary(5, maximum)
                writer.binary(6, minimum)
            }
        }
    }

    init(minimum: [UInt8]?, maximum: [UInt8]?, nullCount: Int64) {
        self.minimum = minimum
        self.maximum = maximum
        self.nullCount = nullCount
    }

    init?(_ value: ThriftValue?) {
        guard let fields = value?.fields else { return nil }
        minimum = fields[6]?.binary ?? fields[2]?.binary
        maximum = fields[5]?.binary ?? fields[1]?.binary
        nullCount = fields[3]?.int ?? 0
    }

    /// The minimum and maximum read as little-endian INT64 (timestamps, decimals).
    var int64Range: ClosedRange<Int64>? {
        guard let minimum, let maximum, minimum.count == 8, maximum.count == 8 else { return nil }
        let low = Self.int64(minimum)
        let high = Self.int64(maximum)
        return low <= high ? low...high : nil
    }

    static func int64(_ bytes: [UInt8]) -> Int64 {
        var value: UInt64 = 0
        for index in 0..<8 { value |= UInt64(bytes[index]) << (8 * index) }
        return Int64(bitPattern: value)
    }
}
