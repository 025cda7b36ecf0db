public import StrataCore

extension ColumnarBatch {
    /// An aggregate's rows as columns: `symbol` when grouped by symbol, `bucket_ns` (the bucket's
    /// start) when grouped by time, then one column per function named as written (`sum(qty)`):
    /// integers as int64 (as exact decimals when one exceeds it), decimals exact at the widest
    /// scale of the column, float64 results as float64, no value as absent.
    public init(aggregate rows: [AggregateRow], functions: [AggregateFunction], grouping: AggregateGrouping) {
        var columns: [ColumnarColumn] = []
        switch grouping {
        case .symbol, .symbolAndBucket:
            columns.append(.dictionary("symbol", rows.map { $0.symbol?.name ?? "" }))
        case .none, .bucket: break
        }
        switch grouping {
        case .bucket, .symbolAndBucket:
            columns.append(
                ColumnarColumn(name: "bucket_ns", values: .timestamps(rows.map { $0.bucketStart?.nanoseconds ?? 0 })))
        case .none, .symbol: break
        }
        for (index, function) in functions.enumerated() {
            let values = rows.map { $0.values.indices.contains(index) ? $0.values[index] : .absent }
            columns.append(Self.aggregateColumn(function.description, values))
        }
        self.init(count: rows.count, columns: columns)
    }

    private static func aggregateColumn(_ name: String, _ values: [AggregateValue]) -> ColumnarColumn {
        let present = values.contains(.absent) ? values.map { $0 != .absent } : nil
        let scale = values.compactMap { $0.decimal?.scale }.max()
        if let scale {
            let mantissas = values.map { value -> Int128 in
                guard let amount = value.decimal else { return 0 }
                var mantissa = amount.mantissa
                for _ in amount.scale..<scale { mantissa *= 10 }
                return mantissa
            }
            return ColumnarColumn(name: name, values: .wideDecimals(mantissas, scale: scale), present: present)
        }
        if values.contains(where: { if case .float = $0 { true } else { false } }) {
            return ColumnarColumn(
                name: name, values: .float64(values.map { if case .float(let v) = $0 { v } else { 0 } }),
                present: present)
        }
        let integers = values.map { $0.integer ?? 0 }
        if integers.allSatisfy({ Int64(exactly: $0) != nil }) {
            return ColumnarColumn(name: name, values: .int64(integers.map { Int64($0) }), present: present)
        }
        return ColumnarColumn(name: name, values: .wideDecimals(integers, scale: 0), present: present)
    }
}
