import Foundation
import Strata
import Testing

@testable import StrataServer

/// The JSON every answer and live message prints for each table's rows (`RowJSON`, from the
/// schema) and for bars, written byte by byte through `JSONWriter`'s cursor: exact texts for each
/// shape, and random records read back by a real JSON parser.
@Suite struct RecordJSONTests {
    static let time = Timestamp(nanoseconds: 1_719_878_281_500_000_000)  // 2024-07-01T23:58:01.500Z

    static func text(_ write: (inout JSONWriter) -> Void) -> String {
        var writer = JSONWriter(capacity: 8)  // small: the writer must grow the buffer itself
        write(&writer)
        return String(decoding: writer.bytes, as: UTF8.self)
    }

    /// Records as their table's rows, written from the lanes they encode to (as the routes and
    /// the live feed write what they read).
    static func rows<R: ColumnarRecord>(_ records: [R]) -> JSON {
        let batch = R.encode(records)
        let json = RowJSON(schema: R.schema)
        var writer = JSONWriter(capacity: 8)
        writer.beginArray()
        for row in 0..<batch.count {
            json.write(
                lanes: batch.columns, texts: batch.texts, row: row,
                symbol: batch.symbols[Int(batch.symbolIndex[row])], to: &writer)
        }
        writer.endArray()
        return .raw(writer.buffer)
    }

    static func object<R: ColumnarRecord>(_ record: R) -> String {
        String(rows([record]).serialized().dropFirst().dropLast())
    }

    @Test func tradeAggTradeQuoteAndBarPrintExactly() throws {
        let trade = Trade(
            symbol: "BTCUSDT", timestamp: Self.time, tradeID: 42, price: try Price("64123.45"),
            quantity: try Quantity("0.00000001"), isBuyerMaker: true)
        #expect(
            Self.object(trade)
                == #"{"ts_ns":"1719878281500000000","time":"2024-07-01T23:58:01.500Z","symbol":"BTCUSDT","trade_id":42,"price":"64123.45","qty":"0.00000001","is_buyer_maker":true}"#
        )
        let aggregated = AggregatedTrade(
            symbol: "ETH-USD", aggregateID: -7, price: try Price("-0.5"), quantity: try Quantity("3"), firstTradeID: 10,
            lastTradeID: 12, timestamp: Timestamp(nanoseconds: -1), isBuyerMaker: false, isBestMatch: true)
        #expect(
            Self.object(aggregated)
                == #"{"ts_ns":"-1","time":"1969-12-31T23:59:59.999999999Z","symbol":"ETH-USD","agg_trade_id":-7,"price":"-0.5","qty":"3","first_trade_id":10,"last_trade_id":12,"is_buyer_maker":false,"is_best_match":true}"#
        )
        let quote = Quote(
            symbol: "X", timestamp: Timestamp(nanoseconds: 0),
            bids: [
                DepthLevel(price: try Price("100.1"), size: try Quantity("2")),
                DepthLevel(price: try Price("100"), size: try Quantity("0.5")),
            ], asks: [])
        #expect(
            Self.object(quote)
                == #"{"ts_ns":"0","time":"1970-01-01T00:00:00Z","symbol":"X","bids":[{"price":"100.1","size":"2"},{"price":"100","size":"0.5"}],"asks":[]}"#
        )
        let bar = Bar(
            symbol: "BTCUSDT", timeframe: try Timeframe("5m"), start: Self.time, open: try Price("1"),
            high: try Price("2.5"), low: try Price("0.25"), close: try Price("2"), volume: Volume(try Quantity("4")),
            notional: Notional(mantissa: 65_000_000_000_000_000), tradeCount: 3)
        #expect(
            Self.text { bar.writeJSON(to: &$0) }
                == #"{"ts_ns":"1719878281500000000","time":"2024-07-01T23:58:01.500Z","open":"1","high":"2.5","low":"0.25","close":"2","volume":"4","notional":"6.5","vwap":"1.625","trades":3}"#
        )
        let empty = Bar(
            symbol: "BTCUSDT", timeframe: try Timeframe("1m"), start: Self.time, open: try Price("1"),
            high: try Price("1"), low: try Price("1"), close: try Price("1"), volume: Volume(mantissa: 0),
            notional: Notional(mantissa: 0), tradeCount: 0)
        #expect(
            Self.text { empty.writeJSON(to: &$0, identified: true) }
                == #"{"symbol":"BTCUSDT","timeframe":"1m","ts_ns":"1719878281500000000","time":"2024-07-01T23:58:01.500Z","open":"1","high":"1","low":"1","close":"1","volume":"0","notional":"0","vwap":null,"trades":0}"#
        )
    }

    @Test func rowsAndDocumentsSeparateTheirMembers() {
        let rows = [1, 2, 3].map {
            Trade(
                symbol: "S", timestamp: Timestamp(nanoseconds: Int64($0)), tradeID: Int64($0),
                price: Price(mantissa: Int64($0)), quantity: Quantity(mantissa: 1), isBuyerMaker: false)
        }
        let document = JSON.object([
            ("count", .int(3)), ("empty", Self.rows([Trade]())), ("rows", Self.rows(rows)),
            ("after", .string("a\"b\\c\n\u{1}")),
            ("nested", .array([.null, .bool(true), .object([])])),
        ])
        let parsed = try? JSONSerialization.jsonObject(with: Data(document.bytes())) as? [String: Any]
        #expect(parsed?["count"] as? Int == 3)
        #expect((parsed?["empty"] as? [Any])?.isEmpty == true)
        #expect((parsed?["rows"] as? [[String: Any]])?.map { $0["trade_id"] as? Int } == [1, 2, 3])
        #expect(parsed?["after"] as? String == "a\"b\\c\n\u{1}")
        #expect(document.serialized().hasSuffix(#""after":"a\"b\\c\n\u0001","nested":[null,true,{}]}"#))
    }

    /// Random trades, including extreme timestamps, ids and decimals, read back by Foundation's
    /// parser: every field equals the record's own text forms.
    @Test func randomTradesParseBackExactly() throws {
        var random = SplitMix64(seed: 0x15_0A)
        var trades: [Trade] = []
        for index in 0..<2_000 {
            let edge = index % 10 == 0
            trades.append(
                Trade(
                    symbol: Symbol(unchecked: "SYM\(index % 7)"),
                    timestamp: Timestamp(
                        nanoseconds: edge
                            ? (index % 20 == 0 ? .max : .min) : Int64.random(in: .min ... .max, using: &random)),
                    tradeID: edge ? .min : Int64.random(in: .min ... .max, using: &random),
                    price: Price(
                        mantissa: edge ? .max : Int64.random(in: .min ... .max, using: &random) >> (index % 40)),
                    quantity: Quantity(
                        mantissa: edge ? .min : Int64.random(in: 0 ... .max, using: &random) >> (index % 50)),
                    isBuyerMaker: index % 3 == 0))
        }
        let text = Self.rows(trades).bytes()
        let parsed = try #require(try JSONSerialization.jsonObject(with: Data(text)) as? [[String: Any]])
        #expect(parsed.count == trades.count)
        for (row, trade) in zip(parsed, trades) {
            #expect(row["ts_ns"] as? String == String(trade.timestamp.nanoseconds))
            #expect(row["time"] as? String == trade.timestamp.iso8601)
            #expect(row["symbol"] as? String == trade.symbol.name)
            #expect((row["trade_id"] as? NSNumber)?.int64Value == trade.tradeID)
            #expect(row["price"] as? String == trade.price.description)
            #expect(row["qty"] as? String == trade.quantity.description)
            #expect(row["is_buyer_maker"] as? Bool == trade.isBuyerMaker)
            #expect(try Price(row["price"] as? String ?? "") == trade.price)
            #expect(try Timestamp(iso8601: row["time"] as? String ?? "") == trade.timestamp)
        }
    }

    /// A declared table's row: its own timestamp name (and no ISO `time` when a column is called
    /// so), text escaped, float64 as its shortest text, absent optional values as null, a
    /// declared book side as a list cut at its count.
    @Test func declaredTableRowsFollowTheirSchema() throws {
        let optional = ColumnRules(required: false)
        let schema = try RecordSchema(
            name: "depth",
            columns: [
                SchemaColumn("time", .timestamp), SchemaColumn("symbol", .symbol), SchemaColumn("id", .int64),
                SchemaColumn("headline", .text, rules: ColumnRules(required: false)),
                SchemaColumn("score", .float64, rules: ColumnRules(required: false)),
                SchemaColumn("levels", .int8), SchemaColumn("px_0", .decimal(scale: 2), rules: optional),
                SchemaColumn("sz_0", .decimal(scale: 4), rules: optional),
                SchemaColumn("px_1", .decimal(scale: 2), rules: optional),
                SchemaColumn("sz_1", .decimal(scale: 4), rules: optional), SchemaColumn("live", .bool),
            ],
            timestamp: "time",
            bookSides: [BookSide("book", count: "levels", prices: ["px_0", "px_1"], sizes: ["sz_0", "sz_1"])])
        var batch = ColumnBatch(symbols: ["A"], symbolIndex: [0, 0], columns: [])
        let headline = batch.texts.append("say \"hi\"\n")
        let absentFloat = ColumnKind.float64.absentLane
        batch.columns = [
            [5, 6], [1, 2], [headline, -1], [Int64(bitPattern: 0.25.bitPattern), absentFloat], [1, 0],
            [12_345, 0], [15_000, 0], [12_300, 0], [1, 0], [1, 0],
        ]
        let json = RowJSON(schema: schema)
        let text = Self.text { writer in
            for row in 0..<2 {
                json.write(lanes: batch.columns, texts: batch.texts, row: row, symbol: "A", to: &writer)
            }
        }
        #expect(
            text
                == #"{"time":"5","symbol":"A","id":1,"headline":"say \"hi\"\n","score":"0.25","book":[{"price":"123.45","size":"1.5"}],"live":true},{"time":"6","symbol":"A","id":2,"headline":null,"score":null,"book":[],"live":false}"#
        )
    }
}
