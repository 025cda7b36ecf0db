import Foundation
import StrataTestSupport
import Testing

@testable import Strata

/// The trading records as part of the store: `store.orders`, `store.jobs`, `store.anomalies` and
/// the signal history are the store's own (opened on first use, or at open once they exist; in its stats, health and
/// compaction), rebuilt from snapshots, and shared with `OrderStore(table:)` / `JobStore(table:)`
/// on the store's own tables.
@Suite struct StoreRecordsTests {
    static let t0 = Timestamp(nanoseconds: 1_719_792_000_000_000_000)

    static func configuration(snapshotInterval: Int = 100_000, tables: [RecordSchema] = [])
        -> StrataStore.Configuration
    {
        StrataStore.Configuration(
            durability: .osBuffered, aggregates: false, maintenanceInterval: nil, tables: tables,
            snapshotInterval: snapshotInterval)
    }

    static func order(_ id: Int64, user: String = "alice", at time: Timestamp = t0) -> Order {
        Order(
            id: id, user: user, symbol: "BTCUSDT", side: .buy, type: .limit, price: Price(mantissa: 6_400_000_000_000),
            size: Quantity(mantissa: 100_000_000), createdAt: time)
    }

    @Test func theRecordTablesAreTheStoresOwn() throws {
        let directory = makeTemporaryDirectory("strata-records")
        defer { removeTree(directory) }
        let store = try StrataStore.open(directory: directory, configuration: Self.configuration())
        try store.orders.save(Self.order(1))
        try store.jobs.enqueue(id: 1, queue: "settle", payload: "{}", notBefore: Self.t0, now: Self.t0)
        try store.anomalies.save(Anomaly(type: "gap", symbol: nil, at: Self.t0))
        try store.saveSignal(
            Signal(id: 1, time: Self.t0, strategy: "s", symbol: "BTCUSDT", type: "buy", confidence: 0.5))
        let names = ["order_events", "job_events", "anomaly_events", "signal_history"]
        for name in names {
            #expect(store.stats().first { $0.table == name }?.rows == 1, "\(name) in stats")
            #expect(store.health().contains { $0.table == name }, "\(name) in health")
            #expect(store.table(named: name)?.name == name)
        }
        #expect(store.compact().tables.map(\.table).filter(names.contains).count == names.count)
        // Opened on first use: not in the recovery of the open that created them, in the next one's.
        #expect(store.recovery.tables.map(\.table).filter(names.contains).isEmpty)
        try store.close()
        let reopened = try StrataStore.open(directory: directory, configuration: Self.configuration())
        #expect(reopened.recovery.tables.map(\.table).filter(names.contains).count == names.count)
        #expect(try reopened.orders.all.map(\.id) == [1])
        try reopened.close()
    }

    @Test func aStoreThatRecordsMarketDataOnlyOpensNoRecordTables() throws {
        let directory = makeTemporaryDirectory("strata-records-lazy")
        defer { removeTree(directory) }
        let names = Set(RecordSchema.tradingRecords.map(\.name))
        let store = try StrataStore.open(directory: directory, configuration: Self.configuration())
        #expect(!store.stats().contains { names.contains($0.table) })
        #expect(store.keyedRecovery.isEmpty)
        try store.close()
        #expect(!FileManager.default.fileExists(atPath: directory + "/order_events"), "no table made by opening")
        #expect(throws: StrataError.self) { try store.orders.all }
        let again = try StrataStore.open(directory: directory, configuration: Self.configuration())
        #expect(!again.stats().contains { names.contains($0.table) })
        #expect(try again.jobs.jobs.isEmpty)
        #expect(again.stats().contains { $0.table == "job_events" }, "open once used")
        try again.close()
    }

    @Test func declaringAnEventTableAsBeforeSharesTheStoresState() throws {
        let directory = makeTemporaryDirectory("strata-records-declared")
        defer { removeTree(directory) }
        let store = try StrataStore.open(
            directory: directory,
            configuration: Self.configuration(tables: [OrderStore.eventSchema, JobStore.eventSchema]))
        #expect(store.userTables.isEmpty, "the declared event tables are the store's own")
        let orders = try OrderStore(table: try #require(store.table(named: "order_events")))
        try orders.save(Self.order(1))
        try store.orders.save(Self.order(2))
        #expect(try orders.all.map(\.id) == [1, 2])
        #expect(try store.orders.all.map(\.id) == [1, 2])
        let policy = RetryPolicy(maxAttempts: 1)
        let jobs = try JobStore(table: try #require(store.table(named: "job_events")), policy: policy)
        try jobs.enqueue(id: 1, queue: "q", payload: "x", notBefore: Self.t0, now: Self.t0)
        let lease = try #require(try store.jobs.dequeue(limit: 1, worker: "w", now: Self.t0, leaseDuration: 10).first)
        try store.jobs.fail(id: 1, token: lease.lease.token, now: Self.t0, error: "boom")
        #expect(try jobs.deadLetters.map(\.id) == [1], "one attempt: the store's queue took the policy")
        try store.close()
        // A table of the same name and other columns is refused.
        let other = try RecordSchema(
            name: "order_events", columns: [SchemaColumn("ts", .timestamp), SchemaColumn("symbol", .symbol)],
            timestamp: "ts")
        #expect(throws: StrataError.self) {
            try StrataStore.open(directory: directory, configuration: Self.configuration(tables: [other]))
        }
    }

    @Test func reopeningReadsTheSnapshotsWrittenAtClose() throws {
        let directory = makeTemporaryDirectory("strata-records-snapshots")
        defer { removeTree(directory) }
        var store = try StrataStore.open(directory: directory, configuration: Self.configuration())
        for id in Int64(1)...50 { try store.orders.save(Self.order(id, user: id % 2 == 0 ? "alice" : "bob")) }
        for id in Int64(1)...20 {
            try store.orders.update(id: id, .cancel, at: Self.t0.advanced(by: id))
            try store.jobs.enqueue(id: id, queue: "q", payload: "\(id)", notBefore: Self.t0, now: Self.t0)
        }
        try store.anomalies.save(Anomaly(type: "spread", symbol: "ETHUSDT", severity: 2, at: Self.t0))
        let orders = try store.orders.all
        let jobs = try store.jobs.jobs
        let anomalies = try store.anomalies.active
        try store.close()
        store = try StrataStore.open(directory: directory, configuration: Self.configuration())
        for recovery in store.keyedRecovery {
            #expect(recovery.snapshot == .loaded(sequence: recovery.sequence), "\(recovery)")
            #expect(recovery.eventsReplayed == 0)
        }
        #expect(store.keyedRecovery.map(\.sequence) == [70, 20, 1])
        #expect(try store.orders.all == orders)
        #expect(try store.jobs.jobs == jobs)
        #expect(try store.anomalies.active == anomalies)
        #expect(FileManager.default.fileExists(atPath: directory + "/snapshots/order_events.snapshot"))
        try store.close()
    }

    @Test func snapshotsAreWrittenInTheBackgroundEveryIntervalOfEvents() throws {
        let directory = makeTemporaryDirectory("strata-records-interval")
        defer { removeTree(directory) }
        var store = try StrataStore.open(directory: directory, configuration: Self.configuration(snapshotInterval: 40))
        for id in Int64(1)...100 { try store.orders.save(Self.order(id)) }
        let path = directory + "/snapshots/order_events.snapshot"
        for _ in 0..<200 where !FileManager.default.fileExists(atPath: path) { usleep(10_000) }
        #expect(FileManager.default.fileExists(atPath: path), "written without a close")
        // As after a crash: no last snapshot at close, the background one and the events after it.
        try store.orders.events?.closeWithoutSnapshot()
        try store.close()
        store = try StrataStore.open(directory: directory, configuration: Self.configuration(snapshotInterval: 40))
        let recovery = try store.orders.recovery
        guard case .loaded(let covered) = recovery.snapshot else {
            Issue.record("no snapshot: \(recovery)")
            return
        }
        #expect(covered >= 40 && covered <= 100)
        #expect(recovery.eventsReplayed == 100 - Int(covered))
        #expect(try store.orders.all.map(\.id) == Array(1...100))
        try store.close()
    }
}

/// Retention drops a keyed state's old events only behind a snapshot written first: the state
/// still rebuilds exactly (from that snapshot and the events after it) once they are gone.
@Suite struct RecordsRetentionTests {
    @Test func orderEventsAreDroppedBehindASnapshot() throws {
        let directory = makeTemporaryDirectory("strata-records-retention")
        defer { removeTree(directory) }
        let day = Timestamp.nanosecondsPerDay
        let t0 = StoreRecordsTests.t0
        var configuration = StoreRecordsTests.configuration(snapshotInterval: 0)
        configuration.retention = RetentionPolicy(maximumAge: ["order_events": day])
        let store = try StrataStore.open(directory: directory, configuration: configuration)
        let orders = try store.orders
        for id in Int64(1)...10 { try orders.save(StoreRecordsTests.order(id, at: t0)) }
        try orders.update(
            id: 1, .fill(quantity: Quantity(mantissa: 10_000_000), price: Price(mantissa: 6_400_000_000_000)),
            at: t0.advanced(by: 60_000_000_000))
        for id in Int64(11)...20 { try orders.save(StoreRecordsTests.order(id, at: t0.advanced(by: 3 * day))) }
        let later = t0.advanced(by: 4 * day)
        _ = store.compact(now: later)
        let snapshot = directory + "/snapshots/order_events.snapshot"
        #expect(!FileManager.default.fileExists(atPath: snapshot), "no snapshot before retention")
        let report = store.applyRetention(now: later)
        #expect(report.errors.isEmpty, "\(report.errors)")
        #expect(report.entries.contains { $0.table == "order_events" && $0.dropped.rows == 11 }, "\(report)")
        #expect(FileManager.default.fileExists(atPath: snapshot), "written before the drop")
        try orders.update(id: 11, .cancel, at: later)
        let expected = try orders.all
        orders.events?.closeWithoutSnapshot()
        try store.close()

        let reopened = try StrataStore.open(directory: directory, configuration: configuration)
        #expect(try reopened.orders.all == expected)
        #expect(try reopened.orders.events(of: 1, symbol: "BTCUSDT").isEmpty, "day 0's events are gone")
        #expect(try reopened.orders.order(id: 1)?.filledSize == Quantity(mantissa: 10_000_000))
        #expect(try reopened.orders.order(id: 11)?.status == .cancelled)
        try reopened.close()
    }
}

/// The live feed of order events: a subscriber names `order_events` before the store keeps any
/// order (the records open for it) and receives each event as it is stored.
@Suite struct OrderEventsLiveFeedTests {
    @Test func aSubscriberBeforeTheFirstOrderReceivesItsEvents() async throws {
        let directory = makeTemporaryDirectory("strata-records-live")
        defer { removeTree(directory) }
        let store = try StrataStore.open(directory: directory, configuration: StoreRecordsTests.configuration())
        #expect(!store.tradingRecordsOpen)
        let feed = try #require(store.table(named: "order_events")).subscribe()
        #expect(store.tradingRecordsOpen, "naming the table opened the records")
        try store.orders.save(StoreRecordsTests.order(7))
        try store.orders.update(id: 7, .cancel, at: StoreRecordsTests.t0.advanced(by: 5))
        var rows: [Row] = []
        for try await batch in feed {
            rows += batch
            if rows.count >= 2 { break }
        }
        #expect(rows.map { $0["event"] } == [.text("created"), .text("cancel")])
        #expect(rows.map { $0["order_id"] } == [.integer(7), .integer(7)])
        #expect(rows.map { $0["seq"] } == [.integer(1), .integer(2)])
        try store.close()
    }
}
