import Foundation
import Strata
import Testing

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
            from: try Self.instant("2024-07-01T00:00:00Z"), to: try Self.instant("2024-07-08T00:00:00Z"), cap: .max)
        #expect(week == 5 * 23_400 * Self.second)
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
        (#"{"quality": true}"#, "quality"),
    ])
    func errorsNameTheKey(_ json: String, _ key: String) throws {
        let error = try #require(throws: ConfigurationError.self) { try Self.load(json) }
        #expect(error.key == key, "\(error)")
    }
}
