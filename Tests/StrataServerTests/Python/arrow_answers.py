"""The server's Arrow and CSV answers, read by the data tools users have: every query route, for
every kind of table, asked for as JSON, as an Arrow IPC stream (read by pyarrow, polars and
DuckDB) and as CSV, must give exactly the same rows — decimals exact, timestamps to the
nanosecond, absent values absent, book levels whole.

The data: trades of two symbols (one with 150,000 rows, so its range streams in several record
batches), aggregated trades, quotes with 0 to 3 levels a side, rows of the user-defined table
`fills` (text of few and of many values, optional float64, bool, int8 and decimal columns) written
as ILP over HTTP; an order placed, filled and cancelled through the orders API (order_events)."""

import csv
import io
import json
import urllib.error
import urllib.request
from decimal import Decimal

import duckdb
import polars
import pyarrow
import pyarrow.compute
import pyarrow.ipc

from strata_check import arguments, base_url, done, expect, expect_equal, get_json

args = arguments(lambda parser: parser.add_argument("--save", default=None,
                                                    help="write the Arrow and CSV answers of the BIG trades' range here"))
BASE = 1_767_571_200_000_000_000  # 2026-01-05T00:00:00Z
MINUTE = 60_000_000_000
END = BASE + 3 * 86_400_000_000_000


def request(path, body=None, method=None, accept=None, token=None):
    req = urllib.request.Request(f"{base_url(args)}{path}", data=body, method=method)
    req.add_header("Authorization", f"Bearer {token or (args.write_token if body is not None else args.read_token)}")
    if accept:
        req.add_header("Accept", accept)
    try:
        with urllib.request.urlopen(req, timeout=60) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def write_lines(lines):
    for start in range(0, len(lines), 50_000):
        status, _, body = request("/write?precision=n", "\n".join(lines[start:start + 50_000]).encode())
        expect(status == 204, f"POST /write: {status} {body[:300]!r}")


def post_json(path, value):
    status, _, body = request(path, json.dumps(value).encode(), method="POST")
    expect(status in (200, 201), f"POST {path}: {status} {body[:300]!r}")


# MARK: - The data

def price(i):
    return f"{60000 + (i * 37) % 5000}.{(i * 7919) % 100_000_000:08d}".rstrip("0").rstrip(".")


lines = []
for i in range(150_000):
    lines.append(f"trades,symbol=BIG trade_id={i + 1}i,price={price(i)},qty=0.{(i % 97) + 1:03d},"
                 f"is_buyer_maker={'t' if i % 3 == 0 else 'f'} {BASE + i * 1_000_000_000}")
for i in range(500):
    lines.append(f"trades,symbol=SMALL trade_id={i + 1}i,price=0.{i + 1:08d},qty=92233720368.54775807,"
                 f"is_buyer_maker=f {BASE + i * MINUTE}")
for i in range(300):
    lines.append(f"aggtrades,symbol=BIG agg_trade_id={i + 1}i,price={price(i)},qty=1.25,first_trade_id={10 * i}i,"
                 f"last_trade_id={10 * i + 9}i,is_buyer_maker={'t' if i % 2 else 'f'} {BASE + i * MINUTE}")
for i in range(400):
    fields = []
    for side, sign in (("bid", -1), ("ask", 1)):
        depth = (i + (side == "ask")) % 4
        if side == "bid" and depth == 0 and (i % 4) == 3:
            depth = 1
        for level in range(depth):
            fields.append(f"{side}_px_{level}={100 + sign * (level + 1)}.{i % 100:02d}")
            fields.append(f"{side}_sz_{level}={level + 1}.{i % 7}")
    if not fields:
        fields = ["bid_px_0=99.5", "bid_sz_0=1"]
    lines.append(f"quotes,symbol=BIG {','.join(fields)} {BASE + i * MINUTE}")
for i in range(2_000):
    fields = [f"id={i + 1}i", f"level={(i % 11) - 5}i", f"maker={'t' if i % 2 else 'f'}"]
    if i % 5:
        fields.append(f"score={(i % 13) / 8 - 0.75}")
    if i % 7:
        fields.append(f"px={'-' if i % 2 else ''}{i}.{i % 10_000:04d}")
    if i % 3:
        note = f"note {i}, with \\\"quotes\\\" and a comma" if i % 2 else f" spaced {i} "
        fields.append(f'note="{note}"')
    lines.append(f"fills,symbol=BIG,venue=V{i % 4} {','.join(fields)} {BASE + i * MINUTE}")
write_lines(lines)

order = {"id": 7, "client_order_id": "c-7", "user": "alice", "symbol": "BIG", "side": "buy", "type": "limit",
         "price": "64000.5", "size": "2", "created_at": str(BASE + 10 * MINUTE)}
post_json("/api/v1/orders", order)
post_json("/api/v1/orders/7/fill", {"quantity": "0.5", "price": "63999.25", "time": str(BASE + 11 * MINUTE)})
post_json("/api/v1/orders/7/cancel", {"time": str(BASE + 12 * MINUTE)})
post_json("/api/v1/orders", dict(order, id=8, client_order_id="c-8", side="sell", type="market", price=None))

# MARK: - Comparing


def same(expected, actual, where):
    """`expected` is the JSON API's value, `actual` what a reader of the Arrow or CSV answer got."""
    if actual is None or expected is None:
        expect(actual is None and expected is None, f"{where}: JSON {expected!r}, got {actual!r}")
    elif isinstance(actual, dict):
        for key, value in actual.items():
            same(expected[key], value, f"{where}.{key}")
    elif isinstance(actual, list):
        expect_equal(len(actual), len(expected), f"{where}: levels")
        for index, (e, a) in enumerate(zip(expected, actual)):
            same(e, a, f"{where}[{index}]")
    elif isinstance(actual, bool):
        expect_equal(actual, expected, where)
    elif isinstance(actual, Decimal):
        expect(Decimal(expected) == actual, f"{where}: JSON {expected!r}, got {actual!r}")
    elif isinstance(actual, int):
        expect_equal(actual, int(expected), where)
    elif isinstance(actual, float):
        expect_equal(actual, float(expected), where)
    else:
        expect_equal(actual, expected, where)


def compare(what, expected_rows, rows, skip=()):
    expect_equal(len(rows), len(expected_rows), f"{what}: rows")
    for index, (expected, row) in enumerate(zip(expected_rows, rows)):
        for key, value in row.items():
            if key in skip:
                continue
            expect(key in expected, f"{what} row {index}: column {key} is not in the JSON answer {sorted(expected)}")
            same(expected[key], value, f"{what} row {index} {key}")


def timestamp_columns(schema):
    return [field.name for field in schema if pyarrow.types.is_timestamp(field.type)]


def arrow_answer(path, accept=False):
    url = path + ("" if accept else ("&" if "?" in path else "?") + "format=arrow")
    status, headers, body = request(url, accept="application/vnd.apache.arrow.stream" if accept else None)
    expect(status == 200, f"GET {url}: {status} {body[:300]!r}")
    expect_equal(headers.get("Content-Type"), "application/vnd.apache.arrow.stream", f"{url}: content type")
    return body


def check_types(what, schema):
    for field in schema:
        kind = field.type
        if field.name in ("ts_ns", "ts", "bucket_ns"):
            expect(pyarrow.types.is_timestamp(kind) and kind.unit == "ns" and kind.tz == "UTC",
                   f"{what}: {field.name} is timestamp[ns, UTC], got {kind}")
        if field.name in ("price", "qty", "open", "close", "px", "size"):
            expect(pyarrow.types.is_decimal(kind), f"{what}: {field.name} is a decimal, got {kind}")
        if field.name == "symbol":
            expect(pyarrow.types.is_dictionary(kind) and pyarrow.types.is_string(kind.value_type),
                   f"{what}: symbol is dictionary-encoded text, got {kind}")


def check(what, path, expected_rows, skip=(), batches_at_least=1):
    """The Arrow answer of `path` read three ways, and its CSV, against `expected_rows` (JSON)."""
    body = arrow_answer(path)
    expect_equal(arrow_answer(path, accept=True), body, f"{what}: Accept header and format=arrow")
    # pyarrow
    reader = pyarrow.ipc.open_stream(body)
    batches = list(reader)
    expect(len(batches) >= batches_at_least, f"{what}: {len(batches)} record batches, {batches_at_least} expected")
    table = pyarrow.Table.from_batches(batches, schema=reader.schema)
    check_types(what, table.schema)
    stamps = timestamp_columns(table.schema)
    as_ints = table
    for name in stamps:
        index = as_ints.schema.get_field_index(name)
        as_ints = as_ints.set_column(index, name, pyarrow.compute.cast(as_ints.column(name), pyarrow.int64()))
    compare(f"{what} (pyarrow)", expected_rows, as_ints.to_pylist(), skip)
    # polars
    frame = polars.read_ipc_stream(io.BytesIO(body))
    frame = frame.with_columns([polars.col(name).cast(polars.Int64) for name in stamps])
    compare(f"{what} (polars)", expected_rows, frame.to_dicts(), skip)
    # DuckDB, over the stream as pyarrow reads it
    relation = pyarrow.ipc.open_stream(body).read_all()
    columns = ", ".join(f'epoch_ns("{name}") AS "{name}"' if name in stamps else f'"{name}"'
                        for name in relation.schema.names)
    result = duckdb.sql(f"SELECT {columns} FROM relation")
    names = [column[0] for column in result.description]
    ducks = [dict(zip(names, values)) for values in result.fetchall()]
    compare(f"{what} (DuckDB)", expected_rows, ducks, skip)
    # CSV: the same columns, flat.
    status, headers, text = request(path + ("&" if "?" in path else "?") + "format=csv")
    expect(status == 200, f"{what}: CSV status {status}")
    expect(headers.get("Content-Type", "").startswith("text/csv"), f"{what}: CSV content type")
    check_csv(what, expected_rows, list(csv.DictReader(io.StringIO(text.decode()))), skip)
    return table


def check_csv(what, expected_rows, rows, skip):
    expect_equal(len(rows), len(expected_rows), f"{what} (CSV): rows")
    for index, (expected, row) in enumerate(zip(expected_rows, rows)):
        for key, value in row.items():
            where = f"{what} (CSV) row {index} {key}"
            side = next((k for k, v in expected.items() if isinstance(v, list) and key.startswith(k[:-1] + "_")),
                        None)
            if side is not None:
                kind, level = key.split("_")[-2:]
                levels = expected[side]
                wanted = levels[int(level)]["price" if kind == "px" else "size"] if int(level) < len(levels) else None
                same(wanted, Decimal(value) if value else None, where)
                continue
            if key in skip:
                continue
            expect(key in expected, f"{where}: not in the JSON answer")
            wanted = expected[key]
            if wanted is None:
                expect_equal(value, "", where)
            elif isinstance(wanted, bool):
                expect_equal(value, "true" if wanted else "false", where)
            elif isinstance(wanted, (int, float)) or (isinstance(wanted, str) and key.endswith("_ns") or key == "ts"):
                expect_equal(Decimal(value), Decimal(str(wanted)), where)
            else:
                try:
                    expect_equal(Decimal(value), Decimal(wanted), where)
                except ArithmeticError:
                    expect_equal(value, wanted, where)


def json_range(table, symbol, start=BASE, end=END):
    rows, cursor = [], None
    while True:
        path = f"/api/v1/{table}/range?symbol={symbol}&from={start}&to={end}&limit=100000"
        answer = get_json(args, path + (f"&cursor={cursor}" if cursor else ""))
        rows += answer["rows"]
        cursor = answer["next_cursor"]
        if not cursor:
            return rows


# MARK: - Every route, every kind of table

checked = 0
for table, symbol in [("trades", "BIG"), ("trades", "SMALL"), ("aggtrades", "BIG"), ("quotes", "BIG"),
                      ("fills", "BIG"), ("order_events", "BIG")]:
    expected = json_range(table, symbol)
    expect(len(expected) > 0, f"{table} {symbol} has rows")
    many = 2 if len(expected) > 65_536 else 1
    check(f"{table} range {symbol}", f"/api/v1/{table}/range?symbol={symbol}&from={BASE}&to={END}", expected,
          skip=("time",), batches_at_least=many)
    latest = get_json(args, f"/api/v1/{table}/latest?symbol={symbol}&limit=1000")["rows"]
    check(f"{table} latest {symbol}", f"/api/v1/{table}/latest?symbol={symbol}&limit=1000", latest, skip=("time",))
    checked += len(expected) + len(latest)

if args.save:  # what `strata query range --format arrow|csv` must write, byte for byte
    for name in ("arrow", "csv"):
        _, _, saved = request(f"/api/v1/trades/range?symbol=BIG&from={BASE}&to={END}&format={name}")
        with open(f"{args.save}/range.{name}", "wb") as f:
            f.write(saved)

# A range with a limit stops there; a range past the data is a schema and no rows.
limited = check("trades range BIG limit 70000", f"/api/v1/trades/range?symbol=BIG&from={BASE}&to={END}&limit=70000",
                json_range("trades", "BIG")[:70_000], skip=("time",))
empty = pyarrow.ipc.open_stream(arrow_answer(f"/api/v1/trades/range?symbol=BIG&from={END}&to={END + 1}")).read_all()
expect_equal(empty.num_rows, 0, "an empty range's rows")
expect_equal(empty.schema.names, ["ts_ns", "symbol", "trade_id", "price", "qty", "is_buyer_maker"],
             "an empty range's columns")

bars_path = f"/api/v1/bars?symbol=BIG&timeframe=1h&from={BASE}&to={END}"
bars = get_json(args, bars_path)
check("bars 1h", bars_path, [dict(bar, symbol="BIG", timeframe="1h") for bar in bars["bars"]], skip=("time",))
quote_bars_path = f"/api/v1/quotes/bars?symbol=BIG&timeframe=15m&from={BASE}&to={END}"
quote_bars = get_json(args, quote_bars_path)["bars"]
flat = []
for bar in quote_bars:
    row = {"symbol": "BIG", "timeframe": "15m", "ts_ns": bar["ts_ns"], "quotes": bar["quotes"]}
    for side in ("bid", "ask"):
        for name in ("open", "high", "low", "close"):
            row[f"{side}_{name}"] = bar[side][name] if bar[side] else None
    flat.append(row)
check("quote bars 15m", quote_bars_path, flat)
for by in ["symbol", "symbol,bucket&bucket=1h", "bucket&bucket=1d"]:
    path = f"/api/v1/trades/aggregate?fn=count,sum(qty),min(price),vwap,last(price)&by={by}"
    rows = get_json(args, path)["rows"]
    check(f"aggregate by {by}", path, rows, skip=("bucket",))
fills = get_json(args, f"/api/v1/fills/aggregate?fn=count,sum(px),max(score),min(level)&by=symbol")["rows"]
check("fills aggregate", "/api/v1/fills/aggregate?fn=count,sum(px),max(score),min(level)&by=symbol", fills)

status, _, body = request(f"/api/v1/trades/latest?symbol=BIG&format=xml")
expect_equal(status, 400, "format=xml")
expect_equal(json.loads(body).get("parameter"), "format", "format=xml names the parameter")

done(f"{checked} rows of 6 tables, bars, quote bars and aggregates: JSON = Arrow (pyarrow, polars, DuckDB) = CSV")
