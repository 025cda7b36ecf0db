/// The keyed state's tables (scope `keyed` of ``PostgresMigrator``): per state a table of the
/// current rows and an append-only event table.
///
/// Money is `numeric` at the column's scale (prices and sizes at 8, the filled notional at 16);
/// times are `bigint` nanoseconds UTC as everywhere in the backend; text compared by bytes
/// (`COLLATE "C"`). Each index serves one query of `OrderStore` / `JobStore` / `AnomalyStore`.
enum KeyedSchema {
    static func migrations(_ namespace: String) -> [PostgresMigration] {
        func name(_ table: String) -> String { SQL.qualified(namespace, table) }
        let (orders, orderEvents) = (name("strata_orders"), name("strata_order_events"))
        let (jobs, jobEvents, tokens) = (name("strata_jobs"), name("strata_job_events"), name("strata_job_tokens"))
        let (anomalies, anomalyEvents) = (name("strata_anomalies"), name("strata_anomaly_events"))
        return [
            PostgresMigration(
                version: 1, name: "orders",
                up: [
                    """
                    CREATE TABLE \(orders) (
                        id bigint PRIMARY KEY, client_order_id text NOT NULL, user_name text COLLATE "C" NOT NULL,
                        symbol text COLLATE "C" NOT NULL, side text NOT NULL, type text NOT NULL,
                        time_in_force text NOT NULL, price numeric(19, 8), stop_price numeric(19, 8),
                        size numeric(19, 8) NOT NULL, filled_size numeric(19, 8) NOT NULL,
                        filled_notional numeric(40, 16) NOT NULL, status text NOT NULL,
                        created_at bigint NOT NULL, updated_at bigint NOT NULL)
                    """,
                    "CREATE INDEX strata_orders_user ON \(orders) (user_name, id)",
                    "CREATE INDEX strata_orders_symbol ON \(orders) (symbol, id)",
                    "CREATE INDEX strata_orders_side ON \(orders) (side, id)",
                    "CREATE INDEX strata_orders_status ON \(orders) (status, id)",
                    "CREATE INDEX strata_orders_user_created ON \(orders) (user_name, created_at)",
                    """
                    CREATE INDEX strata_orders_open ON \(orders) (user_name, id)
                    WHERE status IN ('new', 'partially_filled')
                    """,
                    """
                    CREATE TABLE \(orderEvents) (
                        seq bigserial PRIMARY KEY, order_id bigint NOT NULL, symbol text COLLATE "C" NOT NULL,
                        ts bigint NOT NULL, event text NOT NULL, user_name text, client_order_id text, side text,
                        type text, time_in_force text, price numeric(19, 8), stop_price numeric(19, 8),
                        size numeric(19, 8), fill_quantity numeric(19, 8), fill_price numeric(19, 8), reason text)
                    """,
                    "CREATE INDEX strata_order_events_order ON \(orderEvents) (order_id, seq)",
                ],
                down: ["DROP TABLE \(orderEvents)", "DROP TABLE \(orders)"]),
            PostgresMigration(
                version: 2, name: "jobs",
                up: [
                    """
                    CREATE TABLE \(jobs) (
                        id bigint PRIMARY KEY, queue text COLLATE "C" NOT NULL, payload text NOT NULL,
                        priority bigint NOT NULL, not_before bigint NOT NULL, attempts integer NOT NULL,
                        state text NOT NULL, lease_worker text, lease_token bigint, lease_expires bigint,
                        finished_at bigint, dead_reason text, last_error text, enqueued_at bigint NOT NULL)
                    """,
                    """
                    CREATE INDEX strata_jobs_ready ON \(jobs) (priority DESC, not_before, id)
                    WHERE state = 'ready'
                    """,
                    "CREATE INDEX strata_jobs_leases ON \(jobs) (lease_expires, lease_token) WHERE state = 'leased'",
                    "CREATE INDEX strata_jobs_dead ON \(jobs) (id) WHERE state = 'dead'",
                    "CREATE INDEX strata_jobs_queue ON \(jobs) (queue, id)",
                    "CREATE SEQUENCE \(tokens)",
                    """
                    CREATE TABLE \(jobEvents) (
                        seq bigserial PRIMARY KEY, job_id bigint NOT NULL, queue text COLLATE "C" NOT NULL,
                        ts bigint NOT NULL, event text NOT NULL, payload text, priority bigint, not_before bigint,
                        worker text, token bigint, expires bigint, error text, retry_at bigint)
                    """,
                    "CREATE INDEX strata_job_events_job ON \(jobEvents) (job_id, seq)",
                ],
                down: ["DROP TABLE \(jobEvents)", "DROP SEQUENCE \(tokens)", "DROP TABLE \(jobs)"]),
            PostgresMigration(
                version: 3, name: "anomalies",
                up: [
                    """
                    CREATE TABLE \(anomalies) (
                        type text COLLATE "C" NOT NULL, symbol text COLLATE "C" NOT NULL,
                        severity double precision NOT NULL, message text NOT NULL, metadata text NOT NULL,
                        detected_at bigint NOT NULL, updated_at bigint NOT NULL, PRIMARY KEY (type, symbol))
                    """,
                    "CREATE INDEX strata_anomalies_symbol ON \(anomalies) (symbol)",
                    """
                    CREATE TABLE \(anomalyEvents) (
                        seq bigserial PRIMARY KEY, type text COLLATE "C" NOT NULL, symbol text COLLATE "C" NOT NULL,
                        ts bigint NOT NULL, event text NOT NULL, severity double precision, message text,
                        metadata text, detected_at bigint)
                    """,
                    "CREATE INDEX strata_anomaly_events_key ON \(anomalyEvents) (type, symbol, seq)",
                ],
                down: ["DROP TABLE \(anomalyEvents)", "DROP TABLE \(anomalies)"]),
        ]
    }
}
