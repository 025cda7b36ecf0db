import Foundation
import Strata
import StrataTestSupport
import Testing

/// `strata orders|jobs|signals|anomalies`: the trading records a store keeps, printed as the
/// API writes them; reading a store that never kept any creates nothing.
@Suite struct RecordsCommandTests {
    static let t0 = Timestamp(nanoseconds: 1_719_792_000_000_000_000)

    static func order(_ id: Int64, user: String, side: OrderSide = .buy) -> Order {
        Order(
            id: id, user: user, symbol: "BTCUSDT", side: side, type: .limit, price: Price(mantissa: 6_400_012_345_678),
            size: Quantity(mantissa: 200_000_000), createdAt: t0)
    }

    /// A store with three orders (one filled in part, one cancelled), two jobs (one dead), a
    /// signal and an anomaly.
    static func makeStore(_ directory: String) throws {
        let store = try StrataStore.open(
            directory: directory + "/data",
            configuration: StrataStore.Configuration(
                durability: .osBuffered, aggregates: false, maintenanceInterval: nil,
                jobRetryPolicy: RetryPolicy(maxAttempts: 1)))
        let orders = try store.orders
        try orders.save(order(1, user: "alice"))
        try orders.save(order(2, user: "alice", side: .sell))
        try orders.save(order(3, user: "bob"))
        try orders.update(
            id: 1, .fill(quantity: Quantity(mantissa: 50_000_000), price: Price(mantissa: 6_400_000_000_000)),
            at: t0.advanced(by: 1_000))
        try orders.update(id: 2, .cancel, at: t0.advanced(by: 2_000))
        let jobs = try store.jobs
        try jobs.enqueue(id: 10, queue: "settle", payload: #"{"batch":1}"#, notBefore: t0, now: t0)
        try jobs.enqueue(id: 11, queue: "settle", payload: "{}", notBefore: t0, now: t0)
        let leased = try jobs.dequeue(limit: 1, worker: "w1", now: t0, leaseDuration: 1_000_000_000)
        try jobs.fail(id: leased[0].job.id, token: leased[0].lease.token, now: t0, error: "boom")
        try store.saveSignal(
            Signal(
                id: 1, time: t0, strategy: "momentum", symbol: "BTCUSDT", type: "buy", confidence: 0.75,
                price: Price(mantissa: 6_400_012_345_678)))
        try store.anomalies.save(Anomaly(type: "gap", symbol: "ETHUSDT", at: t0))
        try store.close()
    }

    @Test func ordersJobsSignalsAndAnomaliesPrintAsTheAPIWritesThem() throws {
        let directory = makeTemporaryDirectory("strata-records-cli")
        defer { removeTree(directory) }
        try Self.makeStore(directory)

        let open = try runStrata(["orders", "list", "--data", "data", "--open", "--format", "csv"], in: directory)
        #expect(open.status == 0, "\(open.stderr)")
        let lines = open.stdout.split(separator: "\n").map(String.init)
        #expect(lines.count == 3, "\(open.stdout)")
        #expect(lines.first?.hasPrefix("id,client_order_id,user,symbol,side,type") == true, "\(lines.first ?? "")")
        #expect(
            lines[1].hasPrefix("1,") && lines[1].contains(",partially_filled,") && lines[1].contains(",64000.12345678,")
        )
        #expect(lines[2].hasPrefix("3,") && lines[2].contains(",bob,"))

        let alice = try runStrata(
            ["orders", "list", "--data", "data", "--user", "alice", "--format", "json"], in: directory)
        let objects = try #require(
            try JSONSerialization.jsonObject(with: Data(alice.stdout.utf8)) as? [[String: Any]], "\(alice.stdout)")
        #expect(objects.map { $0["id"] as? Int } == [1, 2])
        #expect(objects.map { $0["status"] as? String } == ["partially_filled", "cancelled"])
        #expect(
            objects.first?["filled_size"] as? String == "0.5" && objects.first?["remaining_size"] as? String == "1.5")

        let show = try runStrata(["orders", "show", "1", "--data", "data", "--format", "csv"], in: directory)
        #expect(show.status == 0, "\(show.stderr)")
        #expect(show.stdout.contains("\ncreated,") && show.stdout.contains("\nfill,"), "\(show.stdout)")
        let missing = try runStrata(["orders", "show", "9", "--data", "data"], in: directory)
        #expect(missing.status == 1 && missing.stderr.contains("no order 9"))
        let badSide = try runStrata(["orders", "list", "--data", "data", "--side", "long"], in: directory)
        #expect(badSide.status == 1 && badSide.stderr.contains("--side: 'long'"))

        let dead = try runStrata(
            ["jobs", "list", "--data", "data", "--state", "dead", "--format", "csv"], in: directory)
        let deadLines = dead.stdout.split(separator: "\n")
        #expect(deadLines.count == 2 && deadLines[1].hasPrefix("10,settle,"), "\(dead.stdout)")
        let requeue = try runStrata(["jobs", "requeue", "10", "--data", "data"], in: directory)
        #expect(requeue.status == 0 && requeue.stdout == "job 10 requeued\n", "\(requeue.stderr)")
        let ready = try runStrata(
            ["jobs", "list", "--data", "data", "--state", "ready", "--format", "csv"], in: directory)
        #expect(ready.stdout.split(separator: "\n").count == 3, "\(ready.stdout)")
        let again = try runStrata(["jobs", "requeue", "10", "--data", "data"], in: directory)
        #expect(again.status == 1 && again.stderr.contains("job 10"), "\(again.stderr)")

        let signals = try runStrata(["signals", "--data", "data", "--format", "csv"], in: directory)
        #expect(signals.stdout.contains(",momentum,BTCUSDT,buy,0.75,64000.12345678,"), "\(signals.stdout)")
        let anomalies = try runStrata(
            ["anomalies", "--data", "data", "--type", "gap", "--format", "csv"], in: directory)
        #expect(anomalies.stdout.split(separator: "\n").count == 2 && anomalies.stdout.contains("gap,ETHUSDT,"))
        let history = try runStrata(
            ["anomalies", "--data", "data", "--type", "gap", "--symbol", "ETHUSDT", "--history", "--format", "json"],
            in: directory)
        #expect(history.stdout.contains(#""event":"saved""#), "\(history.stdout)")
    }

    @Test func readingAStoreWithoutRecordsCreatesNothing() throws {
        let directory = makeTemporaryDirectory("strata-records-cli-empty")
        defer { removeTree(directory) }
        let store = try StrataStore.open(
            directory: directory + "/data",
            configuration: StrataStore.Configuration(durability: .osBuffered, maintenanceInterval: nil))
        try store.close()
        for command in [["orders", "list"], ["jobs", "list"], ["signals"], ["anomalies"]] {
            let result = try runStrata(command + ["--data", "data", "--format", "json"], in: directory)
            #expect(result.status == 0 && result.stdout == "[]\n", "\(command): \(result.stdout) \(result.stderr)")
        }
        #expect(!FileManager.default.fileExists(atPath: directory + "/data/order_events"))
    }
}
