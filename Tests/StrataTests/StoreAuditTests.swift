import Foundation
import Strata
import StrataTestSupport
import Testing

/// The audit trail written from the commit path: what the log holds is exactly what the store
/// acknowledged — every stored trade (not a duplicate the table dropped, nothing of a refused
/// batch) and every order event (nothing of a refused operation), in the order acknowledged,
/// across reopens and rotated files — and the chain verifies.
@Suite struct StoreAuditTests {
    static let t0 = Timestamp(nanoseconds: 1_719_792_000_000_000_000)

    static func configuration(_ audit: String) -> StrataStore.Configuration {
        var configuration = StrataStore.Configuration(
            durability: .osBuffered, aggregates: false, maintenanceInterval: nil)
        configuration.audit = AuditSettings(
            directory: audit, log: AuditLog.Configuration(maximumFileBytes: 8_192))
        return configuration
    }

    /// "trade SYMBOL ID" or "order ID EVENT" for a line of the log.
    static func summary(_ line: String) throws -> String {
        let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        switch object["kind"] as? String {
        case "trade":
            return "trade \(object["symbol"] as? String ?? "?") \((object["trade_id"] as? NSNumber)?.int64Value ?? -1)"
        case "order":
            return "order \((object["order"] as? NSNumber)?.int64Value ?? -1) \(object["event"] as? String ?? "?")"
        default: return "other \(line)"
        }
    }

    @Test(arguments: 1...3) func theLogHoldsExactlyWhatWasAcknowledged(seed: Int) throws {
        let directory = makeTemporaryDirectory("strata-audit-store")
        defer { removeTree(directory) }
        let audit = directory + "/audit"
        var random = SplitMix64(seed: UInt64(seed))
        func roll(_ n: UInt64) -> Int { Int(random.next() % n) }
        var store = try StrataStore.open(directory: directory + "/data", configuration: Self.configuration(audit))
        var expected: [String] = []
        var storedTrades = Set<String>()
        var model = OrderRegistry()
        var refused = (trades: 0, orders: 0)
        for step in 0..<240 {
            let time = Self.t0.advanced(by: Int64(step) * 1_000_000)
            if step == 120 {
                try store.close()
                store = try StrataStore.open(directory: directory + "/data", configuration: Self.configuration(audit))
            }
            if roll(2) == 0 {
                var batch: [Trade] = []
                for _ in 0..<(1 + roll(6)) {
                    batch.append(
                        Trade(
                            symbol: ["BTCUSDT", "ETHUSDT"][roll(2)], timestamp: time.advanced(by: Int64(roll(1_000))),
                            tradeID: Int64(1 + roll(400)), price: Price(mantissa: Int64(1 + roll(1_000_000))),
                            quantity: Quantity(mantissa: Int64(roll(1_000_000))), isBuyerMaker: roll(2) == 0))
                }
                if roll(8) == 0 {
                    batch[roll(UInt64(batch.count))].price = Price(mantissa: 0)  // refused: nothing stored
                    refused.trades += 1
                    #expect(throws: (any Error).self) { try store.trades.appendNow(batch) }
                    continue
                }
                try store.trades.appendNow(batch)
                for trade in batch where storedTrades.insert("\(trade.symbol.name) \(trade.tradeID)").inserted {
                    expected.append("trade \(trade.symbol.name) \(trade.tradeID)")
                }
                continue
            }
            let nextID = Int64(model.all.count + 1)
            if roll(3) == 0 {
                let order = Order(
                    id: nextID, user: ["alice", "bob"][roll(2)], symbol: "BTCUSDT", side: .sell, type: .limit,
                    price: Price(mantissa: 100), size: Quantity(mantissa: 10), createdAt: time)
                _ = try model.save(order)
                try store.orders.save(order)
                expected.append("order \(nextID) created")
                continue
            }
            let id = Int64(1 + roll(UInt64(nextID)))
            let change: OrderChange =
                roll(4) == 0 ? .cancel : .fill(quantity: Quantity(mantissa: 4), price: Price(mantissa: 99))
            if (try? model.update(id: id, change, at: time)) != nil {
                try store.orders.update(id: id, change, at: time)
                expected.append("order \(id) \(change == .cancel ? "cancel" : "fill")")
            } else {
                refused.orders += 1
                #expect(throws: OrderError.self) { try store.orders.update(id: id, change, at: time) }
            }
        }
        try store.close()
        #expect(refused.trades > 0 && refused.orders > 0, "the workload exercises refusals")
        let lines = try AuditLog.lines(directory: audit)
        #expect(try lines.map { try Self.summary($0.line) } == expected)
        #expect(lines.map(\.sequence) == Array(1...Int64(lines.count)))
        let verification = try AuditLog.verify(directory: audit)
        #expect(verification.isIntact, "\(verification)")
        #expect(verification.files > 1, "the log rotated")
        // An order line carries its user and status after the event.
        let last = try #require(lines.last { $0.line.contains("\"kind\":\"order\"") })
        #expect(last.line.contains("\"user\":") && last.line.contains("\"status\":"))
    }
}
