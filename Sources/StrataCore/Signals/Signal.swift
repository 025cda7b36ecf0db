/// A strategy's signal, as kept in the signal history (``RecordSchema/signalHistory``): which
/// strategy said what about which symbol, when, how confidently, at what price and size.
///
/// Prices and quantities are exact fixed-point decimals; the confidence is a float (a model's
/// score, not money); the metadata is the strategy's own JSON text.
public struct Signal: Sendable, Hashable {
    public var id: Int64
    public var time: Timestamp
    public var strategy: String
    public var symbol: Symbol
    /// What the signal says (`buy`, `sell`, `exit`, `breakout`…).
    public var type: String
    public var confidence: Double
    public var price: Price?
    public var quantity: Quantity?
    /// JSON text (an object by convention; `{}` when there is nothing to add).
    public var metadata: String

    public init(
        id: Int64, time: Timestamp, strategy: String, symbol: Symbol, type: String, confidence: Double,
        price: Price? = nil, quantity: Quantity? = nil, metadata: String = "{}"
    ) {
        self.id = id
        self.time = time
        self.strategy = strategy
        self.symbol = symbol
        self.type = type
        self.confidence = confidence
        self.price = price
        self.quantity = quantity
        self.metadata = metadata
    }

    /// Checks what the table's schema does not: a non-empty strategy and type, metadata that is
    /// one JSON value.
    /// - Throws: ``ValidationError`` naming the field and value.
    public func validate() throws(ValidationError) {
        guard !strategy.isEmpty else {
            throw ValidationError(field: "strategy", value: strategy, rule: .malformed, detail: "must not be empty")
        }
        guard !type.isEmpty else {
            throw ValidationError(field: "type", value: type, rule: .malformed, detail: "must not be empty")
        }
        guard JSONSyntax.isValue(metadata) else {
            throw ValidationError(
                field: "metadata", value: String(metadata.prefix(60)), rule: .malformed, detail: "must be JSON text")
        }
    }
}

/// A JSON syntax check (RFC 8259) without building the value: for text columns that hold JSON.
public enum JSONSyntax {
    /// Whether `text` is exactly one JSON value (with surrounding whitespace).
    public static func isValue(_ text: String) -> Bool {
        var copy = text
        return copy.withUTF8 { bytes in
            var index = 0
            guard value(bytes, &index, depth: 0) else { return false }
            skipSpace(bytes, &index)
            return index == bytes.count
        }
    }

    private static func skipSpace(_ bytes: UnsafeBufferPointer<UInt8>, _ index: inout Int) {
        while index < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[index]) { index += 1 }
    }

    private static func value(_ bytes: UnsafeBufferPointer<UInt8>, _ index: inout Int, depth: Int) -> Bool {
        guard depth < 256 else { return false }
        skipSpace(bytes, &index)
        guard index < bytes.count else { return false }
        switch bytes[index] {
        case UInt8(ascii: "{"):
            index += 1
            skipSpace(bytes, &index)
            if index < bytes.count, bytes[index] == UInt8(ascii: "}") {
                index += 1
                return true
            }
            while true {
                skipSpace(bytes, &index)
                guard string(bytes, &index) else { return false }
                skipSpace(bytes, &index)
                guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else { return false }
                index += 1
                guard value(bytes, &index, depth: depth + 1) else { return false }
                skipSpace(bytes, &index)
                guard index < bytes.count else { return false }
                if bytes[index] == UInt8(ascii: ",") {
                    index += 1
                    continue
                }
                guard bytes[index] == UInt8(ascii: "}") else { return false }
                index += 1
                return true
            }
        case UInt8(ascii: "["):
            index += 1
            skipSpace(bytes, &index)
            if index < bytes.count, bytes[index] == UInt8(ascii: "]") {
                index += 1
                return true
            }
            while true {
                guard value(bytes, &index, depth: depth + 1) else { return false }
                skipSpace(bytes, &index)
                guard index < bytes.count else { return false }
                if bytes[index] == UInt8(ascii: ",") {
                    index += 1
                    continue
                }
                guard bytes[index] == UInt8(ascii: "]") else { return false }
                index += 1
                return true
            }
        case UInt8(ascii: "\""): return string(bytes, &index)
        case UInt8(ascii: "t"): return literal(bytes, &index, "true")
        case UInt8(ascii: "f"): return literal(bytes, &index, "false")
        case UInt8(ascii: "n"): return literal(bytes, &index, "null")
        default: return number(bytes, &index)
        }
    }

    private static func literal(_ bytes: UnsafeBufferPointer<UInt8>, _ index: inout Int, _ word: String) -> Bool {
        for byte in word.utf8 {
            guard index < bytes.count, bytes[index] == byte else { return false }
            index += 1
        }
        return true
    }

    private static func string(_ bytes: UnsafeBufferPointer<UInt8>, _ index: inout Int) -> Bool {
        guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { return false }
        index += 1
        while index < bytes.count {
            let byte = bytes[index]
            index += 1
            switch byte {
            case UInt8(ascii: "\""): return true
            case UInt8(ascii: "\\"):
                guard index < bytes.count else { return false }
                let escaped = bytes[index]
                index += 1
                if escaped == UInt8(ascii: "u") {
                    for _ in 0..<4 {
                        guard index < bytes.count, isHexDigit(bytes[index]) else { return false }
                        index += 1
                    }
                } else if !Array("\"\\/bfnrt".utf8).contains(escaped) {
                    return false
                }
            case 0..<0x20: return false
            default: continue
            }
        }
        return false
    }

    private static func isHexDigit(_ byte: UInt8) -> Bool {
        (0x30...0x39).contains(byte) || (0x41...0x46).contains(byte) || (0x61...0x66).contains(byte)
    }

    private static func number(_ bytes: UnsafeBufferPointer<UInt8>, _ index: inout Int) -> Bool {
        func digits() -> Int {
            let start = index
            while index < bytes.count, (0x30...0x39).contains(bytes[index]) { index += 1 }
            return index - start
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: "-") { index += 1 }
        guard index < bytes.count else { return false }
        if bytes[index] == UInt8(ascii: "0") {
            index += 1
        } else if digits() == 0 {
            return false
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            index += 1
            guard digits() > 0 else { return false }
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
            index += 1
            if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") {
                index += 1
            }
            guard digits() > 0 else { return false }
        }
        return true
    }
}
