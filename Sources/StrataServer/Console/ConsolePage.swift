import Hummingbird

/// The web console `strata serve` answers at `/`: one page, its style and script inline, nothing
/// fetched from anywhere but this server (it works with no network), no token in the page —
/// the read token is entered once (or passed as `#token=…`, which the page moves to the
/// browser's local storage and takes off the address).
///
/// What it shows, refreshed every few seconds: the health of every table (`/health/ready`);
/// the tables with rows, bytes on disk, compression and ingest rate (rows per second between
/// two refreshes of `/api/v1/stats`); the quality report where the server has one
/// (`/api/v1/quality`); and a candlestick chart with volume and chosen indicators
/// (`/api/v1/indicators`) for any symbol and timeframe, its last bar updated live from the
/// WebSocket feed's trades (`/api/v1/live`). Times are kept as `BigInt` nanoseconds (beyond a
/// double's integers); prices are drawn from numbers but printed from the API's exact strings.
///
/// `#status` carries what the page has done, as `data-` attributes (bars drawn, last close,
/// live trades seen): the console test reads them from headless Chromium.
enum ConsolePage {
    static func register(on router: Router<StrataRequestContext>) {
        for path in ["/", "/console"] {
            router.get(RouterPath(stringLiteral: path)) { _, _ in
                Responses.bytes(Array(html.utf8), contentType: "text/html; charset=utf-8")
            }
        }
    }

    static let html = #"""
        <!doctype html>
        <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
        <title>Strata console</title>
        <style>
        body{margin:0;font:14px/1.4 system-ui,sans-serif;background:#111418;color:#d8dde3}
        header{display:flex;gap:16px;align-items:center;padding:10px 16px;background:#1a1f26;border-bottom:1px solid #2a313b}
        h1{font-size:18px;margin:0}h2{font-size:15px;margin:0 0 8px}
        main{display:grid;grid-template-columns:minmax(400px,1fr) 3fr;gap:14px;padding:14px}
        section{background:#1a1f26;border:1px solid #2a313b;border-radius:6px;padding:10px 12px;overflow-x:auto}
        #chart-section{grid-column:2;grid-row:1 / span 3}
        table{border-collapse:collapse;width:100%;font-size:13px}td,th{padding:3px 5px;white-space:nowrap;text-align:right;border-bottom:1px solid #262d36}
        td:first-child,th:first-child{text-align:left}.ok{color:#4fc37a}.bad{color:#ff6b6b}.muted{color:#8a94a0}
        input,select,button{background:#232a33;color:#d8dde3;border:1px solid #36404c;border-radius:4px;padding:4px 6px}
        .controls{display:flex;flex-wrap:wrap;gap:10px;align-items:center;margin-bottom:8px}
        canvas{width:100%;background:#0d1014;border-radius:4px}
        </style></head>
        <body>
        <header><h1>Strata</h1><span id="version" class="muted"></span>
        <form id="auth"><input id="token" type="password" placeholder="read token" autocomplete="off">
        <button>Use token</button></form><span id="auth-state" class="muted"></span></header>
        <main>
        <section id="health-section"><h2>Health <span id="health-status"></span></h2>
        <table id="health"><thead><tr><th>table</th><th>status</th><th>WAL bytes</th><th>open partitions</th></tr></thead>
        <tbody></tbody></table><div id="incidents" class="muted"></div></section>
        <section id="tables-section"><h2>Tables</h2>
        <table id="tables"><thead><tr><th>table</th><th>rows</th><th>on disk</th><th>compression</th><th>rows/s</th></tr></thead>
        <tbody></tbody></table></section>
        <section id="quality-section"><h2>Quality</h2><div id="quality" class="muted">…</div></section>
        <section id="chart-section"><h2>Chart <span id="chart-title" class="muted"></span></h2>
        <div class="controls"><select id="symbol"></select>
        <select id="timeframe"><option>1m</option><option selected>5m</option><option>15m</option><option>1h</option><option>1d</option></select>
        <label><input type="checkbox" value="ema(9)" checked>EMA 9</label>
        <label><input type="checkbox" value="ema(21)" checked>EMA 21</label>
        <label><input type="checkbox" value="bollinger">Bollinger 20/2</label>
        <label><input type="checkbox" value="vwap">VWAP</label>
        <span id="last" class="muted"></span></div>
        <canvas id="chart" width="1200" height="560"></canvas>
        <div id="status" data-ready="0" data-bars="0" data-last-close="" data-live-trades="0" data-tables="0"></div>
        </section></main>
        <script>
        "use strict";
        const $ = (id) => document.getElementById(id);
        const status = $("status");
        let token = localStorage.getItem("strata.token") || "";
        const fromHash = new URLSearchParams(location.hash.slice(1)).get("token");
        if (fromHash) { token = fromHash; localStorage.setItem("strata.token", token); history.replaceState(null, "", location.pathname); }
        $("auth").addEventListener("submit", (e) => { e.preventDefault(); token = $("token").value.trim();
          localStorage.setItem("strata.token", token); $("token").value = ""; refreshAll(); });
        async function api(path) {
          const response = await fetch(path, { headers: token ? { Authorization: "Bearer " + token } : {} });
          if (response.status === 401) { $("auth-state").textContent = "a read token is needed"; throw new Error("401"); }
          $("auth-state").textContent = token ? "token in use" : "";
          return response;
        }
        const cell = (text, cls) => { const td = document.createElement("td"); td.textContent = text; if (cls) td.className = cls; return td; };
        const row = (cells) => { const tr = document.createElement("tr"); cells.forEach((c) => tr.appendChild(c)); return tr; };
        const bytes = (n) => n >= 1 << 30 ? (n / (1 << 30)).toFixed(2) + " GiB" : n >= 1 << 20 ? (n / (1 << 20)).toFixed(1) + " MiB" : n >= 1024 ? (n / 1024).toFixed(1) + " KiB" : n + " B";

        async function refreshHealth() {
          try {
            const live = await (await fetch("/health/live")).json(); $("version").textContent = "v" + live.version;
            const ready = await (await fetch("/health/ready")).json();
            $("health-status").textContent = ready.status; $("health-status").className = ready.status === "ok" ? "ok" : "bad";
            const body = $("health").tBodies[0]; body.replaceChildren();
            for (const t of ready.tables || []) body.appendChild(row([cell(t.table), cell(t.status, t.status === "ok" ? "ok" : "bad"),
              cell(bytes(t.wal_bytes)), cell(String(t.open_partitions))]));
            const incidents = ready.incidents || []; $("incidents").textContent = incidents.length ? incidents.length + " open incident(s)" : "";
          } catch (e) { $("health-status").textContent = "unreachable"; $("health-status").className = "bad"; }
        }

        let previousRows = null;
        async function refreshTables() {
          try {
            const stats = await (await api("/api/v1/stats")).json();
            const now = performance.now(); const ratios = {};
            for (const s of stats.storage || []) ratios[s.table] = s.compression_ratio;
            const body = $("tables").tBodies[0]; body.replaceChildren();
            for (const t of stats.tables) {
              let rate = "";
              if (previousRows && previousRows.rows[t.table] !== undefined) {
                const seconds = (now - previousRows.time) / 1000;
                if (seconds > 0) rate = Math.max(0, Math.round((t.rows - previousRows.rows[t.table]) / seconds)).toLocaleString();
              }
              body.appendChild(row([cell(t.table), cell(t.rows.toLocaleString()), cell(bytes(t.bytes_on_disk)),
                cell(ratios[t.table] ? ratios[t.table] + "×" : "—"), cell(rate)]));
            }
            previousRows = { time: now, rows: Object.fromEntries(stats.tables.map((t) => [t.table, t.rows])) };
            status.dataset.tables = String(stats.tables.length);
          } catch (e) {}
        }

        async function refreshQuality() {
          try {
            const response = await api("/api/v1/quality");
            if (response.status === 404) { $("quality").textContent = "no quality report on this server"; return; }
            const report = await response.json(); const target = $("quality"); target.replaceChildren();
            if (!response.ok) { target.textContent = report.message || "quality: " + response.status; return; }
            const head = document.createElement("div");
            head.textContent = "overall score " + report.score + " · " + (report.findings || []).length + " recent finding(s)";
            target.appendChild(head);
            const table = document.createElement("table");
            for (const t of report.tables || []) {
              table.appendChild(row([cell(t.table), cell(t.score)]));
              const worst = (t.symbols || []).slice().sort((a, b) => +a.score - +b.score).slice(0, 5);
              for (const s of worst) table.appendChild(row([cell("  " + s.symbol, "muted"), cell(s.score)]));
            }
            target.appendChild(table);
          } catch (e) {}
        }

        const frames = { "1m": 60n, "5m": 300n, "15m": 900n, "1h": 3600n, "1d": 86400n };
        let chart = { bars: [], symbol: "", timeframe: "5m", width: 0n }; let socket = null; let refetch = null;

        async function loadSymbols() {
          try {
            const listing = await (await api("/api/v1/trades/symbols")).json();
            const symbols = (listing.symbols || listing.rows || []).slice().sort((a, b) => b.rows - a.rows);
            const select = $("symbol"); const chosen = select.value;
            select.replaceChildren(...symbols.map((s) => { const o = document.createElement("option"); o.textContent = s.symbol; o.dataset.last = s.last_ns; return o; }));
            if (chosen && symbols.some((s) => s.symbol === chosen)) select.value = chosen;
          } catch (e) {}
        }

        function chosenIndicators() { return [...document.querySelectorAll(".controls input:checked")].map((i) => i.value); }

        async function loadChart() {
          const select = $("symbol"); const option = select.selectedOptions[0]; if (!option) return;
          const timeframe = $("timeframe").value; const width = frames[timeframe] * 1000000000n;
          const last = BigInt(option.dataset.last || "0"); const to = (last / width + 1n) * width; const from = to - 150n * width;
          const indicators = chosenIndicators(); const list = indicators.length ? indicators.join(",") : "vwap";
          const answer = await (await api(`/api/v1/indicators?symbol=${encodeURIComponent(option.textContent)}&timeframe=${timeframe}&from=${from}&to=${to}&indicators=${encodeURIComponent(list)}`)).json();
          chart = { bars: (answer.bars || []).map(toBar), symbol: option.textContent, timeframe, width, indicators };
          $("chart-title").textContent = chart.symbol + " " + timeframe;
          draw(); subscribe();
          status.dataset.ready = "1";
        }

        function toBar(b) {
          return { start: BigInt(b.ts_ns), open: +b.open, high: +b.high, low: +b.low, close: +b.close, closeText: b.close,
            volume: +b.volume, extra: Object.fromEntries(Object.entries(b).filter(([k]) => /^(ema_|sma_|bb_|anchored_vwap)/.test(k)).map(([k, v]) => [k, v === null ? null : +v])) };
        }

        function subscribe() {
          if (socket) { socket.onclose = null; socket.close(); }
          const scheme = location.protocol === "https:" ? "wss:" : "ws:";
          socket = new WebSocket(`${scheme}//${location.host}/api/v1/live?channel=trades&symbols=${encodeURIComponent(chart.symbol)}&token=${encodeURIComponent(token)}`);
          socket.onmessage = (event) => {
            const message = JSON.parse(event.data); if (message.type !== "rows" || message.channel !== "trades") return;
            for (const trade of message.rows) liveTrade(trade);
            draw();
          };
          socket.onclose = () => setTimeout(subscribe, 2000);
        }

        function liveTrade(trade) {
          const start = BigInt(trade.ts_ns) / chart.width * chart.width; const price = +trade.price; const size = +trade.qty;
          let bar = chart.bars[chart.bars.length - 1];
          if (!bar || start > bar.start) {
            bar = { start, open: price, high: price, low: price, close: price, closeText: trade.price, volume: 0, extra: {} };
            chart.bars.push(bar); clearTimeout(refetch); refetch = setTimeout(loadChart, 1500);
          } else if (start < bar.start) return;
          bar.high = Math.max(bar.high, price); bar.low = Math.min(bar.low, price); bar.close = price; bar.closeText = trade.price; bar.volume += size;
          status.dataset.liveTrades = String(+status.dataset.liveTrades + 1);
        }

        const colors = { ema_9: "#f2c14e", ema_21: "#5fa8f5", bb_lower: "#9b7fe6", bb_middle: "#6c5aa8", bb_upper: "#9b7fe6", anchored_vwap: "#e67fb5" };
        function draw() {
          const canvas = $("chart"); const g = canvas.getContext("2d"); const W = canvas.width, H = canvas.height;
          g.clearRect(0, 0, W, H); const bars = chart.bars; status.dataset.bars = String(bars.length);
          if (!bars.length) { g.fillStyle = "#8a94a0"; g.fillText("no bars in this window", 20, 30); return; }
          const last = bars[bars.length - 1]; status.dataset.lastClose = last.closeText; $("last").textContent = "last " + last.closeText;
          const priceH = H * 0.75, volTop = H * 0.8, left = 10, right = W - 70, step = (right - left) / Math.max(bars.length, 60);
          let lo = Infinity, hi = -Infinity, vmax = 0;
          for (const b of bars) { lo = Math.min(lo, b.low); hi = Math.max(hi, b.high); vmax = Math.max(vmax, b.volume);
            for (const v of Object.values(b.extra)) if (v !== null) { lo = Math.min(lo, v); hi = Math.max(hi, v); } }
          if (hi === lo) { hi += 1; lo -= 1; }
          const y = (p) => 10 + (hi - p) / (hi - lo) * (priceH - 20);
          g.strokeStyle = "#262d36"; g.fillStyle = "#8a94a0"; g.font = "11px system-ui";
          for (let i = 0; i <= 5; i++) { const p = lo + (hi - lo) * i / 5; g.beginPath(); g.moveTo(left, y(p)); g.lineTo(right, y(p)); g.stroke(); g.fillText(p.toFixed(2), right + 6, y(p) + 4); }
          bars.forEach((b, i) => {
            const x = left + i * step + step / 2, up = b.close >= b.open; g.strokeStyle = g.fillStyle = up ? "#4fc37a" : "#ff6b6b";
            g.beginPath(); g.moveTo(x, y(b.high)); g.lineTo(x, y(b.low)); g.stroke();
            const top = y(Math.max(b.open, b.close)), h = Math.max(1, Math.abs(y(b.open) - y(b.close)));
            g.fillRect(x - step * 0.35, top, step * 0.7, h);
            const vh = vmax ? b.volume / vmax * (H - volTop - 6) : 0; g.globalAlpha = 0.5; g.fillRect(x - step * 0.35, H - 4 - vh, step * 0.7, vh); g.globalAlpha = 1;
          });
          for (const name of Object.keys(colors)) {
            g.strokeStyle = colors[name]; g.beginPath(); let started = false;
            bars.forEach((b, i) => { const v = b.extra[name]; if (v === null || v === undefined) { started = false; return; }
              const x = left + i * step + step / 2; if (started) g.lineTo(x, y(v)); else { g.moveTo(x, y(v)); started = true; } });
            g.stroke();
          }
          g.fillStyle = "#d8dde3"; g.fillText(last.closeText, right + 6, y(last.close) + 4);
        }

        $("symbol").addEventListener("change", loadChart); $("timeframe").addEventListener("change", loadChart);
        document.querySelectorAll(".controls input").forEach((i) => i.addEventListener("change", loadChart));
        async function refreshAll() { await Promise.all([refreshHealth(), refreshTables(), refreshQuality()]); await loadSymbols(); await loadChart().catch(() => {}); }
        refreshAll(); setInterval(refreshHealth, 5000); setInterval(refreshTables, 5000); setInterval(refreshQuality, 15000);
        </script></body></html>
        """#
}
