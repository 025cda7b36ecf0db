public import StrataCore

/// One value of a ``Row``, typed by what it holds (a schema column's kind decides what it must be).
public enum FieldValue: Sendable, Hashable, CustomStringConvertible {
    case timestamp(Timestamp)
    case integer(Int64)
    /// An exact decimal; stored at its column's scale (more digits than the scale are refused,
    /// never rounded).
    case decimal(ExactAmount)
    case float(Double)
    case bool(Bool)
    case text(String)

    /// An exact decimal from its text (`"64123.45"`), or nil if the text is not one.
    public static func decimal(_ text: String) -> FieldValue? {
        for scale in 0...18 {
            var copy = text
            if case .success(let mantissa) = copy.withUTF8({ DecimalParser.parse($0, scale: scale) }) {
                return .decimal(ExactAmount(mantissa: Int128(mantissa), scale: scale))
            }
        }
        return nil
    }

    public var description: String {
        switch self {
        case .timestamp(let value): value.iso8601
        case .integer(let value): String(value)
        case .decimal(let value): value.description
        case .float(let value): String(value)
        case .bool(let value): value ? "true" : "false"
        case .text(let value): value
        }
    }
}

/// A row of any table, by column name: what user-defined tables are written and read with.
///
/// ```swift
/// let row = Row(symbol: "AAPL", ["ts": .timestamp(now), "id": .integer(7), "sentiment": .float(0.4)])
/// try await store.table(named: "signals")!.append([row])
/// ```
/// Values are looked up by the schema's column names or aliases; the symbol is the row's own.
public struct Row: Sendable, Hashable {
    public var symbol: Symbol
    public var values: [String: FieldValue]

    public init(symbol: Symbol, _ values: [String: FieldValue]) {
        self.symbol = symbol
        self.values = values
    }

    public subscript(column: String) -> FieldValue? {
        get { values[column] }
        set { values[column] = newValue }
    }
}
