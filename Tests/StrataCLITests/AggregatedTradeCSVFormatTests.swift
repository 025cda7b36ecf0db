import Strata
import StrataCore
import StrataImport
import Testing

@Suite("AggregatedTradeCSVFormat")
struct AggregatedTradeCSVFormatTests {
    static let header =
        "agg_trade_id,price,quantity,first_trade_id,last_trade_id,transact_time,is_buyer_maker,is_best_match"

    @Test func readsBinanceSpotRowsInMilliseconds() throws {
        let text =
            Self.header + "\n"
            + "3380935,42289.98000000,0.00237000,4451539,4451539,1704067200032,False,True\n"
            + "3380936,42289.99000000,0.01000000,4451540,4451541,1704067200100,True,True\n"
        let (batch, reader) = try readAll(text, AggregatedTradeCSVFormat(symbol: "BTCUSDT"))
        #expect(reader.headerLine == 1)
        #expect(batch.rejections.isEmpty)
        let first = try #require(batch.records.first)
        #expect(first.symbol == "BTCUSDT")
        #expect(first.aggregateID == 3_380_935)
        #expect(first.price.description == "42289.98")
        #expect(first.quantity.description == "0.00237")
        #expect(first.firstTradeID == 4_451_539 && first.lastTradeID == 4_451_539)
        #expect(first.timestamp == Timestamp(epoch: 1_704_067_200_032, unit: .milliseconds))
        #expect(first.isBuyerMaker == false && first.isBestMatch)
        #expect(batch.records[1].isBuyerMaker)
    }

    @Test func detectsMicrosecondsByMagnitude() throws {
        // Binance spot files since 2025 count transact_time in microseconds.
        let text = "1,100.5,2,10,12,1735689600123456,true,true\n2,100.5,2,13,13,1735689600123,false,true\n"
        let (batch, _) = try readAll(text, AggregatedTradeCSVFormat(symbol: "BTCUSDT"))
        #expect(batch.records.map(\.timestamp.nanoseconds) == [1_735_689_600_123_456_000, 1_735_689_600_123_000_000])
        #expect(AggregatedTradeCSVFormat.transactTimeUnit(of: 999_999_999_999_999) == .milliseconds)
        #expect(AggregatedTradeCSVFormat.transactTimeUnit(of: 1_000_000_000_000_000) == .microseconds)
        #expect(AggregatedTradeCSVFormat.transactTimeUnit(of: 1_735_689_600_123_456_789) == .nanoseconds)
    }

    @Test func futuresRowsWithoutBestMatchDefaultToTrue() throws {
        let (batch, _) = try readAll("5,100,1,7,8,1704067200032,true\n", AggregatedTradeCSVFormat(symbol: "ETHUSDT"))
        let trade = try #require(batch.records.first)
        #expect(trade.isBestMatch)
        #expect(trade.symbol == "ETHUSDT")
    }

    @Test func symbolFromFileName() {
        #expect(AggregatedTradeCSVFormat.symbol(fromFileName: "/d/BTCUSDT-aggTrades-2024-01-01.csv") == "BTCUSDT")
        #expect(AggregatedTradeCSVFormat.symbol(fromFileName: "ETHUSDT-aggTrades-2024-01.csv") == "ETHUSDT")
        #expect(AggregatedTradeCSVFormat.symbol(fromFileName: "trades.csv") == nil)
        #expect(AggregatedTradeCSVFormat.symbol(fromFileName: "BTC USDT-aggTrades-2024-01.csv") == nil)
    }

    @Test func withoutASymbolBinanceRowsAreRejectedButStrataRowsRead() throws {
        let text = "1,100,1,7,8,1704067200032,true,true\n2,ETHUSDT,100,1,7,8,1704067200032,true,false\n"
        let (batch, _) = try readAll(text, AggregatedTradeCSVFormat(symbol: nil))
        #expect(batch.rejections.map(\.line) == [1])
        #expect(batch.rejections.first?.error.field == "symbol")
        #expect(batch.records.first?.symbol == "ETHUSDT")
        #expect(batch.records.first?.isBestMatch == false)
    }

    @Test(arguments: [
        ("1,100,1,7,8,1704067200032", "columns", ValidationError.Rule.malformed),
        ("1,100,1,9,8,1704067200032,true,true", "first_trade_id", .inconsistent),
        ("1,0,1,7,8,1704067200032,true,true", "price", .nonPositive),
        ("1,100,-1,7,8,1704067200032,true,true", "quantity", .negative),
        ("1,100,1,7,8,17040672000x,true,true", "transact_time", .notANumber),
        ("1,100,1,7,8,1704067200032,maybe,true", "is_buyer_maker", .badBoolean),
        ("1,100,1,7,8,1704067200032,true,2", "is_best_match", .badBoolean),
        ("a1,100,1,7,8,1704067200032,true,true", "agg_trade_id", .notANumber),
    ])
    func rejectsBadRows(line: String, field: String, rule: ValidationError.Rule) throws {
        let good = "9,100,1,7,8,1704067200032,true,true"
        let (batch, _) = try readAll("\(good)\n\(good)\n\(line)\n", AggregatedTradeCSVFormat(symbol: "BTCUSDT"))
        #expect(batch.records.count == 2)
        let rejection = try #require(batch.rejections.first)
        #expect(rejection.line == 3)
        #expect(rejection.error.field == field)
        #expect(rejection.error.rule == rule)
    }

    @Test func exportLineReadsBackExactly() throws {
        let lines = [
            "3380935,BTCUSDT,42289.98,0.00237,4451539,4451539,1704067200032,false,true",
            "3380936,BTCUSDT,42289.98,0.00237,4451540,4451540,1735689600123456,true,false",
        ]
        let (batch, _) = try readAll(lines.joined(separator: "\n"), AggregatedTradeCSVFormat(symbol: nil))
        #expect(batch.records.map { AggregatedTradeCSVFormat(symbol: nil).line(for: $0) } == lines)
    }
}
