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

    /// A non-negative number's decimal digits.
    static func writeDecimal(_ value: Int, into buffer: inout ByteBuffer) {
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

/// One command's RESP bytes, written argument by argument straight into one buffer: for
/// commands of many arguments built in a loop (the Redis tier's scripts carry three per row),
/// where an array of ``RedisArgument`` would cost an allocation or two per argument.
///
/// The argument count is given first (RESP puts it in front); each argument's length before its
/// bytes. ``RedisClient/send(_:timeout:)-(RedisCommand,_)`` refuses a command whose arguments do
/// not add up to the count.
public struct RedisCommand: Sendable {
    public private(set) var buffer: ByteBuffer
    /// Arguments still to write.
    public private(set) var remaining: Int

    public init(argumentCount: Int, capacity: Int = 256) {
        precondition(argumentCount >= 1, "a command has at least its name")
        buffer = ByteBuffer()
        buffer.reserveCapacity(capacity)
        buffer.writeInteger(UInt8(ascii: "*"))
        RESPEncoder.writeDecimal(argumentCount, into: &buffer)
        buffer.writeInteger(Self.crlf)
        remaining = argumentCount
    }

    /// Whether every argument was written.
    public var isComplete: Bool { remaining == 0 }

    /// An argument of text.
    public mutating func append(_ text: String) {
        var text = text
        text.withUTF8 { bytes in append(length: bytes.count) { $0.writeBytes(bytes) } }
    }

    /// An argument of raw bytes.
    public mutating func append(bytes: some Collection<UInt8>) {
        append(length: bytes.count) { $0.writeBytes(bytes) }
    }

    /// An integer argument, as its decimal text.
    public mutating func append(_ value: Int64) {
        let magnitude = value.magnitude
        var length = value < 0 ? 1 : 0
        var rest = magnitude
        repeat {
            length += 1
            rest /= 10
        } while rest > 0
        append(length: length) { buffer in
            if value < 0 { buffer.writeInteger(UInt8(ascii: "-")) }
            RedisCommand.writeDigits(magnitude, width: 0, into: &buffer)
        }
    }

    /// An argument of exactly `length` bytes, which `write` appends to the buffer.
    public mutating func append(length: Int, _ write: (inout ByteBuffer) -> Void) {
        precondition(remaining > 0, "more arguments than the command's count")
        remaining -= 1
        buffer.writeInteger(UInt8(ascii: "$"))
        RESPEncoder.writeDecimal(length, into: &buffer)
        buffer.writeInteger(Self.crlf)
        let start = buffer.writerIndex
        write(&buffer)
        precondition(buffer.writerIndex - start == length, "an argument's bytes differ from its length")
        buffer.writeInteger(Self.crlf)
    }

    /// `value`'s decimal digits, left-padded with zeros to `width`.
    public static func writeDigits(_ value: UInt64, width: Int, into buffer: inout ByteBuffer) {
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)  // 24 bytes: 20 digits at most
        var count = 0
        var rest = value
        withUnsafeMutableBytes(of: &digits) { raw in
            repeat {
                raw[23 - count] = UInt8(0x30 + rest % 10)
                rest /= 10
                count += 1
            } while rest > 0
            while count < min(width, 24) {
                raw[23 - count] = 0x30
                count += 1
            }
            buffer.writeBytes(UnsafeRawBufferPointer(rebasing: raw[(24 - count)...]))
        }
    }

    private static let crlf: UInt16 = 0x0D0A
}
