"""/metrics parsed by prometheus_client's text parser: the ingest counters agree with the rows
the other checks stored (read back through the JSON API's stats), and the histograms are well formed."""

from prometheus_client.parser import text_string_to_metric_families

from strata_check import arguments, done, expect, expect_equal, get, get_json

args = arguments()
status, text = get(args, "/metrics")
expect_equal(status, 200, "GET /metrics")
families = {family.name: family for family in text_string_to_metric_families(text)}

for name in ["strata_ingest_rows", "strata_http_request_duration_seconds", "strata_table_rows",
             "strata_table_bytes_on_disk"]:
    expect(name in families, f"/metrics has {name} (families: {sorted(families)})")

stats = {table["table"]: table for table in get_json(args, "/api/v1/stats")["tables"]}
ingested = {}
for sample in families["strata_ingest_rows"].samples:
    if sample.name == "strata_ingest_rows_total":
        ingested[sample.labels["table"]] = ingested.get(sample.labels["table"], 0) + sample.value
expect(ingested.get("trades", 0) > 0, f"trades ingested: {ingested}")
expect_equal(int(ingested["trades"]), stats["trades"]["rows"], "rows ingested (metrics) vs stored (stats)")

table_rows = {s.labels["table"]: s.value for s in families["strata_table_rows"].samples}
expect_equal(int(table_rows["trades"]), stats["trades"]["rows"], "strata_table_rows{table=trades}")

histogram = families["strata_http_request_duration_seconds"]
expect_equal(histogram.type, "histogram", "request duration type")
buckets = [s for s in histogram.samples if s.name.endswith("_bucket")]
expect(buckets, "request duration has buckets")
counts = [s for s in histogram.samples if s.name.endswith("_count")]
for count in counts:
    infinite = [b.value for b in buckets if b.labels.get("le") == "+Inf" and
                all(b.labels.get(k) == v for k, v in count.labels.items())]
    expect_equal(infinite, [count.value], f"+Inf bucket equals _count for {count.labels}")
# The server runs with the default durability (an fsync per batch): every write was timed.
fsync = families["strata_wal_fsync_duration_seconds"]
fsync_counts = {s.labels["table"]: s.value for s in fsync.samples if s.name.endswith("_count")}
expect(fsync_counts.get("trades", 0) >= 1, f"WAL fsyncs of trades were timed: {fsync_counts}")
wal_bytes = {s.labels["table"]: s.value for s in families["strata_wal_bytes"].samples}
expect(wal_bytes.get("trades", 0) > 0, f"strata_wal_bytes{{table=trades}}: {wal_bytes}")
# This script's own keep-alive-less request is an open HTTP connection while /metrics is built.
open_http = families["strata_http_connections"].samples[0].value
expect(open_http >= 1, f"strata_http_connections counts the scraping connection: {open_http}")
done(f"/metrics: {len(families)} families parsed, {int(ingested['trades'])} trades ingested = stored")
