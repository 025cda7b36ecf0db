import Foundation
import StrataCore
import Testing

@Suite("Trade and AggregatedTrade")
struct TradeTests {
    @Test func tradeFields() throws {
        let trade = Trade(
            symbol: "BTCUSDT", timestamp: try Timestamp(iso8601: "2024-07-01T00:00:00Z"), tradeID: 3_452_114,
            price: try Price("64123.45"), quantity: try Quantity("0.012"), isBuyerMaker: true)
        #expect(trade.symbol.name == "BTCUSDT")
        #expect(trade.timestamp.nanoseconds == 1_719_792_000_000_000_000)
        #expect(trade.tradeID == 3_452_114)
        #expect(trade.isBuyerMaker)
        #expect(Trade.kind == .trades)
        #expect(trade.notional == Notional(price: trade.price, quantity: trade.quantity))
        #expect(trade.notional.description == "769.4814")
    }

    @Test func aggregatedTradeFields() throws {
        let trade = AggregatedTrade(
            symbol: "BTCUSDT", aggregateID: 26_129, price: try Price("0.01633102"),
            quantity: try Quantity("4.70443515"),
            firstTradeID: 27_781, lastTradeID: 27_781, timestamp: Timestamp(nanoseconds: 1_498_793_709_153_000_000),
            isBuyerMaker: true, isBestMatch: true)
        #expect(AggregatedTrade.kind == .aggtrades)
        #expect(trade.aggregateID == 26_129 && trade.firstTradeID == 27_781 && trade.lastTradeID == 27_781)
        #expect(trade.isBestMatch && trade.isBuyerMaker)
        #expect(trade.price.mantissa == 1_633_102)
    }

    @Test func codableRoundTrips() throws {
        var random = SplitMix64(seed: 0x7EAD)
        for _ in 0..<200 {
            let trade = Trade(
                symbol: "ETH-PERP", timestamp: Timestamp(nanoseconds: Int64.random(in: .min ... .max, using: &random)),
                tradeID: Int64.random(in: .min ... .max, using: &random),
                price: Price(mantissa: Int64.random(in: .min ... .max, using: &random)),
                quantity: Quantity(mantissa: Int64.random(in: .min ... .max, using: &random)),
                isBuyerMaker: Bool.random(using: &random))
            #expect(try JSONDecoder().decode(Trade.self, from: try JSONEncoder().encode(trade)) == trade)
            let agg = AggregatedTrade(
                symbol: "ETH-PERP", aggregateID: trade.tradeID, price: trade.price, quantity: trade.quantity,
                firstTradeID: trade.tradeID, lastTradeID: .max, timestamp: trade.timestamp, isBuyerMaker: false,
                isBestMatch: Bool.random(using: &random))
            #expect(try JSONDecoder().decode(AggregatedTrade.self, from: try JSONEncoder().encode(agg)) == agg)
        }
    }

    @Test func equalityAndHashingUseEveryField() {
        let a = Trade(
            symbol: "A", timestamp: .zero, tradeID: 1, price: Price(mantissa: 1), quantity: Quantity(mantissa: 1),
            isBuyerMaker: false)
        var b = a
        #expect(a == b && a.hashValue == b.hashValue)
        b.isBuyerMaker = true
        #expect(a != b)
        b = a
        b.tradeID = 2
        #expect(a != b)
        b = a
        b.symbol = "B"
        #expect(a != b)
    }
}
