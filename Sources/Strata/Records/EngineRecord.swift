public import StrataEngine

/// A record type the embedded engine can store: its columns and how it maps to them.
///
/// ``Trade``, ``AggregatedTrade`` and ``Quote`` conform. The symbol is not a column: the engine
/// keeps it in its dictionary.
public protocol EngineRecord: TimeSeriesRecord {
    /// The table's columns, in storage order; the names are also the CSV/JSON field names.
    static var columns: [ColumnSpec] { get }
    /// The column whose value identifies a row within its symbol, if any.
    static var dedupKey: String? { get }
    /// The records as a column batch.
    static func encode(_ records: [Self]) -> ColumnBatch
    /// Records from rows read back for `symbol`.
    static func decode(_ rows: RowSet, symbol: Symbol) -> [Self]
    /// Checks every record against `rules` with a precomputed timestamp window.
    /// - Throws: ``ValidationError`` for the first bad record, with its ``ValidationError/index``.
    static func validate(_ batch: [Self], with rules: ValidationRules, window: ClosedRange<Timestamp>) throws
}

/// Builds the batch-local symbol dictionary of a ``ColumnBatch`` while records are encoded.
struct SymbolDictionaryBuilder {
    var names: [String] = []
    var index: [UInt32] = []
    private var ids: [String: UInt32] = [:]
    private var lastName = ""
    private var lastID: UInt32 = .max

    init(capacity: Int) { index.reserveCapacity(capacity) }

    @inline(__always)
    mutating func add(_ symbol: Symbol) {
        let name = symbol.name
        if lastID != .max && name == lastName {
            index.append(lastID)
            return
        }
        let id: UInt32
        if let known = ids[name] {
            id = known
        } else {
            id = UInt32(names.count)
            ids[name] = id
            names.append(name)
        }
        lastName = name
        lastID = id
        index.append(id)
    }
}
