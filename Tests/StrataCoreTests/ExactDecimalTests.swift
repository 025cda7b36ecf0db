import StrataCore
import Testing

@Suite struct ExactDecimalTests {
    /// Any scale formats (decimals built in code may carry one no column holds): never a trap.
    @Test(arguments: [
        (Int128(0), 8, "0"), (Int128(-5), 2, "-0.05"), (Int128(123_450), 4, "12.345"), (Int128(7), -3, "7000"),
        (Int128(1), 40, "0." + String(repeating: "0", count: 39) + "1"), (Int128(-12), 0, "-12"),
    ])
    func formats(mantissa: Int128, scale: Int, text: String) {
        #expect(ExactDecimal.format(mantissa, scale: scale) == text)
    }
}
