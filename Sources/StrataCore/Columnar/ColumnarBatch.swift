/// Rows as typed columns: the way out of the engine for data tools, shared by the server's Arrow
/// and CSV answers, `strata query --format arrow|csv` and library users who want columns rather
/// than one struct per row.
///
/// A batch is what one read produced (a page of a range, a latest, a set of bars or aggregate
/// rows); a stream of batches of the same columns is one answer. The columns are derived from
/// the table's schema (ARCHITECTURE.md, "One description per table"): the designated timestamp,
/// `symbol`, then the schema's columns in order, a book side as one column of levels.
///
/// ```swift
/// for batch in try table.rangeBatches(symbol: btc, from: start, to: end) {
///     guard case .decimals(let prices, let scale) = batch["price"]?.values else { continue }
///     …
/// }
/// ```
public struct ColumnarBatch: Sendable {
    /// Rows in the batch.
    public var count: Int
    public var columns: [ColumnarColumn]

    public init(count: Int, columns: [ColumnarColumn]) {
        self.count = count
        self.columns = columns
    }

    /// The column called `name`.
    public subscript(name: String) -> ColumnarColumn? { columns.first { $0.name == name } }
}

/// One column of a ``ColumnarBatch``: its name, its values, and which rows have one.
public struct ColumnarColumn: Sendable {
    public var name: String
    public var values: ColumnarValues
    /// Per row, whether it has a value; nil when every row has one. Where a row has none, its
    /// slot in `values` holds a placeholder (zero, an empty string, no levels).
    public var present: [Bool]?

    public init(name: String, values: ColumnarValues, present: [Bool]? = nil) {
        self.name = name
        self.values = values
        self.present = present
    }

    /// Whether row `row` has a value.
    @inlinable
    public func isPresent(_ row: Int) -> Bool { present?[row] ?? true }

    /// Rows without a value.
    public var absentCount: Int { present.map { $0.count { !$0 } } ?? 0 }
}

/// The values of a column, one per row, by type.
public enum ColumnarValues: Sendable {
    /// Nanoseconds since the epoch, UTC.
    case timestamps([Int64])
    case int64([Int64])
    case int8([Int8])
    /// Exact decimals: each value is `mantissa × 10^-scale` (money: never a `Double`).
    case decimals([Int64], scale: Int)
    /// Exact decimals whose mantissas may exceed `Int64` (sums, notionals: `Int128` mantissas).
    case wideDecimals([Int128], scale: Int)
    /// Values that are not money (ratios, scores).
    case float64([Double])
    case bool([Bool])
    /// UTF-8 text.
    case strings(StringColumn)
    /// UTF-8 text with few distinct values: each row's index into `values` (a symbol column, an
    /// event kind).
    case dictionary(indices: [Int32], values: StringColumn)
    /// A book side: each row's levels, best first.
    case levels(BookLevels)

    /// Rows held.
    public var count: Int {
        switch self {
        case .timestamps(let values), .int64(let values), .decimals(let values, _): values.count
        case .int8(let values): values.count
        case .wideDecimals(let values, _): values.count
        case .float64(let values): values.count
        case .bool(let values): values.count
        case .strings(let values): values.count
        case .dictionary(let indices, _): indices.count
        case .levels(let levels): levels.count
        }
    }
}

/// Strings as one buffer of UTF-8 bytes and the offset where each begins (Arrow's `utf8` layout):
/// string `i` is `bytes[offsets[i]..<offsets[i + 1]]`.
public struct StringColumn: Sendable, Hashable {
    /// `count + 1` offsets, the first 0.
    public private(set) var offsets: [Int32]
    public private(set) var bytes: [UInt8]

    public init() {
        offsets = [0]
        bytes = []
    }

    /// The strings given, in order.
    public init(_ strings: some Sequence<String>) {
        self.init()
        for string in strings { append(string) }
    }

    public var count: Int { offsets.count - 1 }

    public mutating func reserve(count: Int, bytes byteCount: Int) {
        offsets.reserveCapacity(count + 1)
        bytes.reserveCapacity(byteCount)
    }

    public mutating func append(_ string: String) {
        var string = string
        string.withUTF8 { append(UnsafeRawBufferPointer($0)) }
    }

    public mutating func append(_ utf8: UnsafeRawBufferPointer) {
        bytes.append(contentsOf: utf8)
        offsets.append(Int32(truncatingIfNeeded: bytes.count))
    }

    /// String `index`'s bytes.
    public func withUTF8<T>(_ index: Int, _ body: (UnsafeBufferPointer<UInt8>) throws -> T) rethrows -> T {
        let start = Int(offsets[index])
        let end = Int(offsets[index + 1])
        return try bytes.withUnsafeBufferPointer { try body(UnsafeBufferPointer(rebasing: $0[start..<end])) }
    }

    public subscript(index: Int) -> String { withUTF8(index) { String(decoding: $0, as: UTF8.self) } }
}

/// A book side's levels, row by row: row `i`'s levels are `prices[offsets[i]..<offsets[i + 1]]`
/// and the sizes at the same places (Arrow's `list<struct<price, size>>` layout), best first.
public struct BookLevels: Sendable {
    /// `count + 1` offsets, the first 0.
    public var offsets: [Int32]
    public var prices: [Int64]
    public var sizes: [Int64]
    public var priceScale: Int
    public var sizeScale: Int
    /// The schema's columns of each level (`bid_price_0`, `bid_size_0`…), for flat layouts (CSV).
    public var levelColumns: [(price: String, size: String)]

    public init(
        offsets: [Int32] = [0], prices: [Int64] = [], sizes: [Int64] = [], priceScale: Int, sizeScale: Int,
        levelColumns: [(price: String, size: String)]
    ) {
        self.offsets = offsets
        self.prices = prices
        self.sizes = sizes
        self.priceScale = priceScale
        self.sizeScale = sizeScale
        self.levelColumns = levelColumns
    }

    public var count: Int { offsets.count - 1 }

    /// Row `row`'s levels: the range of `prices` and `sizes` they take.
    public func levels(of row: Int) -> Range<Int> { Int(offsets[row])..<Int(offsets[row + 1]) }
}
