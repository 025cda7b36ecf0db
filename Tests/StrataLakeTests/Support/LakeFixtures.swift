import Strata
import StrataCore
import StrataLake

#if canImport(Glibc)
    import Glibc
#endif

/// Batches of any table for the lake's tests: every column filled by its kind from a seeded
/// generator, optional columns absent in some rows, book sides of 0…depth levels; and the rows
/// of batches as text, the way every reader's answer is compared.
enum LakeFixtures {
    /// A user-defined table with every kind: text (few and many values), optional columns, int8,
    /// a float, a bool, decimals at scales 0 and 8.
    static let news: RecordSchema = {
        do {
            return try RecordSchema(
                name: "news",
                columns: [
                    SchemaColumn("ts", .timestamp), SchemaColumn("symbol", .symbol), SchemaColumn("id", .int64),
                    SchemaColumn("source", .text), SchemaColumn("headline", .text),
                    SchemaColumn("sentiment", .float64, rules: ColumnRules(required: false)),
                    SchemaColumn("urgency", .int8), SchemaColumn("verified", .bool),
                    SchemaColumn("impact", .decimal(scale: 8), rules: ColumnRules(required: false)),
                    SchemaColumn("shares", .decimal(scale: 0)),
                    SchemaColumn("comment", .text, rules: ColumnRules(required: false)),
                ],
                timestamp: "ts")
        } catch {
            fatalError("the news schema: \(error)")
        }
    }()

    /// One-minute bars as a user-defined table (the bars an export of bars writes).
    static let bars: RecordSchema = {
        do {
            return try RecordSchema(
                name: "bars_1m",
                columns: [
                    SchemaColumn("ts", .timestamp), SchemaColumn("symbol", .symbol),
                    SchemaColumn("open", .decimal(scale: 2)), SchemaColumn("high", .decimal(scale: 2)),
                    SchemaColumn("low", .decimal(scale: 2)), SchemaColumn("close", .decimal(scale: 2)),
                    SchemaColumn("volume", .decimal(scale: 8)), SchemaColumn("trades", .int64),
                ],
                timestamp: "ts")
        } catch {
            fatalError("the bars schema: \(error)")
        }
    }()

    /// Every schema the tests write: the built-in tables, the trading records, the two above.
    static let allSchemas: [RecordSchema] = RecordSchema.builtIn + RecordSchema.tradingRecords + [news, bars]

    /// `rows` rows of `symbol` for `schema`, times from `start` one `step` apart.
    static func batch(
        _ schema: RecordSchema, symbol: String, rows: Int, start: Int64, step: Int64 = 1_000_000_000, seed: UInt64
    ) -> ColumnarBatch {
        var random = SplitMix64(seed: seed)
        let layout = LakeTableLayout(schema: schema)
        let optional = Set(layout.optionalColumnNames)
        var batch = ColumnarLayout(schema: schema).emptyBatch(symbol: Symbol(unchecked: symbol))
        batch.count = rows
        for index in batch.columns.indices {
            let name = batch.columns[index].name
            let present: [Bool]? =
                optional.contains(name) ? (0..<rows).map { _ in random.next() % 4 != 0 } : nil
            batch.columns[index].present = present
            switch batch.columns[index].values {
            case .timestamps:
                batch.columns[index].values = .timestamps((0..<rows).map { start + Int64($0) * step })
            case .int64: batch.columns[index].values = .int64((0..<rows).map { _ in Int64(bitPattern: random.next()) })
            case .int8:
                batch.columns[index].values = .int8((0..<rows).map { _ in Int8(truncatingIfNeeded: random.next()) })
            case .decimals(_, let scale):
                batch.columns[index].values = .decimals(
                    (0..<rows).map { _ in Int64(bitPattern: random.next()) % 999_999_999_999_999_999 }, scale: scale)
            case .wideDecimals(_, let scale):
                batch.columns[index].values = .wideDecimals(
                    (0..<rows).map { _ in Int128(random.next() % 1_000_000) }, scale: scale)
            case .float64:
                batch.columns[index].values = .float64(
                    (0..<rows).map { _ in Double(Int(random.next() % 2_000)) / 8 - 100 })
            case .bool: batch.columns[index].values = .bool((0..<rows).map { _ in random.next() % 2 == 0 })
            case .strings, .dictionary:
                if name == "symbol" {
                    batch.columns[index].values = .dictionary(
                        indices: Array(repeating: 0, count: rows), values: StringColumn([symbol]))
                } else if name == "headline" || name == "comment" {
                    // Many distinct values, some with commas, quotes, line breaks and non-ASCII.
                    let texts = (0..<rows).map { row in
                        row % 7 == 0
                            ? "Ünïcode, \"quoted\"\nline \(random.next() % 1_000_000)" : "headline \(random.next())"
                    }
                    batch.columns[index].values = .strings(StringColumn(texts))
                } else {
                    let choices = ["reuters", "bloomberg", "", "dow jones"]
                    batch.columns[index].values = .dictionary(
                        indices: (0..<rows).map { _ in Int32(random.next() % 4) }, values: StringColumn(choices))
                }
            case .levels(var levels):
                levels.offsets = [0]
                let depth = levels.levelColumns.count
                for _ in 0..<rows {
                    let count = Int(random.next() % UInt64(depth + 1))
                    for _ in 0..<count {
                        levels.prices.append(Int64(random.next() % 10_000_000_000))
                        levels.sizes.append(Int64(random.next() % 1_000_000_000))
                    }
                    levels.offsets.append(Int32(levels.prices.count))
                }
                batch.columns[index].values = .levels(levels)
            }
        }
        return batch
    }

    /// The rows of `batches` as text, one string per Parquet column (a book side flattened into
    /// its level columns, empty past a row's depth; absent values empty; decimals exact, times
    /// as epoch nanoseconds, booleans `true`/`false`): how every reader's rows are compared.
    static func rows(_ batches: [ColumnarBatch]) -> [[String]] {
        var rows: [[String]] = []
        for batch in batches {
            for row in 0..<batch.count {
                var cells: [String] = []
                for column in batch.columns {
                    let present = column.isPresent(row)
                    switch column.values {
                    case .timestamps(let values), .int64(let values): cells.append(present ? String(values[row]) : "")
                    case .int8(let values): cells.append(present ? String(values[row]) : "")
                    case .decimals(let values, let scale):
                        cells.append(present ? ExactDecimal.format(Int128(values[row]), scale: scale) : "")
                    case .wideDecimals(let values, let scale):
                        cells.append(present ? ExactDecimal.format(values[row], scale: scale) : "")
                    case .float64(let values): cells.append(present ? String(values[row]) : "")
                    case .bool(let values): cells.append(present ? String(values[row]) : "")
                    case .strings(let values): cells.append(present ? values[row] : "")
                    case .dictionary(let indices, let values): cells.append(present ? values[Int(indices[row])] : "")
                    case .levels(let levels):
                        let range = levels.levels(of: row)
                        for level in 0..<levels.levelColumns.count {
                            let has = present && level < range.count
                            cells.append(
                                has
                                    ? ExactDecimal.format(
                                        Int128(levels.prices[range.lowerBound + level]), scale: levels.priceScale) : "")
                            cells.append(
                                has
                                    ? ExactDecimal.format(
                                        Int128(levels.sizes[range.lowerBound + level]), scale: levels.sizeScale) : "")
                        }
                    }
                }
                rows.append(cells)
            }
        }
        return rows
    }
}

/// A file's bytes, or nil.
func readBytes(_ path: String) -> [UInt8]? {
    guard let file = fopen(path, "rb") else { return nil }
    defer { fclose(file) }
    var bytes: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 1 << 16)
    while true {
        let count = fread(&buffer, 1, buffer.count, file)
        if count <= 0 { break }
        bytes += buffer[0..<count]
    }
    return bytes
}

/// Writes `bytes` to `path` (replacing it).
func writeBytes(_ path: String, _ bytes: [UInt8]) {
    guard let file = fopen(path, "wb") else { return }
    _ = bytes.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, file) }
    fclose(file)
}
