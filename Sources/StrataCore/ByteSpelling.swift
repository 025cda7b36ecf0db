#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

extension Array where Element == UInt8 {
    /// Whether these bytes are exactly `key`'s (a length check, then `memcmp`): what the tables
    /// that find names by their UTF-8 bytes compare with, once per line or row.
    public func spells(_ key: UnsafeBufferPointer<UInt8>) -> Bool {
        guard count == key.count else { return false }
        guard let base = key.baseAddress, count > 0 else { return true }
        return withUnsafeBufferPointer { memcmp($0.baseAddress!, base, count) == 0 }
    }
}
