public import StrataCore

/// When a market trades: a session from ``open`` to ``close`` local time on some weekdays, in a
/// time zone. The quality monitor counts only trading time in gaps and silences, so a night, a
/// weekend or the pre-market is never a gap.
///
/// Zones are computed here, without Foundation's `TimeZone` (FoundationEssentials on Linux has
/// no zone database): `UTC`, a fixed offset (`+05:30`, `-03:00`), or `America/New_York` with
/// the United States rules in force since 2007 (EST −5 h; EDT −4 h from the second Sunday of
/// March, 02:00 local, to the first Sunday of November, 02:00 local). ``holidays`` removes
/// closed days and shortens early closes (US equities: the NYSE's rules).
///
/// ```swift
/// let calendar = TradingCalendar.usEquities   // 09:30–16:00 America/New_York, Monday to Friday, NYSE holidays
/// calendar.tradingNanoseconds(from: friday1600, to: monday0935, cap: .max)   // 5 minutes
/// ```
public struct TradingCalendar: Sendable, Hashable, CustomStringConvertible {
    /// How local time relates to UTC.
    public enum Zone: Sendable, Hashable {
        /// A fixed offset east of UTC, in seconds.
        case fixed(seconds: Int64)
        /// America/New_York (United States daylight saving rules since 2007).
        case newYork

        /// `UTC`, `Z`, `+HH:MM`, `-HH:MM`, `America/New_York` (or `US/Eastern`); nil otherwise.
        public init?(_ text: String) {
            switch text {
            case "UTC", "Z", "Etc/UTC", "GMT": self = .fixed(seconds: 0)
            case "America/New_York", "US/Eastern": self = .newYork
            default:
                let bytes = Array(text.utf8)
                guard bytes.count == 6, bytes[0] == UInt8(ascii: "+") || bytes[0] == UInt8(ascii: "-"),
                    bytes[3] == UInt8(ascii: ":"), let hours = Int64(String(text.dropFirst().prefix(2))),
                    let minutes = Int64(String(text.suffix(2))), hours <= 18, minutes < 60
                else { return nil }
                let seconds = hours * 3_600 + minutes * 60
                self = .fixed(seconds: bytes[0] == UInt8(ascii: "-") ? -seconds : seconds)
            }
        }

        /// The offset east of UTC, in seconds, at `utcSeconds`.
        public func offset(atUTC utcSeconds: Int64) -> Int64 {
            switch self {
            case .fixed(let seconds): return seconds
            case .newYork:
                let year = Timestamp.civil(fromDays: floorDivide(utcSeconds, 86_400)).year
                // Second Sunday of March 02:00 EST = 07:00 UTC; first Sunday of November 02:00 EDT = 06:00 UTC.
                let start = nthWeekday(0, 2, month: 3, year: year) * 86_400 + 7 * 3_600
                let end = nthWeekday(0, 1, month: 11, year: year) * 86_400 + 6 * 3_600
                return utcSeconds >= start && utcSeconds < end ? -4 * 3_600 : -5 * 3_600
            }
        }

        /// The offset of the instant whose local time is `localSeconds` (the standard offset's
        /// guess, corrected once: exact outside the hour a transition repeats or skips).
        func offset(atLocal localSeconds: Int64) -> Int64 {
            let guess = offset(atUTC: localSeconds - offset(atUTC: localSeconds))
            return offset(atUTC: localSeconds - guess)
        }

        var name: String {
            switch self {
            case .newYork: return "America/New_York"
            case .fixed(let seconds):
                if seconds == 0 { return "UTC" }
                let magnitude = abs(seconds)
                func two(_ value: Int64) -> String { value < 10 ? "0\(value)" : "\(value)" }
                return (seconds < 0 ? "-" : "+") + two(magnitude / 3_600) + ":" + two(magnitude % 3_600 / 60)
            }
        }
    }

    public var zone: Zone
    /// Session open and close, in seconds after local midnight (`close` up to 86 400).
    public var open: Int64
    public var close: Int64
    /// Trading weekdays, 0 = Sunday … 6 = Saturday.
    public var weekdays: Set<Int>
    /// Closed days and early closes among the weekdays.
    public var holidays: MarketHolidays

    /// - Throws: ``ConfigurationError`` (key `quality.calendar`) for an empty or inverted
    ///   session or no weekday.
    public init(
        zone: Zone, open: Int64, close: Int64, weekdays: Set<Int>, holidays: MarketHolidays = .none
    ) throws(ConfigurationError) {
        guard open >= 0, close <= 86_400, open < close else {
            throw ConfigurationError(key: "quality.calendar", message: "open must be before close within a day")
        }
        guard !weekdays.isEmpty, weekdays.allSatisfy({ (0...6).contains($0) }) else {
            throw ConfigurationError(key: "quality.calendar.days", message: "at least one weekday (sun…sat)")
        }
        self.zone = zone
        self.open = open
        self.close = close
        self.weekdays = weekdays
        self.holidays = holidays
    }

    private init(unchecked zone: Zone, open: Int64, close: Int64, weekdays: Set<Int>, holidays: MarketHolidays) {
        self.zone = zone
        self.open = open
        self.close = close
        self.weekdays = weekdays
        self.holidays = holidays
    }

    /// US equities' regular session: 09:30–16:00 America/New_York, Monday to Friday, without the
    /// NYSE's holidays and with its 13:00 closes.
    public static let usEquities = TradingCalendar(
        unchecked: .newYork, open: 9 * 3_600 + 1_800, close: 16 * 3_600, weekdays: [1, 2, 3, 4, 5],
        holidays: MarketHolidays(rules: [.nyse]))
    /// Every second of every day (crypto venues).
    public static let always = TradingCalendar(
        unchecked: .fixed(seconds: 0), open: 0, close: 86_400, weekdays: [0, 1, 2, 3, 4, 5, 6], holidays: .none)

    static let dayNames = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"]

    public var description: String {
        func clock(_ seconds: Int64) -> String {
            let hours = seconds / 3_600
            let minutes = seconds % 3_600 / 60
            return (hours < 10 ? "0" : "") + "\(hours):" + (minutes < 10 ? "0" : "") + "\(minutes)"
        }
        let days = (0...6).filter { weekdays.contains($0) }.map { Self.dayNames[$0] }.joined(separator: ",")
        var text = "\(clock(open))-\(clock(close)) \(zone.name) \(days)"
        let rules = holidays.rules.map(\.rawValue).sorted()
        if !rules.isEmpty { text += " holidays " + rules.joined(separator: ",") }
        if !holidays.closed.isEmpty { text += " +\(holidays.closed.count) closed" }
        if !holidays.earlyCloses.isEmpty { text += " +\(holidays.earlyCloses.count) early" }
        return text
    }

    /// Nanoseconds of trading time in `[from, to)` (UTC nanoseconds), at most `cap`: the loop
    /// stops once `cap` is reached, so a silence of years costs a few days' work.
    public func tradingNanoseconds(from: Int64, to: Int64, cap: Int64) -> Int64 {
        guard to > from, cap > 0 else { return 0 }
        let second = Timestamp.nanosecondsPerSecond
        let fromSeconds = floorDivide(from, second)
        let toSeconds = floorDivide(to, second) + 1
        let firstDay = floorDivide(fromSeconds + zone.offset(atUTC: fromSeconds), 86_400)
        let lastDay = floorDivide(toSeconds + zone.offset(atUTC: toSeconds), 86_400)
        var total: Int64 = 0
        var day = firstDay
        while day <= lastDay {
            defer { day += 1 }
            guard weekdays.contains(Int(floorModulo(day + 4, 7))),
                let session = holidays.isEmpty ? (open, close) : holidays.session(onDay: day, open: open, close: close)
            else { continue }
            let localOpen = day * 86_400 + session.open
            let localClose = day * 86_400 + session.close
            let sessionOpen = (localOpen - zone.offset(atLocal: localOpen)).multipliedReportingOverflow(by: second)
            let sessionClose = (localClose - zone.offset(atLocal: localClose)).multipliedReportingOverflow(by: second)
            guard !sessionOpen.overflow, !sessionClose.overflow else { continue }
            let overlap = min(to, sessionClose.partialValue) - max(from, sessionOpen.partialValue)
            if overlap > 0 { total += overlap }
            if total >= cap { return cap }
        }
        return total
    }

    /// Whether the market is open at `time`.
    public func isOpen(at time: Timestamp) -> Bool {
        tradingNanoseconds(from: time.nanoseconds, to: time.nanoseconds + 1, cap: 1) == 1
    }
}

func floorDivide(_ value: Int64, _ divisor: Int64) -> Int64 {
    let quotient = value / divisor
    return value % divisor < 0 ? quotient - 1 : quotient
}

func floorModulo(_ value: Int64, _ divisor: Int64) -> Int64 {
    let remainder = value % divisor
    return remainder < 0 ? remainder + divisor : remainder
}
