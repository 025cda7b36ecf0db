import StrataCore
import Testing

@Suite struct OrderTests {
    static let t0 = Timestamp(nanoseconds: 1_700_000_000_000_000_000)

    static func limit(_ id: Int64, user: String = "u1", side: OrderSide = .buy, size: String = "3") throws -> Order {
        Order(
            id: id, user: user, symbol: "BTCUSDT", side: side, type: .limit, price: try Price("100"),
            size: try Quantity(size), createdAt: t0)
    }

    @Test func fillsMoveAnOrderToFilledWithAnExactAverage() throws {
        var order = try Self.limit(1)
        order = try order.applying(.fill(quantity: try Quantity("1"), price: try Price("100.00000001")), at: Self.t0)
        let two = try Quantity("2")
        #expect(order.status == .partiallyFilled && order.remainingSize == two)
        order = try order.applying(.fill(quantity: try Quantity("2"), price: try Price("100.00000002")), at: Self.t0)
        #expect(order.status == .filled)
        // (100.00000001 + 2 × 100.00000002) / 3 = 100.0000000166…: rounded half to even.
        let average = try Price("100.00000002")
        #expect(order.averageFillPrice == average)
        #expect(order.filledNotional.description == "300.00000005")
    }

    @Test func finalOrdersAndOverfillsAreRefusedNamingTheOrderAndStatus() throws {
        let order = try Self.limit(7)
        let cancelled = try order.applying(.cancel, at: Self.t0)
        #expect {
            try cancelled.applying(.fill(quantity: try Quantity("1"), price: try Price("1")), at: Self.t0)
        } throws: { error in
            let error = error as? OrderError
            return error?.kind == .illegalTransition && error?.order == 7 && error?.status == .cancelled
                && error?.description == "order 7 (cancelled): illegalTransition: cannot fill a cancelled order"
        }
        #expect {
            try order.applying(.fill(quantity: try Quantity("3.00000001"), price: try Price("1")), at: Self.t0)
        } throws: { ($0 as? OrderError)?.kind == .overfill }
        #expect {
            try order.applying(.amend(price: nil, size: try Quantity("0")), at: Self.t0)
        } throws: { ($0 as? OrderError)?.kind == .invalid }
        var market = try Self.limit(8)
        market.type = .market
        #expect { try market.validate() } throws: { ($0 as? OrderError)?.message.hasPrefix("price:") == true }
        market.price = nil
        try market.validate()
        var stop = market
        stop.type = .stopLimit
        #expect { try stop.validate() } throws: { ($0 as? OrderError)?.message.hasPrefix("price:") == true }
    }

    /// A naive model: every order in an array, every query a scan, transitions written out again.
    struct Model {
        var orders: [Order] = []

        mutating func change(_ id: Int64, _ change: OrderChange, at time: Timestamp) -> Bool {
            guard let index = orders.firstIndex(where: { $0.id == id }) else { return false }
            var order = orders[index]
            guard order.status == .new || order.status == .partiallyFilled else { return false }
            switch change {
            case .fill(let quantity, let price):
                let filled = order.filledSize.mantissa + quantity.mantissa
                guard quantity.mantissa > 0, price.mantissa > 0, filled <= order.size.mantissa else { return false }
                order.filledSize = Quantity(mantissa: filled)
                order.filledNotional = Notional(
                    mantissa: order.filledNotional.mantissa + Int128(price.mantissa) * Int128(quantity.mantissa))
                order.status = filled == order.size.mantissa ? .filled : .partiallyFilled
            case .cancel: order.status = .cancelled
            case .reject: order.status = .rejected
            case .expire: order.status = .expired
            case .amend(let price, let size):
                if let size {
                    guard size.mantissa > 0, size.mantissa >= order.filledSize.mantissa else { return false }
                    order.size = size
                    if size == order.filledSize { order.status = .filled }
                }
                if let price { order.price = price }
            }
            order.updatedAt = time
            orders[index] = order
            return true
        }
    }

    /// Random operations on the registry and on the naive model, with rebuilds from the event
    /// log: the same orders answer every query, the same operations are refused.
    @Test(arguments: 1...20) func theRegistryAgreesWithANaiveModelAcrossReplays(seed: Int) throws {
        var random = SplitMix64(seed: UInt64(seed))
        func roll(_ n: UInt64) -> Int { Int(random.next() % n) }
        var registry = OrderRegistry()
        var model = Model()
        var log: [OrderEvent] = []
        var nextID: Int64 = 1
        let users = ["alice", "bob", "carol"]
        let symbols: [Symbol] = ["BTCUSDT", "ETHUSDT"]
        for step in 0..<600 {
            let time = Self.t0.advanced(by: Int64(step) * 1_000_000)
            let id = Int64(1 + roll(UInt64(nextID)))
            switch roll(12) {
            case 0, 1, 2:
                let order = Order(
                    id: nextID, user: users[roll(3)], symbol: symbols[roll(2)], side: roll(2) == 0 ? .buy : .sell,
                    type: .limit, price: Price(mantissa: Int64(1 + roll(1_000)) * 1_000_000),
                    size: Quantity(mantissa: Int64(1 + roll(10)) * 100_000_000), createdAt: time)
                log.append(try registry.save(order))
                model.orders.append(order)
                nextID += 1
            case 3:
                // An id the registry holds again: refused, nothing changes.
                guard let held = model.orders.randomElement(using: &random) else { continue }
                #expect(throws: OrderError.self) { try registry.save(try Self.limit(held.id)) }
            case 11:
                let removed = model.orders.contains { $0.id == id }
                do {
                    log.append(try registry.remove(id: id, at: time))
                    #expect(removed)
                    model.orders.removeAll { $0.id == id }
                } catch {
                    #expect(!removed && error.kind == .unknownOrder)
                }
            default:
                let change: OrderChange =
                    switch roll(6) {
                    case 0, 1, 2:
                        .fill(
                            quantity: Quantity(mantissa: Int64(1 + roll(4)) * 100_000_000),
                            price: Price(mantissa: Int64(1 + roll(1_000)) * 1_000))
                    case 3: .cancel
                    case 4: .amend(price: nil, size: Quantity(mantissa: Int64(roll(12)) * 100_000_000))
                    default: roll(2) == 0 ? .expire : .reject(reason: "risk")
                    }
                let accepted = model.change(id, change, at: time)
                do {
                    log.append(try registry.update(id: id, change, at: time))
                    #expect(accepted, "the registry took \(change) on order \(id)")
                } catch {
                    #expect(!accepted, "the registry refused \(change) on order \(id): \(error)")
                }
            }
            if roll(50) == 0 {
                var replayed = OrderRegistry()
                for event in log { replayed.apply(event) }
                registry = replayed
            }
            #expect(registry.all == model.orders.sorted { $0.id < $1.id })
        }
        for user in users {
            #expect(registry.openOrders(user: user) == model.orders.filter { $0.user == user && $0.status.isOpen })
            #expect(registry.orders(user: user) == model.orders.filter { $0.user == user })
        }
        for symbol in symbols {
            #expect(registry.orders(symbol: symbol) == model.orders.filter { $0.symbol == symbol })
        }
        for status in OrderStatus.allCases {
            #expect(registry.orders(status: status) == model.orders.filter { $0.status == status })
        }
    }
}
