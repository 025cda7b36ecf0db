import Foundation
import Strata
import StrataPostgres
import Testing

/// The keyed state contract: the same order, job and anomaly operations through `StrataStore`
/// on the engine and on PostgreSQL (which keeps the state itself: `PostgresBackend.keyedState`)
/// give the same answers and the same typed errors, written down as a transcript per backend.
@Suite(.enabled(if: PostgresTestServer.enabled, "PostgreSQL unreachable at \(PostgresTestServer.url)"))
struct KeyedStateContractTests {
    static let configuration = StrataStore.Configuration(
        aggregates: false, maintenanceInterval: nil,
        jobRetryPolicy: RetryPolicy(maxAttempts: 2, baseDelay: 1_000_000_000, maximumDelay: 10_000_000_000))

    static let t0 = Timestamp(nanoseconds: 1_719_792_000_000_000_000)

    static func at(_ seconds: Int64) -> Timestamp { t0.advanced(by: seconds * 1_000_000_000) }

    /// What an operation answered, as text (values' and errors' own descriptions).
    struct Transcript {
        var lines: [String] = []

        mutating func note(_ label: String, _ body: () throws -> Any) {
            do {
                lines.append("\(label): \(try body())")
            } catch {
                lines.append("\(label): \(type(of: error)) \(error)")
            }
        }
    }

    static func price(_ text: String) -> Price { Price(mantissa: Self.mantissa(text)) }
    static func quantity(_ text: String) -> Quantity { Quantity(mantissa: Self.mantissa(text)) }
    static func mantissa(_ text: String) -> Int64 {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        let fraction = parts.count > 1 ? String(parts[1]) : ""
        return Int64(String(parts[0]))! * 100_000_000 + Int64((fraction + "00000000").prefix(8))!
    }

    static func order(_ id: Int64, _ user: String, _ symbol: Symbol, _ side: OrderSide, _ type: OrderType, at: Int64)
        -> Order
    {
        Order(
            id: id, clientOrderID: "c\(id)", user: user, symbol: symbol, side: side, type: type,
            price: type == .market || type == .stop ? nil : price("64000.12345678"),
            stopPrice: type == .stop || type == .stopLimit ? price("63000.5") : nil, size: quantity("1.5"),
            createdAt: Self.at(at))
    }

    static func exerciseOrders(_ store: StrataStore) throws -> [String] {
        var log = Transcript()
        let orders = try store.orders
        let setup: [Order] = [
            order(1, "alice", "BTCUSDT", .buy, .limit, at: 1), order(2, "alice", "ETHUSDT", .sell, .market, at: 2),
            order(3, "bob", "BTCUSDT", .sell, .stopLimit, at: 3), order(4, "bob", "ETHUSDT", .buy, .stop, at: 4),
            order(5, "alice", "BTCUSDT", .sell, .limit, at: 5), order(6, "carol", "SOLUSDT", .buy, .limit, at: 6),
        ]
        for order in setup { log.note("save \(order.id)") { try orders.save(order) } }
        var bad = order(7, "alice", "BTCUSDT", .buy, .market, at: 7)
        bad.price = price("1")
        log.note("save a market order with a price") { try orders.save(bad) }
        var nul = order(7, "al\u{0}ice", "BTCUSDT", .buy, .limit, at: 7)
        log.note("save a user with a NUL") { try orders.save(nul) }
        nul.user = "alice"
        nul.clientOrderID = "c\u{0}"
        log.note("save a client order id with a NUL") { try orders.save(nul) }
        log.note("save a duplicate") { try orders.save(order(1, "zed", "BTCUSDT", .buy, .limit, at: 8)) }
        log.note("fill 1 partly") {
            try orders.update(id: 1, .fill(quantity: quantity("0.5"), price: price("64000.1")), at: at(10))
        }
        log.note("fill 1 again") {
            try orders.update(id: 1, .fill(quantity: quantity("0.25"), price: price("63999.99999999")), at: at(11))
        }
        log.note("overfill 1") {
            try orders.update(id: 1, .fill(quantity: quantity("1"), price: price("1")), at: at(12))
        }
        log.note("fill 1 fully") {
            try orders.update(id: 1, .fill(quantity: quantity("0.75"), price: price("64001")), at: at(13))
        }
        log.note("cancel filled 1") { try orders.update(id: 1, .cancel, at: at(14)) }
        log.note("cancel 2") { try orders.update(id: 2, .cancel, at: at(15)) }
        log.note("fill cancelled 2") {
            try orders.update(id: 2, .fill(quantity: quantity("0.1"), price: price("1")), at: at(16))
        }
        log.note("fill unknown 99") { try orders.update(id: 99, .expire, at: at(17)) }
        log.note("zero fill 3") {
            try orders.update(id: 3, .fill(quantity: quantity("0"), price: price("1")), at: at(18))
        }
        log.note("amend 3") { try orders.update(id: 3, .amend(price: price("64100"), size: quantity("2")), at: at(19)) }
        log.note("amend 4's price") { try orders.update(id: 4, .amend(price: price("1"), size: nil), at: at(20)) }
        log.note("reject 4") { try orders.update(id: 4, .reject(reason: "risk limit"), at: at(21)) }
        log.note("reject 5 with a NUL") { try orders.update(id: 5, .reject(reason: "no\u{0}"), at: at(21)) }
        log.note("expire 6") { try orders.update(id: 6, .expire, at: at(22)) }
        log.note("remove 6") { try orders.remove(id: 6, at: at(23)) }
        log.note("remove 6 again") { try orders.remove(id: 6, at: at(24)) }
        log.note("group") {
            try orders.perform([
                .save(order(8, "dave", "BTCUSDT", .buy, .limit, at: 25)),
                .update(id: 8, .fill(quantity: quantity("0.5"), price: price("64000")), at: at(26)),
                .update(id: 2, .cancel, at: at(27)),
                .save(order(8, "dave", "BTCUSDT", .buy, .limit, at: 28)),
                .remove(id: 5, at: at(29)),
                .save(order(5, "erin", "ETHUSDT", .sell, .limit, at: 30)),
                .update(id: 42, .cancel, at: at(31)),
            ])
        }
        log.note("all") { try orders.all }
        for user in ["alice", "bob", "dave", "erin", "nobody"] {
            log.note("orders of \(user)") { try orders.orders(user: user) }
            log.note("open orders of \(user)") { try orders.openOrders(user: user) }
            log.note("orders of \(user) in [2 s, 26 s)") { try orders.orders(user: user, from: at(2), to: at(26)) }
        }
        for symbol: Symbol in ["BTCUSDT", "ETHUSDT", "XRPUSDT"] {
            log.note("orders of \(symbol)") { try orders.orders(symbol: symbol) }
        }
        for side in OrderSide.allCases { log.note("\(side) orders") { try orders.orders(side: side) } }
        for status in OrderStatus.allCases { log.note("\(status) orders") { try orders.orders(status: status) } }
        log.note("open orders") { try orders.openOrderCount }
        log.note("order 1") { try orders.order(id: 1) as Any }
        log.note("order 6") { try orders.order(id: 6) as Any }
        for (id, symbol) in [(1, "BTCUSDT"), (6, "SOLUSDT"), (5, "BTCUSDT"), (5, "ETHUSDT"), (3, "ETHUSDT")] {
            log.note("events of \(id) on \(symbol)") {
                try orders.events(of: Int64(id), symbol: Symbol(unchecked: symbol))
            }
        }
        return log.lines
    }

    static func exerciseJobs(_ store: StrataStore) throws -> [String] {
        var log = Transcript()
        let jobs = try store.jobs
        let lease: Int64 = 30_000_000_000
        for (id, queue, priority, after) in [
            (1, "mail", 0, 0), (2, "mail", 5, 0), (3, "settle", 5, 0), (4, "settle", 0, 100), (5, "mail", 1, 0),
        ] as [(Int64, String, Int, Int64)] {
            log.note("enqueue \(id)") {
                try jobs.enqueue(
                    id: id, queue: queue, payload: #"{"job":\#(id)}"#, priority: priority, notBefore: at(after),
                    now: at(0))
            }
        }
        log.note("enqueue a duplicate") {
            try jobs.enqueue(id: 1, queue: "mail", payload: "", notBefore: at(0), now: at(0))
        }
        log.note("enqueue a bad queue") {
            try jobs.enqueue(id: 9, queue: "a b", payload: "", notBefore: at(0), now: at(0))
        }
        log.note("enqueue a NUL payload") {
            try jobs.enqueue(id: 9, queue: "mail", payload: "{\u{0}}", notBefore: at(0), now: at(0))
        }
        log.note("enqueue id 0") { try jobs.enqueue(id: 0, queue: "mail", payload: "", notBefore: at(0), now: at(0)) }
        log.note("dequeue 2 for w1") { try jobs.dequeue(limit: 2, worker: "w1", now: at(1), leaseDuration: lease) }
        log.note("dequeue mail for w2") {
            try jobs.dequeue(limit: 5, worker: "w2", now: at(1), leaseDuration: lease, queues: ["mail"])
        }
        log.note("dequeue for w3") { try jobs.dequeue(limit: 5, worker: "w3", now: at(1), leaseDuration: lease) }
        log.note("heartbeat with a wrong token") { try jobs.heartbeat(id: 2, token: 999, now: at(2), extendBy: lease) }
        log.note("heartbeat 2") { try jobs.heartbeat(id: 2, token: 1, now: at(2), extendBy: lease) }
        log.note("complete 2") { try jobs.complete(id: 2, token: 1, now: at(3)) }
        log.note("complete 2 again") { try jobs.complete(id: 2, token: 1, now: at(4)) }
        log.note("fail 3 with a NUL") { try jobs.fail(id: 3, token: 2, now: at(4), error: "time\u{0}out") }
        log.note("fail 3") { try jobs.fail(id: 3, token: 2, now: at(4), error: "timeout") }
        log.note("complete unknown") { try jobs.complete(id: 77, token: 1, now: at(4)) }
        log.note("job 3") { try jobs.job(id: 3) as Any }
        log.note("dequeue before the retry") {
            try jobs.dequeue(limit: 5, worker: "w4", now: at(4), leaseDuration: lease)
        }
        log.note("dequeue after the retry") {
            try jobs.dequeue(limit: 5, worker: "w4", now: at(6), leaseDuration: lease)
        }
        log.note("fail 3 again") { try jobs.fail(id: 3, token: 5, now: at(7), error: "timeout again") }
        log.note("dead letters") { try jobs.deadLetters }
        log.note("requeue 1 (not dead)") { try jobs.requeue(id: 1, now: at(8)) }
        log.note("requeue 3") { try jobs.requeue(id: 3, now: at(8)) }
        log.note("counts") { try jobs.counts }
        log.note("oldest waiting") { try jobs.oldestWaiting as Any }
        log.note("expire at 40 s") { try jobs.expireLeases(now: at(40)) }
        log.note("complete after the lease expired") { try jobs.complete(id: 5, token: 3, now: at(41)) }
        log.note("dequeue at 200 s") { try jobs.dequeue(limit: 10, worker: "w5", now: at(200), leaseDuration: lease) }
        log.note("group") {
            try jobs.perform([
                .enqueue(id: 10, queue: "fx", payload: "{}", priority: 9, notBefore: at(200), now: at(200)),
                .dequeue(limit: 1, worker: "w6", now: at(201), leaseDuration: lease, queues: ["fx"]),
                .complete(id: 10, token: 12, now: at(202)),
                .complete(id: 10, token: 12, now: at(203)),
                .requeue(id: 10, now: at(203)),
                .expireLeases(now: at(10_000)),
            ])
        }
        log.note("jobs") { try jobs.jobs.sorted { $0.key < $1.key }.map(\.value) }
        log.note("counts at the end") { try jobs.counts }
        return log.lines
    }

    static func exerciseAnomalies(_ store: StrataStore) throws -> [String] {
        var log = Transcript()
        let anomalies = try store.anomalies
        let saves: [(String, Symbol?, Double, Int64)] = [
            ("spread_spike", "BTCUSDT", 3.5, 1), ("spread_spike", "ETHUSDT", 1.25, 2), ("feed_gap", nil, 9, 3),
            ("spread_spike", "BTCUSDT", 4.75, 4), ("feed_gap", "BTCUSDT", 2, 5), ("spread_spike", nil, 1, 6),
        ]
        for (type, symbol, severity, time) in saves {
            log.note("save \(type) \(symbol?.name ?? "market")") {
                try anomalies.save(
                    Anomaly(
                        type: type, symbol: symbol, severity: severity, message: "seen at \(time)",
                        metadata: #"{"t":\#(time)}"#, at: at(time)))
            }
        }
        log.note("save an empty type") { try anomalies.save(Anomaly(type: "", symbol: nil, at: at(7))) }
        log.note("save an infinite severity") {
            try anomalies.save(Anomaly(type: "x", symbol: nil, severity: .infinity, at: at(7)))
        }
        log.note("save a NUL message") {
            try anomalies.save(Anomaly(type: "x", symbol: nil, message: "a\u{0}", at: at(7)))
        }
        log.note("save the reserved symbol") { try anomalies.save(Anomaly(type: "x", symbol: "_market", at: at(7))) }
        log.note("active") { try anomalies.active }
        log.note("active spread_spike") { try anomalies.active(type: "spread_spike") }
        log.note("active on BTCUSDT") { try anomalies.active(symbol: "BTCUSDT") }
        log.note("one") { try anomalies.anomaly(type: "spread_spike", symbol: "BTCUSDT") as Any }
        log.note("remove spread_spike on ETHUSDT") {
            try anomalies.remove(type: "spread_spike", symbol: "ETHUSDT", at: at(8))
        }
        log.note("remove feed_gap market-wide") { try anomalies.removeMarketWide(type: "feed_gap", at: at(9)) }
        log.note("remove feed_gap market-wide again") { try anomalies.removeMarketWide(type: "feed_gap", at: at(9)) }
        log.note("remove spread_spike everywhere") { try anomalies.remove(type: "spread_spike", at: at(10)) }
        log.note("remove unknown") { try anomalies.remove(type: "nothing", at: at(10)) }
        log.note("active at the end") { try anomalies.active }
        for (type, symbol) in [("spread_spike", "BTCUSDT"), ("feed_gap", nil), ("spread_spike", nil)]
            as [(String, Symbol?)]
        {
            log.note("history \(type) \(symbol?.name ?? "market")") {
                try anomalies.history(type: type, symbol: symbol)
            }
        }
        return log.lines
    }

    /// The engine's transcript and PostgreSQL's, for one exercise.
    static func compare(_ label: String, _ exercise: (StrataStore) throws -> [String]) async throws {
        let directory = NSTemporaryDirectory() + "strata-keyed-\(label)-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let engine = try StrataStore.open(directory: directory + "/engine", configuration: configuration)
        let expected = try exercise(engine)
        try engine.close()

        try await PostgresTestServer.withSchema("keyed_\(label)") { postgres in
            let backend = try PostgresBackend(configuration: postgres)
            let store = try StrataStore.open(
                directory: directory + "/pg", backend: backend, configuration: configuration)
            let answers = try exercise(store)
            try store.close()
            #expect(answers.count == expected.count)
            for (answer, expectation) in zip(answers, expected) { #expect(answer == expectation) }
        }
        // The engine's answers include real refusals and values, not only errors.
        #expect(expected.contains { $0.contains("Error") } && expected.contains { !$0.contains("Error") })
    }

    @Test func ordersAnswerAlikeOnTheEngineAndPostgreSQL() async throws {
        try await Self.compare("orders", Self.exerciseOrders)
    }

    @Test func jobsAnswerAlikeOnTheEngineAndPostgreSQL() async throws {
        try await Self.compare("jobs", Self.exerciseJobs)
    }

    @Test func anomaliesAnswerAlikeOnTheEngineAndPostgreSQL() async throws {
        try await Self.compare("anomalies", Self.exerciseAnomalies)
    }

    /// Random order operations (seeded), the same on both: the same outcomes, orders and events.
    @Test(arguments: [1, 2, 3] as [UInt64])
    func randomOrderOperationsAnswerAlike(seed: UInt64) async throws {
        try await Self.compare("random\(seed)") { store in
            var random = SplitMix64(seed: seed)
            var log = Transcript()
            let orders = try store.orders
            func pick(_ n: Int) -> Int { Int(random.next() % UInt64(n)) }
            for step in 0..<120 {
                let id = Int64(1 + pick(25))
                let time = Self.at(Int64(step))
                let operation: OrderOperation
                switch pick(8) {
                case 0, 1:
                    let type = OrderType.allCases[pick(OrderType.allCases.count)]
                    operation = .save(
                        Self.order(
                            id, ["u1", "u2", "u3"][pick(3)], Symbol(unchecked: ["AAA", "BBB"][pick(2)]),
                            OrderSide.allCases[pick(2)], type, at: Int64(step)))
                case 2, 3, 4:
                    operation = .update(
                        id: id,
                        .fill(quantity: Quantity(mantissa: Int64(1 + pick(80_000_000))), price: Self.price("100.5")),
                        at: time)
                case 5: operation = .update(id: id, [.cancel, .expire, .reject(reason: "r")][pick(3)], at: time)
                case 6:
                    operation = .update(
                        id: id, .amend(price: nil, size: Quantity(mantissa: Int64(1 + pick(300_000_000)))), at: time)
                default: operation = .remove(id: id, at: time)
                }
                if step % 10 == 9 {
                    log.note("group \(step)") { try orders.perform([operation, .update(id: id, .cancel, at: time)]) }
                } else {
                    log.note("\(step) \(operation)") {
                        switch operation {
                        case .save(let order): return try orders.save(order)
                        case .update(let id, let change, let at): return try orders.update(id: id, change, at: at)
                        case .remove(let id, let at): return try orders.remove(id: id, at: at)
                        }
                    }
                }
            }
            log.note("all") { try orders.all }
            for user in ["u1", "u2", "u3"] { log.note("open \(user)") { try orders.openOrders(user: user) } }
            for id in 1...25 {
                for symbol: Symbol in ["AAA", "BBB"] {
                    log.note("events \(id) \(symbol)") { try orders.events(of: Int64(id), symbol: symbol) }
                }
            }
            return log.lines
        }
    }

    /// A random job workload (seeded): workers that complete, fail, heartbeat with stale tokens or
    /// vanish (their leases expire), requeues of dead letters, time moving on — the same on both.
    @Test(arguments: [11, 12] as [UInt64])
    func randomJobWorkloadsAnswerAlike(seed: UInt64) async throws {
        try await Self.compare("jobs\(seed)") { store in
            var random = SplitMix64(seed: seed)
            var log = Transcript()
            let jobs = try store.jobs
            func pick(_ n: Int) -> Int { Int(random.next() % UInt64(n)) }
            var held: [(id: Int64, token: Int64)] = []
            var next: Int64 = 1
            var clock: Int64 = 0
            for step in 0..<150 {
                clock += Int64(pick(4))
                let now = Self.at(clock)
                switch pick(9) {
                case 0, 1:
                    let id = pick(5) == 0 ? Int64(1 + pick(Int(next))) : next
                    next += id == next ? 1 : 0
                    log.note("\(step) enqueue \(id)") {
                        try jobs.enqueue(
                            id: id, queue: ["q1", "q2"][pick(2)], payload: "p\(id)", priority: pick(3),
                            notBefore: now.advanced(by: Int64(pick(3)) * 1_000_000_000), now: now)
                    }
                case 2, 3:
                    log.note("\(step) dequeue") {
                        let leased = try jobs.dequeue(
                            limit: 1 + pick(3), worker: "w\(pick(3))", now: now,
                            leaseDuration: Int64(1 + pick(8)) * 1_000_000_000,
                            queues: pick(3) == 0 ? ["q1"] : nil)
                        held += leased.map { ($0.job.id, $0.lease.token) }
                        return leased
                    }
                case 4, 5:
                    guard !held.isEmpty else { continue }
                    let (id, token) = held.remove(at: pick(held.count))
                    log.note("\(step) complete \(id)") { try jobs.complete(id: id, token: token, now: now) }
                case 6:
                    guard !held.isEmpty else { continue }
                    let (id, token) = held.remove(at: pick(held.count))
                    log.note("\(step) fail \(id)") { try jobs.fail(id: id, token: token, now: now, error: "e\(step)") }
                case 7:
                    guard !held.isEmpty else { continue }
                    let (id, token) = held[pick(held.count)]
                    log.note("\(step) heartbeat \(id)") {
                        try jobs.heartbeat(id: id, token: token + Int64(pick(2)), now: now, extendBy: 2_000_000_000)
                    }
                default:
                    if let dead = try jobs.deadLetters.first {
                        log.note("\(step) requeue \(dead.id)") { try jobs.requeue(id: dead.id, now: now) }
                    } else {
                        log.note("\(step) expire") { try jobs.expireLeases(now: now) }
                    }
                }
            }
            log.note("jobs") { try jobs.jobs.sorted { $0.key < $1.key }.map(\.value) }
            log.note("counts") { try jobs.counts }
            log.note("dead letters") { try jobs.deadLetters }
            log.note("oldest waiting") { try jobs.oldestWaiting as Any }
            return log.lines
        }
    }
}
