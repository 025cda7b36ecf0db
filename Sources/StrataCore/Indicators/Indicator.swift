/// A technical indicator over bars, computed when asked (nothing is stored beside the bars).
///
/// Definitions follow TA-Lib's, the reference most trading code is checked against:
/// - ``sma(period:)``: the mean of the last `period` closes.
/// - ``ema(period:)``: α = 2 / (period + 1), seeded with the SMA of the first `period` closes.
/// - ``rsi(period:)``: Wilder's: average gain and loss seeded with their means over the first
///   `period` changes, then smoothed with α = 1 / period; `100 × gain / (gain + loss)` (0 when
///   both are 0).
/// - ``macd(fast:slow:signal:)``: EMA(fast) − EMA(slow) of the closes (both starting at bar
///   `slow − 1`, the fast one seeded with the mean of the `fast` closes ending there), its
///   EMA(signal), and the difference of the two (the histogram).
/// - ``bollinger(period:width:)``: SMA(period) ± `width` population standard deviations.
/// - ``atr(period:)``: Wilder's average true range, seeded with the mean of the first `period`
///   true ranges (a true range needs the previous close: the first bar has none).
/// - ``vwap``: Σ notional / Σ volume from the first bar asked for (anchored at `from`), exact
///   sums of the trades; its column is `anchored_vwap` (each bar has its own `vwap` already).
///
/// Values are decimals with 8 fractional digits (``IndicatorValue``): computed in fixed point at
/// 18 digits, rounded half away from zero. Before an indicator has enough bars it is absent.
///
/// **Warm-up.** An indicator at the first bar asked for is computed from ``warmUpBars`` bars before
/// it (or every earlier bar, when fewer exist): the seed of an exponential average then weighs
/// less than 10⁻¹⁰ of the value, below the declared precision, so a window's values do not
/// depend on where it starts. SMA and Bollinger need `period − 1` bars; EMA(9) 112, EMA(21) 262,
/// EMA(50) 625, EMA(200) 2,502; RSI(14) and ATR(14) 325; MACD(12,26,9) 437; VWAP none.
public enum Indicator: Sendable, Hashable, CustomStringConvertible {
    case sma(period: Int)
    case ema(period: Int)
    case rsi(period: Int)
    case macd(fast: Int, slow: Int, signal: Int)
    case bollinger(period: Int, width: IndicatorValue)
    case atr(period: Int)
    case vwap

    /// Longest period accepted (a year of daily bars is 365; a day of minutes 1,440).
    public static let maximumPeriod = 10_000

    /// The named ones: EMA 9/21/50/200, RSI 14, MACD 12/26/9, Bollinger 20/2, ATR 14, VWAP.
    public static let standard: [Indicator] = [
        .ema(period: 9), .ema(period: 21), .ema(period: 50), .ema(period: 200), .rsi(period: 14),
        .macd(fast: 12, slow: 26, signal: 9), .bollinger(period: 20, width: IndicatorValue(mantissa: 2 * 100_000_000)),
        .atr(period: 14), .vwap,
    ]

    /// Parses one indicator: `sma(20)`, `ema(9)` (or `ema9`, `ema_9`), `rsi` (14) or `rsi(7)`,
    /// `macd` (12, 26, 9) or `macd(5,35,5)`, `bollinger` or `bb` (20, 2) or `bollinger(20,2.5)`,
    /// `atr` (14) or `atr(10)`, `vwap`. Case is ignored.
    /// - Throws: ``ValidationError`` naming `field` and the text: an unknown name, a missing or
    ///   extra argument, a period outside 1…``maximumPeriod``, MACD's fast not below its slow.
    public init(parsing text: String, field: String = "indicators") throws {
        let trimmed = text.trimmingWhitespace.lowercased()
        func fail(_ why: String) -> ValidationError {
            ValidationError(field: field, value: text, rule: .malformed, detail: why)
        }
        var name = trimmed
        var arguments: [String] = []
        if let open = trimmed.firstIndex(of: "(") {
            guard trimmed.hasSuffix(")") else { throw fail("expected name(arguments)") }
            name = String(trimmed[..<open])
            let inside = trimmed[trimmed.index(after: open)..<trimmed.index(before: trimmed.endIndex)]
            arguments = inside.split(separator: ",", omittingEmptySubsequences: false).map {
                String($0).trimmingWhitespace
            }
        } else if let digits = trimmed.firstIndex(where: \.isNumber) {
            // ema9, ema_9, sma20
            name = String(trimmed[..<digits])
            if name.hasSuffix("_") { name.removeLast() }
            arguments = [String(trimmed[digits...])]
        }
        func period(_ index: Int, default value: Int? = nil) throws -> Int {
            guard index < arguments.count else {
                if let value { return value }
                throw fail("\(name) needs a period, as \(name)(14)")
            }
            guard let period = Int(arguments[index]), (1...Self.maximumPeriod).contains(period) else {
                throw fail("a period is a whole number from 1 to \(Self.maximumPeriod), got '\(arguments[index])'")
            }
            return period
        }
        func arity(_ most: Int) throws {
            if arguments.count > most { throw fail("\(name) takes at most \(most) argument(s)") }
        }
        switch name {
        case "sma":
            try arity(1)
            self = .sma(period: try period(0))
        case "ema":
            try arity(1)
            self = .ema(period: try period(0))
        case "rsi":
            try arity(1)
            self = .rsi(period: try period(0, default: 14))
        case "atr":
            try arity(1)
            self = .atr(period: try period(0, default: 14))
        case "macd":
            try arity(3)
            let fast = try period(0, default: 12)
            let slow = try period(1, default: 26)
            let signal = try period(2, default: 9)
            guard fast < slow else { throw fail("MACD's fast period must be below its slow period") }
            self = .macd(fast: fast, slow: slow, signal: signal)
        case "bollinger", "bb", "bbands":
            try arity(2)
            let width: IndicatorValue
            if arguments.count > 1 {
                guard let parsed = try? IndicatorValue(arguments[1], field: field), parsed.mantissa > 0,
                    parsed.mantissa <= 100 * IndicatorValue.unit
                else { throw fail("Bollinger's width is a number of deviations above 0, up to 100") }
                width = parsed
            } else {
                width = IndicatorValue(mantissa: 2 * IndicatorValue.unit)
            }
            self = .bollinger(period: try period(0, default: 20), width: width)
        case "vwap":
            try arity(0)
            self = .vwap
        default:
            throw fail("unknown indicator '\(name)': expected sma, ema, rsi, macd, bollinger, atr or vwap")
        }
    }

    /// Parses a comma-separated list (`ema(9),rsi,macd(12,26,9)`): commas inside parentheses
    /// belong to an indicator. Duplicates are dropped.
    public static func list(_ text: String, field: String = "indicators") throws -> [Indicator] {
        var parts: [String] = []
        var current = ""
        var depth = 0
        for character in text {
            switch character {
            case "(": depth += 1
            case ")": depth -= 1
            case "," where depth == 0:
                parts.append(current)
                current = ""
                continue
            default: break
            }
            current.append(character)
        }
        parts.append(current)
        var result: [Indicator] = []
        for part in parts where !part.trimmingWhitespace.isEmpty {
            let indicator = try Indicator(parsing: part, field: field)
            if !result.contains(indicator) { result.append(indicator) }
        }
        guard !result.isEmpty else {
            throw ValidationError(field: field, value: text, rule: .malformed, detail: "no indicator named")
        }
        return result
    }

    /// The canonical text, which ``init(parsing:field:)`` reads back.
    public var description: String {
        switch self {
        case .sma(let period): "sma(\(period))"
        case .ema(let period): "ema(\(period))"
        case .rsi(let period): "rsi(\(period))"
        case .macd(let fast, let slow, let signal): "macd(\(fast),\(slow),\(signal))"
        case .bollinger(let period, let width): "bollinger(\(period),\(width))"
        case .atr(let period): "atr(\(period))"
        case .vwap: "vwap"
        }
    }

    /// The columns it adds to each bar, in order.
    public var columns: [String] {
        switch self {
        case .sma(let period): ["sma_\(period)"]
        case .ema(let period): ["ema_\(period)"]
        case .rsi(let period): ["rsi_\(period)"]
        case .macd(let fast, let slow, let signal):
            (fast, slow, signal) == (12, 26, 9)
                ? ["macd", "macd_signal", "macd_histogram"]
                : [
                    "macd_\(fast)_\(slow)_\(signal)", "macd_signal_\(fast)_\(slow)_\(signal)",
                    "macd_histogram_\(fast)_\(slow)_\(signal)",
                ]
        case .bollinger(let period, let width):
            (period, width.mantissa) == (20, 2 * IndicatorValue.unit)
                ? ["bb_lower", "bb_middle", "bb_upper"]
                : ["lower", "middle", "upper"].map { "bb_\($0)_\(period)_\(width)" }
        case .atr(let period): ["atr_\(period)"]
        case .vwap: ["anchored_vwap"]
        }
    }

    /// Bars read before the first one asked for (see the type's documentation).
    public var warmUpBars: Int {
        switch self {
        case .sma(let period), .bollinger(let period, _): period - 1
        case .ema(let period): Self.exponentialWarmUp(period: period, alpha: (2, period + 1))
        case .rsi(let period), .atr(let period): 1 + Self.exponentialWarmUp(period: period, alpha: (1, period))
        case .macd(_, let slow, let signal):
            Self.exponentialWarmUp(period: slow, alpha: (2, slow + 1))
                + Self.exponentialWarmUp(period: signal, alpha: (2, signal + 1))
        case .vwap: 0
        }
    }

    /// `period − 1` bars to seed, then enough for the seed to weigh below 10⁻¹⁰:
    /// `(1 − α)^k < 10⁻¹⁰`.
    private static func exponentialWarmUp(period: Int, alpha: (Int, Int)) -> Int {
        // A binary float only sizes the read; no value is computed with one.
        let keep = 1 - Double(alpha.0) / Double(alpha.1)
        var weight = 1.0
        var bars = 0
        while weight >= 1e-10 && keep > 0 {
            weight *= keep
            bars += 1
        }
        return period - 1 + bars
    }
}

/// An indicator's value: an exact decimal with 8 fractional digits.
public struct IndicatorValue: FixedPointDecimal {
    public static let scale = 8
    public var mantissa: Int64
    public init(mantissa: Int64) { self.mantissa = mantissa }
}

extension String {
    fileprivate var trimmingWhitespace: String {
        var text = Substring(self)
        while let first = text.first, first.isWhitespace { text.removeFirst() }
        while let last = text.last, last.isWhitespace { text.removeLast() }
        return String(text)
    }
}
