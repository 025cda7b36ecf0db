import Metrics
public import Prometheus
import Strata
import Synchronization

/// The server's metrics, recorded through swift-metrics into its own Prometheus registry (not the
/// process-wide `MetricsSystem`, so several servers, e.g. in tests, never share counters).
///
/// Exported at `/metrics`:
/// - `strata_ingest_rows_total{table,protocol}`: rows stored.
/// - `strata_ingest_duplicate_rows_total{table,protocol}`: rows skipped as duplicates of stored rows.
/// - `strata_ingest_rejected_rows_total{table,protocol}`: rows of refused requests (`table="unknown"`
///   when the request failed before its lines were mapped to tables).
/// - `strata_http_request_duration_seconds{method,route}`: latency histogram of every request.
/// - `strata_http_writes_overloaded_total`: ILP/HTTP writes refused with 503 `overloaded`.
/// - `strata_wal_fsync_duration_seconds{table}`: latency histogram of every WAL fsync.
/// - `strata_table_bytes_on_disk{table}`, `strata_table_rows{table}`, `strata_wal_bytes{table}`
///   (the WAL backlog), `strata_wal_last_sync_timestamp_seconds{table}`: gauges updated at each scrape.
/// - `strata_live_subscribers`: open live feed (WebSocket) connections;
///   `strata_live_dropped_subscribers_total`: connections dropped as slow consumers.
/// - `strata_incidents_open{kind}`: incidents waiting for an operator (recovery cuts, damaged
///   files, damaged blocks met by reads); `strata_table_degraded{table}` (0/1: failed fsync,
///   damaged partitions, last write refused by the disk); `strata_table_damaged_partitions{table}`.
/// - `strata_http_connections`: open HTTP connections (gauge, live feed connections included);
/// - `strata_tcp_connections`: open ILP-over-TCP connections (gauge);
///   `strata_tcp_auth_failures_total`: connections closed for failing authentication.
/// - `strata_ingest_batch_rows{protocol}`: histogram of the rows per append batch (TCP).
/// - The trading records, only once they are open (scraping never opens them, so a server that
///   records market data only creates none of their tables): `strata_jobs{state}` (`ready`: the
///   queue depth, due or not; `leased`, `dead`: dead letters, `completed`),
///   `strata_jobs_oldest_waiting_seconds` (how long the oldest ready job has been enqueued; 0
///   when none waits), `strata_orders_open` (new or partially filled orders, every user's).
/// - `strata_table_memory_bytes{table}` (rows not sealed yet: their lanes and text),
///   `strata_table_compression_ratio{table}` (raw 8-byte lanes over encoded bytes of the sealed
///   files), `strata_column_encoded_bytes{table,column}` (one series per schema column with sealed
///   bytes: bounded by the catalog): gauges updated at each scrape (``TableStorage``).
/// - `strata_slow_queries_total{route}`: requests at or over `http.slowQueryMilliseconds`.
/// - `strata_connections_refused_total{protocol,reason}`: connections closed by a limit or a
///   timeout (`limit`, `idle`, `header_timeout`, `body_timeout`, `header_too_large`,
///   `request_line_too_long`).
/// - The tiers (`tiers` block; ``recordTiers(_:)``): per table and tier the replication positions,
///   backlog, breaker state, rebuild flag, rows applied and reads answered.
/// - `strata_quality_checks_total{table,rule,outcome}`, `strata_quality_score{table,symbol}`: the
///   data-quality monitor, when it is on (``QualityMetrics`` says how their series stay bounded).
public final class ServerMetrics: Sendable {
    /// The registry `/metrics` prints.
    public let registry: PrometheusCollectorRegistry
    let factory: PrometheusMetricsFactory
    private let counters = Mutex<[String: Metrics.Counter]>([:])
    private let timers = Mutex<[String: Metrics.Timer]>([:])
    private let gauges = Mutex<[String: Metrics.Gauge]>([:])
    private let liveConnections = Mutex<(count: Int, gauge: Metrics.Gauge?)>((0, nil))
    private let tcpConnections: Metrics.Meter
    private let httpConnections: Metrics.Meter
    private let batchRows: Metrics.Recorder
    /// The data-quality monitor's counters and scores (``QualityMetrics``).
    let quality: QualityMetrics
    /// The tiers' read and apply counts last exported (counters move by the difference).
    let tierCounts = Mutex<[String: Int]>([:])

    public init() {
        registry = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.defaultDurationHistogramBuckets = [
            .microseconds(100), .microseconds(250), .microseconds(500), .milliseconds(1), .milliseconds(2),
            .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100),
            .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(2), .seconds(5), .seconds(10),
        ]
        factory.valueHistogramBuckets["strata_ingest_batch_rows"] = [
            1, 10, 100, 1000, 4096, 8192, 16384, 32768, 65536,
        ]
        self.factory = factory
        quality = QualityMetrics(registry: registry)
        tcpConnections = Metrics.Meter(label: "strata_tcp_connections", dimensions: [], factory: factory)
        httpConnections = Metrics.Meter(label: "strata_http_connections", dimensions: [], factory: factory)
        batchRows = Metrics.Recorder(
            label: "strata_ingest_batch_rows", dimensions: [("protocol", "tcp")], aggregate: true, factory: factory)
    }

    /// An HTTP connection (including one upgraded to the live feed) opened or closed.
    func httpConnectionOpened() { httpConnections.increment() }
    func httpConnectionClosed() { httpConnections.decrement() }

    /// An ILP-over-TCP connection opened or closed.
    func tcpConnectionOpened() { tcpConnections.increment() }
    func tcpConnectionClosed() { tcpConnections.decrement() }

    /// An ILP-over-TCP connection failed to authenticate.
    func tcpAuthenticationFailed() {
        counter("strata_tcp_auth_failures_total", []).increment()
    }

    /// The rows of one ILP-over-TCP append batch (an HTTP request is its own batch).
    func tcpBatch(rows: Int) {
        batchRows.record(rows)
    }

    /// Rows stored, duplicates skipped, by table and protocol (`http`, `tcp`).
    func ingested(table: String, protocol name: String, stored: Int, duplicates: Int) {
        counter("strata_ingest_rows_total", [("table", table), ("protocol", name)]).increment(by: stored)
        if duplicates > 0 {
            counter("strata_ingest_duplicate_rows_total", [("table", table), ("protocol", name)])
                .increment(by: duplicates)
        }
    }

    /// A connection closed by a limit or a timeout (see ``HTTPConnectionGuard``).
    func connectionRefused(protocol name: String, reason: String) {
        counter("strata_connections_refused_total", [("protocol", name), ("reason", reason)]).increment()
    }

    /// A write refused with 503 because ``WriteBudget`` stayed full for its whole wait.
    func writeOverloaded() { counter("strata_http_writes_overloaded_total", []).increment() }

    /// Rows of a refused request.
    func rejected(table: String, protocol name: String, rows: Int) {
        counter("strata_ingest_rejected_rows_total", [("table", table), ("protocol", name)]).increment(by: rows)
    }

    /// Records one request's latency.
    func requestDuration(method: String, route: String, nanoseconds: Int64) {
        timer("strata_http_request_duration_seconds", [("method", method), ("route", route)])
            .recordNanoseconds(nanoseconds)
    }

    /// A request at or over `http.slowQueryMilliseconds`.
    func slowQuery(route: String) { counter("strata_slow_queries_total", [("route", route)]).increment() }

    /// Records one WAL fsync's latency (the store's ``StrataStore/observeWALSyncs(_:)``).
    func walSync(table: String, nanoseconds: Int64) {
        timer("strata_wal_fsync_duration_seconds", [("table", table)]).recordNanoseconds(nanoseconds)
    }

    private func timer(_ label: String, _ dimensions: [(String, String)]) -> Metrics.Timer {
        let key = label + dimensions.map { "|" + $0.0 + "=" + $0.1 }.joined()
        return timers.withLock { timers in
            if let timer = timers[key] { return timer }
            let timer = Metrics.Timer(label: label, dimensions: dimensions, factory: factory)
            timers[key] = timer
            return timer
        }
    }

    /// Every metric as Prometheus text, as last recorded (`/metrics` also refreshes the table gauges first).
    public var text: String { String(decoding: registry.emitToBuffer(), as: UTF8.self) }

    /// Updates the per-table gauges from the store, then prints every metric.
    func scrape(store: StrataStore, tiers: ServerTiers? = nil) -> [UInt8] {
        if let tiers { recordTiers(tiers) }
        for stats in store.stats() {
            gauge("strata_table_bytes_on_disk", table: stats.table).record(stats.bytesOnDisk)
            gauge("strata_table_rows", table: stats.table).record(stats.rows)
        }
        for storage in store.storage() {
            gauge("strata_table_memory_bytes", table: storage.table).record(storage.memoryBytes)
            if let ratio = storage.compressionRatio {
                gauge("strata_table_compression_ratio", table: storage.table).record(ratio)
            }
            for column in storage.columns where column.encodedBytes > 0 {
                gauge("strata_column_encoded_bytes", dimensions: [("table", storage.table), ("column", column.name)])
                    .record(column.encodedBytes)
            }
        }
        let condition = store.condition()
        for kind in Incident.Kind.allCases {
            gauge("strata_incidents_open", dimensions: [("kind", kind.rawValue)])
                .record(condition.incidents.filter { $0.kind == kind }.count)
        }
        for health in condition.tables {
            gauge("strata_table_degraded", table: health.table)
                .record(health.isHealthy && condition.writeFailures[health.table] == nil ? 0 : 1)
            gauge("strata_table_damaged_partitions", table: health.table).record(health.damagedPartitions)
            gauge("strata_wal_bytes", table: health.table).record(health.walBytes)
            if let lastSync = health.lastSync {
                gauge("strata_wal_last_sync_timestamp_seconds", table: health.table)
                    .record(Double(lastSync.nanoseconds) / 1e9)
            }
        }
        recordTradingRecords(store)
        if let summary = try? store.qualitySummary() {
            quality.record(summary, symbolsPerTable: store.configuration.quality.metricsSymbols)
        }
        return registry.emitToBuffer()
    }

    /// The job queue and open order gauges, when the trading records are open.
    private func recordTradingRecords(_ store: StrataStore) {
        guard store.tradingRecordsOpen, let jobs = try? store.jobs, let orders = try? store.orders,
            let counts = try? jobs.counts
        else { return }
        for (state, count) in [
            ("ready", counts.ready), ("leased", counts.leased), ("dead", counts.dead), ("completed", counts.completed),
        ] {
            gauge("strata_jobs", dimensions: [("state", state)]).record(count)
        }
        let age = (try? jobs.oldestWaiting)?.map { max(0, WallClock.now().nanoseconds - $0.nanoseconds) } ?? 0
        gauge("strata_jobs_oldest_waiting_seconds", dimensions: []).record(Double(age) / 1e9)
        if let open = try? orders.openOrderCount { gauge("strata_orders_open", dimensions: []).record(open) }
    }

    /// A live feed connection subscribed / ended.
    func liveConnectionOpened() { recordLiveConnections(+1) }
    func liveConnectionClosed() { recordLiveConnections(-1) }

    /// A live feed connection was dropped as a slow consumer.
    func liveSubscriberDropped() { counter("strata_live_dropped_subscribers_total", []).increment() }

    private func recordLiveConnections(_ change: Int) {
        liveConnections.withLock { live in
            live.count += change
            let gauge = live.gauge ?? Metrics.Gauge(label: "strata_live_subscribers", factory: factory)
            live.gauge = gauge
            gauge.record(live.count)
        }
    }

    func counter(_ label: String, _ dimensions: [(String, String)]) -> Metrics.Counter {
        let key = label + dimensions.map { "|" + $0.0 + "=" + $0.1 }.joined()
        return counters.withLock { counters in
            if let counter = counters[key] { return counter }
            let counter = Metrics.Counter(label: label, dimensions: dimensions, factory: factory)
            counters[key] = counter
            return counter
        }
    }

    private func gauge(_ label: String, table: String) -> Metrics.Gauge {
        gauge(label, dimensions: [("table", table)])
    }

    func gauge(_ label: String, dimensions: [(String, String)]) -> Metrics.Gauge {
        let key = label + dimensions.map { "|" + $0.0 + "=" + $0.1 }.joined()
        return gauges.withLock { gauges in
            if let gauge = gauges[key] { return gauge }
            let gauge = Metrics.Gauge(label: label, dimensions: dimensions, factory: factory)
            gauges[key] = gauge
            return gauge
        }
    }
}
