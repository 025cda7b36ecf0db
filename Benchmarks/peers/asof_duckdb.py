"""ASOF's peer: DuckDB's ASOF LEFT JOIN on the rows strata-bench wrote as CSV (trades.csv,
quotes.csv in the directory given), loaded into DuckDB tables first (not timed), then the join
materialised into a table, timed `runs` times. Prints one JSON line: the times in seconds and the
result's row count, matched rows and exact sum of the matched bids (to check against Strata's).

    python asof_duckdb.py DIR RUNS"""

import json
import sys
import time

import duckdb

directory, runs = sys.argv[1], int(sys.argv[2])
con = duckdb.connect()
money = "DECIMAL(18,8)"
con.execute(
    f"CREATE TABLE trades AS SELECT * FROM read_csv('{directory}/trades.csv', header=true, columns="
    f"{{'ts': 'BIGINT', 'symbol': 'VARCHAR', 'trade_id': 'BIGINT', 'price': '{money}', 'qty': '{money}'}})")
con.execute(
    f"CREATE TABLE quotes AS SELECT * FROM read_csv('{directory}/quotes.csv', header=true, columns="
    f"{{'ts': 'BIGINT', 'symbol': 'VARCHAR', 'bid': '{money}', 'bid_size': '{money}', 'ask': '{money}', "
    f"'ask_size': '{money}'}})")
times = []
for _ in range(runs):
    begin = time.perf_counter()
    con.execute(
        "CREATE OR REPLACE TEMP TABLE joined AS SELECT t.*, q.ts AS quotes_ts, q.bid, q.bid_size, q.ask, q.ask_size "
        "FROM trades t ASOF LEFT JOIN quotes q ON t.symbol = q.symbol AND t.ts >= q.ts")
    times.append(time.perf_counter() - begin)
rows, matched, bids = con.execute("SELECT count(*), count(quotes_ts), sum(bid) FROM joined").fetchone()
print(json.dumps({"seconds": times, "rows": rows, "matched": matched, "bids": str(bids),
                  "duckdb": duckdb.__version__, "threads": con.execute("SELECT current_setting('threads')").fetchone()[0]}))
