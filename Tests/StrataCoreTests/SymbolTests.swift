import Foundation
import StrataCore
import Testing

@Suite("Symbol")
struct SymbolTests {
    static let valid = [
        "BTCUSDT", "ESU4", "XBT/USDT", "6EH4.XCME", "BTC-PERP", "a", "0", "IBM", "eth_usdt", "BTC:USDT", "AAPL@XNAS",
        "ES#1", String(repeating: "A", count: 64), "._-/:@#",
    ]

    @Test(arguments: valid)
    func acceptsValidSymbols(name: String) throws {
        #expect(Symbol.isValid(name))
        let symbol = try Symbol(name)
        #expect(symbol.name == name)
        #expect(symbol.description == name)
    }

    static let invalid = [
        "", " ", "BTC USDT", " BTC", "BTC ", String(repeating: "A", count: 65), "BTC\tUSDT", "BTC\n", "BTC,USDT",
        "BTC;", "BTC$", "BTC%", "BTC*", "BTC+", "BTC=", "BTC\\", "BTC'", "BTC\"", "ÄPFEL", "BTC€", "日本", "BTC\u{0}",
        "é", "e\u{301}", "BTC!", "BTC?", "(BTC)", "[BTC]", "{BTC}", "<BTC>", "BTC|", "BTC~", "BTC^", "BTC&", "`",
    ]

    @Test(arguments: invalid)
    func rejectsInvalidSymbols(name: String) {
        #expect(!Symbol.isValid(name))
        let error = #expect(throws: ValidationError.self) { try Symbol(name, field: "sym") }
        #expect(error?.field == "sym")
        #expect(error?.value == name)
        #expect(error?.rule == .malformedSymbol)
        #expect((#expect(throws: ValidationError.self) { try Symbol(name) })?.field == "symbol")
    }

    @Test func everyASCIIByte() {
        let allowed = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-/:@#".utf8)
        for byte in UInt8(0)...UInt8(127) {
            let name = "A" + String(decoding: [byte], as: UTF8.self) + "B"
            #expect(Symbol.isValid(name) == allowed.contains(byte), "byte \(byte)")
        }
    }

    @Test func lengthLimitCountsBytes() {
        #expect(Symbol.maximumLength == 64)
        #expect(Symbol.isValid(String(repeating: "x", count: 64)))
        #expect(!Symbol.isValid(String(repeating: "x", count: 65)))
        #expect(!Symbol.isValid(String(repeating: "x", count: 10_000)))
    }

    @Test func literalsUncheckedAndOrdering() {
        let literal: Symbol = "ETHUSDT"
        #expect(literal.name == "ETHUSDT")
        #expect(Symbol(unchecked: "anything goes").name == "anything goes")
        #expect(Symbol(unchecked: "A") < Symbol(unchecked: "B"))
        #expect(["b", "A", "a", "B"].map(Symbol.init(stringLiteral:)).sorted().map(\.name) == ["A", "B", "a", "b"])
        #expect(Symbol("X") == Symbol(stringLiteral: "X"))
        #expect(Set<Symbol>(["X", "X", "Y"]).count == 2)
    }

    @Test func codableValidatesOnDecode() throws {
        let data = try JSONEncoder().encode(["BTCUSDT", "XBT/USDT"] as [Symbol])
        #expect(String(decoding: data, as: UTF8.self) == #"["BTCUSDT","XBT\/USDT"]"#)
        #expect(try JSONDecoder().decode([Symbol].self, from: data).map(\.name) == ["BTCUSDT", "XBT/USDT"])
        let error = #expect(throws: ValidationError.self) {
            try JSONDecoder().decode([Symbol].self, from: Data(#"["BTC USDT"]"#.utf8))
        }
        #expect(error?.rule == .malformedSymbol)
        #expect(throws: (any Error).self) { try JSONDecoder().decode([Symbol].self, from: Data(#"[""]"#.utf8)) }
    }
}
