import Dispatch
import Foundation
import Strata
import StrataPostgres
import Synchronization
import Testing

/// What the workers saw, shared between their threads.
private final class Tally: Sendable {
    /// How many times each job was handed to a worker.
    let runs = Mutex<[Int64: Int]>([:])
    let failures = Mutex<[String]>([])
}

extension DispatchGroup {
    /// Runs `work` on a global queue as a member of the group.
    func enqueue(_ work: @escaping @Sendable () -> Void) {
        enter()
        DispatchQueue.global().async {
            work()
            self.leave()
        }
    }

    /// Waits, without blocking a thread, for every member to leave.
    func finished() async {
        await withCheckedContinuation { continuation in notify(queue: .global()) { continuation.resume() } }
    }
}

/// Two nodes: two `StrataStore`s, each over its own `PostgresBackend` (its own pool), on one
/// database and schema — what two `strata serve` processes sharing PostgreSQL are.
@Suite(.enabled(if: PostgresTestServer.enabled, "PostgreSQL unreachable at \(PostgresTestServer.url)"))
struct TwoNodeKeyedStateTests {
    static let t0 = Timestamp(nanoseconds: 1_719_792_000_000_000_000)
    static let second: Int64 = 1_000_000_000

    /// Runs `body` with two stores on one schema; closes them and drops the schema after.
    static func withTwoNodes(
        _ label: String, policy: RetryPolicy = RetryPolicy(maxAttempts: 5, baseDelay: 0),
        _ body: (StrataStore, StrataStore) async throws -> Void
    ) async throws {
        let directory = NSTemporaryDirectory() + "strata-two-nodes-\(label)-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let configuration = StrataStore.Configuration(
            aggregates: false, maintenanceInterval: nil, jobRetryPolicy: policy)
        try await PostgresTestServer.withSchema(label) { postgres in
            let a = try StrataStore.open(
                directory: directory + "/a", backend: try PostgresBackend(configuration: postgres),
                configuration: configuration)
            let b = try StrataStore.open(
                directory: directory + "/b", backend: try PostgresBackend(configuration: postgres),
                configuration: configuration)
            do {
                try await body(a, b)
            } catch {
                try? a.close()
                try? b.close()
                throw error
            }
            try a.close()
            try b.close()
        }
    }

    @Test func ordersWrittenOnOneNodeAreReadOnTheOther() async throws {
        try await Self.withTwoNodes("orders") { a, b in
            let order = Order(
                id: 7, clientOrderID: "x-7", user: "alice", symbol: "BTCUSDT", side: .buy, type: .limit,
                price: Price(mantissa: 6_400_012_345_678), size: Quantity(mantissa: 150_000_000), createdAt: Self.t0)
            try a.orders.save(order)
            #expect(try b.orders.order(id: 7) == order)
            #expect(try b.orders.openOrders(user: "alice") == [order])
            // A change through B is seen by A, and the lifecycle is checked against the shared row.
            let filled = try b.orders.update(
                id: 7, .fill(quantity: Quantity(mantissa: 150_000_000), price: Price(mantissa: 6_400_000_000_001)),
                at: Self.t0.advanced(by: Self.second))
            #expect(filled.status == .filled)
            #expect(try a.orders.order(id: 7) == filled)
            #expect(try a.orders.openOrders(user: "alice").isEmpty)
            #expect(throws: OrderError.self) { try a.orders.update(id: 7, .cancel, at: Self.t0) }
            #expect(throws: OrderError.self) { try a.orders.save(order) }
            let events = try a.orders.events(of: 7, symbol: "BTCUSDT")
            #expect(events.count == 2)
            #expect(events.first == .created(order))
            #expect(filled.averageFillPrice == Price(mantissa: 6_400_000_000_001))
        }
    }

    /// Fills of one order from both nodes at once: the row lock serializes them, so exactly the
    /// fills that fit the size are accepted, every other one is an overfill (never a lost update).
    @Test func concurrentFillsFromBothNodesNeverOverfill() async throws {
        try await Self.withTwoNodes("fills") { a, b in
            try a.orders.save(
                Order(
                    id: 1, user: "alice", symbol: "BTCUSDT", side: .buy, type: .market, price: nil,
                    size: Quantity(mantissa: 1_000_000_000), createdAt: Self.t0))
            let tally = Tally()
            let workers = DispatchGroup()
            for (node, store) in [("a", a), ("b", b)] {
                let orders = try store.orders
                for worker in 0..<3 {
                    workers.enqueue {
                        for fill in 0..<6 {
                            do {
                                try orders.update(
                                    id: 1,
                                    .fill(
                                        quantity: Quantity(mantissa: 50_000_000), price: Price(mantissa: 100_000_000)),
                                    at: Self.t0.advanced(by: Int64(fill)))
                                tally.runs.withLock { $0[1, default: 0] += 1 }
                            } catch let error as OrderError
                                where error.kind == .overfill || error.kind == .illegalTransition
                            {
                                tally.runs.withLock { $0[0, default: 0] += 1 }
                            } catch {
                                tally.failures.withLock { $0.append("\(node)\(worker): \(error)") }
                            }
                        }
                    }
                }
            }
            await workers.finished()
            #expect(tally.failures.withLock { $0 } == [])
            let counted = tally.runs.withLock { $0 }
            #expect(counted[1] == 20, "exactly the fills that fit 10 in 0.5 steps")
            #expect(counted[0] == 16, "every other one refused")
            let order = try #require(try b.orders.order(id: 1))
            #expect(order.status == .filled && order.filledSize == order.size)
            #expect(try a.orders.events(of: 1, symbol: "BTCUSDT").count == 21)
        }
    }

    /// The same new ids saved and enqueued from both nodes at once: each once, the other node told
    /// `duplicateOrder` / `duplicateJob` (the insert that lost the race runs its transaction
    /// again and reads the winner's row), never an I/O error.
    @Test func racingInsertsOfOneIDFromBothNodesStoreItOnce() async throws {
        try await Self.withTwoNodes("races") { a, b in
            let tally = Tally()
            let workers = DispatchGroup()
            for (node, store) in [("a", a), ("b", b)] {
                let (orders, jobs) = (try store.orders, try store.jobs)
                for worker in 0..<2 {
                    workers.enqueue {
                        for id in Int64(1)...40 {
                            do {
                                try orders.save(
                                    Order(
                                        id: id, user: "\(node)\(worker)", symbol: "BTCUSDT", side: .buy,
                                        type: .market, price: nil, size: Quantity(mantissa: 1), createdAt: Self.t0))
                                tally.runs.withLock { $0[id, default: 0] += 1 }
                            } catch let error as OrderError where error.kind == .duplicateOrder {
                            } catch {
                                tally.failures.withLock { $0.append("order \(id) on \(node): \(error)") }
                            }
                            do {
                                try jobs.enqueue(id: id, queue: "q", payload: node, notBefore: Self.t0, now: Self.t0)
                                tally.runs.withLock { $0[-id, default: 0] += 1 }
                            } catch let error as JobQueueError where error.kind == .duplicateJob {
                            } catch {
                                tally.failures.withLock { $0.append("job \(id) on \(node): \(error)") }
                            }
                        }
                    }
                }
            }
            await workers.finished()
            #expect(tally.failures.withLock { $0 } == [])
            let counted = tally.runs.withLock { $0 }
            #expect(counted.count == 80 && counted.values.allSatisfy { $0 == 1 }, "each id stored once")
            #expect(try a.orders.all.count == 40 && b.jobs.counts.ready == 40)
        }
    }

    /// A closed backend is a typed error through the store, not a crash or an empty answer.
    @Test func aClosedBackendIsATypedError() async throws {
        let directory = NSTemporaryDirectory() + "strata-keyed-closed-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try await PostgresTestServer.withSchema("closed") { postgres in
            let backend = try PostgresBackend(configuration: postgres)
            let store = try StrataStore.open(
                directory: directory, backend: backend,
                configuration: StrataStore.Configuration(aggregates: false, maintenanceInterval: nil))
            let orders = try store.orders
            try orders.save(
                Order(
                    id: 1, user: "alice", symbol: "BTCUSDT", side: .buy, type: .market, price: nil,
                    size: Quantity(mantissa: 1), createdAt: Self.t0))
            try backend.close()
            #expect(throws: StrataError.self) { try orders.all }
            do {
                _ = try orders.openOrders(user: "alice")
                Issue.record("a closed backend answered")
            } catch let error as StrataError {
                #expect(error.code == .closed)
            }
            #expect(throws: StrataError.self) { try store.jobs.counts }
            try? store.close()
        }
    }

    @Test func anomaliesSavedOnOneNodeAreActiveOnTheOther() async throws {
        try await Self.withTwoNodes("anomalies") { a, b in
            try a.anomalies.save(Anomaly(type: "feed_gap", symbol: nil, severity: 2, at: Self.t0))
            let later = try b.anomalies.save(
                Anomaly(type: "feed_gap", symbol: nil, severity: 5, at: Self.t0.advanced(by: Self.second)))
            #expect(later.detectedAt == Self.t0, "the first detection, saved by the other node, is kept")
            #expect(try a.anomalies.active == [later])
            #expect(try a.anomalies.removeMarketWide(type: "feed_gap", at: Self.t0.advanced(by: 2 * Self.second)) == 1)
            #expect(try b.anomalies.active.isEmpty)
            #expect(try b.anomalies.history(type: "feed_gap", symbol: nil).count == 3)
        }
    }

    /// Hundreds of jobs enqueued on A, worked by three workers on each node at once: every job
    /// runs exactly once, none is lost, and both nodes see them all completed.
    @Test func workersOnBothNodesRunEveryJobOnce() async throws {
        try await Self.withTwoNodes("jobs") { a, b in
            let total = 400
            var enqueues: [JobOperation] = []
            for id in 1...total {
                enqueues.append(
                    .enqueue(
                        id: Int64(id), queue: ["mail", "settle"][id % 2], payload: "{\"n\":\(id)}", priority: id % 3,
                        notBefore: Self.t0, now: Self.t0))
            }
            for outcome in try a.jobs.perform(enqueues) { #expect(outcome == .done) }
            let tally = Tally()
            let workers = DispatchGroup()
            for (node, store) in [("a", a), ("b", b)] {
                let jobs = try store.jobs
                for worker in 0..<3 {
                    workers.enter()
                    DispatchQueue.global().async {
                        defer { workers.leave() }
                        let name = "\(node)\(worker)"
                        do {
                            while true {
                                let now = WallClock.now()
                                let leased = try jobs.dequeue(
                                    limit: 4, worker: name, now: now, leaseDuration: 600 * Self.second)
                                if leased.isEmpty { break }
                                for (job, lease) in leased {
                                    tally.runs.withLock { $0[job.id, default: 0] += 1 }
                                    try jobs.complete(id: job.id, token: lease.token, now: WallClock.now())
                                }
                            }
                        } catch {
                            tally.failures.withLock { $0.append("\(name): \(error)") }
                        }
                    }
                }
            }
            await withCheckedContinuation { continuation in
                workers.notify(queue: .global()) { continuation.resume() }
            }
            #expect(tally.failures.withLock { $0 } == [])
            let counted = tally.runs.withLock { $0 }
            #expect(counted.count == total, "no job lost")
            #expect(counted.values.allSatisfy { $0 == 1 }, "no job ran twice")
            for store in [a, b] {
                let counts = try store.jobs.counts
                #expect(counts.completed == total && counts.ready == 0 && counts.leased == 0)
            }
            #expect(
                try b.jobs.dequeue(limit: 10, worker: "late", now: WallClock.now(), leaseDuration: Self.second).isEmpty)
        }
    }

    /// A's lease expires; B takes the job over; A's late completion is refused; B's stands.
    @Test func anExpiredLeaseOnOneNodeIsTakenOverByTheOther() async throws {
        try await Self.withTwoNodes("lease") { a, b in
            try a.jobs.enqueue(id: 1, queue: "settle", payload: "{}", notBefore: Self.t0, now: Self.t0)
            let held = try a.jobs.dequeue(limit: 1, worker: "a1", now: Self.t0, leaseDuration: Self.second)
            #expect(held.map(\.job.id) == [1])
            let early = try b.jobs.dequeue(
                limit: 1, worker: "b1", now: Self.t0.advanced(by: Self.second / 2), leaseDuration: Self.second)
            #expect(early.isEmpty, "the job is held by A")
            let taken = try b.jobs.dequeue(
                limit: 1, worker: "b1", now: Self.t0.advanced(by: 2 * Self.second), leaseDuration: 10 * Self.second)
            #expect(taken.map(\.job.id) == [1])
            #expect(taken.first?.job.attempts == 2)
            let late = try #require(held.first)
            #expect(throws: JobQueueError.self) {
                try a.jobs.complete(id: 1, token: late.lease.token, now: Self.t0.advanced(by: 3 * Self.second))
            }
            let mine = try #require(taken.first)
            #expect(mine.lease.token != late.lease.token)
            try b.jobs.complete(id: 1, token: mine.lease.token, now: Self.t0.advanced(by: 3 * Self.second))
            #expect(throws: JobQueueError.self) {
                try a.jobs.complete(id: 1, token: mine.lease.token, now: Self.t0.advanced(by: 4 * Self.second))
            }
            guard case .completed = try a.jobs.job(id: 1)?.state else {
                Issue.record("job 1 is not completed on A: \(String(describing: try a.jobs.job(id: 1)))")
                return
            }
            #expect(
                try a.jobs.dequeue(
                    limit: 1, worker: "a2", now: Self.t0.advanced(by: 99 * Self.second), leaseDuration: Self.second
                ).isEmpty)
        }
    }
}
