import Foundation
import StrataCore
import Testing

@Suite("Quote")
struct QuoteTests {
    @Test func bestLevelsAreTheFirst() throws {
        let bid0 = DepthLevel(price: try Price("180.01"), size: try Quantity("300"))
        let bid1 = DepthLevel(price: try Price("180"), size: try Quantity("100"))
        let quote = Quote(symbol: "IBM", timestamp: .zero, bids: [bid0, bid1], asks: [])
        #expect(quote.bestBid == bid0)
        #expect(quote.bestBid?.price.description == "180.01")
        #expect(quote.bestAsk == nil)
        #expect(Quote.kind == .quotes)
        #expect(Quote.maximumDepth == 5)
    }

    @Test func codableRoundTrip() throws {
        let quote = Quote(
            symbol: "XBT/USDT", timestamp: Timestamp(nanoseconds: -7),
            bids: [DepthLevel(price: Price(mantissa: .max), size: Quantity(mantissa: 0))],
            asks: [DepthLevel(price: Price(mantissa: 1), size: Quantity(mantissa: .min))])
        let data = try JSONEncoder().encode(quote)
        #expect(try JSONDecoder().decode(Quote.self, from: data) == quote)
        // Decimals travel as strings, never as binary floats.
        #expect(String(decoding: data, as: UTF8.self).contains(#""92233720368.54775807""#))
    }

    @Test func depthLevelIsAValue() throws {
        var level = DepthLevel(price: try Price("1"), size: try Quantity("2"))
        let copy = level
        level.size = Quantity.zero
        #expect(copy.size.description == "2")
        #expect(level != copy)
    }
}
