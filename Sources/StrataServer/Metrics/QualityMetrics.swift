import Prometheus
import Strata
import Synchronization

/// The data-quality monitor's metrics, refreshed from its counts at each scrape:
/// - `strata_quality_checks_total{table,rule,outcome}` (`outcome`: `passed`, `failed`): a
///   counter per monitored table, rule and outcome — at most tables × 6 × 2 series.
/// - `strata_quality_score{table,symbol}`: the table's score (`symbol="_all"`) and the scores of
///   its `quality.metricsSymbols` lowest-scoring symbols (20 by default); a symbol that leaves
///   that list is removed, so the series stay bounded whatever the number of symbols.
final class QualityMetrics: Sendable {
    private struct State {
        /// Totals already added to each counter, by key.
        var counted: [String: Int] = [:]
        var counters: [String: Counter] = [:]
        /// Score gauges exported now, by `table|symbol`.
        var scores: [String: Gauge] = [:]
    }

    private let registry: PrometheusCollectorRegistry
    private static var checks: MetricNameDescriptor {
        MetricNameDescriptor(
            namespace: "strata", subsystem: "quality", metricName: "checks", unitName: "total", helpText: "")
    }
    private static var score: MetricNameDescriptor {
        MetricNameDescriptor(
            namespace: "strata", subsystem: "quality", metricName: "score", unitName: "", helpText: "")
    }
    private let state = Mutex(State())

    init(registry: PrometheusCollectorRegistry) { self.registry = registry }

    /// Brings the metrics up to `report` (a summary of every table and symbol).
    func record(_ report: QualityReport, symbolsPerTable: Int) {
        state.withLock { state in
            var exported: Set<String> = []
            for table in report.tables {
                for entry in table.rules {
                    for (outcome, total) in [("passed", entry.count.passed), ("failed", entry.count.failed)] {
                        let labels = [("table", table.table), ("rule", entry.rule.rawValue), ("outcome", outcome)]
                        let key = labels.map { $0.1 }.joined(separator: "|")
                        let counter =
                            state.counters[key]
                            ?? registry.makeCounter(descriptor: Self.checks, labels: labels)
                        state.counters[key] = counter
                        let added = total - (state.counted[key] ?? 0)
                        if added > 0 { counter.increment(by: Int64(added)) }
                        state.counted[key] = max(total, state.counted[key] ?? 0)
                    }
                }
                let worst = table.symbols.sorted { ($0.score, $0.symbol) < ($1.score, $1.symbol) }
                    .prefix(symbolsPerTable)
                for (symbol, score) in [("_all", table.score)] + worst.map({ ($0.symbol.name, $0.score) }) {
                    let key = table.table + "|" + symbol
                    exported.insert(key)
                    let gauge =
                        state.scores[key]
                        ?? registry.makeGauge(
                            descriptor: Self.score, labels: [("table", table.table), ("symbol", symbol)])
                    state.scores[key] = gauge
                    gauge.set(score)
                }
            }
            for (key, gauge) in state.scores where !exported.contains(key) {
                registry.unregisterGauge(gauge)
                state.scores[key] = nil
            }
        }
    }
}
