public import StrataCore
public import StrataTiers

/// Rows of log entries in ClickHouse's RowBinary format, in ``ClickHouseTableLayout/insertColumns``
/// order: per row every schema column, then `_position`.
///
/// Values are Strata's lanes as they are: a timestamp or an `int64` is its `Int64`, a decimal its
/// `Int64` mantissa (`Decimal64(s)`'s own binary form: exact), a float its bits, a bool one byte,
/// text and the symbol a varint length and UTF-8. An optional column is `Nullable`: a byte 1 for
/// Strata's absent marker (``ColumnKind/absentLane``), else 0 and the value.
public struct RowBinaryEncoder: Sendable {
    struct Slot: Sendable {
        var kind: ColumnKind
        var optional: Bool
        /// The storage lane (nil for the symbol).
        var lane: Int?
    }

    let slots: [Slot]
    /// The designated timestamp's storage lane.
    public let timeLane: Int

    public init(schema: RecordSchema) {
        var slots: [Slot] = []
        var lane = 0
        var timeLane = 0
        for column in schema.columns {
            if column.kind == .symbol {
                slots.append(Slot(kind: .symbol, optional: false, lane: nil))
            } else {
                if column.name == schema.timestamp { timeLane = lane }
                slots.append(Slot(kind: column.kind, optional: !column.rules.required, lane: lane))
                lane += 1
            }
        }
        self.slots = slots
        self.timeLane = timeLane
    }

    /// Appends `rows` of `entry` to `bytes`.
    public func append(_ entry: LogEntry, rows: some Sequence<Int>, into bytes: inout [UInt8]) {
        let batch = entry.batch
        let symbols = batch.symbols.map { Array($0.utf8) }
        for row in rows {
            for slot in slots {
                guard let lane = slot.lane else {
                    Self.appendString(symbols[Int(batch.symbolIndex[row])], into: &bytes)
                    continue
                }
                let value = batch.columns[lane][row]
                if slot.optional {
                    if value == slot.kind.absentLane {
                        bytes.append(1)
                        continue
                    }
                    bytes.append(0)
                }
                switch slot.kind {
                case .int8: bytes.append(UInt8(bitPattern: Int8(truncatingIfNeeded: value)))
                case .bool: bytes.append(value == 0 ? 0 : 1)
                case .text:
                    batch.texts.withBytes(value) { raw in
                        Self.appendVarint(UInt64(raw.count), into: &bytes)
                        bytes.append(contentsOf: raw)
                    }
                default: Self.appendInt64(value, into: &bytes)
                }
            }
            Self.appendInt64(Int64(bitPattern: entry.position), into: &bytes)
        }
    }

    /// The rows of `entry` by UTC month of their designated timestamp (``ClickHouseSQL/month(ofNanoseconds:)``),
    /// each month's rows in order.
    public func rowsByMonth(_ entry: LogEntry) -> [Int: [Int]] {
        var months: [Int: [Int]] = [:]
        let times = entry.batch.columns[timeLane]
        var lastMonth = -1
        var lastStart: Int64 = 0
        var lastEnd: Int64 = -1
        for row in times.indices {
            let time = times[row]
            // Consecutive rows usually share the month: skip the civil-date arithmetic for them.
            if !(time >= lastStart && time <= lastEnd) {
                lastMonth = ClickHouseSQL.month(ofNanoseconds: time)
                lastStart = time - time % 86_400_000_000_000
                lastEnd = lastStart + 86_399_999_999_999
                if time < 0 || time / 1_000_000_000 > ClickHouseSQL.lastSecond {
                    lastStart = time
                    lastEnd = time
                }
            }
            months[lastMonth, default: []].append(row)
        }
        return months
    }

    static func appendInt64(_ value: Int64, into bytes: inout [UInt8]) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }

    static func appendVarint(_ value: UInt64, into bytes: inout [UInt8]) {
        var value = value
        while value >= 0x80 {
            bytes.append(UInt8(value & 0x7F) | 0x80)
            value >>= 7
        }
        bytes.append(UInt8(value))
    }

    static func appendString(_ utf8: [UInt8], into bytes: inout [UInt8]) {
        appendVarint(UInt64(utf8.count), into: &bytes)
        bytes.append(contentsOf: utf8)
    }
}
