import StrataCore

/// The text forms of an aggregate query, one spelling for the API and the command:
/// functions `count`, `sum(qty)`, `min(price)`, `max(price)`, `first(price)`, `last(price)`,
/// `vwap` (of `price` and `qty`) or `vwap(price,qty)`; grouping `symbol`, `bucket` or
/// `symbol,bucket` with a bucket width of whole seconds, minutes, hours or days (`30s`, `5m`,
/// `1h`, `1d`).
extension AggregateFunction: LosslessStringConvertible {
    public init?(_ text: String) {
        let trimmed = text.filter { $0 != " " }
        if trimmed == "count" {
            self = .count
            return
        }
        if trimmed == "vwap" {
            self = .vwap(price: "price", quantity: "qty")
            return
        }
        guard let open = trimmed.firstIndex(of: "("), trimmed.last == ")" else { return nil }
        let name = trimmed[..<open]
        let arguments = trimmed[trimmed.index(after: open)..<trimmed.index(before: trimmed.endIndex)]
            .split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        guard arguments.allSatisfy({ !$0.isEmpty }) else { return nil }
        switch (name, arguments.count) {
        case ("sum", 1): self = .sum(arguments[0])
        case ("min", 1): self = .min(arguments[0])
        case ("max", 1): self = .max(arguments[0])
        case ("first", 1): self = .first(arguments[0])
        case ("last", 1): self = .last(arguments[0])
        case ("vwap", 2): self = .vwap(price: arguments[0], quantity: arguments[1])
        default: return nil
        }
    }

    /// Functions separated by commas outside parentheses (`count,sum(qty),vwap(price,qty)`).
    /// - Throws: ``StrataError`` `.invalidArgument` naming `fn` and the part that is not one.
    public static func list(_ text: String) throws -> [AggregateFunction] {
        var parts: [String] = []
        var current = ""
        var depth = 0
        for character in text {
            if character == "," && depth == 0 {
                parts.append(current)
                current = ""
                continue
            }
            if character == "(" { depth += 1 }
            if character == ")" { depth -= 1 }
            current.append(character)
        }
        parts.append(current)
        return try parts.map { part in
            guard let function = AggregateFunction(part) else {
                throw StrataError(
                    .invalidArgument,
                    "fn: expected count, sum(col), min(col), max(col), first(col), last(col), vwap or vwap(price,qty), got '\(part)'"
                )
            }
            return function
        }
    }

    /// The function as written in a query, and as its result column is named.
    public var description: String {
        switch self {
        case .count: "count"
        case .sum(let column): "sum(\(column))"
        case .min(let column): "min(\(column))"
        case .max(let column): "max(\(column))"
        case .first(let column): "first(\(column))"
        case .last(let column): "last(\(column))"
        case .vwap(let price, let quantity): "vwap(\(price),\(quantity))"
        }
    }

    /// The same function with its column names passed through `rename`.
    func renamingColumns(_ rename: (String) -> String) -> AggregateFunction {
        switch self {
        case .count: .count
        case .sum(let column): .sum(rename(column))
        case .min(let column): .min(rename(column))
        case .max(let column): .max(rename(column))
        case .first(let column): .first(rename(column))
        case .last(let column): .last(rename(column))
        case .vwap(let price, let quantity): .vwap(price: rename(price), quantity: rename(quantity))
        }
    }
}

extension AggregateGrouping {
    /// Parses `by` (nil, `symbol`, `bucket`, `symbol,bucket`) with `bucket` (`30s`, `5m`, `1h`,
    /// `1d`; required when grouping by bucket).
    /// - Throws: ``StrataError`` `.invalidArgument` naming `by` or `bucket` and the value.
    public init(by: String?, bucket: String?) throws {
        var width: Int64?
        if let bucket {
            guard let parsed = Self.width(bucket) else {
                throw StrataError(
                    .invalidArgument, "bucket: expected a whole number of s, m, h or d (30s, 5m, 1h), got '\(bucket)'")
            }
            width = parsed
        }
        let parts = Set((by ?? (width == nil ? "" : "bucket")).split(separator: ",").map(String.init))
        guard parts.isSubset(of: ["symbol", "bucket"]) else {
            throw StrataError(.invalidArgument, "by: expected symbol, bucket or symbol,bucket, got '\(by ?? "")'")
        }
        if parts.contains("bucket") && width == nil {
            throw StrataError(.invalidArgument, "bucket: required to group by bucket (30s, 5m, 1h, 1d)")
        }
        if !parts.contains("bucket") && width != nil && by != nil {
            throw StrataError(.invalidArgument, "bucket: given, but by '\(by ?? "")' does not group by bucket")
        }
        switch (parts.contains("symbol"), width) {
        case (false, nil): self = .none
        case (true, nil): self = .symbol
        case (false, let w?): self = .bucket(width: w)
        case (true, let w?): self = .symbolAndBucket(width: w)
        }
    }

    /// `<n>s|m|h|d` in nanoseconds, positive, or nil (``DurationText`` with one of those units).
    static func width(_ text: String) -> Int64? {
        guard let unit = text.last, "smhd".contains(unit), !text.hasSuffix("ms"), !text.hasSuffix("ns"),
            !text.hasSuffix("us"), let width = DurationText.nanoseconds(text), width > 0
        else { return nil }
        return width
    }
}
