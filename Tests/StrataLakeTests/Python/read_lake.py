"""Reads a Strata lake table with pyarrow, DuckDB and polars; prints what each saw as JSON.

Usage: read_lake.py LAKE TABLE SYMBOL

Every value is printed as text the way the Swift test spells it: decimals exact without
trailing zeros, timestamps as epoch nanoseconds, booleans true/false, absent values empty.
Also printed: the pyarrow types, every row group's statistics (pyarrow's metadata), how many
row groups pyarrow keeps for `symbol == SYMBOL` (statistics-based pruning) and the counts
DuckDB and polars give for that filter.
"""
import decimal
import glob
import json
import sys

import duckdb
import polars as pl
import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq

lake, table, symbol = sys.argv[1], sys.argv[2], sys.argv[3]
root = f"{lake}/table={table}"
pattern = f"{root}/**/*.parquet"
HIVE = {"date", "table"}


def text(value):
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, decimal.Decimal):
        s = format(value, "f")
        if "." in s:
            s = s.rstrip("0").rstrip(".")
        return "0" if s in ("-0", "") else s
    if isinstance(value, float):
        return repr(value)
    return str(value)


def rows_of(columns, names):
    count = len(columns[names[0]]) if names else 0
    return [[text(columns[name][row]) for name in names] for row in range(count)]


out = {}
try:
    dataset = ds.dataset(root, format="parquet", partitioning="hive")
    pa_table = dataset.to_table()
    names = [n for n in pa_table.column_names if n not in HIVE]
    out["columns"] = names
    out["types"] = {f.name: str(f.type) for f in pa_table.schema if f.name not in HIVE}
    columns = {}
    for name in names:
        column = pa_table.column(name)
        if pa.types.is_timestamp(column.type):
            column = column.cast(pa.int64())
        columns[name] = column.to_pylist()
    out["pyarrow"] = {"rows": rows_of(columns, names)}
    # Statistics, and the row groups pyarrow keeps for a symbol by them alone.
    groups = []
    for path in sorted(glob.glob(pattern, recursive=True)):
        metadata = pq.ParquetFile(path).metadata
        for g in range(metadata.num_row_groups):
            rg = metadata.row_group(g)
            chunks = [rg.column(c) for c in range(rg.num_columns)]
            by_name = {c.path_in_schema: c for c in chunks}
            ts = by_name[names[0]].statistics
            sym = by_name["symbol"].statistics
            groups.append({
                "rows": rg.num_rows,
                "every_column_has_statistics": all(c.statistics is not None and c.statistics.has_null_count for c in chunks),
                "ts_min": str(ts.min.value if hasattr(ts.min, "value") else ts.min) if ts.has_min_max else None,
                "ts_max": str(ts.max.value if hasattr(ts.max, "value") else ts.max) if ts.has_min_max else None,
                "symbol_min": sym.min if sym.has_min_max else None,
                "symbol_max": sym.max if sym.has_min_max else None,
                "compression": chunks[0].compression,
                "encodings": sorted({e for c in chunks for e in c.encodings}),
            })
    out["row_groups"] = groups
    kept = 0
    for fragment in dataset.get_fragments():
        kept += len(fragment.split_by_row_group(filter=ds.field("symbol") == symbol))
    out["pyarrow_row_groups_for_symbol"] = kept
except Exception as error:  # noqa: BLE001 - the test reports it
    out["pyarrow"] = {"error": f"{type(error).__name__}: {error}"}

try:
    con = duckdb.connect()
    relation = con.sql(f"SELECT * FROM read_parquet('{pattern}', hive_partitioning=true)")
    names = [n for n in relation.columns if n not in HIVE]
    types = dict(zip(relation.columns, [str(t) for t in relation.types]))
    select = ", ".join(
        f'epoch_ns("{n}") AS "{n}"' if types[n].startswith("TIMESTAMP") else f'"{n}"' for n in names)
    result = con.sql(f"SELECT {select} FROM read_parquet('{pattern}', hive_partitioning=true)").fetchall()
    out["duckdb"] = {
        "rows": [[text(v) for v in row] for row in result],
        "types": {n: types[n] for n in names},
        "symbol_count": con.sql(
            f"SELECT count(*) FROM read_parquet('{pattern}', hive_partitioning=true) WHERE symbol = ?",
            params=[symbol]).fetchall()[0][0],
    }
except Exception as error:  # noqa: BLE001
    out["duckdb"] = {"error": f"{type(error).__name__}: {error}"}

try:
    frame = pl.read_parquet(pattern, hive_partitioning=True)
    names = [n for n in frame.columns if n not in HIVE]
    frame = frame.select(
        [pl.col(n).cast(pl.Int64) if frame.schema[n] == pl.Datetime or str(frame.schema[n]).startswith("Datetime")
         else pl.col(n) for n in names])
    columns = {n: frame[n].to_list() for n in names}
    out["polars"] = {
        "rows": rows_of(columns, names),
        "symbol_count": pl.scan_parquet(pattern, hive_partitioning=True).filter(pl.col("symbol") == symbol)
        .select(pl.len()).collect().item(),
    }
except Exception as error:  # noqa: BLE001
    out["polars"] = {"error": f"{type(error).__name__}: {error}"}

print(json.dumps(out))
