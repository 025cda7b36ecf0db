import Strata

/// A request body field that is missing or malformed: a 400 naming the field (`price`,
/// `signals[2].symbol`, `body` for the body as a whole); 413 for a body over the size limit.
struct BodyError: Error, Sendable {
    var field: String
    var message: String
    var status = 400
    var code = "invalidBody"
}

/// A JSON value of a request body, read exactly: numbers keep their text (a price `64123.45`
/// becomes a ``Price`` from its digits, never through `Double`), every value keeps the bytes it was
/// sent as (metadata and payloads are stored as the JSON text the client wrote).
///
/// ```swift
/// let body = try JSONInput.parse(bytes)                  // BodyError naming "body" when not JSON
/// let fields = try BodyObject(body, name: "")            // an object, or a BodyError
/// let price: Price? = try fields.decimal("price")        // "64123.45" or 64123.45, exactly
/// ```
struct JSONInput: Sendable {
    enum Kind: Sendable {
        case null
        case bool(Bool)
        /// The number's text as sent (checked against JSON's grammar).
        case number(String)
        case string(String)
        case array([JSONInput])
        /// Members in the order sent (a name sent twice is refused by the parser).
        case object([(String, JSONInput)])
    }

    var kind: Kind
    /// The value's JSON text as sent.
    var source: ArraySlice<UInt8>

    /// Deepest nesting accepted (a body of ten thousand `[` is refused, not a stack overflow).
    static let maximumDepth = 64

    /// The text the value was sent as.
    var text: String { String(decoding: source, as: UTF8.self) }

    /// What the value is, for error messages.
    var typeName: String {
        switch kind {
        case .null: "null"
        case .bool: "a boolean"
        case .number: "a number"
        case .string: "a string"
        case .array: "an array"
        case .object: "an object"
        }
    }

    /// Parses a whole body: one JSON value with optional surrounding whitespace (RFC 8259).
    /// - Throws: ``BodyError`` for `body`, saying what was expected at which byte.
    static func parse(_ bytes: [UInt8]) throws(BodyError) -> JSONInput {
        var parser = Parser(bytes: bytes)
        let value = try parser.value(depth: 0)
        parser.skipSpace()
        guard parser.index == bytes.count else { throw parser.error("end of the body") }
        return value
    }

    private struct Parser {
        let bytes: [UInt8]
        var index = 0

        init(bytes: [UInt8]) { self.bytes = bytes }

        func error(_ expected: String) -> BodyError {
            let found =
                index < bytes.count ? "'\(String(decoding: [bytes[index]], as: UTF8.self))'" : "the end of the body"
            return BodyError(
                field: "body", message: "body: not JSON: expected \(expected) at byte \(index), found \(found)")
        }

        mutating func skipSpace() {
            while index < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[index]) { index += 1 }
        }

        mutating func value(depth: Int) throws(BodyError) -> JSONInput {
            skipSpace()
            guard depth < JSONInput.maximumDepth else {
                throw BodyError(field: "body", message: "body: nested deeper than \(JSONInput.maximumDepth) levels")
            }
            guard index < bytes.count else { throw error("a value") }
            let start = index
            let kind: Kind
            switch bytes[index] {
            case UInt8(ascii: "{"): kind = try object(depth: depth)
            case UInt8(ascii: "["): kind = try array(depth: depth)
            case UInt8(ascii: "\""): kind = .string(try string())
            case UInt8(ascii: "t"): kind = try literal("true", .bool(true))
            case UInt8(ascii: "f"): kind = try literal("false", .bool(false))
            case UInt8(ascii: "n"): kind = try literal("null", .null)
            default: kind = .number(try number())
            }
            return JSONInput(kind: kind, source: bytes[start..<index])
        }

        private mutating func object(depth: Int) throws(BodyError) -> Kind {
            index += 1
            var members: [(String, JSONInput)] = []
            var names = Set<String>()
            skipSpace()
            if index < bytes.count, bytes[index] == UInt8(ascii: "}") {
                index += 1
                return .object(members)
            }
            while true {
                skipSpace()
                guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { throw error("a member name") }
                let name = try string()
                guard names.insert(name).inserted else {
                    throw BodyError(field: name, message: "\(name): the member is sent twice")
                }
                skipSpace()
                guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else { throw error("':'") }
                index += 1
                members.append((name, try value(depth: depth + 1)))
                skipSpace()
                guard index < bytes.count else { throw error("',' or '}'") }
                if bytes[index] == UInt8(ascii: ",") {
                    index += 1
                    continue
                }
                guard bytes[index] == UInt8(ascii: "}") else { throw error("',' or '}'") }
                index += 1
                return .object(members)
            }
        }

        private mutating func array(depth: Int) throws(BodyError) -> Kind {
            index += 1
            var items: [JSONInput] = []
            skipSpace()
            if index < bytes.count, bytes[index] == UInt8(ascii: "]") {
                index += 1
                return .array(items)
            }
            while true {
                items.append(try value(depth: depth + 1))
                skipSpace()
                guard index < bytes.count else { throw error("',' or ']'") }
                if bytes[index] == UInt8(ascii: ",") {
                    index += 1
                    continue
                }
                guard bytes[index] == UInt8(ascii: "]") else { throw error("',' or ']'") }
                index += 1
                return .array(items)
            }
        }

        private mutating func literal(_ word: StaticString, _ kind: Kind) throws(BodyError) -> Kind {
            let start = index
            for offset in 0..<word.utf8CodeUnitCount {
                guard index < bytes.count, bytes[index] == word.utf8Start[offset] else {
                    index = start
                    throw error("a value")
                }
                index += 1
            }
            return kind
        }

        /// `-?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?`, as its text.
        private mutating func number() throws(BodyError) -> String {
            let start = index
            func digits(_ parser: inout Parser) -> Int {
                let first = parser.index
                while parser.index < parser.bytes.count, (0x30...0x39).contains(parser.bytes[parser.index]) {
                    parser.index += 1
                }
                return parser.index - first
            }
            if index < bytes.count, bytes[index] == UInt8(ascii: "-") { index += 1 }
            let integerStart = index
            let integerDigits = digits(&self)
            guard integerDigits > 0 else {
                index = start
                throw error("a value")
            }
            guard integerDigits == 1 || bytes[integerStart] != UInt8(ascii: "0") else {
                index = integerStart
                throw error("a number without leading zeros")
            }
            if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
                index += 1
                guard digits(&self) > 0 else { throw error("a digit after '.'") }
            }
            if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
                index += 1
                if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") {
                    index += 1
                }
                guard digits(&self) > 0 else { throw error("an exponent's digits") }
            }
            return String(decoding: bytes[start..<index], as: UTF8.self)
        }

        /// A string's value: escapes resolved (surrogate pairs joined), control characters and
        /// invalid UTF-8 refused.
        private mutating func string() throws(BodyError) -> String {
            index += 1
            var scalars: [UInt8] = []
            while index < bytes.count {
                let byte = bytes[index]
                index += 1
                switch byte {
                case UInt8(ascii: "\""):
                    guard let text = String(validating: scalars, as: UTF8.self) else {
                        throw BodyError(field: "body", message: "body: a string is not valid UTF-8")
                    }
                    return text
                case UInt8(ascii: "\\"):
                    guard index < bytes.count else { throw error("an escape") }
                    let escaped = bytes[index]
                    index += 1
                    switch escaped {
                    case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): scalars.append(escaped)
                    case UInt8(ascii: "b"): scalars.append(0x08)
                    case UInt8(ascii: "f"): scalars.append(0x0C)
                    case UInt8(ascii: "n"): scalars.append(0x0A)
                    case UInt8(ascii: "r"): scalars.append(0x0D)
                    case UInt8(ascii: "t"): scalars.append(0x09)
                    case UInt8(ascii: "u"):
                        var code = try hex4()
                        if (0xD800...0xDBFF).contains(code) {
                            guard index + 1 < bytes.count, bytes[index] == UInt8(ascii: "\\"),
                                bytes[index + 1] == UInt8(ascii: "u")
                            else { throw error("the low half of a surrogate pair") }
                            index += 2
                            let low = try hex4()
                            guard (0xDC00...0xDFFF).contains(low) else {
                                throw error("the low half of a surrogate pair")
                            }
                            code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                        }
                        guard let scalar = Unicode.Scalar(code) else { throw error("a Unicode scalar") }
                        scalars.append(contentsOf: String(Character(scalar)).utf8)
                    default:
                        index -= 1
                        throw error("an escape (\\\" \\\\ \\/ \\b \\f \\n \\r \\t \\u)")
                    }
                case 0x00..<0x20:
                    index -= 1
                    throw error("no control character in a string")
                default: scalars.append(byte)
                }
            }
            throw error("'\"' closing the string")
        }

        private mutating func hex4() throws(BodyError) -> UInt32 {
            var code: UInt32 = 0
            for _ in 0..<4 {
                guard index < bytes.count, let digit = Self.hexValue(bytes[index]) else { throw error("4 hex digits") }
                code = code << 4 | digit
                index += 1
            }
            return code
        }

        private static func hexValue(_ byte: UInt8) -> UInt32? {
            switch byte {
            case 0x30...0x39: UInt32(byte - 0x30)
            case 0x41...0x46: UInt32(byte - 0x41 + 10)
            case 0x61...0x66: UInt32(byte - 0x61 + 10)
            default: nil
            }
        }
    }
}

/// The members of a JSON object of a request body, read by name: every error a ``BodyError``
/// naming the field as the client sent it (prefixed, for an item of an array: `signals[2].price`).
struct BodyObject {
    private let members: [String: JSONInput]
    private let order: [String]
    /// Put before each field's name in errors (`""`, or `[2].` for an array's third item).
    let prefix: String

    /// The members of `value`, which must be an object.
    /// - Parameter name: what `value` is, for the error (`body`, `[2]`).
    init(_ value: JSONInput, name: String = "body", prefix: String = "") throws(BodyError) {
        guard case .object(let members) = value.kind else {
            throw BodyError(field: name, message: "\(name): expected a JSON object, got \(value.typeName)")
        }
        self.members = Dictionary(members) { first, _ in first }
        order = members.map(\.0)
        self.prefix = prefix
    }

    private func name(_ key: String) -> String { prefix + key }

    private func invalid(_ key: String, _ message: String) -> BodyError {
        BodyError(field: name(key), message: "\(name(key)): \(message)")
    }

    /// Refuses members other than `known` (a misspelt `quantity` must not pass silently).
    func only(_ known: Set<String>) throws(BodyError) {
        if let unknown = order.first(where: { !known.contains($0) }) {
            throw invalid(unknown, "unknown member (expected one of \(known.sorted().joined(separator: ", ")))")
        }
    }

    /// The member's value; `nil` when absent or `null`.
    func value(_ key: String) -> JSONInput? {
        guard let value = members[key] else { return nil }
        if case .null = value.kind { return nil }
        return value
    }

    /// The error of a required member that is absent or `null`.
    func missing(_ key: String) -> BodyError { invalid(key, "required member is missing") }

    /// A required member: absent or `null` is an error.
    private func present(_ key: String) throws(BodyError) -> JSONInput {
        guard let value = value(key) else { throw missing(key) }
        return value
    }

    func string(_ key: String) throws(BodyError) -> String? {
        guard let value = value(key) else { return nil }
        guard case .string(let text) = value.kind else {
            throw invalid(key, "expected a string, got \(value.typeName) \(Self.quoted(value))")
        }
        return text
    }

    /// A string that must be present and not empty.
    func requiredString(_ key: String) throws(BodyError) -> String {
        _ = try present(key)
        guard let text = try string(key), !text.isEmpty else { throw invalid(key, "must not be empty") }
        return text
    }

    /// An integer: a JSON integer or a string of one (ids beyond 2^53 survive JavaScript as strings).
    func int64(_ key: String) throws(BodyError) -> Int64? {
        guard let value = value(key) else { return nil }
        let text: String
        switch value.kind {
        case .number(let number): text = number
        case .string(let string): text = string
        default: throw invalid(key, "expected an integer, got \(value.typeName) \(Self.quoted(value))")
        }
        guard let number = Int64(text) else {
            throw invalid(key, "expected an integer in \(Int64.min)...\(Int64.max), got '\(text)'")
        }
        return number
    }

    func requiredInt64(_ key: String) throws(BodyError) -> Int64 {
        _ = try present(key)
        return try int64(key)!
    }

    /// An integer in `range`, or `default` when absent.
    func int(_ key: String, default fallback: Int, range: ClosedRange<Int>) throws(BodyError) -> Int {
        guard let number = try int64(key) else { return fallback }
        guard number >= range.lowerBound, number <= range.upperBound else {
            throw invalid(key, "expected an integer in \(range.lowerBound)...\(range.upperBound), got \(number)")
        }
        return Int(number)
    }

    /// An exact decimal (``Price``, ``Quantity``) from a JSON string or number, read from its text.
    func decimal<D: FixedPointDecimal>(_ key: String, as type: D.Type = D.self) throws(BodyError) -> D? {
        guard let value = value(key) else { return nil }
        let text: String
        switch value.kind {
        case .number(let number): text = number
        case .string(let string): text = string
        default:
            throw invalid(key, "expected a decimal (string or number), got \(value.typeName) \(Self.quoted(value))")
        }
        do {
            return try D(text, field: name(key))
        } catch let error as ValidationError {
            throw BodyError(field: name(key), message: error.description)
        } catch {
            throw invalid(key, "expected a decimal, got '\(text)'")
        }
    }

    func requiredDecimal<D: FixedPointDecimal>(_ key: String, as type: D.Type = D.self) throws(BodyError) -> D {
        _ = try present(key)
        return try decimal(key, as: type)!
    }

    /// A required decimal greater than zero (a fill's quantity and price).
    func positiveDecimal<D: FixedPointDecimal>(_ key: String, as type: D.Type = D.self) throws(BodyError) -> D {
        let value = try requiredDecimal(key, as: type)
        guard value.mantissa > 0 else { throw invalid(key, "must be positive, got \(value)") }
        return value
    }

    /// A float (a confidence, a severity: not money), finite.
    func double(_ key: String) throws(BodyError) -> Double? {
        guard let value = value(key) else { return nil }
        let text: String
        switch value.kind {
        case .number(let number): text = number
        case .string(let string): text = string
        default: throw invalid(key, "expected a number, got \(value.typeName) \(Self.quoted(value))")
        }
        guard let number = Double(text), number.isFinite else {
            throw invalid(key, "expected a finite number, got '\(text)'")
        }
        return number
    }

    /// A time: ISO-8601 text, or epoch nanoseconds as an integer or a string of digits.
    func timestamp(_ key: String) throws(BodyError) -> Timestamp? {
        guard let value = value(key) else { return nil }
        let text: String
        switch value.kind {
        case .number(let number): text = number
        case .string(let string): text = string
        default: throw invalid(key, "expected ISO-8601 or epoch nanoseconds, got \(value.typeName)")
        }
        do {
            return try Timestamp(parsing: text, field: name(key))
        } catch {
            throw invalid(key, "expected ISO-8601 or epoch nanoseconds, got '\(text)'")
        }
    }

    /// A symbol (letters, digits and `. _ - / : @ #`).
    func symbol(_ key: String) throws(BodyError) -> Symbol? {
        guard let text = try string(key) else { return nil }
        guard Symbol.isValid(text) else { throw invalid(key, "invalid symbol '\(text)'") }
        return Symbol(unchecked: text)
    }

    func requiredSymbol(_ key: String) throws(BodyError) -> Symbol {
        _ = try present(key)
        return try symbol(key)!
    }

    /// One string or an array of strings (`"queue": "mail"`, `"queue": ["mail", "sms"]`).
    func strings(_ key: String) throws(BodyError) -> [String]? {
        guard let value = value(key) else { return nil }
        switch value.kind {
        case .string(let text): return [text]
        case .array(let items):
            var texts: [String] = []
            for (index, item) in items.enumerated() {
                guard case .string(let text) = item.kind else {
                    throw invalid("\(key)[\(index)]", "expected a string, got \(item.typeName)")
                }
                texts.append(text)
            }
            return texts
        default: throw invalid(key, "expected a string or an array of strings, got \(value.typeName)")
        }
    }

    /// One of `Value`'s raw values.
    func choice<Value: RawRepresentable & CaseIterable>(_ key: String, as type: Value.Type = Value.self)
        throws(BodyError) -> Value? where Value.RawValue == String
    {
        guard let text = try string(key) else { return nil }
        guard let choice = Value(rawValue: text) else {
            let names = Value.allCases.map(\.rawValue).joined(separator: ", ")
            throw invalid(key, "expected one of \(names), got '\(text)'")
        }
        return choice
    }

    /// JSON text kept as text (metadata, a job's payload): a string is the text itself, any other
    /// value the JSON it was sent as.
    func jsonText(_ key: String) -> String? {
        guard let value = value(key) else { return nil }
        if case .string(let text) = value.kind { return text }
        return value.text
    }

    /// A value as quoted in a message (cut at 40 bytes).
    private static func quoted(_ value: JSONInput) -> String {
        let text = value.text
        return text.utf8.count <= 40 ? text : String(decoding: Array(text.utf8.prefix(40)), as: UTF8.self) + "…"
    }
}
