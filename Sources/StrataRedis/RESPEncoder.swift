public import NIOCore

/// One argument of a command: text (sent as its UTF-8 bytes) or raw bytes. Every argument is
/// sent as a bulk string, so binary bytes and CRLF inside are safe.
public enum RedisArgument: Sendable, Hashable, ExpressibleByStringLiteral, ExpressibleByIntegerLiteral,
    ExpressibleByFloatLiteral
{
    case string(String)
    case bytes(ByteBuffer)

    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int) { self = .string(String(value)) }
    public init(floatLiteral value: Double) { self = .string(String(value)) }
    public init(_ value: String) { self = .string(value) }
    public init(_ value: Int) { self = .string(String(value)) }
    public init(_ value: Int64) { self = .string(String(value)) }
    public init(_ value: Double) { self = .string(String(value)) }
    public init(_ bytes: [UInt8]) { self = .bytes(ByteBuffer(bytes: bytes)) }
    public init(_ buffer: ByteBuffer) { self = .bytes(buffer) }

    var byteCount: Int {
        switch self {
        case .string(let text): return text.utf8.count
        case .bytes(let buffer): return buffer.readableBytes
        }
    }
}

/// Writes commands as RESP arrays of bulk strings, the one shape a client sends.
public enum RESPEncoder {
    /// Appends `*<n>\r\n` then `$<len>\r\n<bytes>\r\n` for each argument.
    public static func encodeCommand(_ arguments: [RedisArgument], into buffer: inout ByteBuffer) {
        buffer.writeInteger(UInt8(ascii: "*"))
        writeDecimal(arguments.count, into: &buffer)
        buffer.writeInteger(crlf)
        for argument in arguments {
            buffer.writeInteger(UInt8(ascii: "$"))
            writeDecimal(argument.byteCount, into: &buffer)
            buffer.writeInteger(crlf)
            switch argument {
            case .string(let text): buffer.writeString(text)
            case .bytes(let bytes): buffer.writeImmutableBuffer(bytes)
            }
            buffer.writeInteger(crlf)
        }
    }

    /// The bytes of one command.
    public static func encodeCommand(_ arguments: [RedisArgument]) -> ByteBuffer {
        var buffer = ByteBuffer()
        encodeCommand(arguments, into: &buffer)
        return buffer
    }

    private static let crlf: UInt16 = 0x0D0A

    private static func writeDecimal(_ value: Int, into buffer: inout ByteBuffer) {
        // Non-negative: counts and lengths only.
        if value < 10 {
            buffer.writeInteger(UInt8(0x30 + value))
            return
        }
        var digits:
            (
                UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8
            ) =
                (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var count = 0
        var rest = value
        withUnsafeMutableBytes(of: &digits) { raw in
            while rest > 0 {
                raw[19 - count] = UInt8(0x30 + rest % 10)
                rest /= 10
                count += 1
            }
            buffer.writeBytes(UnsafeRawBufferPointer(rebasing: raw[(20 - count)...]))
        }
    }
}
