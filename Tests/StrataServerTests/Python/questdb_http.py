"""The `questdb` Python client writing trades over ILP/HTTP; rows read back through the JSON API."""

from questdb import QuestDBError, Sender, TimestampNanos

from strata_check import arguments, done, expect, expect_equal, rows, trade_view

args = arguments()
base = 1_719_878_400_000_000_000  # 2024-07-02T00:00:00Z
trades = [
    # (trade id, price, qty, side): prices and quantities the client prints as short decimal text.
    (1, 64123.45, 0.25, "buy"),
    (2, 64123.5, 1.0, "sell"),
    (3, 0.00012345, 12345.678, "buy"),
    (4, 99999.99999999, 0.00000001, "sell"),
]
conf = f"http::addr=127.0.0.1:{args.http_port};token={args.write_token};"
with Sender.from_conf(conf) as sender:
    for trade_id, price, qty, side in trades:
        sender.row(
            "trades",
            symbols={"symbol": "QDBHTTP"},
            columns={"price": price, "qty": qty, "trade_id": trade_id, "side": side},
            at=TimestampNanos(base + trade_id * 1_000_000),
        )
    sender.flush()

stored = [trade_view(row) for row in rows(args, "trades", "QDBHTTP", base, base + 10**9)]
expected = [
    (base + 1_000_000, 1, "64123.45", "0.25", False),
    (base + 2_000_000, 2, "64123.5", "1", True),
    (base + 3_000_000, 3, "0.00012345", "12345.678", False),
    (base + 4_000_000, 4, "99999.99999999", "0.00000001", True),
]
expect_equal(stored, expected, "rows read back")

# A bad row: the whole request is refused with the server's message, nothing of it is stored.
try:
    with Sender.from_conf(conf) as sender:
        sender.row(
            "trades", symbols={"symbol": "QDBHTTP"},
            columns={"price": 1.5, "qty": 1.0, "trade_id": 10, "side": "buy"}, at=TimestampNanos(base + 10**8))
        sender.row(
            "trades", symbols={"symbol": "QDBHTTP"},
            columns={"price": float("nan"), "qty": 1.0, "trade_id": 11, "side": "buy"},
            at=TimestampNanos(base + 2 * 10**8))
        sender.flush()
    expect(False, "a NaN price was accepted")
except QuestDBError as error:
    expect("price" in str(error), f"the error names the field: {error}")
expect_equal(len(rows(args, "trades", "QDBHTTP", base, base + 10**9)), 4, "rows after a refused request")

# A write without a token is refused (401), not stored.
try:
    with Sender.from_conf(f"http::addr=127.0.0.1:{args.http_port};") as sender:
        sender.row(
            "trades", symbols={"symbol": "QDBHTTP"},
            columns={"price": 2.5, "qty": 1.0, "trade_id": 20, "side": "buy"}, at=TimestampNanos(base + 3 * 10**8))
        sender.flush()
    expect(False, "a write without a token was accepted")
except QuestDBError as error:
    expect("401" in str(error) or "nauthorized" in str(error), f"401 without a token: {error}")
done(f"questdb {__import__('questdb').__version__} over HTTP: {len(stored)} trades exact")
