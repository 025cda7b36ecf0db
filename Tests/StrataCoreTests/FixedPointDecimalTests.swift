import Foundation
import StrataCore
import Testing

@Suite("FixedPointDecimal")
struct FixedPointDecimalTests {
    // MARK: - Parsing

    static let exact: [(String, Int64)] = [
        ("64123.45000000", 6_412_345_000_000),
        ("64123.45", 6_412_345_000_000),
        ("1e-8", 1),
        ("1E-8", 1),
        ("1.5E3", 150_000_000_000),
        ("1.5e+3", 150_000_000_000),
        ("15e2", 150_000_000_000),
        (".5", 50_000_000),
        ("5.", 500_000_000),
        ("+1", 100_000_000),
        ("-0", 0),
        ("+0", 0),
        ("0", 0),
        ("-0.0", 0),
        ("0.00000000", 0),
        ("00001.10", 110_000_000),
        ("1.0000000000000", 100_000_000),
        ("0.000000010000000000000000000000", 1),
        ("0.00000001", 1),
        ("-0.00000001", -1),
        ("10e-9", 1),
        ("0.1e-7", 1),
        ("1.e5", 10_000_000_000_000),
        ("100000000000000000000e-20", 100_000_000),
        ("1000000000000000000000000000000e-30", 100_000_000),
        ("000000000000000000000000000001", 100_000_000),
        ("0e999999", 0),
        ("0.0e-99999", 0),
        ("-0e99999999999999999999", 0),
        ("1e10", 1_000_000_000_000_000_000),
        ("9e10", 9_000_000_000_000_000_000),
        ("92233720368.54775807", .max),
        ("-92233720368.54775807", -.max),
        ("9223372036854775807e-8", .max),
        // The most negative mantissa prints as this, so it must parse back.
        ("-92233720368.54775808", .min),
        ("-9223372036854775808e-8", .min),
    ]

    @Test(arguments: exact)
    func parsesExactly(text: String, mantissa: Int64) throws {
        #expect(try Price(text).mantissa == mantissa)
        #expect(try Quantity(text).mantissa == mantissa)
        var bytes = Array(text.utf8)
        let fast = bytes.withUnsafeMutableBufferPointer { Price.parse(utf8: UnsafeBufferPointer($0)) }
        #expect(try fast.get().mantissa == mantissa)
    }

    static let failures: [(String, DecimalParser.Failure)] = [
        // Finer than the scale, and not just zeros.
        ("0.000000001", .tooPrecise), ("1e-9", .tooPrecise), ("-1e-9", .tooPrecise), ("1.000000001", .tooPrecise),
        ("0.123456789", .tooPrecise), ("1.5e-8", .tooPrecise), ("0.000000015", .tooPrecise),
        ("1e-100000000", .tooPrecise), ("0.12345678901234567890123", .tooPrecise),
        ("12345678901234567890123e-30", .tooPrecise), ("1.00000000000000000000000000001", .tooPrecise),
        // Too large for an Int64 mantissa.
        ("92233720368.54775808", .overflow), ("-92233720368.54775809", .overflow), ("1e11", .overflow),
        ("100000000000", .overflow), ("-100000000000", .overflow), ("99999999999999999999", .overflow),
        ("18446744073709551616", .overflow), ("9223372036854775807", .overflow), ("1e100000000", .overflow),
        ("1e99999999999999999999999", .overflow), ("123456789012345678901234567890", .overflow),
        ("123456789012345678901234567890.5", .overflow), ("9223372036854775808e-8", .overflow),
        // Not finite.
        ("NaN", .notFinite), ("nan", .notFinite), ("NAN", .notFinite), ("-nan", .notFinite), ("+NaN", .notFinite),
        ("inf", .notFinite), ("Inf", .notFinite), ("INF", .notFinite), ("-inf", .notFinite), ("+inf", .notFinite),
        ("Infinity", .notFinite), ("-Infinity", .notFinite), ("infinity", .notFinite), ("+INFINITY", .notFinite),
        // Not a number.
        ("", .notANumber), (".", .notANumber), ("-.", .notANumber), ("1..2", .notANumber), ("1.2.3", .notANumber),
        ("1e", .notANumber), ("1e+", .notANumber), ("1e-", .notANumber), ("e5", .notANumber), (".e5", .notANumber),
        ("abc", .notANumber), (" 1", .notANumber), ("1 ", .notANumber), ("-", .notANumber), ("+", .notANumber),
        ("+-1", .notANumber), ("--1", .notANumber), ("- 1", .notANumber), ("1,5", .notANumber),
        ("0x10", .notANumber), ("1_000", .notANumber), ("∞", .notANumber), ("١", .notANumber), ("１", .notANumber),
        ("nanx", .notANumber), ("infinit", .notANumber), ("--inf", .notANumber), ("1e5.5", .notANumber),
        ("1e1e1", .notANumber), ("\u{0}1", .notANumber), ("1\u{0}", .notANumber), ("5nan", .notANumber),
        ("1e 5", .notANumber), ("1 000", .notANumber),
    ]

    @Test(arguments: failures)
    func rejects(text: String, failure: DecimalParser.Failure) {
        let error = #expect(throws: ValidationError.self) { try Price(text, field: "px") }
        #expect(error?.field == "px")
        #expect(error?.value == text)
        #expect(error?.rule == failure.rule)
        var bytes = Array(text.utf8)
        let fast = bytes.withUnsafeMutableBufferPointer { Quantity.parse(utf8: UnsafeBufferPointer($0)) }
        #expect(fast == .failure(failure))
    }

    @Test func failureErrorsNameFieldValueAndRule() {
        let rules: [(DecimalParser.Failure, ValidationError.Rule)] = [
            (.notANumber, .notANumber), (.notFinite, .notFinite), (.tooPrecise, .tooPrecise), (.overflow, .overflow),
        ]
        for (failure, rule) in rules {
            let error = failure.error(field: "qty", value: "x", scale: 8)
            #expect(error.field == "qty" && error.value == "x" && error.rule == rule)
        }
        #expect(DecimalParser.Failure.tooPrecise.error(field: "f", value: "v", scale: 8).detail?.contains("8") == true)
        #expect(
            throws: ValidationError(field: "value", value: "x", rule: .notANumber, detail: "expected a decimal number")
        ) {
            try Price("x")
        }
    }

    /// An independent, string-based reference: normalise the digits and the exponent, then decide.
    static func reference(_ text: String) -> Result<Int64, DecimalParser.Failure> {
        var rest = Substring(text)
        var negative = false
        if let sign = rest.first, sign == "-" || sign == "+" {
            negative = sign == "-"
            rest = rest.dropFirst()
        }
        var exponent = 0
        if let e = rest.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            exponent = Int(rest[rest.index(after: e)...])!
            rest = rest[..<e]
        }
        let parts = rest.split(separator: ".", omittingEmptySubsequences: false)
        let fraction = parts.count > 1 ? parts[1] : ""
        var digits = Substring(parts[0] + fraction)
        exponent -= fraction.count
        while digits.last == "0" {
            digits.removeLast()
            exponent += 1
        }
        while digits.first == "0" { digits.removeFirst() }
        if digits.isEmpty { return .success(0) }
        let shift = exponent + 8
        if shift < 0 { return .failure(.tooPrecise) }
        if digits.count + shift > 19 { return .failure(.overflow) }
        let magnitude = Int128(digits)! * Int128(tenPowers[shift])
        guard let mantissa = Int64(exactly: negative ? -magnitude : magnitude) else { return .failure(.overflow) }
        return .success(mantissa)
    }

    @Test func randomTextMatchesTheReference() throws {
        var random = SplitMix64(seed: 0xDEC1)
        func digits(_ count: Int, _ random: inout SplitMix64) -> String {
            String((0..<count).map { _ in Character(String(Int.random(in: 0...9, using: &random))) })
        }
        var counts: [String: Int] = [:]
        for _ in 0..<5_000 {
            var text = ["", "-", "+"][Int.random(in: 0...2, using: &random)]
            text += String(repeating: "0", count: Int.random(in: 0...2, using: &random))
            let integer = digits(Int.random(in: 0...13, using: &random), &random)
            let fraction = digits(Int.random(in: 0...12, using: &random), &random)
            text += integer
            if fraction.isEmpty && integer.isEmpty { text += "0" }
            if !fraction.isEmpty || Bool.random(using: &random) { text += "." + fraction }
            text += String(repeating: "0", count: [0, 0, 1, 5, 20][Int.random(in: 0...4, using: &random)])
            if Int.random(in: 0...3, using: &random) == 0 {
                text += ["e", "E"][Int.random(in: 0...1, using: &random)]
                text +=
                    ["", "-", "+"][Int.random(in: 0...2, using: &random)]
                    + String(Int.random(in: 0...25, using: &random))
            }
            let expected = Self.reference(text)
            switch expected {
            case .success(let m):
                counts["ok", default: 0] += 1
                #expect(try Price(text).mantissa == m, "\(text)")
            case .failure(let f):
                counts["\(f)", default: 0] += 1
                let error = #expect(throws: ValidationError.self, "\(text)") { try Price(text) }
                #expect(error?.rule == f.rule, "\(text)")
            }
        }
        // The generator reaches every outcome.
        #expect(counts.count == 3 && counts.values.allSatisfy { $0 > 200 }, "\(counts)")
    }

    // MARK: - Printing

    static let printed: [(Int64, String, String)] = [
        (0, "0", "0.00000000"),
        (1, "0.00000001", "0.00000001"),
        (-1, "-0.00000001", "-0.00000001"),
        (10, "0.0000001", "0.00000010"),
        (100_000_000, "1", "1.00000000"),
        (-300_000_000, "-3", "-3.00000000"),
        (150_000_000, "1.5", "1.50000000"),
        (-150_000_000, "-1.5", "-1.50000000"),
        (6_412_345_000_000, "64123.45", "64123.45000000"),
        (12_345_678_901, "123.45678901", "123.45678901"),
        (.max, "92233720368.54775807", "92233720368.54775807"),
        (.min, "-92233720368.54775808", "-92233720368.54775808"),
        (-.max, "-92233720368.54775807", "-92233720368.54775807"),
        (9_000_000_000_000_000_000, "90000000000", "90000000000.00000000"),
    ]

    @Test(arguments: printed)
    func prints(mantissa: Int64, description: String, padded: String) throws {
        #expect(Price(mantissa: mantissa).description == description)
        #expect(Price(mantissa: mantissa).paddedDescription == padded)
        #expect(Quantity(mantissa: mantissa).description == description)
        #expect(try Price(description).mantissa == mantissa)
        #expect(try Price(padded).mantissa == mantissa)
    }

    @Test func formatterMinimumFractionDigits() {
        #expect(DecimalFormatter.format(150_000_000, scale: 8, minimumFractionDigits: 2) == "1.50")
        #expect(DecimalFormatter.format(100_000_000, scale: 8, minimumFractionDigits: 2) == "1.00")
        #expect(DecimalFormatter.format(123_456_789, scale: 8, minimumFractionDigits: 2) == "1.23456789")
        #expect(DecimalFormatter.format(-5, scale: 0, minimumFractionDigits: 0) == "-5")
        #expect(DecimalFormatter.format(12_345, scale: 3, minimumFractionDigits: 0) == "12.345")
        #expect(DecimalFormatter.format(-12_000, scale: 3, minimumFractionDigits: 1) == "-12.0")
        #expect(DecimalFormatter.format(7, scale: 18, minimumFractionDigits: 0) == "0.000000000000000007")
    }

    /// Reference formatting through Int128 and string padding.
    static func referenceText(_ mantissa: Int64) -> String {
        let magnitude = Int128(mantissa).magnitude
        var fraction = String(magnitude % 100_000_000)
        fraction = String(repeating: "0", count: 8 - fraction.count) + fraction
        while fraction.hasSuffix("0") { fraction.removeLast() }
        return (mantissa < 0 ? "-" : "") + String(magnitude / 100_000_000) + (fraction.isEmpty ? "" : "." + fraction)
    }

    @Test func randomMantissasRoundTrip() throws {
        var random = SplitMix64(seed: 0x7E47)
        var values: [Int64] = [.min, .max, 0, 1, -1, .min + 1, .max - 1]
        for _ in 0..<3_000 { values.append(Int64.random(in: .min ... .max, using: &random)) }
        for _ in 0..<2_000 { values.append(Int64.random(in: -10_000_000_000...10_000_000_000, using: &random)) }
        for _ in 0..<1_000 { values.append(Int64.random(in: -1_000_000...1_000_000, using: &random) * 1_000_000) }
        for m in values {
            let price = Price(mantissa: m)
            #expect(price.description == Self.referenceText(m))
            #expect(try Price(price.description) == price, "\(m)")
            #expect(try Price(price.paddedDescription) == price, "\(m)")
            #expect(price.paddedDescription.split(separator: ".").last?.count == 8)
        }
    }

    // MARK: - Construction and arithmetic

    @Test func constants() {
        #expect(tenPowers.count == 19)
        for (k, power) in tenPowers.enumerated() {
            #expect(Int128(power) == (0..<k).reduce(Int128(1)) { r, _ in r * 10 })
        }
        #expect(Price.unit == 100_000_000)
        #expect(Price.zero.mantissa == 0 && Price.zero.isZero && !Price.zero.isNegative)
        #expect(Price(mantissa: -1).isNegative && !Price(mantissa: -1).isZero)
        #expect(Price(mantissa: 1) < Price(mantissa: 2))
        #expect(Price(mantissa: -2) < Price(mantissa: 1))
        #expect([Price(mantissa: 3), Price(mantissa: -1), Price(mantissa: 0)].sorted().map(\.mantissa) == [-1, 0, 3])
    }

    @Test func fromInteger() {
        #expect(Quantity(integer: 3)?.mantissa == 300_000_000)
        #expect(Quantity(integer: -3)?.mantissa == -300_000_000)
        #expect(Quantity(integer: 0)?.mantissa == 0)
        #expect(Quantity(integer: 92_233_720_368)?.mantissa == 9_223_372_036_800_000_000)
        #expect(Quantity(integer: 92_233_720_369) == nil)
        #expect(Quantity(integer: -92_233_720_369) == nil)
        #expect(Quantity(integer: .max) == nil)
        #expect(Quantity(integer: .min) == nil)
    }

    static let unitCases: [(Int64, Int, Int64?)] = [
        (1_674_100, 4, 16_741_000_000),
        (1, 8, 1),
        (1, 9, nil),
        (10, 9, 1),
        (-10, 9, -1),
        (15, 10, nil),
        (100, 10, 1),
        (1, 0, 100_000_000),
        (1, -10, 1_000_000_000_000_000_000),
        (1, -11, nil),
        (0, -11, 0),
        (0, -1_000, 0),
        (0, 1_000, 0),
        (1, -1_000, nil),
        (1, 1_000, nil),
        (1, .min, nil),
        (1, .max, nil),
        (0, .min, 0),
        (0, .max, 0),
        (.max, 27, nil),
        (.max, 26, nil),
        (.max, 8, .max),
        (.min, 8, .min),
        (.min, 7, nil),
        (9_000_000_000_000_000_000, 26, 9),
        (9_000_000_000_000_000_001, 26, nil),
        (1_000_000_000_000_000_000, 26, 1),
        (-1_000_000_000_000_000_000, 26, -1),
        (5_000_000_000_000_000_000, 27, nil),
    ]

    @Test(arguments: unitCases)
    func fromUnitsAndExponent(units: Int64, exponent: Int, mantissa: Int64?) {
        #expect(Price(units: units, exponent: exponent)?.mantissa == mantissa)
    }

    @Test func fromUnitsMatchesReference() {
        var random = SplitMix64(seed: 0x0417)
        for _ in 0..<3_000 {
            let units =
                Bool.random(using: &random)
                ? Int64.random(in: .min ... .max, using: &random)
                : Int64.random(in: -1_000_000...1_000_000, using: &random) * 1_000
            let exponent = Int.random(in: -15...30, using: &random)
            // value = units × 10^-exponent; mantissa = units × 10^(8 - exponent), if that is an exact Int64.
            var expected: Int64?
            let shift = 8 - exponent
            if shift >= 0 {
                var product = Int128(units)
                for _ in 0..<shift where product.magnitude < UInt128(1) << 100 { product *= 10 }
                expected = Int64(exactly: product)
                if units == 0 { expected = 0 }
            } else {
                var divisor = Int128(1)
                for _ in 0..<(-shift) { divisor *= 10 }
                expected = Int128(units) % divisor == 0 ? Int64(exactly: Int128(units) / divisor) : nil
            }
            #expect(Price(units: units, exponent: exponent)?.mantissa == expected, "\(units)e-\(exponent)")
        }
    }

    @Test func arithmeticMatchesInt128() throws {
        var random = SplitMix64(seed: 0xA417)
        func sample(_ random: inout SplitMix64) -> Int64 {
            switch Int.random(in: 0...3, using: &random) {
            case 0: Int64.random(in: .min ... .max, using: &random)
            case 1: Int64.random(in: -1_000_000_000...1_000_000_000, using: &random)
            case 2: [.min, .max, 0, 1, -1, .max - 1, .min + 1][Int.random(in: 0...6, using: &random)]
            default: Int64.random(in: -4...4, using: &random) * (Int64.max / 4)
            }
        }
        for _ in 0..<5_000 {
            let a = sample(&random)
            let b = sample(&random)
            let (x, y) = (Quantity(mantissa: a), Quantity(mantissa: b))
            for (result, exact) in [
                (Result { try x.adding(y).mantissa }, Int128(a) + Int128(b)),
                (Result { try x.subtracting(y).mantissa }, Int128(a) - Int128(b)),
                (Result { try x.multiplied(by: b).mantissa }, Int128(a) * Int128(b)),
            ] {
                if let fits = Int64(exactly: exact) {
                    #expect(try result.get() == fits)
                } else {
                    #expect(throws: StrataError.self) { try result.get() }
                    #expect((try? result.get()) == nil)
                    if case .failure(let error as StrataError) = result { #expect(error.code == .overflow) }
                }
            }
        }
    }

    @Test func overflowErrorSaysWhat() {
        let error = #expect(throws: StrataError.self) { try Price(mantissa: .max).adding(Price(mantissa: 1)) }
        #expect(error?.code == .overflow)
        #expect(error?.message.contains("92233720368.54775807") == true)
        #expect(error?.message.contains("Price") == true)
        #expect(
            (#expect(throws: StrataError.self) { try Price(mantissa: .min).subtracting(Price(mantissa: 1)) })?.code
                == .overflow)
        #expect(
            (#expect(throws: StrataError.self) { try Quantity(mantissa: 2).multiplied(by: .max) })?.code == .overflow)
        #expect(
            (#expect(throws: StrataError.self) { try Quantity(mantissa: .min).multiplied(by: -1) })?.code == .overflow)
    }

    // MARK: - Codable

    @Test func codableIsAString() throws {
        let data = try JSONEncoder().encode([
            Price(mantissa: 6_412_345_000_000), Price(mantissa: -1), Price(mantissa: .min),
        ])
        #expect(String(decoding: data, as: UTF8.self) == #"["64123.45","-0.00000001","-92233720368.54775808"]"#)
        #expect(try JSONDecoder().decode([Price].self, from: data).map(\.mantissa) == [6_412_345_000_000, -1, .min])
        #expect(
            try JSONDecoder().decode([Quantity].self, from: Data(#"["1e-8","5."]"#.utf8)).map(\.mantissa) == [
                1, 500_000_000,
            ])
        // A JSON number would have gone through a binary float somewhere: it is refused.
        #expect(throws: DecodingError.self) { try JSONDecoder().decode([Price].self, from: Data("[1.5]".utf8)) }
        let error = #expect(throws: ValidationError.self) {
            try JSONDecoder().decode([Price].self, from: Data(#"["NaN"]"#.utf8))
        }
        #expect(error?.rule == .notFinite)
    }
}

extension DecimalParser.Failure {
    var rule: ValidationError.Rule {
        switch self {
        case .notANumber: .notANumber
        case .notFinite: .notFinite
        case .tooPrecise: .tooPrecise
        case .overflow: .overflow
        }
    }
}
