import NIOCore
package import Strata

/// A table's rows as the API writes them, derived from its schema alone: one writer for every
/// table, built-in or user-defined, written straight from the lanes read (no records, no
/// dictionaries of values between the disk and the answer).
///
/// A row is an object: the designated timestamp by its column's name as an epoch-ns string (beyond
/// JSON's exact integers), `time` (the same instant in ISO-8601; left out when a column is itself
/// called `time`), `symbol`, then every other column in schema order by its name — integers as
/// numbers, decimals as exact strings, float64 values as strings of their shortest text, booleans
/// as booleans, text as strings, other timestamps as epoch-ns strings, an optional column's absent
/// value as `null`. A book side (``BookSide``) is one member in place of its columns: an array of
/// `{"price","size"}`, best level first, as many as its count column says. So a trade is
/// `{"ts_ns":"…","time":"…","symbol":"BTCUSDT","trade_id":42,"price":"64123.45","qty":"0.5","is_buyer_maker":true}`.
///
/// The `strata` command prints the same objects for `--format json` (``text(_:row:symbol:)``),
/// so the CLI and the API share one vocabulary.
package struct RowJSON: Sendable {
    /// What one member of a row writes.
    private enum Member: Sendable {
        /// A stored column (its lane), with its kind and whether an absent value is possible.
        case column(lane: Int, kind: ColumnKind, absent: Int64?)
        /// A book side: its count lane, then each level's price and size lanes and scales.
        case book(count: Int, levels: [(price: Int, size: Int)], priceScale: Int, sizeScale: Int)
    }

    private let members: [(key: [UInt8], member: Member)]
    /// The designated timestamp's lane, and its key (`"ts_ns":"`).
    private let timestampLane: Int
    private let timestampKey: [UInt8]
    private let writesTime: Bool
    /// Bytes a row's fixed-width members take at most (text and the symbol are added per row).
    private let fixedBytes: Int
    /// Lanes of text columns, for the per-row bound.
    private let textLanes: [Int]

    package init(schema: RecordSchema) {
        var members: [(key: [UInt8], member: Member)] = []
        var fixed = 0
        var textLanes: [Int] = []
        func key(_ name: String) -> [UInt8] { Array(",\"\(name)\":".utf8) }
        for member in schema.answerMembers {
            switch member {
            case .book(let side, let count, let levels, let priceScale, let sizeScale):
                members.append(
                    (key(side.name), .book(count: count, levels: levels, priceScale: priceScale, sizeScale: sizeScale)))
                // `,{"price":"` (11), a decimal (≤ 21), `","size":"` (10), a decimal, `"}` (2) a level.
                fixed += key(side.name).count + 2 + levels.count * 65
            case .column(let lane, let column, let absent):
                members.append((key(column.name), .column(lane: lane, kind: column.kind, absent: absent)))
                fixed += key(column.name).count + 4 + Self.maximumValueBytes(column.kind)
                if column.kind == .text { textLanes.append(lane) }
            }
        }
        self.members = members
        timestampLane = schema.timestampLane
        timestampKey = Array("{\"\(schema.timestamp)\":\"".utf8)
        writesTime = !schema.columns.contains { $0.name == "time" }
        self.textLanes = textLanes
        // `{"ts":"` + 20 digits + `","time":"` + ISO-8601 (≤ 40) + `","symbol":` + `}`.
        fixedBytes = fixed + timestampKey.count + 20 + 12 + 40 + 12 + 1
    }

    /// Most bytes a value of `kind` takes (text: its quotes; the bytes are counted per row).
    private static func maximumValueBytes(_ kind: ColumnKind) -> Int {
        switch kind {
        case .timestamp, .int64, .int8, .symbol: 22
        case .decimal: DecimalFormatter.maximumBytes + 2
        case .float64: 34
        case .bool: 5
        case .text: 2
        }
    }

    /// Writes row `row` of `lanes` (a table's columns in storage order, texts in `texts`).
    func write(lanes: [[Int64]], texts: TextHeap, row: Int, symbol: String, to writer: inout JSONWriter) {
        var maximumBytes = fixedBytes + JSONText.maximumQuotedBytes(symbol)
        var strings: [String] = []
        if !textLanes.isEmpty {
            for lane in textLanes {
                let reference = lanes[lane][row]
                let text = reference < 0 ? "" : texts.string(reference)
                maximumBytes += JSONText.maximumQuotedBytes(text)
                strings.append(text)
            }
        }
        writer.element(maximumBytes: maximumBytes) { out in
            let time = lanes[timestampLane][row]
            timestampKey.withUnsafeBufferPointer { out.write($0) }
            out.write(time)
            if writesTime {
                out.write("\",\"time\":\"")
                out.write(Timestamp(nanoseconds: time))
            }
            out.write("\",\"symbol\":")
            out.writeJSONQuoted(symbol)
            var textIndex = 0
            for (key, member) in members {
                key.withUnsafeBufferPointer { out.write($0) }
                switch member {
                case .column(let lane, let kind, let absent):
                    let value = lanes[lane][row]
                    if let absent, value == absent {
                        if kind == .text { textIndex += 1 }
                        out.write("null")
                        continue
                    }
                    switch kind {
                    case .int64, .int8, .symbol: out.write(value)
                    case .decimal(let scale):
                        out.write(UInt8(ascii: "\""))
                        out.write(mantissa: value, scale: scale)
                        out.write(UInt8(ascii: "\""))
                    case .timestamp:
                        out.write(UInt8(ascii: "\""))
                        out.write(value)
                        out.write(UInt8(ascii: "\""))
                    case .bool: out.write(value != 0 ? "true" : "false")
                    case .float64:
                        out.writeJSONQuoted(String(Double(bitPattern: UInt64(bitPattern: value))))
                    case .text:
                        out.writeJSONQuoted(strings[textIndex])
                        textIndex += 1
                    }
                case .book(let count, let levels, let priceScale, let sizeScale):
                    out.write(UInt8(ascii: "["))
                    let depth = min(max(0, Int(lanes[count][row])), levels.count)
                    for level in 0..<depth {
                        out.write(level == 0 ? "{\"price\":\"" : ",{\"price\":\"")
                        out.write(mantissa: lanes[levels[level].price][row], scale: priceScale)
                        out.write("\",\"size\":\"")
                        out.write(mantissa: lanes[levels[level].size][row], scale: sizeScale)
                        out.write("\"}")
                    }
                    out.write(UInt8(ascii: "]"))
                }
            }
            out.write(UInt8(ascii: "}"))
        }
    }

    /// Rows of one symbol, as a JSON array.
    func array(_ rows: RowSet, symbol: Symbol) -> JSON {
        var writer = JSONWriter(capacity: rows.count * 200 + 2)
        writer.beginArray()
        for row in 0..<rows.count {
            write(lanes: rows.columns, texts: rows.texts, row: row, symbol: symbol.name, to: &writer)
        }
        writer.endArray()
        return .raw(writer.buffer)
    }

    /// A live row.
    func write(_ row: BatchRow, to writer: inout JSONWriter) {
        let batch = row.batch.batch
        write(lanes: batch.columns, texts: batch.texts, row: row.row, symbol: row.symbol, to: &writer)
    }

    /// Each row's object as text: what `strata query … --format json` prints.
    package func texts(_ rows: RowSet, symbol: Symbol) -> [String] {
        (0..<rows.count).map { row in
            var writer = JSONWriter()
            write(lanes: rows.columns, texts: rows.texts, row: row, symbol: symbol.name, to: &writer)
            return String(buffer: writer.buffer)
        }
    }
}
