/// A typed record stored through its ``TimeSeriesRecord/schema``: how it maps to the lanes that
/// cross the backend seam (``BackendTable``).
///
/// ``Trade``, ``AggregatedTrade`` and ``Quote`` conform. The symbol is not a lane: a batch keeps
/// it in its own dictionary.
public protocol ColumnarRecord: TimeSeriesRecord {
    /// The records as a column batch.
    static func encode(_ records: [Self]) -> ColumnBatch
    /// Records from rows read back for `symbol`.
    static func decode(_ rows: RowSet, symbol: Symbol) -> [Self]
    /// Checks every record against `rules` with a precomputed timestamp window.
    /// - Throws: ``ValidationError`` for the first bad record, with its ``ValidationError/index``.
    static func validate(_ batch: [Self], with rules: ValidationRules, window: ClosedRange<Timestamp>) throws
}

extension ColumnarRecord {
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
package struct SymbolDictionaryBuilder {
    package var names: [String] = []
    package var index: [UInt32] = []
    private var slots: [Int32]  // -1 = empty, else an index into `names`
    private var mask: Int

    package init(capacity: Int) {
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
    package mutating func add(_ symbol: Symbol) {
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
