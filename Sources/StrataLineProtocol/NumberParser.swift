import StrataCore

/// Number syntax of line-protocol field values and timestamps, over raw bytes (no `String` on the
/// common path).
enum NumberParser {
    enum Outcome<Value> {
        case value(Value)
        case invalid
        case outOfRange
    }

    /// `[+-]digits` as `Int64` (Go's `strconv.ParseInt(s, 10, 64)`): StrataCore's one parser.
    @inline(__always)
    static func int64(_ p: UnsafePointer<UInt8>, _ count: Int) -> Outcome<Int64> {
        switch IntegerText.parse(UnsafeBufferPointer(start: p, count: count)) {
        case .value(let value): .value(value)
        case .invalid: .invalid
        case .outOfRange: .outOfRange
        }
    }

    /// `digits` as `UInt64` (Go's `strconv.ParseUint(s, 10, 64)`: no sign).
    static func uint64(_ p: UnsafePointer<UInt8>, _ count: Int) -> Outcome<UInt64> {
        guard count > 0 else { return .invalid }
        var value: UInt64 = 0
        var overflow = false
        for i in 0..<count {
            let digit = p[i] &- 0x30
            guard digit < 10 else { return .invalid }
            if !overflow {
                let (times10, o1) = value.multipliedReportingOverflow(by: 10)
                let (sum, o2) = times10.addingReportingOverflow(UInt64(digit))
                overflow = o1 || o2
                value = sum
            }
        }
        return overflow ? .outOfRange : .value(value)
    }

    /// Whether the bytes spell `NaN`, `inf` or `infinity` (any case) after an optional sign.
    static func isNonFiniteWord(_ p: UnsafePointer<UInt8>, _ count: Int) -> Bool {
        let signed = count > 0 && (p[0] == UInt8(ascii: "-") || p[0] == UInt8(ascii: "+"))
        let word = signed ? p + 1 : p
        let length = signed ? count - 1 : count
        return matchesIgnoringCase(word, length, "nan") || matchesIgnoringCase(word, length, "inf")
            || matchesIgnoringCase(word, length, "infinity")
    }

    private static func matchesIgnoringCase(_ p: UnsafePointer<UInt8>, _ count: Int, _ word: StaticString) -> Bool {
        guard word.utf8CodeUnitCount == count else { return false }
        let letters = word.utf8Start
        for k in 0..<count where p[k] | 0x20 != letters[k] { return false }
        return true
    }

    /// The value of a non-finite word accepted by ``isNonFiniteWord(_:_:)``.
    static func nonFiniteValue(_ p: UnsafePointer<UInt8>, _ count: Int) -> Double {
        let negative = p[0] == UInt8(ascii: "-")
        let letter = (negative || p[0] == UInt8(ascii: "+")) ? p[1] : p[0]
        if letter | 0x20 == UInt8(ascii: "n") { return .nan }
        return negative ? -.infinity : .infinity
    }

    /// Whether the bytes are decimal float syntax, `[+-](digits[.digits]|.digits)[(e|E)[+-]digits]`
    /// (Go's `strconv.ParseFloat` without hexadecimal, underscores or special words).
    static func isDecimalSyntax(_ p: UnsafePointer<UInt8>, _ count: Int) -> Bool {
        var i = 0
        if count > 0, p[0] == UInt8(ascii: "-") || p[0] == UInt8(ascii: "+") { i = 1 }
        var digits = 0
        while i < count, p[i] &- 0x30 < 10 {
            digits &+= 1
            i &+= 1
        }
        if i < count, p[i] == UInt8(ascii: ".") {
            i &+= 1
            while i < count, p[i] &- 0x30 < 10 {
                digits &+= 1
                i &+= 1
            }
        }
        guard digits > 0 else { return false }
        if i < count, p[i] | 0x20 == UInt8(ascii: "e") {
            i &+= 1
            if i < count, p[i] == UInt8(ascii: "-") || p[i] == UInt8(ascii: "+") { i &+= 1 }
            var exponentDigits = 0
            while i < count, p[i] &- 0x30 < 10 {
                exponentDigits &+= 1
                i &+= 1
            }
            guard exponentDigits > 0 else { return false }
        }
        return i == count
    }

    /// Decimal float text as the nearest `Double` (correctly rounded), or why it is not one.
    ///
    /// Short inputs (up to 19 significant digits, which covers every price and quantity a client
    /// prints) take the exact fast path of Clinger's algorithm when it applies; anything else goes to
    /// the standard library's correctly rounded parser. Finite text too large for a `Double` is
    /// `outOfRange`; text too small for one is zero, as in Go.
    static func double(_ p: UnsafePointer<UInt8>, _ count: Int) -> Outcome<Double> {
        var i = 0
        var negative = false
        if count > 0, p[0] == UInt8(ascii: "-") || p[0] == UInt8(ascii: "+") {
            negative = p[0] == UInt8(ascii: "-")
            i = 1
        }
        var mantissa: UInt64 = 0
        var significant = 0  // significant digits accumulated into `mantissa`
        var dropped = false  // a non-zero digit beyond the 19 that fit
        var exponent = 0  // decimal exponent to apply to `mantissa`
        var digits = 0
        while i < count, p[i] &- 0x30 < 10 {
            let digit = p[i] &- 0x30
            digits &+= 1
            if significant < 19 {
                if mantissa != 0 || digit != 0 {
                    mantissa = mantissa &* 10 &+ UInt64(digit)
                    significant &+= 1
                }
            } else {
                exponent &+= 1
                if digit != 0 { dropped = true }
            }
            i &+= 1
        }
        if i < count, p[i] == UInt8(ascii: ".") {
            i &+= 1
            while i < count, p[i] &- 0x30 < 10 {
                let digit = p[i] &- 0x30
                digits &+= 1
                if significant < 19 {
                    if mantissa != 0 || digit != 0 {
                        mantissa = mantissa &* 10 &+ UInt64(digit)
                        significant &+= 1
                    }
                    exponent &-= 1
                } else if digit != 0 {
                    dropped = true
                }
                i &+= 1
            }
        }
        guard digits > 0 else { return .invalid }
        if i < count, p[i] | 0x20 == UInt8(ascii: "e") {
            i &+= 1
            var exponentNegative = false
            if i < count, p[i] == UInt8(ascii: "-") || p[i] == UInt8(ascii: "+") {
                exponentNegative = p[i] == UInt8(ascii: "-")
                i &+= 1
            }
            var value = 0
            var exponentDigits = 0
            while i < count, p[i] &- 0x30 < 10 {
                if value < 100_000 { value = value &* 10 &+ Int(p[i] &- 0x30) }
                exponentDigits &+= 1
                i &+= 1
            }
            guard exponentDigits > 0 else { return .invalid }
            exponent &+= exponentNegative ? -value : value
        }
        guard i == count else { return .invalid }
        if mantissa == 0 { return .value(negative ? -0.0 : 0.0) }
        if !dropped, mantissa <= 1 << 53, exponent >= -22, exponent <= 22 {
            // Both operands are exact, so one IEEE operation rounds correctly.
            let m = Double(mantissa)
            let result = exponent >= 0 ? m * powersOfTen[exponent] : m / powersOfTen[-exponent]
            return .value(negative ? -result : result)
        }
        let text = String(decoding: UnsafeBufferPointer(start: p, count: count), as: UTF8.self)
        guard let result = Double(text) else { return .invalid }
        return result.isFinite ? .value(result) : .outOfRange
    }

    private static let powersOfTen: [Double] = [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
        1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
    ]
}
