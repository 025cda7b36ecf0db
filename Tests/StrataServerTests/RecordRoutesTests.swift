import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import Strata
import StrataServer
import StrataTestSupport
import Testing

/// The trading records over HTTP: orders, jobs, signals and anomalies through the router, with
/// exact answers (decimals as strings, the errors' codes, fields and states).
@Suite struct RecordRoutesTests {
    /// A server whose job queue retries at once and dead-letters after two attempts.
    func withRecordsServer(
        _ body: @Sendable (any TestClientProtocol, StrataStore, ServerMetrics) async throws -> Void
    ) async throws {
        let directory = makeTemporaryDirectory()
        defer { removeTree(directory) }
        let store = try StrataStore.open(
            directory: directory,
            configuration: .init(
                durability: .osBuffered, maintenanceInterval: nil,
                jobRetryPolicy: RetryPolicy(maxAttempts: 2, baseDelay: 0)))
        defer { try? store.close() }
        let metrics = ServerMetrics()
        let router = StrataServer.makeRouter(store: store, configuration: testConfiguration(), metrics: metrics)
        var logger = Logger(label: "strata-records-test")
        logger.logLevel = .critical
        try await Application(router: router, logger: logger).test(.router) { client in
            try await body(client, store, metrics)
        }
    }

    static let order1 = """
        {"id":1,"client_order_id":"c-1","user":"alice","symbol":"BTCUSDT","side":"buy","type":"limit",
         "price":"64000.5","size":1.5,"created_at":"2024-07-01T00:00:00Z"}
        """

    @Test func orderLifecycle() async throws {
        try await withRecordsServer { client, _, _ in
            try Task.checkCancellation()
            let created = try await client.send(.post, "/api/v1/orders", Self.order1)
            #expect(created.status == .created, "\(created.text)")
            #expect(
                created.text
                    == #"{"id":1,"client_order_id":"c-1","user":"alice","symbol":"BTCUSDT","side":"buy","type":"limit","time_in_force":"gtc","price":"64000.5","stop_price":null,"size":"1.5","filled_size":"0","remaining_size":"1.5","average_fill_price":null,"status":"new","created_at_ns":"1719792000000000000","created_at":"2024-07-01T00:00:00Z","updated_at_ns":"1719792000000000000","updated_at":"2024-07-01T00:00:00Z"}"#
            )
            let duplicate = try await client.send(.post, "/api/v1/orders", Self.order1)
            #expect(duplicate.status == .conflict)
            #expect(duplicate.json["code"] as? String == "duplicateOrder")
            #expect(duplicate.json["status"] as? String == "new")

            let partial = try await client.send(
                .post, "/api/v1/orders/1/fill", #"{"quantity":"0.5","price":64000,"time":"\#(t(1))"}"#)
            #expect(partial.status == .ok, "\(partial.text)")
            #expect(partial.json["status"] as? String == "partially_filled")
            #expect(partial.json["filled_size"] as? String == "0.5")
            #expect(partial.json["remaining_size"] as? String == "1")
            #expect(partial.json["average_fill_price"] as? String == "64000")
            #expect(partial.json["updated_at_ns"] as? String == String(t(1)))

            let filled = try await client.send(
                .post, "/api/v1/orders/1/fill", #"{"quantity":1,"price":"64001.5","time":\#(t(2))}"#)
            #expect(filled.json["status"] as? String == "filled", "\(filled.text)")
            #expect(filled.json["filled_size"] as? String == "1.5")
            #expect(filled.json["remaining_size"] as? String == "0")
            // (0.5 × 64000 + 1 × 64001.5) / 1.5, exactly.
            #expect(filled.json["average_fill_price"] as? String == "64001")

            let again = try await client.send(.post, "/api/v1/orders/1/fill", #"{"quantity":"0.1","price":"1"}"#)
            #expect(again.status == .conflict)
            #expect(again.json["code"] as? String == "illegalTransition")
            #expect(again.json["order"] as? Int == 1)
            #expect(again.json["status"] as? String == "filled")
            #expect(
                again.json["message"] as? String == "order 1 (filled): illegalTransition: cannot fill a filled order")
            let cancel = try await client.send(.post, "/api/v1/orders/1/cancel", "")
            #expect(cancel.status == .conflict)
            #expect(
                cancel.json["message"] as? String == "order 1 (filled): illegalTransition: cannot cancel a filled order"
            )

            let events = try await client.get("/api/v1/orders/1/events")
            #expect(events.status == .ok)
            let list = events.json["events"] as? [[String: Any]] ?? []
            #expect(list.map { $0["event"] as? String } == ["created", "fill", "fill"])
            #expect(list.map { $0["time_ns"] as? String } == [String(t(0)), String(t(1)), String(t(2))])
            #expect(list.dropFirst().map { $0["quantity"] as? String } == ["0.5", "1"])
            #expect(list.dropFirst().map { $0["price"] as? String } == ["64000", "64001.5"])
            #expect((list.first?["order"] as? [String: Any])?["size"] as? String == "1.5")

            let read = try await client.get("/api/v1/orders/1")
            #expect(read.json["status"] as? String == "filled")
            #expect(read.json["updated_at"] as? String == "2024-07-01T00:00:02Z")

            // Removal: gone from the state, its events kept (found by the symbol).
            let removed = try await client.send(.delete, "/api/v1/orders/1?time=\(t(3))", "")
            #expect(removed.status == .ok)
            #expect(removed.json["removed"] as? Int == 1)
            let missing = try await client.get("/api/v1/orders/1")
            #expect(missing.status == .notFound)
            #expect(missing.json["code"] as? String == "unknownOrder")
            #expect(missing.json["status"] is NSNull)
            let history = try await client.get("/api/v1/orders/1/events?symbol=BTCUSDT")
            #expect(
                (history.json["events"] as? [[String: Any]])?.map { $0["event"] as? String }
                    == ["created", "fill", "fill", "remove"])
            #expect(try await client.get("/api/v1/orders/1/events").status == .notFound)
            #expect(try await client.send(.delete, "/api/v1/orders/1", "").status == .notFound)
        }
    }

    @Test func orderChangesAndExactMoney() async throws {
        try await withRecordsServer { client, _, _ in
            try Task.checkCancellation()
            // The largest quantity there is, as a JSON number: read from its text, never a Double.
            let big = try await client.send(
                .post, "/api/v1/orders",
                #"{"id":"2","user":"bob","symbol":"ETHUSDT","side":"sell","type":"stop_limit","price":"3000.12345678","stop_price":2999.5,"size":92233720368.54775807,"time_in_force":"ioc"}"#
            )
            #expect(big.status == .created, "\(big.text)")
            #expect(big.json["size"] as? String == "92233720368.54775807")
            #expect(big.json["price"] as? String == "3000.12345678")
            #expect(big.json["stop_price"] as? String == "2999.5")
            #expect(big.json["time_in_force"] as? String == "ioc")
            let amended = try await client.send(.post, "/api/v1/orders/2/amend", #"{"size":"2","price":"3001"}"#)
            #expect(amended.json["size"] as? String == "2", "\(amended.text)")
            #expect(amended.json["price"] as? String == "3001")
            let overfill = try await client.send(.post, "/api/v1/orders/2/fill", #"{"quantity":"2.5","price":"3001"}"#)
            #expect(overfill.status == .conflict)
            #expect(overfill.json["code"] as? String == "overfill")
            let rejected = try await client.send(.post, "/api/v1/orders/2/reject", #"{"reason":"no margin"}"#)
            #expect(rejected.json["status"] as? String == "rejected")
            let events = try await client.get("/api/v1/orders/2/events").json["events"] as? [[String: Any]] ?? []
            #expect(events.map { $0["event"] as? String } == ["created", "amend", "reject"])
            #expect(events.last?["reason"] as? String == "no margin")
            #expect(events.dropFirst().first?["size"] as? String == "2")

            #expect(try await client.send(.post, "/api/v1/orders/3/expire", "").status == .notFound)
            let noChange = try await client.send(.post, "/api/v1/orders/2/amend", "{}")
            #expect(noChange.status == .badRequest)
            #expect(noChange.json["field"] as? String == "price")
            // A market order with a price: the order's own check, naming the field.
            let market = try await client.send(
                .post, "/api/v1/orders",
                #"{"id":4,"user":"bob","symbol":"ETHUSDT","side":"buy","type":"market","price":"1","size":"1"}"#)
            #expect(market.status == .badRequest)
            #expect(market.json["code"] as? String == "invalid")
            #expect(market.json["field"] as? String == "price")
        }
    }

    @Test func orderFiltersAndOpenOrders() async throws {
        try await withRecordsServer { client, _, _ in
            try Task.checkCancellation()
            let orders: [(Int, String, String, String, Int64)] = [
                (1, "alice", "BTCUSDT", "buy", 0), (2, "alice", "ETHUSDT", "sell", 10),
                (3, "bob", "BTCUSDT", "sell", 20),
                (4, "alice", "BTCUSDT", "sell", 30), (5, "bob", "ETHUSDT", "buy", 40),
            ]
            for (id, user, symbol, side, second) in orders {
                let body =
                    #"{"id":\#(id),"user":"\#(user)","symbol":"\#(symbol)","side":"\#(side)","type":"limit","price":"100","size":"1","created_at":\#(t(second))}"#
                #expect(try await client.send(.post, "/api/v1/orders", body).status == .created)
            }
            #expect(
                try await client.send(.post, "/api/v1/orders/2/cancel", "").json["status"] as? String == "cancelled")
            #expect(
                try await client.send(.post, "/api/v1/orders/4/fill", #"{"quantity":"1","price":"100"}"#)
                    .json["status"] as? String == "filled")
            func ids(_ query: String) async throws -> [Int] {
                let response = try await client.get("/api/v1/orders?\(query)")
                #expect(response.status == .ok, "\(query): \(response.text)")
                return (response.json["orders"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? Int }
            }
            #expect(try await ids("") == [1, 2, 3, 4, 5])
            #expect(try await ids("user=alice") == [1, 2, 4])
            #expect(try await ids("user=alice&open=true") == [1])
            #expect(try await ids("user=bob&open=true") == [3, 5])
            #expect(try await ids("symbol=BTCUSDT") == [1, 3, 4])
            #expect(try await ids("side=sell") == [2, 3, 4])
            #expect(try await ids("status=new") == [1, 3, 5])
            #expect(try await ids("status=cancelled") == [2])
            #expect(try await ids("user=alice&symbol=BTCUSDT&side=sell") == [4])
            #expect(try await ids("user=alice&from=\(t(5))&to=\(t(30))") == [2])
            #expect(try await ids("user=alice&from=2024-07-01T00:00:00Z&to=\(t(31))") == [1, 2, 4])
            let limited = try await client.get("/api/v1/orders?limit=2")
            #expect(limited.json["count"] as? Int == 2)
            #expect(limited.json["truncated"] as? Bool == true)
            for (query, parameter) in [
                ("open=true", "user"), ("status=done", "status"), ("side=long", "side"), ("user=a&from=\(t(1))", "to"),
                ("from=\(t(1))&to=\(t(2))", "user"), ("limit=0", "limit"), ("symbol=a%20b", "symbol"),
                ("open=yes", "open"),
            ] {
                let refused = try await client.get("/api/v1/orders?\(query)")
                #expect(refused.status == .badRequest, "\(query)")
                #expect(refused.json["parameter"] as? String == parameter, "\(query): \(refused.text)")
            }
            let badID = try await client.get("/api/v1/orders/abc")
            #expect(badID.status == .badRequest)
            #expect(badID.json["parameter"] as? String == "id")
        }
    }

    @Test func jobsLeaseCompleteFailDeadLetterRequeue() async throws {
        try await withRecordsServer { client, _, _ in
            try Task.checkCancellation()
            let first = try await client.send(
                .post, "/api/v1/jobs", #"{"id":1,"queue":"settlement","payload":{"trade":42},"priority":5}"#)
            #expect(first.status == .created, "\(first.text)")
            #expect(first.json["state"] as? String == "ready")
            #expect(first.json["attempts"] as? Int == 0)
            #expect((first.json["payload"] as? [String: Any])?["trade"] as? Int == 42)
            #expect(first.json["lease"] is NSNull)
            #expect(first.text.contains(#""payload":{"trade":42},"#))
            let second = try await client.send(
                .post, "/api/v1/jobs", #"{"id":2,"queue":"settlement","payload":"plain"}"#)
            #expect(second.json["payload"] as? String == "plain")
            #expect(try await client.send(.post, "/api/v1/jobs", #"{"id":3,"queue":"mail"}"#).status == .created)
            let duplicate = try await client.send(.post, "/api/v1/jobs", #"{"id":1,"queue":"settlement"}"#)
            #expect(duplicate.status == .conflict)
            #expect(duplicate.json["code"] as? String == "duplicateJob")
            #expect(duplicate.json["job"] as? Int == 1)

            // The highest priority first; a second dequeue does not get the leased job.
            let leased = try await client.send(
                .post, "/api/v1/jobs/dequeue", #"{"queue":"settlement","worker":"w1","lease_ms":60000}"#)
            let leasedJobs = leased.json["jobs"] as? [[String: Any]] ?? []
            #expect(leasedJobs.map { $0["id"] as? Int } == [1], "\(leased.text)")
            let lease1 = leasedJobs.first?["lease"] as? [String: Any]
            #expect(lease1?["worker"] as? String == "w1")
            let token1 = try #require(lease1?["token"] as? Int)
            #expect(leasedJobs.first?["state"] as? String == "leased")
            #expect(leasedJobs.first?["attempts"] as? Int == 1)
            // A lease long enough for a loaded machine (the default 30 s ran out in the full suite).
            let next = try await client.send(
                .post, "/api/v1/jobs/dequeue", #"{"queue":["settlement"],"worker":"w2","limit":10,"lease_ms":600000}"#)
            let nextJobs = next.json["jobs"] as? [[String: Any]] ?? []
            #expect(nextJobs.map { $0["id"] as? Int } == [2], "\(next.text)")
            let token2 = try #require((nextJobs.first?["lease"] as? [String: Any])?["token"] as? Int)
            #expect(token2 != token1)
            let empty = try await client.send(.post, "/api/v1/jobs/dequeue", #"{"queue":"settlement","worker":"w3"}"#)
            #expect(empty.json["count"] as? Int == 0)

            let extended = try await client.send(
                .post, "/api/v1/jobs/1/heartbeat", #"{"token":\#(token1),"extend_ms":120000}"#)
            #expect(extended.status == .ok, "\(extended.text)")
            let wrong = try await client.send(.post, "/api/v1/jobs/1/complete", #"{"token":\#(token2)}"#)
            #expect(wrong.status == .conflict)
            #expect(wrong.json["code"] as? String == "leaseLost")
            let done = try await client.send(.post, "/api/v1/jobs/1/complete", #"{"token":\#(token1)}"#)
            #expect(done.json["state"] as? String == "completed", "\(done.text)")
            #expect(done.json["completed_at_ns"] is String)
            let twice = try await client.send(.post, "/api/v1/jobs/1/complete", #"{"token":\#(token1)}"#)
            #expect(twice.status == .conflict)
            #expect(twice.json["code"] as? String == "alreadyCompleted")

            // Two failed attempts (the policy's maximum) make job 2 a dead letter.
            let failed = try await client.send(.post, "/api/v1/jobs/2/fail", #"{"token":\#(token2),"error":"timeout"}"#)
            #expect(failed.json["state"] as? String == "ready", "\(failed.text)")
            #expect(failed.json["last_error"] as? String == "timeout")
            let retry = try await client.send(.post, "/api/v1/jobs/dequeue", #"{"queue":"settlement","worker":"w2"}"#)
            let retried = (retry.json["jobs"] as? [[String: Any]])?.first
            #expect(retried?["id"] as? Int == 2 && retried?["attempts"] as? Int == 2, "\(retry.text)")
            let token3 = try #require((retried?["lease"] as? [String: Any])?["token"] as? Int)
            let dead = try await client.send(
                .post, "/api/v1/jobs/2/fail", #"{"token":\#(token3),"error":"timeout again"}"#)
            #expect(dead.json["state"] as? String == "dead", "\(dead.text)")
            #expect(dead.json["dead_reason"] as? String == "timeout again")
            let letters = try await client.get("/api/v1/jobs/dead")
            #expect((letters.json["jobs"] as? [[String: Any]])?.map { $0["id"] as? Int } == [2])

            let metricsText = try await client.get("/metrics").text
            for line in [
                #"strata_jobs{state="ready"} 1.0"#, #"strata_jobs{state="leased"} 0.0"#,
                #"strata_jobs{state="dead"} 1.0"#, #"strata_jobs{state="completed"} 1.0"#, "strata_orders_open 0.0",
            ] {
                #expect(metricsText.split(separator: "\n").contains { $0 == line }, "\(line) in \(metricsText)")
            }
            let age = metricsText.split(separator: "\n").first { $0.hasPrefix("strata_jobs_oldest_waiting_seconds ") }
            let seconds = age.flatMap { Double($0.split(separator: " ").last ?? "") }
            #expect(seconds.map { $0 >= 0 && $0 < 600 } == true, "\(String(describing: age))")

            let requeued = try await client.send(.post, "/api/v1/jobs/2/requeue", "")
            #expect(requeued.json["state"] as? String == "ready", "\(requeued.text)")
            #expect(requeued.json["attempts"] as? Int == 0)
            let notDead = try await client.send(.post, "/api/v1/jobs/2/requeue", "")
            #expect(notDead.status == .conflict)
            #expect(notDead.json["code"] as? String == "notDead")
            let unknown = try await client.get("/api/v1/jobs/99")
            #expect(unknown.status == .notFound)
            #expect(unknown.json["code"] as? String == "unknownJob")
            #expect(try await client.send(.post, "/api/v1/jobs/99/complete", #"{"token":1}"#).status == .notFound)

            let completed = try await client.get("/api/v1/jobs?state=completed")
            #expect((completed.json["jobs"] as? [[String: Any]])?.map { $0["id"] as? Int } == [1])
            let totals = completed.json["totals"] as? [String: Any]
            #expect(totals?["ready"] as? Int == 2 && totals?["completed"] as? Int == 1 && totals?["dead"] as? Int == 0)
            let mail = try await client.get("/api/v1/jobs?queue=mail")
            #expect((mail.json["jobs"] as? [[String: Any]])?.map { $0["id"] as? Int } == [3])
            let badState = try await client.get("/api/v1/jobs?state=done")
            #expect(badState.json["parameter"] as? String == "state")
            let noWorker = try await client.send(.post, "/api/v1/jobs/dequeue", #"{"queue":"mail"}"#)
            #expect(noWorker.status == .badRequest)
            #expect(noWorker.json["field"] as? String == "worker")
            let badQueue = try await client.send(.post, "/api/v1/jobs", #"{"id":9,"queue":"no spaces"}"#)
            #expect(badQueue.status == .badRequest)
            #expect(badQueue.json["code"] as? String == "invalidJob")
        }
    }

    @Test func signalsSaveAndRecent() async throws {
        try await withRecordsServer { client, _, _ in
            try Task.checkCancellation()
            let batch = """
                [{"id":1,"time":"\(t(0))","strategy":"momentum","symbol":"BTCUSDT","type":"buy","confidence":0.82,"price":"64000.5","quantity":0.25,"metadata":{"window":"5m"}},
                 {"id":2,"time":"\(t(10))","strategy":"momentum","symbol":"ETHUSDT","type":"sell","confidence":"0.5"},
                 {"id":3,"time":"\(t(20))","strategy":"meanrev","symbol":"BTCUSDT","type":"exit","confidence":1}]
                """
            let saved = try await client.send(.post, "/api/v1/signals", batch)
            #expect(saved.text == #"{"stored":3,"duplicates":0}"#)
            let one = try await client.send(
                .post, "/api/v1/signals",
                #"{"id":4,"time":\#(t(30)),"strategy":"momentum","symbol":"BTCUSDT","type":"buy","confidence":0.9}"#)
            #expect(one.text == #"{"stored":1,"duplicates":0}"#)
            let resent = try await client.send(
                .post, "/api/v1/signals",
                #"[{"id":4,"time":\#(t(30)),"strategy":"momentum","symbol":"BTCUSDT","type":"buy","confidence":0.9}]"#)
            #expect(resent.text == #"{"stored":0,"duplicates":1}"#)

            let recent = try await client.get("/api/v1/signals/recent?since=\(t(0))")
            let signals = recent.json["signals"] as? [[String: Any]] ?? []
            #expect(signals.map { $0["id"] as? Int } == [4, 3, 2, 1], "\(recent.text)")
            #expect(
                recent.text.contains(
                    #"{"id":1,"ts_ns":"\#(t(0))","time":"2024-07-01T00:00:00Z","strategy":"momentum","symbol":"BTCUSDT","type":"buy","confidence":"0.82","price":"64000.5","quantity":"0.25","metadata":{"window":"5m"}}"#
                ), "\(recent.text)")
            let btc = try await client.get("/api/v1/signals/recent?since=\(t(5))&symbol=BTCUSDT&limit=1")
            #expect((btc.json["signals"] as? [[String: Any]])?.map { $0["id"] as? Int } == [4])
            #expect(try await client.get("/api/v1/signals/recent").json["parameter"] as? String == "since")

            let bad = try await client.send(
                .post, "/api/v1/signals",
                #"[{"id":5,"strategy":"m","symbol":"BTCUSDT","type":"buy","confidence":1},{"id":6,"strategy":"m","type":"buy","confidence":1}]"#
            )
            #expect(bad.status == .badRequest)
            #expect(bad.json["field"] as? String == "[1].symbol", "\(bad.text)")
            let badMetadata = try await client.send(
                .post, "/api/v1/signals",
                #"{"id":7,"strategy":"m","symbol":"BTCUSDT","type":"buy","confidence":1,"metadata":"{not json"}"#)
            #expect(badMetadata.status == .badRequest)
            #expect(badMetadata.json["field"] as? String == "metadata", "\(badMetadata.text)")
            // Nothing of a refused batch is stored.
            let after = try await client.get("/api/v1/signals/recent?since=\(t(0))&limit=100")
            #expect(after.json["count"] as? Int == 4)
        }
    }

    @Test func anomaliesSaveListRemoveHistory() async throws {
        try await withRecordsServer { client, _, _ in
            try Task.checkCancellation()
            let spike = try await client.send(
                .post, "/api/v1/anomalies",
                #"{"type":"spread_spike","symbol":"BTCUSDT","severity":3.5,"message":"40 bps","metadata":{"bps":40},"time":\#(t(0))}"#
            )
            #expect(
                spike.text
                    == #"{"type":"spread_spike","symbol":"BTCUSDT","severity":"3.5","message":"40 bps","metadata":{"bps":40},"detected_at_ns":"\#(t(0))","detected_at":"2024-07-01T00:00:00Z","updated_at_ns":"\#(t(0))","updated_at":"2024-07-01T00:00:00Z"}"#,
                "\(spike.text)")
            #expect(
                try await client.send(.post, "/api/v1/anomalies", #"{"type":"feed_gap","time":\#(t(1))}"#).status == .ok
            )
            #expect(
                try await client.send(
                    .post, "/api/v1/anomalies", #"{"type":"spread_spike","symbol":"ETHUSDT","time":\#(t(2))}"#
                ).status == .ok)
            let again = try await client.send(
                .post, "/api/v1/anomalies", #"{"type":"spread_spike","symbol":"BTCUSDT","severity":5,"time":\#(t(3))}"#)
            #expect(again.json["detected_at_ns"] as? String == String(t(0)))
            #expect(again.json["updated_at_ns"] as? String == String(t(3)))
            #expect(again.json["severity"] as? String == "5.0")

            func keys(_ query: String) async throws -> [String] {
                let answer = try await client.get("/api/v1/anomalies?\(query)").json["anomalies"] as? [[String: Any]]
                return (answer ?? []).map { "\($0["type"] as? String ?? "?")/\($0["symbol"] as? String ?? "market")" }
            }
            #expect(try await keys("") == ["feed_gap/market", "spread_spike/BTCUSDT", "spread_spike/ETHUSDT"])
            #expect(try await keys("type=spread_spike&symbol=ETHUSDT") == ["spread_spike/ETHUSDT"])
            #expect(try await keys("market=true") == ["feed_gap/market"])

            let one = try await client.send(
                .delete, "/api/v1/anomalies?type=spread_spike&symbol=BTCUSDT&time=\(t(4))", "")
            #expect(one.text == #"{"removed":1}"#)
            let market = try await client.send(.delete, "/api/v1/anomalies?type=feed_gap&market=true&time=\(t(5))", "")
            #expect(market.text == #"{"removed":1}"#)
            #expect(try await keys("") == ["spread_spike/ETHUSDT"])
            let history = try await client.get("/api/v1/anomalies/history?type=spread_spike&symbol=BTCUSDT")
            let events = history.json["events"] as? [[String: Any]] ?? []
            #expect(events.map { $0["event"] as? String } == ["saved", "saved", "removed"], "\(history.text)")
            #expect(events.map { $0["time_ns"] as? String } == [String(t(0)), String(t(3)), String(t(4))])
            #expect((events.first?["anomaly"] as? [String: Any])?["message"] as? String == "40 bps")
            let marketHistory = try await client.get("/api/v1/anomalies/history?type=feed_gap")
            #expect(marketHistory.json["symbol"] is NSNull)
            #expect((marketHistory.json["events"] as? [[String: Any]])?.count == 2)

            let reserved = try await client.send(.post, "/api/v1/anomalies", #"{"type":"x","symbol":"_market"}"#)
            #expect(reserved.status == .badRequest)
            #expect(reserved.json["field"] as? String == "symbol")
            let noType = try await client.send(.delete, "/api/v1/anomalies", "")
            #expect(noType.json["parameter"] as? String == "type")
        }
    }

    /// Malformed bodies are 400s naming the field (or `body`) and the value; no body, however
    /// broken, gets anything but a JSON error.
    @Test func badBodiesNameTheField() async throws {
        try await withRecordsServer { client, _, _ in
            try Task.checkCancellation()
            let cases: [(String, String, String, String)] = [
                ("/api/v1/orders", "{", "body", "expected a member name at byte 1"),
                ("/api/v1/orders", "[1]", "body", "expected a JSON object, got an array"),
                ("/api/v1/orders", #"{"id":1,"id":2}"#, "id", "sent twice"),
                (
                    "/api/v1/orders",
                    #"{"id":1,"user":"a","symbol":"BTCUSDT","side":"hold","type":"limit","size":"1"}"#, "side", "'hold'"
                ),
                (
                    "/api/v1/orders",
                    #"{"id":1,"user":"a","symbol":"BTCUSDT","side":"buy","type":"limit","price":"abc","size":"1"}"#,
                    "price", "\"abc\""
                ),
                (
                    "/api/v1/orders",
                    #"{"id":1,"user":"a","symbol":"BTCUSDT","side":"buy","type":"limit","price":"1.000000001","size":"1"}"#,
                    "price", "1.000000001"
                ),
                ("/api/v1/orders", #"{"id":"x1","user":"a"}"#, "id", "'x1'"),
                (
                    "/api/v1/orders",
                    #"{"id":1,"user":"a","symbol":"BTC USDT","side":"buy","type":"limit","size":"1"}"#, "symbol",
                    "'BTC USDT'"
                ),
                (
                    "/api/v1/orders",
                    #"{"id":1,"user":"a","symbol":"BTCUSDT","side":"buy","type":"limit","size":"1","qty":"1"}"#, "qty",
                    "unknown member"
                ),
                (
                    "/api/v1/orders",
                    #"{"id":1,"user":"a","symbol":"BTCUSDT","side":"buy","type":"limit","size":"1","created_at":"yesterday"}"#,
                    "created_at", "'yesterday'"
                ),
                (
                    "/api/v1/orders",
                    #"{"id":1,"user":"a","symbol":"BTCUSDT","side":"buy","type":"limit","size":"1e400"}"#, "size",
                    "1e400"
                ),
                (
                    "/api/v1/orders",
                    #"{"id":1,"user":"a","symbol":"BTCUSDT","side":"buy","type":"limit","size":true}"#, "size",
                    "got a boolean true"
                ),
                ("/api/v1/orders", #"{"id":01}"#, "body", "without leading zeros"),
                ("/api/v1/orders", #"{"user":"\ud800"}"#, "body", "surrogate"),
                ("/api/v1/jobs", #"{"id":1,"queue":"q","priority":1.5}"#, "priority", "'1.5'"),
                ("/api/v1/jobs/dequeue", #"{"worker":"w","limit":5000}"#, "limit", "1...1000"),
                ("/api/v1/jobs/dequeue", #"{"worker":"w","queue":["a",2]}"#, "queue[1]", "got a number"),
                ("/api/v1/anomalies", #"{"type":"x","severity":"high"}"#, "severity", "'high'"),
                (
                    "/api/v1/signals", #"{"id":1,"strategy":"m","symbol":"BTCUSDT","type":"buy"}"#, "confidence",
                    "missing"
                ),
            ]
            for (path, body, field, fragment) in cases {
                let response = try await client.send(.post, path, body)
                #expect(response.status == .badRequest, "\(path) \(body): \(response.text)")
                #expect(response.json["field"] as? String == field, "\(path) \(body): \(response.text)")
                let message = response.json["message"] as? String ?? ""
                #expect(message.contains(fragment), "\(path) \(body): \(message)")
            }
            let fill = try await client.send(.post, "/api/v1/orders/1/fill", #"{"quantity":"-1","price":"1"}"#)
            #expect(fill.status == .badRequest)
            #expect(fill.json["field"] as? String == "quantity", "\(fill.text)")

            // Deep nesting, invalid UTF-8, control characters and random bytes: a JSON 400.
            var rng = SplitMix64(seed: 9)
            var bodies: [[UInt8]] = [
                Array(repeating: UInt8(ascii: "["), count: 100_000), [0x7B, 0x22, 0xFF, 0x22, 0x3A, 0x31, 0x7D],
                Array(#"{"user":"a\#u{01}b"}"#.utf8), Array("nul".utf8), Array("-".utf8), Array("1.".utf8),
                Array(#"{"a":1,}"#.utf8),
            ]
            let valid = Array(Self.order1.utf8)
            for _ in 0..<150 {
                var mutated = valid
                switch rng.next() % 3 {
                case 0: mutated = Array(valid.prefix(Int(rng.next() % UInt64(valid.count))))
                case 1: mutated[Int(rng.next() % UInt64(valid.count))] = UInt8(truncatingIfNeeded: rng.next())
                default: mutated = (0..<Int(rng.next() % 64)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
                }
                bodies.append(mutated)
            }
            let paths = [
                "/api/v1/orders", "/api/v1/orders/1/fill", "/api/v1/orders/1/amend", "/api/v1/jobs",
                "/api/v1/jobs/dequeue",
                "/api/v1/jobs/1/fail", "/api/v1/signals", "/api/v1/anomalies",
            ]
            for (index, body) in bodies.enumerated() {
                let path = paths[index % paths.count]
                let response = try await client.execute(
                    uri: path, method: .post, headers: [.authorization: "Bearer \(Tokens.write)"],
                    body: ByteBuffer(bytes: body))
                let answered: [HTTPResponse.Status] = [.ok, .created, .badRequest, .notFound, .conflict]
                #expect(
                    answered.contains(response.status),
                    "\(path) \(body.prefix(80)): \(response.status) \(response.text.prefix(200))")
                if response.status.code >= 400 {
                    #expect(response.json["code"] is String, "\(path): \(response.text.prefix(200))")
                }
            }
        }
    }

    @Test func writesNeedAWriteToken() async throws {
        try await withRecordsServer { client, store, _ in
            try Task.checkCancellation()
            let read = try await client.send(.post, "/api/v1/orders", Self.order1, token: Tokens.read)
            #expect(read.status == .forbidden)
            #expect(read.json["code"] as? String == "forbidden")
            #expect(read.json["message"] as? String == "this token is read-only; /api/v1/orders needs a write token")
            let writes: [(HTTPRequest.Method, String)] = [
                (.post, "/api/v1/jobs/dequeue"), (.delete, "/api/v1/orders/1"), (.delete, "/api/v1/anomalies?type=x"),
                (.post, "/api/v1/signals"), (.put, "/api/v1/orders"),
            ]
            for (method, path) in writes {
                #expect(try await client.send(method, path, "{}", token: Tokens.read).status == .forbidden, "\(path)")
            }
            let anonymous = try await client.send(.post, "/api/v1/orders", Self.order1, token: nil)
            #expect(anonymous.status == .unauthorized)
            // Nothing was created, and a read token reads.
            let orders = try await client.get("/api/v1/orders")
            #expect(orders.status == .ok)
            #expect(orders.json["count"] as? Int == 0)
            #expect(try store.orders.all.isEmpty)
        }
    }

    /// Metrics report the records only once they are open: scraping a market-data-only server
    /// creates none of their tables.
    @Test func metricsReportTheRecordsOnlyOnceOpen() async throws {
        try await withRecordsServer { client, store, _ in
            try Task.checkCancellation()
            let before = try await client.get("/metrics").text
            #expect(!before.contains("strata_jobs"))
            #expect(!before.contains("strata_orders_open"))
            #expect(!store.tradingRecordsOpen)
            #expect(!store.stats().contains { $0.table == "order_events" })

            #expect(try await client.send(.post, "/api/v1/orders", Self.order1).status == .created)
            #expect(store.tradingRecordsOpen)
            #expect(
                try await client.send(.post, "/api/v1/jobs", #"{"id":1,"queue":"q","payload":"{}"}"#).status == .created
            )
            let after = try await client.get("/metrics").text.split(separator: "\n")
            for line in [
                #"strata_jobs{state="ready"} 1.0"#, #"strata_jobs{state="leased"} 0.0"#, "strata_orders_open 1.0",
            ] {
                #expect(after.contains { $0 == line }, "\(line) in \(after)")
            }
        }
    }
}

extension TestClientProtocol {
    /// Sends `body` (JSON text) with `method`, with a write token (or the given one; nil: none).
    func send(
        _ method: HTTPRequest.Method, _ uri: String, _ body: String, token: String? = Tokens.write
    ) async throws -> TestResponse {
        var headers: HTTPFields = [.contentType: "application/json"]
        if let token { headers[.authorization] = "Bearer \(token)" }
        return try await execute(uri: uri, method: method, headers: headers, body: ByteBuffer(string: body))
    }
}
