import Foundation
import Strata
import Testing

@Suite struct JSONTextTests {
    /// Whatever the text, the literal parses back to it (quotes, backslashes, every control
    /// character, multi-byte UTF-8), and text without escapes is copied as is.
    @Test func quotedTextRoundTrips() throws {
        var samples = ["", "BTCUSDT", "64123.45", "a\"b\\c", "line\nnext\r\ttab", "é € 𝄞 🚀", "\u{7F}"]
        samples.append(String(decoding: (0..<0x20).map { UInt8($0) }, as: UTF8.self))
        for sample in samples {
            let literal = JSONText.quoted(sample)
            let parsed = try JSONSerialization.jsonObject(with: Data(literal.utf8), options: .fragmentsAllowed)
            #expect(parsed as? String == sample, "\(literal)")
            var bytes: [UInt8] = []
            JSONText.appendQuoted(sample, to: &bytes)
            #expect(bytes == Array(literal.utf8))
        }
        #expect(JSONText.quoted("BTCUSDT") == "\"BTCUSDT\"")
        #expect(JSONText.quoted("\u{1}") == "\"\\u0001\"")
    }
}
