"""TLS end to end, with a certificate from a private CA that only the clients are told to trust:
the `questdb` client writes trades over `https::` and over `tcps::` (with its ECDSA auth inside
TLS), Python's `websockets` receives them live over `wss://`, and every row is read back through
the JSON API over HTTPS. A plain-text client gets nothing from the TLS listeners."""

import asyncio
import json
import socket
import time
import urllib.error
import urllib.request

import websockets
from questdb import Sender, TimestampNanos

from strata_check import arguments, ecdsa_key_arguments, done, expect, expect_equal, rows, tls_context, trade_view


args = arguments(ecdsa_key_arguments)
expect(args.ca is not None, "tls_clients.py needs --ca")
base = 1_720_310_400_000_000_000  # 2024-07-07T00:00:00Z
tls = f"tls_ca=pem_file;tls_roots={args.ca};"


def send(conf, symbol, count):
    with Sender.from_conf(conf) as sender:
        for i in range(1, count + 1):
            sender.row("trades", symbols={"symbol": symbol},
                       columns={"price": float(f"{200 + i}.25"), "qty": 0.5, "trade_id": i,
                                "side": "buy" if i % 2 else "sell"},
                       at=TimestampNanos(base + i * 1_000_000))
        sender.flush()


def expected(count):
    return [(base + i * 1_000_000, i, f"{200 + i}.25", "0.5", i % 2 == 0) for i in range(1, count + 1)]


def wait_for(symbol, count):
    deadline = time.monotonic() + 15
    while True:
        stored = rows(args, "trades", symbol, base, base + 10**12)
        if len(stored) >= count or time.monotonic() > deadline:
            return [trade_view(row) for row in stored]
        time.sleep(0.05)


async def live_then_write():
    """Subscribes over wss://, then writes over https:: and receives the rows live."""
    url = f"wss://127.0.0.1:{args.http_port}/api/v1/live?channel=trades&symbols=TLSLIVE"
    headers = {"Authorization": f"Bearer {args.read_token}"}
    async with websockets.connect(url, additional_headers=headers, ssl=tls_context(args)) as ws:
        first = json.loads(await asyncio.wait_for(ws.recv(), 10))
        expect_equal(first["type"], "subscribed", "first live message")
        await asyncio.to_thread(
            send, f"https::addr=127.0.0.1:{args.http_port};token={args.write_token};{tls}", "TLSLIVE", 20)
        received = []
        while len(received) < 20:
            message = json.loads(await asyncio.wait_for(ws.recv(), 10))
            received += message["rows"]
        expect_equal([trade_view(row) for row in received], expected(20), "rows received over wss://")


# ILP over HTTPS.
send(f"https::addr=127.0.0.1:{args.http_port};token={args.write_token};{tls}", "TLSHTTP", 500)
expect_equal(wait_for("TLSHTTP", 500), expected(500), "rows written over https::")

# ILP over TCP with TLS, authenticating inside it.
send(f"tcps::addr=127.0.0.1:{args.tcp_port};username={args.kid};token={args.d};"
     f"token_x={args.x};token_y={args.y};{tls}", "TLSTCP", 500)
expect_equal(wait_for("TLSTCP", 500), expected(500), "rows written over tcps::")

asyncio.run(live_then_write())

# Plain text to the TLS listeners: no answer, nothing stored.
try:
    urllib.request.urlopen(f"http://127.0.0.1:{args.http_port}/ping", timeout=5)
    expect(False, "plain HTTP was answered by the TLS listener")
except (urllib.error.URLError, ConnectionError, OSError):
    pass
with socket.create_connection(("127.0.0.1", args.tcp_port), timeout=5) as plain:
    plain.sendall(b'trades,symbol=TLSPLAIN price=1,qty=1,trade_id=1i,side="buy"\n')
    plain.settimeout(5)
    try:
        while plain.recv(4096):
            pass
    except (ConnectionError, socket.timeout):
        pass
expect_equal(rows(args, "trades", "TLSPLAIN", 0, 2**62), [], "rows sent in plain text to the TLS port")

done("questdb https:: and tcps::, websockets wss://, urllib https:// with a private CA")
