import StrataLineProtocol
import Testing

@Suite("Line-protocol stream parser (TCP)")
struct StreamParserTests {
    /// Lines exercising everything that can be split: escapes, an escaped newline in a symbol,
    /// quoted strings with raw and escaped newlines and quotes, CRLF, comments, blank lines,
    /// suffixed numbers, and a last line without a newline.
    static let sample =
        "# trades\n"
        + "trades,symbol=BTC-USD price=64123.45,qty=0.25,id=1i 1719878281500000000\r\n"
        + "\n"
        + "trades,symbol=ETH\\ USD\\,X,note=a\\\nb price=3000.5,side=\"sell \\\"now\\\"\" 1719878281500000001\n"
        + "  # indented comment\n"
        + "log msg=\"line one\nline two\\\\\",ok=t,n=7u,ts=1719878281500000t\n"
        + "log msg=\"escaped \\\nnewline\",v=NaN\n"
        + "last,k=v x=-1.5e-3"

    static func signature(_ batch: LineProtocol.Batch) -> [String] {
        batch.map { "\($0.line): \($0.description)" }
    }

    static func wholeBody(_ text: String) throws -> [String] {
        signature(try LineProtocol.parse(text, defaultTimestamp: 42))
    }

    /// Feeds `chunks` to a stream parser; returns the points (by signature) and the error.
    static func stream(
        _ chunks: [[UInt8]], configuration: LineProtocol.Configuration = LineProtocol.Configuration()
    ) -> (points: [String], error: LineProtocolError?) {
        var parser = LineProtocol.StreamParser(configuration: configuration)
        var points: [String] = []
        var error: LineProtocolError?
        for chunk in chunks {
            let output = parser.consume(chunk, defaultTimestamp: 42)
            points += signature(output.points)
            if let failure = output.error, error == nil { error = failure }
        }
        let last = parser.finish(defaultTimestamp: 42)
        points += signature(last.points)
        if let failure = last.error, error == nil { error = failure }
        return (points, error)
    }

    @Test func theSampleParsesAsExpected() throws {
        let batch = try LineProtocol.parse(Self.sample, defaultTimestamp: 42)
        #expect(batch.map(\.line) == [2, 4, 7, 9, 11])  // an escaped or quoted newline makes an entry span lines
        #expect(batch[1].tagPairs == ["symbol=ETH USD,X", "note=a\nb"])
        #expect(batch[1].value("side") == .string("sell \"now\""))
        #expect(batch[2].value("msg") == .string("line one\nline two\\"))
        #expect(batch[3].value("msg") == .string("escaped \nnewline"))
        #expect(batch[4].timestamp == 42)
    }

    @Test func splittingAtEveryBytePositionGivesTheSamePoints() throws {
        let bytes = Array(Self.sample.utf8)
        let expected = try Self.wholeBody(Self.sample)
        #expect(expected.count == 5)
        for split in 0...bytes.count {
            let result = Self.stream([Array(bytes[..<split]), Array(bytes[split...])])
            #expect(result.error == nil, "split at \(split): \(String(describing: result.error))")
            #expect(result.points == expected, "split at \(split)")
        }
    }

    @Test func splittingAtEveryPairOfPositionsGivesTheSamePoints() throws {
        let text = "a,s=x\\\ny v=\"p\nq\\\"\",w=1i 5\r\nb v=t\n"
        let bytes = Array(text.utf8)
        let expected = try Self.wholeBody(text)
        #expect(expected.count == 2)
        for first in 0...bytes.count {
            for second in first...bytes.count {
                let chunks = [Array(bytes[..<first]), Array(bytes[first..<second]), Array(bytes[second...])]
                let result = Self.stream(chunks)
                #expect(result.points == expected && result.error == nil, "splits at \(first), \(second)")
            }
        }
    }

    @Test func oneByteAtATime() throws {
        let result = Self.stream(Array(Self.sample.utf8).map { [$0] })
        #expect(result.error == nil)
        #expect(result.points == (try Self.wholeBody(Self.sample)))
    }

    @Test func everyPointArrivesWithTheByteThatEndsItsLine() throws {
        // No escaped newline in a name here: a prefix ending in one would be a complete line
        // (of symbols only) for a whole-body parse, which the stream rightly waits on.
        let text = "m s=\"a\nb\\\"\nc\",v=1i\r\n# c\n\nn,t=x v=2 5\nm s=\"\n\n\"\nlast v=t\n"
        let bytes = Array(text.utf8)
        var parser = LineProtocol.StreamParser()
        var received = 0
        var expected = 0
        for (k, byte) in bytes.enumerated() {
            let output = parser.consume([byte], defaultTimestamp: 0)
            #expect(output.error == nil)
            received += output.points.count
            // The oracle: a prefix ending in LF that parses as a whole body holds only complete lines.
            if byte == .init(ascii: "\n"), let whole = try? LineProtocol.parse(Array(bytes[...k]), defaultTimestamp: 0)
            {
                expected = whole.count
            }
            #expect(received == expected, "after byte \(k)")
        }
        #expect(received == 4)
    }

    @Test func aBodyInCallerMemoryIsParsedInPlace() throws {
        let bytes = Array("m,s=a\\ b v=1.5,w=\"x\\\"y\"\n".utf8)
        let batch = try bytes.withUnsafeBytes { try LineProtocol.parse($0, defaultTimestamp: 3) }
        #expect(batch[0].tagPairs == ["s=a b"])
        #expect(batch[0].value("w") == .string("x\"y"))
        #expect(batch[0].timestamp == 3)
    }

    @Test func pointsArriveAsSoonAsTheirLineEnds() {
        var parser = LineProtocol.StreamParser()
        #expect(parser.consume(Array("m v=1\nm v=".utf8), defaultTimestamp: 0).points.count == 1)
        #expect(parser.bufferedByteCount == 4)
        #expect(parser.consume(Array("2".utf8), defaultTimestamp: 0).points.isEmpty)
        let output = parser.consume(Array("\nm v=3\n".utf8), defaultTimestamp: 0)
        #expect(output.points.map { $0.value("v") } == [.float(2), .float(3)])
        #expect(output.points.map(\.line) == [2, 3])
        #expect(parser.bufferedByteCount == 0)
        #expect(parser.finish(defaultTimestamp: 0).points.isEmpty)
    }

    @Test func aCRAtTheEndOfAReadWaitsForTheNext() {
        var parser = LineProtocol.StreamParser()
        #expect(parser.consume(Array("m v=1\r".utf8), defaultTimestamp: 0).points.isEmpty)
        let output = parser.consume(Array("\nm v=2\n".utf8), defaultTimestamp: 0)
        #expect(output.points.count == 2)
        #expect(output.error == nil)
    }

    /// Random texts from line-protocol fragments (good and bad), each fed a byte at a time and in
    /// three random pieces: the stream parser must give what the whole-body parser gives.
    @Test(arguments: LineProtocol.Dialect.allCases)
    func randomTextsAgreeWithTheWholeBodyParser(dialect: LineProtocol.Dialect) throws {
        let fragments =
            [
                "m", "trades", ",t=a", ",k\\ x=y\\,z", "\\\n", "\\\r", "\\\\", " v=1", " v=-2.5e3", ",w=7i", ",u=3u",
                ",s=\"x\ny\"", ",q=\"a\\\"b\\\\\"", ",b=t", ",n=NaN", ",ts=5t", " 1719878281", "\r\n", "\n", "\n\n",
                "# c", "  ", "\r", "=", ",", "\"", "é", "\u{01}",
            ].map { Array($0.utf8) } + [[0xFF], [0xC3], [0x7F]]
        var random = SplitMix64(seed: dialect == .questDB ? 1 : 2)
        let configuration = LineProtocol.Configuration(dialect: dialect)
        for round in 0..<3_000 {
            var bytes: [UInt8] = []
            for _ in 0..<(3 + Int(random.next() % 14)) {
                bytes += fragments[Int(random.next() % UInt64(fragments.count))]
            }
            let text = String(decoding: bytes, as: UTF8.self)
            let whole: (points: [String], error: LineProtocolError?)
            do {
                whole = (
                    Self.signature(try LineProtocol.parse(bytes, defaultTimestamp: 42, configuration: configuration)),
                    nil
                )
            } catch {
                whole = ([], error)
            }
            let first = Int(random.next() % UInt64(bytes.count + 1))
            let second = first + Int(random.next() % UInt64(bytes.count - first + 1))
            let splits = [Array(bytes[..<first]), Array(bytes[first..<second]), Array(bytes[second...])]
            for chunks in [bytes.map { [$0] }, splits] {
                let streamed = Self.stream(chunks, configuration: configuration)
                #expect(streamed.error == whole.error, "round \(round): \(text.debugDescription)")
                if whole.error == nil {
                    #expect(streamed.points == whole.points, "round \(round): \(text.debugDescription)")
                }
            }
        }
    }

    @Test func aCommentCutBetweenItsCRAndLFKeepsTheLineCount() {
        let result = Self.stream([Array("\n\n# c\r".utf8), Array("\nm v=1\nm v=x\n".utf8)])
        #expect(result.points == ["4: m v=1 42"])
        #expect(result.error?.line == 5)
    }

    @Test func theLinesBeforeABadLineAreKeptAndTheRestIgnored() {
        var parser = LineProtocol.StreamParser()
        let first = parser.consume(Array("a v=1\nb v=2\n".utf8), defaultTimestamp: 0)
        #expect(first.points.count == 2)
        let second = parser.consume(Array("c v=3\nd v=oops\ne v=5\n".utf8), defaultTimestamp: 0)
        #expect(second.points.map(\.measurement) == ["c"])
        #expect(second.error?.code == .unknownFieldType)
        #expect(second.error?.line == 4)
        #expect(second.error?.column == 5)
        #expect(second.error?.offset == 22)
        #expect(parser.failure == second.error)
        #expect(parser.consume(Array("f v=6\n".utf8), defaultTimestamp: 0).points.isEmpty)
        #expect(parser.finish(defaultTimestamp: 0).points.isEmpty)
    }

    @Test func lineNumbersAndOffsetsCountFromTheStartOfTheStream() throws {
        let text = "m v=1\n\nm s=\"x\ny\"\nm v=2\nm v=x\n"
        let bytes = Array(text.utf8)
        let whole = parseError(text)
        #expect(whole?.line == 6)
        for split in 0...bytes.count {
            let result = Self.stream([Array(bytes[..<split]), Array(bytes[split...])])
            #expect(result.points.count == 3, "split at \(split)")
            #expect(result.error == whole, "split at \(split)")
        }
    }

    @Test func anUnfinishedLineLongerThanTheLimitFailsAtOnce() {
        var parser = LineProtocol.StreamParser(configuration: LineProtocol.Configuration(maxLineLength: 16))
        #expect(parser.consume(Array("m v=1\nm,tag=abc".utf8), defaultTimestamp: 0).points.count == 1)
        let output = parser.consume(Array("defghijklmnopqrstuvwxyz".utf8), defaultTimestamp: 0)
        #expect(output.error?.code == .lineTooLong)
        #expect(output.error?.line == 2)
        #expect(output.error?.message == "line is longer than maxLineLength (16 bytes)")
        #expect(parser.bufferedByteCount == 0)
    }

    @Test func aLongLineInSmallReadsIsParsedOnce() throws {
        var parser = LineProtocol.StreamParser()
        var text = "m s=\""
        for i in 0..<5_000 { text += "part \(i)\n" }
        text += "\",v=1\n"
        var points = 0
        for byte in text.utf8 {
            let output = parser.consume([byte], defaultTimestamp: 0)
            #expect(output.error == nil)
            points += output.points.count
        }
        #expect(points == 1)
        #expect(parser.bufferedByteCount == 0)
    }

    @Test func finishParsesALastLineWithoutANewline() {
        var parser = LineProtocol.StreamParser()
        #expect(parser.consume(Array("m v=1\nm v=2".utf8), defaultTimestamp: 0).points.count == 1)
        #expect(parser.finish(defaultTimestamp: 0).points.count == 1)
        var broken = LineProtocol.StreamParser()
        _ = broken.consume(Array("m v=\"open".utf8), defaultTimestamp: 0)
        #expect(broken.finish(defaultTimestamp: 0).error?.code == .unterminatedString)
    }

    @Test func theInfluxDBDialectFramesEscapedNewlinesAsLineEnds() {
        let result = Self.stream(
            [Array("m,s=a\\".utf8), Array("\nb v=1\n".utf8)],
            configuration: LineProtocol.Configuration(dialect: .influxDB))
        #expect(result.error != nil)
        #expect(result.points.isEmpty)
    }
}

/// A small deterministic generator (SplitMix64), so that random tests are reproducible.
struct SplitMix64 {
    var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
