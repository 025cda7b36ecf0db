#!/usr/bin/env python3
"""W5 (sum(qty) and count per symbol over every trade) through Strata's HTTP aggregate route, on
the store `../shared/bench-peers` built, measured as that harness measures its peers' queries.

The peer harness reports Strata's W5 as "not offered" (it does not call the aggregate route), so
this script answers W5 for Strata on the same data and the same machine, right after the
harness's run (`--keep-stores`): from issuing the request on one kept-alive `http.client`
connection to having the rows parsed with `json.loads` into (symbol, Decimal sum, count) tuples,
with the server's own time from `Server-Timing`. The answer is checked exactly against sums
computed from the CSV with `Decimal`.

    python3 scripts/peers-w5.py --csv /tmp/peers-bench/trades_10M.csv \
        --store /tmp/peers-bench/run/strata/store --strata-bin .build/release/strata --reps 15
"""

import argparse
import csv
import http.client
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import time
from decimal import Decimal

TARGET = "/api/v1/trades/aggregate?fn=count,sum(qty)&by=symbol"


def reference(path):
    sums, counts = {}, {}
    with open(path, newline="") as f:
        rows = csv.reader(f)
        header = next(rows)
        sym, qty = header.index("symbol"), header.index("qty")
        for row in rows:
            s = row[sym]
            sums[s] = sums.get(s, Decimal(0)) + Decimal(row[qty])
            counts[s] = counts.get(s, 0) + 1
    return {s: (sums[s], counts[s]) for s in sums}


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--csv", required=True)
    parser.add_argument("--store", required=True, help="the data directory the peer harness ingested")
    parser.add_argument("--strata-bin", required=True)
    parser.add_argument("--reps", type=int, default=15)
    args = parser.parse_args()

    t = time.perf_counter()
    expected = reference(args.csv)
    print(f"reference from the CSV: {len(expected)} symbols, {sum(c for _, c in expected.values()):,} rows "
          f"({time.perf_counter() - t:.1f} s)", file=sys.stderr)

    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("STRATA_")}
    env.update({"STRATA_HTTP_HOST": "127.0.0.1", "STRATA_ILP_TCP_ENABLED": "false", "STRATA_AUTH_DISABLED": "true"})
    server = subprocess.Popen([args.strata_bin, "serve", "--data", args.store, "--port", str(port)], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        conn = None
        for _ in range(600):
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
                conn.request("GET", "/health")
                conn.getresponse().read()
                break
            except OSError:
                conn = None
                time.sleep(0.1)
        if conn is None:
            sys.exit("the server did not start: " + server.stderr.read().decode())

        def query():
            start = time.perf_counter()
            conn.request("GET", TARGET)
            response = conn.getresponse()
            body = response.read()
            doc = json.loads(body)
            rows = [(r["symbol"], Decimal(str(r["sum(qty)"])), int(r["count"])) for r in doc["rows"]]
            elapsed = (time.perf_counter() - start) * 1000
            timing = response.getheader("Server-Timing") or ""
            match = re.search(r"dur=([0-9.]+)", timing)
            return rows, elapsed, float(match.group(1)) if match else None

        for _ in range(3):
            rows, _, _ = query()
        got = {s: (q, c) for s, q, c in rows}
        if got != expected:
            bad = [s for s in expected if got.get(s) != expected[s]]
            sys.exit(f"W5 answer differs from the CSV for {len(bad)} symbols, e.g. {bad[:3]}")
        client, server_ms = [], []
        for _ in range(args.reps):
            _, elapsed, own = query()
            client.append(elapsed)
            if own is not None:
                server_ms.append(own)
        print(json.dumps({
            "query": TARGET, "reps": args.reps, "exact": True, "symbols": len(got),
            "client_ms_median": round(statistics.median(client), 2),
            "server_ms_median": round(statistics.median(server_ms), 2) if server_ms else None,
            "load_average": os.getloadavg(),
        }))
    finally:
        server.terminate()
        server.wait(timeout=60)


if __name__ == "__main__":
    main()
