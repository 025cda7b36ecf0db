import Strata
import StrataTestSupport
import Testing

/// Groups of order and job operations (`perform(_:)`, one append each): each operation checked
/// against the state the ones before it left, refused ones changing nothing, the rest stored and
/// back after a reopen; a group the table refuses leaves the state as it was.
@Suite struct RecordsGroupTests {
    static let configuration = StrataStore.Configuration(
        durability: .osBuffered, aggregates: false, maintenanceInterval: nil,
        tables: [OrderStore.eventSchema, JobStore.eventSchema])
    static let t0 = Timestamp(nanoseconds: 1_719_792_000_000_000_000)

    static func open(_ directory: String) throws -> (StrataStore, OrderStore, JobStore) {
        let store = try StrataStore.open(directory: directory, configuration: configuration)
        return (
            store, try OrderStore(table: try #require(store.table(named: "order_events"))),
            try JobStore(table: try #require(store.table(named: "job_events")))
        )
    }

    static func order(_ id: Int64, user: String = "alice", symbol: Symbol = "BTCUSDT") -> Order {
        Order(
            id: id, clientOrderID: "c\(id)", user: user, symbol: symbol, side: .buy, type: .limit,
            price: Price(mantissa: 100 * 100_000_000), size: Quantity(mantissa: 2 * 100_000_000),
            createdAt: t0.advanced(by: id))
    }

    @Test func orderGroupsApplyInOrderAndRefuseOnlyWhatIsIllegal() throws {
        let directory = makeTemporaryDirectory("strata-order-groups")
        defer { removeTree(directory) }
        var (store, orders, _) = try Self.open(directory)
        let fill = OrderChange.fill(
            quantity: Quantity(mantissa: 2 * 100_000_000), price: Price(mantissa: 99 * 100_000_000))
        let t = Self.t0.advanced(by: 1_000)
        let operations: [OrderOperation] = [
            .save(Self.order(1)), .save(Self.order(2, user: "bob", symbol: "ETHUSDT")), .update(id: 1, fill, at: t),
            .update(id: 1, .cancel, at: t),  // filled: final
            .save(Self.order(1)),  // a duplicate
            .update(id: 2, .cancel, at: t),
            // Saved and removed in one group.
            .save(Self.order(3)), .remove(id: 3, at: t),
            .update(id: 9, .cancel, at: t),  // unknown
        ]
        var model = OrderRegistry()
        var expected: [OrderError.Kind?] = []
        for operation in operations {
            do {
                switch operation {
                case .save(let order): _ = try model.save(order)
                case .update(let id, let change, let at): _ = try model.update(id: id, change, at: at)
                case .remove(let id, let at): _ = try model.remove(id: id, at: at)
                }
                expected.append(nil)
            } catch {
                expected.append(error.kind)
            }
        }
        let outcomes = try orders.perform(operations)
        #expect(outcomes.map { if case .failure(let error) = $0 { error.kind } else { nil } } == expected)
        #expect(expected.compactMap { $0 }.count == 3)
        #expect(try orders.all == model.all)
        #expect(try orders.events(of: 3, symbol: "BTCUSDT").count == 2, "created and removed")
        try store.close()
        (store, orders, _) = try Self.open(directory)
        #expect(try orders.all == model.all, "after reopen")
        #expect(try orders.order(id: 1)?.status == .filled && orders.order(id: 2)?.status == .cancelled)
        #expect(try orders.openOrders(user: "alice").isEmpty)
        try store.close()
    }

    @Test func jobGroupsEnqueueLeaseAndCompleteAndSurviveReopen() throws {
        let directory = makeTemporaryDirectory("strata-job-groups")
        defer { removeTree(directory) }
        var (store, _, jobs) = try Self.open(directory)
        let now = Self.t0
        try jobs.perform(
            (1...5).map {
                .enqueue(id: $0, queue: "settle", payload: "{}", priority: Int($0 % 2), notBefore: now, now: now)
            } + [.enqueue(id: 6, queue: "bad queue", payload: "{}", priority: 0, notBefore: now, now: now)])
        let outcomes = try jobs.perform([
            .dequeue(limit: 3, worker: "w", now: now, leaseDuration: 1_000_000_000, queues: nil),
            .complete(id: 99, token: 1, now: now),
        ])
        guard case .leased(let leased) = outcomes[0], case .refused(let error) = outcomes[1] else {
            Issue.record("unexpected outcomes \(outcomes)")
            return
        }
        #expect(error.kind == .unknownJob)
        #expect(leased.map(\.job.id) == [1, 3, 5], "priority 1 first")
        let completions = try jobs.perform(leased.map { .complete(id: $0.job.id, token: $0.lease.token, now: now) })
        #expect(completions == [.done, .done, .done])
        #expect(try jobs.counts.completed == 3 && jobs.counts.ready == 2 && jobs.job(id: 6) == nil)
        let before = try jobs.jobs
        try store.close()
        (store, _, jobs) = try Self.open(directory)
        #expect(try jobs.jobs == before, "after reopen")
        try store.close()
    }

    @Test func aGroupTheTableRefusesLeavesTheStateAsItWas() throws {
        let directory = makeTemporaryDirectory("strata-order-groups-refused")
        defer { removeTree(directory) }
        let (store, orders, _) = try Self.open(directory)
        try orders.save(Self.order(1))
        // A user name longer than a text column holds: the events are refused by the table.
        var long = Self.order(2)
        long.user = String(repeating: "x", count: (1 << 24) + 1)
        #expect(throws: (any Error).self) { try orders.perform([.save(Self.order(3)), .save(long)]) }
        #expect(try orders.all.map(\.id) == [1], "nothing of the refused group stays")
        #expect(throws: (any Error).self) { try orders.save(long) }
        try orders.save(Self.order(4))
        #expect(try orders.all.map(\.id) == [1, 4])
        try store.close()
    }
}
