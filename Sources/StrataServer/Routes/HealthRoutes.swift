import Hummingbird
import Strata

/// Liveness and readiness (no token needed, for load balancers and orchestrators):
/// - `GET /health/live`: 200 while the process serves HTTP.
/// - `GET /health/ready`: 200 when every table can take writes, 503 when any is degraded
///   (a failed WAL fsync, damaged partitions) or the store is closed (shutting down); the body
///   has each table's status (`ok`, `degraded`, `closed`), WAL backlog (bytes and segments not
///   yet sealed away), last successful sync and commit, failures and open partitions.
struct HealthRoutes {
    let store: StrataStore

    func register(on router: Router<StrataRequestContext>) {
        router.get("/health/live") { _, _ in Responses.json(.object([("status", .string("ok"))])) }
        router.get("/health/ready") { _, _ in ready() }
    }

    func ready() -> Response {
        let tables = store.health()
        let healthy = tables.allSatisfy(\.isHealthy)
        let detail: [JSON] = tables.map { table in
            .object([
                ("table", .string(table.table)),
                ("status", .string(table.isClosed ? "closed" : table.isHealthy ? "ok" : "degraded")),
                ("wal_bytes", .int(table.walBytes)), ("wal_segments", .int(table.walSegments)),
                ("last_sync", table.lastSync.map { .string($0.iso8601) } ?? .null),
                ("last_commit", table.lastCommit.map { .string($0.iso8601) } ?? .null),
                ("wal_failure", table.walFailure.map { .string($0.description) } ?? .null),
                ("last_maintenance_error", table.lastMaintenanceError.map { .string($0.description) } ?? .null),
                ("open_partitions", .int(table.openPartitions)), ("damaged_partitions", .int(table.damagedPartitions)),
            ])
        }
        let status = tables.contains(where: \.isClosed) ? "closed" : healthy ? "ok" : "degraded"
        return Responses.json(
            .object([("status", .string(status)), ("tables", .array(detail))]),
            status: healthy ? .ok : .serviceUnavailable)
    }
}
