import Hummingbird
import Strata
import StrataPostgres

/// Liveness and readiness (no token needed, for load balancers and orchestrators):
/// - `GET /health/live`: 200 while the process serves HTTP.
/// - `GET /health/ready`: 200 when every table can take writes and no incident waits for an
///   operator; 503 when any table is degraded (a failed WAL fsync, damaged partitions, its last
///   write refused by the disk — e.g. full), when an incident is open (data cut by recovery, a
///   damaged file or block; see ``Incident``), or when the store is closed (shutting down). The
///   body has each table's status (`ok`, `degraded`, `closed`), WAL backlog (bytes and segments
///   not yet sealed away), last successful sync and commit, failures and open partitions, and
///   the open incidents.
///
/// Incidents (read token to list, write token to acknowledge):
/// - `GET /api/v1/incidents`: the open incidents.
/// - `POST /api/v1/incidents/acknowledge`: an operator has seen them; health stops reporting
///   them (they stay in the data directory's `incidents.acknowledged` file).
///
/// Over PostgreSQL (the `embedded+postgresql` and `postgresql` modes) `/health/ready` also asks
/// the server (within 2 s) and reports `postgresql`: `endpoint`, `reachable`, `last_error` (and
/// when), `server_version`, `timescaledb` (the extension's version, or null when not installed);
/// unreachable is 503 with `Retry-After`.
struct HealthRoutes {
    let store: StrataStore
    var postgres: PostgresBackend? = nil
    /// The tiers (`tiers` block): reported as `tiers`; a tier down makes the status `degraded`
    /// but not the answer a 503 (the system of record still takes writes).
    var tiers: ServerTiers? = nil

    func register(on router: Router<StrataRequestContext>) {
        router.get("/health/live") { _, _ in
            Responses.json(.object([("status", .string("ok")), ("version", .string(StrataVersion.release))]))
        }
        router.get("/health/ready") { _, _ in ready() }
        router.get("/api/v1/incidents") { _, _ in
            Responses.json(.object([("incidents", .array(store.openIncidents.map(Self.json)))]))
        }
        router.post("/api/v1/incidents/acknowledge") { _, context in
            do {
                let count = try store.acknowledgeIncidents()
                return Responses.json(.object([("acknowledged", .int(count))]))
            } catch {
                return Responses.error(
                    status: .internalServerError, code: "internal", message: "\(error)", context: context)
            }
        }
    }

    func ready() -> Response {
        let health = store.condition()
        let detail: [JSON] = health.tables.map { table in
            let failure = health.writeFailures[table.table]
            let healthy = table.isHealthy && failure == nil
            return .object([
                ("table", .string(table.table)),
                ("status", .string(table.isClosed ? "closed" : healthy ? "ok" : "degraded")),
                ("wal_bytes", .int(table.walBytes)), ("wal_segments", .int(table.walSegments)),
                ("last_sync", table.lastSync.map { .string($0.iso8601) } ?? .null),
                ("last_commit", table.lastCommit.map { .string($0.iso8601) } ?? .null),
                ("wal_failure", table.walFailure.map { .string($0.description) } ?? .null),
                (
                    "last_write_error",
                    failure.map { .string("\($0.time.iso8601): \($0.error.description)") } ?? .null
                ),
                ("last_maintenance_error", table.lastMaintenanceError.map { .string($0.description) } ?? .null),
                ("open_partitions", .int(table.openPartitions)), ("damaged_partitions", .int(table.damagedPartitions)),
            ])
        }
        let database = postgres?.checkHealth()
        let healthy = health.isHealthy && database?.reachable != false
        let tiersHealth = tiers?.healthJSON()
        let status =
            health.isClosed ? "closed" : healthy && tiersHealth?.degraded != true ? "ok" : "degraded"
        var fields: [(String, JSON)] = [
            ("status", .string(status)), ("version", .string(StrataVersion.release)),
            ("store_format", .int(StrataStore.formatVersion)), ("tables", .array(detail)),
            ("incidents", .array(health.incidents.map(Self.json))),
        ]
        if let database { fields.append(("postgresql", Self.json(database))) }
        if let tiersHealth { fields.append(("tiers", tiersHealth.json)) }
        var response = Responses.json(.object(fields), status: healthy ? .ok : .serviceUnavailable)
        if !health.writeFailures.isEmpty || database?.reachable == false { response.headers[.retryAfter] = "5" }
        return response
    }

    static func json(_ database: PostgresHealth) -> JSON {
        .object([
            ("endpoint", .string(database.endpoint)), ("reachable", .bool(database.reachable)),
            ("checked_at", .string(database.checkedAt.iso8601)),
            ("last_error", database.lastError.map { .string($0) } ?? .null),
            ("last_error_at", database.lastErrorAt.map { .string($0.iso8601) } ?? .null),
            ("server_version", database.serverVersion.map { .string($0) } ?? .null),
            ("timescaledb", database.timescaleDB.map { .string($0) } ?? .null),
        ])
    }

    static func json(_ incident: Incident) -> JSON {
        .object([
            ("kind", .string(incident.kind.rawValue)), ("time", .string(incident.time.iso8601)),
            ("table", .string(incident.table)), ("path", incident.path.map { .string($0) } ?? .null),
            ("detail", .string(incident.detail)),
        ])
    }
}
