/// A price: an exact decimal with 8 fractional digits (an `Int64` mantissa).
///
/// ```swift
/// let price = try Price("64123.45")
/// price.mantissa      // 6_412_345_000_000
/// price.description   // "64123.45"
/// ```
/// See ``FixedPointDecimal`` for parsing rules. Validation (``ValidationRules``) requires prices
/// to be strictly positive; the type itself can hold any value (spreads and P&L can be negative).
public struct Price: FixedPointDecimal {
    public static let scale = 8
    public var mantissa: Int64
    @inlinable public init(mantissa: Int64) { self.mantissa = mantissa }
}

/// A quantity (size, volume): an exact decimal with 8 fractional digits.
///
/// ```swift
/// let qty = try Quantity("0.00100000")
/// ```
public struct Quantity: FixedPointDecimal {
    public static let scale = 8
    public var mantissa: Int64
    @inlinable public init(mantissa: Int64) { self.mantissa = mantissa }
}

/// An exact product of a ``Price`` and a ``Quantity``: an `Int128` mantissa at scale 16.
///
/// It cannot overflow for any price × quantity, and sums of many notionals (VWAP numerators,
/// turnover) stay exact far beyond any real trading day.
///
/// ```swift
/// let n = Notional(price: try Price("64123.45"), quantity: try Quantity("0.5"))
/// n.description   // "32061.725"
/// ```
public struct Notional: Sendable, Hashable, Comparable, CustomStringConvertible {
    public static let scale = Price.scale + Quantity.scale
    public var mantissa: Int128

    public init(mantissa: Int128) { self.mantissa = mantissa }

    public init(price: Price, quantity: Quantity) {
        mantissa = Int128(price.mantissa) * Int128(quantity.mantissa)
    }

    public static let zero = Notional(mantissa: 0)
    public static func < (lhs: Notional, rhs: Notional) -> Bool { lhs.mantissa < rhs.mantissa }

    /// The sum, or ``StrataError/Code/overflow`` beyond ±1.7 × 10^22 (Int128 at scale 16: two products
    /// of maximal mantissas already reach it, realistic trading days never do).
    public func adding(_ other: Notional) throws -> Notional {
        let (sum, overflow) = mantissa.addingReportingOverflow(other.mantissa)
        if overflow { throw StrataError(.overflow, "notional sum overflows Int128") }
        return Notional(mantissa: sum)
    }

    /// The average price of `quantity` (a quantity mantissa) costing this notional: the quotient
    /// at the price's scale, rounded half to even; nil for zero quantity or a price beyond
    /// ``Price``'s range. A bar's VWAP and an order's average fill price.
    public func averagePrice(quantity: Int128) -> Price? {
        guard quantity != 0 else { return nil }
        // The notional has 16 decimals, the quantity 8: the quotient has 8.
        return mantissa.dividedRoundingHalfToEven(by: quantity).flatMap(Int64.init(exactly:)).map(Price.init(mantissa:))
    }

    /// Exact decimal text, shortest form.
    public var description: String {
        let unit = Int128(10_000_000_000_000_000)  // 10^16
        let magnitude = mantissa.magnitude
        let integerPart = magnitude / UInt128(unit)
        var fraction = magnitude % UInt128(unit)
        var digits = 16
        while digits > 0, fraction % 10 == 0 {
            fraction /= 10
            digits -= 1
        }
        var text = (mantissa < 0 ? "-" : "") + String(integerPart)
        if digits > 0 {
            let fractionText = String(fraction)
            text += "." + String(repeating: "0", count: digits - fractionText.count) + fractionText
        }
        return text
    }
}
