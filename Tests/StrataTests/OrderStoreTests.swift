import Strata
import StrataTestSupport
import Testing

/// Orders kept in the store: random operations, with the store closed and reopened in the
/// middle, leave the same orders as the same operations on an in-memory registry; refused
/// operations store nothing; an order's events read back in order.
@Suite struct OrderStoreTests {
    static let configuration = StrataStore.Configuration(
        durability: .osBuffered, aggregates: false, maintenanceInterval: nil, tables: [OrderStore.eventSchema])
    static let t0 = Timestamp(nanoseconds: 1_719_792_000_000_000_000)

    static func open(_ directory: String) throws -> (StrataStore, OrderStore) {
        let store = try StrataStore.open(directory: directory, configuration: configuration)
        return (store, try OrderStore(table: try #require(store.table(named: "order_events"))))
    }

    @Test(arguments: 1...4) func ordersSurviveReopenAsTheyWereAcknowledged(seed: Int) throws {
        let directory = makeTemporaryDirectory("strata-orders")
        defer { removeTree(directory) }
        var random = SplitMix64(seed: UInt64(seed))
        func roll(_ n: UInt64) -> Int { Int(random.next() % n) }
        var model = OrderRegistry()
        var (store, orders) = try Self.open(directory)
        var nextID: Int64 = 1
        var refused = 0
        for step in 0..<400 {
            let time = Self.t0.advanced(by: Int64(step) * 1_000_000)
            if step % 100 == 99 {
                try store.close()
                (store, orders) = try Self.open(directory)
                #expect(try orders.all == model.all, "after reopen at step \(step)")
            }
            if roll(4) == 0 || nextID == 1 {
                let order = Order(
                    id: nextID, clientOrderID: "c\(nextID)", user: ["alice", "bob"][roll(2)],
                    symbol: ["BTCUSDT", "ETHUSDT"][roll(2)], side: roll(2) == 0 ? .buy : .sell,
                    type: roll(3) == 0 ? .market : .limit, timeInForce: .immediateOrCancel, price: nil,
                    size: Quantity(mantissa: Int64(1 + roll(5)) * 100_000_000), createdAt: time)
                var priced = order
                if order.type == .limit { priced.price = Price(mantissa: Int64(1 + roll(90_000)) * 100_000_000) }
                _ = try model.save(priced)
                try orders.save(priced)
                nextID += 1
                continue
            }
            let id = Int64(1 + roll(UInt64(nextID - 1)))
            let change: OrderChange =
                switch roll(5) {
                case 0, 1:
                    .fill(
                        quantity: Quantity(mantissa: Int64(1 + roll(3)) * 50_000_000),
                        price: Price(mantissa: Int64(1 + roll(90_000)) * 1_000_000))
                case 2: .cancel
                case 3: .amend(price: nil, size: Quantity(mantissa: Int64(1 + roll(6)) * 100_000_000))
                default: .reject(reason: "risk limit")
                }
            let before = try orders.order(id: id)
            do {
                _ = try model.update(id: id, change, at: time)
            } catch {
                refused += 1
                #expect(throws: OrderError.self) { try orders.update(id: id, change, at: time) }
                #expect(try orders.order(id: id) == before, "a refused change stored nothing")
                continue
            }
            try orders.update(id: id, change, at: time)
        }
        #expect(refused > 10, "the workload exercises refusals")
        #expect(try orders.all == model.all)
        for user in ["alice", "bob"] { #expect(try orders.openOrders(user: user) == model.openOrders(user: user)) }
        // An order's events, read back, rebuild it.
        let some = try #require(model.all.last)
        var rebuilt = OrderRegistry()
        for event in try orders.events(of: some.id, symbol: some.symbol) { rebuilt.apply(event) }
        #expect(rebuilt.order(id: some.id) == some)
        try store.close()
    }

    @Test func aTableOfAnotherSchemaIsRefused() throws {
        let directory = makeTemporaryDirectory("strata-orders-schema")
        defer { removeTree(directory) }
        let other = try RecordSchema(
            name: "other_events",
            columns: [SchemaColumn("ts", .timestamp), SchemaColumn("symbol", .symbol)], timestamp: "ts")
        let store = try StrataStore.open(
            directory: directory, configuration: .init(aggregates: false, maintenanceInterval: nil, tables: [other]))
        defer { try? store.close() }
        #expect(throws: StrataError.self) { try OrderStore(table: try #require(store.table(named: "other_events"))) }
        // A table declared as order_events with other columns is refused when the store opens
        // (StoreRecordsTests).
    }
}
