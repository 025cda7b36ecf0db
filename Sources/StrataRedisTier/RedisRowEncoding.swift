import NIOCore
public import StrataCore
import StrataRedis

/// How a row is written into Redis: one sorted-set member per row, exact.
///
/// A member is `<time, 20 digits>|<log position, 20 digits>|<row, 6 digits>|<JSON object>`: the
/// fixed-width prefix makes members of equal score sort by exact time, then commit order (the
/// score is the time in microseconds, which a double holds exactly; nanoseconds it does not), and
/// makes the member unique per stored row. The JSON object has every column by its schema name:
/// the symbol and text as strings, a timestamp and an int64 as integers (nanoseconds UTC), a
/// decimal as exact text at its scale (`"64123.40"`: never a binary float), a float64 in its
/// shortest round-trip form, a bool as `true`/`false`, an absent value as `null`.
public struct RedisRowEncoding: Sendable {
    public let schema: RecordSchema
    let columns: [SchemaColumn]
    let timestampLane: Int
    /// `{"<symbol column>":` and `,"<column>":` per column, written once.
    let symbolKey: [UInt8]
    let keys: [[UInt8]]

    public init(schema: RecordSchema) {
        self.schema = schema
        columns = schema.storageColumns
        timestampLane = columns.firstIndex { $0.name == schema.timestamp } ?? 0
        symbolKey = Array(("{" + Self.quoted(schema.symbolColumn.name) + ":").utf8)
        keys = columns.map { Array(("," + Self.quoted($0.name) + ":").utf8) }
    }

    /// The score of a row: its time in microseconds (floor).
    public func score(time: Int64) -> Int64 {
        time >= 0 ? time / 1_000 : (time - 999) / 1_000
    }

    /// The member of row `row` of `batch`, the log's entry `position`.
    public func member(row: Int, of batch: ColumnBatch, position: UInt64) -> String {
        var buffer = ByteBuffer()
        writeMemberPrefix(time: batch.columns[timestampLane][row], position: position, row: row, into: &buffer)
        writeJSON(row: row, of: batch, into: &buffer)
        return String(buffer: buffer)
    }

    /// The bytes of a member before its JSON object.
    static let memberPrefixLength = 20 + 1 + 20 + 1 + 6 + 1

    /// `<time, 20 digits>|<position, 20 digits>|<row, 6 digits>|`.
    func writeMemberPrefix(time: Int64, position: UInt64, row: Int, into buffer: inout ByteBuffer) {
        RedisCommand.writeDigits(UInt64(bitPattern: time) ^ (1 << 63), width: 20, into: &buffer)
        buffer.writeInteger(UInt8(ascii: "|"))
        RedisCommand.writeDigits(position, width: 20, into: &buffer)
        buffer.writeInteger(UInt8(ascii: "|"))
        RedisCommand.writeDigits(UInt64(row), width: 6, into: &buffer)
        buffer.writeInteger(UInt8(ascii: "|"))
    }

    /// The row as a JSON object.
    public func json(row: Int, of batch: ColumnBatch) -> String {
        var buffer = ByteBuffer()
        writeJSON(row: row, of: batch, into: &buffer)
        return String(buffer: buffer)
    }

    /// Appends the row as a JSON object (see the type's summary for the form of each kind).
    func writeJSON(row: Int, of batch: ColumnBatch, into buffer: inout ByteBuffer) {
        buffer.writeBytes(symbolKey)
        Self.writeQuoted(batch.symbols[Int(batch.symbolIndex[row])], into: &buffer)
        for (c, column) in columns.enumerated() {
            let lane = batch.columns[c][row]
            buffer.writeBytes(keys[c])
            if lane == column.kind.absentLane {
                buffer.writeStaticString("null")
                continue
            }
            switch column.kind {
            case .timestamp, .int64, .int8, .symbol:
                if lane < 0 { buffer.writeInteger(UInt8(ascii: "-")) }
                RedisCommand.writeDigits(lane.magnitude, width: 0, into: &buffer)
            case .decimal(let scale):
                buffer.writeInteger(UInt8(ascii: "\""))
                Self.writeDecimal(lane, scale: scale, into: &buffer)
                buffer.writeInteger(UInt8(ascii: "\""))
            case .float64: buffer.writeString("\(Double(bitPattern: UInt64(bitPattern: lane)))")
            case .bool: buffer.writeStaticString(lane != 0 ? "true" : "false")
            case .text: Self.writeQuoted(batch.texts.string(lane), into: &buffer)
            }
        }
        buffer.writeInteger(UInt8(ascii: "}"))
    }

    /// A decimal's exact text at its scale (`-12.50` for mantissa -1250, scale 2).
    static func writeDecimal(_ mantissa: Int64, scale: Int, into buffer: inout ByteBuffer) {
        guard scale > 0, scale <= 18 else {
            buffer.writeString(DecimalFormatter.format(mantissa, scale: scale, minimumFractionDigits: scale))
            return
        }
        if mantissa < 0 { buffer.writeInteger(UInt8(ascii: "-")) }
        var power: UInt64 = 1
        for _ in 0..<scale { power *= 10 }
        let magnitude = mantissa.magnitude
        RedisCommand.writeDigits(magnitude / power, width: 0, into: &buffer)
        buffer.writeInteger(UInt8(ascii: "."))
        RedisCommand.writeDigits(magnitude % power, width: scale, into: &buffer)
    }

    /// The JSON object of a member (what follows its prefix).
    public static func json(ofMember member: String) -> Substring {
        var rest = Substring(member)
        for _ in 0..<3 {
            guard let bar = rest.firstIndex(of: "|") else { return rest }
            rest = rest[rest.index(after: bar)...]
        }
        return rest
    }

    /// The log position in a member's prefix.
    public static func position(ofMember member: String) -> UInt64? {
        let parts = member.split(separator: "|", maxSplits: 3)
        return parts.count == 4 ? UInt64(parts[1]) : nil
    }

    /// Appends `text` as a JSON string.
    static func writeQuoted(_ text: String, into buffer: inout ByteBuffer) {
        buffer.writeInteger(UInt8(ascii: "\""))
        var plain = true
        for byte in text.utf8 where byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") {
            plain = false
            break
        }
        if plain {
            buffer.writeString(text)
        } else {
            buffer.writeString(String(quoted(text).dropFirst().dropLast()))
        }
        buffer.writeInteger(UInt8(ascii: "\""))
    }

    static func quoted(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 {
                    let hex = String(scalar.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }
}
