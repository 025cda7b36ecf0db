import NIOCore
import Strata

/// JSON written straight into UTF-8 bytes, members in the order written (no Foundation, no
/// floating point: decimals are strings, integers are integers).
///
/// It writes into the response's `ByteBuffer`: rows go straight in through a ``UTF8Cursor``
/// (one capacity check per row: a latest-100 answer is 100 rows of timestamps and decimals, and
/// building a tree of `String`s first cost ten times the formatting itself); small documents are
/// ``JSON`` values, written through it too.
///
/// ```swift
/// var writer = JSONWriter()
/// writer.beginObject()
/// writer.key("count"); writer.int(2)
/// writer.key("rows"); writer.beginArray(); …; writer.endArray()
/// writer.endObject()
/// let body = writer.buffer
/// ```
struct JSONWriter {
    /// The text so far (a response body as it is).
    private(set) var buffer: ByteBuffer
    /// A value was written at this level, so the next one needs a comma.
    private var needsComma = false
    /// A key was just written: its value follows without a comma.
    private var afterKey = false

    init(capacity: Int = 256) { buffer = ByteBufferAllocator().buffer(capacity: capacity) }

    /// The text as an array.
    var bytes: [UInt8] { Array(buffer.readableBytesView) }

    /// Before a value or a key: the comma between siblings.
    private mutating func separate() {
        if afterKey {
            afterKey = false
        } else if needsComma {
            buffer.writeInteger(UInt8(ascii: ","))
        }
        needsComma = true
    }

    /// Writes through a cursor over at least `maximumBytes` reserved bytes: the fast path for
    /// rows, which know their largest size.
    private mutating func withCursor(maximumBytes: Int, _ body: (inout UTF8Cursor) -> Void) {
        buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: maximumBytes) { raw in
            let start = raw.bindMemory(to: UInt8.self).baseAddress!
            var cursor = UTF8Cursor(start)
            body(&cursor)
            return cursor.position - start
        }
    }

    /// One whole value (a row object) written with a cursor; `maximumBytes` must bound it.
    mutating func element(maximumBytes: Int, _ body: (inout UTF8Cursor) -> Void) {
        separate()
        withCursor(maximumBytes: maximumBytes, body)
    }

    mutating func beginObject() { open(UInt8(ascii: "{")) }
    mutating func endObject() { close(UInt8(ascii: "}")) }
    mutating func beginArray() { open(UInt8(ascii: "[")) }
    mutating func endArray() { close(UInt8(ascii: "]")) }

    private mutating func open(_ bracket: UInt8) {
        separate()
        buffer.writeInteger(bracket)
        needsComma = false
    }

    private mutating func close(_ bracket: UInt8) {
        buffer.writeInteger(bracket)
        needsComma = true
    }

    /// A member name written in code (the routes' names are plain ASCII: not escaped).
    mutating func key(_ name: StaticString) {
        separate()
        withCursor(maximumBytes: name.utf8CodeUnitCount + 3) { cursor in
            cursor.write(UInt8(ascii: "\""))
            cursor.write(name)
            cursor.write("\":")
        }
        afterKey = true
    }

    /// A member name from data (escaped).
    mutating func key(_ name: String) {
        separate()
        withCursor(maximumBytes: JSONText.maximumQuotedBytes(name) + 1) { cursor in
            cursor.writeJSONQuoted(name)
            cursor.write(UInt8(ascii: ":"))
        }
        afterKey = true
    }

    mutating func string(_ value: String) {
        element(maximumBytes: JSONText.maximumQuotedBytes(value)) { $0.writeJSONQuoted(value) }
    }

    mutating func int(_ value: Int64) {
        element(maximumBytes: 20) { $0.write(value) }
    }

    mutating func int(_ value: Int) { int(Int64(value)) }

    mutating func bool(_ value: Bool) {
        separate()
        buffer.writeStaticString(value ? "true" : "false")
    }

    mutating func null() {
        separate()
        buffer.writeStaticString("null")
    }

    /// An array of values.
    mutating func rows<Rows: Sequence>(_ rows: Rows) where Rows.Element: JSONRepresentable {
        beginArray()
        for row in rows { row.writeJSON(to: &self) }
        endArray()
    }

    /// A ``JSON`` value.
    mutating func value(_ json: JSON) {
        switch json {
        case .null: null()
        case .bool(let value): bool(value)
        case .int(let value): int(value)
        case .string(let value): string(value)
        case .array(let items):
            beginArray()
            for item in items { value(item) }
            endArray()
        case .object(let members):
            beginObject()
            for (name, member) in members {
                key(name)
                value(member)
            }
            endObject()
        case .raw(let text):
            separate()
            buffer.writeImmutableBuffer(text)
        }
    }
}

/// A JSON value built by the routes and printed with keys in the order given (see ``JSONWriter``).
enum JSON: Sendable, Hashable {
    case null
    case bool(Bool)
    case int(Int64)
    case string(String)
    case array([JSON])
    case object([(String, JSON)])
    /// JSON text written beforehand (rows, by ``rows(_:)``), inserted as it is.
    case raw(ByteBuffer)

    static func == (lhs: JSON, rhs: JSON) -> Bool { lhs.bytes() == rhs.bytes() }
    func hash(into hasher: inout Hasher) { hasher.combine(bytes()) }

    static func int(_ value: Int) -> JSON { .int(Int64(value)) }

    /// An array of values, written straight from them.
    static func rows<Rows: Sequence>(_ rows: Rows) -> JSON where Rows.Element: JSONRepresentable {
        var writer = JSONWriter(capacity: rows.underestimatedCount * 200 + 2)
        writer.rows(rows)
        return .raw(writer.buffer)
    }

    /// The compact JSON text.
    func serialized() -> String { String(buffer: buffer()) }

    /// The compact JSON text as UTF-8.
    func bytes() -> [UInt8] { buffer().readableBytesView.map { $0 } }

    /// The compact JSON text as a buffer (what responses send).
    func buffer() -> ByteBuffer {
        var writer = JSONWriter()
        writer.value(self)
        return writer.buffer
    }
}

/// Literals for values written out in code (the OpenAPI document): `["type": "string"]` is an
/// object with its keys in the order written.
extension JSON: ExpressibleByStringInterpolation, ExpressibleByIntegerLiteral, ExpressibleByBooleanLiteral,
    ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral
{
    init(stringLiteral value: String) { self = .string(value) }
    init(integerLiteral value: Int64) { self = .int(value) }
    init(booleanLiteral value: Bool) { self = .bool(value) }
    init(arrayLiteral elements: JSON...) { self = .array(elements) }
    init(dictionaryLiteral elements: (String, JSON)...) { self = .object(elements) }
}
