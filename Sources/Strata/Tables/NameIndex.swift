/// Names (column names, symbols) and their positions in the order they were added, found by a
/// short hash of their UTF-8 bytes (FNV-1a) instead of `Hasher`'s SipHash: what the per-row
/// loops of ``DynamicTable`` look names up with, millions of times a second.
///
/// A name is found when its bytes are those of a name held. A name spelt with other bytes that
/// Swift's `==` would still call equal (a canonically equivalent Unicode spelling) may be missed:
/// callers treat a miss as "not here by the quick way" and take the general path, which looks
/// the name up as a `Dictionary` would.
struct NameIndex: Sendable {
    /// The names, by position.
    private(set) var names: [String] = []
    /// By hash slot, the position + 1 of the name there (0: empty). A power of two, at most half full.
    private var slots = [Int32](repeating: 0, count: 16)

    init() {}

    init(_ names: some Sequence<String>) {
        for name in names { _ = insert(name) }
    }

    var count: Int { names.count }

    /// The position of `name`, or nil if it is not held (see the type's note on spellings).
    func position(of name: String) -> Int? {
        let mask = slots.count - 1
        var slot = Self.hash(name) & mask
        while true {
            let entry = Int(slots[slot])
            if entry == 0 { return nil }
            if names[entry - 1] == name { return entry - 1 }
            slot = (slot + 1) & mask
        }
    }

    /// The position of `name`, which is added last if it is not held.
    mutating func insert(_ name: String) -> Int {
        let mask = slots.count - 1
        var slot = Self.hash(name) & mask
        while true {
            let entry = Int(slots[slot])
            if entry == 0 { break }
            if names[entry - 1] == name { return entry - 1 }
            slot = (slot + 1) & mask
        }
        names.append(name)
        if names.count * 2 > slots.count {
            rehash(slotCount: slots.count * 2)
        } else {
            slots[slot] = Int32(names.count)
        }
        return names.count - 1
    }

    private mutating func rehash(slotCount: Int) {
        slots = [Int32](repeating: 0, count: slotCount)
        let mask = slotCount - 1
        for (position, name) in names.enumerated() {
            var slot = Self.hash(name) & mask
            while slots[slot] != 0 { slot = (slot + 1) & mask }
            slots[slot] = Int32(position + 1)
        }
    }

    /// FNV-1a of the UTF-8 bytes, its high half folded into the low one (slots take low bits).
    static func hash(_ name: String) -> Int {
        func fold(_ hash: UInt64) -> Int { Int(truncatingIfNeeded: hash ^ (hash >> 29)) }
        if let hash = name.utf8.withContiguousStorageIfAvailable({ bytes -> UInt64 in
            var hash: UInt64 = 0xCBF2_9CE4_8422_2325
            for byte in bytes { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01B3 }
            return hash
        }) {
            return fold(hash)
        }
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in name.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01B3 }
        return fold(hash)
    }
}
