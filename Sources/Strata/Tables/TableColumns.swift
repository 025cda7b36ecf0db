public import StrataCore

/// Rows of a declared table given column by column: what ``DynamicTable/append(_:)-(TableColumns)``
/// stores without building a ``Row`` (a dictionary) per row.
///
/// ```swift
/// var batch = TableColumns(symbols: ["AAPL", "MSFT"])
/// batch["ts"] = .timestamps([now, now])
/// batch["id"] = .integers([1, 2])
/// batch["headline"] = .texts(["Apple beats estimates", "Microsoft raises its dividend"])
/// batch["target"] = .decimals([19_250, 43_075], scale: 2)  // 192.50 and 430.75, exact
/// batch.set("note", .texts(["", "ex-dividend"]), present: [false, true])  // absent in row 0
/// try await store.table(named: "news")!.append(batch)
/// ```
///
/// Row `i` is `symbols[i]` and the `i`-th value of every column. A column is named by its
/// schema name or one of its aliases; an optional column may be left out (absent in every row)
/// or given with a `present` mask (absent where it is `false`; the value there is ignored).
/// Nothing is checked until the batch is appended or validated: then the same rules as a
/// ``Row``'s apply, with the same ``ValidationError``s naming the column, the value and the row.
public struct TableColumns: Sendable, Hashable {
    /// One column's values as given: the name used, the values, where they are present.
    public struct Column: Sendable, Hashable {
        /// The name the column was given by (its schema name or an alias).
        public var name: String
        public var values: ColumnValues
        /// Per row, whether the value is there (`nil`: in every row).
        public var present: [Bool]?
    }

    /// Each row's symbol: as many as there are rows.
    public var symbols: [Symbol]
    /// The columns given, in the order they were first set.
    public private(set) var columns: [Column] = []

    /// An empty batch (or one with its rows' symbols) to fill column by column.
    public init(symbols: [Symbol] = []) { self.symbols = symbols }

    /// Rows in the batch: the number of symbols.
    public var count: Int { symbols.count }

    /// Sets (or, with `nil`, removes) the values of the column called `name`, present in every row.
    public subscript(name: String) -> ColumnValues? {
        get { columns.first { $0.name == name }?.values }
        set {
            guard let newValue else {
                columns.removeAll { $0.name == name }
                return
            }
            set(name, newValue)
        }
    }

    /// Sets the values of the column called `name`.
    /// - Parameters:
    ///   - name: the column's schema name or one of its aliases.
    ///   - values: one value per row.
    ///   - present: per row, whether the value is there (an optional column's absent values);
    ///     `nil` (default) for every row.
    public mutating func set(_ name: String, _ values: ColumnValues, present: [Bool]? = nil) {
        let column = Column(name: name, values: values, present: present)
        if let index = columns.firstIndex(where: { $0.name == name }) {
            columns[index] = column
        } else {
            columns.append(column)
        }
    }
}

/// The values of one column of a ``TableColumns`` batch, all of one kind. Which kinds a column
/// takes is what a ``Row``'s ``FieldValue`` may be for it: `timestamps` or `integers`
/// (nanoseconds) for a timestamp; `integers` for int64 and int8; `decimals` or `integers` for a
/// decimal; `floats` or `integers` for float64; `bools`; `texts`.
public enum ColumnValues: Sendable, Hashable {
    case timestamps([Timestamp])
    case integers([Int64])
    /// Exact decimals as fixed-point mantissas at `scale` fractional digits (0…18): `[6_412_345]`
    /// at scale 2 is 64123.45. Stored at the column's scale: more digits than it keeps are
    /// refused, never rounded.
    case decimals([Int64], scale: Int)
    /// Binary floats (not for money); finite.
    case floats([Double])
    case bools([Bool])
    /// UTF-8 text, each value at most the column's `maximumLength` bytes.
    case texts([String])

    /// Values held.
    public var count: Int {
        switch self {
        case .timestamps(let values): values.count
        case .integers(let values): values.count
        case .decimals(let values, _): values.count
        case .floats(let values): values.count
        case .bools(let values): values.count
        case .texts(let values): values.count
        }
    }

    /// The value at `index`, as a ``Row`` would hold it.
    public subscript(index: Int) -> FieldValue {
        switch self {
        case .timestamps(let values): .timestamp(values[index])
        case .integers(let values): .integer(values[index])
        case .decimals(let values, let scale): .decimal(ExactAmount(mantissa: Int128(values[index]), scale: scale))
        case .floats(let values): .float(values[index])
        case .bools(let values): .bool(values[index])
        case .texts(let values): .text(values[index])
        }
    }
}
