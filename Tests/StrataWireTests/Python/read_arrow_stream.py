"""Reads an Arrow IPC stream with pyarrow, polars and DuckDB; prints what each saw as canonical JSON.

Usage: read_arrow_stream.py STREAM_FILE

Output: {"pyarrow": READ, "polars": READ, "duckdb": READ}, where READ is
{"rows": n, "types": {column: type as the reader prints it}, "columns": {column: [value, ...]}}
(pyarrow's also has "nullable", "metadata", "batches" and, per dictionary column, the size of
each chunk's dictionary), or {"error": "..."} when the reader failed.

Values: null, booleans, integers and strings as themselves, timestamps as integer nanoseconds,
decimals as exact fixed-point strings ("-1.50000000"), doubles as the signed integer of their
IEEE 754 bits, book levels as lists of [price, size].
"""

import decimal
import json
import struct
import sys
import traceback

import duckdb
import polars
import pyarrow
import pyarrow.ipc


def canonical(value):
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return struct.unpack("<q", struct.pack("<d", value))[0]
    if isinstance(value, decimal.Decimal):
        return format(value, "f")
    if isinstance(value, dict):
        return [canonical(item) for item in value.values()]
    if isinstance(value, (list, tuple)):
        return [canonical(item) for item in value]
    raise TypeError(f"unexpected value {value!r} of type {type(value)}")


def with_pyarrow(path):
    with pyarrow.ipc.open_stream(path) as reader:
        table = reader.read_all()
    columns = {}
    dictionaries = {}
    for field, column in zip(table.schema, table.columns):
        if pyarrow.types.is_timestamp(field.type):
            column = column.cast(pyarrow.int64())
        if pyarrow.types.is_dictionary(field.type):
            dictionaries[field.name] = [len(chunk.dictionary) for chunk in column.chunks]
        columns[field.name] = canonical(column.to_pylist())
    metadata = {key.decode(): value.decode() for key, value in (table.schema.metadata or {}).items()}
    return {
        "rows": table.num_rows,
        "batches": len(table.to_batches()),
        "types": {field.name: str(field.type) for field in table.schema},
        "nullable": {field.name: field.nullable for field in table.schema},
        "metadata": metadata,
        "dictionaries": dictionaries,
        "columns": columns,
    }


def with_polars(path):
    frame = polars.read_ipc_stream(path)
    types = {name: str(dtype) for name, dtype in frame.schema.items()}
    frame = frame.with_columns(
        [polars.col(name).cast(polars.Int64) for name, dtype in frame.schema.items() if dtype == polars.Datetime]
    )
    data = frame.to_dict(as_series=False)
    return {"rows": frame.height, "types": types, "columns": {name: canonical(values) for name, values in data.items()}}


def with_duckdb(path):
    with pyarrow.ipc.open_stream(path) as reader:
        table = reader.read_all()
    connection = duckdb.connect()
    connection.register("tbl", table)
    relation = connection.sql("select * from tbl")
    names = relation.columns
    types = [str(kind) for kind in relation.types]
    selected = []
    for name, kind in zip(names, types):
        quoted = '"' + name.replace('"', '""') + '"'
        selected.append(f"epoch_ns({quoted})" if kind.startswith("TIMESTAMP") else quoted)
    rows = connection.sql("select " + ", ".join(selected) + " from tbl").fetchall() if names else []
    columns = {name: canonical([row[index] for row in rows]) for index, name in enumerate(names)}
    return {"rows": len(rows), "types": dict(zip(names, types)), "columns": columns}


def main():
    decimal.getcontext().prec = 80
    path = sys.argv[1]
    result = {}
    for name, read in (("pyarrow", with_pyarrow), ("polars", with_polars), ("duckdb", with_duckdb)):
        try:
            result[name] = read(path)
        except Exception:  # noqa: BLE001 - reported to the Swift test, which fails naming it
            result[name] = {"error": traceback.format_exc()}
    print(json.dumps(result, sort_keys=True))


if __name__ == "__main__":
    main()
