import StrataCore
import Testing

@Suite("Timestamp text")
struct TimestampTextTests {
    // MARK: - ISO-8601 parsing

    static let valid: [(String, Int64)] = [
        ("2024-07-01", 1_719_792_000_000_000_000),
        ("2024-07-01T23:58", 1_719_878_280_000_000_000),
        ("2024-07-01T23:58:01", 1_719_878_281_000_000_000),
        ("2024-07-01T23:58:01Z", 1_719_878_281_000_000_000),
        ("2024-07-01T23:58:01z", 1_719_878_281_000_000_000),
        ("2024-07-01t23:58:01Z", 1_719_878_281_000_000_000),
        ("2024-07-01 23:58:01", 1_719_878_281_000_000_000),
        ("2024-07-01T23:58Z", 1_719_878_280_000_000_000),
        ("2024-07-01T23:58:01.5Z", 1_719_878_281_500_000_000),
        ("2024-07-01T23:58:01,5Z", 1_719_878_281_500_000_000),
        ("2024-07-01T23:58:01.000000001Z", 1_719_878_281_000_000_001),
        ("2024-07-01T23:58:01.000000000", 1_719_878_281_000_000_000),
        ("2024-07-01T23:58:01+02:00", 1_719_871_081_000_000_000),
        ("2024-07-01T23:58:01+0200", 1_719_871_081_000_000_000),
        ("2024-07-01T23:58:01+02", 1_719_871_081_000_000_000),
        ("2024-07-01T23:58:01-05:30", 1_719_898_081_000_000_000),
        ("2024-07-01T23:58:01-0530", 1_719_898_081_000_000_000),
        ("2024-07-01T23:58:01+00:00", 1_719_878_281_000_000_000),
        ("2024-07-01T23:58:01-00", 1_719_878_281_000_000_000),
        ("2024-07-01T23:58+02:00", 1_719_871_080_000_000_000),
        ("2024-07-02T01:00:00+05:00", 1_719_864_000_000_000_000),
        ("2024-07-01T23:58:01.5+02:00", 1_719_871_081_500_000_000),
        ("2024-07-01T23:58:01.5-23:59", 1_719_878_281_500_000_000 + (23 * 60 + 59) * 60_000_000_000),
        ("1970-01-01", 0),
        ("1970-01-01T00:00:00.000000001Z", 1),
        ("1969-12-31T23:59:59Z", -1_000_000_000),
        ("1969-12-31T23:59:59.999999999Z", -1),
        ("1970-01-01T00:00:00+00:01", -60_000_000_000),
        ("1950-06-15T08:30:00", -616_865_400_000_000_000),
        ("1900-03-01", -2_203_891_200_000_000_000),
        ("1700-03-01", -8_515_238_400_000_000_000),
        ("2024-02-29T12:00:00", 1_709_208_000_000_000_000),
        ("2000-02-29", 951_782_400_000_000_000),
        ("1677-09-22", -9_223_286_400_000_000_000),
        ("2262-04-11", 9_223_286_400_000_000_000),
        // The exact ends of the Int64 range.
        ("1677-09-21T00:12:43.145224192Z", .min),
        ("2262-04-11T23:47:16.854775807Z", .max),
        // Offsets that move a day that does not fit back into the range.
        ("2262-04-12T00:00+01:00", 9_223_369_200_000_000_000),
        ("1677-09-21T00:00-01:00", -9_223_369_200_000_000_000),
    ]

    @Test(arguments: valid)
    func parsesISO8601(text: String, nanoseconds: Int64) throws {
        #expect(try Timestamp(iso8601: text).nanoseconds == nanoseconds)
        #expect(try Timestamp(parsing: text).nanoseconds == nanoseconds)
    }

    @Test(arguments: 1...9)
    func parsesFractionsOfAnyLength(digits: Int) throws {
        let fraction = String("123456789".prefix(digits))
        let t = try Timestamp(iso8601: "2024-07-01T23:58:01.\(fraction)Z")
        let padded = Int64(fraction + String(repeating: "0", count: 9 - digits))!
        #expect(t.nanoseconds == 1_719_878_281_000_000_000 + padded)
        // The same before 1970: a fraction always adds to the second it follows.
        let early = try Timestamp(iso8601: "1969-12-31T23:59:59.\(fraction)Z")
        #expect(early.nanoseconds == -1_000_000_000 + padded)
    }

    static let leapDays = ["2024-02-29", "2000-02-29", "1904-02-29", "2096-02-29", "1696-02-29", "2256-02-29"]
    static let notLeapDays = [
        "2023-02-29", "1700-02-29", "1800-02-29", "1900-02-29", "2100-02-29", "2200-02-29", "2023-02-30",
    ]

    @Test(arguments: leapDays)
    func acceptsLeapDays(text: String) throws {
        let t = try Timestamp(iso8601: text)
        #expect(t.description == text + "T00:00:00Z")
        // The leap day is followed by March 1st.
        let next = t.advanced(by: Timestamp.nanosecondsPerDay).description
        #expect(next == text.prefix(5) + "03-01T00:00:00Z")
    }

    static let invalid = [
        "", " ", "2024", "2024-07", "2024-7-01", "2024-07-1", "24-07-01", "2024/07/01", " 2024-07-01", "2024-07-01 ",
        "2024-07-01T", "2024-07-01T23", "2024-07-01T23:5", "2024-07-01T2358", "2024-07-01X23:58", "2024-07-01Z",
        "2024-13-01", "2024-00-10", "2024-01-00", "2024-01-32", "2024-04-31", "2024-06-31", "2024-09-31", "2024-11-31",
        "2024-07-01T24:00", "2024-07-01T24:00:00Z", "2024-07-01T23:60", "2024-07-01T23:59:60", "2024-07-01T23:59:99",
        "2024-07-01T23:58:01.", "2024-07-01T23:58:01.Z", "2024-07-01T23:58:01.1234567890Z",
        "2024-07-01T23:58:01.1234567890", "2024-07-01T23:58:01.0000000000Z", "2024-07-01T23:58:01.-5Z",
        "2024-07-01T23:58.5", "2024-07-01T23:58:01ZZ", "2024-07-01T23:58:01Zjunk", "2024-07-01T23:58:01 Z",
        "2024-07-01T23:58:01+", "2024-07-01T23:58:01+2", "2024-07-01T23:58:01+24:00", "2024-07-01T23:58:01+05:60",
        "2024-07-01T23:58:01+05:3", "2024-07-01T23:58:01+05:30:00", "2024-07-01T23:58:01+05:", "2024-07-01T23:58:01*05",
        "+2024-07-01", "-2024-07-01", "２０２４-07-01", "2024-07-01T23:58:01.５Z", "abc", "2024-07-01T-1:00",
        // Outside the Int64 nanosecond range: must be an error, not a trap.
        "0000-01-01", "0001-01-01", "1600-01-01", "1677-01-01", "1677-09-20", "1677-09-21",
        "1677-09-21T00:12:43.145224191Z", "1677-09-21T00:12:43Z", "2262-04-11T23:47:16.854775808Z",
        "2262-04-11T23:47:17Z", "2262-04-12", "2262-12-31", "2263-01-01", "9999-12-31T23:59:59.999999999Z",
        "2262-04-11T23:00-01:00", "1677-09-21T00:12:44+01:00",
    ]

    @Test(arguments: invalid)
    func rejectsInvalidText(text: String) {
        let error = #expect(throws: ValidationError.self) { try Timestamp(iso8601: text) }
        #expect(error?.rule == .badTimestamp)
        #expect(error?.field == "timestamp")
        #expect(error?.value == text)
    }

    @Test func errorNamesTheField() {
        let error = #expect(throws: ValidationError.self) {
            try Timestamp(iso8601: "2023-02-29", field: "transact_time")
        }
        #expect(error?.field == "transact_time")
        #expect(error?.value == "2023-02-29")
        #expect(error?.rule == .badTimestamp)
    }

    // MARK: - Printing

    static let printed: [(Int64, String)] = [
        (0, "1970-01-01T00:00:00Z"),
        (1, "1970-01-01T00:00:00.000000001Z"),
        (-1, "1969-12-31T23:59:59.999999999Z"),
        (500_000_000, "1970-01-01T00:00:00.500Z"),
        (1_500_000, "1970-01-01T00:00:00.001500Z"),
        (1_000, "1970-01-01T00:00:00.000001Z"),
        (1_000_000, "1970-01-01T00:00:00.001Z"),
        (123_456_789, "1970-01-01T00:00:00.123456789Z"),
        (1_719_878_281_500_000_000, "2024-07-01T23:58:01.500Z"),
        (1_719_878_281_000_000_000, "2024-07-01T23:58:01Z"),
        (-1_000_000_000, "1969-12-31T23:59:59Z"),
        (-86_400_000_000_000, "1969-12-31T00:00:00Z"),
        (-616_865_400_000_000_000, "1950-06-15T08:30:00Z"),
        (951_782_400_000_000_000, "2000-02-29T00:00:00Z"),
        (-2_203_891_200_000_000_000, "1900-03-01T00:00:00Z"),
        (.min, "1677-09-21T00:12:43.145224192Z"),
        (.max, "2262-04-11T23:47:16.854775807Z"),
    ]

    @Test(arguments: printed)
    func prints(nanoseconds: Int64, text: String) throws {
        let t = Timestamp(nanoseconds: nanoseconds)
        #expect(t.description == text)
        #expect(t.iso8601 == text)
        #expect(try Timestamp(iso8601: text) == t)
    }

    @Test func roundTripsAcrossTheWholeRange() throws {
        var random = SplitMix64(seed: 0x5EED_0001)
        var values: [Int64] = [.min, .min + 1, .max, .max - 1, 0, -1, 1]
        for _ in 0..<5_000 { values.append(Int64.random(in: .min ... .max, using: &random)) }
        // Values that print with 3 or 6 fractional digits, and whole seconds.
        for granularity: Int64 in [1_000, 1_000_000, 1_000_000_000] {
            for _ in 0..<500 {
                values.append(Int64.random(in: .min ... .max, using: &random) / granularity * granularity)
            }
        }
        for ns in values {
            let text = Timestamp(nanoseconds: ns).description
            let parsed = try Timestamp(iso8601: text)
            #expect(parsed.nanoseconds == ns, "\(ns) printed as \(text)")
            // The fraction is printed in groups of three digits, with no group of zeros at the end.
            if let dot = text.firstIndex(of: ".") {
                let fraction = text[text.index(after: dot)..<text.index(before: text.endIndex)]
                #expect([3, 6, 9].contains(fraction.count) && !fraction.hasSuffix("000"), "\(text)")
            }
        }
    }

    @Test func offsetsRoundTrip() throws {
        var random = SplitMix64(seed: 0x0FF5E7)
        for _ in 0..<2_000 {
            let ns = Int64.random(in: -9_000_000_000_000_000_000...9_000_000_000_000_000_000, using: &random)
            let offsetMinutes = Int64.random(in: -(23 * 60 + 59)...(23 * 60 + 59), using: &random)
            let local = Timestamp(nanoseconds: ns).advanced(by: offsetMinutes * 60_000_000_000).description
            let sign = offsetMinutes < 0 ? "-" : "+"
            let hours = abs(offsetMinutes) / 60
            let minutes = abs(offsetMinutes) % 60
            let hh = hours < 10 ? "0\(hours)" : "\(hours)"
            let mm = minutes < 10 ? "0\(minutes)" : "\(minutes)"
            let base = local.dropLast()  // drop the Z
            for zone in ["\(sign)\(hh):\(mm)", "\(sign)\(hh)\(mm)"] {
                #expect(try Timestamp(iso8601: base + zone).nanoseconds == ns, "\(base + zone)")
            }
            if minutes == 0 { #expect(try Timestamp(iso8601: base + "\(sign)\(hh)").nanoseconds == ns) }
        }
    }

    // MARK: - Civil calendar, against a year-by-year reference

    static func isLeap(_ year: Int) -> Bool { year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) }
    static func length(month: Int, year: Int) -> Int {
        [31, isLeap(year) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]
    }

    /// Days since 1970-01-01, counting whole years and months one by one.
    static func referenceDays(year: Int, month: Int, day: Int) -> Int {
        var days = 0
        if year >= 1970 {
            for y in 1970..<year { days += isLeap(y) ? 366 : 365 }
        } else {
            for y in year..<1970 { days -= isLeap(y) ? 366 : 365 }
        }
        for m in 1..<month { days += length(month: m, year: year) }
        return days + day - 1
    }

    static func text(_ year: Int, _ month: Int, _ day: Int) -> String {
        "\(year)-\(month < 10 ? "0" : "")\(month)-\(day < 10 ? "0" : "")\(day)"
    }

    @Test func everyDayOfTheRangeMatchesTheReference() throws {
        // Walk every day from 1677-09-22 to 2262-04-10, the whole days Int64 nanoseconds hold.
        var (year, month, day) = (1677, 9, 22)
        var days = Self.referenceDays(year: year, month: month, day: day)
        #expect(days == -106_751)
        var checked = 0
        while (year, month, day) <= (2262, 4, 10) {
            let expected = Int64(days) * Timestamp.nanosecondsPerDay
            let date = Self.text(year, month, day)
            // Parsing every day, printing a sample (printing is cross-checked by the round trips too).
            #expect(try Timestamp(iso8601: date).nanoseconds == expected, "\(date)")
            if days % 7 == 0 || (month == 2 && day >= 28) || (month == 3 && day == 1) {
                #expect(
                    Timestamp(nanoseconds: expected + 86_399_999_999_999).description.hasPrefix(
                        date + "T23:59:59.999999999"))
                #expect(Timestamp(nanoseconds: expected).description == date + "T00:00:00Z")
            }
            checked += 1
            days += 1
            day += 1
            if day > Self.length(month: month, year: year) {
                day = 1
                month += 1
                if month > 12 { (month, year) = (1, year + 1) }
            }
        }
        #expect(checked == 213_502)
    }

    @Test func randomDatesMatchTheReference() throws {
        var random = SplitMix64(seed: 0xDA7E)
        for _ in 0..<1_000 {
            let year = Int.random(in: 1678...2261, using: &random)
            let month = Int.random(in: 1...12, using: &random)
            let day = Int.random(in: 1...Self.length(month: month, year: year), using: &random)
            let days = Self.referenceDays(year: year, month: month, day: day)
            let date = Self.text(year, month, day)
            #expect(try Timestamp(iso8601: date).nanoseconds == Int64(days) * Timestamp.nanosecondsPerDay)
        }
    }

    // MARK: - parsing(text:epochUnit:)

    static let epochs: [(String, Timestamp.EpochUnit, Int64)] = [
        ("1719878281500000000", .nanoseconds, 1_719_878_281_500_000_000),
        ("1719878281", .seconds, 1_719_878_281_000_000_000),
        ("1719878281500", .milliseconds, 1_719_878_281_500_000_000),
        ("1719878281500000", .microseconds, 1_719_878_281_500_000_000),
        ("0", .seconds, 0),
        ("-1", .milliseconds, -1_000_000),
        ("+5", .microseconds, 5_000),
        ("-0", .nanoseconds, 0),
        ("9223372036854775807", .nanoseconds, .max),
        ("-9223372036854775808", .nanoseconds, .min),
        ("9223372036", .seconds, 9_223_372_036_000_000_000),
        ("2024", .nanoseconds, 2_024),  // digits are always an epoch count, never a year
        ("2024-07-01T23:58:01.5Z", .seconds, 1_719_878_281_500_000_000),
        ("2024-07-01", .milliseconds, 1_719_792_000_000_000_000),
    ]

    @Test(arguments: epochs)
    func parsesEpochOrISO(text: String, unit: Timestamp.EpochUnit, nanoseconds: Int64) throws {
        #expect(try Timestamp(parsing: text, epochUnit: unit).nanoseconds == nanoseconds)
    }

    static let badEpochs: [(String, Timestamp.EpochUnit)] = [
        ("9223372037", .seconds), ("-9223372037", .seconds), ("9223372036855", .milliseconds),
        ("9223372036854775808", .nanoseconds), ("-9223372036854775809", .nanoseconds),
        ("99999999999999999999999", .nanoseconds), ("", .nanoseconds), ("-", .seconds), ("+", .seconds),
        ("12a", .seconds), ("1.5", .seconds), ("1e9", .seconds), (" 1", .seconds), ("1 ", .seconds), ("--1", .seconds),
        ("2023-02-29", .seconds),
    ]

    @Test(arguments: badEpochs)
    func rejectsBadEpochText(text: String, unit: Timestamp.EpochUnit) {
        let error = #expect(throws: ValidationError.self) { try Timestamp(parsing: text, epochUnit: unit, field: "ts") }
        #expect(error?.rule == .badTimestamp)
        #expect(error?.field == "ts")
        #expect(error?.value == text)
    }

    @Test func everyEpochUnitRoundTrips() throws {
        var random = SplitMix64(seed: 0xE9)
        for unit in Timestamp.EpochUnit.allCases {
            let limit = Int64.max / unit.nanosecondsPerUnit
            for _ in 0..<300 {
                let count = Int64.random(in: -limit...limit, using: &random)
                let t = try Timestamp(parsing: String(count), epochUnit: unit)
                #expect(t.nanoseconds == count * unit.nanosecondsPerUnit)
                #expect(t.epoch(in: unit) == count)
            }
        }
    }
}
