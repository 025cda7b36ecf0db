/// A point in time: nanoseconds since the Unix epoch, UTC.
///
/// Strata stores every time as an `Int64` count of nanoseconds (range 1677-09-21 to 2262-04-11).
/// There is no time zone and no leap-second handling: exchanges publish UTC timestamps and so
/// does Strata.
///
/// ```swift
/// let t = try Timestamp(iso8601: "2024-07-01T23:58:01.5Z")
/// t.nanoseconds                  // 1719878281500000000
/// Timestamp(epoch: 1719878281500, unit: .milliseconds) == t  // true
/// t.description                  // "2024-07-01T23:58:01.500Z"
/// ```
public struct Timestamp: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    /// Nanoseconds since 1970-01-01T00:00:00Z.
    public var nanoseconds: Int64

    @inlinable public init(nanoseconds: Int64) { self.nanoseconds = nanoseconds }

    /// The units an epoch number can be counted in.
    public enum EpochUnit: String, Sendable, CaseIterable, Codable {
        case seconds = "s", milliseconds = "ms", microseconds = "us", nanoseconds = "ns"

        /// Nanoseconds in one unit.
        public var nanosecondsPerUnit: Int64 {
            switch self {
            case .seconds: 1_000_000_000
            case .milliseconds: 1_000_000
            case .microseconds: 1_000
            case .nanoseconds: 1
            }
        }
    }

    /// A timestamp from an epoch count in `unit`, or `nil` if it does not fit in Int64 nanoseconds.
    public init?(epoch value: Int64, unit: EpochUnit) {
        let (ns, overflow) = value.multipliedReportingOverflow(by: unit.nanosecondsPerUnit)
        if overflow { return nil }
        self.nanoseconds = ns
    }

    /// The same instant counted in `unit`, rounded toward negative infinity.
    public func epoch(in unit: EpochUnit) -> Int64 {
        Timestamp.floorDiv(nanoseconds, unit.nanosecondsPerUnit)
    }

    public static let zero = Timestamp(nanoseconds: 0)
    public static let min = Timestamp(nanoseconds: .min)
    public static let max = Timestamp(nanoseconds: .max)

    public static func < (lhs: Timestamp, rhs: Timestamp) -> Bool { lhs.nanoseconds < rhs.nanoseconds }

    /// This timestamp moved by `nanoseconds`, saturating at the ends of the range.
    public func advanced(by nanoseconds: Int64) -> Timestamp {
        let (sum, overflow) = self.nanoseconds.addingReportingOverflow(nanoseconds)
        if overflow { return nanoseconds > 0 ? .max : .min }
        return Timestamp(nanoseconds: sum)
    }

    /// The start of the UTC bucket of width `width` nanoseconds that contains this timestamp, or
    /// ``min`` when that start lies before the representable range (the first bucket is cut short).
    public func floor(toMultipleOf width: Int64) -> Timestamp {
        let (start, overflow) = Timestamp.floorDiv(nanoseconds, width).multipliedReportingOverflow(by: width)
        return overflow ? .min : Timestamp(nanoseconds: start)
    }

    public static let nanosecondsPerSecond: Int64 = 1_000_000_000
    public static let nanosecondsPerDay: Int64 = 86_400 * 1_000_000_000

    /// Division rounding toward negative infinity (so days before 1970 are numbered correctly).
    @inlinable static func floorDiv(_ a: Int64, _ b: Int64) -> Int64 {
        let q = a / b
        return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q
    }

    public init(from decoder: any Decoder) throws {
        nanoseconds = try decoder.singleValueContainer().decode(Int64.self)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(nanoseconds)
    }
}
