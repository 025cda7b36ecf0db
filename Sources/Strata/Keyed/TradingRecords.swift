import StrataCore
import Synchronization

/// The trading records of a store (``RecordSchema/tradingRecords``): their tables and the keyed
/// states kept in them — orders, the job queue, active anomalies — and the signal history.
///
/// They are opened together, when the store opens if its backend already holds one of their
/// tables, otherwise on first use (``StrataStore/orders`` and the others): a store that only
/// records market data opens and rebuilds nothing more than before, and its start-up time is
/// what it was.
final class TradingRecords: Sendable {
    /// One table per ``RecordSchema/tradingRecords``, in its order.
    let tables: [DynamicTable]
    let orders: OrderStore
    let jobs: JobStore
    let anomalies: AnomalyStore
    /// The signal history (`signal_history`).
    var signals: DynamicTable { tables[3] }

    /// Opens the tables with `open` and rebuilds each keyed state from its snapshot and the events
    /// after it (snapshots in `<directory>/snapshots/`) — or, when the backend keeps the keyed
    /// state itself (`keyedState`), takes its orders, jobs and anomalies from it.
    init(
        directory: String, configuration: StrataStore.Configuration, incidents: IncidentLog, audit: StoreAudit?,
        keyedState: (any KeyedStateBackend)?, open: (RecordSchema) throws -> DynamicTable
    ) throws {
        let tables = try RecordSchema.tradingRecords.map(open)
        self.tables = tables
        func settings(_ table: DynamicTable) -> SnapshotSettings {
            SnapshotSettings(
                path: directory + "/snapshots/\(table.name).snapshot", interval: configuration.snapshotInterval)
        }
        if let keyed = keyedState {
            // The backend keeps the keyed state (shared by every node on it): nothing to rebuild.
            orders = OrderStore(shared: try keyed.orderState())
            jobs = JobStore(shared: try keyed.jobState(policy: configuration.jobRetryPolicy))
            anomalies = AnomalyStore(shared: try keyed.anomalyState())
            return
        }
        var auditOrders: (@Sendable ([Row], OrderRegistry) -> Void)?
        if let audit { auditOrders = { rows, next in audit.orderEvents(rows, next: next) } }
        let orderEvents = try EventSourcedTable<OrderRegistry>(
            table: tables[0], snapshots: settings(tables[0]), incidents: incidents, committed: auditOrders)
        let jobEvents = try EventSourcedTable(
            table: tables[1], initial: JobQueue(policy: configuration.jobRetryPolicy),
            snapshots: settings(tables[1]), incidents: incidents)
        let anomalyEvents = try EventSourcedTable<ActiveAnomalies>(
            table: tables[2], snapshots: settings(tables[2]), incidents: incidents)
        KeyedAttachments.attach(orderEvents, to: tables[0])
        KeyedAttachments.attach(jobEvents, to: tables[1])
        KeyedAttachments.attach(anomalyEvents, to: tables[2])
        orders = OrderStore(events: orderEvents)
        jobs = JobStore(events: jobEvents)
        anomalies = AnomalyStore(events: anomalyEvents)
    }

    /// Writes a snapshot of the keyed state kept in `table` now (waiting for one being written);
    /// nil when `table` keeps no keyed state (the signal history), else whether it was written.
    func snapshotBeforeDropping(_ table: String) -> Bool? {
        switch table {
        case tables[0].name: orders.events?.snapshotNow()
        case tables[1].name: jobs.events?.snapshotNow()
        case tables[2].name: anomalies.events?.snapshotNow()
        default: nil
        }
    }

    /// How each keyed state was rebuilt.
    var keyedRecovery: [KeyedStateRecovery] { [orders.recovery, jobs.recovery, anomalies.recovery] }

    /// Writes the keyed states' last snapshots (while their tables are still open; the store
    /// closes the tables).
    func close() {
        orders.events?.close()
        jobs.events?.close()
        anomalies.events?.close()
        for table in tables.prefix(3) { KeyedAttachments.detach(table) }
    }
}
