import NIOCore
import StrataRedis
import Testing

/// A seeded generator, so a failing fuzz case can be replayed.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// The wire form of any value (the tests' own writer: the library only writes commands).
func encode(_ value: RESPValue, into out: inout [UInt8]) {
    func line(_ type: Character, _ text: String) {
        out.append(UInt8(ascii: type.unicodeScalars.first!))
        out += Array(text.utf8)
        out += [13, 10]
    }
    func blob(_ type: Character, _ bytes: [UInt8]) {
        line(type, String(bytes.count))
        out += bytes
        out += [13, 10]
    }
    switch value {
    case .simpleString(let text): line("+", text)
    case .error(let text): line("-", text)
    case .bulkError(let text): blob("!", Array(text.utf8))
    case .integer(let value): line(":", String(value))
    case .bulkString(nil): line("$", "-1")
    case .bulkString(let buffer?): blob("$", Array(buffer.readableBytesView))
    case .array(nil): line("*", "-1")
    case .array(let values?):
        line("*", String(values.count))
        for value in values { encode(value, into: &out) }
    case .null: line("_", "")
    case .double(let value): line(",", value.isInfinite ? (value < 0 ? "-inf" : "inf") : String(value))
    case .boolean(let value): line("#", value ? "t" : "f")
    case .bigNumber(let text): line("(", text)
    case .verbatimString(let format, let text): blob("=", Array((format + ":" + text).utf8))
    case .map(let pairs):
        line("%", String(pairs.count))
        for pair in pairs {
            encode(pair.key, into: &out)
            encode(pair.value, into: &out)
        }
    case .set(let values):
        line("~", String(values.count))
        for value in values { encode(value, into: &out) }
    case .push(let values):
        line(">", String(values.count))
        for value in values { encode(value, into: &out) }
    case .attribute(let pairs, let value):
        line("|", String(pairs.count))
        for pair in pairs {
            encode(pair.key, into: &out)
            encode(pair.value, into: &out)
        }
        encode(value, into: &out)
    }
}

func randomValue(depth: Int, using rng: inout SplitMix64) -> RESPValue {
    let word = ["OK", "PONG", "ERR x", "", "héllo", "a b c"].randomElement(using: &rng)!
    let kinds = depth > 0 ? 19 : 12
    switch Int.random(in: 0..<kinds, using: &rng) {
    case 0: return .simpleString(word)
    case 1: return .error("ERR " + word)
    case 2: return .integer(Int64.random(in: Int64.min...Int64.max, using: &rng))
    case 3:
        let bytes = (0..<Int.random(in: 0..<40, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
        return .bulkString(ByteBuffer(bytes: bytes + [13, 10]))
    case 4: return .bulkString(nil)
    case 5: return .array(nil)
    case 6: return .null
    case 7: return .double([0, -1.5, 3.25e10, 1e-300, .infinity, -.infinity].randomElement(using: &rng)!)
    case 8: return .boolean(Bool.random(using: &rng))
    case 9: return .bigNumber("-3492890328409238509324850943850943825024385")
    case 10: return .verbatimString(format: "txt", text: "Some\r\nstring " + word)
    case 11: return .bulkError("SYNTAX invalid\r\nsyntax")
    case 12, 13:
        return .array((0..<Int.random(in: 0..<5, using: &rng)).map { _ in randomValue(depth: depth - 1, using: &rng) })
    case 14:
        return .set((0..<Int.random(in: 0..<4, using: &rng)).map { _ in randomValue(depth: depth - 1, using: &rng) })
    case 15:
        return .push((0..<Int.random(in: 1..<4, using: &rng)).map { _ in randomValue(depth: depth - 1, using: &rng) })
    case 16:
        return .map(
            (0..<Int.random(in: 0..<4, using: &rng)).map { _ in
                RESPPair(key: randomValue(depth: 0, using: &rng), value: randomValue(depth: depth - 1, using: &rng))
            })
    default:
        let attributes = (0..<Int.random(in: 0..<3, using: &rng)).map { _ in
            RESPPair(key: .simpleString("ttl"), value: randomValue(depth: 0, using: &rng))
        }
        return .attribute(attributes, randomValue(depth: depth - 1, using: &rng))
    }
}

/// Decodes every value the bytes hold, fed in the given chunk sizes.
func decodeAll(_ bytes: [UInt8], chunks: [Int], limits: RESPDecodingLimits = RESPDecodingLimits()) throws
    -> [RESPValue]
{
    var decoder = RESPDecoder(limits: limits)
    var buffer = ByteBuffer()
    var values: [RESPValue] = []
    var offset = 0
    for size in chunks + [bytes.count] {
        let end = min(bytes.count, offset + size)
        buffer.writeBytes(bytes[offset..<end])
        offset = end
        while let value = try decoder.decode(&buffer) { values.append(value) }
        if offset == bytes.count { break }
    }
    return values
}

@Suite("RESP codec")
struct RESPCodecTests {
    @Test("every type decodes from its wire form")
    func everyType() throws {
        let wire =
            "+OK\r\n-ERR bad\r\n:-42\r\n$5\r\nhello\r\n$-1\r\n*-1\r\n*2\r\n:1\r\n$0\r\n\r\n_\r\n,3.5\r\n,-inf\r\n"
            + "#t\r\n#f\r\n(12345678901234567890\r\n=15\r\ntxt:Some string\r\n!10\r\nERR a\r\nb c\r\n"
            + "%2\r\n+first\r\n:1\r\n+second\r\n:2\r\n~2\r\n+a\r\n+b\r\n>2\r\n+message\r\n+x\r\n"
            + "|1\r\n+ttl\r\n:3600\r\n+value\r\n*0\r\n%0\r\n"
        let values = try decodeAll(Array(wire.utf8), chunks: [])
        #expect(
            values == [
                .simpleString("OK"), .error("ERR bad"), .integer(-42), .bulkString(ByteBuffer(string: "hello")),
                .bulkString(nil), .array(nil), .array([.integer(1), .bulkString(ByteBuffer())]), .null,
                .double(3.5), .double(-.infinity), .boolean(true), .boolean(false),
                .bigNumber("12345678901234567890"), .verbatimString(format: "txt", text: "Some string"),
                .bulkError("ERR a\r\nb c"),
                .map([
                    RESPPair(key: .simpleString("first"), value: .integer(1)),
                    RESPPair(key: .simpleString("second"), value: .integer(2)),
                ]),
                .set([.simpleString("a"), .simpleString("b")]), .push([.simpleString("message"), .simpleString("x")]),
                .attribute([RESPPair(key: .simpleString("ttl"), value: .integer(3600))], .simpleString("value")),
                .array([]), .map([]),
            ])
        let nan = try decodeAll(Array(",nan\r\n".utf8), chunks: [])
        #expect(nan.count == 1 && nan[0].double?.isNaN == true)
    }

    @Test("a frame split byte by byte decodes once, when whole")
    func partialFrames() throws {
        let wire = Array("*3\r\n$3\r\nfoo\r\n*1\r\n$4\r\nb\r\nr\r\n:7\r\n".utf8)
        var decoder = RESPDecoder()
        var buffer = ByteBuffer()
        var values: [RESPValue] = []
        for byte in wire {
            buffer.writeInteger(byte)
            if let value = try decoder.decode(&buffer) { values.append(value) }
        }
        #expect(
            values == [
                .array([
                    .bulkString(ByteBuffer(string: "foo")), .array([.bulkString(ByteBuffer(string: "b\r\nr"))]),
                    .integer(7),
                ])
            ])
        #expect(buffer.readableBytes == 0)
        #expect(!decoder.isInsideValue)
    }

    @Test("commands encode as arrays of bulk strings, binary-safe")
    func encoder() throws {
        let buffer = RESPEncoder.encodeCommand(["SET", "k", RedisArgument([0, 13, 10, 255]), 12_345_678_901])
        #expect(
            Array(buffer.readableBytesView)
                == Array("*4\r\n$3\r\nSET\r\n$1\r\nk\r\n$4\r\n".utf8) + [0, 13, 10, 255]
                + Array("\r\n$11\r\n12345678901\r\n".utf8))
        // And the decoder reads a command back as the same arguments.
        let decoded = try decodeAll(Array(buffer.readableBytesView), chunks: [])
        #expect(decoded.first?.array?.map { $0.bytes ?? [] }[2] == [0, 13, 10, 255])
    }

    @Test("hostile input is a typed error, never a crash or a huge allocation")
    func limits() throws {
        let limits = RESPDecodingLimits(maxBulkLength: 1024, maxAggregateCount: 100, maxDepth: 4, maxLineLength: 32)
        func error(_ text: String) -> RESPDecodingError? {
            do {
                _ = try decodeAll(Array(text.utf8), chunks: [], limits: limits)
                return nil
            } catch {
                return error as? RESPDecodingError
            }
        }
        #expect(error("$999999999999\r\n") == .bulkTooLong(length: 999_999_999_999, limit: 1024))
        #expect(error("*101\r\n") == .aggregateTooLong(count: 101, limit: 100))
        #expect(error("*1\r\n*1\r\n*1\r\n*1\r\n*1\r\n:1\r\n") == .tooDeep(limit: 4))
        #expect(error("+" + String(repeating: "a", count: 100)) == .lineTooLong(limit: 32))
        #expect(error(":12a\r\n") == .invalidInteger)
        #expect(error(":99999999999999999999\r\n") == .invalidInteger)
        #expect(error("$3\r\nabcd\r\n") == .missingCRLF)
        #expect(error("$-2\r\n") == .invalidLength)
        #expect(error("@x\r\n") == .unknownType(UInt8(ascii: "@")))
        #expect(error("#x\r\n") == .invalidBoolean)
        #expect(error(",abc\r\n") == .invalidDouble)
        #expect(error("=2\r\nab\r\n") == .invalidVerbatimString)
        #expect(error("$?\r\n") == .streamedTypeUnsupported)
        #expect(error("_x\r\n") == .invalidNull)
        // Within the limits, the same shapes are fine.
        #expect(error("*1\r\n*1\r\n*1\r\n:1\r\n") == nil)
    }

    @Test("random splits of a valid stream decode to the same values")
    func randomSplits() throws {
        var rng = SplitMix64(state: 0x5EED_0011)
        for _ in 0..<300 {
            let values = (0..<Int.random(in: 1..<6, using: &rng)).map { _ in randomValue(depth: 3, using: &rng) }
            var wire: [UInt8] = []
            for value in values { encode(value, into: &wire) }
            #expect(try decodeAll(wire, chunks: []) == values)
            var chunks: [Int] = []
            var total = 0
            while total < wire.count {
                let size = Int.random(in: 1...max(1, wire.count / 3), using: &rng)
                chunks.append(size)
                total += size
            }
            #expect(try decodeAll(wire, chunks: chunks) == values)
        }
    }

    @Test("random and mutated bytes never crash the decoder")
    func randomBytes() {
        var rng = SplitMix64(state: 0xF00D)
        let limits = RESPDecodingLimits(maxBulkLength: 4096, maxAggregateCount: 1000, maxDepth: 16, maxLineLength: 256)
        let alphabet = Array("+-:$*_,#(!=%~>|\r\n0123456789-?tfab".utf8)
        for round in 0..<3000 {
            var bytes: [UInt8]
            if round % 2 == 0 {
                // Valid streams with a few bytes changed, dropped or cut off.
                var wire: [UInt8] = []
                encode(randomValue(depth: 3, using: &rng), into: &wire)
                for _ in 0..<Int.random(in: 1...3, using: &rng) where !wire.isEmpty {
                    let index = Int.random(in: 0..<wire.count, using: &rng)
                    if Bool.random(using: &rng) {
                        wire[index] = alphabet.randomElement(using: &rng)!
                    } else {
                        wire.remove(at: index)
                    }
                }
                bytes = wire
            } else {
                bytes = (0..<Int.random(in: 0..<64, using: &rng)).map { _ in
                    Bool.random(using: &rng)
                        ? alphabet.randomElement(using: &rng)! : UInt8.random(in: 0...255, using: &rng)
                }
            }
            let chunks = (0..<4).map { _ in Int.random(in: 1...16, using: &rng) }
            _ = try? decodeAll(bytes, chunks: chunks, limits: limits)
        }
    }

    @Test("redis:// URLs")
    func urls() throws {
        let plain = try RedisConfiguration(url: "redis://127.0.0.1:6390")
        #expect(plain.host == "127.0.0.1" && plain.port == 6390 && plain.password == nil && plain.database == 0)
        let full = try RedisConfiguration(url: "redis://app:p%40ss@cache.local:7000/3")
        #expect(full.username == "app" && full.password == "p@ss" && full.host == "cache.local")
        #expect(full.port == 7000 && full.database == 3)
        let passwordOnly = try RedisConfiguration(url: "redis://:secret@localhost")
        #expect(passwordOnly.username == nil && passwordOnly.password == "secret" && passwordOnly.port == 6379)
        let tls = try RedisConfiguration(url: "rediss://cache.local:6380")
        #expect(tls.tls == .required && tls.port == 6380)
        #expect(plain.tls == .disabled)
        #expect(throws: RedisError.self) { try RedisConfiguration(url: "http://localhost") }
        #expect(throws: RedisError.self) { try RedisConfiguration(url: "redis://localhost:0") }
    }
}
