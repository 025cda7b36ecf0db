"""`influxdb-client` writing to /api/v2/write (points, raw lines in ms precision, gzip); rows
read back through the JSON API; a bad line comes back as a 400 naming the field."""

from influxdb_client import InfluxDBClient, Point, WritePrecision
from influxdb_client.client.write_api import SYNCHRONOUS
from influxdb_client.rest import ApiException

from strata_check import arguments, done, expect, expect_equal, rows, trade_view

args = arguments()
base = 1_719_964_800_000_000_000  # 2024-07-03T00:00:00Z
url = f"http://127.0.0.1:{args.http_port}"

with InfluxDBClient(url=url, token=args.write_token, org="strata") as client:
    write = client.write_api(write_options=SYNCHRONOUS)
    points = [
        Point("trades").tag("symbol", "INFLUXV2").field("price", 3456.78).field("qty", 2.5)
        .field("trade_id", 1).field("side", "buy").time(base + 1_000, WritePrecision.NS),
        Point("trades").tag("symbol", "INFLUXV2").field("price", 3456.8).field("qty", 0.001)
        .field("trade_id", 2).field("is_buyer_maker", True).time(base + 2_000, WritePrecision.NS),
    ]
    write.write(bucket="trades", record=points)
    # Raw line text with millisecond timestamps.
    write.write(
        bucket="trades",
        record=[
            f'trades,symbol=INFLUXV2 price=3457,qty=10,trade_id=3i,side="sell" {base // 1_000_000 + 5}',
            f"trades,symbol=INFLUXV2 price=3457.125,qty=0.5,trade_id=4i,is_buyer_maker=f {base // 1_000_000 + 6}",
        ],
        write_precision=WritePrecision.MS,
    )
    # A bad line (price NaN) among good ones: 400 naming the field and line; nothing stored.
    try:
        write.write(
            bucket="trades",
            record=[
                f'trades,symbol=INFLUXV2 price=1,qty=1,trade_id=9i,side="buy" {base + 9_000_000}',
                f'trades,symbol=INFLUXV2 price=NaN,qty=1,trade_id=10i,side="buy" {base + 10_000_000}',
            ],
        )
        expect(False, "a NaN price was accepted")
    except ApiException as error:
        expect_equal(error.status, 400, "status of a bad line")
        expect("price" in error.body and '"line":2' in error.body.replace(" ", ""), f"400 body: {error.body}")

with InfluxDBClient(url=url, token=args.write_token, org="strata", enable_gzip=True) as client:
    client.write_api(write_options=SYNCHRONOUS).write(
        bucket="trades",
        record=Point("trades").tag("symbol", "INFLUXV2").field("price", 3458.0).field("qty", 1.0)
        .field("trade_id", 5).field("side", "buy").time(base + 7_000_000, WritePrecision.NS),
    )

stored = [trade_view(row) for row in rows(args, "trades", "INFLUXV2", base, base + 10**9)]
expected = [
    (base + 1_000, 1, "3456.78", "2.5", False),
    (base + 2_000, 2, "3456.8", "0.001", True),
    (base + 5_000_000, 3, "3457", "10", True),
    (base + 6_000_000, 4, "3457.125", "0.5", False),
    (base + 7_000_000, 5, "3458", "1", False),
]
expect_equal(stored, expected, "rows read back")

# A read token cannot write (403).
with InfluxDBClient(url=url, token=args.read_token, org="strata") as client:
    try:
        client.write_api(write_options=SYNCHRONOUS).write(
            bucket="trades", record='trades,symbol=INFLUXV2 price=1,qty=1,trade_id=99i,side="buy"')
        expect(False, "a read token wrote")
    except ApiException as error:
        expect_equal(error.status, 403, "status of a write with a read token")
done(f"influxdb-client to /api/v2/write: {len(stored)} trades exact (ns, ms, gzip), 400 and 403 as expected")
