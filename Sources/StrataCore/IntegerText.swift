/// Decimal integers read from UTF-8 text without building a `String`: the one `Int64` parser of
/// CSV import, line protocol and timestamps.
public enum IntegerText {
    /// What a run of bytes holds as an `Int64`.
    public enum Outcome: Sendable, Hashable {
        case value(Int64)
        /// Not `[+-]digits`.
        case invalid
        /// Digits, but beyond `Int64`.
        case outOfRange
    }

    /// An optional `+`/`-` sign and decimal digits only (what `Int64(_: String)` and Go's
    /// `strconv.ParseInt(s, 10, 64)` read).
    @inlinable
    public static func parse(_ bytes: UnsafeBufferPointer<UInt8>) -> Outcome {
        let count = bytes.count
        var i = 0
        var negative = false
        if count > 0, bytes[0] == UInt8(ascii: "-") || bytes[0] == UInt8(ascii: "+") {
            negative = bytes[0] == UInt8(ascii: "-")
            i = 1
        }
        guard i < count else { return .invalid }
        var magnitude: UInt64 = 0
        if count - i <= 19 {
            // Up to 19 digits fit in UInt64: no overflow checks in the loop, one range check after.
            while i < count {
                let digit = bytes[i] &- 0x30
                guard digit < 10 else { return .invalid }
                magnitude = magnitude &* 10 &+ UInt64(digit)
                i &+= 1
            }
        } else {
            var overflow = false
            while i < count {
                let digit = bytes[i] &- 0x30
                guard digit < 10 else { return .invalid }
                if !overflow {
                    let (times10, o1) = magnitude.multipliedReportingOverflow(by: 10)
                    let (sum, o2) = times10.addingReportingOverflow(UInt64(digit))
                    overflow = o1 || o2
                    magnitude = sum
                }
                i &+= 1
            }
            if overflow { return .outOfRange }
        }
        if negative {
            return magnitude > Int64.min.magnitude ? .outOfRange : .value(Int64(bitPattern: 0 &- magnitude))
        }
        return magnitude > UInt64(Int64.max) ? .outOfRange : .value(Int64(bitPattern: magnitude))
    }

    /// ``parse(_:)``'s value, or nil for anything else.
    @inlinable
    public static func int64(_ bytes: UnsafeBufferPointer<UInt8>) -> Int64? {
        if case .value(let value) = parse(bytes) { return value }
        return nil
    }

    /// ``parse(_:)``'s value over any bytes, or nil for anything else.
    @inlinable
    public static func int64<Bytes: Collection<UInt8>>(_ bytes: Bytes) -> Int64? {
        if let value = bytes.withContiguousStorageIfAvailable({ int64($0) }) { return value }
        return Array(bytes).withUnsafeBufferPointer { int64($0) }
    }
}
