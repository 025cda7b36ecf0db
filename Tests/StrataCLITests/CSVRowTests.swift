import Strata
import StrataCore
import StrataImport
import Testing

@Suite("CSVNumbers")
struct CSVNumbersTests {
    static func parse<T>(_ text: String, _ body: (UnsafeBufferPointer<UInt8>) -> T) -> T {
        var text = text
        return text.withUTF8(body)
    }

    /// The plain-decimal fast path agrees with `Price.parse(utf8:)` wherever it answers, and
    /// declines everything else.
    @Test func plainDecimalFastPathMatchesPriceParse() {
        var samples = [
            "0", "1", "64123.45", "64123.45000000", "0.00000001", "9999999999.99999999", "10000000000", "1.", ".5",
            "1.000000001", "1.0000000000", "-1", "+1", "1e3", "1.5E-2", "", "abc", "1..2", "12a", "00001.10",
            "123456789012345678901", "NaN", "1,5",
        ]
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<2_000 {
            let integer = String(UInt64.random(in: 0...99_999_999_999, using: &generator))
            let fraction = String(UInt64.random(in: 0...9_999_999_999, using: &generator))
            samples.append(integer + "." + fraction.prefix(Int.random(in: 1...10, using: &generator)))
        }
        for sample in samples {
            let fast = Self.parse(sample) { CSVNumbers.parsePlainDecimal($0, scale: Price.scale) }
            let general = Self.parse(sample) { Price.parse(utf8: $0) }
            if let fast {
                #expect(general == .success(Price(mantissa: fast)), "\(sample)")
            }
        }
        #expect(Self.parse("64123.45") { CSVNumbers.parsePlainDecimal($0, scale: 8) } == 6_412_345_000_000)
        #expect(Self.parse("1e3") { CSVNumbers.parsePlainDecimal($0, scale: 8) } == nil)
        #expect(Self.parse("1.000000001") { CSVNumbers.parsePlainDecimal($0, scale: 8) } == nil)
    }

    @Test(arguments: [
        ("0", Int64(0)), ("-1", -1), ("+7", 7), ("123456789012345678", 123_456_789_012_345_678),
        ("1719878281500000000", 1_719_878_281_500_000_000), ("9223372036854775807", .max),
        ("-9223372036854775808", .min),
    ])
    func integers(text: String, value: Int64) {
        #expect(Self.parse(text) { IntegerText.int64($0) } == value)
    }

    @Test(arguments: [
        "", "-", "+", "1.5", "12a", "9223372036854775808", "-9223372036854775809", "99999999999999999999", " 1",
    ])
    func notIntegers(text: String) {
        #expect(Self.parse(text) { IntegerText.int64($0) } == nil)
    }
}
