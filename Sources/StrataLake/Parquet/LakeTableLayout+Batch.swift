import StrataCore

extension LakeTableLayout {
    /// The largest mantissa `DECIMAL(18, s)` on INT64 holds.
    static let decimalLimit: Int64 = 999_999_999_999_999_999

    /// `batch`'s rows as the Parquet columns' values.
    /// - Throws: ``LakeError`` `.unsupported` for a batch whose columns are not the table's, a
    ///   required column without a value, a decimal of another scale or past 18 digits.
    func columnData(of batch: ColumnarBatch) throws(LakeError) -> [LakeColumnData] {
        let template = emptyBatch(symbol: Symbol(unchecked: "X"))
        guard batch.columns.count == template.columns.count else {
            throw LakeError(
                .unsupported, "\(schema.name): \(batch.columns.count) columns, the table has \(template.columns.count)")
        }
        for (column, expected) in zip(batch.columns, template.columns) where column.name != expected.name {
            throw LakeError(.unsupported, "\(schema.name): column \"\(column.name)\" where \"\(expected.name)\" is")
        }
        var data: [LakeColumnData] = []
        data.reserveCapacity(columns.count)
        for column in columns {
            switch column.source {
            case .column(let position):
                let source = batch.columns[position]
                guard source.values.count == batch.count else {
                    throw LakeError(
                        .unsupported, "\(column.name): \(source.values.count) values for \(batch.count) rows")
                }
                var present = source.present
                if let flags = present, !flags.contains(false) { present = nil }
                if present != nil, !column.optional {
                    throw LakeError(.unsupported, "\(schema.name).\(column.name): a row without a value")
                }
                data.append(
                    LakeColumnData(present: present, values: try Self.values(source, column, present: present)))
            case .level(let position, let level, let isPrice):
                guard case .levels(let levels) = batch.columns[position].values else {
                    throw LakeError(.unsupported, "\(column.name): not a book side")
                }
                let scale = isPrice ? levels.priceScale : levels.sizeScale
                guard column.type == .decimal(scale: scale) else {
                    throw LakeError(.unsupported, "\(column.name): decimals at scale \(scale)")
                }
                var present: [Bool] = []
                present.reserveCapacity(batch.count)
                var values: [Int64] = []
                for row in 0..<batch.count {
                    let range = levels.levels(of: row)
                    let has = level < range.count && batch.columns[position].isPresent(row)
                    present.append(has)
                    if has {
                        let value =
                            isPrice ? levels.prices[range.lowerBound + level] : levels.sizes[range.lowerBound + level]
                        try Self.checkDecimal(value, column.name)
                        values.append(value)
                    }
                }
                data.append(LakeColumnData(present: present.contains(false) ? present : nil, values: .int64(values)))
            }
        }
        return data
    }

    private static func checkDecimal(_ value: Int64, _ name: String) throws(LakeError) {
        guard value >= -decimalLimit, value <= decimalLimit else {
            throw LakeError(.unsupported, "\(name): the mantissa \(value) exceeds DECIMAL(18)'s 18 digits")
        }
    }

    private static func values(
        _ source: ColumnarColumn, _ column: LakeColumn, present: [Bool]?
    ) throws(LakeError) -> LakeValues {
        func kept<T>(_ values: [T]) -> [T] {
            guard let present else { return values }
            var result: [T] = []
            result.reserveCapacity(values.count)
            for (index, value) in values.enumerated() where present[index] { result.append(value) }
            return result
        }
        switch (source.values, column.type) {
        case (.timestamps(let values), .timestamp), (.int64(let values), .int64): return .int64(kept(values))
        case (.decimals(let values, let scale), .decimal(let expected)) where scale == expected:
            let values = kept(values)
            for value in values { try checkDecimal(value, column.name) }
            return .int64(values)
        case (.wideDecimals(let values, let scale), .decimal(let expected)) where scale == expected:
            var narrow: [Int64] = []
            for value in kept(values) {
                guard let exact = Int64(exactly: value) else {
                    throw LakeError(
                        .unsupported, "\(column.name): the mantissa \(value) exceeds DECIMAL(18)'s 18 digits")
                }
                try checkDecimal(exact, column.name)
                narrow.append(exact)
            }
            return .int64(narrow)
        case (.int8(let values), .int8): return .int32(kept(values).map(Int32.init))
        case (.float64(let values), .float64): return .double(kept(values))
        case (.bool(let values), .bool): return .bool(kept(values))
        case (.strings(let column), .string):
            return strings(count: column.count, present: present) { column.withUTF8($0) { Array($0) } }
        case (.dictionary(let indices, let dictionary), .string):
            // The batch's dictionary, its duplicates merged, then each row's index mapped: no
            // hashing per row.
            var index: [[UInt8]: UInt32] = [:]
            var distinct: [[UInt8]] = []
            var remap: [UInt32] = []
            remap.reserveCapacity(dictionary.count)
            for position in 0..<dictionary.count {
                let value = dictionary.withUTF8(position) { Array($0) }
                if let known = index[value] {
                    remap.append(known)
                } else {
                    index[value] = UInt32(distinct.count)
                    remap.append(UInt32(distinct.count))
                    distinct.append(value)
                }
            }
            var used: [UInt32] = []
            used.reserveCapacity(indices.count)
            for (row, value) in indices.enumerated() where present?[row] ?? true {
                guard value >= 0, Int(value) < remap.count else {
                    throw LakeError(
                        .unsupported, "\(column.name): a dictionary index \(value) past \(remap.count) values")
                }
                used.append(remap[Int(value)])
            }
            return .strings(indices: used, dictionary: distinct)
        default:
            throw LakeError(.unsupported, "\(column.name): values of another kind than the table's \(column.type)")
        }
    }

    /// Strings as indices into their distinct values.
    private static func strings(count: Int, present: [Bool]?, _ string: (Int) -> [UInt8]) -> LakeValues {
        var index: [[UInt8]: UInt32] = [:]
        var dictionary: [[UInt8]] = []
        var indices: [UInt32] = []
        indices.reserveCapacity(count)
        for row in 0..<count where present?[row] ?? true {
            let value = string(row)
            if let known = index[value] {
                indices.append(known)
            } else {
                let next = UInt32(dictionary.count)
                index[value] = next
                dictionary.append(value)
                indices.append(next)
            }
        }
        return .strings(indices: indices, dictionary: dictionary)
    }

    /// The batch the Parquet columns' values make: the table's columns (``ColumnarLayout``'s
    /// shape), book sides rebuilt from their level columns, text as dictionaries.
    func batch(_ data: [LakeColumnData], count: Int, symbol: Symbol) -> ColumnarBatch {
        var batch = emptyBatch(symbol: symbol)
        batch.count = count
        for (position, template) in batch.columns.enumerated() {
            if case .levels(var levels) = template.values {
                var sides: [(level: Int, isPrice: Bool, data: LakeColumnData)] = []
                for (index, column) in columns.enumerated() {
                    if case .level(position, let level, let isPrice) = column.source {
                        sides.append((level, isPrice, data[index]))
                    }
                }
                let depth = levels.levelColumns.count
                var prices = [[Int64]](repeating: [], count: depth)
                var sizes = [[Int64]](repeating: [], count: depth)
                var pricePresent = [[Bool]?](repeating: nil, count: depth)
                var sizePresent = [[Bool]?](repeating: nil, count: depth)
                for side in sides {
                    guard case .int64(let values) = side.data.values, side.level < depth else { continue }
                    if side.isPrice {
                        prices[side.level] = values
                        pricePresent[side.level] = side.data.present
                    } else {
                        sizes[side.level] = values
                        sizePresent[side.level] = side.data.present
                    }
                }
                var cursors = [(price: Int, size: Int)](repeating: (0, 0), count: depth)
                levels.offsets = [0]
                levels.offsets.reserveCapacity(count + 1)
                for row in 0..<count {
                    var stopped = false
                    for level in 0..<depth {
                        let hasPrice = (pricePresent[level]?[row] ?? true) && cursors[level].price < prices[level].count
                        let hasSize = (sizePresent[level]?[row] ?? true) && cursors[level].size < sizes[level].count
                        if !stopped, hasPrice, hasSize {
                            levels.prices.append(prices[level][cursors[level].price])
                            levels.sizes.append(sizes[level][cursors[level].size])
                        } else {
                            stopped = true
                        }
                        if hasPrice { cursors[level].price += 1 }
                        if hasSize { cursors[level].size += 1 }
                    }
                    levels.offsets.append(Int32(levels.prices.count))
                }
                batch.columns[position].values = .levels(levels)
                continue
            }
            guard
                let index = columns.firstIndex(where: { if case .column(position) = $0.source { true } else { false } })
            else { continue }
            let column = data[index]
            batch.columns[position].present = column.present
            batch.columns[position].values = Self.expand(
                column, type: columns[index].type, template: template.values, count: count)
        }
        return batch
    }

    /// A column's values with placeholders where rows have none.
    private static func expand(
        _ data: LakeColumnData, type: LakeColumn.ValueType, template: ColumnarValues, count: Int
    ) -> ColumnarValues {
        func spread<T>(_ values: [T], _ placeholder: T) -> [T] {
            guard let present = data.present else { return values }
            var result: [T] = []
            result.reserveCapacity(count)
            var next = 0
            for row in 0..<count {
                if present[row], next < values.count {
                    result.append(values[next])
                    next += 1
                } else {
                    result.append(placeholder)
                }
            }
            return result
        }
        switch data.values {
        case .int64(let values):
            let spread = spread(values, 0)
            switch type {
            case .timestamp: return .timestamps(spread)
            case .decimal(let scale): return .decimals(spread, scale: scale)
            default: return .int64(spread)
            }
        case .int32(let values): return .int8(spread(values, 0).map { Int8(truncatingIfNeeded: $0) })
        case .double(let values): return .float64(spread(values, 0))
        case .bool(let values): return .bool(spread(values, false))
        case .strings(let indices, let dictionary):
            var column = StringColumn()
            for value in dictionary { value.withUnsafeBytes { column.append($0) } }
            var placeholder: Int32 = 0
            if data.present != nil, indices.count < count {
                placeholder = Int32(dictionary.count)
                column.append("")
            }
            return .dictionary(indices: spread(indices.map { Int32($0) }, placeholder), values: column)
        }
    }
}
