extension LineProtocol {
    /// The unit of line timestamps, as given by the `precision` query parameter.
    ///
    /// Both spellings are accepted: InfluxDB v1 (`/write`: `n`, `u`, `ms`, `s`, `m`, `h`) and
    /// v2 (`/api/v2/write`: `ns`, `us`, `ms`, `s`).
    ///
    /// ```swift
    /// let precision = try LineProtocol.Precision(parameter: "u")   // .microseconds
    /// precision.nanoseconds(1_719_878_281_500_000)                 // 1_719_878_281_500_000_000
    /// precision.nanoseconds(Int64.max)                             // nil: out of range
    /// ```
    public enum Precision: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
        case nanoseconds = "ns"
        case microseconds = "us"
        case milliseconds = "ms"
        case seconds = "s"
        case minutes = "m"
        case hours = "h"

        /// The precision named by a `precision` query parameter value.
        ///
        /// - Parameter parameter: `n`/`ns`, `u`/`us`/`µs`, `ms`, `s`, `m` or `h` (case-sensitive, as
        ///   InfluxDB: `m` is minutes).
        /// - Throws: ``LineProtocolError`` with code ``LineProtocolError/Code/invalidPrecision``
        ///   naming the value, for anything else.
        public init(parameter: String) throws(LineProtocolError) {
            switch parameter {
            case "n", "ns": self = .nanoseconds
            case "u", "us", "µs", "µ": self = .microseconds
            case "ms": self = .milliseconds
            case "s": self = .seconds
            case "m": self = .minutes
            case "h": self = .hours
            default:
                throw LineProtocolError(
                    code: .invalidPrecision, line: 0, column: 0, offset: 0,
                    message: "precision: invalid value '\(parameter)' (expected n, ns, u, us, ms, s, m or h)")
            }
        }

        /// Nanoseconds in one unit.
        public var nanosecondsPerUnit: Int64 {
            switch self {
            case .nanoseconds: 1
            case .microseconds: 1_000
            case .milliseconds: 1_000_000
            case .seconds: 1_000_000_000
            case .minutes: 60_000_000_000
            case .hours: 3_600_000_000_000
            }
        }

        /// `value` units in nanoseconds, or `nil` if that does not fit in `Int64`.
        public func nanoseconds(_ value: Int64) -> Int64? {
            let (result, overflow) = value.multipliedReportingOverflow(by: nanosecondsPerUnit)
            return overflow ? nil : result
        }

        /// `nanoseconds` rounded down to a whole number of units (how a missing timestamp takes
        /// the default time, as InfluxDB does).
        public func truncating(_ nanoseconds: Int64) -> Int64 {
            let unit = nanosecondsPerUnit
            if unit == 1 { return nanoseconds }
            var quotient = nanoseconds / unit
            if nanoseconds % unit < 0 { quotient -= 1 }
            return quotient * unit
        }

        public var description: String { rawValue }
    }
}
