import Strata
import StrataCore
import StrataImport
import Testing

@Suite("TradeCSVFormat")
struct TradeCSVFormatTests {
    @Test func readsRowsWithAndWithoutHeader() throws {
        let body = """
            1719878281500000000,BTCUSDT,3452114,64123.45,0.012,true
            1719878281600000000,ETHUSDT,17,3400.10000000,1.5,0
            """
        for text in [body, "ts_ns,symbol,trade_id,price,qty,is_buyer_maker\n" + body] {
            let (batch, reader) = try readAll(text, TradeCSVFormat())
            #expect(batch.rejections.isEmpty)
            #expect(batch.records.count == 2)
            #expect(reader.headerLine == (text.hasPrefix("ts_ns") ? 1 : nil))
            let first = try #require(batch.records.first)
            #expect(first.symbol == "BTCUSDT")
            #expect(first.timestamp.nanoseconds == 1_719_878_281_500_000_000)
            #expect(first.tradeID == 3_452_114)
            #expect(first.price == (try Price("64123.45")))
            #expect(first.quantity.mantissa == 1_200_000)
            #expect(first.isBuyerMaker)
            #expect(batch.records[1].isBuyerMaker == false)
            #expect(batch.records[1].price.description == "3400.1")
            #expect(batch.lineNumbers == (reader.headerLine == nil ? [1, 2] : [2, 3]))
        }
    }

    @Test(arguments: [
        ("true", true), ("false", false), ("1", true), ("0", false), ("t", true), ("f", false),
        ("True", true), ("False", false), ("TRUE", true), ("F", false),
    ])
    func booleanSpellings(text: String, value: Bool) throws {
        let (batch, _) = try readAll("1719878281500000000,BTCUSDT,1,1,1,\(text)", TradeCSVFormat())
        #expect(try #require(batch.records.first).isBuyerMaker == value)
    }

    @Test(arguments: [
        // (line, field, rule)
        ("1719878281500000000,BTCUSDT,1,64000,1", "columns", ValidationError.Rule.malformed),
        ("1719878281500000000,BTCUSDT,1,64000,1,true,extra", "columns", .malformed),
        ("1719878281500000000,BTC USDT,1,64000,1,true", "symbol", .malformedSymbol),
        ("1719878281500000000,,1,64000,1,true", "symbol", .malformedSymbol),
        ("1719878281500000000,BTCUSDT,x1,64000,1,true", "trade_id", .notANumber),
        ("1719878281500000000,BTCUSDT,99999999999999999999,64000,1,true", "trade_id", .overflow),
        ("1719878281500000000,BTCUSDT,1,64k,1,true", "price", .notANumber),
        ("1719878281500000000,BTCUSDT,1,NaN,1,true", "price", .notFinite),
        ("1719878281500000000,BTCUSDT,1,1.000000001,1,true", "price", .tooPrecise),
        ("1719878281500000000,BTCUSDT,1,-5,1,true", "price", .nonPositive),
        ("1719878281500000000,BTCUSDT,1,0,1,true", "price", .nonPositive),
        ("1719878281500000000,BTCUSDT,1,64000,-1,true", "qty", .negative),
        ("1719878281500000000,BTCUSDT,1,64000,,true", "qty", .notANumber),
        ("1719878281500000000,BTCUSDT,1,64000,1,yes", "is_buyer_maker", .badBoolean),
        ("yesterday,BTCUSDT,1,64000,1,true", "ts_ns", .badTimestamp),
        ("1719878281500,BTCUSDT,1,64000,1,true", "ts_ns", .outsideWindow),  // milliseconds, not ns: 1970
        ("9219878281500000000,BTCUSDT,1,64000,1,true", "ts_ns", .outsideWindow),  // year 2262
    ])
    func rejectsBadRows(line: String, field: String, rule: ValidationError.Rule) throws {
        let good = "1719878281500000000,BTCUSDT,7,64000,1,true"
        let (batch, _) = try readAll([good, line, good].joined(separator: "\n") + "\n", TradeCSVFormat())
        #expect(batch.records.count == 2, "a rejection never stops the reader")
        let rejection = try #require(batch.rejections.first)
        #expect(batch.rejections.count == 1)
        #expect(rejection.line == 2)
        #expect(rejection.raw == line)
        #expect(rejection.error.field == field)
        #expect(rejection.error.rule == rule)
        #expect(rejection.reason.hasPrefix("\(field): "))
    }

    @Test func lineNumbersCountHeaderBlankAndCRLFLines() throws {
        let text =
            "\u{FEFF}ts_ns,symbol,trade_id,price,qty,is_buyer_maker\r\n"
            + "1719878281500000000,A,1,1,1,t\r\n"
            + "\r\n"
            + "   \n"
            + "1719878281500000000,A,2,-1,1,t\r\n"
            + "1719878281500000000, \"B\" ,3,2.5,1,f"  // no final newline; quoted and padded field
        let (batch, reader) = try readAll(text, TradeCSVFormat())
        #expect(reader.headerLine == 1)
        #expect(reader.rowsRead == 3)
        #expect(batch.lineNumbers == [2, 6])
        #expect(batch.records.map(\.symbol) == ["A", "B"])
        #expect(batch.rejections.map(\.line) == [5])
        #expect(batch.rejections.first?.raw == "1719878281500000000,A,2,-1,1,t")
    }

    @Test func headerIsOnlyLookedForOnTheFirstLine() throws {
        let text = "1719878281500000000,A,1,1,1,t\nts_ns,symbol,trade_id,price,qty,is_buyer_maker\n"
        let (batch, reader) = try readAll(text, TradeCSVFormat())
        #expect(reader.headerLine == nil)
        #expect(batch.records.count == 1)
        #expect(batch.rejections.first?.error.field == "ts_ns")
    }

    @Test func acceptsISOTimestampsAndExponents() throws {
        let (batch, _) = try readAll("2024-07-01T23:58:01.5Z,ESU4,1,5535.25,1e1,f\n", TradeCSVFormat())
        let trade = try #require(batch.records.first)
        #expect(trade.timestamp.nanoseconds == 1_719_878_281_500_000_000)
        #expect(trade.quantity == Quantity(integer: 10))
    }

    @Test func encodesLinesItCanReadBack() throws {
        let line = "1719878281500000000,BTCUSDT,3452114,64123.45,0.012,true"
        let (batch, _) = try readAll(line, TradeCSVFormat())
        #expect(TradeCSVFormat().line(for: try #require(batch.records.first)) == line)
    }
}
