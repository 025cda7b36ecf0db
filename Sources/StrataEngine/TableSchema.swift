public import StrataCore

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
    /// Variable-length UTF-8 (headlines, sources, JSON metadata): the lane holds a reference into
    /// the ``TextHeap`` beside it; the WAL and sealed files store the bytes.
    case text

    /// Bytes per value of the fixed-width part of a WAL frame (a text column's bytes follow them).
    var walWidth: Int {
        switch self {
        case .bool, .int8: 1
        case .text: 0
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
        case .text: 7
        }
    }

    var scale: Int {
        if case .decimal(let scale) = self { return scale }
        return 0
    }

    /// The schema kind this type stores.
    public var kind: ColumnKind {
        switch self {
        case .timestamp: .timestamp
        case .int64: .int64
        case .decimal(let scale): .decimal(scale: scale)
        case .float64: .float64
        case .bool: .bool
        case .int8: .int8
        case .text: .text
        }
    }

    /// The lane value of an absent value (``ColumnKind/absentLane``).
    public var absent: Int64 { kind.absentLane }

    init?(code: UInt8, scale: Int) {
        switch code {
        case 1: self = .timestamp
        case 2: self = .int64
        case 3: self = .decimal(scale: scale)
        case 4: self = .float64
        case 5: self = .bool
        case 6: self = .int8
        case 7: self = .text
        default: return nil
        }
    }
}

/// One column of a table.
public struct ColumnSpec: Sendable, Hashable {
    public var name: String
    public var type: ColumnType
    /// Whether a row may leave the value absent (its lane then holds ``ColumnType/absent``).
    /// Files written before the column was added read it as absent.
    public var optional: Bool

    public init(_ name: String, _ type: ColumnType, optional: Bool = false) {
        self.name = name
        self.type = type
        self.optional = optional
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
    public let columns: [ColumnSpec]
    /// Index in ``columns`` of the designated timestamp (the first `.timestamp` column).
    public let timestampIndex: Int
    /// Index in ``columns`` of the dedup key, if any.
    public let dedupKeyIndex: Int?
    /// Width of a time partition in nanoseconds (a UTC day by default).
    public var partitionDuration: Int64
    /// How rows with the same (symbol, timestamp) relate.
    public var writeMode: WriteMode
    /// Indices in ``columns`` of the text columns (their lanes hold ``TextHeap`` references).
    public let textColumns: [Int]

    /// How a table treats a row whose (symbol, timestamp) is already stored.
    public enum WriteMode: Sendable, Hashable {
        /// Rows accumulate (ties keep arrival order); the dedup key, if any, drops exact re-sends.
        case append
        /// The newest write of a (symbol, timestamp) replaces the stored row: for derived tables
        /// such as bars, where a late trade rewrites its bucket.
        case replaceByTimestamp
        /// Last-wins by key (upserts: corporate actions, ratings, company records): the newest
        /// write of a (symbol, key) replaces the earlier one, whatever their times. Every write is
        /// kept with a version (the hidden last column, ``TableSchema/versionColumnName``); reads
        /// answer the newest version of each key (see `EngineTable+LastWins.swift`).
        case replaceByKey
    }

    /// The hidden column that orders the writes of a last-wins-by-key table.
    public static let versionColumnName = "_version"

    /// Index in ``columns`` of the last-wins key (``WriteMode/replaceByKey``).
    public let upsertKeyIndex: Int?
    /// Index in ``columns`` of the version column (``WriteMode/replaceByKey``): the last.
    public var versionIndex: Int? { upsertKeyIndex == nil ? nil : columns.count - 1 }
    /// Columns a writer supplies: all but the version column, which the engine fills.
    public var writtenColumnCount: Int { columns.count - (upsertKeyIndex == nil ? 0 : 1) }

    /// Where the columns of something written with `stored` columns (a WAL frame or a sealed file
    /// from before columns were added) are in this schema: `stored` ≤ ``columns``' count, the
    /// first written columns, then (last-wins tables) the version column. `nil` if columns this
    /// schema requires would be missing.
    func placement(ofStored stored: Int) -> [Int]? {
        guard stored <= columns.count else { return nil }
        guard stored < columns.count else { return Array(columns.indices) }
        let placed: [Int]
        if let version = versionIndex {
            guard stored >= 1 else { return nil }
            placed = Array(0..<(stored - 1)) + [version]
        } else {
            placed = Array(0..<stored)
        }
        let missing = Set(columns.indices).subtracting(placed)
        guard missing.allSatisfy({ columns[$0].optional }) else { return nil }
        return placed
    }

    /// - Parameter upsertKey: a last-wins key: the table's write mode becomes
    ///   ``WriteMode/replaceByKey`` and a version column is added at the end.
    public init(
        name: String, columns: [ColumnSpec], dedupKey: String? = nil, partitionDuration: Int64 = 86_400_000_000_000,
        writeMode: WriteMode = .append, upsertKey: String? = nil
    ) {
        precondition(!columns.isEmpty && columns.contains { $0.type == .timestamp }, "a table needs a timestamp column")
        precondition(partitionDuration > 0, "partition duration must be positive")
        precondition((upsertKey != nil) == (writeMode == .replaceByKey), "replaceByKey needs an upsert key")
        self.name = name
        var columns = columns
        if let upsertKey {
            upsertKeyIndex = columns.firstIndex { $0.name == upsertKey && $0.type != .text }
            precondition(upsertKeyIndex != nil, "unknown or text upsert key column")
            columns.append(ColumnSpec(Self.versionColumnName, .int64))
        } else {
            upsertKeyIndex = nil
        }
        self.columns = columns
        self.timestampIndex = columns.firstIndex { $0.type == .timestamp }!
        self.dedupKeyIndex = dedupKey.flatMap { key in columns.firstIndex { $0.name == key } }
        precondition(dedupKey == nil || dedupKeyIndex != nil, "unknown dedup key column")
        self.partitionDuration = partitionDuration
        self.writeMode = writeMode
        self.textColumns = columns.indices.filter { columns[$0].type == .text }
    }

    /// The storage layout of a ``RecordSchema``: its columns but the symbol (kept in the table's
    /// dictionary), under the names the files know, and its key.
    ///
    /// A keep-first key is the engine's dedup key,
    /// and last-wins is the engine's replace mode when the key is the designated timestamp.
    /// - Parameters:
    ///   - partitionDuration: overrides the schema's partitioning (tests use short ones).
    ///   - absentValues: whether a column the schema leaves optional may hold absent values
    ///     (``ColumnSpec/optional``); a typed built-in record encodes its own (a quote's missing
    ///     depth levels are zeros counted by its level counts) and passes `false`.
    /// - Throws: ``SchemaError`` naming the column or key the engine cannot store.
    public init(record: RecordSchema, partitionDuration: Int64? = nil, absentValues: Bool = true) throws(SchemaError) {
        var columns: [ColumnSpec] = []
        for column in record.storageColumns {
            let type: ColumnType
            switch column.kind {
            case .timestamp: type = .timestamp
            case .int64: type = .int64
            case .int8: type = .int8
            case .decimal(let scale): type = .decimal(scale: scale)
            case .float64: type = .float64
            case .bool: type = .bool
            case .text: type = .text
            case .symbol:
                throw SchemaError(
                    table: record.name, column: column.name,
                    problem: "the embedded engine cannot store \(column.kind) columns yet")
            }
            columns.append(ColumnSpec(column.storageName, type, optional: absentValues && !column.rules.required))
        }
        var dedupKey: String?
        var upsertKey: String?
        var writeMode = WriteMode.append
        if let key = record.key, let keyColumn = record.column(named: key.column) {
            switch key.policy {
            case .keepFirst:
                dedupKey = keyColumn.storageName
            case .lastWins where key.column == record.timestamp:
                writeMode = .replaceByTimestamp
            case .lastWins:
                guard keyColumn.kind != .text else {
                    throw SchemaError(
                        table: record.name, column: key.column,
                        problem: "a last-wins key must be an integer, decimal or timestamp column, not text")
                }
                upsertKey = keyColumn.storageName
                writeMode = .replaceByKey
            }
        }
        // The designated timestamp comes first among the timestamp columns (``timestampIndex``).
        let designated = record.column(named: record.timestamp)!.storageName
        guard columns.first(where: { $0.type == .timestamp })?.name == designated else {
            throw SchemaError(
                table: record.name, column: record.timestamp,
                problem: "the embedded engine needs the designated timestamp before any other timestamp column")
        }
        self.init(
            name: record.name, columns: columns, dedupKey: dedupKey,
            partitionDuration: partitionDuration ?? record.partitioning.nanoseconds, writeMode: writeMode,
            upsertKey: upsertKey)
    }

    /// The partition number of a timestamp (floor division, so negative times work).
    @inline(__always)
    public func partition(of nanoseconds: Int64) -> Int64 {
        let q = nanoseconds / partitionDuration
        return (nanoseconds % partitionDuration != 0 && nanoseconds < 0) ? q - 1 : q
    }
}
