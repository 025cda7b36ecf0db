import Strata

#if canImport(Glibc)
    import Glibc
#endif

/// The records writer of the crash campaign (see ``RecordsCrashWorkload``): random order and job
/// operations, alone or in groups, each announced (`try`) before and acknowledged (`ack`) after,
/// until the process is killed.
public enum RecordsCrashWriter {
    /// Runs the writer on `directory` from `firstStep`; returns only on an error (exit status).
    public static func run(directory: String, firstStep: Int, durability: String) -> Int32 {
        do {
            let store = try StrataStore.open(
                directory: directory, configuration: RecordsCrashWorkload.configuration(durability: durability))
            guard let orderTable = store.table(named: OrderStore.eventSchema.name),
                let jobTable = store.table(named: JobStore.eventSchema.name)
            else { throw StrataError(.invalidArgument, "the event tables are missing") }
            var writer = try Writer(
                orders: try OrderStore(table: orderTable),
                jobs: try JobStore(table: jobTable, policy: RecordsCrashWorkload.policy))
            say("ready")
            var step = firstStep
            while true {
                try writer.step(step)
                step += 1
            }
        } catch {
            var line = Array("StrataCrashWriter records: \(error)\n".utf8)
            _ = line.withUnsafeMutableBytes { write(2, $0.baseAddress, $0.count) }
            return 1
        }
    }

    /// Writes a line to standard output with one write(2), before the writer goes on.
    static func say(_ text: String) {
        var line = Array((text + "\n").utf8)
        _ = line.withUnsafeMutableBytes { write(1, $0.baseAddress, $0.count) }
    }

    struct Writer {
        let orders: OrderStore
        let jobs: JobStore
        /// Orders known to exist (or to have existed: operations on them may be refused).
        var orderIDs: [Int64]
        var nextOrder: Int64
        var nextJob: Int64
        /// Leases handed out (some expire before they are used: those operations are refused).
        var leases: [(id: Int64, token: Int64)]

        init(orders: OrderStore, jobs: JobStore) throws {
            self.orders = orders
            self.jobs = jobs
            orderIDs = try orders.all.map(\.id)
            nextOrder = (orderIDs.max() ?? 0) + 1
            let all = try jobs.jobs
            nextJob = (all.keys.max() ?? 0) + 1
            leases = all.values.compactMap { job in
                if case .leased(let lease) = job.state { return (job.id, lease.token) }
                return nil
            }
        }

        mutating func step(_ step: Int) throws {
            var random = SplitMix64(seed: UInt64(step) &* 0x9E37_79B9 &+ 17)
            func roll(_ n: Int) -> Int { Int(random.next() % UInt64(n)) }
            let now = RecordsCrashWorkload.time(step: step)
            let kind = roll(100)
            let size = kind < 20 || kind >= 75 ? 2 + roll(6) : 1
            var group: [RecordsOperation] = []
            for _ in 0..<size {
                group.append(kind < 45 ? .order(orderOperation(now, roll)) : .job(jobOperation(now, roll)))
            }
            // What runs is what the campaign reads: the text form, decoded.
            let text = RecordsCrashWorkload.encode(group)
            guard let decoded = RecordsCrashWorkload.decodeGroup(Substring(text)), decoded == group else {
                throw StrataError(.invalidArgument, "the text form does not round-trip: \(text)")
            }
            RecordsCrashWriter.say("try \(step) \(text)")
            let outcomes = try perform(group)
            RecordsCrashWriter.say("ack \(step) \(outcomes.joined(separator: " "))")
        }

        private mutating func orderOperation(_ now: Timestamp, _ roll: (Int) -> Int) -> OrderOperation {
            let choice = roll(100)
            if choice < 30 || orderIDs.isEmpty {
                let id = nextOrder
                nextOrder += 1
                orderIDs.append(id)
                return .save(
                    Order(
                        id: id, clientOrderID: "c\(id)", user: "u\(roll(4))",
                        symbol: RecordsCrashWorkload.symbols[roll(RecordsCrashWorkload.symbols.count)],
                        side: roll(2) == 0 ? .buy : .sell, type: .limit,
                        price: Price(mantissa: Int64(100 + roll(900)) * 100_000_000),
                        size: Quantity(mantissa: Int64(1 + roll(4)) * 100_000_000), createdAt: now))
            }
            // Recent orders mostly, so that most updates are legal.
            let id = orderIDs[max(0, orderIDs.count - 1 - roll(min(orderIDs.count, 12)))]
            switch choice {
            case 30..<70:
                return .update(
                    id: id,
                    .fill(
                        quantity: Quantity(mantissa: Int64(1 + roll(4)) * 50_000_000),
                        price: Price(mantissa: Int64(100 + roll(900)) * 100_000_000)), at: now)
            case 70..<82: return .update(id: id, .cancel, at: now)
            case 82..<86: return .update(id: id, .reject(reason: "risk"), at: now)
            case 86..<90: return .update(id: id, .expire, at: now)
            case 90..<96:
                return .update(
                    id: id,
                    .amend(
                        price: Price(mantissa: Int64(100 + roll(900)) * 100_000_000),
                        size: Quantity(mantissa: Int64(1 + roll(5)) * 100_000_000)), at: now)
            default: return .remove(id: id, at: now)
            }
        }

        private mutating func jobOperation(_ now: Timestamp, _ roll: (Int) -> Int) -> JobOperation {
            let choice = roll(100)
            if choice < 30 || nextJob == 1 {
                let id = nextJob
                nextJob += 1
                return .enqueue(
                    id: id, queue: RecordsCrashWorkload.queues[roll(2)], payload: #"{"job":\#(id)}"#,
                    priority: roll(3), notBefore: now.advanced(by: Int64(roll(3)) * 2_000_000), now: now)
            }
            switch choice {
            case 30..<55:
                return .dequeue(
                    limit: 1 + roll(4), worker: "w\(roll(3))", now: now,
                    leaseDuration: Int64(5 + roll(40)) * 1_000_000, queues: nil)
            case 55..<88 where !leases.isEmpty:
                let lease = leases.remove(at: roll(leases.count))
                if choice < 75 { return .complete(id: lease.id, token: lease.token, now: now) }
                if choice < 83 { return .fail(id: lease.id, token: lease.token, now: now, error: "boom") }
                leases.append(lease)
                return .heartbeat(id: lease.id, token: lease.token, now: now, extendBy: 20_000_000)
            case 88..<94:
                return .expireLeases(now: now)
            default:
                return .requeue(id: Int64(1 + roll(Int(nextJob))), now: now)
            }
        }

        /// Performs `group`: one operation through the stores' own methods, several through
        /// `perform(_:)` (orders and jobs are never mixed in a group).
        /// - Returns: per operation, `ok` or the error kind.
        private mutating func perform(_ group: [RecordsOperation]) throws -> [String] {
            let orderGroup = group.compactMap { if case .order(let o) = $0 { o } else { nil } }
            let jobGroup = group.compactMap { if case .job(let o) = $0 { o } else { nil } }
            if orderGroup.count > 1 { return try orders.perform(orderGroup).map(RecordsCrashWorkload.outcome) }
            if jobGroup.count > 1 {
                let outcomes = try jobs.perform(jobGroup)
                for case .leased(let leased) in outcomes { leases += leased.map { ($0.job.id, $0.lease.token) } }
                return outcomes.map(RecordsCrashWorkload.outcome)
            }
            do {
                switch group[0] {
                case .order(.save(let order)): try orders.save(order)
                case .order(.update(let id, let change, let at)): try orders.update(id: id, change, at: at)
                case .order(.remove(let id, let at)): try orders.remove(id: id, at: at)
                case .job(.enqueue(let id, let queue, let payload, let priority, let notBefore, let now)):
                    try jobs.enqueue(
                        id: id, queue: queue, payload: payload, priority: priority, notBefore: notBefore, now: now)
                case .job(.dequeue(let limit, let worker, let now, let duration, let queues)):
                    let leased = try jobs.dequeue(
                        limit: limit, worker: worker, now: now, leaseDuration: duration, queues: queues)
                    leases += leased.map { ($0.job.id, $0.lease.token) }
                case .job(.heartbeat(let id, let token, let now, let extendBy)):
                    try jobs.heartbeat(id: id, token: token, now: now, extendBy: extendBy)
                case .job(.complete(let id, let token, let now)): try jobs.complete(id: id, token: token, now: now)
                case .job(.fail(let id, let token, let now, let error)):
                    try jobs.fail(id: id, token: token, now: now, error: error)
                case .job(.requeue(let id, let now)): try jobs.requeue(id: id, now: now)
                case .job(.expireLeases(let now)): try jobs.expireLeases(now: now)
                }
                return ["ok"]
            } catch let error as OrderError {
                return [error.kind.rawValue]
            } catch let error as JobQueueError {
                return [error.kind.rawValue]
            }
        }
    }
}
