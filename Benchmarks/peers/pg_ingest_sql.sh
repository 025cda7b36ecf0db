#!/bin/sh
# PG ingest at SQL level (BENCHMARKS.md, "PG ingest, part 3"): three 100k-row batches of
# synthetic trades into a copy of the `trades` layout, three ways, each batch one psql process:
# the staging way (temp table + DISTINCT ON + NOT EXISTS), the fast path (conflict check + COPY
# straight into the partitioned table), and the peer (\copy into a LIKE … INCLUDING ALL table).
# usage: pg_ingest_sql.sh [postgres-url]   (default: the tests' server)
set -eu
URL=${1:-postgres://postgres:test_password@127.0.0.1:5433/strata_test}
PSQL=${PSQL:-/usr/lib/postgresql/15/bin/psql}
DIR=$(mktemp -d)
trap 'rm -rf "$DIR"' EXIT
python3 - "$DIR" <<'EOF'
import random, sys
random.seed(7)
d = sys.argv[1]; day0 = 1719792000000000000; W = 86400000000000
for b in range(3):
    st = open(f"{d}/stage{b}.tsv", "w"); di = open(f"{d}/direct{b}.tsv", "w")
    for i in range(100000):
        n = b * 100000 + i
        sym = "SYM%02d" % (n % 100); ts = day0 + n * 250_000_000 + random.randint(0, 1000)
        price = "%d.%08d" % (60000 + random.randint(0, 999), random.randint(0, 10**8 - 1))
        qty = "0.%08d" % random.randint(1, 10**8 - 1); m = "t" if n % 2 else "f"
        st.write(f"{ts}\t{sym}\t{n+1}\t{price}\t{qty}\t{m}\t{i}\t{day0}\t{day0+W}\n")
        di.write(f"{ts}\t{sym}\t{n+1}\t{price}\t{qty}\t{m}\t{n+1}\n")
EOF
setup() {
    "$PSQL" "$URL" -q -v ON_ERROR_STOP=1 2>/dev/null <<'EOF'
DROP SCHEMA IF EXISTS bench_pg_sql CASCADE;
CREATE SCHEMA bench_pg_sql;
SET search_path TO bench_pg_sql;
CREATE TABLE trades (ts_ns bigint NOT NULL, symbol text COLLATE "C" NOT NULL, trade_id bigint NOT NULL,
    price numeric(19,8) NOT NULL, qty numeric(19,8) NOT NULL, is_buyer_maker boolean NOT NULL,
    "_strata_seq" bigint NOT NULL) PARTITION BY RANGE (ts_ns);
ALTER TABLE trades ADD CONSTRAINT "trades$key" UNIQUE (symbol, trade_id, ts_ns);
CREATE INDEX "trades$symbol_time" ON trades (symbol, ts_ns DESC);
CREATE TABLE "trades$p19905" PARTITION OF trades FOR VALUES FROM (1719792000000000000) TO (1719878400000000000);
CREATE INDEX ON "trades$p19905" USING brin (ts_ns);
CREATE TABLE peer (LIKE trades INCLUDING ALL);
EOF
}
timed() {
    start=$(date +%s.%N)
    "$PSQL" "$URL" -q -v ON_ERROR_STOP=1 -f "$2" >/dev/null
    printf '%s: %s s\n' "$1" "$(echo "$(date +%s.%N) - $start" | bc)"
}
setup
for b in 0 1 2; do
    cat >"$DIR/s$b.sql" <<EOF
SET search_path TO bench_pg_sql;
BEGIN;
SET LOCAL work_mem = '64MB';
CREATE TEMPORARY TABLE strata_stage (ts_ns bigint, symbol text COLLATE "C", trade_id bigint, price numeric(19,8),
    qty numeric(19,8), is_buyer_maker boolean, "_strata_ord" bigint, "_strata_lo" bigint, "_strata_hi" bigint) ON COMMIT DROP;
\copy strata_stage FROM '$DIR/stage$b.tsv'
INSERT INTO trades (ts_ns, symbol, trade_id, price, qty, is_buyer_maker, "_strata_seq")
SELECT s.ts_ns, s.symbol, s.trade_id, s.price, s.qty, s.is_buyer_maker, $((b * 100000 + 1)) + s."_strata_ord" FROM (
    SELECT DISTINCT ON (symbol, trade_id, "_strata_lo") * FROM strata_stage ORDER BY symbol, trade_id, "_strata_lo", "_strata_ord") s
WHERE NOT EXISTS (SELECT 1 FROM trades x WHERE x.symbol = s.symbol AND x.trade_id = s.trade_id
    AND x.ts_ns >= s."_strata_lo" AND x.ts_ns < s."_strata_hi") ORDER BY s."_strata_ord";
COMMIT;
EOF
    timed "staging way, batch $b" "$DIR/s$b.sql"
done
setup
for b in 0 1 2; do
    cat >"$DIR/d$b.sql" <<EOF
SET search_path TO bench_pg_sql;
BEGIN;
SELECT EXISTS (SELECT 1 FROM (VALUES ('SYM00', 1719792000000000000::bigint, 1719878400000000000::bigint, $((b * 100000 + 1))::bigint)) b(sym, lo, hi, k)
    WHERE EXISTS (SELECT 1 FROM trades x WHERE x.symbol = b.sym AND x.trade_id >= b.k AND x.ts_ns >= b.lo AND x.ts_ns < b.hi));
\copy trades FROM '$DIR/direct$b.tsv'
COMMIT;
EOF
    timed "fast path, batch $b" "$DIR/d$b.sql"
done
for b in 0 1 2; do
    printf 'SET search_path TO bench_pg_sql;\n\\copy peer FROM %s\n' "'$DIR/direct$b.tsv'" >"$DIR/p$b.sql"
    timed "peer copy, batch $b" "$DIR/p$b.sql"
done
"$PSQL" "$URL" -qc "DROP SCHEMA bench_pg_sql CASCADE" 2>/dev/null
