import StrataLineProtocol
import Testing

/// `maxLineLength` holds for every line, and the stream parser gives the body parser's answer
/// however the bytes are split. Found by the ILP fuzz harness (Fuzz/Corpus/ilp/regression-long-comment.ilp):
/// a comment longer than the limit was accepted in a body and in one read, but failed the stream
/// when split across reads, since the stream must buffer the unfinished line.
@Suite("Line-protocol length limit: body and stream agree")
struct LineLengthLimitTests {
    static let configuration = LineProtocol.Configuration(maxLineLength: 15)

    /// The body's outcome, and the stream's for every read size.
    static func outcomes(_ text: String) -> (body: String, streams: Set<String>) {
        let bytes = Array(text.utf8)
        let body: String
        do {
            body = "ok \(try LineProtocol.parse(bytes, defaultTimestamp: 0, configuration: configuration).count)"
        } catch {
            body = "\(error.code)"
        }
        var streams = Set<String>()
        for size in 1...bytes.count {
            var parser = LineProtocol.StreamParser(configuration: configuration)
            var points = 0
            var failure: LineProtocolError?
            for start in stride(from: 0, to: bytes.count, by: size) where failure == nil {
                let output = parser.consume(
                    Array(bytes[start..<min(bytes.count, start + size)]), defaultTimestamp: 0)
                points += output.points.count
                failure = output.error
            }
            if failure == nil {
                let output = parser.finish(defaultTimestamp: 0)
                points += output.points.count
                failure = output.error
            }
            streams.insert(failure.map { "\($0.code)" } ?? "ok \(points)")
        }
        return (body, streams)
    }

    @Test(arguments: [
        "# a comment longer than the limit\nm f=1\n",
        "m f=1\n# a comment longer than the limit\n",
        "                     \nm f=1\n",
        "m f=1\n                     ",
        "          m f=1,g=2\n",
        "#yuem\\a osremen\u{FF},\\,guotes\\\" anckslasSubstrin-0\n",
    ])
    func overLongLinesFailEverywhere(_ text: String) {
        let (body, streams) = Self.outcomes(text)
        #expect(body == "lineTooLong")
        #expect(streams == [body])
    }

    @Test(arguments: ["# short\nm f=1\n", "  \nm f=1\n", " m f=1,g=22\n", "m f=1\n#twelve chars\n"])
    func linesWithinTheLimitPassEverywhere(_ text: String) {
        let (body, streams) = Self.outcomes(text)
        #expect(body == "ok 1" || body == "ok 0")
        #expect(streams == [body])
    }
}
