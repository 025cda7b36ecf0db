// StrataRedis: a Redis client written here, on SwiftNIO (issue 11).
//
// Design, bottom to top:
// - `RESPValue` is one reply of the RESP2/RESP3 protocol, a plain Sendable value.
// - `RESPDecoder` is an incremental, stateful parser (no I/O): it consumes what bytes it can,
//   keeps a stack of the aggregates still open, and returns whole values. Limits on line length,
//   bulk length, aggregate length and nesting depth make hostile input a typed
//   `RESPDecodingError`, never a crash or an unbounded allocation. `RESPEncoder` writes commands
//   (arrays of bulk strings), the only type a client sends.
// - `RedisConnection` is one NIO channel: the decoder as a `ByteToMessageDecoder`, and a duplex
//   handler that writes each command and queues its promise, so any number of commands can be in
//   flight (pipelining) and replies are matched first-in first-out. It negotiates `HELLO 3`
//   (falling back to RESP2 and `AUTH`), selects the database, times commands out, turns error
//   replies into `RedisError.server`, and fails every pending command when the connection is lost.
//   TLS (NIOSSL) goes first in the pipeline when the configuration requires it.
// - `RedisClient` is a small pool of such connections over a `RedisConfiguration`; each slot
//   reconnects on its own with exponential backoff and jitter, and reports its state for health.
// - `RedisSubscriber` is a RESP3 connection whose push frames (pub/sub messages) feed an
//   AsyncStream; (un)subscriptions complete when the server's push confirmations arrive.
public import NIOCore

/// One value of the RESP protocol (RESP2 and RESP3).
///
/// Bulk payloads are `ByteBuffer`s: binary-safe, CRLF inside is fine. The RESP2 null bulk string
/// and null array are `.bulkString(nil)` and `.array(nil)`; RESP3's null is `.null`.
public indirect enum RESPValue: Sendable, Hashable {
    /// `+OK`
    case simpleString(String)
    /// `-ERR message` (RESP2 and RESP3)
    case error(String)
    /// `!<len>` RESP3's binary-safe error.
    case bulkError(String)
    /// `:<n>`
    case integer(Int64)
    /// `$<len>`; `nil` for RESP2's `$-1`.
    case bulkString(ByteBuffer?)
    /// `*<n>`; `nil` for RESP2's `*-1`.
    case array([RESPValue]?)
    /// `_` RESP3's null.
    case null
    /// `,<double>` (also `inf`, `-inf`, `nan`).
    case double(Double)
    /// `#t` / `#f`
    case boolean(Bool)
    /// `(<digits>` kept as its decimal text.
    case bigNumber(String)
    /// `=<len>` a three-letter format (`txt`, `mkd`) and the text.
    case verbatimString(format: String, text: String)
    /// `%<n>` key-value pairs in the order received.
    case map([RESPPair])
    /// `~<n>`
    case set([RESPValue])
    /// `><n>` out-of-band data (pub/sub messages, invalidations).
    case push([RESPValue])
    /// `|<n>` attributes, then the value they describe.
    case attribute([RESPPair], RESPValue)
}

/// One entry of a RESP3 map or attribute.
public struct RESPPair: Sendable, Hashable {
    public var key: RESPValue
    public var value: RESPValue

    public init(key: RESPValue, value: RESPValue) {
        self.key = key
        self.value = value
    }
}

extension RESPValue {
    /// Whether this is a null of any protocol version.
    public var isNull: Bool {
        switch self {
        case .null, .bulkString(nil), .array(nil): return true
        case .attribute(_, let value): return value.isNull
        default: return false
        }
    }

    /// The value with any attributes removed.
    public var withoutAttributes: RESPValue {
        if case .attribute(_, let value) = self { return value.withoutAttributes }
        return self
    }

    /// The text of a simple, bulk or verbatim string, or of an integer, double or big number;
    /// `nil` otherwise (bulk strings that are not valid UTF-8 too).
    public var string: String? {
        switch self.withoutAttributes {
        case .simpleString(let text), .bigNumber(let text): return text
        case .verbatimString(_, let text): return text
        case .bulkString(let buffer?): return buffer.getString(at: buffer.readerIndex, length: buffer.readableBytes)
        case .integer(let value): return String(value)
        case .double(let value): return String(value)
        default: return nil
        }
    }

    /// The bytes of a bulk, simple or verbatim string.
    public var bytes: [UInt8]? {
        switch self.withoutAttributes {
        case .bulkString(let buffer?): return Array(buffer.readableBytesView)
        case .simpleString(let text): return Array(text.utf8)
        case .verbatimString(_, let text): return Array(text.utf8)
        default: return nil
        }
    }

    /// An integer reply, or a string reply holding a decimal integer.
    public var int: Int64? {
        switch self.withoutAttributes {
        case .integer(let value): return value
        case .boolean(let value): return value ? 1 : 0
        default: return string.flatMap { Int64($0) }
        }
    }

    /// A double reply, or a string holding one (RESP2 sends scores as bulk strings).
    public var double: Double? {
        switch self.withoutAttributes {
        case .double(let value): return value
        case .integer(let value): return Double(value)
        default: return string.flatMap { Double($0) }
        }
    }

    /// The elements of an array, set or push.
    public var array: [RESPValue]? {
        switch self.withoutAttributes {
        case .array(let values?), .set(let values), .push(let values): return values
        default: return nil
        }
    }

    /// The pairs of a RESP3 map, or of a RESP2 flat array of alternating keys and values
    /// (what `HGETALL` and `CONFIG GET` return over RESP2).
    public var pairs: [RESPPair]? {
        switch self.withoutAttributes {
        case .map(let pairs): return pairs
        case .array(let values?) where values.count % 2 == 0:
            return stride(from: 0, to: values.count, by: 2).map { RESPPair(key: values[$0], value: values[$0 + 1]) }
        default: return nil
        }
    }
}
