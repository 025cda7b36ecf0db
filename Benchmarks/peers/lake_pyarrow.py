"""LAKE's peer: pyarrow writing the same trades as Strata's export, and DuckDB querying both.

Usage: lake_pyarrow.py CSV_GLOB OUT_DIR STRATA_GLOB RUNS

Reads the trades (Strata's CSV export of the same rows, not timed) into an Arrow table with
Strata's Parquet types (timestamp[ns, UTC], string, int64, decimal128(18, 8), bool), sorted by
symbol and time as Strata's files are, then times pq.write_table with pyarrow's defaults
(Snappy, dictionary encoding, statistics) RUNS times. Then DuckDB runs two queries RUNS times on
Strata's files and on pyarrow's: a GROUP BY symbol over everything and one symbol's count and
volume. Prints one JSON line.
"""
import glob
import json
import os
import sys
import time

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

csv_glob, out_dir, strata_glob, runs = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
types = {
    "ts_ns": pa.int64(), "symbol": pa.string(), "trade_id": pa.int64(),
    "price": pa.decimal128(18, 8), "qty": pa.decimal128(18, 8), "is_buyer_maker": pa.bool_(),
}
tables = [pacsv.read_csv(path, convert_options=pacsv.ConvertOptions(column_types=types))
          for path in sorted(glob.glob(csv_glob, recursive=True))]
table = pa.concat_tables(tables)
table = table.set_column(0, "ts_ns", pc.cast(table.column("ts_ns"), pa.timestamp("ns", tz="UTC")))
table = table.sort_by([("symbol", "ascending"), ("ts_ns", "ascending")])
os.makedirs(out_dir, exist_ok=True)
path = os.path.join(out_dir, "trades.parquet")
write_seconds = []
for _ in range(runs):
    begin = time.perf_counter()
    pq.write_table(table, path, compression="snappy")
    write_seconds.append(time.perf_counter() - begin)

con = duckdb.connect()
queries = {
    "group_by_symbol": "SELECT symbol, count(*), sum(qty), min(price), max(price) FROM read_parquet('{glob}') "
                       "GROUP BY symbol ORDER BY symbol",
    "one_symbol": "SELECT count(*), sum(qty), max(price) FROM read_parquet('{glob}') WHERE symbol = 'SYM001'",
}
timings = {}
answers_equal = True
for name, sql in queries.items():
    answers = []
    for label, files in (("strata", strata_glob), ("pyarrow", path)):
        seconds = []
        answer = None
        for _ in range(runs):
            begin = time.perf_counter()
            answer = con.sql(sql.format(glob=files)).fetchall()
            seconds.append(time.perf_counter() - begin)
        timings[f"{name}_{label}"] = seconds
        answers.append(answer)
    answers_equal = answers_equal and answers[0] == answers[1]

print(json.dumps({
    "rows": table.num_rows, "bytes": os.path.getsize(path), "write_seconds": write_seconds,
    "row_groups": pq.ParquetFile(path).metadata.num_row_groups, "duckdb_seconds": timings,
    "answers_equal": answers_equal, "pyarrow": pa.__version__, "duckdb": duckdb.__version__,
}))
