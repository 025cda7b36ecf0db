public import StrataEngine

/// A record type the embedded engine can store: its columns and how it maps to them.
///
/// ``Trade``, ``AggregatedTrade`` and ``Quote`` conform. The symbol is not a column: the engine
/// keeps it in its dictionary.
public protocol EngineRecord: TimeSeriesRecord {
    /// The records as a column batch.
    static func encode(_ records: [Self]) -> ColumnBatch
    /// Records from rows read back for `symbol`.
    static func decode(_ rows: RowSet, symbol: Symbol) -> [Self]
    /// Checks every record against `rules` with a precomputed timestamp window.
    /// - Throws: ``ValidationError`` for the first bad record, with its ``ValidationError/index``.
    static func validate(_ batch: [Self], with rules: ValidationRules, window: ClosedRange<Timestamp>) throws
}

extension EngineRecord {
    /// The engine's layout of the table, derived from ``TimeSeriesRecord/schema``.
    package static func engineSchema(partitionDuration: Int64? = nil) -> TableSchema {
        do {
            return try TableSchema(record: schema, partitionDuration: partitionDuration, absentValues: false)
        } catch {
            // Built-in records hold only kinds the engine stores (RecordSchemaLayoutTests).
            preconditionFailure("record \(Self.self): \(error)")
        }
    }

    /// The table's storage columns, in order (the schema's, but the symbol).
    public static var columns: [ColumnSpec] { engineSchema().columns }

    /// Runs `check` on each record, attaching the record's index to the ``ValidationError`` it
    /// throws. Called from each record type's concrete `validate`, so it is specialised there.
    @inline(__always)
    static func validateEach(_ batch: [Self], _ check: (Self) throws -> Void) throws {
        var index = 0
        for record in batch {
            do {
                try check(record)
            } catch var error as ValidationError {
                error.index = index
                throw error
            }
            index += 1
        }
    }
}

/// Builds the batch-local symbol dictionary of a ``ColumnBatch`` while records are encoded.
///
/// An open-addressing table keyed by FNV-1a of the UTF-8 bytes: symbols are short ASCII strings,
/// and hashing them this way costs a fraction of `String`'s seeded SipHash, once per row.
struct SymbolDictionaryBuilder {
    var names: [String] = []
    var index: [UInt32] = []
    private var slots: [Int32]  // -1 = empty, else an index into `names`
    private var mask: Int

    init(capacity: Int) {
        index.reserveCapacity(capacity)
        slots = Array(repeating: -1, count: 256)
        mask = 255
    }

    @inline(__always)
    private static func hash(_ name: String) -> Int {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in name.utf8 { h = (h ^ UInt64(byte)) &* 0x100_0000_01b3 }
        return Int(truncatingIfNeeded: h ^ (h >> 29))
    }

    @inline(__always)
    mutating func add(_ symbol: Symbol) {
        let name = symbol.name
        var slot = Self.hash(name) & mask
        while true {
            let entry = slots[slot]
            if entry < 0 { break }
            if names[Int(entry)] == name {
                index.append(UInt32(entry))
                return
            }
            slot = (slot + 1) & mask
        }
        let id = Int32(names.count)
        names.append(name)
        slots[slot] = id
        index.append(UInt32(id))
        if names.count * 2 > slots.count { grow() }
    }

    private mutating func grow() {
        slots = Array(repeating: -1, count: slots.count * 2)
        mask = slots.count - 1
        for (id, name) in names.enumerated() {
            var slot = Self.hash(name) & mask
            while slots[slot] >= 0 { slot = (slot + 1) & mask }
            slots[slot] = Int32(id)
        }
    }
}
