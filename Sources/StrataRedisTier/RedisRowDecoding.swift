public import StrataCore
public import StrataTiers

/// Reads members written by ``RedisRowEncoding`` back into lanes (the storage columns of the
/// table's schema, as every ``RowSet`` has them): integers and timestamps from their digits,
/// decimals exactly from their text at the column's scale, float64 from its shortest text, text
/// into the row set's heap, `null` as the column's absent value.
public struct RedisRowDecoding: Sendable {
    let columns: [SchemaColumn]

    public init(schema: RecordSchema) { columns = schema.storageColumns }

    /// Lanes of every row set this decodes.
    public var laneCount: Int { columns.count }

    /// The time in a member's prefix (nanoseconds).
    public static func time(ofMember member: String) -> Int64? {
        guard let bar = member.firstIndex(of: "|"), let biased = UInt64(member[..<bar]) else { return nil }
        return Int64(bitPattern: biased ^ (1 << 63))
    }

    /// The rows of `members`, in their order.
    /// - Throws: ``TierError`` `.corruptFile` naming the member that does not decode.
    public func rows(_ members: [String]) throws(TierError) -> RowSet {
        var rows = RowSet(columnCount: columns.count)
        for member in members {
            guard decode(RedisRowEncoding.json(ofMember: member), into: &rows) else {
                throw TierError(.corruptFile, "redis tier: a member does not decode: \(member.prefix(200))")
            }
        }
        return rows
    }

    /// Appends one JSON object's values to `rows`; false (nothing appended) when it is malformed.
    func decode(_ json: Substring, into rows: inout RowSet) -> Bool {
        var reader = FlatJSONReader(json.utf8)
        guard reader.consume(UInt8(ascii: "{")) else { return false }
        // The symbol first, then the storage columns in order.
        guard reader.key() != nil, case .string = reader.value() else { return false }
        var lanes: [Int64] = []
        lanes.reserveCapacity(columns.count)
        var texts: [String?] = Array(repeating: nil, count: columns.count)
        for (c, column) in columns.enumerated() {
            guard reader.consume(UInt8(ascii: ",")), reader.key() == column.name, let value = reader.value() else {
                return false
            }
            switch (column.kind, value) {
            case (_, .null): lanes.append(column.kind.absentLane)
            case (.timestamp, .number(let text)), (.int64, .number(let text)), (.int8, .number(let text)),
                (.symbol, .number(let text)):
                guard let lane = Int64(text) else { return false }
                lanes.append(lane)
            case (.decimal(let scale), .string(let text)):
                let parsed = Array(text.utf8).withUnsafeBufferPointer { DecimalParser.parse($0, scale: scale) }
                guard case .success(let mantissa) = parsed else { return false }
                lanes.append(mantissa)
            case (.float64, .number(let text)):
                guard let double = Double(text) else { return false }
                lanes.append(Int64(bitPattern: double.bitPattern))
            case (.bool, .bool(let flag)): lanes.append(flag ? 1 : 0)
            case (.text, .string(let text)):
                lanes.append(0)
                texts[c] = text
            default: return false
            }
        }
        guard reader.consume(UInt8(ascii: "}")), reader.atEnd else { return false }
        for c in lanes.indices {
            var lane = lanes[c]
            if let text = texts[c] { lane = rows.texts.append(text) }
            rows.columns[c].append(lane)
        }
        return true
    }
}

/// A reader of the flat JSON objects the Redis tier writes (strings, numbers, booleans, null).
struct FlatJSONReader {
    enum Value {
        case string(String)
        case number(String)
        case bool(Bool)
        case null
    }

    private let bytes: [UInt8]
    private var index = 0

    init(_ utf8: Substring.UTF8View) { bytes = Array(utf8) }

    var atEnd: Bool { index == bytes.count }

    mutating func consume(_ byte: UInt8) -> Bool {
        guard index < bytes.count, bytes[index] == byte else { return false }
        index += 1
        return true
    }

    /// `"name":`
    mutating func key() -> String? {
        guard let name = string(), consume(UInt8(ascii: ":")) else { return nil }
        return name
    }

    mutating func value() -> Value? {
        guard index < bytes.count else { return nil }
        switch bytes[index] {
        case UInt8(ascii: "\""): return string().map(Value.string)
        case UInt8(ascii: "t"): return literal("true") ? .bool(true) : nil
        case UInt8(ascii: "f"): return literal("false") ? .bool(false) : nil
        case UInt8(ascii: "n"): return literal("null") ? .null : nil
        default:
            let start = index
            while index < bytes.count, bytes[index] != UInt8(ascii: ","), bytes[index] != UInt8(ascii: "}") {
                index += 1
            }
            guard index > start else { return nil }
            return .number(String(decoding: bytes[start..<index], as: UTF8.self))
        }
    }

    private mutating func literal(_ word: String) -> Bool {
        let utf8 = Array(word.utf8)
        guard bytes.count - index >= utf8.count, Array(bytes[index..<index + utf8.count]) == utf8 else { return false }
        index += utf8.count
        return true
    }

    private mutating func string() -> String? {
        guard consume(UInt8(ascii: "\"")) else { return nil }
        var out: [UInt8] = []
        while index < bytes.count {
            let byte = bytes[index]
            index += 1
            switch byte {
            case UInt8(ascii: "\""): return String(decoding: out, as: UTF8.self)
            case UInt8(ascii: "\\"):
                guard index < bytes.count else { return nil }
                let escaped = bytes[index]
                index += 1
                switch escaped {
                case UInt8(ascii: "n"): out.append(0x0A)
                case UInt8(ascii: "r"): out.append(0x0D)
                case UInt8(ascii: "t"): out.append(0x09)
                case UInt8(ascii: "u"):
                    guard bytes.count - index >= 4,
                        let scalar = UInt32(String(decoding: bytes[index..<index + 4], as: UTF8.self), radix: 16)
                            .flatMap(Unicode.Scalar.init)
                    else { return nil }
                    index += 4
                    out.append(contentsOf: Array(String(Character(scalar)).utf8))
                default: out.append(escaped)
                }
            default: out.append(byte)
            }
        }
        return nil
    }
}
