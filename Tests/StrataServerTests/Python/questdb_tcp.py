"""The `questdb` Python client writing trades over ILP/TCP with QuestDB's ECDSA auth (the
server holds the public key); rows read back through the JSON API. Then QuestDB's semantics
for a bad line: the lines before it are stored, it and the lines after it are not, the
connection is closed and the rejection is counted; and a wrong key is refused. The same trades
again with protocol version 3 (Decimal prices) read back the same."""

import time
from decimal import Decimal

from questdb import QuestDBError, Sender, TimestampNanos

from strata_check import arguments, ecdsa_key_arguments, done, expect, expect_equal, get, rows, trade_view


args = arguments(ecdsa_key_arguments)
base = 1_720_224_000_000_000_000  # 2024-07-06T00:00:00Z
conf = (f"tcp::addr=127.0.0.1:{args.tcp_port};username={args.kid};token={args.d};"
        f"token_x={args.x};token_y={args.y};")


def wait_for(symbol, count):
    """TCP has no acknowledgements: poll the JSON API until `count` rows of `symbol` are stored."""
    deadline = time.monotonic() + 15
    while True:
        stored = rows(args, "trades", symbol, base, base + 10**12)
        if len(stored) >= count or time.monotonic() > deadline:
            return stored
        time.sleep(0.05)


def rejected_tcp_rows():
    status, text = get(args, "/metrics")
    expect_equal(status, 200, "GET /metrics")
    return sum(float(line.rsplit(" ", 1)[1]) for line in text.splitlines()
               if line.startswith("strata_ingest_rejected_rows_total{") and 'protocol="tcp"' in line)


# Prices and quantities as short decimal texts; the client sends each float's shortest repr,
# which is that text (a float like 100 + 804 / 100 prints 17 digits and would be refused as
# more precise than 8 decimals, which is the server's rule, not this check's point).
trades = [(i, f"{100 + i // 100}.{i % 100:02d}", f"{i / 1000:.3f}") for i in range(1, 1001)]
with Sender.from_conf(conf) as sender:
    for i, price, qty in trades:
        sender.row("trades", symbols={"symbol": "QDBTCP"},
                   columns={"price": float(price), "qty": float(qty), "trade_id": i, "side": "buy" if i % 2 else "sell"},
                   at=TimestampNanos(base + i * 1_000_000))
    sender.flush()
stored = [trade_view(row) for row in wait_for("QDBTCP", 1000)]


def short(text):
    return text.rstrip("0").rstrip(".") if "." in text else text


expected = [(base + i * 1_000_000, i, short(price), short(qty), i % 2 == 0) for i, price, qty in trades]
expect_equal(stored, expected, "rows read back")

# ILP version 3 over TCP (a TCP sender does not negotiate: it is set): Decimal prices as binary
# decimals, float quantities as binary float64, whose payload bytes include LF, spaces and commas.
with Sender.from_conf(conf + "protocol_version=3;") as sender:
    for i, price, qty in trades:
        sender.row("trades", symbols={"symbol": "QDBTCP3"},
                   columns={"price": Decimal(price), "qty": float(qty), "trade_id": i, "side": "buy" if i % 2 else "sell"},
                   at=TimestampNanos(base + i * 1_000_000))
    sender.flush()
expect_equal([trade_view(row) for row in wait_for("QDBTCP3", 1000)], expected, "v3 rows read back")

# A bad line in the middle of a stream (a NaN price): the 10 rows before it are stored, the
# rest are not, and the server counts the rejection.
before = rejected_tcp_rows()
try:
    with Sender.from_conf(conf) as sender:
        for i in range(1, 21):
            price = float("nan") if i == 11 else 50.5
            sender.row("trades", symbols={"symbol": "QDBTCPBAD"},
                       columns={"price": price, "qty": 1.0, "trade_id": i, "side": "buy"},
                       at=TimestampNanos(base + i * 1_000_000))
        sender.flush()
except QuestDBError:
    pass  # the server may have closed the connection before the client finished
kept = wait_for("QDBTCPBAD", 10)
time.sleep(0.3)  # anything wrongly stored after the bad line would have arrived by now
kept = rows(args, "trades", "QDBTCPBAD", base, base + 10**12)
expect_equal([row["trade_id"] for row in kept], list(range(1, 11)), "rows kept before the bad line")
deadline = time.monotonic() + 5
while rejected_tcp_rows() <= before and time.monotonic() < deadline:
    time.sleep(0.05)
expect(rejected_tcp_rows() > before, "the rejected line is counted under protocol=tcp")

# A client signing with another key is refused: nothing it sends is stored.
wrong = conf.replace(f"token={args.d};", "token=" + ("A" * 42) + "E;")
try:
    with Sender.from_conf(wrong) as sender:
        sender.row("trades", symbols={"symbol": "QDBTCPWRONG"},
                   columns={"price": 1.5, "qty": 1.0, "trade_id": 1, "side": "buy"}, at=TimestampNanos(base))
        sender.flush()
except QuestDBError:
    pass
time.sleep(0.5)
expect_equal(rows(args, "trades", "QDBTCPWRONG", base - 1, base + 10**12), [], "rows of a refused key")
done(f"questdb over TCP with ECDSA auth: {len(stored)} trades exact; bad line keeps the 10 before it; wrong key refused")
