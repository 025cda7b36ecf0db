"""Strata's indicators against TA-Lib (the `TA-Lib` package from PyPI) on real data: the SPY trades
of 2013-10-07 (AlgoSeek via QuantConnect Lean, `shared/data/lean_spy_ibm_equity`) written as ILP,
their 1-minute and 5-minute bars read back, and TA-Lib run on those bars' values.

Every value Strata gives must equal TA-Lib's within the declared precision (8 decimals: at most
1e-8 apart), and Strata must give a value wherever TA-Lib does. Asked for a window that starts
mid-day, Strata reads the bars before it to warm up, and gives the values of the whole day.
VWAP (which TA-Lib lacks) is checked against exact sums of the bars' notional and volume."""

import math
import urllib.request
from decimal import Decimal

import numpy
import talib

from strata_check import arguments, base_url, done, expect, get_json

args = arguments(lambda parser: parser.add_argument("--shared", required=True, help="shared/data"))
MIDNIGHT_NY = 1_381_118_400_000_000_000  # 2013-10-07T00:00:00-04:00
DAY = 86_400_000_000_000
TOLERANCE = Decimal("0.00000001")


def write_trades():
    lines = []
    path = f"{args.shared}/lean_spy_ibm_equity/csv/20131007_spy_Trade_Tick.csv"
    with open(path) as source:
        for number, line in enumerate(source, start=1):
            fields = line.strip().split(",")
            ts = MIDNIGHT_NY + int(fields[0]) * 1_000_000
            price = Decimal(fields[1]) / 10_000  # LEAN prices are integers x 10^4: exact
            lines.append(f"trades,symbol=SPY trade_id={number}i,price={price},qty={fields[2]},"
                         f"is_buyer_maker=false {ts}")
    for start in range(0, len(lines), 50_000):
        body = ("\n".join(lines[start:start + 50_000]) + "\n").encode()
        request = urllib.request.Request(f"{base_url(args)}/write?precision=ns", data=body, method="POST")
        request.add_header("Authorization", f"Bearer {args.write_token}")
        with urllib.request.urlopen(request, timeout=120) as response:
            expect(response.status == 204, f"write: status {response.status}")
    return len(lines)


ASKED = "sma(20),ema(9),ema(21),ema(50),ema(200),rsi,macd,bollinger,atr,vwap"


def talib_columns(bars):
    close = numpy.array([float(b["close"]) for b in bars])
    high = numpy.array([float(b["high"]) for b in bars])
    low = numpy.array([float(b["low"]) for b in bars])
    macd, signal, histogram = talib.MACD(close, fastperiod=12, slowperiod=26, signalperiod=9)
    upper, middle, lower = talib.BBANDS(close, timeperiod=20, nbdevup=2, nbdevdn=2, matype=0)
    return {
        "sma_20": talib.SMA(close, 20), "ema_9": talib.EMA(close, 9), "ema_21": talib.EMA(close, 21),
        "ema_50": talib.EMA(close, 50), "ema_200": talib.EMA(close, 200), "rsi_14": talib.RSI(close, 14),
        "macd": macd, "macd_signal": signal, "macd_histogram": histogram,
        "bb_lower": lower, "bb_middle": middle, "bb_upper": upper, "atr_14": talib.ATR(high, low, close, 14),
    }


def compare(timeframe, bars, strata, offset, what):
    """`strata`'s bars are `bars[offset:]`; each TA-Lib value there must be matched."""
    reference = talib_columns(bars)
    checked = 0
    for name, values in reference.items():
        for index in range(offset, len(bars)):
            mine = strata[index - offset][name]
            theirs = values[index]
            if math.isnan(theirs):
                continue
            expect(mine is not None, f"{what} {timeframe} {name} at bar {index}: none, TA-Lib {theirs!r}")
            # TA-Lib's double against Strata's exact decimal; TA-Lib's own error here is < 1e-11.
            gap = abs(Decimal(mine) - Decimal(float(theirs)))
            expect(gap <= TOLERANCE, f"{what} {timeframe} {name} at bar {index}: {mine} vs TA-Lib {theirs!r}")
            checked += 1
    return checked


def check_vwap(bars, strata, what):
    notional = Decimal(0)
    volume = Decimal(0)
    for bar, row in zip(bars, strata):
        notional += Decimal(bar["notional"])
        volume += Decimal(bar["volume"])
        expect(volume > 0, f"{what}: a bar without volume")
        expected = (notional / volume).quantize(TOLERANCE)
        got = Decimal(row["anchored_vwap"]) if row["anchored_vwap"] is not None else None
        expect(got is not None and abs(got - expected) <= TOLERANCE, f"{what} vwap: {got} vs {expected}")


def main():
    written = write_trades()
    start, end = MIDNIGHT_NY, MIDNIGHT_NY + DAY
    checked = 0
    for timeframe in ("1m", "5m"):
        bars = get_json(args, f"/api/v1/bars?symbol=SPY&timeframe={timeframe}&from={start}&to={end}")["bars"]
        expect(len(bars) > 150, f"{timeframe}: {len(bars)} bars")
        whole = get_json(args, f"/api/v1/indicators?symbol=SPY&timeframe={timeframe}&from={start}&to={end}"
                               f"&indicators={ASKED}")
        expect(whole["warm_up_bars"] == 0, f"no bar before the day: {whole['warm_up_bars']}")
        expect([b["ts_ns"] for b in whole["bars"]] == [b["ts_ns"] for b in bars], f"{timeframe}: the same bars")
        checked += compare(timeframe, bars, whole["bars"], 0, "whole day")
        # A window from the middle of the day: the bars before it warm the indicators up.
        middle = len(bars) // 2
        window = get_json(args, f"/api/v1/indicators?symbol=SPY&timeframe={timeframe}"
                                f"&from={bars[middle]['ts_ns']}&to={end}&indicators={ASKED}")
        expect(window["bars"][0]["ts_ns"] == bars[middle]["ts_ns"], "the window starts at its first bar")
        expect(window["warm_up_bars"] == middle, f"{timeframe}: warm-up {window['warm_up_bars']} of {middle} bars")
        checked += compare(timeframe, bars, window["bars"], middle, "window")
        # VWAP is anchored at the window's start: Σ notional / Σ volume of its bars.
        check_vwap(bars, whole["bars"], f"whole day {timeframe}")
        check_vwap(bars[middle:], window["bars"], f"window {timeframe}")
    done(f"{written} SPY trades; {checked} indicator values equal TA-Lib's to 1e-8 on 1m and 5m bars")


main()
