/// A sum of quantities: an `Int128` mantissa at the scale of ``Quantity`` (8 decimals).
///
/// A day of a meme coin's volume overflows `Int64` mantissas (≈ 9.2 × 10¹⁰ units at 8 decimals);
/// a `Volume` does not.
public struct Volume: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    public var mantissa: Int128

    public init(mantissa: Int128) { self.mantissa = mantissa }
    public init(_ quantity: Quantity) { mantissa = Int128(quantity.mantissa) }

    public static let zero = Volume(mantissa: 0)
    public static func < (lhs: Volume, rhs: Volume) -> Bool { lhs.mantissa < rhs.mantissa }

    /// Exact decimal text, shortest form (`12.5`, `0.001`).
    public var description: String { ExactDecimal.format(mantissa, scale: Quantity.scale) }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let mantissa = ExactDecimal.parse(text, scale: Quantity.scale) else {
            throw ValidationError(field: "volume", value: text, rule: .notANumber)
        }
        self.mantissa = mantissa
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

/// Exact text for Int128 mantissas (volumes, notionals).
public enum ExactDecimal {
    /// `mantissa / 10^scale` as the shortest exact decimal text, for any scale (a negative one
    /// multiplies by a power of ten).
    public static func format(_ mantissa: Int128, scale: Int) -> String {
        let sign = mantissa < 0 ? "-" : ""
        let digits = String(mantissa.magnitude)
        guard scale > 0 else {
            return sign + digits + (mantissa == 0 ? "" : String(repeating: "0", count: -scale))
        }
        let padded = String(repeating: "0", count: max(0, scale + 1 - digits.count)) + digits
        let integer = padded.dropLast(scale)
        var fraction = padded.suffix(scale)
        while fraction.last == "0" { fraction = fraction.dropLast() }
        return sign + integer + (fraction.isEmpty ? "" : "." + fraction)
    }

    /// Parses `[-]digits[.digits]` exactly at `scale`, or `nil`.
    public static func parse(_ text: String, scale: Int) -> Int128? {
        var negative = false
        var body = Substring(text)
        if body.hasPrefix("-") {
            negative = true
            body = body.dropFirst()
        }
        let parts = body.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count <= 2, let integerText = parts.first, !integerText.isEmpty || parts.count == 2 else {
            return nil
        }
        let fractionText = parts.count == 2 ? parts[1] : ""
        guard fractionText.count <= scale, (integerText + fractionText).allSatisfy(\.isASCII),
            (integerText + fractionText).allSatisfy(\.isNumber)
        else { return nil }
        var value: Int128 = 0
        for character in integerText + fractionText + String(repeating: "0", count: scale - fractionText.count) {
            let (times10, o1) = value.multipliedReportingOverflow(by: 10)
            let (sum, o2) = times10.addingReportingOverflow(Int128(character.wholeNumberValue!))
            if o1 || o2 { return nil }
            value = sum
        }
        return negative ? -value : value
    }
}
