import StrataCore

/// A column built by picking rows of other columns of the same kind, row by row or absent: the
/// right side of an ASOF join, whose matched rows come from one page after another.
///
/// Picks go in runs (`append(_:rows:)`: one source column, many rows), so the kind is switched
/// on once per run, not per row. Text comes out as `.strings` whatever its sources were (a
/// page's dictionary is its own), so a stream of such columns keeps one type.
struct GatheredColumn: Sendable {
    let name: String
    /// The kind and scale of the values (an empty column of the source's kind).
    private let template: ColumnarValues
    private var integers: [Int64] = []
    private var bytes: [Int8] = []
    private var wide: [Int128] = []
    private var doubles: [Double] = []
    private var flags: [Bool] = []
    private var strings = StringColumn()
    private var levels: BookLevels?
    private var present: [Bool] = []
    private var absent = 0

    /// An empty column called `name` of `template`'s kind (book levels renamed by `levelPrefix`).
    init(name: String, like template: ColumnarValues, levelPrefix: String = "") {
        self.name = name
        if case .levels(let book) = template {
            let columns = book.levelColumns.map { (price: levelPrefix + $0.price, size: levelPrefix + $0.size) }
            let renamed = BookLevels(priceScale: book.priceScale, sizeScale: book.sizeScale, levelColumns: columns)
            self.template = .levels(renamed)
            levels = renamed
        } else {
            self.template = template
        }
    }

    var count: Int { present.count }

    /// Appends, for each of `rows`, that row of `source` (absent where the row is -1 or the
    /// source has no value there); `source` nil: every row absent.
    mutating func append(_ source: ColumnarColumn?, rows: some Collection<Int32>) {
        guard let source else {
            appendAbsent(rows.count)
            return
        }
        present.reserveCapacity(present.count + rows.count)
        for row in rows {
            let has = row >= 0 && source.isPresent(Int(row))
            present.append(has)
            if !has { absent += 1 }
        }
        switch source.values {
        case .timestamps(let values), .int64(let values), .decimals(let values, _):
            integers.reserveCapacity(integers.count + rows.count)
            for row in rows { integers.append(row >= 0 ? values[Int(row)] : 0) }
        case .int8(let values):
            for row in rows { bytes.append(row >= 0 ? values[Int(row)] : 0) }
        case .wideDecimals(let values, _):
            for row in rows { wide.append(row >= 0 ? values[Int(row)] : 0) }
        case .float64(let values):
            for row in rows { doubles.append(row >= 0 ? values[Int(row)] : 0) }
        case .bool(let values):
            for row in rows { flags.append(row >= 0 ? values[Int(row)] : false) }
        case .strings(let values):
            for row in rows {
                if row >= 0 {
                    values.withUTF8(Int(row)) { strings.append(UnsafeRawBufferPointer($0)) }
                } else {
                    strings.append(UnsafeRawBufferPointer(start: nil, count: 0))
                }
            }
        case .dictionary(let indices, let values):
            for row in rows {
                if row >= 0 {
                    values.withUTF8(Int(indices[Int(row)])) { strings.append(UnsafeRawBufferPointer($0)) }
                } else {
                    strings.append(UnsafeRawBufferPointer(start: nil, count: 0))
                }
            }
        case .levels(let book):
            guard var built = levels else { return }
            levels = nil  // uniquely referenced while appending
            for row in rows {
                if row >= 0 {
                    let range = book.levels(of: Int(row))
                    built.prices.append(contentsOf: book.prices[range])
                    built.sizes.append(contentsOf: book.sizes[range])
                }
                built.offsets.append(Int32(built.prices.count))
            }
            levels = built
        }
    }

    /// Appends `count` absent rows.
    mutating func appendAbsent(_ count: Int) {
        guard count > 0 else { return }
        present.append(contentsOf: repeatElement(false, count: count))
        absent += count
        switch template {
        case .timestamps, .int64, .decimals: integers.append(contentsOf: repeatElement(0, count: count))
        case .int8: bytes.append(contentsOf: repeatElement(0, count: count))
        case .wideDecimals: wide.append(contentsOf: repeatElement(0, count: count))
        case .float64: doubles.append(contentsOf: repeatElement(0, count: count))
        case .bool: flags.append(contentsOf: repeatElement(false, count: count))
        case .strings, .dictionary:
            for _ in 0..<count { strings.append(UnsafeRawBufferPointer(start: nil, count: 0)) }
        case .levels:
            guard var built = levels else { return }
            levels = nil
            built.offsets.append(contentsOf: repeatElement(Int32(built.prices.count), count: count))
            levels = built
        }
    }

    /// The column built so far; the builder starts again empty.
    mutating func take() -> ColumnarColumn {
        let values: ColumnarValues
        switch template {
        case .timestamps: values = .timestamps(integers)
        case .int64: values = .int64(integers)
        case .decimals(_, let scale): values = .decimals(integers, scale: scale)
        case .int8: values = .int8(bytes)
        case .wideDecimals(_, let scale): values = .wideDecimals(wide, scale: scale)
        case .float64: values = .float64(doubles)
        case .bool: values = .bool(flags)
        case .strings, .dictionary: values = .strings(strings)
        case .levels(let empty): values = .levels(levels ?? empty)
        }
        let column = ColumnarColumn(name: name, values: values, present: absent > 0 ? present : nil)
        self = GatheredColumn(name: name, like: template)
        return column
    }
}
