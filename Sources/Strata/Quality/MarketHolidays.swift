import StrataCore

/// Days a market does not trade, or closes early, on top of a ``TradingCalendar``'s weekdays.
///
/// Two sources, combined: the rules of an exchange (``Rules/nyse``, computed for any year, so
/// a calendar never runs out) and dates given in the configuration (a closure the rules cannot
/// know: a national day of mourning, a venue's outage). Days are local dates of the calendar's
/// zone, as days since 1970-01-01.
///
/// ```swift
/// var holidays = MarketHolidays(rules: [.nyse])
/// holidays.closed.insert(Timestamp.days(year: 2025, month: 1, day: 9))   // the 2025 day of mourning
/// holidays.session(onDay: Timestamp.days(year: 2026, month: 11, day: 27), open: 34_200, close: 57_600)
/// // (34_200, 46_800): the day after Thanksgiving closes at 13:00
/// ```
public struct MarketHolidays: Sendable, Hashable {
    /// Holiday rules of an exchange.
    public enum Rules: String, Sendable, Hashable, CaseIterable {
        /// The New York Stock Exchange: New Year's Day (a Saturday is not observed), Martin Luther
        /// King Jr. Day, Washington's Birthday, Good Friday, Memorial Day, Juneteenth (from 2022),
        /// Independence Day, Labor Day, Thanksgiving and Christmas (a Saturday observed on the
        /// Friday, a Sunday on the Monday); 13:00 closes on July 3 (Monday to Thursday), the day
        /// after Thanksgiving and December 24 (Monday to Thursday).
        case nyse
    }

    /// The exchanges' rules that apply.
    public var rules: Set<Rules>
    /// Further days without a session.
    public var closed: Set<Int64>
    /// Further days whose session closes early: the close, in seconds after local midnight.
    public var earlyCloses: [Int64: Int64]

    public init(rules: Set<Rules> = [], closed: Set<Int64> = [], earlyCloses: [Int64: Int64] = [:]) {
        self.rules = rules
        self.closed = closed
        self.earlyCloses = earlyCloses
    }

    /// No holidays.
    public static let none = MarketHolidays()

    /// Whether there is nothing to apply.
    public var isEmpty: Bool { rules.isEmpty && closed.isEmpty && earlyCloses.isEmpty }

    /// The session of local day `day` given the calendar's regular `open` and `close` (seconds
    /// after midnight): nil on a holiday, an earlier close on a short day.
    public func session(onDay day: Int64, open: Int64, close: Int64) -> (open: Int64, close: Int64)? {
        if closed.contains(day) { return nil }
        var close = close
        if let early = earlyCloses[day] { close = min(close, early) }
        for rule in rules {
            switch rule.kind(ofDay: day) {
            case .closed: return nil
            case .closesAt(let early): close = min(close, early)
            case .regular: break
            }
        }
        return close > open ? (open, close) : nil
    }

    /// What the rules say of one day.
    enum DayKind: Equatable {
        case regular
        case closed
        case closesAt(Int64)
    }
}

extension MarketHolidays.Rules {
    /// 13:00, the NYSE's early close.
    static let earlyClose: Int64 = 13 * 3_600

    func kind(ofDay day: Int64) -> MarketHolidays.DayKind {
        switch self {
        case .nyse: return Self.nyseKind(ofDay: day)
        }
    }

    private static func nyseKind(ofDay day: Int64) -> MarketHolidays.DayKind {
        let (year, month, date) = Timestamp.civil(fromDays: day)
        let weekday = floorModulo(day + 4, 7)  // 0 = Sunday
        /// A fixed-date holiday observed on the Friday before a Saturday and the Monday after a Sunday.
        func observed(_ holidayMonth: Int64, _ holidayDay: Int64, year: Int64 = year) -> Int64 {
            let holiday = Timestamp.days(year: year, month: holidayMonth, day: holidayDay)
            switch floorModulo(holiday + 4, 7) {
            case 6: return holiday - 1
            case 0: return holiday + 1
            default: return holiday
            }
        }
        var holidays: [Int64] = [
            nthWeekday(1, 3, month: 1, year: year),  // Martin Luther King Jr. Day: third Monday of January
            nthWeekday(1, 3, month: 2, year: year),  // Washington's Birthday: third Monday of February
            easterSunday(year: year) - 2,  // Good Friday
            lastWeekday(1, month: 5, year: year),  // Memorial Day: last Monday of May
            observed(7, 4),  // Independence Day
            nthWeekday(1, 1, month: 9, year: year),  // Labor Day: first Monday of September
            nthWeekday(4, 4, month: 11, year: year),  // Thanksgiving: fourth Thursday of November
            observed(12, 25),  // Christmas
        ]
        // New Year's Day: a Sunday is observed on the Monday, a Saturday not at all (the Friday
        // before is the old year's last session).
        let newYear = Timestamp.days(year: year, month: 1, day: 1)
        if floorModulo(newYear + 4, 7) != 6 { holidays.append(observed(1, 1)) }
        if year >= 2022 { holidays.append(observed(6, 19)) }  // Juneteenth
        if holidays.contains(day) { return .closed }
        let thanksgiving = nthWeekday(4, 4, month: 11, year: year)
        let mondayToThursday = (1...4).contains(weekday)
        if day == thanksgiving + 1 || (month == 7 && date == 3 && mondayToThursday)
            || (month == 12 && date == 24 && mondayToThursday)
        {
            return .closesAt(earlyClose)
        }
        return .regular
    }
}

/// The `n`th `weekday` (0 = Sunday) of `month` in `year`, in days since 1970-01-01.
func nthWeekday(_ weekday: Int64, _ n: Int64, month: Int64, year: Int64) -> Int64 {
    let first = Timestamp.days(year: year, month: month, day: 1)
    return first + floorModulo(weekday - floorModulo(first + 4, 7), 7) + (n - 1) * 7
}

/// The last `weekday` (0 = Sunday) of `month` in `year`, in days since 1970-01-01.
func lastWeekday(_ weekday: Int64, month: Int64, year: Int64) -> Int64 {
    let nextFirst =
        month == 12
        ? Timestamp.days(year: year + 1, month: 1, day: 1) : Timestamp.days(year: year, month: month + 1, day: 1)
    let last = nextFirst - 1
    return last - floorModulo(floorModulo(last + 4, 7) - weekday, 7)
}

/// Easter Sunday of the Gregorian `year`, in days since 1970-01-01 (the Gauss–Meeus computus:
/// golden number, century corrections, the epact and the Sunday after the paschal full moon).
func easterSunday(year: Int64) -> Int64 {
    let golden = year % 19
    let century = year / 100
    let yearOfCentury = year % 100
    let skippedLeaps = century / 4
    let centuryRemainder = century % 4
    let lunarCorrection = (century + 8) / 25
    let solarCorrection = (century - lunarCorrection + 1) / 3
    let epact = (19 * golden + century - skippedLeaps - solarCorrection + 15) % 30
    let leapsInCentury = yearOfCentury / 4
    let yearRemainder = yearOfCentury % 4
    let weekdayOffset = (32 + 2 * centuryRemainder + 2 * leapsInCentury - epact - yearRemainder) % 7
    let correction = (golden + 11 * epact + 22 * weekdayOffset) / 451
    let monthAndDay = epact + weekdayOffset - 7 * correction + 114
    return Timestamp.days(year: year, month: monthAndDay / 31, day: monthAndDay % 31 + 1)
}
