"""The web console in headless Chromium (Debian's `chromium`), driven over the DevTools protocol:
the page loads with auth on (the read token given once, as `#token=`), lists the tables, draws a
chart of real data (the SPY trades of 2013-10-07 from shared/data, written as ILP), and a trade
written over ILP afterwards reaches the chart through the live feed, without a reload. A
screenshot is saved (`--screenshot`)."""

import base64
import json
import os
import shutil
import subprocess
import tempfile
import time
import urllib.request
from decimal import Decimal

from websockets.sync.client import connect

from strata_check import arguments, base_url, done, expect

args = arguments(lambda parser: (parser.add_argument("--shared", required=True),
                                 parser.add_argument("--screenshot", required=True)))
MIDNIGHT_NY = 1_381_118_400_000_000_000  # 2013-10-07T00:00:00-04:00


def post(lines):
    body = ("\n".join(lines) + "\n").encode()
    request = urllib.request.Request(f"{base_url(args)}/write?precision=ns", data=body, method="POST")
    request.add_header("Authorization", f"Bearer {args.write_token}")
    with urllib.request.urlopen(request, timeout=60) as response:
        expect(response.status == 204, f"write: {response.status}")


def write_real_trades():
    lines, last = [], 0
    with open(f"{args.shared}/lean_spy_ibm_equity/csv/20131007_spy_Trade_Tick.csv") as source:
        for number, line in enumerate(source, start=1):
            fields = line.strip().split(",")
            last = MIDNIGHT_NY + int(fields[0]) * 1_000_000
            lines.append(f"trades,symbol=SPY trade_id={number}i,price={Decimal(fields[1]) / 10_000},"
                         f"qty={fields[2]},is_buyer_maker=false {last}")
    for start in range(0, len(lines), 50_000):
        post(lines[start:start + 50_000])
    return len(lines), last


def page_socket_url(port):
    """The DevTools WebSocket of Chromium's first tab, once it is up."""
    deadline = time.time() + 30
    while True:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/json", timeout=2) as response:
                targets = json.loads(response.read())
            return next(t for t in targets if t.get("type") == "page")["webSocketDebuggerUrl"]
        except Exception:
            expect(time.time() < deadline, "Chromium's DevTools endpoint did not come up")
            time.sleep(0.2)


class Page:
    """One tab of Chromium over the DevTools protocol."""

    def __init__(self, socket):
        self.socket = socket
        self.next_id = 0

    def call(self, method, **params):
        self.next_id += 1
        self.socket.send(json.dumps({"id": self.next_id, "method": method, "params": params}))
        while True:
            message = json.loads(self.socket.recv(timeout=30))
            if message.get("id") == self.next_id:
                expect("error" not in message, f"{method}: {message.get('error')}")
                return message["result"]

    def evaluate(self, expression):
        result = self.call("Runtime.evaluate", expression=expression, returnByValue=True)
        return result["result"].get("value")

    def wait_for(self, expression, what, seconds=30):
        deadline = time.time() + seconds
        while time.time() < deadline:
            value = self.evaluate(expression)
            if value:
                return value
            time.sleep(0.2)
        state = self.evaluate("JSON.stringify(document.getElementById('status').dataset)")
        expect(False, f"the console did not show {what} within {seconds} s: status {state}")


def main():
    written, last = write_real_trades()
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    expect(chromium is not None, "chromium is not installed (apt-get install chromium)")
    profile = tempfile.mkdtemp(prefix="strata-console-")
    port = 9222 + os.getpid() % 1000
    browser = subprocess.Popen([chromium, "--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run",
                                f"--remote-debugging-port={port}", "--remote-allow-origins=*",
                                f"--user-data-dir={profile}", "--window-size=1400,1000",
                                f"{base_url(args)}/#token={args.read_token}"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        with connect(page_socket_url(port), max_size=64 << 20) as socket:
            bars = drive(Page(socket), written, last)
    finally:
        browser.terminate()
        try:
            browser.wait(timeout=10)
        except subprocess.TimeoutExpired:
            browser.kill()
        shutil.rmtree(profile, ignore_errors=True)
    done(f"{written} SPY trades; the console drew {bars} bars and the live trade; screenshot {args.screenshot}")


def drive(page, written, last):
    """Checks the page; the number of bars it drew."""
    page.wait_for("document.getElementById('status').dataset.ready === '1' && "
                  "+document.getElementById('status').dataset.bars > 20", "a chart of the SPY bars")
    tables = page.wait_for("[...document.querySelectorAll('#tables tbody td:first-child')].map(td => td.textContent)"
                           ".filter(t => t === 'trades').length", "the tables")
    expect(tables == 1, "the trades table is listed")
    expect(page.evaluate("document.getElementById('symbol').value") == "SPY", "SPY is the chosen symbol")
    expect(page.evaluate("location.hash") == "", "the token is taken off the address")
    expect(page.evaluate("localStorage.getItem('strata.token')") == args.read_token, "the token is kept")
    health = page.evaluate("document.getElementById('health-status').textContent")
    expect(health == "ok", f"health shown: {health!r}")
    # A trade over ILP, after the page loaded: the chart's last close becomes its price.
    page.wait_for("document.getElementById('status').dataset.ready === '1'", "the live feed", 5)
    time.sleep(1.0)  # the WebSocket subscribes after the chart is drawn
    post([f"trades,symbol=SPY trade_id={written + 1}i,price=170.1234,qty=7,is_buyer_maker=false {last + 1_000}"])
    page.wait_for("document.getElementById('status').dataset.lastClose === '170.1234' && "
                  "+document.getElementById('status').dataset.liveTrades >= 1", "the live trade on the chart")
    shot = page.call("Page.captureScreenshot", format="png")
    with open(args.screenshot, "wb") as out:
        out.write(base64.b64decode(shot["data"]))
    expect(os.path.getsize(args.screenshot) > 10_000, "the screenshot has content")
    return page.evaluate("document.getElementById('status').dataset.bars")


main()
