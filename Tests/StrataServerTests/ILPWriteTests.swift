import CompressNIO
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Strata
import StrataImport
import StrataLineProtocol
import StrataServer
import Testing

@Suite struct ILPWriteTests {
    @Test func tradesAreStoredExactlyAndAnswer204() async throws {
        try await withServer { client, store, _ in
            let body = """
                trades,symbol=BTCUSDT price=64123.45,qty=0.25,trade_id=1i,side="buy" \(t(1))
                trades,symbol=BTCUSDT price=64123.46,amount=0.1,trade_id=2i,is_buyer_maker=true \(t(2))
                trades,symbol=BTCUSDT price=0.1,qty=3,trade_id=3i,side="sell" \(t(3))

                """
            let response = try await client.writeILP(body)
            #expect(response.status == .noContent)
            let rows = try await store.trades.range(
                symbol: btc, from: .init(nanoseconds: t(0)), to: .init(nanoseconds: t(9)))
            #expect(rows.count == 3)
            #expect(rows[0].price == (try Price("64123.45")))
            #expect(rows[0].quantity == (try Quantity("0.25")))
            #expect(rows[0].isBuyerMaker == false)
            #expect(rows[1].isBuyerMaker == true)
            #expect(rows[2].price.mantissa == 10_000_000)  // 0.1 exactly, never via Double
            #expect(rows[2].isBuyerMaker == true)
        }
    }

    @Test func aggTradesAndQuotesMap() async throws {
        try await withServer { client, store, _ in
            let body = """
                aggtrades,symbol=BTCUSDT agg_trade_id=7i,price=100.5,qty=2,first_trade_id=10i,last_trade_id=12i,is_buyer_maker=false \(t(1))
                quotes,symbol=BTCUSDT bid_px_0=100.1,bid_sz_0=1,ask_px_0=100.2,ask_sz_0=2,bid_px_1=100,bid_sz_1=5 \(t(1))
                """
            let response = try await client.writeILP(body, path: "/api/v2/write")
            #expect(response.status == .noContent)
            let agg = try await store.aggregatedTrades.latest(symbol: btc, limit: 10)
            #expect(agg.count == 1)
            #expect(agg.first?.lastTradeID == 12)
            #expect(agg.first?.isBestMatch == true)
            let quotes = try await store.quotes.latest(symbol: btc, limit: 10)
            #expect(quotes.first?.bids.count == 2)
            #expect(quotes.first?.asks.first?.price == (try Price("100.2")))
        }
    }

    @Test func aBadLineIs400WithItsNumberAndNothingIsStored() async throws {
        try await withServer { client, store, _ in
            let body = """
                trades,symbol=BTCUSDT price=1,qty=1,trade_id=1i,side="buy" \(t(1))
                quotes,symbol=BTCUSDT bid_px_0=1,bid_sz_0=1 \(t(1))
                trades,symbol=BTCUSDT price=1,qty=1,trade_id=2i,side="buy" notatime
                """
            let response = try await client.writeILP(body, headers: [HTTPField.Name("X-Request-Id")!: "req-42"])
            #expect(response.status == .badRequest)
            let json = response.json
            #expect(json["line"] as? Int == 3)
            #expect(json["code"] as? String == "invalidTimestamp")
            #expect(json["errorId"] as? String == "req-42")
            #expect((json["message"] as? String)?.isEmpty == false)
            #expect(try await store.trades.latest(symbol: btc, limit: 10).isEmpty)
            #expect(try await store.quotes.latest(symbol: btc, limit: 10).isEmpty)
            // The refused line is kept, with the request id, in its table's quarantine.
            let kept = try Quarantine(dataDirectory: store.directory, table: "trades").entries()
            #expect(kept.count == 1)
            #expect(kept.first?.source == "http request req-42")
            #expect(kept.first?.line == 3)
            #expect(kept.first?.raw == #"trades,symbol=BTCUSDT price=1,qty=1,trade_id=2i,side="buy" notatime"#)
            #expect(kept.first?.reason.hasPrefix("invalidTimestamp: ") == true, "\(kept)")
            #expect(kept.first?.format == .lineProtocol(precision: "ns"))
        }
    }

    @Test func refusedLinesAreQuarantinedByTableAndReplayOnceCorrected() async throws {
        try await withServer { client, store, metrics in
            let bad = "trades,symbol=BTCUSDT price=-1,qty=1,trade_id=5i,side=\"buy\" \(t(1) / 1_000_000)\r\n"
            let refused = try await client.writeILP(
                "trades,symbol=BTCUSDT price=2,qty=1,trade_id=4i,side=\"buy\" \(t(1) / 1_000_000)\n" + bad,
                query: "?precision=ms", headers: [HTTPField.Name("X-Request-Id")!: "r-1"])
            #expect(refused.status == .badRequest)
            #expect(try await client.writeILP("nosuch,symbol=BTCUSDT v=1 \(t(1))\n").status == .badRequest)
            // A body over the limit or a bad precision is not a line's fault: nothing is kept.
            #expect(try await client.writeILP("x", query: "?precision=fortnights").status == .badRequest)
            let trades = Quarantine(dataDirectory: store.directory, table: "trades")
            var kept = try trades.entries()
            #expect(kept.map(\.line) == [2] && kept.first?.source == "http request r-1")
            #expect(kept.first?.format == .lineProtocol(precision: "ms"))
            #expect(kept.first?.reason.contains("price") == true, "\(kept)")
            let unmapped = try Quarantine(dataDirectory: store.directory, table: "ilp-unmapped").entries()
            #expect(unmapped.count == 1 && unmapped.first?.reason.hasPrefix("unknownMeasurement") == true)
            #expect(Quarantine.tables(inDataDirectory: store.directory) == ["ilp-unmapped", "trades"])

            // Corrected in the file, the line replays at its precision through the same mapping.
            kept[0].raw = kept[0].raw.replacingOccurrences(of: "price=-1", with: "price=3")
            let ingest = ILPIngest(store: store, metrics: metrics, maxLineBytes: 1 << 20)
            let replayed = try ingest.replay(
                kept.map(\.raw) + ["trades,symbol=BTCUSDT price=oops"], precision: .milliseconds, now: t(9))
            #expect(replayed.summary.stored == 1)
            #expect(replayed.refused.keys.sorted() == [1])
            let rows = try await store.trades.latest(symbol: btc, limit: 10)
            #expect(rows.map(\.tradeID) == [5])
            #expect(rows.first?.price == (try Price("3")))
            #expect(rows.first?.timestamp.nanoseconds == t(1) / 1_000_000 * 1_000_000)
        }
    }

    @Test(arguments: [
        ("trades,symbol=BTCUSDT price=NaN,qty=1,trade_id=1i,side=\"buy\"", "price"),
        ("trades,symbol=BTCUSDT price=1,qty=-Infinity,trade_id=1i,side=\"buy\"", "qty"),
        ("trades,symbol=BTCUSDT price=1,trade_id=1i,side=\"buy\"", "qty"),
        ("trades,symbol=BTCUSDT price=1,qty=1,trade_id=1i", "side"),
        ("trades,symbol=BTCUSDT price=1,qty=1,trade_id=1i,side=\"up\"", "side"),
        ("trades,symbol=BTCUSDT price=1,qty=1,trade_id=1i,side=\"buy\",venue=\"x\"", "venue"),
        ("trades price=1,qty=1,trade_id=1i,side=\"buy\"", "symbol"),
        ("trades,symbol=BTCUSDT price=1.123456789,qty=1,trade_id=1i,side=\"buy\"", "price"),
        ("trades,symbol=BTCUSDT price=\"1\",qty=1,trade_id=1i,side=\"buy\"", "price"),
        ("trades,symbol=BTCUSDT price=-1,qty=1,trade_id=1i,side=\"buy\"", "price"),
        ("orders,symbol=BTCUSDT price=1", "orders"),
        ("quotes,symbol=BTCUSDT bid_px_0=1", "bid_sz_0"),
        ("quotes,symbol=BTCUSDT bid_px_1=1,bid_sz_1=1", "bid_px_0"),
    ])
    func badValuesAre400NamingTheField(line: String, field: String) async throws {
        try await withServer { client, store, _ in
            let body = "trades,symbol=BTCUSDT price=1,qty=1,trade_id=9i,side=\"buy\" \(t(1))\n\(line) \(t(2))\n"
            let response = try await client.writeILP(body)
            #expect(response.status == .badRequest)
            #expect(response.json["line"] as? Int == 2)
            #expect((response.json["message"] as? String)?.contains(field) == true, "\(response.text)")
            #expect(try await store.trades.latest(symbol: btc, limit: 10).isEmpty)
        }
    }

    @Test(arguments: [
        ("/write", "?precision=s", Int64(1_719_792_001), t(1)),
        ("/write", "?precision=ms", Int64(1_719_792_001_000), t(1)),
        ("/write", "?precision=u", Int64(1_719_792_001_000_000), t(1)),
        ("/write", "?precision=n", t(1), t(1)),
        ("/write", "?precision=m", Int64(28_663_200), t(0)),
        ("/write", "?precision=h", Int64(477_720), t(0)),
        ("/api/v2/write", "?precision=us&org=o&bucket=b", Int64(1_719_792_001_000_000), t(1)),
        ("/api/v2/write", "?precision=ns", t(1), t(1)),
        ("/api/v2/write", "", t(1), t(1)),
    ])
    func precision(path: String, query: String, value: Int64, expected: Int64) async throws {
        try await withServer { client, store, _ in
            let response = try await client.writeILP(
                "trades,symbol=BTCUSDT price=1,qty=1,trade_id=1i,side=\"buy\" \(value)\n", path: path, query: query)
            #expect(response.status == .noContent, "\(response.text)")
            #expect(try await store.trades.lastTimestamp(symbol: btc)?.nanoseconds == expected)
        }
    }

    @Test func badPrecisionIs400() async throws {
        try await withServer { client, _, _ in
            let response = try await client.writeILP("trades,symbol=BTCUSDT price=1 1\n", query: "?precision=fortnight")
            #expect(response.status == .badRequest)
            #expect(response.json["code"] as? String == "invalidPrecision")
        }
    }

    @Test func missingTimestampIsServerTime() async throws {
        try await withServer { client, store, _ in
            let before = WallClock.now().nanoseconds
            let response = try await client.writeILP("trades,symbol=BTCUSDT price=1,qty=1,trade_id=1i,side=\"buy\"\n")
            #expect(response.status == .noContent)
            let stored = try #require(try await store.trades.lastTimestamp(symbol: btc)).nanoseconds
            #expect(stored >= before && stored <= WallClock.now().nanoseconds)
        }
    }

    @Test func gzipBodies() async throws {
        try await withServer { client, store, _ in
            var plain = ByteBuffer(string: "trades,symbol=BTCUSDT price=2.5,qty=1,trade_id=1i,side=\"buy\" \(t(1))\n")
            let compressed = try plain.compress(with: .gzip())
            let response = try await client.writeILP(
                "", headers: [.contentEncoding: "gzip"], body: compressed)
            #expect(response.status == .noContent, "\(response.text)")
            #expect(try await store.trades.latest(symbol: btc, limit: 1).first?.price == (try Price("2.5")))
            let bad = try await client.writeILP("not gzip", headers: [.contentEncoding: "gzip"])
            #expect(bad.status == .badRequest)
            #expect(bad.json["code"] as? String == "invalidGzip")
            let other = try await client.writeILP("x", headers: [.contentEncoding: "br"])
            #expect(other.status == .unsupportedMediaType)
        }
    }

    @Test func tooLargeIs413NamingTheLimit() async throws {
        var configuration = testConfiguration()
        configuration.maxRequestBytes = 100
        try await withServer(configuration) { client, _, _ in
            let body = String(repeating: "trades,symbol=BTCUSDT price=1,qty=1,trade_id=1i,side=\"buy\"\n", count: 5)
            let response = try await client.writeILP(body)
            #expect(response.status == .contentTooLarge)
            #expect((response.json["message"] as? String)?.contains("http.maxRequestBytes") == true)
            var plain = ByteBuffer(string: body)
            let response2 = try await client.writeILP(
                "", headers: [.contentEncoding: "gzip"], body: try plain.compress(with: .gzip()))
            #expect(response2.status == .contentTooLarge)
        }
    }

    @Test func duplicatesAreAcceptedOnce() async throws {
        try await withServer { client, store, _ in
            let line = "trades,symbol=BTCUSDT price=1,qty=1,trade_id=1i,side=\"buy\" \(t(1))\n"
            let first = try await client.writeILP(line)
            #expect(first.status == .noContent)
            #expect(try await client.writeILP(line).status == .noContent)
            #expect(try await store.trades.latest(symbol: btc, limit: 10).count == 1)
        }
    }

    @Test func pingAnswers204WithVersion() async throws {
        try await withServer { client, _, _ in
            let response = try await client.get("/ping", authorization: nil)
            #expect(response.status == .noContent)
            #expect(response.headers[HTTPField.Name("X-Influxdb-Version")!] != nil)
            let settings = try await client.get("/settings", authorization: nil)
            #expect(settings.status == .ok)  // ILP v1-v3 (ILPBinaryValueTests)
        }
    }

    /// A typo'd field is named as unknown, with the required name nearest to it, not reported as
    /// the missing field it was meant to be.
    @Test(arguments: [
        ("trades,symbol=BTCUSDT price=1,qty=1,trade_id=1i,sid=\"buy\"", "sid: unknown field", "did you mean side?"),
        ("trades,symbol=BTCUSDT price=1,qyt=1,trade_id=1i,side=\"buy\"", "qyt: unknown field", "did you mean qty?"),
        (
            "trades,symbol=BTCUSDT price=1,qty=1,tradeid=1i,side=\"buy\"", "tradeid: unknown field",
            "did you mean trade_id?"
        ),
        ("trades,symbol=BTCUSDT price=1,qty=1,trade_id=1i,venue=\"x\"", "venue: unknown field", "side: missing field"),
    ])
    func unknownFieldIsNamedNotReportedAsMissing(line: String, named: String, hint: String) async throws {
        try await withServer { client, store, _ in
            let response = try await client.writeILP(line + " \(t(1))\n")
            #expect(response.status == .badRequest)
            let message = response.json["message"] as? String ?? ""
            #expect(response.json["code"] as? String == "unknownField")
            #expect(message.hasPrefix(named), "\(message)")
            #expect(message.contains(hint), "\(message)")
            #expect(try await store.trades.latest(symbol: btc, limit: 1).isEmpty)
        }
    }
}
