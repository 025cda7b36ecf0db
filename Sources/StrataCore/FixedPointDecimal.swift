/// A fixed-point decimal: an `Int64` mantissa and a fixed number of fractional digits.
///
/// ``Price`` and ``Quantity`` conform; the value is `mantissa / 10^scale`, exactly. Parsing
/// never goes through binary floating point, and printing gives back exactly what was parsed.
///
/// **Decisions** (documented because feeds differ):
/// - Exponent notation is accepted when the result is exact: `1e-8` is `0.00000001`, `1.5E3`
///   is `1500`. Python's `repr` of small floats and some ILP clients produce it.
/// - More fractional digits than the scale are accepted only if the extra digits are zeros
///   (`1.0000000000` is fine); otherwise ``ValidationError/Rule/tooPrecise`` — never rounded.
/// - `NaN`, `Infinity`, `inf` are ``ValidationError/Rule/notFinite``; anything else that is not
///   `[+-]digits[.digits][e[+-]digits]` is ``ValidationError/Rule/notANumber``.
/// - The mantissa must fit in `Int64` (≈ ±92 billion at scale 8, `Int64.min` included so that every
///   value prints and parses back); beyond it, ``ValidationError/Rule/overflow``. Text that is
///   both too large and too precise is ``ValidationError/Rule/tooPrecise``.
public protocol FixedPointDecimal: Sendable, Hashable, Comparable, CustomStringConvertible, Codable {
    /// The number of fractional digits.
    static var scale: Int { get }
    /// The value times `10^scale`.
    var mantissa: Int64 { get }
    init(mantissa: Int64)
}

/// Powers of ten that fit in Int64, `tenPowers[k] == 10^k` for k in 0...18.
public let tenPowers: [Int64] = {
    var powers: [Int64] = [1]
    for _ in 1...18 { powers.append(powers.last! * 10) }
    return powers
}()

extension FixedPointDecimal {
    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.mantissa < rhs.mantissa }

    public static var zero: Self { Self(mantissa: 0) }

    /// `10^scale`, the mantissa of 1.
    public static var unit: Int64 { tenPowers[scale] }

    /// Parses decimal text exactly. See ``FixedPointDecimal`` for the accepted forms.
    ///
    /// ```swift
    /// let p = try Price("64123.45000000")   // mantissa 6_412_345_000_000
    /// ```
    /// - Parameters:
    ///   - text: the decimal text.
    ///   - field: the field name used in the error.
    /// - Throws: ``ValidationError`` naming `field`, the text and the rule.
    public init(_ text: String, field: String = "value") throws {
        var text = text
        let result = text.withUTF8 { DecimalParser.parse($0, scale: Self.scale) }
        switch result {
        case .success(let mantissa): self.init(mantissa: mantissa)
        case .failure(let failure): throw failure.error(field: field, value: text, scale: Self.scale)
        }
    }

    /// Parses decimal text from UTF-8 bytes; `nil` with the reason on failure. The fast path for
    /// CSV and line-protocol readers, which keep the bytes and build an error only when needed.
    @inlinable
    public static func parse(utf8 bytes: UnsafeBufferPointer<UInt8>) -> Result<Self, DecimalParser.Failure> {
        DecimalParser.parse(bytes, scale: scale).map { Self(mantissa: $0) }
    }

    /// An exact value from an integer (e.g. `Quantity(integer: 3)`), or `nil` if it overflows.
    public init?(integer: Int64) {
        let (m, overflow) = integer.multipliedReportingOverflow(by: Self.unit)
        if overflow { return nil }
        self.init(mantissa: m)
    }

    /// An exact value `units × 10^-exponent`, rescaled to this type's scale; `nil` if it would
    /// have to be rounded or overflows. `Price(units: 1674100, exponent: 4)` is 167.41.
    public init?(units: Int64, exponent: Int) {
        guard units != 0 else {
            self.init(mantissa: 0)
            return
        }
        if exponent <= Self.scale {
            // Any non-zero `units` × 10^19 or more overflows Int64.
            guard exponent >= Self.scale - 18 else { return nil }
            let (m, overflow) = units.multipliedReportingOverflow(by: tenPowers[Self.scale - exponent])
            if overflow { return nil }
            self.init(mantissa: m)
        } else {
            // |units| < 10^19, so no non-zero `units` is a multiple of 10^19 or more.
            guard exponent - Self.scale <= 18 else { return nil }
            let divisor = tenPowers[exponent - Self.scale]
            guard units % divisor == 0 else { return nil }
            self.init(mantissa: units / divisor)
        }
    }

    /// The shortest exact decimal text: `64123.45`, `0.00000001`, `-3`.
    public var description: String { DecimalFormatter.format(mantissa, scale: Self.scale, minimumFractionDigits: 0) }

    /// The exact decimal text with all `scale` fractional digits: `64123.45000000`.
    public var paddedDescription: String {
        DecimalFormatter.format(mantissa, scale: Self.scale, minimumFractionDigits: Self.scale)
    }

    public var isZero: Bool { mantissa == 0 }
    public var isNegative: Bool { mantissa < 0 }

    /// `self + other`, or ``StrataError/Code/overflow``.
    public func adding(_ other: Self) throws -> Self {
        let (sum, overflow) = mantissa.addingReportingOverflow(other.mantissa)
        if overflow { throw StrataError(.overflow, "\(self) + \(other) overflows \(Self.self)") }
        return Self(mantissa: sum)
    }

    /// `self - other`, or ``StrataError/Code/overflow``.
    public func subtracting(_ other: Self) throws -> Self {
        let (difference, overflow) = mantissa.subtractingReportingOverflow(other.mantissa)
        if overflow { throw StrataError(.overflow, "\(self) - \(other) overflows \(Self.self)") }
        return Self(mantissa: difference)
    }

    /// `self × factor` for an integer factor, or ``StrataError/Code/overflow``.
    public func multiplied(by factor: Int64) throws -> Self {
        let (product, overflow) = mantissa.multipliedReportingOverflow(by: factor)
        if overflow { throw StrataError(.overflow, "\(self) × \(factor) overflows \(Self.self)") }
        return Self(mantissa: product)
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        self = try Self(try container.decode(String.self))
    }

    /// Encoded as a JSON string so that no consumer parses it into a binary float by accident.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

/// The exact decimal parser behind ``FixedPointDecimal``, over UTF-8 bytes.
public enum DecimalParser {
    /// Why a text is not an acceptable decimal.
    public enum Failure: Error, Sendable, Hashable {
        case notANumber, notFinite, tooPrecise, overflow

        /// The ``ValidationError`` for this failure.
        public func error(field: String, value: String, scale: Int) -> ValidationError {
            switch self {
            case .notANumber:
                ValidationError(field: field, value: value, rule: .notANumber, detail: "expected a decimal number")
            case .notFinite: ValidationError(field: field, value: value, rule: .notFinite)
            case .tooPrecise:
                ValidationError(
                    field: field, value: value, rule: .tooPrecise, detail: "at most \(scale) fractional digits")
            case .overflow: ValidationError(field: field, value: value, rule: .overflow, detail: "magnitude too large")
            }
        }
    }

    /// Parses `[+-]digits[.digits][(e|E)[+-]digits]` into a mantissa at `scale`.
    public static func parse(_ bytes: UnsafeBufferPointer<UInt8>, scale: Int) -> Result<Int64, Failure> {
        let count = bytes.count
        var index = 0
        var negative = false
        if index < count, bytes[index] == 0x2D || bytes[index] == 0x2B {  // - +
            negative = bytes[index] == 0x2D
            index += 1
        }
        // Significant digits accumulate in `accumulator`; zeros are held back in `pendingZeros` and
        // only multiplied in when a non-zero digit follows, so long runs of trailing zeros never overflow.
        // Once the accumulator overflows it keeps its last (non-zero) value and only `pendingZeros`
        // is tracked, so that the position of the last non-zero digit is still known.
        var accumulator: UInt64 = 0
        var pendingZeros = 0
        var digitCount = 0
        var fractionDigits = 0
        var seenPoint = false
        var overflowed = false
        while index < count {
            let byte = bytes[index]
            let digit = byte &- 0x30
            if digit < 10 {
                digitCount += 1
                if seenPoint { fractionDigits += 1 }
                if digit == 0 {
                    if accumulator != 0 { pendingZeros += 1 }
                } else {
                    if !overflowed {
                        var value = accumulator
                        for _ in 0...pendingZeros where !overflowed {
                            let (times10, o) = value.multipliedReportingOverflow(by: 10)
                            overflowed = o
                            value = times10
                        }
                        let (sum, o) = value.addingReportingOverflow(UInt64(digit))
                        overflowed = overflowed || o
                        if !overflowed { accumulator = sum }
                    }
                    pendingZeros = 0
                }
            } else if byte == 0x2E, !seenPoint {  // .
                seenPoint = true
            } else {
                break
            }
            index += 1
        }
        if digitCount == 0 {
            return .failure(
                isNonFinite(bytes, from: index == 1 && count > 0 && (bytes[0] == 0x2D || bytes[0] == 0x2B) ? 1 : 0)
                    ? .notFinite : .notANumber)
        }
        var exponent = 0
        if index < count, bytes[index] == 0x65 || bytes[index] == 0x45 {  // e E
            index += 1
            var exponentNegative = false
            if index < count, bytes[index] == 0x2D || bytes[index] == 0x2B {
                exponentNegative = bytes[index] == 0x2D
                index += 1
            }
            var exponentDigits = 0
            while index < count, bytes[index] &- 0x30 < 10 {
                if exponent < 100_000 { exponent = exponent * 10 + Int(bytes[index] &- 0x30) }
                exponentDigits += 1
                index += 1
            }
            if exponentDigits == 0 { return .failure(.notANumber) }
            if exponentNegative { exponent = -exponent }
        }
        if index != count { return .failure(.notANumber) }
        if accumulator == 0 { return .success(0) }  // only all-zero digits leave it at zero
        // value = accumulator × 10^(pendingZeros + exponent - fractionDigits); the mantissa is that × 10^scale.
        // A non-zero digit below the scale makes the text too precise, however large it also is.
        let shift = pendingZeros + exponent - fractionDigits + scale
        if shift < 0 { return .failure(.tooPrecise) }  // accumulator has no trailing zeros to give
        if overflowed || shift > 18 { return .failure(.overflow) }
        let (scaled, o) = accumulator.multipliedReportingOverflow(by: UInt64(tenPowers[shift]))
        // The magnitude of Int64.min is one more than Int64.max: negative texts may reach it.
        let limit = negative ? Int64.min.magnitude : Int64.max.magnitude
        if o || scaled > limit { return .failure(.overflow) }
        return .success(negative ? Int64(bitPattern: 0 &- scaled) : Int64(scaled))
    }

    private static func isNonFinite(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int) -> Bool {
        let word = String(decoding: UnsafeBufferPointer(rebasing: bytes[start...]), as: UTF8.self).lowercased()
        return word == "nan" || word == "inf" || word == "infinity"
    }
}

/// Exact printing of a mantissa at a scale.
public enum DecimalFormatter {
    public static func format(_ mantissa: Int64, scale: Int, minimumFractionDigits: Int) -> String {
        UTF8Cursor.string(capacity: maximumBytes) {
            $0.write(mantissa: mantissa, scale: scale, minimumFractionDigits: minimumFractionDigits)
        }
    }

    /// The most bytes ``format(_:scale:minimumFractionDigits:)`` writes: a sign, 19 digits, a point.
    public static let maximumBytes = 21
}

extension UTF8Cursor {
    /// A decimal as ``DecimalFormatter/format(_:scale:minimumFractionDigits:)`` prints it, at most
    /// ``DecimalFormatter/maximumBytes`` bytes.
    public mutating func write(mantissa: Int64, scale: Int, minimumFractionDigits: Int = 0) {
        let magnitude = mantissa.magnitude
        let unit = UInt64(tenPowers[scale])
        let integerPart = magnitude / unit
        var fraction = magnitude % unit
        var fractionDigits = scale
        while fractionDigits > minimumFractionDigits, fraction % 10 == 0, fractionDigits > 0 {
            fraction /= 10
            fractionDigits -= 1
        }
        if mantissa < 0 { write(UInt8(ascii: "-")) }
        writeDigits(integerPart)
        if fractionDigits > 0 {
            write(UInt8(ascii: "."))
            writeDigits(fraction, minimumDigits: fractionDigits)
        }
    }

    /// A price, quantity… as its shortest exact text (`64123.45`).
    public mutating func write<D: FixedPointDecimal>(_ value: D) {
        write(mantissa: value.mantissa, scale: D.scale)
    }
}
