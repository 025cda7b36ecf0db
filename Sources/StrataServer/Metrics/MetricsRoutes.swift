import Hummingbird
import Strata

/// `GET /metrics` (read access): Prometheus text format 0.0.4; table gauges are refreshed from
/// the store at each scrape.
struct MetricsRoutes {
    let store: StrataStore
    let metrics: ServerMetrics
    var tiers: ServerTiers? = nil

    func register(on router: Router<StrataRequestContext>) {
        router.get("/metrics") { _, _ in
            Responses.bytes(
                metrics.scrape(store: store, tiers: tiers), contentType: "text/plain; version=0.0.4; charset=utf-8")
        }
    }
}
