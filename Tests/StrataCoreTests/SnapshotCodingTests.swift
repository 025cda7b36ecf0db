import StrataCore
import Testing

/// Snapshots of keyed state: a state read back from its snapshot behaves as the state it was
/// taken of, under the same later operations (the replay it stands for); damaged bytes are a
/// ``SnapshotError``, never a trap.
@Suite struct SnapshotCodingTests {
    static let t0 = Timestamp(nanoseconds: 1_700_000_000_000_000_000)

    static func roundTrip<State: SnapshotState>(_ state: State, initial: State) throws -> State {
        var writer = SnapshotWriter()
        state.writeSnapshot(into: &writer)
        var reader = SnapshotReader(writer.bytes)
        var copy = initial
        try copy.readSnapshot(from: &reader)
        #expect(reader.isAtEnd)
        return copy
    }

    @Test func valuesReadBackAsWritten() throws {
        var writer = SnapshotWriter()
        writer.write(Int64.min)
        writer.write(Int128.max)
        writer.write(Int128(-3))
        writer.writeCount(300)
        writer.write("ünïcode")
        writer.write(Price?.none) { $0.write($1) }
        writer.write(Price(mantissa: 42)) { $0.write($1) }
        var reader = SnapshotReader(writer.bytes)
        #expect(try reader.readInt64() == .min)
        #expect(try reader.readInt128() == .max)
        #expect(try reader.readInt128() == -3)
        #expect(try reader.readCount(limit: 1_000) == 300)
        #expect(try reader.readString() == "ünïcode")
        #expect(try reader.readOptional { reader throws(SnapshotError) in try reader.readDecimal(Price.self) } == nil)
        #expect(
            try reader.readOptional { reader throws(SnapshotError) in try reader.readDecimal(Price.self) }
                == Price(mantissa: 42))
        #expect(reader.isAtEnd)
        #expect(throws: SnapshotError.self) { try reader.readByte() }
    }

    @Test(arguments: 1...10) func aJobQueueReadFromItsSnapshotGoesOnAsTheQueueItWasTakenOf(seed: Int) throws {
        var random = SplitMix64(seed: UInt64(seed))
        func roll(_ n: UInt64) -> Int { Int(random.next() % n) }
        let policy = RetryPolicy(maxAttempts: 3, baseDelay: 1_000_000, maximumDelay: 8_000_000)
        var live = JobQueue(policy: policy)
        var copy = live
        var now = Self.t0
        var nextID: Int64 = 1
        var tokens: [Int64: Int64] = [:]
        for step in 0..<600 {
            if step % 37 == 0 { copy = try Self.roundTrip(live, initial: JobQueue(policy: policy)) }
            now = now.advanced(by: Int64(roll(3_000_000)))
            func both(_ body: (inout JobQueue) throws -> [JobEvent]) {
                let a = Result { try body(&live) }
                let b = Result { try body(&copy) }
                switch (a, b) {
                case (.success(let x), .success(let y)): #expect(x == y, "step \(step)")
                case (.failure(let x), .failure(let y)): #expect("\(x)" == "\(y)", "step \(step)")
                default: Issue.record("step \(step): \(a) but \(b)")
                }
            }
            switch roll(6) {
            case 0, 1:
                let id = nextID
                nextID += 1
                let (queue, priority) = (["a", "b"][roll(2)], roll(3))
                let notBefore = now.advanced(by: Int64(roll(4_000_000)))
                both {
                    [
                        try $0.enqueue(
                            id: id, queue: queue, payload: "p\(id)", priority: priority, notBefore: notBefore, now: now)
                    ]
                }
            case 2:
                var leased: [JobEvent] = []
                let limit = 1 + roll(3)
                both { queue in
                    let events = queue.dequeue(limit: limit, worker: "w", now: now, leaseDuration: 5_000_000)
                    leased = events
                    return events
                }
                for case .leased(let id, let lease, _) in leased { tokens[id] = lease.token }
            case 3:
                guard !tokens.isEmpty else { continue }
                let id = tokens.keys.sorted()[roll(UInt64(tokens.count))]
                let token = tokens[id]!
                both { [try $0.complete(id: id, token: token, now: now)] }
                tokens[id] = nil
            case 4:
                guard !tokens.isEmpty else { continue }
                let id = tokens.keys.sorted()[roll(UInt64(tokens.count))]
                let token = tokens[id]!
                both { [try $0.fail(id: id, token: token, now: now, error: "boom")] }
                tokens[id] = nil
            default:
                if let dead = live.deadLetters.first {
                    both { [try $0.requeue(id: dead.id, now: now)] }
                } else {
                    both { $0.expireLeases(now: now) }
                }
            }
            #expect(live.jobs == copy.jobs, "step \(step)")
            #expect(live.lastToken == copy.lastToken)
        }
        #expect(live.counts.completed > 3, "the workload completes jobs")
    }

    @Test(arguments: 1...5) func anOrderRegistryReadFromItsSnapshotEqualsTheOneWritten(seed: Int) throws {
        var random = SplitMix64(seed: UInt64(seed))
        func roll(_ n: UInt64) -> Int { Int(random.next() % n) }
        var registry = OrderRegistry()
        for id in Int64(1)...300 {
            let type: OrderType = [.limit, .market, .stop, .stopLimit][roll(4)]
            let order = Order(
                id: id, clientOrderID: roll(2) == 0 ? "" : "c\(id)", user: ["alice", "bob", "carol"][roll(3)],
                symbol: ["BTCUSDT", "ETHUSDT"][roll(2)], side: roll(2) == 0 ? .buy : .sell, type: type,
                timeInForce: TimeInForce.allCases[roll(4)],
                price: type == .limit || type == .stopLimit ? Price(mantissa: Int64(1 + roll(1_000_000))) : nil,
                stopPrice: type == .stop || type == .stopLimit ? Price(mantissa: Int64(1 + roll(1_000_000))) : nil,
                size: Quantity(mantissa: 1_000), createdAt: Self.t0.advanced(by: id))
            _ = try registry.save(order)
            switch roll(4) {
            case 0:
                _ = try? registry.update(
                    id: id, .fill(quantity: Quantity(mantissa: 333), price: Price(mantissa: 7)),
                    at: Self.t0.advanced(by: id + 1))
            case 1: _ = try? registry.update(id: id, .cancel, at: Self.t0.advanced(by: id + 2))
            case 2 where id > 1: _ = try? registry.remove(id: id - 1, at: Self.t0.advanced(by: id))
            default: break
            }
        }
        let copy = try Self.roundTrip(registry, initial: OrderRegistry())
        #expect(copy.all == registry.all)
        for user in ["alice", "bob", "carol"] {
            #expect(copy.openOrders(user: user) == registry.openOrders(user: user))
            #expect(copy.orders(user: user) == registry.orders(user: user))
        }
        #expect(copy.orders(symbol: "BTCUSDT") == registry.orders(symbol: "BTCUSDT"))
    }

    @Test(arguments: 1...3) func damagedSnapshotBytesAreAnErrorNeverATrap(seed: Int) throws {
        var random = SplitMix64(seed: UInt64(seed))
        var queue = JobQueue()
        for id in Int64(1)...20 {
            _ = try queue.enqueue(id: id, queue: "q", payload: "x", notBefore: Self.t0, now: Self.t0)
        }
        _ = queue.dequeue(limit: 5, worker: "w", now: Self.t0, leaseDuration: 10)
        var registry = OrderRegistry()
        _ = try registry.save(
            Order(
                id: 1, user: "u", symbol: "BTCUSDT", side: .buy, type: .market, price: nil,
                size: Quantity(mantissa: 5), createdAt: Self.t0))
        var writers = (SnapshotWriter(), SnapshotWriter())
        queue.writeSnapshot(into: &writers.0)
        registry.writeSnapshot(into: &writers.1)
        for _ in 0..<500 {
            for bytes in [writers.0.bytes, writers.1.bytes] {
                var damaged = bytes
                switch random.next() % 3 {
                case 0: damaged[Int(random.next() % UInt64(damaged.count))] ^= UInt8(1 + random.next() % 255)
                case 1: damaged.removeLast(1 + Int(random.next() % UInt64(damaged.count)))
                default: damaged.insert(UInt8(random.next() % 256), at: Int(random.next() % UInt64(damaged.count)))
                }
                var reader = SnapshotReader(damaged)
                var q = JobQueue()
                _ = try? q.readSnapshot(from: &reader)
                reader = SnapshotReader(damaged)
                var r = OrderRegistry()
                _ = try? r.readSnapshot(from: &reader)
            }
        }
    }
}
