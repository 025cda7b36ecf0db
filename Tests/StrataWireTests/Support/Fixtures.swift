import StrataCore
import StrataWire

/// Batches covering every kind of value, and what a reader should see in them.
enum Fixtures {
    /// A whole stream of `batches` (then `empty`'s schema if there are none) with `metadata`.
    static func stream(
        _ batches: [ColumnarBatch], metadata: [(String, String)], finishWith empty: ColumnarBatch? = nil
    ) throws -> [UInt8] {
        var writer = ArrowStreamWriter(metadata: metadata)
        var output: [UInt8] = []
        for batch in batches { try writer.write(batch, to: &output) }
        writer.finish(schemaOf: empty, to: &output)
        return output
    }

    /// Ten rows of every kind, each column with a row without a value; the extremes of decimals
    /// at scale 8, negative values, empty and non-ASCII strings, 0 to 3 book levels per row.
    static func everyKind() -> ColumnarBatch {
        let absent = [true, true, true, true, true, false, true, true, true, true]
        let bids = BookLevels(
            offsets: [0, 0, 1, 3, 6, 6, 8, 9, 9, 10, 13],
            prices: [100, 9_999, 9_998, -1, 0, Int64.max, 5, 4, 7, 6, 1, 2, 3],
            sizes: [1, 200_000_000, 3, Int64.min + 1, 5, 6, 7, 8, 9, 10, 11, 12, 0],
            priceScale: 2, sizeScale: 8, levelColumns: [])
        return ColumnarBatch(
            count: 10,
            columns: [
                ColumnarColumn(
                    name: "ts",
                    values: .timestamps([
                        1_700_000_000_123_456_789, 1_700_000_000_123_456_790, -1_000, 0, 1, 0, 86_400_000_000_000,
                        1_700_000_000_000_000_000, 1_700_000_000_000_000_001, 4_102_444_800_000_000_000,
                    ]),
                    present: absent),
                ColumnarColumn(
                    name: "id",
                    values: .int64([Int64.min, Int64.max, 0, -1, 1, 0, 42, -42, 1 << 40, -(1 << 40)]),
                    present: rotated(absent, 1)),
                ColumnarColumn(
                    name: "side", values: .int8([-128, 127, 0, -1, 1, 0, 2, -2, 3, -3]), present: rotated(absent, 2)),
                ColumnarColumn(
                    name: "price",
                    values: .decimals(
                        [Int64.min + 1, Int64.max, -1, 0, 150_000_000, 0, -150_000_000, 1, 123_456_789, -99_999_999],
                        scale: 8),
                    present: rotated(absent, 3)),
                ColumnarColumn(
                    name: "qty", values: .decimals([5, -5, 0, 10, Int64.max, 0, Int64.min + 1, 7, 8, 9], scale: 0),
                    present: rotated(absent, 4)),
                ColumnarColumn(
                    name: "ratio",
                    values: .float64([0.1, -2.5, 1e300, .leastNonzeroMagnitude, 0, 0, -1e-300, 3.75, .pi, 1.0 / 3.0]),
                    present: rotated(absent, 5)),
                ColumnarColumn(
                    name: "maker", values: .bool([true, false, true, true, false, false, true, false, true, true]),
                    present: rotated(absent, 6)),
                ColumnarColumn(
                    name: "note",
                    values: .strings(
                        StringColumn([
                            "", "héllo", "🚀 rocket", "a\"quote\\", "x", "", String(repeating: "long ", count: 30), "",
                            "tab\there", "end",
                        ])),
                    present: rotated(absent, 7)),
                ColumnarColumn(
                    name: "symbol",
                    // The row without a value holds an index past the dictionary: allowed.
                    values: .dictionary(
                        indices: [0, 1, 2, 0, 1, 2, 2, 99, 0, 1], values: StringColumn(["BTCUSDT", "ETHUSDT", ""])),
                    present: rotated(absent, 8)),
                ColumnarColumn(name: "bids", values: .levels(bids), present: rotated(absent, 1)),
                ColumnarColumn(name: "seq", values: .int64(Array(0..<10))),
                // Sums and notionals: mantissas beyond Int64, both signs.
                ColumnarColumn(
                    name: "notional",
                    values: .wideDecimals(
                        [
                            Int128(Int64.max) * 1_000, -Int128(Int64.max) * 1_000 - 7, 0, 1, -1,
                            Int128(10).power(37) - 1, 0, 12_345, -Int128(10).power(30), Int128(Int64.min) - 1,
                        ], scale: 16),
                    present: rotated(absent, 9)),
            ])
    }

    /// Four batches of "symbol" and "kind" (dictionary fields: first given as `.dictionary`) and
    /// "venue" (text: first given as `.strings`): new values batch after batch, a dictionary
    /// column given as strings, a text column given as a dictionary, duplicates in a batch's
    /// dictionary, absent rows holding indices past it, a first batch whose dictionary is empty.
    static func dictionaryBatches() -> [ColumnarBatch] {
        [
            ColumnarBatch(
                count: 3,
                columns: [
                    ColumnarColumn(
                        name: "symbol",
                        values: .dictionary(indices: [0, 1, 0], values: StringColumn(["BTCUSDT", "ETHUSDT"]))),
                    ColumnarColumn(name: "venue", values: .strings(StringColumn(["binance", "okx", ""]))),
                    ColumnarColumn(
                        name: "kind", values: .dictionary(indices: [5, 5, 5], values: StringColumn()),
                        present: [false, false, false]),
                ]),
            ColumnarBatch(
                count: 3,
                columns: [
                    ColumnarColumn(
                        name: "symbol",
                        values: .dictionary(
                            indices: [0, 1, 2], values: StringColumn(["SOLUSDT", "ETHUSDT", "BTCUSDT"]))),
                    ColumnarColumn(
                        name: "venue",
                        values: .dictionary(indices: [0, 1, 7], values: StringColumn(["bybit", "binance"])),
                        present: [true, true, false]),
                    ColumnarColumn(
                        name: "kind", values: .strings(StringColumn(["trade", "trade", ""])),
                        present: [true, true, false]),
                ]),
            ColumnarBatch(
                count: 5,
                columns: [
                    ColumnarColumn(
                        name: "symbol", values: .strings(StringColumn(["XRPUSDT", "BTCUSDT", "SOLUSDT", "", ""])),
                        present: [true, true, true, false, true]),
                    ColumnarColumn(name: "venue", values: .strings(StringColumn(["okx", "", "binance", "x", "y"]))),
                    ColumnarColumn(
                        name: "kind",
                        values: .dictionary(
                            indices: [0, 1, 2, 9, 9], values: StringColumn(["liquidation", "funding", "trade"])),
                        present: [true, true, true, false, false]),
                ]),
            ColumnarBatch(
                count: 2,
                columns: [
                    ColumnarColumn(
                        name: "symbol",
                        values: .dictionary(indices: [0, 1], values: StringColumn(["ETHUSDT", "ETHUSDT"]))),
                    ColumnarColumn(name: "venue", values: .strings(StringColumn(["a", "b"]))),
                    ColumnarColumn(
                        name: "kind",
                        values: .dictionary(indices: [1, 0], values: StringColumn(["liquidation", "funding"]))),
                ]),
        ]
    }

    /// `flags` turned left by `by`.
    static func rotated(_ flags: [Bool], _ by: Int) -> [Bool] {
        Array(flags[by...] + flags[..<by])
    }

    /// An empty batch of the same columns as `batch`.
    static func empty(like batch: ColumnarBatch) -> ColumnarBatch {
        ColumnarBatch(
            count: 0,
            columns: batch.columns.map { column in
                let values: ColumnarValues =
                    switch column.values {
                    case .timestamps: .timestamps([])
                    case .int64: .int64([])
                    case .int8: .int8([])
                    case .decimals(_, let scale): .decimals([], scale: scale)
                    case .wideDecimals(_, let scale): .wideDecimals([], scale: scale)
                    case .float64: .float64([])
                    case .bool: .bool([])
                    case .strings: .strings(StringColumn())
                    case .dictionary: .dictionary(indices: [], values: StringColumn())
                    case .levels(let levels):
                        .levels(
                            BookLevels(priceScale: levels.priceScale, sizeScale: levels.sizeScale, levelColumns: []))
                    }
                return ColumnarColumn(name: column.name, values: values)
            })
    }

    /// `mantissa × 10^-scale` written out as Python's `format(Decimal, "f")` does.
    static func fixed(_ mantissa: some BinaryInteger, scale: Int) -> String {
        var digits = String(mantissa.magnitude)
        if digits.count <= scale { digits = String(repeating: "0", count: scale + 1 - digits.count) + digits }
        if scale > 0 { digits.insert(".", at: digits.index(digits.endIndex, offsetBy: -scale)) }
        return (mantissa < 0 ? "-" : "") + digits
    }

    /// Per column, every row's value across `batches` as the readers' script prints it.
    static func expectedColumns(_ batches: [ColumnarBatch]) -> [String: JSONValue] {
        var columns: [String: [JSONValue]] = [:]
        for batch in batches {
            for column in batch.columns {
                var values = columns[column.name] ?? []
                for row in 0..<batch.count {
                    guard column.isPresent(row) else {
                        values.append(.null)
                        continue
                    }
                    values.append(value(column.values, row: row))
                }
                columns[column.name] = values
            }
        }
        return columns.mapValues { .array($0) }
    }

    private static func value(_ values: ColumnarValues, row: Int) -> JSONValue {
        switch values {
        case .timestamps(let values), .int64(let values): return .int(values[row])
        case .int8(let values): return .int(Int64(values[row]))
        case .decimals(let values, let scale): return .string(fixed(values[row], scale: scale))
        case .wideDecimals(let values, let scale): return .string(fixed(values[row], scale: scale))
        case .float64(let values): return .int(Int64(bitPattern: values[row].bitPattern))
        case .bool(let values): return .bool(values[row])
        case .strings(let strings): return .string(strings[row])
        case .dictionary(let indices, let strings): return .string(strings[Int(indices[row])])
        case .levels(let levels):
            return .array(
                levels.levels(of: row).map { level in
                    .array([
                        .string(fixed(levels.prices[level], scale: levels.priceScale)),
                        .string(fixed(levels.sizes[level], scale: levels.sizeScale)),
                    ])
                })
        }
    }
}

extension Int128 {
    /// `self` to the power `exponent`.
    func power(_ exponent: Int) -> Int128 { (0..<exponent).reduce(1) { product, _ in product * self } }
}
