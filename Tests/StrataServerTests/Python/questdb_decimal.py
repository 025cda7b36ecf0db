"""The `questdb` Python client with a plain `http::addr=…;token=…;` configuration: it reads
/settings, picks ILP protocol version 3 and sends `decimal.Decimal` prices and quantities as binary
decimals and floats as binary float64; the rows read back exactly through the JSON API. Forcing
`protocol_version=1` (text) still works, and refuses a Decimal in the client."""

from decimal import Decimal

from questdb import QuestDBError, Sender, TimestampNanos

from strata_check import arguments, done, expect, expect_equal, rows, trade_view

args = arguments()
base = 1_719_964_800_000_000_000  # 2024-07-03T00:00:00Z
conf = f"http::addr=127.0.0.1:{args.http_port};token={args.write_token};"


def send(conf, symbol, trades):
    with Sender.from_conf(conf) as sender:
        version = sender.protocol_version
        for trade_id, price, qty, side in trades:
            sender.row(
                "trades",
                symbols={"symbol": symbol},
                columns={"price": price, "qty": qty, "trade_id": trade_id, "side": side},
                at=TimestampNanos(base + trade_id * 1_000_000),
            )
        sender.flush()
    return version


def stored(symbol):
    return [trade_view(row) for row in rows(args, "trades", symbol, base, base + 10**9)]


# Auto-detected (no protocol_version): version 3, Decimals exact, floats exact as their shortest text.
trades = [
    (1, Decimal("64123.45"), Decimal("0.25"), "buy"),
    (2, Decimal("0.00012345"), Decimal("12345.678"), "sell"),
    (3, Decimal("99999.99999999"), Decimal("0.00000001"), "buy"),
    (4, Decimal("1E+3"), Decimal("2"), "sell"),  # an exponent: unscaled 1000 at scale 0
    (5, Decimal("1.50000000000"), Decimal("3.000"), "buy"),  # more digits than the scale, all zeros
    (6, 64123.5, 0.1, "sell"),  # floats: binary float64
    (7, Decimal("7.1"), 0.00012345, "buy"),  # mixed
]
version = send(conf, "QDBDEC", trades)
expect_equal(version, 3, "the protocol version the client detected through /settings")
expected = [
    (base + 1_000_000, 1, "64123.45", "0.25", False),
    (base + 2_000_000, 2, "0.00012345", "12345.678", True),
    (base + 3_000_000, 3, "99999.99999999", "0.00000001", False),
    (base + 4_000_000, 4, "1000", "2", True),
    (base + 5_000_000, 5, "1.5", "3", False),
    (base + 6_000_000, 6, "64123.5", "0.1", True),
    (base + 7_000_000, 7, "7.1", "0.00012345", False),
]
expect_equal(stored("QDBDEC"), expected, "v3 rows read back")

# A Decimal with more fractional digits than the column holds: refused naming the field and the
# value, nothing of the request stored.
try:
    send(conf, "QDBDEC", [(20, Decimal("1.5"), Decimal("1"), "buy"), (21, Decimal("0.123456789"), Decimal("1"), "buy")])
    expect(False, "a price with 9 fractional digits was accepted")
except QuestDBError as error:
    expect("price" in str(error) and "0.123456789" in str(error), f"the error names the field and value: {error}")
expect_equal(len(stored("QDBDEC")), len(expected), "rows after a refused request")

# The same token-less /settings call, then a refused write: a sender without a token still detects v3.
try:
    with Sender.from_conf(f"http::addr=127.0.0.1:{args.http_port};") as sender:
        expect_equal(sender.protocol_version, 3, "version detected without a token")
        sender.row("trades", symbols={"symbol": "QDBDEC"},
                   columns={"price": Decimal("1"), "qty": Decimal("1"), "trade_id": 30, "side": "buy"},
                   at=TimestampNanos(base + 30 * 1_000_000))
        sender.flush()
    expect(False, "a write without a token was accepted")
except QuestDBError as error:
    expect("401" in str(error) or "nauthorized" in str(error), f"401 without a token: {error}")

# Forced versions: 1 (text) and 2 (binary floats) still work for floats; version 1 refuses a
# Decimal in the client, before anything is sent.
for forced, symbol in [(1, "QDBV1"), (2, "QDBV2")]:
    version = send(conf + f"protocol_version={forced};", symbol, [(1, 64123.45, 0.25, "buy"), (2, 0.1, 3.0, "sell")])
    expect_equal(version, forced, "the forced protocol version")
    expect_equal(stored(symbol), [
        (base + 1_000_000, 1, "64123.45", "0.25", False),
        (base + 2_000_000, 2, "0.1", "3", True),
    ], f"v{forced} rows read back")
try:
    send(conf + "protocol_version=1;", "QDBV1", [(3, Decimal("1.5"), Decimal("1"), "buy")])
    expect(False, "protocol version 1 sent a Decimal")
except QuestDBError as error:
    expect("decimal" in str(error).lower(), f"v1 refuses a Decimal in the client: {error}")

done(f"questdb {__import__('questdb').__version__}: v3 auto-detected, {len(expected)} trades exact; v1 and v2 forced")
