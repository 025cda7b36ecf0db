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

    /// The columns of `indicator` for `bars` (one value per bar, nil where it is not defined yet),
    /// in the order of ``Indicator/columns``; `anchor` is the index of the first bar asked for
    /// (VWAP starts there; the bars before it are warm-up).
    /// - Throws: ``StrataError`` `.overflow` when a value leaves the range of a price (±92 billion).
    public static func compute(_ indicator: Indicator, over bars: [Bar], anchor: Int = 0) throws -> [[IndicatorValue?]]
    {
        let closes = bars.map { Int128($0.close.mantissa) * toWorking }
        let working: [[Int128?]]
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
            try column.map { value in try value.map { try rounded($0, indicator: indicator) } }
        }
    }

    /// `a / b` rounded half away from zero.
    @inline(__always) static func divide(_ a: Int128, _ b: Int128) -> Int128 {
        let (quotient, remainder) = a.quotientAndRemainder(dividingBy: b)
        guard remainder != 0, 2 * remainder.magnitude >= b.magnitude else { return quotient }
        return (a < 0) == (b < 0) ? quotient + 1 : quotient - 1
    }

    /// A working value as an ``IndicatorValue``.
    static func rounded(_ value: Int128, indicator: Indicator) throws -> IndicatorValue {
        let mantissa = divide(value, toWorking)
        guard let exact = Int64(exactly: mantissa) else {
            throw StrataError(.overflow, "\(indicator) is beyond ±92 billion")
        }
        return IndicatorValue(mantissa: exact)
    }

    /// Simple moving average: defined from index `period − 1`.
    static func sma(_ values: [Int128], _ period: Int) -> [Int128?] {
        var out = [Int128?](repeating: nil, count: values.count)
        var sum: Int128 = 0
        for index in values.indices {
            sum += values[index]
            if index >= period { sum -= values[index - period] }
            if index >= period - 1 { out[index] = divide(sum, Int128(period)) }
        }
        return out
    }

    /// An exponential average with α = `numerator / denominator` of the values from `start` on
    /// (nil before), seeded with the mean of the first `period` of them.
    static func exponential(
        _ values: [Int128?], period: Int, alpha: (numerator: Int128, denominator: Int128), start: Int = 0
    ) -> [Int128?] {
        var out = [Int128?](repeating: nil, count: values.count)
        let seedEnd = start + period - 1
        guard seedEnd < values.count else { return out }
        var sum: Int128 = 0
        for index in start...seedEnd { sum += values[index] ?? 0 }
        var average = divide(sum, Int128(period))
        out[seedEnd] = average
        for index in (seedEnd + 1)..<values.count {
            let value = values[index] ?? average
            average += divide(alpha.numerator * (value - average), alpha.denominator)
            out[index] = average
        }
        return out
    }

    /// EMA, α = 2 / (period + 1): defined from index `period − 1`.
    static func ema(_ values: [Int128], _ period: Int) -> [Int128?] {
        exponential(values.map { $0 }, period: period, alpha: (2, Int128(period) + 1))
    }

    /// Wilder's RSI: defined from index `period` (it needs `period` changes).
    static func rsi(_ closes: [Int128], _ period: Int) -> [Int128?] {
        guard closes.count > 1 else { return [Int128?](repeating: nil, count: closes.count) }
        var gains: [Int128?] = [nil]
        var losses: [Int128?] = [nil]
        for index in 1..<closes.count {
            let change = closes[index] - closes[index - 1]
            gains.append(max(change, 0))
            losses.append(max(-change, 0))
        }
        let gain = exponential(gains, period: period, alpha: (1, Int128(period)), start: 1)
        let loss = exponential(losses, period: period, alpha: (1, Int128(period)), start: 1)
        return zip(gain, loss).map { gain, loss in
            guard let gain, let loss else { return nil }
            return gain + loss == 0 ? 0 : ratio(gain, gain + loss, times: 100)
        }
    }

    /// `a × factor / b` at the working scale, for `0 ≤ a ≤ b` (a share) and `factor ≤ 100`: to
    /// 18 significant digits at any magnitude of `a` and `b`.
    static func ratio(_ a: Int128, _ b: Int128, times factor: Int128) -> Int128 {
        var (a, b) = (a, b)
        // a × factor × 10^18 must fit: shrink both (their ratio barely moves) when they are huge.
        while a.magnitude > UInt128(1) << 60 || b.magnitude > UInt128(1) << 60 {
            a /= 10
            b /= 10
        }
        guard b != 0 else { return 0 }
        return divide(a * factor * one, b)
    }

    /// MACD line (from `slow − 1`), signal (from `slow + signal − 2`) and histogram. As TA-Lib
    /// does, both averages start at `slow − 1`: the fast one seeded with the mean of the `fast`
    /// closes ending there.
    static func macd(_ closes: [Int128], fast: Int, slow: Int, signal: Int) -> [[Int128?]] {
        let values = closes.map { Optional($0) }
        let fastEMA = exponential(values, period: fast, alpha: (2, Int128(fast) + 1), start: slow - fast)
        let slowEMA = ema(closes, slow)
        let line = zip(fastEMA, slowEMA).map { fast, slow in fast.flatMap { fast in slow.map { fast - $0 } } }
        let signalLine = exponential(line, period: signal, alpha: (2, Int128(signal) + 1), start: slow - 1)
        let histogram = zip(line, signalLine).map { line, signal in line.flatMap { line in signal.map { line - $0 } } }
        return [line, signalLine, histogram]
    }

    /// Lower, middle and upper band: SMA ± width × population standard deviation.
    ///
    /// The deviation is exact before its one rounding: with the window's sums of closes S₁ and of
    /// their squares S₂ (integers, kept as the window moves), n²σ² = n·S₂ − S₁² exactly, and
    /// σ = √(n·S₂ − S₁²) / n, the root taken of an integer scaled by the largest power of 100
    /// that fits (≥ 10 more digits at any realistic price).
    static func bollinger(_ bars: [Bar], _ period: Int, width: IndicatorValue) throws -> [[Int128?]] {
        var lower = [Int128?](repeating: nil, count: bars.count)
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
            let deviation = divide(root * pow10(18 - 8 - k), n)  // at 18 digits
            let mean = divide(sum * toWorking, n)
            let band = divide(deviation * Int128(width.mantissa), Int128(IndicatorValue.unit))
            middle[index] = mean
            lower[index] = mean - band
            upper[index] = mean + band
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
        var x = max(1, UInt128(Double(value).squareRoot()))
        // Newton steps from a guess good to ~16 digits leave it within one of ⌊√value⌋.
        for _ in 0..<2 { x = max(1, (x + value / x) / 2) }
        while x > value / x { x -= 1 }  // x² > value, without forming x²
        while x + 1 <= value / (x + 1) { x += 1 }
        // x = ⌊√value⌋; round to nearest: value − x² > x means √value > x + ½.
        return value - x * x > x ? x + 1 : x
    }

    /// Wilder's ATR: defined from index `period` (true ranges start at index 1).
    static func atr(_ bars: [Bar], _ period: Int) -> [Int128?] {
        var ranges: [Int128?] = [nil]
        for index in bars.indices.dropFirst() {
            let high = Int128(bars[index].high.mantissa)
            let low = Int128(bars[index].low.mantissa)
            let previous = Int128(bars[index - 1].close.mantissa)
            ranges.append(
                max(high - low, (high - previous).magnitude.int128, (low - previous).magnitude.int128) * toWorking)
        }
        return exponential(ranges, period: period, alpha: (1, Int128(period)), start: 1)
    }

    /// Σ notional / Σ volume of the bars from `anchor` on (nil before, and while no volume).
    static func vwap(_ bars: [Bar], anchor: Int) throws -> [Int128?] {
        var out = [Int128?](repeating: nil, count: bars.count)
        var notional: Int128 = 0
        var volume: Int128 = 0
        for index in bars.indices where index >= anchor {
            let (sum, overflow) = notional.addingReportingOverflow(bars[index].notional.mantissa)
            guard !overflow else { throw StrataError(.overflow, "vwap: the window's notional is beyond Int128") }
            notional = sum
            volume += bars[index].volume.mantissa
            guard volume > 0 else { continue }
            // notional is at 16 digits, volume at 8: notional / volume is a price at 8; ×10^10 for 18.
            let (scaled, tooLarge) = notional.multipliedReportingOverflow(by: toWorking)
            out[index] = tooLarge ? divide(notional, volume) * toWorking : divide(scaled, volume)
        }
        return out
    }
}

extension UInt128 {
    fileprivate var int128: Int128 { Int128(self) }
}
