import Foundation
import Strata

/// INDICATORS (issue 13): the standard indicators — EMA 9/21/50/200, RSI 14, MACD 12/26/9,
/// Bollinger 20/2, ATR 14 — over a year of 1-minute bars of one symbol (`--indicator-bars`,
/// 525,600 by default), computed by Strata from its stored bars, and by TA-Lib (the C library
/// behind Python's `talib` package from PyPI; pandas-ta, which the issue names, has no release
/// for this Python) on the same bars' values, in the same run.
///
/// Strata's figures: the store's `indicators(...)` (reading the year's stored bars, then
/// computing), and the computation alone on bars already read. TA-Lib's: its twelve calls on
/// numpy arrays already loaded (its fastest case: no reading, no conversion). Both are medians of
/// five runs after one untimed. The answers are checked against each other: every column's last
/// value equal to 1e-8.
struct IndicatorsWorkload {
    let report: Report
    let directory: String

    static let start: Int64 = 1_704_067_200_000_000_000  // 2024-01-01T00:00:00Z
    static let minute: Int64 = 60_000_000_000
    static let symbol: Symbol = "SYM000"
    /// The twelve columns both compute (TA-Lib has no VWAP).
    static let asked: [Indicator] = Indicator.standard.filter { $0 != .vwap }

    func run(options: Options) async throws {
        let bars = options.indicatorBars
        report.section(
            "INDICATORS: EMA 9/21/50/200, RSI 14, MACD, Bollinger 20/2, ATR 14 over \(formatCount(bars)) 1-minute bars; TA-Lib on the same bars"
        )
        try makeEmptyDirectory(directory)
        let store = try StrataStore.open(
            directory: directory + "/store",
            configuration: .init(
                durability: .osBuffered, validation: ValidationRules(window: .fixed(earliest: .min, latest: .max)),
                maintenanceInterval: nil))
        defer { try? store.close() }
        // Four trades a minute on a random walk of cents.
        var random = RecordsWorkloads.Random(state: 0x1D1C)
        var price: Int64 = 10_000_000_000  // 100.00
        var trades: [Trade] = []
        trades.reserveCapacity(100_000)
        for index in 0..<(bars * 4) {
            price = max(100_000_000, price + (Int64(random.roll(21)) - 10) * 1_000_000)
            trades.append(
                Trade(
                    symbol: Self.symbol, timestamp: Timestamp(nanoseconds: Self.start + Int64(index) * Self.minute / 4),
                    tradeID: Int64(index + 1), price: Price(mantissa: price),
                    quantity: Quantity(mantissa: Int64(1 + random.roll(1_000)) * 1_000_000), isBuyerMaker: false))
            if trades.count == 100_000 {
                try await store.trades.append(trades)
                trades.removeAll(keepingCapacity: true)
            }
        }
        try await store.trades.append(trades)
        let from = Timestamp(nanoseconds: Self.start)
        let to = Timestamp(nanoseconds: Self.start + Int64(bars) * Self.minute)

        var answer: IndicatorAnswer?
        let endToEnd = try await measure(warmup: 1, runs: 5) {
            answer = try await store.indicators(
                Self.asked, symbol: Self.symbol, timeframe: .oneMinute, from: from, to: to)
        }
        guard let answer, answer.bars.count == bars else {
            report.fail("INDICATORS: \(answer?.bars.count ?? 0) bars answered, \(bars) stored")
            return
        }
        let computeOnly = try measureSync(warmup: 1, runs: 5) {
            for indicator in Self.asked { _ = try IndicatorSeries.compute(indicator, over: answer.bars) }
        }
        report.add("INDICATORS Strata: read \(formatCount(bars)) bars + 12 columns", formatDuration(endToEnd.median))
        report.add("INDICATORS Strata: the 12 columns alone", formatDuration(computeOnly.median))

        // TA-Lib on the same bars' values.
        let python = options.python
        guard FileManager.default.isExecutableFile(atPath: python) else {
            report.skip(
                "INDICATORS TA-Lib", reason: "no Python at \(python) (run the tests once: they make it; or --python)")
            return
        }
        var csv = "high,low,close\n"
        for bar in answer.bars { csv += "\(bar.high),\(bar.low),\(bar.close)\n" }
        try csv.write(toFile: directory + "/bars.csv", atomically: true, encoding: .utf8)
        try Self.script.write(toFile: directory + "/talib_bench.py", atomically: true, encoding: .utf8)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = [directory + "/talib_bench.py", directory + "/bars.csv"]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0,
            let json = try? JSONSerialization.jsonObject(with: output) as? [String: Any],
            let milliseconds = json["median_ms"] as? Double, let last = json["last"] as? [String: Double]
        else {
            report.skip(
                "INDICATORS TA-Lib",
                reason: "talib did not run: \(String(decoding: output, as: UTF8.self).prefix(300))")
            return
        }
        // The same answers: every column's last value, to 1e-8.
        for column in answer.columns {
            guard let mine = column.values.last ?? nil, let theirs = last[column.name] else {
                report.fail("INDICATORS: \(column.name) missing on one side")
                continue
            }
            let gap = abs((Decimal(string: mine.description) ?? 0) - Decimal(theirs))
            if gap > Decimal(string: "0.00000001")! {
                report.fail("INDICATORS: \(column.name) \(mine) vs TA-Lib \(theirs)")
            }
        }
        let taLib = Int64(milliseconds * 1_000_000)
        report.add("INDICATORS TA-Lib (talib, numpy arrays loaded)", formatDuration(taLib))
        report.add(
            "INDICATORS TA-Lib/Strata time (store read + compute)",
            fixed(Double(taLib) / Double(endToEnd.median), 2) + "× (Strata faster if > 1)")
        report.add(
            "INDICATORS TA-Lib/Strata time (compute alone)",
            fixed(Double(taLib) / Double(computeOnly.median), 2) + "× (Strata faster if > 1)")
    }

    static let script = """
        import json, statistics, sys, time
        import numpy, talib
        data = numpy.loadtxt(sys.argv[1], delimiter=",", skiprows=1)
        high, low, close = data[:, 0].copy(), data[:, 1].copy(), data[:, 2].copy()
        def run():
            out = {f"ema_{p}": talib.EMA(close, p) for p in (9, 21, 50, 200)}
            out["rsi_14"] = talib.RSI(close, 14)
            out["macd"], out["macd_signal"], out["macd_histogram"] = talib.MACD(close, 12, 26, 9)
            out["bb_upper"], out["bb_middle"], out["bb_lower"] = talib.BBANDS(close, 20, 2, 2, 0)
            out["atr_14"] = talib.ATR(high, low, close, 14)
            return out
        run()
        times = []
        for _ in range(5):
            start = time.perf_counter()
            out = run()
            times.append((time.perf_counter() - start) * 1e3)
        print(json.dumps({"median_ms": statistics.median(times), "last": {k: float(v[-1]) for k, v in out.items()}}))
        """
}
