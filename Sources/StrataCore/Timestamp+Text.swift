// Parsing and printing of timestamps: ISO-8601 (UTC or with an offset) and epoch digits.

extension Timestamp {
    /// Parses an ISO-8601 date or date-time.
    ///
    /// Accepted: `2024-07-01`, `2024-07-01T23:58`, `2024-07-01T23:58:01`, fractions of up to nine
    /// digits (`.5`, `.123456789`), a `T` or a space between date and time, and a zone of `Z`,
    /// `+HH:MM`, `+HHMM`, `+HH` (or none, meaning UTC).
    ///
    /// - Throws: ``ValidationError`` with rule ``ValidationError/Rule/badTimestamp`` naming the text.
    public init(iso8601 text: String, field: String = "timestamp") throws {
        guard let value = Timestamp.parseISO8601(Array(text.utf8)) else {
            throw ValidationError(
                field: field, value: text, rule: .badTimestamp, detail: "expected ISO-8601 such as 2024-07-01T23:58:01Z"
            )
        }
        self = value
    }

    /// Parses either ISO-8601 text or a signed integer of epoch units.
    ///
    /// ```swift
    /// try Timestamp(parsing: "1719878281500000000")            // epoch ns
    /// try Timestamp(parsing: "1719878281", epochUnit: .seconds)
    /// try Timestamp(parsing: "2024-07-01T23:58:01Z")
    /// ```
    /// - Throws: ``ValidationError`` (``ValidationError/Rule/badTimestamp``) naming `field` and the text.
    public init(parsing text: String, epochUnit: EpochUnit = .nanoseconds, field: String = "timestamp") throws {
        let bytes = Array(text.utf8)
        if let digits = IntegerText.int64(bytes) {
            guard let value = Timestamp(epoch: digits, unit: epochUnit) else {
                throw ValidationError(field: field, value: text, rule: .badTimestamp, detail: "out of range")
            }
            self = value
        } else if let value = Timestamp.parseISO8601(bytes) {
            self = value
        } else {
            throw ValidationError(
                field: field, value: text, rule: .badTimestamp,
                detail: "expected ISO-8601 or epoch \(epochUnit.rawValue)")
        }
    }

    /// ISO-8601 in UTC with as many fractional digits as needed in groups of three
    /// (`2024-07-01T23:58:01Z`, `…01.500Z`, `…01.000000001Z`).
    public var description: String { iso8601 }

    /// See ``description``.
    public var iso8601: String {
        UTF8Cursor.string(capacity: Timestamp.maximumISO8601Bytes) { $0.write(self) }
    }

    /// The longest ``iso8601`` text: `-292277026596-12-04T15:30:07.999999999Z` would be the
    /// widest year, but an `Int64` of nanoseconds spans 1677...2262: 30 bytes; 32 with margin.
    public static let maximumISO8601Bytes = 32

    // MARK: - Civil calendar (proleptic Gregorian), days since 1970-01-01

    /// Days since the epoch of a civil date. Years are unbounded in practice (Int64 arithmetic).
    public static func days(year: Int64, month: Int64, day: Int64) -> Int64 {
        // Count from a year starting in March so that the leap day is the last day of the year.
        let y = month <= 2 ? year - 1 : year
        let era = floorDiv(y, 400)
        let yearOfEra = y - era * 400
        let shiftedMonth = (month + 9) % 12  // March = 0 … February = 11
        let dayOfYear = (153 * shiftedMonth + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    /// The civil date of a day count since the epoch.
    public static func civil(fromDays days: Int64) -> (year: Int64, month: Int64, day: Int64) {
        let shifted = days + 719_468
        let era = floorDiv(shifted, 146_097)
        let dayOfEra = shifted - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let shiftedMonth = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * shiftedMonth + 2) / 5 + 1
        let month = shiftedMonth < 10 ? shiftedMonth + 3 : shiftedMonth - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    // MARK: - Parsers over UTF-8

    static func parseISO8601(_ bytes: [UInt8]) -> Timestamp? {
        var cursor = 0
        func number(_ width: Int) -> Int64? {
            guard cursor + width <= bytes.count else { return nil }
            var value: Int64 = 0
            for offset in 0..<width {
                let digit = bytes[cursor + offset] &- UInt8(ascii: "0")
                guard digit < 10 else { return nil }
                value = value * 10 + Int64(digit)
            }
            cursor += width
            return value
        }
        func expect(_ char: Character) -> Bool {
            guard cursor < bytes.count, bytes[cursor] == char.asciiValue! else { return false }
            cursor += 1
            return true
        }
        guard let year = number(4), expect("-"), let month = number(2), expect("-"), let day = number(2),
            (1...12).contains(month), day >= 1, day <= daysIn(month: month, year: year)
        else { return nil }
        // Only 1677…2262 fit in Int64 nanoseconds; the Int128 sum at the end catches the edges. (The
        // start of the first and of the day after the last day do not fit, yet times inside them do.)
        guard year >= 1677, year <= 2262 else { return nil }
        let dayStart = Int128(days(year: year, month: month, day: day)) * Int128(nanosecondsPerDay)
        if cursor == bytes.count { return Int64(exactly: dayStart).map(Timestamp.init(nanoseconds:)) }
        guard expect("T") || expect(" ") || expect("t") else { return nil }
        guard let hour = number(2), hour < 24, expect(":"), let minute = number(2), minute < 60 else { return nil }
        var second: Int64 = 0
        var fraction: Int64 = 0
        if expect(":") {
            guard let s = number(2), s < 60 else { return nil }
            second = s
            if expect(".") || expect(",") {
                var digits = 0
                while cursor < bytes.count, bytes[cursor] &- UInt8(ascii: "0") < 10 {
                    guard digits < 9 else { return nil }  // finer than a nanosecond cannot be stored exactly
                    fraction = fraction * 10 + Int64(bytes[cursor] - UInt8(ascii: "0"))
                    digits += 1
                    cursor += 1
                }
                guard digits > 0 else { return nil }
                for _ in digits..<9 { fraction *= 10 }
            }
        }
        var offsetNanos: Int64 = 0
        if cursor < bytes.count {
            if expect("Z") || expect("z") {
            } else if bytes[cursor] == UInt8(ascii: "+") || bytes[cursor] == UInt8(ascii: "-") {
                let sign: Int64 = bytes[cursor] == UInt8(ascii: "+") ? 1 : -1
                cursor += 1
                guard let offsetHours = number(2), offsetHours < 24 else { return nil }
                var offsetMinutes: Int64 = 0
                if cursor < bytes.count {
                    _ = expect(":")
                    guard let m = number(2), m < 60 else { return nil }
                    offsetMinutes = m
                }
                offsetNanos = sign * (offsetHours * 60 + offsetMinutes) * 60 * nanosecondsPerSecond
            } else {
                return nil
            }
        }
        guard cursor == bytes.count else { return nil }
        let timeOfDay = ((hour * 60 + minute) * 60 + second) * nanosecondsPerSecond + fraction - offsetNanos
        return Int64(exactly: dayStart + Int128(timeOfDay)).map(Timestamp.init(nanoseconds:))
    }

    package static func daysIn(month: Int64, year: Int64) -> Int64 {
        switch month {
        case 2: (year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)) ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }
}

extension UTF8Cursor {
    /// `timestamp` as ISO-8601 in UTC (``Timestamp/iso8601``), at most
    /// ``Timestamp/maximumISO8601Bytes`` bytes.
    public mutating func write(_ timestamp: Timestamp) {
        let nanoseconds = timestamp.nanoseconds
        let days = Timestamp.floorDiv(nanoseconds, Timestamp.nanosecondsPerDay)
        let nanosOfDay = nanoseconds &- days &* Timestamp.nanosecondsPerDay  // exact modulo 2^64, in [0, 1 day)
        let (year, month, day) = Timestamp.civil(fromDays: days)
        let secondsOfDay = nanosOfDay / Timestamp.nanosecondsPerSecond
        var fraction = nanosOfDay % Timestamp.nanosecondsPerSecond
        if year < 0 || year > 9999 { write(UInt8(ascii: year < 0 ? "-" : "+")) }
        writeDigits(year.magnitude, minimumDigits: 4)
        write(UInt8(ascii: "-"))
        writeDigits(UInt64(month), minimumDigits: 2)
        write(UInt8(ascii: "-"))
        writeDigits(UInt64(day), minimumDigits: 2)
        write(UInt8(ascii: "T"))
        writeDigits(UInt64(secondsOfDay / 3600), minimumDigits: 2)
        write(UInt8(ascii: ":"))
        writeDigits(UInt64(secondsOfDay / 60 % 60), minimumDigits: 2)
        write(UInt8(ascii: ":"))
        writeDigits(UInt64(secondsOfDay % 60), minimumDigits: 2)
        if fraction != 0 {
            // Groups of three digits: milliseconds, microseconds or nanoseconds.
            var digits = 9
            while fraction % 1000 == 0 {
                fraction /= 1000
                digits -= 3
            }
            write(UInt8(ascii: "."))
            writeDigits(UInt64(fraction), minimumDigits: digits)
        }
        write(UInt8(ascii: "Z"))
    }
}
