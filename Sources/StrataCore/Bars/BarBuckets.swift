/// The buckets of a bars query: `timeframe` wide, boundaries shifted by an offset of whole
/// minutes (any sign). What the store's bars API and every tier that keeps bars compute the same
/// way, so they agree on which bucket a time falls in.
public struct BarBuckets: Sendable, Hashable {
    /// The bucket width, nanoseconds.
    public let width: Int64
    /// The offset brought into `0..<width`.
    public let shift: Int64

    /// - Throws: ``StrataError`` `.invalidArgument` for an offset that is not a whole number of minutes.
    public init(timeframe: Timeframe, offset: Int64 = 0) throws(StrataError) {
        let minute: Int64 = 60_000_000_000
        guard offset % minute == 0 else {
            throw StrataError(.invalidArgument, "bar offset must be a whole number of minutes, got \(offset) ns")
        }
        width = timeframe.nanoseconds
        shift = ((offset % width) + width) % width
    }

    /// The first and last bucket starts in `[from, to)`, or nil if no bucket starts there.
    /// Computed in 128 bits: any `from` and `to`, `Int64.min` and `Int64.max` included, give an
    /// answer, not a trap.
    public func starts(from: Timestamp, to: Timestamp) -> (first: Int64, last: Int64)? {
        let width = Int128(width)
        let offset = Int128(shift)
        let first = Self.floorMultiple(Int128(from.nanoseconds) - offset + width - 1, of: width) + offset
        let last = Self.floorMultiple(Int128(to.nanoseconds) - 1 - offset, of: width) + offset
        // first ≥ from and last < to, so when first ≤ last both fit in 64 bits.
        guard from < to, first <= last else { return nil }
        return (Int64(first), Int64(last))
    }

    /// The largest multiple of `width` (> 0) that is at most `value`.
    public static func floorMultiple(_ value: Int128, of width: Int128) -> Int128 {
        let remainder = value % width
        return remainder < 0 ? value - remainder - width : value - remainder
    }
}
