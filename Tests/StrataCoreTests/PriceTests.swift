import StrataCore
import Testing

@Suite("Price, Quantity, Notional")
struct PriceTests {
    @Test func priceAndQuantityHaveScaleEight() throws {
        #expect(Price.scale == 8 && Quantity.scale == 8 && Notional.scale == 16)
        let price = try Price("64123.45")
        #expect(price.mantissa == 6_412_345_000_000)
        #expect(price.description == "64123.45")
        #expect(try Quantity("0.00100000").mantissa == 100_000)
        #expect(Price(mantissa: 5) == Price(mantissa: 5))
        #expect(Set([Quantity(mantissa: 1), Quantity(mantissa: 1), Quantity(mantissa: 2)]).count == 2)
    }

    @Test func notionalOfTheDocumentationExample() throws {
        let n = Notional(price: try Price("64123.45"), quantity: try Quantity("0.5"))
        #expect(n.description == "32061.725")
        #expect(n.mantissa == 320_617_250_000_000_000_000)
    }

    static let products: [(Int64, Int64, String)] = [
        (0, 0, "0"),
        (100_000_000, 100_000_000, "1"),
        (1, 1, "0.0000000000000001"),
        (-1, 1, "-0.0000000000000001"),
        (-100_000_000, 150_000_000, "-1.5"),
        (-100_000_000, -150_000_000, "1.5"),
        (.max, .max, "8507059173023461584739.6907784232501249"),  // (2^63-1)^2 / 10^16
        (.min, .min, "8507059173023461586584.3651857942052864"),  // 2^126 / 10^16
        (.min, .max, "-8507059173023461585662.0279821087277056"),
        (12_345_678_901, 98_765_432_109, "121932.6311336229232209"),  // 123.45678901 × 987.65432109
    ]

    @Test(arguments: products)
    func notionalIsExact(price: Int64, quantity: Int64, text: String) {
        let n = Notional(price: Price(mantissa: price), quantity: Quantity(mantissa: quantity))
        #expect(n.mantissa == Int128(price) * Int128(quantity))
        #expect(n.description == text)
    }

    /// Reference formatting of an Int128 at scale 16, by string padding.
    static func referenceText(_ mantissa: Int128) -> String {
        let magnitude = mantissa.magnitude
        let unit: UInt128 = 10_000_000_000_000_000
        var fraction = String(magnitude % unit)
        fraction = String(repeating: "0", count: 16 - fraction.count) + fraction
        while fraction.hasSuffix("0") { fraction.removeLast() }
        return (mantissa < 0 ? "-" : "") + String(magnitude / unit) + (fraction.isEmpty ? "" : "." + fraction)
    }

    @Test func randomNotionalsMatchInt128() {
        var random = SplitMix64(seed: 0x0710)
        for _ in 0..<3_000 {
            let p = Int64.random(in: .min ... .max, using: &random) >> Int64.random(in: 0...62, using: &random)
            let q = Int64.random(in: .min ... .max, using: &random) >> Int64.random(in: 0...62, using: &random)
            let n = Notional(price: Price(mantissa: p), quantity: Quantity(mantissa: q))
            #expect(n.mantissa == Int128(p) * Int128(q))
            #expect(n.description == Self.referenceText(n.mantissa), "\(p) × \(q)")
        }
        #expect(Notional(mantissa: .min).description == Self.referenceText(.min))
        #expect(Notional(mantissa: .max).description == Self.referenceText(.max))
    }

    @Test func notionalSums() throws {
        let a = Notional(price: Price(mantissa: .max), quantity: Quantity(mantissa: .max))
        var total = Notional.zero
        // Int64.max² is just under 2^126, so two maximal products still fit in Int128.
        for _ in 0..<2 { total = try total.adding(a) }
        #expect(total.mantissa == 2 * Int128(Int64.max) * Int128(Int64.max))
        let error = #expect(throws: StrataError.self) { try Notional(mantissa: .max).adding(Notional(mantissa: 1)) }
        #expect(error?.code == .overflow)
        #expect(
            (#expect(throws: StrataError.self) { try Notional(mantissa: .min).adding(Notional(mantissa: -1)) })?.code
                == .overflow)
        #expect(try Notional(mantissa: .max).adding(Notional(mantissa: .min)).mantissa == -1)
        #expect(try Notional(mantissa: 5).adding(Notional(mantissa: -7)).mantissa == -2)
        #expect(Notional(mantissa: -1) < Notional.zero)
        #expect(Notional.zero.description == "0")
    }

    @Test func notionalAddingMatchesInt128() {
        var random = SplitMix64(seed: 0xADD)
        for _ in 0..<2_000 {
            let a = Int128(Int64.random(in: .min ... .max, using: &random)) << Int.random(in: 0...64, using: &random)
            let b = Int128(Int64.random(in: .min ... .max, using: &random)) << Int.random(in: 0...64, using: &random)
            let (sum, overflow) = a.addingReportingOverflow(b)
            let result = Result { try Notional(mantissa: a).adding(Notional(mantissa: b)) }
            if overflow {
                #expect((try? result.get()) == nil)
            } else {
                #expect((try? result.get())?.mantissa == sum)
            }
        }
    }

    @Test func tradeNotional() throws {
        let trade = Trade(
            symbol: "BTCUSDT", timestamp: .zero, tradeID: 1, price: try Price("64123.45"),
            quantity: try Quantity("0.012"),
            isBuyerMaker: false)
        #expect(trade.notional.description == "769.4814")
    }
}
