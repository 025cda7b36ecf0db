import Foundation
import HTTPTypes
import HummingbirdTesting
import Strata
import StrataServer
import Testing

@Suite struct QueryRoutesTests {
    static let body = """
        trades,symbol=BTCUSDT price=100.5,qty=1,trade_id=1i,side="buy" \(t(0))
        trades,symbol=BTCUSDT price=101,qty=2,trade_id=2i,side="sell" \(t(30))
        trades,symbol=BTCUSDT price=99.25,qty=0.5,trade_id=3i,side="buy" \(t(90))
        aggtrades,symbol=BTCUSDT agg_trade_id=1i,price=100.5,qty=1,first_trade_id=1i,last_trade_id=1i,is_buyer_maker=false \(t(0))
        quotes,symbol=BTCUSDT bid_px_0=100.1,bid_sz_0=1,ask_px_0=100.2,ask_sz_0=2 \(t(5))

        """

    func rows(_ response: TestResponse) -> [[String: Any]] { response.json["rows"] as? [[String: Any]] ?? [] }

    @Test func latestRangeLastOfTrades() async throws {
        try await withServer { client, _, _ in
            try Task.checkCancellation()  // the closure throws (a #expect's try alone does not say so)
            #expect(try await client.writeILP(Self.body).status == .noContent)
            let latest = try await client.get("/api/v1/trades/latest?symbol=BTCUSDT&limit=2")
            #expect(latest.status == .ok)
            #expect(rows(latest).map { $0["price"] as? String } == ["99.25", "101"])
            #expect(rows(latest).first?["qty"] as? String == "0.5")
            #expect(rows(latest).first?["ts_ns"] as? String == String(t(90)))
            #expect(rows(latest).first?["trade_id"] as? Int == 3)
            let range = try await client.get(
                "/api/v1/trades/range?symbol=BTCUSDT&from=2024-07-01T00:00:00Z&to=\(t(60))")
            #expect(rows(range).count == 2)
            #expect(range.json["truncated"] as? Bool == false)
            let limited = try await client.get("/api/v1/trades/range?symbol=BTCUSDT&from=\(t(0))&to=\(t(100))&limit=1")
            #expect(rows(limited).count == 1)
            #expect(limited.json["truncated"] as? Bool == true)
            // Paging with next_cursor: every row once, in order, then a null cursor.
            var paged: [String] = []
            var cursor = limited.json["next_cursor"] as? String
            paged += rows(limited).compactMap { $0["trade_id"] as? Int }.map(String.init)
            while let next = cursor {
                let page = try await client.get(
                    "/api/v1/trades/range?symbol=BTCUSDT&from=\(t(0))&to=\(t(100))&limit=1&cursor=\(next)")
                #expect(page.status == .ok)
                paged += rows(page).compactMap { $0["trade_id"] as? Int }.map(String.init)
                cursor = page.json["next_cursor"] as? String
                if paged.count > 10 { break }
            }
            let whole = try await client.get("/api/v1/trades/range?symbol=BTCUSDT&from=\(t(0))&to=\(t(100))")
            #expect(whole.json["next_cursor"] is NSNull)
            #expect(paged == rows(whole).compactMap { $0["trade_id"] as? Int }.map(String.init))
            let badCursor = try await client.get(
                "/api/v1/trades/range?symbol=BTCUSDT&from=\(t(0))&to=\(t(100))&cursor=\(t(500)):0")
            #expect(badCursor.status == .badRequest)
            #expect(badCursor.json["parameter"] as? String == "cursor")
            // Aggregates: count and Σ qty per symbol; by minute; errors name the parameter.
            let perSymbol = try await client.get("/api/v1/trades/aggregate?fn=count,sum(qty),vwap&by=symbol")
            #expect(perSymbol.status == .ok)
            let row = (perSymbol.json["rows"] as? [[String: Any]])?.first
            #expect(row?["symbol"] as? String == "BTCUSDT" && row?["count"] as? Int == 3)
            #expect(row?["sum(qty)"] as? String == "3.5")
            #expect(row?["vwap(price,qty)"] as? String == "100.60714286")  // 352.125 / 3.5, half-even at 8
            let perMinute = try await client.get(
                "/api/v1/trades/aggregate?fn=count,first(price),last(price)&bucket=1m&from=\(t(0))&to=\(t(120))")
            let minutes = perMinute.json["rows"] as? [[String: Any]] ?? []
            #expect(minutes.map { $0["count"] as? Int } == [2, 1])
            #expect(minutes.first?["bucket_ns"] as? String == String(t(0)))
            #expect(minutes.first?["last(price)"] as? String == "101")
            for (query, parameter) in [
                ("fn=avg(qty)", "fn"), ("fn=count&bucket=5x", "bucket"), ("fn=count&by=venue", "by"),
                ("fn=count&from=\(t(9))&to=\(t(1))", "to"),
            ] {
                let refused = try await client.get("/api/v1/trades/aggregate?\(query)")
                #expect(refused.status == .badRequest, "\(query)")
                #expect(refused.json["parameter"] as? String == parameter, "\(query)")
            }
            let unknownColumn = try await client.get("/api/v1/trades/aggregate?fn=sum(size)")
            #expect(unknownColumn.status == .badRequest)
            let symbols = try await client.get("/api/v1/trades/symbols")
            #expect(symbols.status == .ok)
            let listing = symbols.json["symbols"] as? [[String: Any]] ?? []
            #expect(listing.count == 1 && listing.first?["symbol"] as? String == "BTCUSDT")
            #expect(listing.first?["rows"] as? Int == 3)
            #expect(listing.first?["last_ns"] as? String == String(t(90)))
            let last = try await client.get("/api/v1/trades/last?symbol=BTCUSDT")
            #expect(last.json["ts_ns"] as? String == String(t(90)))
            let none = try await client.get("/api/v1/trades/last?symbol=ETHUSDT")
            #expect(none.status == .ok)
            #expect(none.json["ts_ns"] is NSNull)
        }
    }

    @Test func aggTradesAndQuotes() async throws {
        try await withServer { client, _, _ in
            try Task.checkCancellation()  // the closure throws (a #expect's try alone does not say so)
            #expect(try await client.writeILP(Self.body).status == .noContent)
            let agg = try await client.get("/api/v1/aggtrades/latest?symbol=BTCUSDT")
            #expect(rows(agg).first?["agg_trade_id"] as? Int == 1)
            let quotes = try await client.get("/api/v1/quotes/range?symbol=BTCUSDT&from=\(t(0))&to=\(t(10))")
            let bids = rows(quotes).first?["bids"] as? [[String: Any]]
            #expect(bids?.first?["price"] as? String == "100.1")
            let last = try await client.get("/api/v1/quotes/last?symbol=BTCUSDT")
            #expect(last.json["ts_ns"] as? String == String(t(5)))
            let quoteBars = try await client.get(
                "/api/v1/quotes/bars?symbol=BTCUSDT&timeframe=1m&from=\(t(0))&to=\(t(60))")
            #expect(quoteBars.status == .ok)
            let bar = (quoteBars.json["bars"] as? [[String: Any]])?.first
            #expect((bar?["bid"] as? [String: Any])?["close"] as? String == "100.1")
            #expect((bar?["ask"] as? [String: Any])?["high"] as? String == "100.2")
            #expect(bar?["quotes"] as? Int == 1 && bar?["ts_ns"] as? String == String(t(0)))
            let badFrame = try await client.get("/api/v1/quotes/bars?symbol=BTCUSDT&timeframe=90s&from=0&to=1")
            #expect(badFrame.status == .badRequest && badFrame.json["parameter"] as? String == "timeframe")
            let aggLast = try await client.get("/api/v1/aggtrades/last?symbol=BTCUSDT")
            #expect(aggLast.json["ts_ns"] as? String == String(t(0)))
        }
    }

    @Test func barsAndStats() async throws {
        try await withServer { client, _, _ in
            try Task.checkCancellation()  // the closure throws (a #expect's try alone does not say so)
            #expect(try await client.writeILP(Self.body).status == .noContent)
            let bars = try await client.get("/api/v1/bars?symbol=BTCUSDT&timeframe=1m&from=\(t(0))&to=\(t(180))")
            #expect(bars.status == .ok, "\(bars.text)")
            let list = bars.json["bars"] as? [[String: Any]] ?? []
            #expect(list.count == 2)
            #expect(list.first?["open"] as? String == "100.5")
            #expect(list.first?["high"] as? String == "101")
            #expect(list.first?["trades"] as? Int == 2)
            let carry = try await client.get(
                "/api/v1/bars?symbol=BTCUSDT&timeframe=1m&from=\(t(0))&to=\(t(180))&empty=carry")
            #expect((carry.json["bars"] as? [Any])?.count == 3)
            let stats = try await client.get("/api/v1/stats")
            let tables = stats.json["tables"] as? [[String: Any]] ?? []
            #expect(tables.first { $0["table"] as? String == "trades" }?["rows"] as? Int == 3)
        }
    }

    @Test(arguments: [
        ("/api/v1/trades/latest", "symbol"),
        ("/api/v1/trades/latest?symbol=BAD%20SYMBOL", "symbol"),
        ("/api/v1/trades/latest?symbol=BTCUSDT&limit=0", "limit"),
        ("/api/v1/trades/latest?symbol=BTCUSDT&limit=abc", "limit"),
        ("/api/v1/quotes/range?symbol=BTCUSDT&to=1", "from"),
        ("/api/v1/aggtrades/range?symbol=BTCUSDT&from=yesterday&to=1", "from"),
        ("/api/v1/trades/range?symbol=BTCUSDT&from=2", "to"),
        ("/api/v1/trades/range?symbol=BTCUSDT&from=5&to=2", "to"),
        ("/api/v1/quotes/last", "symbol"),
        ("/api/v1/bars?symbol=BTCUSDT&from=1&to=2", "timeframe"),
        ("/api/v1/bars?symbol=BTCUSDT&timeframe=7x&from=1&to=2", "timeframe"),
        ("/api/v1/bars?symbol=BTCUSDT&timeframe=1m&from=1&to=2&empty=fill", "empty"),
        ("/api/v1/bars?symbol=BTCUSDT&timeframe=1m&from=1&to=2&offset=x", "offset"),
    ])
    func badParametersAre400NamingThem(uri: String, parameter: String) async throws {
        try await withServer { client, _, _ in
            let response = try await client.get(uri)
            #expect(response.status == .badRequest, "\(response.text)")
            #expect(response.json["parameter"] as? String == parameter, "\(response.text)")
            #expect((response.json["message"] as? String)?.hasPrefix(parameter) == true)
        }
    }

    @Test func unknownRouteIs404Json() async throws {
        try await withServer { client, _, _ in
            let response = try await client.get("/api/v1/nothing")
            #expect(response.status == .notFound)
            #expect(response.json["code"] as? String == "notFound")
        }
    }

    /// A user-defined table from the configuration answers the same queries as the built-in
    /// ones, its rows as objects of its schema's columns, and the OpenAPI document describes it.
    @Test func userTableRoutes() async throws {
        var configuration = testConfiguration()
        configuration.tables = [
            try RecordSchema(
                name: "signals",
                columns: [
                    SchemaColumn("ts", .timestamp), SchemaColumn("symbol", .symbol), SchemaColumn("id", .int64),
                    SchemaColumn("score", .float64), SchemaColumn("target", .decimal(scale: 8)),
                    SchemaColumn("live", .bool),
                ],
                timestamp: "ts", key: RecordKey("id"))
        ]
        try await withServer(configuration) { client, store, _ in
            let table = try #require(store.table(named: "signals"))
            try await table.append(
                (1...5).map { i in
                    Row(
                        symbol: "BTCUSDT",
                        [
                            "ts": .timestamp(Timestamp(nanoseconds: t(Int64(i)))), "id": .integer(Int64(i)),
                            "score": .float(0.5), "target": FieldValue.decimal("64123.45")!, "live": .bool(i % 2 == 0),
                        ])
                })
            let latest = try await client.get("/api/v1/signals/latest?symbol=BTCUSDT&limit=2")
            #expect(latest.status == .ok)
            let first = rows(latest).first
            #expect(first?["id"] as? Int == 5 && first?["ts"] as? String == String(t(5)))
            #expect(first?["target"] as? String == "64123.45" && first?["score"] as? String == "0.5")
            #expect(first?["live"] as? Bool == false && (first?["time"] as? String)?.hasPrefix("2024-07-01") == true)
            let page = try await client.get("/api/v1/signals/range?symbol=BTCUSDT&from=\(t(0))&to=\(t(10))&limit=3")
            #expect(rows(page).count == 3 && page.json["next_cursor"] is String)
            let sums = try await client.get("/api/v1/signals/aggregate?fn=count,sum(target),max(score)&by=symbol")
            let sum = (sums.json["rows"] as? [[String: Any]])?.first
            #expect(sum?["count"] as? Int == 5 && sum?["sum(target)"] as? String == "320617.25")
            let symbols = try await client.get("/api/v1/signals/symbols")
            #expect((symbols.json["symbols"] as? [[String: Any]])?.first?["rows"] as? Int == 5)
            // ILP lines of the table: measurement = its name, the symbol tag, fields by column name.
            let lines = """
                signals,symbol=ETHUSDT id=10i,score=0.25,target=3400.5,live=true \(t(20))
                signals,symbol=ETHUSDT id=11i,score=-0.5,target=3400.25d,live=false \(t(21))

                """
            #expect(try await client.writeILP(lines).status == .noContent)
            let eth = try await client.get("/api/v1/signals/latest?symbol=ETHUSDT")
            #expect(rows(eth).map { $0["id"] as? Int } == [11, 10])
            #expect(rows(eth).map { $0["target"] as? String } == ["3400.25", "3400.5"])
            for (line, code, words) in [
                (
                    "signals,symbol=ETHUSDT id=12i,scor=0.1,target=1,live=true \(t(22))", "unknownField",
                    "scor: unknown field"
                ),
                (
                    "signals,symbol=ETHUSDT id=12i,score=0.1,target=1.000000001,live=true \(t(22))", "invalidValue",
                    "target"
                ),
                ("signals,symbol=ETHUSDT id=1.5,score=0.1,target=1,live=true \(t(22))", "invalidValue", "id"),
                ("signals,venue=X id=12i,score=0.1,target=1,live=true \(t(22))", "missingTag", "symbol: missing tag"),
            ] {
                let refused = try await client.writeILP(
                    "signals,symbol=ETHUSDT id=13i,score=0,target=1,live=true \(t(23))\n" + line + "\n")
                #expect(refused.status == .badRequest, "\(line)")
                #expect(refused.json["code"] as? String == code, "\(line): \(refused.json)")
                #expect((refused.json["message"] as? String)?.contains(words) == true, "\(line): \(refused.json)")
                #expect(refused.json["line"] as? Int == 2, "\(line)")
            }
            #expect(
                rows(try await client.get("/api/v1/signals/latest?symbol=ETHUSDT")).count == 2,
                "nothing of a refused request stored")
            let document = try await client.get("/openapi.json", authorization: nil)
            let paths = document.json["paths"] as? [String: Any] ?? [:]
            #expect(paths["/api/v1/signals/aggregate"] != nil && paths["/api/v1/signals/range"] != nil)
        }
    }
}
