import HTTPTypes
import HummingbirdTesting
import Strata
import StrataServer
import Testing

/// The ILP mapping derived from the schemas: the built-in tables' conveniences come from schema
/// facts (input words, defaults, levels, row rules), and declared measurements map onto any
/// table, user-defined ones included.
@Suite struct ILPDerivedMappingTests {
    @Test func aggTradesTakeSideWordsTheirAliasAndTheDefault() async throws {
        try await withServer { client, store, _ in
            let body = """
                agg_trades,symbol=BTCUSDT agg_trade_id=1i,price=10,quantity=2,first_trade_id=1i,last_trade_id=2i,side="sell" \(t(1))
                aggtrades,symbol=BTCUSDT,side=buy agg_trade_id=2i,price=11,qty=1,first_trade_id=3i,last_trade_id=3i,is_best_match=false \(t(2))

                """
            let response = try await client.writeILP(body)
            #expect(response.status == .noContent, "\(response.text)")
            let rows = try await store.aggregatedTrades.range(
                symbol: btc, from: .init(nanoseconds: t(0)), to: .init(nanoseconds: t(9)))
            #expect(rows.map(\.aggregateID) == [1, 2])
            #expect(rows.map(\.isBuyerMaker) == [true, false])
            #expect(rows.map(\.isBestMatch) == [true, false])
            #expect(rows.map(\.quantity) == [try Quantity("2"), try Quantity("1")])
            #expect(rows.map(\.timestamp.nanoseconds) == [t(1), t(2)])
        }
    }

    @Test(arguments: [
        (
            "aggtrades,symbol=BTCUSDT agg_trade_id=1i,price=10,qty=2,first_trade_id=5i,last_trade_id=2i,side=\"buy\"",
            "inconsistent", "first_trade_id: \"5\" is inconsistent (greater than last_trade_id 2)"
        ),
        (
            "trades,symbol=BTCUSDT price=1,qty=1,amount=2,trade_id=1i,side=\"buy\"", "invalidValue",
            "amount: qty is given twice on the line"
        ),
        ("trades,symbol=BTCUSDT price=0,qty=1,trade_id=1i,side=\"buy\"", "nonPositive", "price: \"0\" must be greater"),
        ("quotes,symbol=BTCUSDT bid_levels=1i,bid_px_0=1,bid_sz_0=1", "unknownField", "bid_levels: unknown field"),
        ("quotes,symbol=BTCUSDT bid_px_0=0,bid_sz_0=1", "nonPositive", "bid_px_0: \"0\" must be greater"),
        ("trades,symbol=BTCUSDT price=1,qty=1,trade_id=1i,side=\"buy\",ts_ns=5i", "unknownField", "ts_ns: unknown"),
        (
            "trades,symbol=BTC\\ USD price=1,qty=1,trade_id=1i,side=\"buy\"", "invalidValue",
            "symbol: invalid symbol 'BTC USD'"
        ),
    ])
    func schemaRulesRefuseNamingTheColumn(line: String, code: String, message: String) async throws {
        try await withServer { client, store, _ in
            let response = try await client.writeILP("\(line) \(t(1))\n")
            #expect(response.status == .badRequest)
            #expect(response.json["code"] as? String == code, "\(response.text)")
            #expect((response.json["message"] as? String)?.hasPrefix(message) == true, "\(response.text)")
            #expect(store.trades.stats().rows == 0 && store.aggregatedTrades.stats().rows == 0)
            #expect(store.quotes.stats().rows == 0)
        }
    }

    @Test func quotesCountTheirLevels() async throws {
        try await withServer { client, store, _ in
            let body = """
                quotes,symbol=BTCUSDT ask_px_0=100.2,ask_sz_0=2,ask_px_1=100.3,ask_sz_1=0 \(t(1))

                """
            #expect(try await client.writeILP(body).status == .noContent)
            let quote = try #require(try await store.quotes.latest(symbol: btc, limit: 1).first)
            #expect(quote.bids.isEmpty)
            #expect(quote.asks.map(\.price) == [try Price("100.2"), try Price("100.3")])
            #expect(quote.asks.map(\.size) == [try Quantity("2"), try Quantity("0")])
            let empty = try await client.writeILP("quotes,symbol=BTCUSDT \(t(2))\n")
            #expect(empty.status == .badRequest)
        }
    }

    @Test func aDeclaredMeasurementMapsOntoAUserTable() async throws {
        var configuration = testConfiguration()
        configuration.tables = [
            try RecordSchema(
                name: "signals",
                columns: [
                    SchemaColumn("ts", .timestamp), SchemaColumn("symbol", .symbol), SchemaColumn("id", .int64),
                    SchemaColumn("score", .float64, rules: ColumnRules(required: false)),
                    SchemaColumn("target", .decimal(scale: 4), aliases: ["tp"]), SchemaColumn("note", .text),
                ],
                timestamp: "ts", key: RecordKey("id"))
        ]
        configuration.ilpMeasurements = [
            DeclaredMeasurement(
                measurement: "model_out", table: "signals", columns: ["s": "symbol", "n": "note", "t": "tp"])
        ]
        try configuration.validate()
        try await withServer(configuration) { client, store, _ in
            let body = """
                model_out,s=ETHUSDT,n=first id=1i,t=3400.5 \(t(1))
                signals,symbol=ETHUSDT id=2i,target=3400.25,score=0.5,note="second" \(t(2))

                """
            let response = try await client.writeILP(body)
            #expect(response.status == .noContent, "\(response.text)")
            let table = try #require(store.table(named: "signals"))
            let rows = try await table.range(symbol: "ETHUSDT", from: .min, to: .max, limit: 10).rows
            #expect(rows.map { $0["target"]?.description } == ["3400.5", "3400.25"])
            #expect(rows.map { $0["note"]?.description } == ["first", "second"])
            #expect(rows[0]["score"] == nil)
            #expect(
                rows.map { $0["ts"] } == [.timestamp(.init(nanoseconds: t(1))), .timestamp(.init(nanoseconds: t(2)))])
            let inexact = try await client.writeILP("model_out,s=ETHUSDT,n=x id=3i,t=1.23456 \(t(3))\n")
            #expect(inexact.status == .badRequest)
            #expect(inexact.json["message"] as? String == "t: '1.23456': more than 4 fractional digits")
            let noNote = try await client.writeILP("model_out,s=ETHUSDT id=3i,t=1 \(t(3))\n")
            #expect((noNote.json["message"] as? String)?.hasPrefix("note: missing field") == true, "\(noNote.text)")
        }
        configuration.ilpMeasurements = [
            DeclaredMeasurement(measurement: "model_out", table: "signals", columns: ["p": "price"])
        ]
        #expect { try configuration.validate() } throws: {
            ($0 as? ConfigurationError)?.key == "ilp.measurements[0].columns.p"
        }
        configuration.ilpMeasurements = [DeclaredMeasurement(measurement: "signals", table: "trades", columns: [:])]
        #expect { try configuration.validate() } throws: {
            ($0 as? ConfigurationError)?.key == "ilp.measurements[0].measurement"
        }
    }
}
