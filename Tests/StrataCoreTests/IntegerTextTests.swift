import StrataCore
import Testing

@Suite("Integer text")
struct IntegerTextTests {
    @Test(arguments: [Int64.min, Int64.min + 1, -10, -9, -1, 0, 1, 9, 10, 99, 100, 1_000_000, Int64.max - 1, Int64.max])
    func printsWhatStringPrints(value: Int64) {
        var bytes: [UInt8] = []
        UTF8Cursor.append(to: &bytes, capacity: 20) { $0.write(value) }
        #expect(String(decoding: bytes, as: UTF8.self) == String(value))
        #expect(IntegerText.int64(bytes) == value)
    }

    @Test func randomValuesRoundTrip() {
        var random = SplitMix64(seed: 0x1_7E47)
        for _ in 0..<20_000 {
            // Every magnitude: shift a random value right by a random amount.
            let value = Int64.random(in: .min ... .max, using: &random) >> Int64.random(in: 0...62, using: &random)
            var bytes: [UInt8] = []
            UTF8Cursor.append(to: &bytes, capacity: 20) { $0.write(value) }
            #expect(String(decoding: bytes, as: UTF8.self) == String(value))
        }
    }

    @Test func padsToTheMinimumDigitsAndAppends() {
        var bytes = Array("x=".utf8)
        UTF8Cursor.append(to: &bytes, capacity: 20) { $0.writeDigits(UInt64(7), minimumDigits: 3) }
        UTF8Cursor.append(to: &bytes, capacity: 20) { $0.writeDigits(UInt64(1234), minimumDigits: 2) }
        UTF8Cursor.append(to: &bytes, capacity: 20) { $0.writeDigits(UInt64(0), minimumDigits: 9) }
        UTF8Cursor.append(to: &bytes, capacity: 25) { $0.writeDigits(UInt64.max, minimumDigits: 25) }
        #expect(String(decoding: bytes, as: UTF8.self) == "x=0071234000000000" + "00000" + String(UInt64.max))
    }

    /// The one Int64 parser (CSV, line protocol, timestamps): invalid and out-of-range told
    /// apart, leading zeros beyond 19 digits read, every case agreeing with `Int64(_: String)`.
    @Test func parsesWhatInt64Parses() {
        let cases = [
            "0", "-0", "+0", "7", "-7", "+7", "9223372036854775807", "-9223372036854775808", "9223372036854775808",
            "-9223372036854775809", "00000000000000000000000042", "-0000000000000000000009223372036854775808",
            "18446744073709551616", "99999999999999999999999", "", "-", "+", "1.5", " 1", "1 ", "0x10", "--1", "1e3",
        ]
        for text in cases {
            let outcome = Array(text.utf8).withUnsafeBufferPointer { IntegerText.parse($0) }
            let digits = text.first == "+" || text.first == "-" ? text.dropFirst() : Substring(text)
            let expected: IntegerText.Outcome =
                if let value = Int64(text) {
                    .value(value)
                } else if !digits.isEmpty && digits.allSatisfy(\.isASCIIDigit) {
                    .outOfRange
                } else {
                    .invalid
                }
            #expect(outcome == expected, "\(text)")
        }
    }
}

extension Character {
    fileprivate var isASCIIDigit: Bool { ("0"..."9").contains(self) }
}
