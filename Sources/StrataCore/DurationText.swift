/// A length of time written as text: `<n><unit>` with unit `ns`, `us`, `ms`, `s`, `m`, `h` or
/// `d`, or a bare integer of nanoseconds. What the ASOF join's `tolerance` and the aggregates'
/// `bucket` take.
///
/// ```swift
/// DurationText.nanoseconds("500ms")   // 500_000_000
/// DurationText.nanoseconds("1500")    // 1_500
/// DurationText.nanoseconds("-1s")     // nil
/// ```
public enum DurationText {
    /// Units, longest suffix first (`ms` before `s`).
    static let units: [(suffix: String, nanoseconds: Int64)] = [
        ("ns", 1), ("us", 1_000), ("ms", 1_000_000), ("s", 1_000_000_000), ("m", 60_000_000_000),
        ("h", 3_600_000_000_000), ("d", 86_400_000_000_000),
    ]

    /// The duration `text` spells, in nanoseconds: 0 or more; nil for anything else (a negative
    /// count, an unknown unit, more than Int64 nanoseconds).
    public static func nanoseconds(_ text: String) -> Int64? {
        if let count = Int64(text) { return count >= 0 ? count : nil }
        guard let unit = units.first(where: { text.hasSuffix($0.suffix) }),
            let count = Int64(text.dropLast(unit.suffix.count)), count >= 0
        else { return nil }
        let (nanoseconds, overflow) = count.multipliedReportingOverflow(by: unit.nanoseconds)
        return overflow ? nil : nanoseconds
    }
}
