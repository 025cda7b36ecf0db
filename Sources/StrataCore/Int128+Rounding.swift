extension Int128 {
    /// `self / divisor` rounded half to even — the rule of every exact average Strata answers (a
    /// bar's VWAP, an order's average fill price, the `vwap` aggregate on every backend) — or nil
    /// when the quotient does not fit (`Int128.min / -1`).
    /// - Precondition: `divisor` is not zero.
    public func dividedRoundingHalfToEven(by divisor: Int128) -> Int128? {
        guard !(self == .min && divisor == -1) else { return nil }
        let (quotient, remainder) = quotientAndRemainder(dividingBy: divisor)
        let twice = remainder.magnitude * 2
        guard twice > divisor.magnitude || (twice == divisor.magnitude && quotient % 2 != 0) else { return quotient }
        return quotient + ((self < 0) != (divisor < 0) ? -1 : 1)
    }
}
