/// A bar width: a whole number of minutes (`1m`, `5m`, `15m`, `1h`, `4h`, `1d`, `3m`, …).
///
/// ```swift
/// let tf = try Timeframe("15m")
/// tf.minutes        // 15
/// Timeframe.standard.map(\.description)   // ["1m", "5m", "15m", "1h", "1d"]
/// ```
public struct Timeframe: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    /// The width in minutes (at least 1).
    public let minutes: Int

    /// A timeframe of `minutes` minutes, or `nil` if it is not positive or wider than 366 days.
    public init?(minutes: Int) {
        guard minutes >= 1, minutes <= 366 * 1_440 else { return nil }
        self.minutes = minutes
    }

    /// Parses `<n>m`, `<n>h`, `<n>d` or `<n>w` (case-insensitive).
    /// - Throws: ``ValidationError`` (`timeframe`, rule `malformed`) for anything else.
    public init(_ text: String) throws {
        let lower = text.lowercased()
        let multiplier: Int
        switch lower.last {
        case "m": multiplier = 1
        case "h": multiplier = 60
        case "d": multiplier = 1_440
        case "w": multiplier = 10_080
        default: multiplier = 0
        }
        guard multiplier > 0, let count = Int(lower.dropLast()), count > 0, count <= 366 * 1_440 / multiplier,
            let timeframe = Timeframe(minutes: count * multiplier)
        else {
            throw ValidationError(
                field: "timeframe", value: text, rule: .malformed, detail: "a whole number of minutes: 1m, 5m, 4h, 1d…")
        }
        self = timeframe
    }

    public static let oneMinute = Timeframe(minutes: 1)!
    public static let fiveMinutes = Timeframe(minutes: 5)!
    public static let fifteenMinutes = Timeframe(minutes: 15)!
    public static let oneHour = Timeframe(minutes: 60)!
    public static let oneDay = Timeframe(minutes: 1_440)!

    /// The timeframes Strata stores, finest first; each divides the next.
    public static let standard: [Timeframe] = [.oneMinute, .fiveMinutes, .fifteenMinutes, .oneHour, .oneDay]

    /// The width in nanoseconds.
    public var nanoseconds: Int64 { Int64(minutes) * 60 * Timestamp.nanosecondsPerSecond }

    /// `1m`, `15m`, `1h`, `4h`, `1d`, `1w`, `90m`…
    public var description: String {
        if minutes % 10_080 == 0 { return "\(minutes / 10_080)w" }
        if minutes % 1_440 == 0 { return "\(minutes / 1_440)d" }
        if minutes % 60 == 0 { return "\(minutes / 60)h" }
        return "\(minutes)m"
    }

    public static func < (lhs: Timeframe, rhs: Timeframe) -> Bool { lhs.minutes < rhs.minutes }

    public init(from decoder: any Decoder) throws {
        try self.init(try decoder.singleValueContainer().decode(String.self))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
