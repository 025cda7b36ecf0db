/// The physical type of a column. In memory every value is an `Int64` lane; the type decides
/// how it is encoded in the WAL and in sealed files and how it is interpreted.
public enum ColumnType: Sendable, Hashable {
    /// The designated timestamp: Int64 nanoseconds UTC.
    case timestamp
    /// A plain signed integer (trade ids, counts).
    case int64
    /// A fixed-point decimal: the lane holds the mantissa at `scale` fractional digits.
    case decimal(scale: Int)
    /// A binary float, stored as its bit pattern. Never for money.
    case float64
    /// 0 or 1.
    case bool
    /// A small integer in -128…127 (depth level counts, enum codes).
    case int8

    /// Bytes per value in a WAL frame.
    var walWidth: Int {
        switch self {
        case .bool, .int8: 1
        default: 8
        }
    }

    var code: UInt8 {
        switch self {
        case .timestamp: 1
        case .int64: 2
        case .decimal: 3
        case .float64: 4
        case .bool: 5
        case .int8: 6
        }
    }

    var scale: Int {
        if case .decimal(let scale) = self { return scale }
        return 0
    }

    init?(code: UInt8, scale: Int) {
        switch code {
        case 1: self = .timestamp
        case 2: self = .int64
        case 3: self = .decimal(scale: scale)
        case 4: self = .float64
        case 5: self = .bool
        case 6: self = .int8
        default: return nil
        }
    }
}

/// One column of a table.
public struct ColumnSpec: Sendable, Hashable {
    public var name: String
    public var type: ColumnType

    public init(_ name: String, _ type: ColumnType) {
        self.name = name
        self.type = type
    }
}

/// The shape of a table: a designated timestamp, a dictionary-encoded symbol, typed columns and
/// an optional dedup key.
///
/// The symbol is not one of ``columns``: every row has exactly one, and it is stored as a
/// dictionary id in the WAL and implied by the (symbol, time) sort order in sealed files.
///
/// ```swift
/// let trades = TableSchema(
///     name: "trades",
///     columns: [ColumnSpec("ts_ns", .timestamp), ColumnSpec("trade_id", .int64),
///               ColumnSpec("price", .decimal(scale: 8)), ColumnSpec("qty", .decimal(scale: 8)),
///               ColumnSpec("is_buyer_maker", .bool)],
///     dedupKey: "trade_id")
/// ```
public struct TableSchema: Sendable, Hashable {
    public var name: String
    public var columns: [ColumnSpec]
    /// Index in ``columns`` of the designated timestamp (the first `.timestamp` column).
    public let timestampIndex: Int
    /// Index in ``columns`` of the dedup key, if any.
    public let dedupKeyIndex: Int?
    /// Width of a time partition in nanoseconds (a UTC day by default).
    public var partitionDuration: Int64
    /// How rows with the same (symbol, timestamp) relate.
    public var writeMode: WriteMode

    /// How a table treats a row whose (symbol, timestamp) is already stored.
    public enum WriteMode: Sendable, Hashable {
        /// Rows accumulate (ties keep arrival order); the dedup key, if any, drops exact re-sends.
        case append
        /// The newest write of a (symbol, timestamp) replaces the stored row: for derived tables
        /// such as bars, where a late trade rewrites its bucket.
        case replaceByTimestamp
    }

    public init(
        name: String, columns: [ColumnSpec], dedupKey: String? = nil, partitionDuration: Int64 = 86_400_000_000_000,
        writeMode: WriteMode = .append
    ) {
        precondition(!columns.isEmpty && columns.contains { $0.type == .timestamp }, "a table needs a timestamp column")
        precondition(partitionDuration > 0, "partition duration must be positive")
        self.name = name
        self.columns = columns
        self.timestampIndex = columns.firstIndex { $0.type == .timestamp }!
        self.dedupKeyIndex = dedupKey.flatMap { key in columns.firstIndex { $0.name == key } }
        precondition(dedupKey == nil || dedupKeyIndex != nil, "unknown dedup key column")
        self.partitionDuration = partitionDuration
        self.writeMode = writeMode
    }

    /// The partition number of a timestamp (floor division, so negative times work).
    @inline(__always)
    public func partition(of nanoseconds: Int64) -> Int64 {
        let q = nanoseconds / partitionDuration
        return (nanoseconds % partitionDuration != 0 && nanoseconds < 0) ? q - 1 : q
    }
}
