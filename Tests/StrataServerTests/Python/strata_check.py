"""Shared helpers of the real-client checks: where the server is, reading rows back through
Strata's JSON API, and failing loudly (a non-zero exit with the reason) on any mismatch."""

import argparse
import json
import ssl
import sys
import urllib.request


def arguments(extra=None):
    parser = argparse.ArgumentParser()
    parser.add_argument("--http-port", type=int, required=True)
    parser.add_argument("--tcp-port", type=int, default=0)
    parser.add_argument("--read-token", required=True)
    parser.add_argument("--write-token", required=True)
    parser.add_argument("--ca", default=None, help="the server speaks TLS: trust this CA (PEM)")
    if extra:
        extra(parser)
    return parser.parse_args()


def ecdsa_key_arguments(parser):
    """The ILP/TCP client key (QuestDB's `username`, `token`, `token_x`, `token_y`)."""
    parser.add_argument("--kid", required=True)
    parser.add_argument("--d", required=True)
    parser.add_argument("--x", required=True)
    parser.add_argument("--y", required=True)


def tls_context(args):
    """A client TLS context trusting only the test CA (None without TLS)."""
    return ssl.create_default_context(cafile=args.ca) if args.ca else None


def base_url(args):
    return f"{'https' if args.ca else 'http'}://127.0.0.1:{args.http_port}"


def get(args, path, token=None):
    """GET `path` with a read token; returns (status, body text)."""
    request = urllib.request.Request(f"{base_url(args)}{path}")
    request.add_header("Authorization", f"Bearer {token or args.read_token}")
    try:
        with urllib.request.urlopen(request, timeout=10, context=tls_context(args)) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def get_json(args, path):
    status, body = get(args, path)
    expect(status == 200, f"GET {path}: status {status}: {body}")
    return json.loads(body)


def rows(args, table, symbol, start_ns, end_ns):
    """Every row of `symbol` in [start_ns, end_ns] through /api/v1/<table>/range."""
    answer = get_json(args, f"/api/v1/{table}/range?symbol={symbol}&from={start_ns}&to={end_ns}")
    return answer["rows"]


def expect(condition, message):
    if not condition:
        print(f"FAILED: {message}", file=sys.stderr)
        sys.exit(1)


def expect_equal(actual, expected, what):
    if actual == expected:
        return
    if isinstance(actual, list) and isinstance(expected, list):
        index = next((i for i, (a, e) in enumerate(zip(actual, expected)) if a != e), min(len(actual), len(expected)))
        detail = (f"{len(actual)} items, {len(expected)} expected; first difference at {index}: "
                  f"expected {expected[index] if index < len(expected) else None!r}, "
                  f"got {actual[index] if index < len(actual) else None!r}")
        expect(False, f"{what}: {detail}")
    text = f"{what}: expected {expected!r}, got {actual!r}"
    expect(False, text if len(text) < 2000 else text[:2000] + "…")


def trade_view(row):
    """The fields a writer controls, as the JSON API prints them."""
    return (int(row["ts_ns"]), row["trade_id"], row["price"], row["qty"], row["is_buyer_maker"])


def done(message):
    print(f"ok: {message}")
