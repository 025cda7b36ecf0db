import HTTPTypes
import HummingbirdTesting
import Strata
import StrataServer
import Testing

/// `ilp.measurements`: more measurements, mapped to tables with their own tag and field names.
@Suite struct DeclaredMeasurementTests {
    static let json = #"""
        {"ilp": {"measurements": [
          {"measurement": "binance_trades", "table": "trades",
           "columns": {"s": "symbol", "p": "price", "q": "qty", "t": "trade_id", "m": "is_buyer_maker"}},
          {"measurement": "book", "table": "quotes",
           "columns": {"sym": "symbol", "b": "bid_px_0", "bs": "bid_sz_0", "a": "ask_px_0", "as": "ask_sz_0"}}
        ]}}
        """#

    static func configuration() throws -> ServerConfiguration {
        var configuration = testConfiguration()
        try configuration.apply(json: Array(json.utf8))
        try configuration.validate()
        return configuration
    }

    @Test func declaredMeasurementsMapToTheirTables() async throws {
        try await withServer(try Self.configuration()) { client, store, _ in
            let body = """
                binance_trades,s=BTCUSDT p=64123.45,q=0.015,t=7i,m=true \(t(1))
                binance_trades,s=BTCUSDT p=64123.5,q=1,t=8i,m=false \(t(2))
                trades,symbol=BTCUSDT price=64124,qty=2,trade_id=9i,side="buy" \(t(3))
                book,sym=BTCUSDT b=64123.4,bs=1.5,a=64123.6,as=0.25 \(t(4))

                """
            let response = try await client.writeILP(body)
            #expect(response.status == .noContent, "\(response.text)")
            let trades = try await store.trades.range(
                symbol: btc, from: .init(nanoseconds: t(0)), to: .init(nanoseconds: t(9)))
            #expect(trades.map(\.tradeID) == [7, 8, 9])
            #expect(trades[0].price == (try Price("64123.45")))
            #expect(trades[0].quantity == (try Quantity("0.015")))
            #expect(trades.map(\.isBuyerMaker) == [true, false, false])
            let quote = try #require(try await store.quotes.latest(symbol: btc, limit: 1).first)
            #expect(quote.bids == [DepthLevel(price: try Price("64123.4"), size: try Quantity("1.5"))])
            #expect(quote.asks == [DepthLevel(price: try Price("64123.6"), size: try Quantity("0.25"))])
        }
    }

    @Test func declaredLinesAreCheckedLikeAnyOther() async throws {
        try await withServer(try Self.configuration()) { client, store, _ in
            let unknown = try await client.writeILP("binance_trades,s=BTCUSDT p=1,q=1,t=1i,m=true,x=5i \(t(1))\n")
            #expect(unknown.status == .badRequest)
            #expect(unknown.json["message"] as? String == "x: unknown field for measurement 'binance_trades'")
            let noSymbol = try await client.writeILP("binance_trades p=1,q=1,t=1i,m=true \(t(1))\n")
            #expect(noSymbol.json["code"] as? String == "missingTag", "\(noSymbol.text)")
            #expect((noSymbol.json["message"] as? String)?.hasPrefix("s: missing tag") == true)
            let inexact = try await client.writeILP("binance_trades,s=BTCUSDT p=1.123456789,q=1,t=1i,m=true \(t(1))\n")
            #expect(inexact.status == .badRequest)
            #expect((inexact.json["message"] as? String)?.contains("more than 8 fractional digits") == true)
            let other = try await client.writeILP("kraken_trades,s=BTCUSDT p=1 \(t(1))\n")
            #expect(
                (other.json["message"] as? String)?.contains("(known: trades, aggtrades, quotes, binance_trades, book)")
                    == true, "\(other.text)")
            #expect(store.trades.stats().rows == 0)
        }
    }

    @Test(arguments: [
        (#"{"ilp": {"measurements": [{"measurement": "x", "table": "orders"}]}}"#, "ilp.measurements[0].table"),
        (
            #"{"ilp": {"measurements": [{"measurement": "x", "table": "trades", "columns": {"p": "prize"}}]}}"#,
            "ilp.measurements[0].columns.p"
        ),
        (
            #"{"ilp": {"measurements": [{"measurement": "trades", "table": "trades"}]}}"#,
            "ilp.measurements[0].measurement"
        ),
        (#"{"ilp": {"measurements": [{"table": "trades"}]}}"#, "ilp.measurements[0].measurement"),
        (
            #"{"ilp": {"measurements": [{"measurement": "x", "table": "trades", "colums": {}}]}}"#,
            "ilp.measurements[0].colums"
        ),
        (
            #"{"ilp": {"measurements": [{"measurement": "x", "table": "trades"}, {"measurement": "x", "table": "quotes"}]}}"#,
            "ilp.measurements[0].measurement"
        ),
    ])
    func badDeclarationsNameTheKey(json: String, key: String) {
        var configuration = testConfiguration()
        #expect {
            try configuration.apply(json: Array(json.utf8))
            try configuration.validate()
        } throws: { error in
            (error as? ConfigurationError)?.key == key
        }
    }
}
