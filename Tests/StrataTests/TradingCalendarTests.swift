import Foundation
import Testing

@testable import Strata

@Suite struct TradingCalendarTests {
    static let second: Int64 = 1_000_000_000

    static func instant(_ text: String) throws -> Int64 { try Timestamp(iso8601: text).nanoseconds }

    @Test(arguments: [
        // Before, at and after the 2024 transitions (10 March 07:00 UTC, 3 November 06:00 UTC).
        ("2024-03-10T06:59:59Z", -5), ("2024-03-10T07:00:00Z", -4), ("2024-07-01T12:00:00Z", -4),
        ("2024-11-03T05:59:59Z", -4), ("2024-11-03T06:00:00Z", -5), ("2013-10-07T13:30:00Z", -4),
        ("2013-12-02T15:00:00Z", -5), ("2026-03-08T07:00:00Z", -4),
    ])
    func newYorkOffsets(_ text: String, _ hours: Int64) throws {
        let seconds = try Self.instant(text) / Self.second
        #expect(TradingCalendar.Zone.newYork.offset(atUTC: seconds) == hours * 3_600)
    }

    @Test func usEquitiesSession() throws {
        let calendar = TradingCalendar.usEquities
        #expect(calendar.isOpen(at: try Timestamp(iso8601: "2013-10-07T13:30:00Z")))  // 09:30 EDT
        #expect(!calendar.isOpen(at: try Timestamp(iso8601: "2013-10-07T13:29:59Z")))
        #expect(!calendar.isOpen(at: try Timestamp(iso8601: "2013-10-07T20:00:00Z")))  // 16:00 EDT
        #expect(calendar.isOpen(at: try Timestamp(iso8601: "2013-12-02T14:30:00Z")))  // 09:30 EST
        #expect(!calendar.isOpen(at: try Timestamp(iso8601: "2013-10-05T15:00:00Z")))  // Saturday
        // A whole week: five sessions of 6.5 hours.
        let week = calendar.tradingNanoseconds(
            from: try Self.instant("2024-07-08T00:00:00Z"), to: try Self.instant("2024-07-15T00:00:00Z"), cap: .max)
        #expect(week == 5 * 23_400 * Self.second)
        // The week of Independence Day: three sessions, a 13:00 close on the 3rd, the 4th closed.
        let holidayWeek = calendar.tradingNanoseconds(
            from: try Self.instant("2024-07-01T00:00:00Z"), to: try Self.instant("2024-07-08T00:00:00Z"), cap: .max)
        #expect(holidayWeek == (3 * 23_400 + 12_600) * Self.second)
        // Capped.
        #expect(
            calendar.tradingNanoseconds(
                from: try Self.instant("2000-01-01T00:00:00Z"), to: try Self.instant("2024-01-01T00:00:00Z"),
                cap: 7 * Self.second) == 7 * Self.second)
    }

    @Test func alwaysAndFixedOffsets() throws {
        let start = try Self.instant("2024-07-06T10:00:00Z")
        #expect(
            TradingCalendar.always.tradingNanoseconds(from: start, to: start + 90 * Self.second, cap: .max) == 90
                * Self.second)
        #expect(TradingCalendar.Zone("+05:30") == .fixed(seconds: 19_800))
        #expect(TradingCalendar.Zone("-03:00") == .fixed(seconds: -10_800))
        #expect(TradingCalendar.Zone("UTC") == .fixed(seconds: 0))
        #expect(TradingCalendar.Zone("Europe/Paris") == nil)
        #expect(TradingCalendar.Zone("+5:30") == nil)
        let tokyo = try TradingCalendar(
            zone: .fixed(seconds: 32_400), open: 9 * 3_600, close: 15 * 3_600, weekdays: [1])
        // Monday 2024-07-01 09:00–15:00 JST = 00:00–06:00 UTC.
        #expect(tokyo.isOpen(at: try Timestamp(iso8601: "2024-07-01T00:00:00Z")))
        #expect(!tokyo.isOpen(at: try Timestamp(iso8601: "2024-07-01T06:00:00Z")))
        #expect(tokyo.description == "09:00-15:00 +09:00 mon")
    }

    @Test func invalidSessionsAreRefused() {
        #expect(throws: ConfigurationError.self) {
            try TradingCalendar(zone: .newYork, open: 16 * 3_600, close: 9 * 3_600, weekdays: [1])
        }
        #expect(throws: ConfigurationError.self) {
            try TradingCalendar(zone: .newYork, open: 0, close: 3_600, weekdays: [])
        }
    }
}

@Suite struct QualitySettingsTests {
    static func load(_ json: String) throws -> StrataStore.Configuration {
        let path = "/tmp/strata-quality-settings-\(UInt32.random(in: 0...UInt32.max)).json"
        let file = fopen(path, "w")
        fputs(json, file)
        fclose(file)
        defer { unlink(path) }
        return try StrataStore.Configuration.load(file: path, environment: [:])
    }

    @Test func defaultsAndOverrides() throws {
        #expect(try Self.load("{}").quality == QualitySettings())
        let quality = try Self.load(
            """
            {"quality": {"enabled": true, "priceBandBps": 250, "medianWindow": 32, "gapSeconds": 60,
             "staleSeconds": 120, "reorderToleranceMs": 0, "duplicateWindow": 10, "maxFindingsPerMinute": 2,
             "metricsSymbols": 5,
             "calendar": {"zone": "+01:00", "open": "08:00", "close": "16:30", "days": ["mon", "fri"]}}}
            """
        ).quality
        #expect(quality.enabled && quality.priceBandBasisPoints == 250 && quality.medianWindow == 32)
        #expect(quality.gapNanoseconds == 60_000_000_000 && quality.staleNanoseconds == 120_000_000_000)
        #expect(quality.reorderToleranceNanoseconds == 0 && quality.duplicateWindow == 10)
        #expect(quality.maxFindingsPerMinute == 2 && quality.metricsSymbols == 5)
        #expect(quality.calendar.description == "08:00-16:30 +01:00 mon,fri")
        #expect(try Self.load(#"{"quality": {"calendar": "always"}}"#).quality.calendar == .always)
        let holidays = try Self.load(
            #"{"quality": {"calendar": {"holidays": ["nyse", "2025-01-09"], "earlyCloses": {"2025-12-31": "14:00"}}}}"#
        ).quality.calendar.holidays
        #expect(holidays.rules == [.nyse])
        #expect(holidays.closed == [Timestamp.days(year: 2025, month: 1, day: 9)])
        #expect(holidays.earlyCloses == [Timestamp.days(year: 2025, month: 12, day: 31): 14 * 3_600])
        #expect(
            try StrataStore.Configuration.load(file: nil, environment: ["STRATA_QUALITY_ENABLED": "true"]).quality
                .enabled)
    }

    @Test(arguments: [
        (#"{"quality": {"medianWindow": 2}}"#, "quality.medianWindow"),
        (#"{"quality": {"priceBandBps": "5%"}}"#, "quality.priceBandBps"),
        (#"{"quality": {"gapMinutes": 5}}"#, "quality.gapMinutes"),
        (#"{"quality": {"enabled": 1}}"#, "quality.enabled"),
        (#"{"quality": {"calendar": "lse"}}"#, "quality.calendar"),
        (#"{"quality": {"calendar": {"zone": "Mars/Olympus"}}}"#, "quality.calendar.zone"),
        (#"{"quality": {"calendar": {"open": "9:30"}}}"#, "quality.calendar.open"),
        (#"{"quality": {"calendar": {"days": ["monday"]}}}"#, "quality.calendar.days"),
        (#"{"quality": {"calendar": {"open": "17:00"}}}"#, "quality.calendar"),
        (#"{"quality": {"calendar": {"holidays": ["2025-02-30"]}}}"#, "quality.calendar.holidays"),
        (#"{"quality": {"calendar": {"holidays": ["lse"]}}}"#, "quality.calendar.holidays"),
        (
            #"{"quality": {"calendar": {"earlyCloses": {"2025-12-24": "1pm"}}}}"#,
            "quality.calendar.earlyCloses.2025-12-24"
        ),
        (#"{"quality": true}"#, "quality"),
    ])
    func errorsNameTheKey(_ json: String, _ key: String) throws {
        let error = try #require(throws: ConfigurationError.self) { try Self.load(json) }
        #expect(error.key == key, "\(error)")
    }
}

@Suite struct MarketHolidaysTests {
    static func day(_ text: String) -> Int64 {
        let parts = text.split(separator: "-").map { Int64($0)! }
        return Timestamp.days(year: parts[0], month: parts[1], day: parts[2])
    }

    /// The NYSE's published holidays and early closes (nyse.com, "Holidays and trading hours").
    @Test(arguments: [
        (
            2024,
            [
                "2024-01-01", "2024-01-15", "2024-02-19", "2024-03-29", "2024-05-27", "2024-06-19", "2024-07-04",
                "2024-09-02", "2024-11-28", "2024-12-25",
            ], ["2024-07-03", "2024-11-29", "2024-12-24"]
        ),
        (
            2026,
            [
                "2026-01-01", "2026-01-19", "2026-02-16", "2026-04-03", "2026-05-25", "2026-06-19", "2026-07-03",
                "2026-09-07", "2026-11-26", "2026-12-25",
            ], ["2026-11-27", "2026-12-24"]
        ),
        (
            // New Year's Day on a Saturday is not observed; Christmas on a Saturday is, on the Friday.
            2022,
            [
                "2022-01-17", "2022-02-21", "2022-04-15", "2022-05-30", "2022-06-20", "2022-07-04",
                "2022-09-05", "2022-11-24", "2022-12-26",
            ], ["2022-11-25"]
        ),
        (
            // No Juneteenth before 2022.
            2013,
            [
                "2013-01-01", "2013-01-21", "2013-02-18", "2013-03-29", "2013-05-27", "2013-07-04",
                "2013-09-02", "2013-11-28", "2013-12-25",
            ], ["2013-07-03", "2013-11-29", "2013-12-24"]
        ),
    ])
    func nyseYear(_ calendarYear: Int, _ closed: [String], _ early: [String]) {
        let year = Int64(calendarYear)
        let holidays = MarketHolidays(rules: [.nyse])
        let open: Int64 = 34_200
        let close: Int64 = 57_600
        var foundClosed: [Int64] = []
        var foundEarly: [Int64] = []
        for day in Timestamp.days(year: year, month: 1, day: 1)..<Timestamp.days(year: year + 1, month: 1, day: 1) {
            let weekday = ((day + 4) % 7 + 7) % 7
            guard (1...5).contains(weekday) else { continue }
            switch holidays.session(onDay: day, open: open, close: close) {
            case nil: foundClosed.append(day)
            case let session? where session.close != close:
                #expect(session.close == 13 * 3_600 && session.open == open)
                foundEarly.append(day)
            default: break
            }
        }
        #expect(foundClosed == closed.map(Self.day))
        #expect(foundEarly == early.map(Self.day))
    }

    @Test(arguments: [
        (2013, "2013-03-31"), (2019, "2019-04-21"), (2024, "2024-03-31"), (2025, "2025-04-20"), (2026, "2026-04-05"),
        (2038, "2038-04-25"), (2285, "2285-03-22"),
    ])
    func easter(_ year: Int, _ date: String) {
        #expect(easterSunday(year: Int64(year)) == Self.day(date))
    }

    @Test func gapsSkipHolidaysAndEarlyCloses() throws {
        let calendar = TradingCalendar.usEquities
        let second = TradingCalendarTests.second
        // Wednesday 3 July 2024 closes at 13:00 EDT (17:00 UTC); Thursday the 4th is closed.
        #expect(!calendar.isOpen(at: try Timestamp(iso8601: "2024-07-03T17:00:00Z")))
        #expect(calendar.isOpen(at: try Timestamp(iso8601: "2024-07-03T16:59:59Z")))
        #expect(!calendar.isOpen(at: try Timestamp(iso8601: "2024-07-04T15:00:00Z")))
        let across = calendar.tradingNanoseconds(
            from: try TradingCalendarTests.instant("2024-07-03T16:59:00Z"),
            to: try TradingCalendarTests.instant("2024-07-05T13:31:00Z"), cap: .max)
        #expect(across == 120 * second)  // a minute before the early close, a minute after Friday's open
        // Configured closures and early closes apply on top of the rules.
        var custom = calendar
        custom.holidays.closed.insert(Timestamp.days(year: 2025, month: 1, day: 9))
        custom.holidays.earlyCloses[Timestamp.days(year: 2025, month: 1, day: 10)] = 12 * 3_600
        #expect(calendar.isOpen(at: try Timestamp(iso8601: "2025-01-09T15:00:00Z")))
        #expect(!custom.isOpen(at: try Timestamp(iso8601: "2025-01-09T15:00:00Z")))
        #expect(!custom.isOpen(at: try Timestamp(iso8601: "2025-01-10T17:00:00Z")))  // 12:00 EST
        #expect(custom.isOpen(at: try Timestamp(iso8601: "2025-01-10T16:59:59Z")))
    }
}
