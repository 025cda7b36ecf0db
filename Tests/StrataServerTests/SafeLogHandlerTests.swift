import Logging
import StrataServer
import Synchronization
import Testing

/// Every value in the log is data-safe: one event is one line, control characters are escaped,
/// long values are cut, and JSON output is valid JSON.
@Suite struct SafeLogHandlerTests {
    final class Lines: Sendable {
        let lines = Mutex<[String]>([])
        func append(_ line: String) { lines.withLock { $0.append(line) } }
        var all: [String] { lines.withLock { $0 } }
    }

    func logger(_ format: LogFormat, into lines: Lines) -> Logger {
        Logger(label: "strata.test") { label in
            SafeLogHandler(label: label, level: .trace, format: format) { lines.append($0) }
        }
    }

    @Test func textEscapesControlCharactersAndBoundsValues() {
        let lines = Lines()
        let log = logger(.text, into: lines)
        let forged = "buy\n2026-12-06T00:00:00Z critical strata.server: FORGED\u{1B}[31m\r\t\\\u{85}\u{2028}"
        log.notice(
            "ILP write refused: \(forged)",
            metadata: ["line": "\(forged)", "big": "\(String(repeating: "x", count: 10_000))"])
        let line = try! #require(lines.all.first)
        #expect(lines.all.count == 1)
        #expect(line.hasSuffix("\n"))
        #expect(line.dropLast().allSatisfy { $0 != "\n" && $0 != "\r" && $0 != "\u{1B}" && $0 != "\u{85}" })
        #expect(line.contains("buy\\n2026-12-06T00:00:00Z critical"))
        #expect(line.contains("\\u{1B}[31m\\r\\t\\\\\\u{85}\\u{2028}"))
        #expect(line.contains("more bytes)"))
        #expect(line.utf8.count < 3 * SafeLogHandler.maximumValueBytes)
    }

    @Test func jsonIsOneValidObjectPerEvent() throws {
        let lines = Lines()
        let log = logger(.json, into: lines)
        log.warning("store open", metadata: ["detail": "a\"b\nc\u{0}", "rows": "5"])
        let line = try #require(lines.all.first)
        #expect(line.hasPrefix("{\"time\":\""))
        #expect(line.contains("\"level\":\"warning\""))
        #expect(line.contains("\"detail\":\"a\\\"b\\nc\\u0000\""))
        #expect(line.dropLast().allSatisfy { $0 != "\n" })
    }
}
