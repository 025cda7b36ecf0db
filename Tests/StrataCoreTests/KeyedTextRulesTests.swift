import StrataCore
import Testing

/// Text no backend can keep everywhere (a NUL: PostgreSQL's `text` refuses it) is refused by the
/// keyed states' value types, naming the field, so every backend gives the same typed error.
struct KeyedTextRulesTests {
    static let now = Timestamp(nanoseconds: 1_719_792_000_000_000_000)

    @Test func ordersRefuseANULInTheirText() throws {
        var registry = OrderRegistry()
        let order = Order(
            id: 1, user: "a\u{0}", symbol: "BTCUSDT", side: .buy, type: .market, price: nil,
            size: Quantity(mantissa: 1), createdAt: Self.now)
        #expect(throws: OrderError(.invalid, order: 1, status: .new, "user: must not contain a NUL character")) {
            try registry.save(order)
        }
        var clean = order
        clean.user = "alice"
        clean.clientOrderID = "\u{0}"
        #expect(throws: OrderError.self) { try registry.save(clean) }
        clean.clientOrderID = "c1"
        _ = try registry.save(clean)
        #expect(throws: OrderError.self) { try registry.update(id: 1, .reject(reason: "x\u{0}"), at: Self.now) }
        #expect(registry.order(id: 1)?.status == .new, "a refused change changes nothing")
    }

    @Test func jobsRefuseANULInPayloadsAndErrors() throws {
        var queue = JobQueue()
        #expect(throws: JobQueueError.self) {
            try queue.enqueue(id: 1, queue: "q", payload: "\u{0}", notBefore: Self.now, now: Self.now)
        }
        _ = try queue.enqueue(id: 1, queue: "q", payload: "{}", notBefore: Self.now, now: Self.now)
        let leased = queue.dequeue(limit: 1, worker: "w", now: Self.now, leaseDuration: 1_000_000_000)
        guard case .leased(_, let lease, _)? = leased.last else {
            Issue.record("nothing leased: \(leased)")
            return
        }
        #expect(throws: JobQueueError.self) {
            try queue.fail(id: 1, token: lease.token, now: Self.now, error: "bad\u{0}")
        }
        #expect(queue.jobs[1]?.state == .leased(lease), "the refused failure changed nothing")
    }

    @Test func anomaliesRefuseANULNamingTheField() {
        var anomalies = ActiveAnomalies()
        for (field, anomaly) in [
            ("type", Anomaly(type: "t\u{0}", symbol: nil, at: Self.now)),
            ("message", Anomaly(type: "t", symbol: nil, message: "\u{0}", at: Self.now)),
            ("metadata", Anomaly(type: "t", symbol: nil, metadata: "{\u{0}}", at: Self.now)),
        ] {
            #expect(throws: AnomalyError.self) { try anomalies.save(anomaly) }
            do throws(AnomalyError) {
                _ = try anomalies.save(anomaly)
            } catch {
                #expect(error.field == field)
            }
        }
        #expect(anomalies.all.isEmpty)
    }
}
