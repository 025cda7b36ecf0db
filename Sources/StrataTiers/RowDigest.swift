public import StrataCore

/// What reconciliation compares between a tier and the system of record, per symbol: the row
/// count, an order-independent checksum (the wrapping sum of each row's FNV-1a hash over its
/// symbol and lanes, text lanes by their text), and the rows' hashes in order (to tell a tier
/// holding the same rows in another order).
public struct RowDigest: Sendable, Hashable, Codable {
    public var count: Int
    public var checksum: UInt64
    /// Each row's hash, in the order read.
    public var hashes: [UInt64]

    /// The digest of `rows` of `symbol`; `textLanes` are the lanes holding text references.
    public init(symbol: String, rows: RowSet, textLanes: Set<Int>) {
        count = rows.count
        var hashes: [UInt64] = []
        hashes.reserveCapacity(rows.count)
        var checksum: UInt64 = 0
        let symbolHash = Self.fnv(Array(symbol.utf8), into: 0xcbf2_9ce4_8422_2325)
        for row in 0..<rows.count {
            var hash = symbolHash
            for (lane, values) in rows.columns.enumerated() {
                let value = values[row]
                if textLanes.contains(lane) {
                    hash = Self.fnv(value < 0 ? [0xFF] : Array(rows.texts.string(value).utf8) + [0], into: hash)
                } else {
                    withUnsafeBytes(of: value.littleEndian) { hash = Self.fnv(Array($0), into: hash) }
                }
            }
            hashes.append(hash)
            checksum &+= hash
        }
        self.checksum = checksum
        self.hashes = hashes
    }

    /// The digest of both row sets, `other`'s rows after these.
    public mutating func add(_ other: RowDigest) {
        count += other.count
        checksum &+= other.checksum
        hashes += other.hashes
    }

    /// Whether both hold the same rows in the same order.
    public func sameRowsInOrder(as other: RowDigest) -> Bool { hashes == other.hashes }

    static func fnv(_ bytes: [UInt8], into start: UInt64) -> UInt64 {
        var hash = start
        for byte in bytes {
            hash ^= UInt64(byte)
            hash &*= 0x0000_0100_0000_01B3
        }
        return hash
    }
}
