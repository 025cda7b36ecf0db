import StrataCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Turns symbol bytes into ``Symbol`` values, validating and allocating each distinct symbol once.
///
/// A direct-mapped cache: 512 slots of up to ``Symbol/maximumLength`` bytes in one flat array,
/// chosen by an FNV-1a hash of the bytes. A collision just replaces the slot; the cache is an
/// optimisation, never a source of truth. Invalid symbols are not cached.
struct SymbolCache: Sendable {
    private static let slotCount = 512
    private static let slotWidth = Symbol.maximumLength
    private var keyBytes: [UInt8]
    private var keyLengths: [Int]
    private var symbols: [Symbol?]

    init() {
        keyBytes = Array(repeating: 0, count: SymbolCache.slotCount * SymbolCache.slotWidth)
        keyLengths = Array(repeating: -1, count: SymbolCache.slotCount)
        symbols = Array(repeating: nil, count: SymbolCache.slotCount)
    }

    /// The symbol spelled by `bytes`.
    /// - Throws: ``ValidationError`` (`malformedSymbol`) naming `field` and the text.
    mutating func symbol(_ bytes: UnsafeBufferPointer<UInt8>, field: String) throws -> Symbol {
        let count = bytes.count
        guard count > 0, count <= SymbolCache.slotWidth, let base = bytes.baseAddress else {
            return try Symbol(String(decoding: bytes, as: UTF8.self), field: field)
        }
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        let slot = Int(truncatingIfNeeded: hash ^ (hash >> 29)) & (SymbolCache.slotCount - 1)
        if keyLengths[slot] == count {
            let same = keyBytes.withUnsafeBufferPointer { keys in
                memcmp(keys.baseAddress! + slot * SymbolCache.slotWidth, base, count) == 0
            }
            if same, let symbol = symbols[slot] { return symbol }
        }
        let symbol = try Symbol(String(decoding: bytes, as: UTF8.self), field: field)
        keyBytes.withUnsafeMutableBufferPointer { keys in
            (keys.baseAddress! + slot * SymbolCache.slotWidth).update(from: base, count: count)
        }
        keyLengths[slot] = count
        symbols[slot] = symbol
        return symbol
    }
}
