import Foundation
import HTTPTypes
import HummingbirdTesting
import Strata
import Testing

@testable import StrataServer

/// `GET /api/v1/stats` beyond the table counts: bytes per column (sealed, raw, ratio), rows and
/// bytes held in memory, the slow-query log with each slow request's parameters, and the
/// matching metrics.
@Suite struct StatsRoutesTests {
    @Test func storagePerColumnAndTheSlowQueryLog() async throws {
        var configuration = testConfiguration()
        configuration.limits.slowQueryMilliseconds = 1
        try await withServer(configuration) { client, store, _ in
            // A day sealed (yesterday's trades), and today's rows in memory.
            var sealed: [Trade] = []
            for index in 0..<20_000 {
                sealed.append(
                    Trade(
                        symbol: btc, timestamp: Timestamp(nanoseconds: t(Int64(index))), tradeID: Int64(index + 1),
                        price: Price(mantissa: 6_400_000_000_000 + Int64(index % 100) * 1_000_000),
                        quantity: Quantity(mantissa: 100_000_000), isBuyerMaker: index % 2 == 0))
            }
            try await store.trades.append(sealed)
            _ = store.compact(now: Timestamp(nanoseconds: t(10 * 86_400)))
            let memory = (0..<300).map { index in
                Trade(
                    symbol: btc, timestamp: Timestamp(nanoseconds: t(5 * 86_400 + Int64(index))),
                    tradeID: Int64(100_000 + index), price: Price(mantissa: 6_500_000_000_000),
                    quantity: Quantity(mantissa: 1), isBuyerMaker: false)
            }
            try await store.trades.append(memory)

            let report = try #require(store.storage().first { $0.table == "trades" })
            #expect(report.sealedRows == 20_000 && report.memoryRows == 300)
            #expect(report.memoryBytes >= 300 * 8 * Int64(report.columns.count))
            // Every stored column (the symbol is the files' index, not a column of their blocks).
            #expect(report.columns.map(\.name) == RecordSchema.trades.columns.map(\.name).filter { $0 != "symbol" })
            #expect(report.columns.allSatisfy { $0.rawBytes == 20_000 * 8 && $0.encodedBytes > 0 })
            // Regular timestamps, ids and a few prices encode far below 8 bytes a value.
            #expect((report.compressionRatio ?? 0) > 4, "\(report)")

            // A range of 20,000 rows as JSON takes over a millisecond: kept with its parameters.
            let range = "/api/v1/trades/range?symbol=BTCUSDT&from=\(t(0))&to=\(t(86_400))&limit=20000"
            #expect(try await client.get(range).status == .ok)
            let stats = try await client.get("/api/v1/stats").json
            let slow = try #require(stats["slow_queries"] as? [[String: Any]])
            let entry = try #require(slow.first { ($0["target"] as? String) == range }, "\(slow)")
            #expect(entry["route"] as? String == "/api/v1/trades/range")
            #expect(entry["status"] as? Int == 200 && entry["method"] as? String == "GET")
            #expect((entry["request_id"] as? String)?.isEmpty == false && entry["duration_ms"] is String)
            #expect(stats["slow_query_threshold_ms"] as? Int == 1)
            let storage = try #require(stats["storage"] as? [[String: Any]])
            let trades = try #require(storage.first { $0["table"] as? String == "trades" })
            #expect(trades["sealed_rows"] as? Int == 20_000 && trades["memory_rows"] as? Int == 300)
            let columns = try #require(trades["columns"] as? [[String: Any]])
            #expect(columns.count == report.columns.count)
            #expect((columns.first?["compression_ratio"] as? String)?.contains(".") == true)

            let metrics = try await client.get("/metrics").text
            #expect(metrics.contains("strata_slow_queries_total{route=\"/api/v1/trades/range\"}"))
            #expect(metrics.contains("strata_table_memory_bytes{table=\"trades\"}"))
            #expect(metrics.contains("strata_table_compression_ratio{table=\"trades\"}"))
            #expect(metrics.contains("strata_column_encoded_bytes{table=\"trades\",column=\"price\"}"))
        }
    }

    @Test func theSlowQueryLogKeepsTheNewestAndCanBeOff() {
        let off = SlowQueryLog(thresholdMilliseconds: 0)
        #expect(!off.isSlow(10_000_000_000))
        let log = SlowQueryLog(thresholdMilliseconds: 5)
        #expect(!log.isSlow(4_999_999) && log.isSlow(5_000_000))
        for index in 0..<150 {
            log.record(
                .init(
                    time: .zero, method: "GET", route: "/q", target: "/q?\(index)", status: 200,
                    nanoseconds: 5_000_000, requestID: "r\(index)"))
        }
        let targets = log.newestFirst.map(\.target)
        #expect(targets.count == 100 && targets.first == "/q?149" && targets.last == "/q?50")
        #expect(TableStorage.ratioText(3.4159) == "3.42" && TableStorage.ratioText(12.0) == "12.00")
        #expect(TableStorage.ratioText(1.005) == "1.00" || TableStorage.ratioText(1.005) == "1.01")
    }
}
