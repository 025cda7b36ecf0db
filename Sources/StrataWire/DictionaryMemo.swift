import StrataCore

/// The values of one dictionary-encoded field so far in the stream, and a hash table from a
/// value's bytes to its index: the lookup of a row's string allocates nothing (open addressing
/// over the values' own bytes, FNV-1a).
struct DictionaryMemo: Sendable {
    /// Every value, in index order (what the dictionary batches have sent or will send).
    private(set) var values = StringColumn()
    /// Values already sent in a dictionary batch.
    var sent = 0
    /// Whether any dictionary batch was sent (the first one is not a delta, even when empty).
    var sentOnce = false
    /// Open addressing: each slot holds a value's index, or -1.
    private var slots = [Int32](repeating: -1, count: 64)

    var count: Int { values.count }

    /// Set when a value could not be added: past 2³¹ values or bytes (the index returned is 0).
    private(set) var overflowed = false

    /// The index of the value whose bytes are `utf8`, adding it when new.
    mutating func index(of utf8: UnsafeRawBufferPointer) -> Int32 {
        let mask = slots.count - 1
        var slot = Int(truncatingIfNeeded: Self.hash(utf8)) & mask
        while true {
            let candidate = slots[slot]
            if candidate < 0 { break }
            if equals(Int(candidate), utf8) { return candidate }
            slot = (slot + 1) & mask
        }
        guard values.count < Int(Int32.max) - 1, values.bytes.count + utf8.count <= Int(Int32.max) else {
            overflowed = true
            return 0
        }
        let index = Int32(values.count)
        values.append(utf8)
        slots[slot] = index
        if values.count * 2 > slots.count { grow() }
        return index
    }

    private func equals(_ index: Int, _ utf8: UnsafeRawBufferPointer) -> Bool {
        let start = Int(values.offsets[index])
        let end = Int(values.offsets[index + 1])
        guard end - start == utf8.count else { return false }
        if utf8.isEmpty { return true }
        return values.bytes.withUnsafeBytes { stored in
            UnsafeRawBufferPointer(rebasing: stored[start..<end]).elementsEqual(utf8)
        }
    }

    private mutating func grow() {
        slots = [Int32](repeating: -1, count: slots.count * 2)
        let mask = slots.count - 1
        values.bytes.withUnsafeBytes { bytes in
            for index in 0..<values.count {
                let start = Int(values.offsets[index])
                let end = Int(values.offsets[index + 1])
                var slot =
                    Int(truncatingIfNeeded: Self.hash(UnsafeRawBufferPointer(rebasing: bytes[start..<end]))) & mask
                while slots[slot] >= 0 { slot = (slot + 1) & mask }
                slots[slot] = Int32(index)
            }
        }
    }

    @inline(__always)
    private static func hash(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes {
            hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01b3
        }
        return hash ^ (hash >> 29)
    }
}
