public import StrataCore

/// Writes ``ColumnarBatch``es as one CSV text: a header line of the column names, then a line per
/// row; what `strata query --format csv` prints and the server answers for `format=csv`, so an
/// export ingests again (`strata ingest` maps the header onto the table).
///
/// Values: timestamps as epoch nanoseconds, integers as digits, decimals exactly (no trailing
/// zeros), float64 as Swift's shortest text, booleans as `true`/`false`, text quoted when it must
/// be (a comma, a quote, a line break, or a leading or trailing space), an absent value as an
/// empty field. A book side is written as its level columns (`bid_px_0,bid_sz_0,…`), empty past
/// the row's depth; book sides next to each other are interleaved level by level, as the quotes'
/// layout is (`bid_px_0,bid_sz_0,ask_px_0,ask_sz_0,bid_px_1,…`).
public struct ColumnarCSVWriter: Sendable {
    private var headerWritten = false

    public init() {}

    /// Appends `batch`'s rows to `output`, after the header if this is the first batch.
    public mutating func write(_ batch: ColumnarBatch, to output: inout [UInt8]) {
        let groups = Self.groups(batch.columns)
        if !headerWritten { writeHeader(groups, batch.columns, to: &output) }
        output.reserveCapacity(output.count + batch.count * 64)
        for row in 0..<batch.count {
            var capacity = 2
            for column in batch.columns { capacity += Self.maximumBytes(column.values, row: row) + 1 }
            UTF8Cursor.append(to: &output, capacity: capacity) { out in
                var first = true
                for group in groups {
                    switch group {
                    case .single(let column):
                        if !first { out.write(UInt8(ascii: ",")) }
                        first = false
                        if batch.columns[column].isPresent(row) {
                            Self.write(batch.columns[column].values, row: row, to: &out)
                        }
                    case .book(let sides, let depth):
                        for level in 0..<depth {
                            for side in sides {
                                guard case .levels(let levels) = batch.columns[side].values,
                                    level < levels.levelColumns.count
                                else { continue }
                                let range = levels.levels(of: row)
                                let has = level < range.count && batch.columns[side].isPresent(row)
                                if !first { out.write(UInt8(ascii: ",")) }
                                first = false
                                if has {
                                    out.write(
                                        mantissa: levels.prices[range.lowerBound + level], scale: levels.priceScale)
                                }
                                out.write(UInt8(ascii: ","))
                                if has {
                                    out.write(mantissa: levels.sizes[range.lowerBound + level], scale: levels.sizeScale)
                                }
                            }
                        }
                    }
                }
                out.write(UInt8(ascii: "\n"))
            }
        }
    }

    /// Writes the header of `empty`'s columns if no batch was written (an answer without rows
    /// still names its columns).
    public mutating func finish(schemaOf empty: ColumnarBatch?, to output: inout [UInt8]) {
        guard !headerWritten, let empty else { return }
        writeHeader(Self.groups(empty.columns), empty.columns, to: &output)
    }

    /// The header line: the column names, a book side's level columns.
    private mutating func writeHeader(_ groups: [Group], _ columns: [ColumnarColumn], to output: inout [UInt8]) {
        headerWritten = true
        var names: [String] = []
        for group in groups {
            switch group {
            case .single(let column): names.append(columns[column].name)
            case .book(let sides, let depth):
                for level in 0..<depth {
                    for side in sides {
                        guard case .levels(let levels) = columns[side].values, level < levels.levelColumns.count
                        else { continue }
                        names += [levels.levelColumns[level].price, levels.levelColumns[level].size]
                    }
                }
            }
        }
        output.append(contentsOf: names.map(CSVField.quoted).joined(separator: ",").utf8)
        output.append(UInt8(ascii: "\n"))
    }

    // MARK: - Layout

    private enum Group {
        case single(Int)
        /// Book sides next to each other, and the most levels any of them has.
        case book([Int], depth: Int)
    }

    private static func groups(_ columns: [ColumnarColumn]) -> [Group] {
        var groups: [Group] = []
        for (index, column) in columns.enumerated() {
            if case .levels(let levels) = column.values {
                if case .book(let sides, let depth)? = groups.last {
                    groups[groups.count - 1] = .book(sides + [index], depth: max(depth, levels.levelColumns.count))
                } else {
                    groups.append(.book([index], depth: levels.levelColumns.count))
                }
            } else {
                groups.append(.single(index))
            }
        }
        return groups
    }

    // MARK: - Values

    private static func maximumBytes(_ values: ColumnarValues, row: Int) -> Int {
        switch values {
        case .timestamps, .int64, .int8: 21
        case .decimals: DecimalFormatter.maximumBytes
        case .wideDecimals: 44
        case .float64: 32
        case .bool: 5
        case .strings(let strings): 2 * (Int(strings.offsets[row + 1]) - Int(strings.offsets[row])) + 2
        case .dictionary(let indices, let strings):
            2 * (Int(strings.offsets[Int(indices[row]) + 1]) - Int(strings.offsets[Int(indices[row])])) + 2
        case .levels(let levels): levels.levelColumns.count * 2 * (DecimalFormatter.maximumBytes + 1)
        }
    }

    private static func write(_ values: ColumnarValues, row: Int, to out: inout UTF8Cursor) {
        switch values {
        case .timestamps(let values), .int64(let values): out.write(values[row])
        case .int8(let values): out.write(Int64(values[row]))
        case .decimals(let values, let scale): out.write(mantissa: values[row], scale: scale)
        case .wideDecimals(let values, let scale):
            var text = ExactDecimal.format(values[row], scale: scale)
            text.withUTF8 { out.write($0) }
        case .float64(let values):
            var text = String(values[row])
            text.withUTF8 { out.write($0) }
        case .bool(let values): out.write(values[row] ? "true" : "false")
        case .strings(let strings): strings.withUTF8(row) { writeQuoted($0, to: &out) }
        case .dictionary(let indices, let strings): strings.withUTF8(Int(indices[row])) { writeQuoted($0, to: &out) }
        case .levels: break  // written by its group
        }
    }

    private static func writeQuoted(_ bytes: UnsafeBufferPointer<UInt8>, to out: inout UTF8Cursor) {
        guard CSVField.needsQuotes(bytes) else {
            out.write(bytes)
            return
        }
        out.write(UInt8(ascii: "\""))
        for byte in bytes {
            if byte == 0x22 { out.write(UInt8(ascii: "\"")) }
            out.write(byte)
        }
        out.write(UInt8(ascii: "\""))
    }
}
