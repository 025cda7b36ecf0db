/// Decimal integers read from UTF-8 text without building a `String`.
public enum IntegerText {
    /// An optional `+`/`-` sign and decimal digits only, as an `Int64` (what `Int64(_: String)`
    /// reads), or nil for anything else or a value out of range.
    @inlinable
    public static func int64<Bytes: Collection<UInt8>>(_ bytes: Bytes) -> Int64? {
        var index = bytes.startIndex
        var negative = false
        if index < bytes.endIndex, bytes[index] == UInt8(ascii: "-") || bytes[index] == UInt8(ascii: "+") {
            negative = bytes[index] == UInt8(ascii: "-")
            index = bytes.index(after: index)
        }
        guard index < bytes.endIndex else { return nil }
        var value: Int64 = 0
        while index < bytes.endIndex {
            let digit = bytes[index] &- UInt8(ascii: "0")
            guard digit < 10 else { return nil }
            let (times10, overflow1) = value.multipliedReportingOverflow(by: 10)
            let (next, overflow2) = times10.addingReportingOverflow(negative ? -Int64(digit) : Int64(digit))
            guard !overflow1, !overflow2 else { return nil }
            value = next
            index = bytes.index(after: index)
        }
        return value
    }
}
