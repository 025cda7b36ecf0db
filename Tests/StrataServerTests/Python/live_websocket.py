"""The `websockets` client on the live feed: subscribe to trades and 1m bars of one symbol, write
trades of it and of another symbol over ILP/HTTP, and check that exactly the subscribed rows
arrive, in commit order, with exact values and gap-free sequence numbers; the last bar update
of each minute equals the bar the JSON API returns. A slow reader is then dropped with 1013."""

import asyncio
import json
import urllib.request

import websockets
from prometheus_client.parser import text_string_to_metric_families

from strata_check import arguments, done, expect, expect_equal, get, get_json

args = arguments()
base = 1_720_137_600_000_000_000  # 2024-07-05T00:00:00Z
headers = {"Authorization": f"Bearer {args.read_token}"}
url = f"ws://127.0.0.1:{args.http_port}/api/v1/live"


def post(lines):
    request = urllib.request.Request(
        f"http://127.0.0.1:{args.http_port}/write", data="\n".join(lines).encode(), method="POST",
        headers={"Authorization": f"Bearer {args.write_token}"})
    with urllib.request.urlopen(request, timeout=10) as response:
        expect_equal(response.status, 204, "write status")


def trade_line(symbol, trade_id, price, qty, offset_ms):
    side = "buy" if trade_id % 2 else "sell"
    return f'trades,symbol={symbol} price={price},qty={qty},trade_id={trade_id}i,side="{side}" {base + offset_ms * 1_000_000}'


async def receive_until(ws, messages, predicate, timeout=10):
    """Appends messages to `messages` until `predicate(messages)`; raises TimeoutError after `timeout`."""
    async def loop():
        async for text in ws:
            messages.append(json.loads(text))
            if predicate(messages):
                return
    await asyncio.wait_for(loop(), timeout)


def dropped_subscribers():
    status, text = get(args, "/metrics")
    expect_equal(status, 200, "GET /metrics")
    for family in text_string_to_metric_families(text):
        if family.name == "strata_live_dropped_subscribers":
            return sum(s.value for s in family.samples if s.name.endswith("_total"))
    return 0


async def in_order():
    async with websockets.connect(f"{url}?channel=trades,bars_1m&symbols=PYLIVE", additional_headers=headers) as ws:
        subscribed = json.loads(await asyncio.wait_for(ws.recv(), 10))
        expect_equal(subscribed["type"], "subscribed", "first message")
        expected = []
        for batch in range(5):
            lines = []
            for i in range(40):
                trade_id = batch * 40 + i + 1
                price = f"{100 + trade_id % 7}.{trade_id:02d}"
                qty = f"0.{trade_id:03d}"
                lines.append(trade_line("PYLIVE", trade_id, price, qty, trade_id * 1_000))  # a trade a second
                lines.append(trade_line("PYOTHER", trade_id, "1", "1", trade_id * 1_000))  # not subscribed
                expected.append((trade_id, price.rstrip("0").rstrip("."), qty.rstrip("0")))
            await asyncio.to_thread(post, lines)

        def trades_received(messages):
            return sum(len(m["rows"]) for m in messages if m.get("channel") == "trades") >= len(expected)

        messages = []
        await receive_until(ws, messages, trades_received)
        trades = [m for m in messages if m.get("channel") == "trades"]
        expect_equal([m["seq"] for m in trades], list(range(1, len(trades) + 1)), "trades seq")
        rows = [row for m in trades for row in m["rows"]]
        expect(all(row["symbol"] == "PYLIVE" for row in rows), "only the subscribed symbol")
        expect_equal([(r["trade_id"], r["price"], r["qty"]) for r in rows], expected, "rows in commit order")

        # Bar updates: the last update of each minute equals the stored bar.
        try:
            await receive_until(ws, messages, lambda _: False, timeout=0.5)
        except asyncio.TimeoutError:
            pass  # every update has arrived by now
        bars = {}
        bar_messages = [m for m in messages if m.get("channel") == "bars_1m"]
        expect_equal([m["seq"] for m in bar_messages], list(range(1, len(bar_messages) + 1)), "bars seq")
        for m in bar_messages:
            for bar in m["rows"]:
                bars[bar["ts_ns"]] = bar
        stored = get_json(args, f"/api/v1/bars?symbol=PYLIVE&timeframe=1m&from={base}&to={base + 3600 * 10**9}")
        expect_equal(len(bars), stored["count"], "minutes with bar updates")
        for bar in stored["bars"]:
            live = bars[bar["ts_ns"]]
            for key in ["open", "high", "low", "close", "volume", "trades"]:
                expect_equal(live[key], bar[key], f"bar {bar['time']} {key}")
        return len(rows), len(bars)


async def slow_reader_dropped():
    # Subscribe, stop reading, and write until the server counts a dropped subscriber (socket
    # buffers absorb some rows before the server's own buffer, live.bufferLimit, overflows);
    # then the close frame, behind the rows already sent, says why.
    before = dropped_subscribers()
    async with websockets.connect(
            f"{url}?channel=trades&symbols=PYSLOW", additional_headers=headers, max_queue=1) as ws:
        await asyncio.wait_for(ws.recv(), 10)  # subscribed
        rows = 0
        while dropped_subscribers() == before:
            expect(rows < 2_000_000, "a reader that never reads was not dropped")
            lines = [trade_line("PYSLOW", rows + i, "1.5", "2", rows + i) for i in range(5000)]
            await asyncio.to_thread(post, lines)
            rows += len(lines)
        try:
            while True:
                await asyncio.wait_for(ws.recv(), 10)
        except websockets.ConnectionClosed as closed:
            expect_equal(closed.rcvd.code if closed.rcvd else None, 1013, f"close code ({closed})")
            expect("slow consumer" in closed.rcvd.reason, f"close reason: {closed.rcvd.reason}")
            return f"{closed.rcvd.reason} (after {rows} rows written)"


count, minutes = asyncio.run(in_order())
reason = asyncio.run(slow_reader_dropped())
done(f"websockets {websockets.__version__}: {count} trades in order, {minutes} bar minutes = stored; "
     f"slow reader dropped: {reason}")
