import Testing

@testable import StrataCore

/// The indicators' definitions on series whose values are known by hand, their invariants on
/// random series, and the warm-up: a window's values equal the whole history's. (TA-Lib on real
/// data: `IndicatorsServerTests`.)
@Suite struct IndicatorTests {
    static let minute: Int64 = 60_000_000_000

    /// Bars from closes (high = close + 1, low = close − 1, one trade of quantity 1 at the close).
    static func bars(_ closes: [Int64], highs: [Int64]? = nil, lows: [Int64]? = nil) -> [Bar] {
        closes.indices.map { index in
            let close = Price(mantissa: closes[index] * Price.unit)
            let high = Price(mantissa: (highs?[index] ?? closes[index] + 1) * Price.unit)
            let low = Price(mantissa: (lows?[index] ?? closes[index] - 1) * Price.unit)
            return Bar(
                symbol: "TEST", timeframe: .oneMinute, start: Timestamp(nanoseconds: Int64(index) * minute),
                open: close,
                high: high, low: low, close: close, volume: Volume(mantissa: Int128(Quantity.unit)),
                notional: Notional(price: close, quantity: Quantity(mantissa: Quantity.unit)), tradeCount: 1)
        }
    }

    static func values(_ indicator: Indicator, _ bars: [Bar]) throws -> [[String?]] {
        try IndicatorSeries.compute(indicator, over: bars).map { $0.map { $0?.description } }
    }

    @Test func parsesEveryFormAndPrintsItBack() throws {
        let cases: [(String, Indicator)] = [
            ("sma(20)", .sma(period: 20)), ("EMA(9)", .ema(period: 9)), ("ema9", .ema(period: 9)),
            ("ema_200", .ema(period: 200)), ("rsi", .rsi(period: 14)), ("rsi(7)", .rsi(period: 7)),
            ("macd", .macd(fast: 12, slow: 26, signal: 9)), ("macd(5, 35, 5)", .macd(fast: 5, slow: 35, signal: 5)),
            ("bollinger", .bollinger(period: 20, width: IndicatorValue(mantissa: 200_000_000))),
            ("bb(10,2.5)", .bollinger(period: 10, width: IndicatorValue(mantissa: 250_000_000))),
            ("atr", .atr(period: 14)), (" vwap ", .vwap),
        ]
        for (text, expected) in cases {
            let parsed = try Indicator(parsing: text)
            #expect(parsed == expected, "\(text)")
            #expect(try Indicator(parsing: parsed.description) == parsed, "\(parsed) reads back")
        }
        #expect(
            try Indicator.list("ema(9),rsi,macd(12,26,9),ema9") == [
                .ema(period: 9), .rsi(period: 14), .macd(fast: 12, slow: 26, signal: 9),
            ])
        #expect(Indicator.standard.flatMap(\.columns).count == 13)
        #expect(Indicator.macd(fast: 12, slow: 26, signal: 9).columns == ["macd", "macd_signal", "macd_histogram"])
        #expect(Indicator.vwap.columns == ["anchored_vwap"])
    }

    @Test func refusesWhatItCannotComputeNamingTheText() {
        for text in [
            "ema", "ema(0)", "ema(x)", "sma(10001)", "macd(26,12,9)", "macd(1,2,3,4)", "bollinger(20,0)",
            "bollinger(20,-1)", "kama(10)", "vwap(3)", "ema(9", "",
        ] {
            #expect(throws: ValidationError.self, "\(text)") { try Indicator.list(text) }
        }
        do {
            _ = try Indicator.list("ema(9),kama(3)")
            Issue.record("kama accepted")
        } catch let error as ValidationError {
            #expect(error.field == "indicators" && error.value == "kama(3)")
            #expect(error.detail?.contains("unknown indicator 'kama'") == true)
        } catch {
            Issue.record("\(error)")
        }
    }

    /// The documented warm-up: the seed weighs below 10⁻¹⁰ after it.
    @Test func warmUpBarsAreTheDocumentedOnes() {
        #expect(Indicator.sma(period: 20).warmUpBars == 19)
        #expect(Indicator.ema(period: 9).warmUpBars == 112)
        #expect(Indicator.ema(period: 21).warmUpBars == 262)
        #expect(Indicator.ema(period: 50).warmUpBars == 625)
        #expect(Indicator.ema(period: 200).warmUpBars == 2_502)
        #expect(Indicator.rsi(period: 14).warmUpBars == 325)
        #expect(Indicator.atr(period: 14).warmUpBars == 325)
        #expect(Indicator.macd(fast: 12, slow: 26, signal: 9).warmUpBars == 437)
        #expect(Indicator.vwap.warmUpBars == 0)
    }

    @Test func smaAndEMAByHand() throws {
        let bars = Self.bars([10, 11, 12, 13, 14])
        #expect(try Self.values(.sma(period: 3), bars) == [[nil, nil, "11", "12", "13"]])
        // α = 2/4: seed 11 (mean of 10, 11, 12), then 11 + (13 − 11)/2 = 12, 12 + (14 − 12)/2 = 13.
        #expect(try Self.values(.ema(period: 3), bars) == [[nil, nil, "11", "12", "13"]])
        // α = 2/3: seed 10.5, then 10.5 + 2/3 × 1.5 = 11.5, then 11.5 + 2/3 × 1.5 = 12.5, 13.5.
        #expect(try Self.values(.ema(period: 2), bars) == [[nil, "10.5", "11.5", "12.5", "13.5"]])
        // Thirds round at the 8th digit, half away from zero.
        let thirds = Self.bars([1, 1, 2])
        #expect(try Self.values(.sma(period: 3), thirds) == [[nil, nil, "1.33333333"]])
    }

    @Test func rsiByHand() throws {
        // Only gains: 100. Only losses: 0. Flat: 0 (TA-Lib's convention).
        #expect(try Self.values(.rsi(period: 3), Self.bars([1, 2, 3, 4, 5])) == [[nil, nil, nil, "100", "100"]])
        #expect(try Self.values(.rsi(period: 3), Self.bars([5, 4, 3, 2, 1])) == [[nil, nil, nil, "0", "0"]])
        #expect(try Self.values(.rsi(period: 2), Self.bars([7, 7, 7])) == [[nil, nil, "0"]])
        // Changes +2, −1, +1: gain 1, loss 0.5 (means over 2), RSI = 100 × 1/1.5 = 66.66666667;
        // then gain (1 + 1)/2 = 1, loss (0.5 + 0)/2 = 0.25: 80.
        #expect(try Self.values(.rsi(period: 2), Self.bars([10, 12, 11, 12])) == [[nil, nil, "66.66666667", "80"]])
    }

    @Test func bollingerATRAndVWAPByHand() throws {
        // Closes 1, 2, 3: mean 2, population deviation √(2/3) = 0.81649658.
        let bands = try Self.values(
            .bollinger(period: 3, width: IndicatorValue(mantissa: 200_000_000)), Self.bars([1, 2, 3]))
        #expect(bands == [[nil, nil, "0.36700684"], [nil, nil, "2"], [nil, nil, "3.63299316"]])
        // True ranges: 2 (high − low) unless a gap from the previous close is wider.
        let gap = Self.bars([10, 10, 20, 20], highs: [11, 11, 21, 21], lows: [9, 9, 19, 19])
        // TR: —, 2, 11 (21 − 10), 2; ATR(2) seeded (2 + 11)/2 = 6.5, then (6.5 + 2)/2 = 4.25.
        #expect(try Self.values(.atr(period: 2), gap) == [[nil, nil, "6.5", "4.25"]])
        // VWAP from the anchor: (10 + 20)/2 = 15 after the third bar, anchored at the second.
        let vwap = try IndicatorSeries.compute(.vwap, over: Self.bars([5, 10, 20]), anchor: 1)
        #expect(vwap[0].map { $0?.description } == [nil, "10", "15"])
    }

    /// Invariants on random walks, and the warm-up: a window that starts after `warmUpBars` has
    /// the whole series' values to the last digit but one.
    @Test(arguments: [1, 2, 3, 4]) func invariantsAndWarmUpOnRandomWalks(seed: UInt64) throws {
        var random = SplitMix64(seed: seed)
        var closes: [Int64] = []
        var price: Int64 = 100_000
        for _ in 0..<3_200 {
            price = max(1_000, price + Int64(random.next() % 201) - 100)
            closes.append(price)
        }
        let bars = closes.map { close in
            let p = Price(mantissa: close * 1_000_000)  // two decimals
            let spread = Int64(random.next() % 50) * 1_000_000
            return Bar(
                symbol: "W", timeframe: .oneMinute, start: .zero, open: p, high: Price(mantissa: p.mantissa + spread),
                low: Price(mantissa: p.mantissa - spread), close: p,
                volume: Volume(mantissa: Int128(1 + random.next() % 1_000) * Int128(Quantity.unit)),
                notional: .zero, tradeCount: 1)
        }
        for indicator in Indicator.standard where indicator != .vwap {
            let whole = try IndicatorSeries.compute(indicator, over: bars)
            let start = bars.count - 200
            let window = try IndicatorSeries.compute(indicator, over: Array(bars[(start - indicator.warmUpBars)...]))
            for (all, part) in zip(whole, window) {
                for offset in 0..<200 {
                    let a = try #require(all[start + offset]).mantissa
                    let b = try #require(part[indicator.warmUpBars + offset]).mantissa
                    #expect(abs(a - b) <= 1, "\(indicator) at \(offset): \(a) vs \(b)")
                }
            }
            switch indicator {
            case .rsi:
                #expect(whole[0].allSatisfy { $0 == nil || (0...100 * IndicatorValue.unit).contains($0!.mantissa) })
            case .bollinger:
                for index in bars.indices {
                    guard let lower = whole[0][index], let middle = whole[1][index], let upper = whole[2][index] else {
                        continue
                    }
                    #expect(lower <= middle && middle <= upper)
                    #expect(abs((upper.mantissa - middle.mantissa) - (middle.mantissa - lower.mantissa)) <= 1)
                }
            case .macd:
                for index in bars.indices {
                    guard let line = whole[0][index], let signal = whole[1][index], let histogram = whole[2][index]
                    else { continue }
                    #expect(abs(histogram.mantissa - (line.mantissa - signal.mantissa)) <= 1)
                }
            case .atr:
                #expect(whole[0].allSatisfy { ($0?.mantissa ?? 0) >= 0 })
            default: break
            }
        }
    }

    /// The fast division (two 128-by-64-bit hardware divisions) against Int128's own, rounded half
    /// away from zero, on random values of every size and sign; and the exact square root.
    @Test func fastDivisionAndSquareRootAgreeWithTheSlowOnes() {
        var random = SplitMix64(seed: 99)
        for round in 0..<200_000 {
            let magnitude = Int128(random.next()) << Int(random.next() % 63) | Int128(random.next())
            let a = round % 2 == 0 ? magnitude : -magnitude
            let d = UInt64(1 + random.next() % (round % 3 == 0 ? 20 : 10_000_000_000_000))
            let (q, r) = a.quotientAndRemainder(dividingBy: Int128(d))
            let expected = 2 * r.magnitude >= UInt128(d) ? (a < 0 ? q - 1 : q + 1) : q
            #expect(IndicatorSeries.divide(a, by: d) == expected, "\(a) / \(d)")
            if IndicatorSeries.divide(a, by: d) != expected { break }
        }
        #expect(IndicatorSeries.divide(5, by: 2) == 3 && IndicatorSeries.divide(-5, by: 2) == -3)
        #expect(IndicatorSeries.divide(7, by: 2) == 4 && IndicatorSeries.divide(4, by: 3) == 1)
        // The nearest integer r to √v: |r² − v| ≤ r, as (r ± ½)² = r² ± r + ¼.
        var values: [UInt128] = [0, 1, 2, 3, 4, 8, 9, 15, 16, 17, 99, (1 << 64) - 1, 1 << 64, 1 << 120]
        for _ in 0..<10_000 {
            values.append(UInt128(random.next()) << Int(random.next() % 57) | UInt128(random.next()))
        }
        for value in values {
            let root = IndicatorSeries.squareRoot(value)
            let square = root * root
            #expect((square >= value ? square - value : value - square) <= root, "√\(value) = \(root)")
        }
        #expect(IndicatorSeries.squareRoot(UInt128.max) == UInt128(1) << 64)
    }

    @Test func aValueBeyondAPriceIsAnOverflowError() {
        let huge = Bar(
            symbol: "X", timeframe: .oneMinute, start: .zero, open: Price(mantissa: .max), high: Price(mantissa: .max),
            low: Price(mantissa: .min), close: Price(mantissa: .max), volume: Volume(mantissa: 1),
            notional: .zero, tradeCount: 1)
        #expect(throws: StrataError.self) {
            try IndicatorSeries.compute(
                .bollinger(period: 2, width: IndicatorValue(mantissa: 100 * 100_000_000)),
                over: [
                    huge, huge,
                    Bar(
                        symbol: "X", timeframe: .oneMinute, start: .zero, open: .zero, high: .zero,
                        low: .zero, close: Price(mantissa: .min), volume: Volume(mantissa: 1), notional: .zero,
                        tradeCount: 1),
                ])
        }
    }
}
