import Strata
public import StrataCore

/// A table's Parquet columns, derived from its schema (as ``ColumnarLayout`` derives its batch
/// columns): the designated timestamp, `symbol`, then every other column in schema order, a
/// book side flattened into its level columns (`bid_px_0`, `bid_sz_0`, …, named as the
/// schema names them), each level absent (null) past the row's depth.
///
/// Why flattened rather than a `LIST<STRUCT<price, size>>`: the level columns are the schema's
/// own storage columns and the CSV layout, every reader prunes and filters them as plain
/// columns (`WHERE bid_px_0 > …` with row-group statistics), and no repetition levels are
/// needed. A row's depth is the number of leading levels present.
///
/// | column | Parquet |
/// |---|---|
/// | timestamp | `INT64`, `TIMESTAMP(isAdjustedToUTC=true, NANOS)` |
/// | int64 | `INT64` |
/// | int8 | `INT32`, `INTEGER(8, signed)` (`INT_8`) |
/// | decimal(scale) | `INT64`, `DECIMAL(18, scale)`: the mantissa as it is |
/// | float64 | `DOUBLE` |
/// | bool | `BOOLEAN` |
/// | text, symbol | `BYTE_ARRAY`, `STRING` (`UTF8`), dictionary-encoded when few values |
///
/// The timestamp and the symbol are `REQUIRED`; a column the schema lets a row lack is
/// `OPTIONAL`, with definition levels; the rest are `REQUIRED`.
public struct LakeTableLayout: Sendable {
    public let schema: RecordSchema
    let columns: [LakeColumn]

    public init(schema: RecordSchema) {
        self.schema = schema
        let empty = ColumnarLayout(schema: schema).emptyBatch(symbol: Symbol(unchecked: "X"))
        var optional: Set<String> = []
        for member in schema.answerMembers {
            if case .column(_, let column, let absent) = member, absent != nil { optional.insert(column.name) }
        }
        var columns: [LakeColumn] = []
        for (position, column) in empty.columns.enumerated() {
            let type: LakeColumn.ValueType
            switch column.values {
            case .timestamps: type = .timestamp
            case .int64: type = .int64
            case .int8: type = .int8
            case .decimals(_, let scale), .wideDecimals(_, let scale): type = .decimal(scale: scale)
            case .float64: type = .float64
            case .bool: type = .bool
            case .strings, .dictionary: type = .string
            case .levels(let levels):
                for (level, names) in levels.levelColumns.enumerated() {
                    columns.append(
                        LakeColumn(
                            name: names.price, type: .decimal(scale: levels.priceScale), optional: true,
                            source: .level(column: position, level: level, isPrice: true)))
                    columns.append(
                        LakeColumn(
                            name: names.size, type: .decimal(scale: levels.sizeScale), optional: true,
                            source: .level(column: position, level: level, isPrice: false)))
                }
                continue
            }
            columns.append(
                LakeColumn(
                    name: column.name, type: type, optional: optional.contains(column.name),
                    source: .column(position)))
        }
        self.columns = columns
    }

    /// The names of the Parquet columns, in file order.
    public var columnNames: [String] { columns.map(\.name) }

    /// The columns declared `OPTIONAL` (a row may lack a value), in file order.
    public var optionalColumnNames: [String] { columns.filter(\.optional).map(\.name) }

    /// The empty batch of the table's columns (how ``batch(_:count:symbol:)`` shapes its answer).
    func emptyBatch(symbol: Symbol) -> ColumnarBatch { ColumnarLayout(schema: schema).emptyBatch(symbol: symbol) }
}

/// One Parquet column of a table.
struct LakeColumn: Sendable {
    enum ValueType: Sendable, Equatable {
        case timestamp, int64, int8, float64, bool, string
        case decimal(scale: Int)
    }

    /// Where its values are in a ``ColumnarBatch``.
    enum Source: Sendable {
        case column(Int)
        case level(column: Int, level: Int, isPrice: Bool)
    }

    let name: String
    let type: ValueType
    let optional: Bool
    let source: Source

    var physical: ParquetPhysicalType {
        switch type {
        case .timestamp, .int64, .decimal: .int64
        case .int8: .int32
        case .float64: .double
        case .bool: .boolean
        case .string: .byteArray
        }
    }
}

/// A column's values as a page holds them: only the rows that have one (`present` says which).
enum LakeValues: Sendable {
    case int64([Int64])
    case int32([Int32])
    case double([Double])
    case bool([Bool])
    /// Strings: each value's index into `dictionary` (the chunk's distinct values).
    case strings(indices: [UInt32], dictionary: [[UInt8]])

    var count: Int {
        switch self {
        case .int64(let values): values.count
        case .int32(let values): values.count
        case .double(let values): values.count
        case .bool(let values): values.count
        case .strings(let indices, _): indices.count
        }
    }
}

/// One column of a row group: which rows have a value (nil: all) and those values.
struct LakeColumnData: Sendable {
    var present: [Bool]?
    var values: LakeValues
}
