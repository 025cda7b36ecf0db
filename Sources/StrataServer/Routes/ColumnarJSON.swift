import NIOCore
package import Strata

/// Rows of ``ColumnarBatch``es as the API's JSON objects, for answers that are not one table's
/// rows (the ASOF join): the same vocabulary as ``RowJSON``.
///
/// A row is an object of its columns by name, in order: the first column (the designated
/// timestamp) as an epoch-ns string followed by `time` (the same instant in ISO-8601, unless a
/// column is called `time`), other timestamps as epoch-ns strings, integers as numbers, decimals
/// as exact strings, float64 values as strings of their shortest text, booleans as booleans,
/// text as strings, a book side as an array of `{"price","size"}`, an absent value as `null`.
package enum ColumnarJSON {
    /// Appends each row of `batch` (of `rows`: all by default) as an element of the array being
    /// written.
    static func write(_ batch: ColumnarBatch, rows: Range<Int>? = nil, to writer: inout JSONWriter) {
        let keys = batch.columns.map { Array("\"\($0.name)\":".utf8) }
        let writesTime = !batch.columns.contains { $0.name == "time" }
        var fixed = 2 + (writesTime ? 52 : 0)
        for (index, column) in batch.columns.enumerated() { fixed += keys[index].count + 1 + fixedBytes(column.values) }
        for row in rows ?? 0..<batch.count {
            var texts: [String?] = []
            var maximumBytes = fixed
            for column in batch.columns {
                let text = Self.text(column.values, row: row)
                if let text { maximumBytes += JSONText.maximumQuotedBytes(text) }
                if case .levels(let levels) = column.values { maximumBytes += levels.levels(of: row).count * 70 }
                texts.append(text)
            }
            writer.element(maximumBytes: maximumBytes) { out in
                out.write(UInt8(ascii: "{"))
                for (index, column) in batch.columns.enumerated() {
                    if index > 0 { out.write(UInt8(ascii: ",")) }
                    keys[index].withUnsafeBufferPointer { out.write($0) }
                    guard column.isPresent(row) else {
                        out.write("null")
                        if index == 0 && writesTime { out.write(",\"time\":null") }
                        continue
                    }
                    write(column.values, row: row, text: texts[index], to: &out)
                    if index == 0, writesTime, case .timestamps(let times) = column.values {
                        out.write(",\"time\":\"")
                        out.write(Timestamp(nanoseconds: times[row]))
                        out.write(UInt8(ascii: "\""))
                    }
                }
                out.write(UInt8(ascii: "}"))
            }
        }
    }

    /// Each row's object as text: what `strata asof --format json` prints.
    package static func texts(_ batch: ColumnarBatch) -> [String] {
        (0..<batch.count).map { row in
            var writer = JSONWriter()
            write(batch, rows: row..<row + 1, to: &writer)
            return String(buffer: writer.buffer)
        }
    }

    /// Most bytes a value of this kind takes, besides text and book levels (counted per row).
    private static func fixedBytes(_ values: ColumnarValues) -> Int {
        switch values {
        case .timestamps, .int64, .int8: 22
        case .decimals: DecimalFormatter.maximumBytes + 2
        case .wideDecimals: 46
        case .float64: 34
        case .bool: 5
        case .strings, .dictionary: 4
        case .levels: 2
        }
    }

    /// Row `row`'s text, for text columns and float64 values.
    private static func text(_ values: ColumnarValues, row: Int) -> String? {
        switch values {
        case .strings(let strings): strings[row]
        case .dictionary(let indices, let strings): strings[Int(indices[row])]
        case .float64(let values): String(values[row])
        case .wideDecimals(let values, let scale): ExactDecimal.format(values[row], scale: scale)
        default: nil
        }
    }

    private static func write(_ values: ColumnarValues, row: Int, text: String?, to out: inout UTF8Cursor) {
        switch values {
        case .timestamps(let values):
            out.write(UInt8(ascii: "\""))
            out.write(values[row])
            out.write(UInt8(ascii: "\""))
        case .int64(let values): out.write(values[row])
        case .int8(let values): out.write(Int64(values[row]))
        case .decimals(let values, let scale):
            out.write(UInt8(ascii: "\""))
            out.write(mantissa: values[row], scale: scale)
            out.write(UInt8(ascii: "\""))
        case .bool(let values): out.write(values[row] ? "true" : "false")
        case .wideDecimals, .float64, .strings, .dictionary: out.writeJSONQuoted(text ?? "")
        case .levels(let levels):
            out.write(UInt8(ascii: "["))
            for (position, level) in levels.levels(of: row).enumerated() {
                out.write(position == 0 ? "{\"price\":\"" : ",{\"price\":\"")
                out.write(mantissa: levels.prices[level], scale: levels.priceScale)
                out.write("\",\"size\":\"")
                out.write(mantissa: levels.sizes[level], scale: levels.sizeScale)
                out.write("\"}")
            }
            out.write(UInt8(ascii: "]"))
        }
    }
}
