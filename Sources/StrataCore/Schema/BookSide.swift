/// One side of an order book kept as numbered columns: a count column (`bid_levels`) and, per
/// level `k` from the best, a price and a size column (`bid_px_k`, `bid_sz_k`).
///
/// The columns are stored and validated as any others; the side tells the layers that show rows
/// to show them as one list: the JSON API writes `"bids":[{"price":"…","size":"…"},…]` (the first
/// `bid_levels` levels, best first) instead of the numbered members, and `openapi.json` describes
/// it so. The built-in quotes have a `bids` and an `asks` side (``RecordSchema/quotes``); a
/// user-defined depth table declares its own.
///
/// ```swift
/// BookSide("bids", count: "bid_levels", prices: ["bid_px_0", "bid_px_1"], sizes: ["bid_sz_0", "bid_sz_1"])
/// ```
public struct BookSide: Sendable, Hashable, Codable {
    /// The member rows show the levels as (`bids`).
    public let name: String
    /// The integer column holding how many levels a row has.
    public let count: String
    /// Each level's price column, best level first.
    public let prices: [String]
    /// Each level's size column, in the order of ``prices``.
    public let sizes: [String]

    public init(_ name: String, count: String, prices: [String], sizes: [String]) {
        self.name = name
        self.count = count
        self.prices = prices
        self.sizes = sizes
    }

    /// The side `<prefix>s` of the columns `<prefix>_levels`, `<prefix>_px_k` and `<prefix>_sz_k`
    /// for `k` in `0..<depth` (the quotes' naming).
    public static func numbered(_ prefix: String, depth: Int) -> BookSide {
        BookSide(
            prefix + "s", count: prefix + "_levels", prices: (0..<depth).map { "\(prefix)_px_\($0)" },
            sizes: (0..<depth).map { "\(prefix)_sz_\($0)" })
    }

    /// Every column the side stands for.
    public var columns: [String] { [count] + prices + sizes }

    /// Per level, best first, its price and size column.
    public var levels: [[String]] { zip(prices, sizes).map { [$0, $1] } }
}

extension RecordSchema {
    /// The names of the columns some ``bookSides`` entry shows (not shown one by one).
    public var bookColumns: Set<String> { Set(bookSides.flatMap(\.columns)) }

    /// A side names an integer count column and as many optional decimal price as size columns,
    /// each column at most once across sides; its name is not a column's.
    func checkBookSides() throws(SchemaError) {
        var claimed: Set<String> = []
        for side in bookSides {
            func fail(_ column: String?, _ problem: String) -> SchemaError {
                SchemaError(table: name, column: column, problem: "book side \(side.name): \(problem)")
            }
            guard Self.isIdentifier(side.name) else { throw fail(nil, "the name must be a lowercase identifier") }
            if columns.contains(where: { $0.name == side.name }) {
                throw fail(side.name, "the name is already a column's")
            }
            guard !side.prices.isEmpty, side.prices.count == side.sizes.count else {
                throw fail(nil, "it needs as many size as price columns, and at least one level")
            }
            for (names, kinds) in [([side.count], "integer"), (side.prices + side.sizes, "decimal")] {
                for columnName in names {
                    guard let column = columns.first(where: { $0.name == columnName }) else {
                        throw fail(columnName, "not a column")
                    }
                    let fits =
                        switch column.kind {
                        case .int8, .int64: kinds == "integer"
                        case .decimal: kinds == "decimal"
                        default: false
                        }
                    guard fits else {
                        throw fail(
                            columnName, "must be \(kinds == "integer" ? "an" : "a") \(kinds) column, not \(column.kind)"
                        )
                    }
                    guard kinds == "integer" || !column.rules.required else {
                        throw fail(columnName, "a level's columns must be optional (absent past the row's depth)")
                    }
                    guard claimed.insert(columnName).inserted else {
                        throw fail(columnName, "the column is shown by two sides")
                    }
                }
            }
        }
    }
}
