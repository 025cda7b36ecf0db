import Foundation
import HTTPTypes
import HummingbirdTesting
import Strata
import Testing

@testable import StrataServer

#if canImport(Glibc)
    import Glibc
#endif

@Suite struct HealthMetricsTests {
    @Test func liveAndReady() async throws {
        try await withServer { client, _, _ in
            let live = try await client.get("/health/live", authorization: nil)
            #expect(live.status == .ok)
            #expect(live.json["status"] as? String == "ok")
            #expect(live.json["version"] as? String == StrataVersion.release)
            let ready = try await client.get("/health/ready", authorization: nil)
            #expect(ready.status == .ok)
            #expect(ready.json["version"] as? String == StrataVersion.release)
            #expect(ready.json["store_format"] as? Int == StrataStore.formatVersion)
            let tables = ready.json["tables"] as? [[String: Any]] ?? []
            #expect(tables.contains { $0["table"] as? String == "trades" })
            #expect(tables.allSatisfy { $0["wal_bytes"] is Int && $0["status"] as? String == "ok" })
            #expect(tables.allSatisfy { $0["last_commit"] is NSNull }, "nothing committed yet")
            let write = "trades,symbol=BTCUSDT price=1,qty=1,trade_id=1i,side=\"buy\" \(t(1))\n"
            #expect(try await client.writeILP(write).status == .noContent)
            let after = try await client.get("/health/ready", authorization: nil).json["tables"] as? [[String: Any]]
            let trades = after?.first { $0["table"] as? String == "trades" }
            #expect((trades?["last_commit"] as? String)?.hasPrefix("20") == true, "\(String(describing: trades))")
        }
    }

    @Test func writesToAClosedStoreAre503() async throws {
        try await withServer { client, store, _ in
            try store.close()
            let write = try await client.writeILP(
                "trades,symbol=BTCUSDT price=1,qty=1,trade_id=1i,side=\"buy\" \(t(1))\n")
            #expect(write.status == .serviceUnavailable, "\(write.text)")
            #expect(write.json["code"] as? String == "unavailable")
            let ready = try await client.get("/health/ready", authorization: nil)
            #expect(ready.status == .serviceUnavailable, "a closed store is not ready: \(ready.text)")
            #expect(ready.json["status"] as? String == "closed")
            let tables = ready.json["tables"] as? [[String: Any]] ?? []
            #expect(!tables.isEmpty && tables.allSatisfy { $0["status"] as? String == "closed" })
            for query in [
                "/api/v1/trades/latest?symbol=BTCUSDT", "/api/v1/quotes/last?symbol=BTCUSDT",
                "/api/v1/bars?symbol=BTCUSDT&timeframe=1m&from=0&to=60000000000",
            ] {
                let response = try await client.get(query)
                #expect(response.status == .serviceUnavailable, "\(query): \(response.text)")
                #expect(response.json["code"] as? String == "unavailable")
                #expect(response.headers[.retryAfter] == "5", "\(query): a retry is worth it")
            }
        }
    }

    /// Handlers run on the store executor's threads (NIOThreadPool's `TP-#n`), never on the
    /// cooperative pool that a blocking fsync would starve.
    @Test func handlersRunOnTheStoreExecutor() async throws {
        let name = await StoreExecutor.shared.run { await currentThreadName() }
        #expect(name.hasPrefix("TP-"), "ran on '\(name)'")
        #expect(await currentThreadName().hasPrefix("TP-") == false)
    }

    @Test func metricsText() async throws {
        try await withServer { client, store, _ in
            let good = "trades,symbol=BTCUSDT price=1,qty=1,trade_id=1i,side=\"buy\" \(t(1))\n"
            #expect(try await client.writeILP(good).status == .noContent)
            #expect(try await client.writeILP(good).status == .noContent)  // a duplicate
            // A line that names no table counts as `unknown`; one with a bad value counts for its table.
            #expect(try await client.writeILP("nosuch,symbol=BTCUSDT price=1 \(t(1))\n").status == .badRequest)
            let bad = "trades,symbol=BTCUSDT price=-1,qty=1,trade_id=5i,side=\"buy\" \(t(1))\n"
            #expect(try await client.writeILP(bad).status == .badRequest)
            try store.flush()  // an fsync of every table's WAL (the harness's store is OS-buffered)
            let response = try await client.get("/metrics")
            #expect(response.status == .ok)
            #expect(response.headers[.contentType]?.hasPrefix("text/plain") == true)
            let text = response.text
            #expect(text.contains(#"strata_ingest_rows_total{table="trades",protocol="http"} 1"#), "\(text)")
            #expect(text.contains(#"strata_ingest_duplicate_rows_total{table="trades",protocol="http"} 1"#))
            #expect(text.contains(#"strata_ingest_rejected_rows_total{table="trades",protocol="http"} 1"#))
            #expect(text.contains(#"strata_ingest_rejected_rows_total{table="unknown",protocol="http"} 1"#))
            #expect(text.contains("strata_http_request_duration_seconds_bucket"))
            #expect(text.contains(#"strata_table_bytes_on_disk{table="trades"}"#))
            #expect(text.contains("# TYPE strata_http_request_duration_seconds histogram"))
            #expect(text.contains(#"strata_wal_fsync_duration_seconds_count{table="trades"} 1"#), "\(text)")
            #expect(text.contains(#"strata_wal_bytes{table="trades"}"#))
            #expect(text.contains(#"strata_wal_last_sync_timestamp_seconds{table="trades"}"#))
        }
    }
}

/// The name of the thread the caller runs on (nonisolated async: it runs on the preferred executor).
nonisolated func currentThreadName() async -> String {
    guard let file = fopen("/proc/thread-self/comm", "r") else { return "?" }
    defer { fclose(file) }
    var buffer = [CChar](repeating: 0, count: 64)
    guard fgets(&buffer, Int32(buffer.count), file) != nil else { return "?" }
    return String(decoding: buffer.prefix { $0 != 0 && $0 != 10 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
}
