import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Strata
import StrataServer
import Testing

/// `GET /api/v1/asof` in process: JSON pages with cursors, CSV and Arrow streamed, the tolerance
/// as duration text, and each bad parameter a 400 naming it.
@Suite struct AsofRouteTests {
    static let body = """
        trades,symbol=BTCUSDT price=100.5,qty=1,trade_id=1i,side="buy" \(t(0))
        trades,symbol=BTCUSDT price=101,qty=2,trade_id=2i,side="sell" \(t(10))
        trades,symbol=BTCUSDT price=99.25,qty=0.5,trade_id=3i,side="buy" \(t(10))
        trades,symbol=BTCUSDT price=99.5,qty=0.5,trade_id=4i,side="buy" \(t(31))
        quotes,symbol=BTCUSDT bid_px_0=100.1,bid_sz_0=1,ask_px_0=100.2,ask_sz_0=2 \(t(5))
        quotes,symbol=BTCUSDT bid_px_0=100.3,bid_sz_0=1 \(t(10))
        quotes,symbol=BTCUSDT bid_px_0=100.4,bid_sz_0=1.5,ask_px_0=100.6,ask_sz_0=3 \(t(10))
        quotes,symbol=BTCUSDT bid_px_0=100.7,bid_sz_0=1,ask_px_0=100.8,ask_sz_0=2 \(t(20))
        quotes,symbol=ETHUSDT bid_px_0=3000,bid_sz_0=1,ask_px_0=3001,ask_sz_0=2 \(t(1))

        """

    static let path = "/api/v1/asof?left=trades&right=quotes&symbol=BTCUSDT&from=\(t(0))&to=\(t(60))"

    func rows(_ response: TestResponse) -> [[String: Any]] { response.json["rows"] as? [[String: Any]] ?? [] }

    @Test func joinAnswersJSONPagesCSVAndArrow() async throws {
        try await withServer { client, _, _ in
            try Task.checkCancellation()
            #expect(try await client.writeILP(Self.body).status == .noContent)
            let whole = try await client.get(Self.path)
            #expect(whole.status == .ok, "\(whole.text)")
            #expect(whole.json["count"] as? Int == 4 && whole.json["truncated"] as? Bool == false)
            #expect(whole.json["next_cursor"] is NSNull && whole.json["tolerance_ns"] is NSNull)
            let joined = rows(whole)
            // Trade 1 at 0 s: no quote yet. Trades 2 and 3 at 10 s: the last of the two quotes at 10 s.
            // Trade 4 at 31 s: the quote at 20 s. Never ETHUSDT's.
            #expect(joined.map { $0["trade_id"] as? Int } == [1, 2, 3, 4])
            #expect(joined.map { $0["quotes_ts"] as? String } == [nil, String(t(10)), String(t(10)), String(t(20))])
            #expect(joined[0]["quotes_bids"] is NSNull && joined[0]["quotes_ts"] is NSNull)
            let bids = joined.map { (($0["quotes_bids"] as? [[String: Any]])?.first?["price"] as? String) }
            #expect(bids == [nil, "100.4", "100.4", "100.7"])
            #expect(joined[1]["price"] as? String == "101" && joined[1]["time"] as? String != nil)
            // Within 10 s: trade 4's quote is 11 s old.
            let near = try await client.get(Self.path + "&tolerance=10s")
            #expect(near.json["tolerance_ns"] as? String == "10000000000")
            #expect(rows(near).map { $0["quotes_ts"] as? String } == [nil, String(t(10)), String(t(10)), nil])
            let edge = try await client.get(Self.path + "&tolerance=11000ms")
            #expect(rows(edge).last?["quotes_ts"] as? String == String(t(20)))
            // JSON a row at a time, by cursor: every row once.
            var paged: [Int] = []
            var cursor: String? = ""
            while let next = cursor, paged.count < 10 {
                let page = try await client.get(Self.path + "&limit=1" + (next.isEmpty ? "" : "&cursor=\(next)"))
                #expect(page.status == .ok)
                paged += rows(page).compactMap { $0["trade_id"] as? Int }
                cursor = page.json["next_cursor"] as? String
            }
            #expect(paged == [1, 2, 3, 4])
            // CSV: the left columns, then the right ones prefixed, the book flattened.
            let csv = try await client.get(Self.path + "&format=csv")
            #expect(csv.headers[.contentType] == "text/csv; charset=utf-8")
            let lines = csv.text.split(separator: "\n").map(String.init)
            #expect(lines.count == 5)
            #expect(
                lines.first?.hasPrefix(
                    "ts_ns,symbol,trade_id,price,qty,is_buyer_maker,quotes_ts,quotes_bid_px_0,quotes_bid_sz_0,quotes_ask_px_0,quotes_ask_sz_0"
                ) == true)
            #expect(lines[1].hasPrefix("\(t(0)),BTCUSDT,1,100.5,1,false,,,,,"))
            #expect(lines[2].hasPrefix("\(t(10)),BTCUSDT,2,101,2,true,\(t(10)),100.4,1.5,100.6,3,"))
            // Arrow: a whole stream (schema … end-of-stream marker), asked by Accept.
            let arrow = try await client.execute(
                uri: Self.path, method: .get,
                headers: [.authorization: "Bearer \(Tokens.read)", .accept: "application/vnd.apache.arrow.stream"])
            #expect(arrow.headers[.contentType] == "application/vnd.apache.arrow.stream")
            let bytes = Array(arrow.body.readableBytesView)
            #expect(
                bytes.prefix(4) == [0xFF, 0xFF, 0xFF, 0xFF] && bytes.suffix(8) == [0xFF, 0xFF, 0xFF, 0xFF, 0, 0, 0, 0])
            #expect(String(decoding: bytes, as: UTF8.self).contains("quotes_bids"))
            // A window without trades: the columns still.
            let empty = try await client.get(
                "/api/v1/asof?left=trades&right=quotes&symbol=BTCUSDT&from=\(t(100))&to=\(t(200))&format=csv")
            #expect(empty.text.hasPrefix("ts_ns,symbol,trade_id") && empty.text.split(separator: "\n").count == 1)
        }
    }

    @Test func badParametersAreNamed() async throws {
        try await withServer { client, _, _ in
            try Task.checkCancellation()
            func refusal(_ query: String) async throws -> (parameter: String?, message: String?) {
                let response = try await client.get("/api/v1/asof?" + query)
                #expect(response.status == .badRequest, "\(query): \(response.status)")
                return (response.json["parameter"] as? String, response.json["message"] as? String)
            }
            let window = "symbol=BTCUSDT&from=\(t(0))&to=\(t(60))"
            #expect(try await refusal("right=quotes&" + window).parameter == "left")
            let unknown = try await refusal("left=trades&right=quote&" + window)
            #expect(unknown.parameter == "right" && unknown.message?.hasPrefix("right: no table 'quote'") == true)
            let tolerance = try await refusal("left=trades&right=quotes&tolerance=-1s&" + window)
            #expect(tolerance.parameter == "tolerance" && tolerance.message?.contains("'-1s'") == true)
            #expect(try await refusal("left=trades&right=quotes&tolerance=soon&" + window).parameter == "tolerance")
            let backwards = "left=trades&right=quotes&symbol=BTCUSDT&from=\(t(60))&to=\(t(60))"
            #expect(try await refusal(backwards).parameter == "to")
            #expect(try await refusal("left=trades&right=quotes&symbol=BTCUSDT&to=\(t(60))").parameter == "from")
            #expect(try await refusal("left=trades&right=quotes&limit=0&" + window).parameter == "limit")
            #expect(try await refusal("left=trades&right=quotes&format=xml&" + window).parameter == "format")
            let unauthorized = try await client.get(
                "/api/v1/asof?left=trades&right=quotes&" + window, authorization: nil)
            #expect(unauthorized.status == .unauthorized)
            let document = try await client.get("/openapi.json")
            #expect(document.text.contains("\"/api/v1/asof\""))
        }
    }
}
