/// Spelling SQL for ClickHouse: quoted names and literals, the month of a nanosecond time, and
/// reading TabSeparated answers.
public enum ClickHouseSQL {
    /// `[A-Za-z_][A-Za-z0-9_]*`, 1…64 bytes.
    public static func isIdentifier(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        guard (1...64).contains(bytes.count) else { return false }
        func letter(_ b: UInt8) -> Bool {
            (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(b) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(b)
                || b == UInt8(ascii: "_")
        }
        return letter(bytes[0])
            && bytes.allSatisfy { letter($0) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }
    }

    /// A name in back quotes (back quotes and backslashes escaped).
    public static func quote(identifier: String) -> String {
        "`" + identifier.replacingAll("\\", with: "\\\\").replacingAll("`", with: "\\`") + "`"
    }

    /// A string literal in single quotes (quotes, backslashes and control characters escaped).
    public static func quote(string: String) -> String {
        var out = "'"
        for scalar in string.unicodeScalars {
            switch scalar {
            case "\\": out += "\\\\"
            case "'": out += "\\'"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case "\r": out += "\\r"
            case "\0": out += "\\0"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "'"
    }

    /// The latest second the month expressions distinguish: 2099-12-31T23:59:59Z (ClickHouse
    /// 18.16's date tables end in 2105; a fixed bound keeps Strata's mirror of the expression exact).
    static let lastSecond: Int64 = 4_102_444_799

    /// The partition (`YYYYMM`, UTC) of a nanosecond time column as ClickHouse computes it:
    /// whole seconds toward zero, clamped to 1970…2099 (earlier and later times share the edge
    /// months' partitions), then the UTC month. ``month(ofNanoseconds:)`` is the same in Swift.
    public static func monthExpression(_ column: String) -> String {
        "toYYYYMM(toDateTime(toUInt32(greatest(0, least(\(lastSecond), intDiv(\(column), 1000000000))))), 'UTC')"
    }

    /// ``monthExpression(_:)`` in Swift: `YYYYMM` of the UTC month of `nanoseconds`.
    public static func month(ofNanoseconds nanoseconds: Int64) -> Int {
        let seconds = min(max(nanoseconds / 1_000_000_000, 0), lastSecond)
        let days = seconds / 86_400
        // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm), days ≥ 0 here.
        let z = days + 719_468
        let era = z / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1_460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let month = mp < 10 ? mp + 3 : mp - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        return Int(year * 100 + month)
    }

    /// The rows of a TabSeparated answer, each field unescaped (`\t`, `\n`, `\\`, `\'`…; `\N`
    /// is kept as written: NULL).
    public static func parseTabSeparated(_ text: String) -> [[String]] {
        var rows: [[String]] = []
        for line in text.split(separator: "\n", omittingEmptySubsequences: true) {
            rows.append(line.split(separator: "\t", omittingEmptySubsequences: false).map { unescape($0) })
        }
        return rows
    }

    static func unescape(_ field: Substring) -> String {
        guard field.contains("\\"), field != "\\N" else { return String(field) }
        var out = ""
        var escaped = false
        for character in field {
            if escaped {
                switch character {
                case "t": out.append("\t")
                case "n": out.append("\n")
                case "r": out.append("\r")
                case "0": out.append("\0")
                case "b": out.append("\u{8}")
                case "f": out.append("\u{c}")
                default: out.append(character)
                }
                escaped = false
            } else if character == "\\" {
                escaped = true
            } else {
                out.append(character)
            }
        }
        return out
    }

    /// The integers of an array field, `[1,2,3]`; nil when it is not one.
    public static func parseIntegerArray(_ text: String) -> [Int64]? {
        guard text.hasPrefix("["), text.hasSuffix("]") else { return nil }
        let inner = text.dropFirst().dropLast()
        if inner.isEmpty { return [] }
        var values: [Int64] = []
        for part in inner.split(separator: ",") {
            guard let value = Int64(part) else { return nil }
            values.append(value)
        }
        return values
    }
}

extension String {
    func replacingAll(_ target: Character, with replacement: String) -> String {
        var out = ""
        for character in self {
            if character == target { out += replacement } else { out.append(character) }
        }
        return out
    }
}
