public import NIOCore

/// Bounds on what a decoder accepts, so a hostile or broken peer cannot exhaust memory.
public struct RESPDecodingLimits: Sendable, Hashable {
    /// The longest bulk string, bulk error or verbatim string (Redis's own default
    /// `proto-max-bulk-len` is 512 MiB).
    public var maxBulkLength: Int
    /// The most elements an aggregate may declare (pairs count twice for maps).
    public var maxAggregateCount: Int
    /// How deeply aggregates may nest.
    public var maxDepth: Int
    /// The longest line of a simple type (simple strings and errors, numbers, headers).
    public var maxLineLength: Int

    public init(
        maxBulkLength: Int = 512 * 1024 * 1024, maxAggregateCount: Int = 1 << 24, maxDepth: Int = 64,
        maxLineLength: Int = 64 * 1024
    ) {
        self.maxBulkLength = maxBulkLength
        self.maxAggregateCount = maxAggregateCount
        self.maxDepth = maxDepth
        self.maxLineLength = maxLineLength
    }
}

/// Why bytes are not RESP (or exceed the limits). The stream cannot be resynchronised after one:
/// the connection that read it is closed.
public enum RESPDecodingError: Error, Sendable, Hashable {
    case unknownType(UInt8)
    case invalidLength
    case invalidInteger
    case invalidDouble
    case invalidBoolean
    case invalidBigNumber
    case invalidNull
    case invalidVerbatimString
    /// A bulk payload not followed by CRLF.
    case missingCRLF
    /// RESP3's streamed strings and aggregates (`$?`, `*?`), which Redis does not send.
    case streamedTypeUnsupported
    case lineTooLong(limit: Int)
    case bulkTooLong(length: Int, limit: Int)
    case aggregateTooLong(count: Int, limit: Int)
    case tooDeep(limit: Int)
}

/// An incremental RESP2/RESP3 decoder: feed it whatever bytes have arrived; it consumes every
/// complete element, remembers the aggregates still open, and returns each value once whole.
///
/// It never consumes part of a simple element or of a bulk payload: those stay in the buffer
/// until the rest arrives (bounded by the limits).
public struct RESPDecoder: Sendable {
    public let limits: RESPDecodingLimits

    private enum Kind: Sendable {
        case array, set, push, map, attributes
        case attributed([RESPPair])
    }

    private struct OpenAggregate: Sendable {
        var kind: Kind
        var remaining: Int
        var items: [RESPValue]
    }

    private enum Token {
        case value(RESPValue)
        case open(Kind, count: Int)
    }

    private var stack: [OpenAggregate] = []

    public init(limits: RESPDecodingLimits = RESPDecodingLimits()) {
        self.limits = limits
    }

    /// Whether an aggregate has started but not finished.
    public var isInsideValue: Bool { !stack.isEmpty }

    /// The next whole value, or `nil` when more bytes are needed.
    public mutating func decode(_ buffer: inout ByteBuffer) throws(RESPDecodingError) -> RESPValue? {
        while true {
            guard let token = try readToken(&buffer) else { return nil }
            var completed: RESPValue
            switch token {
            case .value(let value):
                completed = value
            case .open(let kind, let count):
                guard stack.count < limits.maxDepth else { throw .tooDeep(limit: limits.maxDepth) }
                if case .attributes = kind, count == 0 {
                    stack.append(OpenAggregate(kind: .attributed([]), remaining: 1, items: []))
                    continue
                }
                let elements: Int
                switch kind {
                case .map, .attributes: elements = count * 2
                default: elements = count
                }
                stack.append(OpenAggregate(kind: kind, remaining: elements, items: []))
                stack[stack.count - 1].items.reserveCapacity(min(elements, 1024))
                continue
            }
            // Fold the finished value into the open aggregates, closing each that is now full.
            var finishedTopLevel = true
            while !stack.isEmpty {
                let top = stack.count - 1
                stack[top].items.append(completed)
                stack[top].remaining -= 1
                if stack[top].remaining > 0 {
                    finishedTopLevel = false
                    break
                }
                let frame = stack.removeLast()
                switch frame.kind {
                case .array: completed = .array(frame.items)
                case .set: completed = .set(frame.items)
                case .push: completed = .push(frame.items)
                case .map: completed = .map(Self.pairs(frame.items))
                case .attributes:
                    // The attributes are whole: the value they describe comes next.
                    stack.append(OpenAggregate(kind: .attributed(Self.pairs(frame.items)), remaining: 1, items: []))
                    finishedTopLevel = false
                case .attributed(let attributes):
                    completed = .attribute(attributes, frame.items[0])
                }
                if !finishedTopLevel { break }
            }
            if finishedTopLevel { return completed }
        }
    }

    private static func pairs(_ items: [RESPValue]) -> [RESPPair] {
        stride(from: 0, to: items.count, by: 2).map { RESPPair(key: items[$0], value: items[$0 + 1]) }
    }

    // MARK: - Elements

    private static let cr: UInt8 = 0x0D
    private static let lf: UInt8 = 0x0A

    /// The offset from `start` of the first CRLF at or after it, if there is one.
    private func lineEnd(in buffer: ByteBuffer, from start: Int) throws(RESPDecodingError) -> Int? {
        let available = buffer.writerIndex - start
        guard available > 0 else { return nil }
        let found: Int? = buffer.withUnsafeReadableBytes { raw in
            let base = start - buffer.readerIndex
            let end = raw.count
            var index = base
            while index + 1 < end {
                if raw[index] == Self.cr && raw[index + 1] == Self.lf { return index - base }
                index += 1
            }
            return nil
        }
        if let found {
            guard found <= limits.maxLineLength else { throw .lineTooLong(limit: limits.maxLineLength) }
            return found
        }
        guard available <= limits.maxLineLength + 1 else { throw .lineTooLong(limit: limits.maxLineLength) }
        return nil
    }

    private func readToken(_ buffer: inout ByteBuffer) throws(RESPDecodingError) -> Token? {
        let start = buffer.readerIndex
        guard let type = buffer.getInteger(at: start, as: UInt8.self) else { return nil }
        guard Self.isKnownType(type) else { throw .unknownType(type) }
        guard let lineLength = try lineEnd(in: buffer, from: start + 1) else { return nil }
        let lineStart = start + 1
        let afterLine = lineStart + lineLength + 2
        let line = buffer.getSlice(at: lineStart, length: lineLength) ?? ByteBuffer()

        func text(_ slice: ByteBuffer) -> String {
            String(decoding: slice.readableBytesView, as: UTF8.self)
        }

        switch type {
        case UInt8(ascii: "+"):
            buffer.moveReaderIndex(to: afterLine)
            return .value(.simpleString(text(line)))
        case UInt8(ascii: "-"):
            buffer.moveReaderIndex(to: afterLine)
            return .value(.error(text(line)))
        case UInt8(ascii: ":"):
            guard let value = Self.parseInteger(line) else { throw .invalidInteger }
            buffer.moveReaderIndex(to: afterLine)
            return .value(.integer(value))
        case UInt8(ascii: "_"):
            guard lineLength == 0 else { throw .invalidNull }
            buffer.moveReaderIndex(to: afterLine)
            return .value(.null)
        case UInt8(ascii: "#"):
            let value: Bool
            switch Array(line.readableBytesView) {
            case [UInt8(ascii: "t")]: value = true
            case [UInt8(ascii: "f")]: value = false
            default: throw .invalidBoolean
            }
            buffer.moveReaderIndex(to: afterLine)
            return .value(.boolean(value))
        case UInt8(ascii: ","):
            guard lineLength > 0, let value = Double(text(line)) else { throw .invalidDouble }
            buffer.moveReaderIndex(to: afterLine)
            return .value(.double(value))
        case UInt8(ascii: "("):
            let digits = Array(line.readableBytesView)
            let body =
                digits.first == UInt8(ascii: "-") || digits.first == UInt8(ascii: "+")
                ? digits.dropFirst() : digits[...]
            guard !body.isEmpty, body.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { throw .invalidBigNumber }
            buffer.moveReaderIndex(to: afterLine)
            return .value(.bigNumber(text(line)))
        case UInt8(ascii: "$"), UInt8(ascii: "!"), UInt8(ascii: "="):
            if line.readableBytesView.first == UInt8(ascii: "?") { throw .streamedTypeUnsupported }
            guard let declared = Self.parseInteger(line) else { throw .invalidLength }
            if declared == -1 && type == UInt8(ascii: "$") {
                buffer.moveReaderIndex(to: afterLine)
                return .value(.bulkString(nil))
            }
            guard declared >= 0 else { throw .invalidLength }
            guard declared <= Int64(limits.maxBulkLength) else {
                throw .bulkTooLong(length: Int(clamping: declared), limit: limits.maxBulkLength)
            }
            let length = Int(declared)
            guard buffer.writerIndex - afterLine >= length + 2 else { return nil }
            guard buffer.getInteger(at: afterLine + length, as: UInt8.self) == Self.cr,
                buffer.getInteger(at: afterLine + length + 1, as: UInt8.self) == Self.lf
            else { throw .missingCRLF }
            let payload = buffer.getSlice(at: afterLine, length: length) ?? ByteBuffer()
            let value: RESPValue
            switch type {
            case UInt8(ascii: "$"):
                value = .bulkString(payload)
            case UInt8(ascii: "!"):
                value = .bulkError(text(payload))
            default:
                guard length >= 4, payload.getInteger(at: payload.readerIndex + 3, as: UInt8.self) == UInt8(ascii: ":")
                else { throw .invalidVerbatimString }
                let format = payload.getSlice(at: payload.readerIndex, length: 3) ?? ByteBuffer()
                let body = payload.getSlice(at: payload.readerIndex + 4, length: length - 4) ?? ByteBuffer()
                value = .verbatimString(format: text(format), text: text(body))
            }
            buffer.moveReaderIndex(to: afterLine + length + 2)
            return .value(value)
        default:
            // The aggregates: * ~ > % |
            if line.readableBytesView.first == UInt8(ascii: "?") { throw .streamedTypeUnsupported }
            guard let declared = Self.parseInteger(line) else { throw .invalidLength }
            if declared == -1 && type == UInt8(ascii: "*") {
                buffer.moveReaderIndex(to: afterLine)
                return .value(.array(nil))
            }
            guard declared >= 0 else { throw .invalidLength }
            guard declared <= Int64(limits.maxAggregateCount) else {
                throw .aggregateTooLong(count: Int(clamping: declared), limit: limits.maxAggregateCount)
            }
            let count = Int(declared)
            buffer.moveReaderIndex(to: afterLine)
            let kind: Kind
            switch type {
            case UInt8(ascii: "*"): kind = .array
            case UInt8(ascii: "~"): kind = .set
            case UInt8(ascii: ">"): kind = .push
            case UInt8(ascii: "%"): kind = .map
            default: kind = .attributes
            }
            if count == 0 {
                switch kind {
                case .array: return .value(.array([]))
                case .set: return .value(.set([]))
                case .push: return .value(.push([]))
                case .map: return .value(.map([]))
                default: return .open(.attributes, count: 0)
                }
            }
            return .open(kind, count: count)
        }
    }

    private static func isKnownType(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: ":"), UInt8(ascii: "$"), UInt8(ascii: "*"),
            UInt8(ascii: "_"), UInt8(ascii: ","), UInt8(ascii: "#"), UInt8(ascii: "("), UInt8(ascii: "!"),
            UInt8(ascii: "="), UInt8(ascii: "%"), UInt8(ascii: "~"), UInt8(ascii: ">"), UInt8(ascii: "|"):
            return true
        default:
            return false
        }
    }

    /// A signed decimal Int64, strictly: an optional sign, then 1 to 19 digits, no overflow.
    static func parseInteger(_ line: ByteBuffer) -> Int64? {
        var negative = false
        var value: Int64 = 0
        var digits = 0
        for (offset, byte) in line.readableBytesView.enumerated() {
            if offset == 0 && (byte == UInt8(ascii: "-") || byte == UInt8(ascii: "+")) {
                negative = byte == UInt8(ascii: "-")
                continue
            }
            guard byte >= 0x30 && byte <= 0x39 else { return nil }
            let digit = Int64(byte - 0x30)
            let (shifted, overflow1) = value.multipliedReportingOverflow(by: 10)
            let (next, overflow2) =
                negative ? shifted.subtractingReportingOverflow(digit) : shifted.addingReportingOverflow(digit)
            guard !overflow1 && !overflow2 else { return nil }
            value = next
            digits += 1
        }
        return digits > 0 ? value : nil
    }
}
