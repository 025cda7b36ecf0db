"""The ASOF join (GET /api/v1/asof) against pandas' merge_asof on real data: IBM's trades and
quotes of 2013-10-07 (LEAN/AlgoSeek, shared/data/lean_spy_ibm_equity), written over ILP with
QuestDB's client, joined by Strata and by pandas (direction="backward", by="symbol",
allow_exact_matches=True, with and without a tolerance), compared row by row, exactly: prices
as integers x 10^4 on both sides (Decimal on Strata's), never floats.

The Arrow (pyarrow) and CSV answers are compared, and saved in --save for the Swift test, which
checks that `strata asof` writes the same bytes."""

import csv
import io
import os
import sys
import urllib.request
import zipfile
from decimal import Decimal

import pandas as pd
import pyarrow.ipc
from questdb import Sender, TimestampNanos

import strata_check
from strata_check import expect

# The lowest priority: the rest of the test suite (ILP/TCP ingest at nice +10) runs meanwhile.
os.nice(19)

args = strata_check.arguments(
    lambda parser: (parser.add_argument("--data", required=True), parser.add_argument("--save", required=True))
)

# 2013-10-07 00:00 in New York (EDT, UTC-4) in epoch ns: LEAN times are ms after it.
MIDNIGHT_NS = 1381118400 * 1_000_000_000
FOLDER = os.path.join(args.data, "lean_spy_ibm_equity")


def lean_time(ms):
    return MIDNIGHT_NS + int(ms) * 1_000_000


def read_trades():
    path = os.path.join(FOLDER, "original/Data/equity/usa/tick/ibm/20131007_trade.zip")
    with zipfile.ZipFile(path) as archive:
        text = archive.read(archive.namelist()[0]).decode()
    # time, price x 10^4, size, exchange, sale condition, suspicious
    return [(lean_time(f[0]), int(f[1]), int(f[2])) for f in csv.reader(io.StringIO(text)) if f]


def read_quotes():
    # time, bid x 10^4, bid size, ask x 10^4, ask size, exchange, condition, suspicious; a one-sided
    # update has 0,0 on the other side.
    with open(os.path.join(FOLDER, "csv/20131007_ibm_Quote_Tick.csv")) as file:
        return [(lean_time(f[0]), int(f[1]), int(f[2]), int(f[3]), int(f[4])) for f in csv.reader(file) if f]


trades = read_trades()
quotes = read_quotes()
expect(len(trades) == 24_293 and len(quotes) == 109_067, f"{len(trades)} trades, {len(quotes)} quotes")

# Written in file order: among quotes of one millisecond the last in the file is the last stored.
scale = Decimal(10_000)
conf = f"http::addr=127.0.0.1:{args.http_port};token={args.write_token};auto_flush_rows=20000;"
with Sender.from_conf(conf) as sender:
    for index, (ts, price, size) in enumerate(trades):
        sender.row(
            "trades", symbols={"symbol": "IBM"},
            columns={"price": Decimal(price) / scale, "qty": Decimal(size), "trade_id": index + 1, "side": "buy"},
            at=TimestampNanos(ts))
    for ts, bid, bid_size, ask, ask_size in quotes:
        columns = {}
        if bid > 0:
            columns.update({"bid_px_0": Decimal(bid) / scale, "bid_sz_0": Decimal(bid_size)})
        if ask > 0:
            columns.update({"ask_px_0": Decimal(ask) / scale, "ask_sz_0": Decimal(ask_size)})
        sender.row("quotes", symbols={"symbol": "IBM"}, columns=columns, at=TimestampNanos(ts))
    sender.flush()

left = pd.DataFrame(
    {"ts": [t[0] for t in trades], "symbol": "IBM", "trade_id": range(1, len(trades) + 1),
     "price": pd.array([t[1] for t in trades], dtype="Int64")})
right = pd.DataFrame(
    {"ts": [q[0] for q in quotes], "symbol": "IBM", "quote_ts": pd.array([q[0] for q in quotes], dtype="Int64"),
     "bid": pd.array([q[1] or None for q in quotes], dtype="Int64"),
     "bid_size": pd.array([q[2] if q[1] else None for q in quotes], dtype="Int64"),
     "ask": pd.array([q[3] or None for q in quotes], dtype="Int64"),
     "ask_size": pd.array([q[4] if q[3] else None for q in quotes], dtype="Int64")})
left["ts"] = pd.to_datetime(left["ts"], unit="ns")
right["ts"] = pd.to_datetime(right["ts"], unit="ns")
# merge_asof needs both sides sorted by time; a stable sort keeps the file order of equal times.
left = left.sort_values("ts", kind="stable").reset_index(drop=True)
right = right.sort_values("ts", kind="stable").reset_index(drop=True)


def reference(start_ns, end_ns, tolerance_ns):
    window = left[(left["ts"] >= pd.Timestamp(start_ns, unit="ns")) & (left["ts"] < pd.Timestamp(end_ns, unit="ns"))]
    joined = pd.merge_asof(
        window, right, on="ts", by="symbol", direction="backward", allow_exact_matches=True,
        tolerance=None if tolerance_ns is None else pd.Timedelta(tolerance_ns, unit="ns"))
    rows = []
    for row in joined.itertuples(index=False):
        matched = not pd.isna(row.quote_ts)
        def value(x):
            return None if pd.isna(x) else int(x)
        rows.append((row.trade_id, value(row.price), int(row.quote_ts) if matched else None,
                     value(row.bid), value(row.bid_size), value(row.ask), value(row.ask_size)))
    return rows


def fetch(path, accept=None):
    request = urllib.request.Request(f"http://127.0.0.1:{args.http_port}{path}")
    request.add_header("Authorization", f"Bearer {args.read_token}")
    with urllib.request.urlopen(request, timeout=60) as response:
        expect(response.status == 200, f"GET {path}: {response.status}")
        return response.read()


def units(text):
    """A decimal (text or Decimal) x 10^4 as an exact integer; None for empty."""
    if text is None or text == "":
        return None
    value = Decimal(text) * scale
    expect(value == value.to_integral_value(), f"{text} has more than 4 decimals")
    return int(value)


def shares(text):
    """A size (text or Decimal): a whole number of shares in LEAN's data; None for empty."""
    if text is None or text == "":
        return None
    value = Decimal(text)
    expect(value == value.to_integral_value(), f"size {text} is not whole")
    return int(value)


def from_csv(body):
    rows = []
    reader = csv.DictReader(io.StringIO(body.decode()))
    for r in reader:
        rows.append((int(r["trade_id"]), units(r["price"]), int(r["quotes_ts"]) if r["quotes_ts"] else None,
                     units(r["quotes_bid_px_0"]), shares(r["quotes_bid_sz_0"]), units(r["quotes_ask_px_0"]),
                     shares(r["quotes_ask_sz_0"])))
    return rows, reader.fieldnames


def from_arrow(body):
    table = pyarrow.ipc.open_stream(io.BytesIO(body)).read_all()
    rows = []
    for r in table.to_pylist():
        quote = r["quotes_ts"]
        def level(side, member):
            levels = r[f"quotes_{side}"]
            return (units if member == "price" else shares)(levels[0][member]) if levels else None
        rows.append((r["trade_id"], units(r["price"]),
                     None if quote is None else int(pd.Timestamp(quote).value),
                     level("bids", "price"), level("bids", "size"), level("asks", "price"), level("asks", "size")))
    return rows, table.schema


day = (MIDNIGHT_NS, MIDNIGHT_NS + 86_400 * 1_000_000_000)
# From 10:00 New York: the quote prevailing at the start comes from before the window.
late = (MIDNIGHT_NS + 10 * 3_600 * 1_000_000_000 + 123_456_789, MIDNIGHT_NS + 15 * 3_600 * 1_000_000_000)
cases = [(day, None, None), (day, "500ms", 500_000_000), (day, "0", 0), (day, "1ms", 1_000_000),
         (late, None, None), (late, "2s", 2_000_000_000)]
for (start, end), text, tolerance in cases:
    expected = reference(start, end, tolerance)
    query = f"/api/v1/asof?left=trades&right=quotes&symbol=IBM&from={start}&to={end}"
    if text is not None:
        query += f"&tolerance={text}"
    csv_rows, header = from_csv(fetch(query + "&format=csv"))
    arrow_rows, schema = from_arrow(fetch(query + "&format=arrow"))
    label = f"[{start}, {end}) tolerance {text}"
    matched = sum(1 for r in expected if r[2] is not None)
    expect(len(expected) > 1_000, f"{label}: only {len(expected)} trades")
    for name, rows in [("csv", csv_rows), ("arrow", arrow_rows)]:
        expect(len(rows) == len(expected), f"{label} {name}: {len(rows)} rows, pandas {len(expected)}")
        differences = [(a, b) for a, b in zip(rows, expected) if a != b]
        expect(not differences, f"{label} {name}: {len(differences)} rows differ, first {differences[:3]}")
    print(f"{label}: {len(expected)} trades, {matched} with a quote, equal to pandas merge_asof")
    if text is None and (start, end) == day:
        expect(header[:8] == ["ts_ns", "symbol", "trade_id", "price", "qty", "is_buyer_maker", "quotes_ts",
                              "quotes_bid_px_0"], f"CSV header {header}")
        expect(str(schema.field("price").type) == "decimal128(38, 8)", f"price is {schema.field('price').type}")
        for extension in ["csv", "arrow"]:
            with open(os.path.join(args.save, f"asof.{extension}"), "wb") as file:
                file.write(fetch(query + f"&format={extension}"))

# JSON a page at a time: the pages laid end to end are the CSV answer's rows.
start, end = late
paged = []
cursor = None
while True:
    path = f"/api/v1/asof?left=trades&right=quotes&symbol=IBM&from={start}&to={end}&tolerance=2s&limit=3000"
    answer = strata_check.get_json(args, path + (f"&cursor={cursor}" if cursor else ""))
    for r in answer["rows"]:
        bids, asks = r["quotes_bids"] or [], r["quotes_asks"] or []
        paged.append((r["trade_id"], units(r["price"]), int(r["quotes_ts"]) if r["quotes_ts"] else None,
                      units(bids[0]["price"]) if bids else None, shares(bids[0]["size"]) if bids else None,
                      units(asks[0]["price"]) if asks else None, shares(asks[0]["size"]) if asks else None))
    cursor = answer["next_cursor"]
    expect(answer["truncated"] == (cursor is not None), f"truncated {answer['truncated']}, cursor {cursor}")
    if cursor is None:
        break
expected = reference(start, end, 2_000_000_000)
expect(paged == expected, f"JSON pages: {len(paged)} rows, pandas {len(expected)}")
print(f"ok: merge_asof equal on {len(cases)} joins; JSON pages equal too")
