import StrataCore

/// One group of an aggregate's answer.
///
/// ```swift
/// for row in try await store.trades.aggregate(AggregateQuery([.count, .sum("qty")], grouping: .symbol)) {
///     print(row.symbol!, row.values[0], row.values[1])   // BTCUSDT 1200 3.5
/// }
/// ```
public struct AggregateRow: Sendable, Hashable {
    /// The group's symbol (grouped by symbol), else `nil`.
    public var symbol: Symbol?
    /// The start of the group's bucket (grouped by time), else `nil`.
    public var bucketStart: Timestamp?
    /// One value per function of the query, in its order.
    public var values: [AggregateValue]

    public init(symbol: Symbol?, bucketStart: Timestamp?, values: [AggregateValue]) {
        self.symbol = symbol
        self.bucketStart = bucketStart
        self.values = values
    }

    init(_ row: ColumnAggregate.Row) {
        symbol = row.symbol.map(Symbol.init(unchecked:))
        bucketStart = row.bucketStart.map(Timestamp.init(nanoseconds:))
        values = row.values.map(AggregateValue.init)
    }
}

/// The typed result of one aggregate function.
public enum AggregateValue: Sendable, Hashable, CustomStringConvertible {
    /// A count, or a value of an int64 or int8 column.
    case integer(Int128)
    /// A value of a decimal column, exact.
    case decimal(ExactAmount)
    /// A value of a float64 column.
    case float(Double)
    /// No value: the min, max, first, last or sum of no rows, the VWAP of zero quantity.
    case absent

    init(_ value: ColumnAggregate.Value) {
        switch value {
        case .integer(let v): self = .integer(v)
        case .decimal(let mantissa, let scale): self = .decimal(ExactAmount(mantissa: mantissa, scale: scale))
        case .float(let v): self = .float(v)
        case .absent: self = .absent
        }
    }

    /// The integer, if this is one.
    public var integer: Int128? {
        if case .integer(let value) = self { return value }
        return nil
    }

    /// The decimal, if this is one.
    public var decimal: ExactAmount? {
        if case .decimal(let value) = self { return value }
        return nil
    }

    /// `12`, `0.5`, `1.25e-3` (float64), or `absent`.
    public var description: String {
        switch self {
        case .integer(let value): String(value)
        case .decimal(let value): value.description
        case .float(let value): String(value)
        case .absent: "absent"
        }
    }
}

/// An exact decimal of any scale with an Int128 mantissa: `mantissa / 10^scale`. Sums of a
/// decimal column keep its scale and may exceed what an `Int64` mantissa holds.
///
/// ```swift
/// let total = row.values[1].decimal!       // Σ qty
/// total.description                        // "1234567.5"
/// total.as(Volume.self)                    // a Volume, since qty has Quantity's scale
/// ```
public struct ExactAmount: Sendable, Hashable, CustomStringConvertible {
    public var mantissa: Int128
    /// Fractional digits.
    public var scale: Int

    public init(mantissa: Int128, scale: Int) {
        self.mantissa = mantissa
        self.scale = scale
    }

    /// Shortest exact decimal text.
    public var description: String { ExactDecimal.format(mantissa, scale: scale) }

    /// As a fixed-point type of the same scale (`Price`, `Quantity`…), or `nil` if the scales
    /// differ or the mantissa does not fit in `Int64`.
    public func `as`<D: FixedPointDecimal>(_ type: D.Type) -> D? {
        guard scale == D.scale, let mantissa = Int64(exactly: mantissa) else { return nil }
        return D(mantissa: mantissa)
    }

    /// As a ``Volume`` (a sum of quantities), or `nil` unless the scale is `Quantity`'s.
    public func `as`(_ type: Volume.Type) -> Volume? {
        scale == Quantity.scale ? Volume(mantissa: mantissa) : nil
    }
}
