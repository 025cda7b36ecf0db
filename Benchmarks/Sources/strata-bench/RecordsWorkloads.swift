import Strata
import StrataEngine

#if canImport(Glibc)
    import Glibc
#endif

/// CPU time of the whole process (all threads), in nanoseconds: on a machine shared with other
/// work, operations per CPU-second say what the code costs, wall-clock rates what a run got.
func processCPUNanoseconds() -> Int64 {
    var spec = timespec()
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &spec)
    return Int64(spec.tv_sec) &* 1_000_000_000 &+ Int64(spec.tv_nsec)
}

/// ORDERS, OPEN and JOBS (issue 9): the trading records through the library — `OrderStore` and
/// `JobStore` over their event tables, group-commit durable — and the same operations on SQLite
/// (GRDB, WAL, `synchronous=NORMAL`) in the same run.
///
/// - ORDERS: order saves and updates (a full fill, a partial fill or a cancel), half each, every
///   one an event row; Strata applies them in groups (``OrderStore/perform(_:)``: one append,
///   one WAL frame per group), SQLite in transactions of the same size (INSERT order + INSERT
///   event; UPDATE order + INSERT event). Timed from the first group to the last commit made
///   durable (`flush()` / the last COMMIT). Then, for information, the same on Strata one
///   operation per append (`save`, `update`).
/// - OPEN: the open orders of a user, over `--open-orders` orders of `--users` users (20 % new,
///   10 % partially filled, 50 % filled, 20 % cancelled: about 30 open orders a user), each
///   query timed alone; SQLite with an index on (user, status), rows decoded into `Order`s.
/// - JOBS: jobs enqueued, dequeued (leased) and completed, in groups of `--group`: one append
///   for the enqueues, one for the dequeue, one for the completions (SQLite: a transaction each,
///   the dequeue an `UPDATE … WHERE id IN (SELECT … LIMIT n) RETURNING`). Then, for information,
///   Strata one operation per append.
///
/// Every operation list is built before the clocks start; every run checks what was stored.
struct RecordsWorkloads {
    let report: Report
    let directory: String
    let options: Options

    static let ordersTarget = 1_000_000.0
    static let jobsTarget = 100_000.0
    static let openTarget: Int64 = 10_000

    static let symbols: [Symbol] = (0..<20).map { Symbol(unchecked: "SYM\($0)") }

    /// A deterministic generator (splitmix64).
    struct Random {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        mutating func roll(_ n: Int) -> Int { Int(next() % UInt64(n)) }
    }

    /// A limit order of user `id % users`, 1 to 10 units at a price in 100…1,099.99.
    static func order(id: Int64, users: Int, time: Timestamp, random: inout Random) -> Order {
        Order(
            id: id, clientOrderID: "c\(id)", user: "user\(Int(id) % users)",
            symbol: symbols[random.roll(symbols.count)],
            side: random.roll(2) == 0 ? .buy : .sell, type: .limit, timeInForce: .goodTillCancelled,
            price: Price(mantissa: Int64(10_000 + random.roll(100_000)) * 1_000_000),
            size: Quantity(mantissa: Int64(1 + random.roll(10)) * 100_000_000), createdAt: time)
    }

    func run() throws {
        if options.runs(.orders) { try orders() }
        if options.runs(.openOrders) { try openOrders() }
        if options.runs(.jobs) { try jobs() }
    }

    // MARK: - ORDERS

    /// The operations of ORDERS in groups: each group saves `group / 2` orders and updates them
    /// (40 % filled whole, 30 % partly, 30 % cancelled); and the orders as the updates leave them
    /// (what SQLite's UPDATEs write).
    static func orderGroups(operations: Int, group: Int, users: Int, start: Timestamp) -> (
        groups: [[OrderOperation]], after: [Int64: Order]
    ) {
        var random = Random(state: 0x0DE5)
        var groups: [[OrderOperation]] = []
        var after: [Int64: Order] = [:]
        var id: Int64 = 0
        var done = 0
        while done < operations {
            let pairs = max(1, min(group, operations - done) / 2)
            var saves: [OrderOperation] = []
            var updates: [OrderOperation] = []
            for _ in 0..<pairs {
                id += 1
                let time = start.advanced(by: id * 1_000)
                let order = Self.order(id: id, users: users, time: time, random: &random)
                saves.append(.save(order))
                let change: OrderChange =
                    switch random.roll(10) {
                    case 0..<4: .fill(quantity: order.size, price: order.price!)
                    case 4..<7: .fill(quantity: Quantity(mantissa: order.size.mantissa / 2), price: order.price!)
                    default: .cancel
                    }
                let later = time.advanced(by: 500)
                updates.append(.update(id: id, change, at: later))
                after[id] = try? order.applying(change, at: later)
            }
            groups.append(saves + updates)
            done += 2 * pairs
        }
        return (groups, after)
    }

    private func orders() throws {
        let group = options.recordsGroup
        report.section(
            "ORDERS: order save + update (fill or cancel), each an event row, in groups of \(group) (group commit), and SQLite"
        )
        let start = WallClock.now().advanced(by: -3_600 * Timestamp.nanosecondsPerSecond)
        let (groups, after) = Self.orderGroups(
            operations: options.orderOperations, group: group, users: options.users, start: start)
        let operations = groups.reduce(0) { $0 + $1.count }
        report.line(
            "\(formatCount(operations)) operations (\(formatCount(after.count)) orders saved and updated), \(groups.count) groups"
        )
        var strataRates: [Double] = []
        var sqliteRates: [Double] = []
        for run in 1...options.recordsRuns {
            let path = directory + "/orders-\(run)"
            let store = try StrataStore.open(
                directory: path,
                configuration: .init(
                    durability: .groupCommit(milliseconds: 10), aggregates: false, maintenanceInterval: nil,
                    tables: [OrderStore.eventSchema]))
            let orders = try OrderStore(table: try require(store.table(named: "order_events"), "order_events"))
            let begin = monotonicNanoseconds()
            let cpuBegin = processCPUNanoseconds()
            var refused = 0
            for operations in groups {
                for outcome in try orders.perform(operations) { if case .failure = outcome { refused += 1 } }
            }
            try store.flush()
            let nanoseconds = monotonicNanoseconds() - begin
            let cpu = processCPUNanoseconds() - cpuBegin
            let events = try require(store.table(named: "order_events"), "order_events").stats().rows
            let sample = try after.keys.max().flatMap { try orders.order(id: $0) }
            try store.close()
            guard refused == 0, events == operations, sample == after.keys.max().flatMap({ after[$0] }) else {
                report.fail("ORDERS: Strata refused \(refused), stored \(events) events of \(operations)")
                return
            }
            let rate = Double(operations) / (Double(nanoseconds) / 1e9)
            strataRates.append(rate)
            report.line(
                "run \(run): Strata \(formatDuration(nanoseconds)), \(formatRate(rate, unit: "ops/s")) (CPU \(formatDuration(cpu)): \(formatRate(Double(operations) / (Double(cpu) / 1e9), unit: "ops per CPU-second"))); check: \(formatCount(events)) events, none refused"
            )
            removeTree(path)
            if !options.skipSQLite {
                let peer = try SQLiteRecords(path: directory + "/orders-\(run).sqlite")
                let begin = monotonicNanoseconds()
                let cpuBegin = processCPUNanoseconds()
                var sequence: Int64 = 0
                for operations in groups { try peer.apply(operations, after: after, sequence: &sequence) }
                let nanoseconds = monotonicNanoseconds() - begin
                let cpu = processCPUNanoseconds() - cpuBegin
                let (count, eventCount) = try peer.orderCounts()
                try peer.close()
                removeSQLite(directory + "/orders-\(run).sqlite")
                guard count == after.count, eventCount == operations else {
                    report.fail("ORDERS: SQLite holds \(count) orders, \(eventCount) events")
                    return
                }
                let rate = Double(operations) / (Double(nanoseconds) / 1e9)
                sqliteRates.append(rate)
                report.line(
                    "run \(run): SQLite \(formatDuration(nanoseconds)), \(formatRate(rate, unit: "ops/s")) (CPU \(formatDuration(cpu)): \(formatRate(Double(operations) / (Double(cpu) / 1e9), unit: "ops per CPU-second")))"
                )
            }
        }
        let strata = median(strataRates)
        report.add(
            "ORDERS save+update, groups of \(group)",
            formatRate(strata, unit: "ops/s") + range(strataRates) + ratio(strata, sqliteRates),
            target: "≥ 1 M ops/s", pass: strata >= Self.ordersTarget)
        if !sqliteRates.isEmpty {
            report.add(
                "ORDERS on SQLite, tx of \(group)", formatRate(median(sqliteRates), unit: "ops/s") + range(sqliteRates))
        }
        try ordersOneByOne(groups: groups)
    }

    /// The same operations on Strata, one append each (`save`, `update`), for information.
    private func ordersOneByOne(groups: [[OrderOperation]]) throws {
        let path = directory + "/orders-single"
        let store = try StrataStore.open(
            directory: path,
            configuration: .init(
                durability: .groupCommit(milliseconds: 10), aggregates: false, maintenanceInterval: nil,
                tables: [OrderStore.eventSchema]))
        let orders = try OrderStore(table: try require(store.table(named: "order_events"), "order_events"))
        let limit = max(2, options.orderOperations / 10)
        var count = 0
        let begin = monotonicNanoseconds()
        loop: for operations in groups {
            for operation in operations {
                switch operation {
                case .save(let order): try orders.save(order)
                case .update(let id, let change, let time): try orders.update(id: id, change, at: time)
                case .remove(let id, let time): try orders.remove(id: id, at: time)
                }
                count += 1
                if count >= limit { break loop }
            }
        }
        try store.flush()
        let nanoseconds = monotonicNanoseconds() - begin
        try store.close()
        removeTree(path)
        let rate = Double(count) / (Double(nanoseconds) / 1e9)
        report.add("ORDERS, one append per operation", formatRate(rate, unit: "ops/s") + " (\(formatCount(count)) ops)")
    }

    // MARK: - OPEN

    private func openOrders() throws {
        let total = options.openOrderCount
        let users = options.users
        report.section(
            "OPEN: open orders of a user, \(formatCount(total)) orders over \(formatCount(users)) users, and SQLite (index on (user, status))"
        )
        var random = Random(state: 0x09E7)
        let start = WallClock.now().advanced(by: -3_600 * Timestamp.nanosecondsPerSecond)
        var groups: [[OrderOperation]] = []
        var after: [Int64: Order] = [:]
        var current: [OrderOperation] = []
        for id in 1...Int64(total) {
            let time = start.advanced(by: id * 1_000)
            let order = Self.order(id: id, users: users, time: time, random: &random)
            current.append(.save(order))
            let later = time.advanced(by: 500)
            var final = order
            let change: OrderChange? =
                switch random.roll(10) {
                case 0, 1: nil
                case 2: .fill(quantity: Quantity(mantissa: order.size.mantissa / 2), price: order.price!)
                case 3..<8: .fill(quantity: order.size, price: order.price!)
                default: .cancel
                }
            if let change {
                current.append(.update(id: id, change, at: later))
                final = try order.applying(change, at: later)
            }
            after[id] = final
            if current.count >= 10_000 {
                groups.append(current)
                current = []
            }
        }
        if !current.isEmpty { groups.append(current) }
        let open = after.values.filter { $0.status.isOpen }
        var expected = [Int](repeating: 0, count: users)
        for order in open { expected[Int(order.user.dropFirst(4))!] += 1 }
        report.line(
            "\(formatCount(open.count)) open (\(fixed(100 * Double(open.count) / Double(total), 1)) %), \(fixed(Double(open.count) / Double(users), 1)) a user on average"
        )
        let queries = options.openQueries
        let sequence = (0..<queries).map { _ in random.roll(users) }

        let path = directory + "/open"
        let store = try StrataStore.open(
            directory: path,
            configuration: .init(
                durability: .groupCommit(milliseconds: 10), aggregates: false, maintenanceInterval: nil,
                tables: [OrderStore.eventSchema]))
        defer {
            try? store.close()
            removeTree(path)
        }
        let orders = try OrderStore(table: try require(store.table(named: "order_events"), "order_events"))
        for operations in groups { try orders.perform(operations) }
        var strataMedians: [Int64] = []
        var strataSamples = Samples(nanoseconds: [])
        for run in 1...options.recordsRuns {
            var samples: [Int64] = []
            samples.reserveCapacity(queries)
            var wrong = 0
            let cpuBegin = processCPUNanoseconds()
            for user in sequence {
                let name = "user\(user)"
                let begin = monotonicNanoseconds()
                let found = try orders.openOrders(user: name)
                samples.append(monotonicNanoseconds() - begin)
                if found.count != expected[user] { wrong += 1 }
            }
            guard wrong == 0 else {
                report.fail("OPEN: Strata gave the wrong number of open orders for \(wrong) queries")
                return
            }
            let cpu = (processCPUNanoseconds() - cpuBegin) / Int64(queries)
            let result = Samples(nanoseconds: samples)
            strataMedians.append(result.median)
            strataSamples = result
            report.line(
                "run \(run): Strata \(result.summary), mean \(formatDuration(samples.reduce(0, +) / Int64(queries))), CPU \(formatDuration(cpu)) a query"
            )
        }
        var sqliteMedians: [Int64] = []
        if !options.skipSQLite {
            let sqlitePath = directory + "/open.sqlite"
            let peer = try SQLiteRecords(path: sqlitePath)
            defer {
                try? peer.close()
                removeSQLite(sqlitePath)
            }
            var sequenceNumber: Int64 = 0
            for operations in groups { try peer.apply(operations, after: after, sequence: &sequenceNumber) }
            for run in 1...options.recordsRuns {
                var samples: [Int64] = []
                samples.reserveCapacity(queries)
                var wrong = 0
                let cpuBegin = processCPUNanoseconds()
                for user in sequence {
                    let begin = monotonicNanoseconds()
                    let found = try peer.openOrders(user: "user\(user)")
                    samples.append(monotonicNanoseconds() - begin)
                    if found.count != expected[user] { wrong += 1 }
                }
                guard wrong == 0 else {
                    report.fail("OPEN: SQLite gave the wrong number of open orders for \(wrong) queries")
                    return
                }
                let cpu = (processCPUNanoseconds() - cpuBegin) / Int64(queries)
                let result = Samples(nanoseconds: samples)
                sqliteMedians.append(result.median)
                report.line(
                    "run \(run): SQLite \(result.summary), mean \(formatDuration(samples.reduce(0, +) / Int64(queries))), CPU \(formatDuration(cpu)) a query"
                )
            }
        }
        let strata = medianTime(strataMedians)
        var value = "median \(formatDuration(strata)), p99 \(formatDuration(strataSamples.p99))"
        if strataMedians.count > 1 {
            value += " (medians \(formatDuration(strataMedians.min()!))–\(formatDuration(strataMedians.max()!)))"
        }
        if !sqliteMedians.isEmpty {
            let sqlite = medianTime(sqliteMedians)
            value += " (\(fixed(Double(sqlite) / Double(max(strata, 1)), 1))× SQLite's \(formatDuration(sqlite)))"
        }
        report.add("OPEN orders of a user", value, target: "≤ 10 µs", pass: strata <= Self.openTarget)
    }

    // MARK: - JOBS

    private func jobs() throws {
        let group = options.recordsGroup
        let total = options.jobCount
        report.section(
            "JOBS: enqueue + dequeue (lease) + complete, in groups of \(group) (an append each), and SQLite")
        let start = WallClock.now().advanced(by: -3_600 * Timestamp.nanosecondsPerSecond)
        let rounds = max(1, total / group)
        let payloads = (0..<group).map { #"{"trade":\#($0),"action":"settle"}"# }
        let lease: Int64 = 30 * Timestamp.nanosecondsPerSecond
        var strataRates: [Double] = []
        var sqliteRates: [Double] = []
        for run in 1...options.recordsRuns {
            let path = directory + "/jobs-\(run)"
            let store = try StrataStore.open(
                directory: path,
                configuration: .init(
                    durability: .groupCommit(milliseconds: 10), aggregates: false, maintenanceInterval: nil,
                    tables: [JobStore.eventSchema]))
            let jobs = try JobStore(table: try require(store.table(named: "job_events"), "job_events"))
            // The enqueues of each round, built before the clock starts.
            let enqueues: [[JobOperation]] = (0..<rounds).map { round in
                (0..<group).map { i in
                    let now = start.advanced(by: Int64(round) * 1_000_000)
                    return .enqueue(
                        id: Int64(round * group + i + 1), queue: "settlement", payload: payloads[i], priority: i % 3,
                        notBefore: now, now: now)
                }
            }
            var completes: [JobOperation] = []
            completes.reserveCapacity(group)
            var leasedCount = 0
            let begin = monotonicNanoseconds()
            let cpuBegin = processCPUNanoseconds()
            for round in 0..<rounds {
                let now = start.advanced(by: Int64(round) * 1_000_000 + 1_000)
                try jobs.perform(enqueues[round])
                guard
                    case .leased(let leased)? = try jobs.perform([
                        .dequeue(limit: group, worker: "w1", now: now, leaseDuration: lease, queues: nil)
                    ]).first
                else { break }
                leasedCount += leased.count
                completes.removeAll(keepingCapacity: true)
                for item in leased { completes.append(.complete(id: item.job.id, token: item.lease.token, now: now)) }
                try jobs.perform(completes)
            }
            try store.flush()
            let nanoseconds = monotonicNanoseconds() - begin
            let cpu = processCPUNanoseconds() - cpuBegin
            let counts = try jobs.counts
            try store.close()
            removeTree(path)
            let expected = rounds * group
            guard counts.completed == expected, leasedCount == expected, counts.ready + counts.leased == 0 else {
                report.fail("JOBS: Strata completed \(counts.completed) of \(expected) jobs (leased \(leasedCount))")
                return
            }
            let rate = Double(expected) / (Double(nanoseconds) / 1e9)
            strataRates.append(rate)
            report.line(
                "run \(run): Strata \(formatDuration(nanoseconds)), \(formatRate(rate, unit: "jobs/s")) (CPU \(formatDuration(cpu)): \(formatRate(Double(expected) / (Double(cpu) / 1e9), unit: "jobs per CPU-second"))); check: \(formatCount(counts.completed)) completed, none left"
            )
            if !options.skipSQLite {
                let sqlitePath = directory + "/jobs-\(run).sqlite"
                let peer = try SQLiteRecords(path: sqlitePath)
                let begin = monotonicNanoseconds()
                let cpuBegin = processCPUNanoseconds()
                var completed = 0
                for round in 0..<rounds {
                    let now = start.advanced(by: Int64(round) * 1_000_000 + 1_000).nanoseconds
                    try peer.enqueue(enqueues[round])
                    let leased = try peer.dequeue(limit: group, worker: "w1", now: now, leaseDuration: lease)
                    completed += try peer.complete(leased, now: now)
                }
                let nanoseconds = monotonicNanoseconds() - begin
                let cpu = processCPUNanoseconds() - cpuBegin
                let left = try peer.jobsNotCompleted()
                try peer.close()
                removeSQLite(sqlitePath)
                guard completed == expected, left == 0 else {
                    report.fail("JOBS: SQLite completed \(completed) of \(expected) jobs, \(left) left")
                    return
                }
                let rate = Double(expected) / (Double(nanoseconds) / 1e9)
                sqliteRates.append(rate)
                report.line(
                    "run \(run): SQLite \(formatDuration(nanoseconds)), \(formatRate(rate, unit: "jobs/s")) (CPU \(formatDuration(cpu)): \(formatRate(Double(expected) / (Double(cpu) / 1e9), unit: "jobs per CPU-second")))"
                )
            }
        }
        let strata = median(strataRates)
        report.add(
            "JOBS enqueue+dequeue+complete, groups of \(group)",
            formatRate(strata, unit: "jobs/s") + range(strataRates) + ratio(strata, sqliteRates, unit: "jobs/s"),
            target: "≥ 100 k jobs/s", pass: strata >= Self.jobsTarget)
        if !sqliteRates.isEmpty {
            report.add(
                "JOBS on SQLite, tx of \(group)", formatRate(median(sqliteRates), unit: "jobs/s") + range(sqliteRates))
        }
        try jobsOneByOne(start: start, payloads: payloads)
    }

    /// Strata one operation per append, for information: each job enqueued alone, dequeued ten at
    /// a time, completed alone.
    private func jobsOneByOne(start: Timestamp, payloads: [String]) throws {
        let path = directory + "/jobs-single"
        let store = try StrataStore.open(
            directory: path,
            configuration: .init(
                durability: .groupCommit(milliseconds: 10), aggregates: false, maintenanceInterval: nil,
                tables: [JobStore.eventSchema]))
        let jobs = try JobStore(table: try require(store.table(named: "job_events"), "job_events"))
        let total = max(10, options.jobCount / 10) / 10 * 10
        let begin = monotonicNanoseconds()
        for first in stride(from: 0, to: total, by: 10) {
            let now = start.advanced(by: Int64(first) * 1_000)
            for i in 0..<10 {
                try jobs.enqueue(
                    id: Int64(first + i + 1), queue: "settlement", payload: payloads[i % payloads.count],
                    notBefore: now, now: now)
            }
            for item in try jobs.dequeue(limit: 10, worker: "w1", now: now, leaseDuration: 30_000_000_000) {
                try jobs.complete(id: item.job.id, token: item.lease.token, now: now)
            }
        }
        try store.flush()
        let nanoseconds = monotonicNanoseconds() - begin
        let completed = try jobs.counts.completed
        try store.close()
        removeTree(path)
        guard completed == total else {
            report.fail("JOBS (one by one): completed \(completed) of \(total)")
            return
        }
        let rate = Double(total) / (Double(nanoseconds) / 1e9)
        report.add(
            "JOBS, one append per operation",
            formatRate(rate, unit: "jobs/s") + " (\(formatCount(total)) jobs, dequeue 10)")
    }

    // MARK: - Helpers

    private func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        return sorted.isEmpty ? 0 : sorted[(sorted.count - 1) / 2]
    }

    private func medianTime(_ values: [Int64]) -> Int64 {
        let sorted = values.sorted()
        return sorted.isEmpty ? 0 : sorted[(sorted.count - 1) / 2]
    }

    private func range(_ rates: [Double]) -> String {
        guard rates.count > 1 else { return "" }
        return " (runs \(formatRate(rates.min()!, unit: "").trimmed())–\(formatRate(rates.max()!, unit: "").trimmed()))"
    }

    private func ratio(_ rate: Double, _ sqlite: [Double], unit: String = "ops/s") -> String {
        guard !sqlite.isEmpty else { return "" }
        let peer = median(sqlite)
        return " (\(fixed(rate / peer, 1))× SQLite's \(formatRate(peer, unit: unit)))"
    }

    private func require<T>(_ value: T?, _ what: String) throws -> T {
        guard let value else { throw BenchError("missing \(what)") }
        return value
    }

    private func removeSQLite(_ path: String) {
        for suffix in ["", "-wal", "-shm"] { removeTree(path + suffix) }
    }
}
