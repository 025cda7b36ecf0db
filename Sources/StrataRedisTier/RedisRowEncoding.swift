public import StrataCore

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

    public init(schema: RecordSchema) {
        self.schema = schema
        columns = schema.storageColumns
        timestampLane = columns.firstIndex { $0.name == schema.timestamp } ?? 0
    }

    /// The score of a row: its time in microseconds (floor).
    public func score(time: Int64) -> Int64 {
        time >= 0 ? time / 1_000 : (time - 999) / 1_000
    }

    /// The member of row `row` of `batch`, the log's entry `position`.
    public func member(row: Int, of batch: ColumnBatch, position: UInt64) -> String {
        let time = batch.columns[timestampLane][row]
        return Self.padded(UInt64(bitPattern: time) ^ (1 << 63)) + "|" + Self.padded(position) + "|"
            + Self.padded(UInt64(row), width: 6) + "|" + json(row: row, of: batch)
    }

    /// The row as a JSON object.
    public func json(row: Int, of batch: ColumnBatch) -> String {
        var out = "{"
        out += Self.quoted(schema.symbolColumn.name) + ":" + Self.quoted(batch.symbols[Int(batch.symbolIndex[row])])
        for (c, column) in columns.enumerated() {
            let lane = batch.columns[c][row]
            out += "," + Self.quoted(column.name) + ":"
            if lane == column.kind.absentLane {
                out += "null"
                continue
            }
            switch column.kind {
            case .timestamp, .int64, .int8, .symbol: out += String(lane)
            case .decimal(let scale):
                out += Self.quoted(DecimalFormatter.format(lane, scale: scale, minimumFractionDigits: scale))
            case .float64: out += "\(Double(bitPattern: UInt64(bitPattern: lane)))"
            case .bool: out += lane != 0 ? "true" : "false"
            case .text: out += Self.quoted(batch.texts.string(lane))
            }
        }
        return out + "}"
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

    static func padded(_ value: UInt64, width: Int = 20) -> String {
        let digits = String(value)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
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
