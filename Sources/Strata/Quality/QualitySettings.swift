import StrataCore

/// How the data-quality monitor (``QualityMonitor``) judges stored rows: the `quality` section
/// of the configuration file.
///
/// ```json
/// {"quality": {"enabled": true, "priceBandBps": 500, "medianWindow": 64, "gapSeconds": 300,
///              "staleSeconds": 300, "reorderToleranceMs": 1000, "duplicateWindow": 4096,
///              "maxFindingsPerMinute": 10, "metricsSymbols": 20,
///              "calendar": {"zone": "America/New_York", "open": "09:30", "close": "16:00",
///                           "days": ["mon", "tue", "wed", "thu", "fri"],
///                           "holidays": ["nyse", "2025-01-09"], "earlyCloses": {"2025-12-31": "14:00"}}}}
/// ```
/// `calendar` may also be `"us-equities"` (the default: the session shown with the NYSE's
/// holidays and 13:00 closes) or `"always"` (every second of every day, for crypto). In the
/// object, `holidays` lists exchange rules (`nyse`) and closed local dates, `earlyCloses` maps
/// local dates to their close; both default to none. `STRATA_QUALITY_ENABLED` overrides `enabled`. Why each default is what
/// it is: `Docs/Server.md`, "Data quality".
public struct QualitySettings: Sendable, Hashable {
    /// Run the monitor (off by default: it costs write-path time and adds the findings table).
    public var enabled = false
    /// A price further than this from the median of the recent window, in basis points of the
    /// median, is a `price_jump`.
    public var priceBandBasisPoints: Int64 = 500
    /// Prices per symbol (and price column) the median is taken over.
    public var medianWindow = 64
    /// Trading time without a row of a symbol, between two of its rows, that is a `gap`.
    public var gapNanoseconds: Int64 = 300 * Timestamp.nanosecondsPerSecond
    /// Trading time since a symbol's last row arrived (by the wall clock) that makes it `stale`.
    public var staleNanoseconds: Int64 = 300 * Timestamp.nanosecondsPerSecond
    /// How far behind the newest time of its symbol a row may be before it is `backwards`.
    public var reorderToleranceNanoseconds: Int64 = 1_000_000_000
    /// Recent keys remembered per symbol of a last-wins table, to spot a re-sent key (keep-first
    /// tables report duplicates themselves, whatever their age).
    public var duplicateWindow = 4_096
    /// Findings kept per rule, table and symbol per wall-clock minute; the rest are counted only.
    public var maxFindingsPerMinute = 10
    /// Symbols per table whose score the server exports (the lowest), beside the table's own.
    public var metricsSymbols = 20
    /// When the market trades (gaps and silences count trading time only).
    public var calendar = TradingCalendar.usEquities

    public init() {}

    /// The integer keys: name, range, and how the value is kept.
    nonisolated(unsafe) static let integers:
        [(key: String, range: ClosedRange<Int64>, scale: Int64, path: WritableKeyPath<Self, Int64>)] = [
            ("priceBandBps", 1...100_000, 1, \.priceBandBasisPoints),
            ("gapSeconds", 1...31_536_000, Timestamp.nanosecondsPerSecond, \.gapNanoseconds),
            ("staleSeconds", 1...31_536_000, Timestamp.nanosecondsPerSecond, \.staleNanoseconds),
            ("reorderToleranceMs", 0...86_400_000, 1_000_000, \.reorderToleranceNanoseconds),
        ]
    nonisolated(unsafe) static let counts: [(key: String, range: ClosedRange<Int>, path: WritableKeyPath<Self, Int>)] =
        [
            ("medianWindow", 3...4_096, \.medianWindow),
            ("duplicateWindow", 0...1_000_000, \.duplicateWindow),
            ("maxFindingsPerMinute", 1...100_000, \.maxFindingsPerMinute),
            ("metricsSymbols", 0...10_000, \.metricsSymbols),
        ]

    /// Reads the `quality` object of a configuration file.
    /// - Throws: ``ConfigurationError`` naming the key (`quality.medianWindow`).
    package mutating func apply(_ value: JSONValue) throws(ConfigurationError) {
        try JSONReader(prefix: "quality.").object(value) { (name, member) throws(ConfigurationError) in
            let key = "quality." + name
            if name == "enabled" {
                enabled = try JSONReader.bool(member, key: key)
            } else if name == "calendar" {
                calendar = try Self.calendar(member, key: key)
            } else if let setting = Self.integers.first(where: { $0.key == name }) {
                let number = Int64(try JSONReader.int(member, key: key))
                guard setting.range.contains(number) else {
                    throw ConfigurationError(
                        key: key,
                        message: "must be \(setting.range.lowerBound)...\(setting.range.upperBound), got \(number)")
                }
                self[keyPath: setting.path] = number * setting.scale
            } else if let setting = Self.counts.first(where: { $0.key == name }) {
                let number = try JSONReader.int(member, key: key)
                guard setting.range.contains(number) else {
                    throw ConfigurationError(
                        key: key,
                        message: "must be \(setting.range.lowerBound)...\(setting.range.upperBound), got \(number)")
                }
                self[keyPath: setting.path] = number
            } else {
                throw JSONReader.unknown(key)
            }
        }
    }

    /// `"us-equities"`, `"always"`, or `{"zone", "open", "close", "days"}`.
    static func calendar(_ value: JSONValue, key: String) throws(ConfigurationError) -> TradingCalendar {
        if case .string(let name) = value {
            switch name {
            case "us-equities": return .usEquities
            case "always": return .always
            default:
                throw ConfigurationError(key: key, message: "expected us-equities, always or an object, got '\(name)'")
            }
        }
        var zone = TradingCalendar.Zone.newYork
        var open: Int64 = 9 * 3_600 + 1_800
        var close: Int64 = 16 * 3_600
        var days: Set<Int> = [1, 2, 3, 4, 5]
        var holidays = MarketHolidays.none
        try JSONReader(prefix: key + ".").object(value) { (name, member) throws(ConfigurationError) in
            let memberKey = key + "." + name
            switch name {
            case "zone":
                let text = try JSONReader.string(member, key: memberKey)
                guard let parsed = TradingCalendar.Zone(text) else {
                    throw ConfigurationError(
                        key: memberKey, message: "expected UTC, +HH:MM, -HH:MM or America/New_York, got '\(text)'")
                }
                zone = parsed
            case "open": open = try clock(JSONReader.string(member, key: memberKey), key: memberKey)
            case "close": close = try clock(JSONReader.string(member, key: memberKey), key: memberKey)
            case "days":
                days = []
                for day in try JSONReader.strings(member, key: memberKey) {
                    guard let index = TradingCalendar.dayNames.firstIndex(of: day.lowercased()) else {
                        throw ConfigurationError(key: memberKey, message: "expected sun, mon … sat, got '\(day)'")
                    }
                    days.insert(index)
                }
            case "holidays":
                for entry in try JSONReader.strings(member, key: memberKey) {
                    if let rules = MarketHolidays.Rules(rawValue: entry.lowercased()) {
                        holidays.rules.insert(rules)
                    } else {
                        holidays.closed.insert(try date(entry, key: memberKey))
                    }
                }
            case "earlyCloses":
                try JSONReader(prefix: memberKey + ".").object(member) { (day, close) throws(ConfigurationError) in
                    let closeKey = memberKey + "." + day
                    holidays.earlyCloses[try date(day, key: closeKey)] = try clock(
                        JSONReader.string(close, key: closeKey), key: closeKey)
                }
            default: throw JSONReader.unknown(memberKey)
            }
        }
        return try TradingCalendar(zone: zone, open: open, close: close, weekdays: days, holidays: holidays)
    }

    /// `YYYY-MM-DD` as days since 1970-01-01.
    static func date(_ text: String, key: String) throws(ConfigurationError) -> Int64 {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        let rules = MarketHolidays.Rules.allCases.map(\.rawValue).joined(separator: ", ")
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
            let year = Int64(parts[0]), let month = Int64(parts[1]), let day = Int64(parts[2]),
            (1...12).contains(month), day >= 1, day <= Timestamp.daysIn(month: month, year: year)
        else {
            throw ConfigurationError(key: key, message: "expected a date YYYY-MM-DD or rules (\(rules)), got '\(text)'")
        }
        return Timestamp.days(year: year, month: month, day: day)
    }

    /// `HH:MM` (00:00 … 24:00) as seconds after midnight.
    static func clock(_ text: String, key: String) throws(ConfigurationError) -> Int64 {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, parts[0].count == 2, parts[1].count == 2, let hours = Int64(parts[0]),
            let minutes = Int64(parts[1]), hours >= 0, minutes >= 0, minutes < 60, hours * 60 + minutes <= 1_440
        else {
            throw ConfigurationError(key: key, message: "expected HH:MM, got '\(text)'")
        }
        return hours * 3_600 + minutes * 60
    }
}
