/// Indicators computed over a run of bars, oldest first, in fixed point (see ``Indicator``).
///
/// Every value is an `Int128` mantissa at ``workingScale`` (18 digits) while it is computed, and
/// rounded half away from zero to ``IndicatorValue/scale`` (8) at the end. Prices enter exactly
/// (scale 8 → 18); a division rounds once, at 18 digits, and the rounding of an exponential
/// average's steps stays below `0.5 × 10⁻¹⁸ / α`. (At 12 digits, RSI's ratio of two small
/// averages was off by 1e-8 on real minute bars: the declared precision needs the margin.)
public enum IndicatorSeries {
    /// Fractional digits of the values while they are computed.
    public static let workingScale = 18
    static let toWorking = Int128(10_000_000_000)  // 10^(18 − 8)
    static let one = Int128(1_000_000_000_000_000_000)  // 1 at the working scale
    /// Largest operand of ``ratio(_:_:times:)`` kept as it is: 2^60, so that × 100 × 10^18 fits.
    static let shareLimit = UInt128(1_152_921_504_606_846_976)

    /// One output while it is computed: a value per bar, defined from `start` on (the values
    /// before it are placeholders).
    struct Column {
        var values: [Int128]
        var start: Int

        static func undefined(_ count: Int) -> Column {
            Column(values: [Int128](repeating: 0, count: count), start: count)
        }
    }

    /// The columns of `indicator` for `bars` (one value per bar, nil where it is not defined yet),
    /// in the order of ``Indicator/columns``; `anchor` is the index of the first bar asked for
    /// (VWAP starts there; the bars before it are warm-up).
    /// - Throws: ``StrataError`` `.overflow` when a value leaves the range of a price (±92 billion).
    public static func compute(_ indicator: Indicator, over bars: [Bar], anchor: Int = 0) throws -> [[IndicatorValue?]]
    {
        let closes = bars.map { Int128($0.close.mantissa) * toWorking }
        let working: [Column]
        switch indicator {
        case .sma(let period): working = [sma(closes, period)]
        case .ema(let period): working = [ema(closes, period)]
        case .rsi(let period): working = [rsi(closes, period)]
        case .macd(let fast, let slow, let signal): working = macd(closes, fast: fast, slow: slow, signal: signal)
        case .bollinger(let period, let width): working = try bollinger(bars, period, width: width)
        case .atr(let period): working = [atr(bars, period)]
        case .vwap: working = [try vwap(bars, anchor: anchor)]
        }
        return try working.map { column in
            var out = [IndicatorValue?](repeating: nil, count: column.values.count)
            for index in column.start..<column.values.count {
                let mantissa = divide(column.values[index], by: UInt64(toWorking))
                guard mantissa >= Int128(Int64.min) && mantissa <= Int128(Int64.max) else {
                    throw StrataError(.overflow, "\(indicator) is beyond ±92 billion")
                }
                out[index] = IndicatorValue(mantissa: Int64(truncatingIfNeeded: mantissa))
            }
            return out
        }
    }

    /// `a / b` rounded half away from zero.
    @inline(__always) static func divide(_ a: Int128, _ b: Int128) -> Int128 {
        if b > 0, b <= Int128(UInt64.max) { return divide(a, by: UInt64(b)) }
        let (quotient, remainder) = a.quotientAndRemainder(dividingBy: b)
        guard remainder != 0, 2 * remainder.magnitude >= b.magnitude else { return quotient }
        return (a < 0) == (b < 0) ? quotient + 1 : quotient - 1
    }

    /// `a / d` rounded half away from zero, with two 128-by-64-bit hardware divisions (the
    /// general 128-bit division is a library call several times slower, and the indicators
    /// divide by periods and powers of ten).
    @inline(__always) static func divide(_ a: Int128, by d: UInt64) -> Int128 {
        let magnitude = a.magnitude
        // (Shifts by a same-typed count: the generic `>>`/`<<` go through witness calls.)
        let high = UInt64(truncatingIfNeeded: magnitude &>> (64 as UInt128))
        let low = UInt64(truncatingIfNeeded: magnitude)
        let (quotientHigh, carry) = high.quotientAndRemainder(dividingBy: d)
        let (quotientLow, remainder) = d.dividingFullWidth((carry, low))
        var quotient = UInt128(quotientHigh) &<< (64 as UInt128) | UInt128(quotientLow)
        if remainder >= d - remainder && remainder != 0 { quotient += 1 }  // 2r ≥ d, without overflow
        return a < 0 ? -Int128(quotient) : Int128(quotient)
    }

    /// Simple moving average: defined from index `period − 1`.
    static func sma(_ values: [Int128], _ period: Int) -> Column {
        var column = Column.undefined(values.count)
        column.start = period - 1
        var sum: Int128 = 0
        for index in values.indices {
            sum += values[index]
            if index >= period { sum -= values[index - period] }
            if index >= period - 1 { column.values[index] = divide(sum, by: UInt64(period)) }
        }
        return column
    }

    /// An exponential average with α = `numerator / denominator` of `values` from `from` on,
    /// seeded with the mean of the first `period` of them: defined from `from + period − 1`.
    static func exponential(
        _ values: [Int128], from: Int, period: Int, alpha: (numerator: Int128, denominator: UInt64)
    ) -> Column {
        var column = Column.undefined(values.count)
        let seedEnd = from + period - 1
        guard seedEnd < values.count else { return column }
        column.start = seedEnd
        var sum: Int128 = 0
        for index in from...seedEnd { sum += values[index] }
        var average = divide(sum, by: UInt64(period))
        column.values[seedEnd] = average
        for index in (seedEnd + 1)..<values.count {
            average += divide(alpha.numerator * (values[index] - average), by: alpha.denominator)
            column.values[index] = average
        }
        return column
    }

    /// EMA, α = 2 / (period + 1): defined from index `period − 1`.
    static func ema(_ values: [Int128], _ period: Int) -> Column {
        exponential(values, from: 0, period: period, alpha: (2, UInt64(period) + 1))
    }

    /// Wilder's RSI: defined from index `period` (it needs `period` changes).
    static func rsi(_ closes: [Int128], _ period: Int) -> Column {
        guard closes.count > 1 else { return .undefined(closes.count) }
        var gains = [Int128](repeating: 0, count: closes.count)
        var losses = gains
        for index in 1..<closes.count {
            let change = closes[index] - closes[index - 1]
            if change > 0 { gains[index] = change } else { losses[index] = -change }
        }
        let gain = exponential(gains, from: 1, period: period, alpha: (1, UInt64(period)))
        let loss = exponential(losses, from: 1, period: period, alpha: (1, UInt64(period)))
        var column = Column.undefined(closes.count)
        column.start = gain.start
        for index in gain.start..<closes.count {
            let (g, l) = (gain.values[index], loss.values[index])
            column.values[index] = g + l == 0 ? 0 : ratio(g, g + l, times: 100)
        }
        return column
    }

    /// `a × factor / b` at the working scale, for `0 ≤ a ≤ b` (a share) and `factor ≤ 100`: to
    /// 18 significant digits at any magnitude of `a` and `b`.
    static func ratio(_ a: Int128, _ b: Int128, times factor: Int128) -> Int128 {
        var (a, b) = (a, b)
        // a × factor × 10^18 must fit: shrink both (their ratio barely moves) when they are huge.
        while a.magnitude > shareLimit || b.magnitude > shareLimit {
            a /= 10
            b /= 10
        }
        guard b != 0 else { return 0 }
        return divide(a * factor * one, b)
    }

    /// MACD line (from `slow − 1`), signal (from `slow + signal − 2`) and histogram. As TA-Lib
    /// does, both averages start at `slow − 1`: the fast one seeded with the mean of the `fast`
    /// closes ending there.
    static func macd(_ closes: [Int128], fast: Int, slow: Int, signal: Int) -> [Column] {
        let fastEMA = exponential(closes, from: slow - fast, period: fast, alpha: (2, UInt64(fast) + 1))
        let slowEMA = ema(closes, slow)
        var line = Column.undefined(closes.count)
        line.start = slowEMA.start
        for index in line.start..<closes.count { line.values[index] = fastEMA.values[index] - slowEMA.values[index] }
        let signalLine = exponential(line.values, from: line.start, period: signal, alpha: (2, UInt64(signal) + 1))
        var histogram = Column.undefined(closes.count)
        histogram.start = signalLine.start
        for index in histogram.start..<closes.count {
            histogram.values[index] = line.values[index] - signalLine.values[index]
        }
        return [line, signalLine, histogram]
    }

    /// Lower, middle and upper band: SMA ± width × population standard deviation.
    ///
    /// The deviation is exact before its one rounding: with the window's sums of closes S₁ and of
    /// their squares S₂ (integers, kept as the window moves), n²σ² = n·S₂ − S₁² exactly, and
    /// σ = √(n·S₂ − S₁²) / n, the root taken of an integer scaled by the largest power of 100
    /// that fits (≥ 10 more digits at any realistic price).
    static func bollinger(_ bars: [Bar], _ period: Int, width: IndicatorValue) throws -> [Column] {
        var lower = Column.undefined(bars.count)
        lower.start = min(bars.count, period - 1)
        var middle = lower
        var upper = lower
        let n = Int128(period)
        var sum: Int128 = 0
        var squares: Int128 = 0
        func fail() -> StrataError {
            StrataError(.overflow, "bollinger(\(period),\(width)): the closes are beyond what it can square")
        }
        for index in bars.indices {
            let close = Int128(bars[index].close.mantissa)
            sum += close
            squares = try add(squares, close * close, or: fail)
            if index >= period {
                let leaving = Int128(bars[index - period].close.mantissa)
                sum -= leaving
                squares -= leaving * leaving
            }
            guard index >= period - 1 else { continue }
            // n·S₂ − S₁² at scale 16 (mantissas squared), never negative.
            let (scaledSquares, overflow) = squares.multipliedReportingOverflow(by: n)
            let (sumSquared, overflowSum) = sum.multipliedReportingOverflow(by: sum)
            guard !overflow, !overflowSum else { throw fail() }
            var spread = UInt128(max(0, scaledSquares - sumSquared))
            // √(spread × 100^k) / n is σ at scale 8 + k; k up to 10 (scale 18).
            var k = 0
            while k < 10, spread <= UInt128.max / 100 {
                spread *= 100
                k += 1
            }
            let root = Int128(squareRoot(spread))
            let deviation = divide(root * pow10(18 - 8 - k), by: UInt64(period))  // at 18 digits
            let mean = divide(sum * toWorking, by: UInt64(period))
            let band = divide(deviation * Int128(width.mantissa), by: UInt64(IndicatorValue.unit))
            middle.values[index] = mean
            lower.values[index] = mean - band
            upper.values[index] = mean + band
        }
        return [lower, middle, upper]
    }

    static func add(_ a: Int128, _ b: Int128, or failure: () -> StrataError) throws -> Int128 {
        let (sum, overflow) = a.addingReportingOverflow(b)
        guard !overflow else { throw failure() }
        return sum
    }

    /// 10^exponent, for 0 ≤ exponent ≤ 38.
    static func pow10(_ exponent: Int) -> Int128 {
        var value: Int128 = 1
        for _ in 0..<exponent { value *= 10 }
        return value
    }

    /// √value rounded to the nearest integer, exactly: a binary float's root is only the first
    /// guess, which integer Newton steps and a final check correct.
    static func squareRoot(_ value: UInt128) -> UInt128 {
        guard value > 1 else { return value }
        // (From the two halves: converting a UInt128 to Double directly is a slow generic path.)
        let high = Double(UInt64(truncatingIfNeeded: value &>> (64 as UInt128)))
        let approximate = (high * 18_446_744_073_709_551_616.0 + Double(UInt64(truncatingIfNeeded: value))).squareRoot()
        var x = max(1, approximate >= 18_446_744_073_709_551_615.0 ? UInt128(UInt64.max) : UInt128(UInt64(approximate)))
        // Newton steps from a guess good to ~16 digits leave it within one of ⌊√value⌋.
        for _ in 0..<2 { x = max(1, (x + value / x) / 2) }
        while x > value / x { x -= 1 }  // x² > value, without forming x²
        while x + 1 <= value / (x + 1) { x += 1 }
        // x = ⌊√value⌋; round to nearest: value − x² > x means √value > x + ½.
        return value - x * x > x ? x + 1 : x
    }

    /// Wilder's ATR: defined from index `period` (true ranges start at index 1).
    static func atr(_ bars: [Bar], _ period: Int) -> Column {
        var ranges = [Int128](repeating: 0, count: bars.count)
        for index in bars.indices.dropFirst() {
            let high = Int128(bars[index].high.mantissa)
            let low = Int128(bars[index].low.mantissa)
            let previous = Int128(bars[index - 1].close.mantissa)
            ranges[index] =
                max(high - low, high - previous, previous - high, low - previous, previous - low) * toWorking
        }
        return exponential(ranges, from: 1, period: period, alpha: (1, UInt64(period)))
    }

    /// Σ notional / Σ volume of the bars from `anchor` on (undefined before, and while no volume).
    static func vwap(_ bars: [Bar], anchor: Int) throws -> Column {
        var column = Column.undefined(bars.count)
        var notional: Int128 = 0
        var volume: Int128 = 0
        for index in bars.indices where index >= anchor {
            let (sum, overflow) = notional.addingReportingOverflow(bars[index].notional.mantissa)
            guard !overflow else { throw StrataError(.overflow, "vwap: the window's notional is beyond Int128") }
            notional = sum
            volume += bars[index].volume.mantissa
            guard volume > 0 else { continue }
            column.start = min(column.start, index)
            // notional is at 16 digits, volume at 8: notional / volume is a price at 8; ×10^10 for 18.
            let (scaled, tooLarge) = notional.multipliedReportingOverflow(by: toWorking)
            column.values[index] = tooLarge ? divide(notional, volume) * toWorking : divide(scaled, volume)
        }
        return column
    }
}
