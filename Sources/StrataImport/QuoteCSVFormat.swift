public import StrataCore

/// Strata's quotes CSV layout: a timestamp, a symbol, then 1 to 5 levels of both sides.
///
/// ```
/// ts_ns,symbol,bid_px_0,bid_sz_0,ask_px_0,ask_sz_0[,bid_px_1,bid_sz_1,ask_px_1,ask_sz_1 … ,ask_sz_4]
/// ```
/// - A row has `2 + 4 × L` columns for `L` in 1…5 (6, 10, 14, 18 or 22). Rows with different
///   depths may be mixed in one file.
/// - Level `k` is four columns: bid price, bid size, ask price, ask size. Level 0 is the best.
/// - An **empty price and size pair** means no level on that side (`,,` — a one-sided quote, or a
///   book thinner than the row). A pair with only one of the two empty is rejected, and so is a
///   level after an empty one on the same side (levels are contiguous from 0).
/// - A quote needs at least one level on one side; prices must be positive, sizes zero or more.
/// - `ts_ns` is epoch nanoseconds (or ISO-8601 text), as in the trades layout.
/// - A header line is optional; its names may come in any order, and give every column of the
///   levels they reach (the level counts, `bid_levels` and `ask_levels`, are derived, not read).
///
/// ```csv
/// ts_ns,symbol,bid_px_0,bid_sz_0,ask_px_0,ask_sz_0
/// 1381132800241000000,IBM,180.01,300,,
/// 1381132800242000000,IBM,180.01,300,181.80,3000
/// ```
public struct QuoteCSVFormat: CSVRecordFormat {
    /// All 22 column names, in order; a row uses the first `2 + 4 × L`.
    public static let columns: [String] =
        ["ts_ns", "symbol"]
        + (0..<Quote.maximumDepth).flatMap { level in
            ["bid_px_\(level)", "bid_sz_\(level)", "ask_px_\(level)", "ask_sz_\(level)"]
        }

    private var symbols = SymbolCache()

    /// The quotes layout.
    public init() {}

    /// See ``columns``.
    public var columnNames: [String] { Self.columns }

    /// ``RecordSchema/quotes``.
    public var schema: RecordSchema { .quotes }

    /// 1 to 5 levels: a header picks the shallowest that holds its columns.
    public var layouts: [[String]] { (1...Quote.maximumDepth).map { Array(Self.columns.prefix(2 + 4 * $0)) } }

    /// Decodes a quote row.
    /// - Parameter row: the row.
    /// - Returns: the quote.
    /// - Throws: ``ValidationError`` for a wrong column count, a half-empty or non-contiguous level,
    ///   or a bad field.
    public mutating func decode(_ row: CSVRow) throws -> Quote {
        let levels = (row.count - 2) / 4
        guard row.count >= 6, (row.count - 2) % 4 == 0, levels <= Quote.maximumDepth else {
            throw columnCountError(row, expected: "6, 10, 14, 18 or 22")
        }
        let timestamp = try row.timestamp(at: 0, unit: .nanoseconds, field: "ts_ns")
        let symbol = try symbols.symbol(row[1], field: "symbol")
        var bids: [DepthLevel] = []
        var asks: [DepthLevel] = []
        for level in 0..<levels {
            let column = 2 + 4 * level
            if let bid = try Self.level(row, column: column, side: "bid", level: level, count: bids.count) {
                bids.append(bid)
            }
            if let ask = try Self.level(row, column: column + 2, side: "ask", level: level, count: asks.count) {
                asks.append(ask)
            }
        }
        return Quote(symbol: symbol, timestamp: timestamp, bids: bids, asks: asks)
    }

    private static func level(_ row: CSVRow, column: Int, side: String, level: Int, count: Int) throws -> DepthLevel? {
        let priceField = "\(side)_px_\(level)"
        let sizeField = "\(side)_sz_\(level)"
        switch (row.isEmpty(column), row.isEmpty(column + 1)) {
        case (true, true):
            return nil
        case (true, false):
            throw ValidationError(field: priceField, value: "", rule: .malformed, detail: "empty price with a size")
        case (false, true):
            throw ValidationError(field: sizeField, value: "", rule: .malformed, detail: "empty size with a price")
        case (false, false):
            guard count == level else {
                throw ValidationError(
                    field: priceField, value: row.text(column), rule: .malformed,
                    detail: "level \(level) given but \(side) level \(count) is empty")
            }
            return DepthLevel(
                price: try row.decimal(Price.self, at: column, field: priceField),
                size: try row.decimal(Quantity.self, at: column + 1, field: sizeField))
        }
    }

    /// Checks the quote with ``ValidationRules/validate(_:window:)-(Quote,_)``.
    /// - Throws: ``ValidationError``.
    public func validate(_ record: Quote, rules: ValidationRules, window: ClosedRange<Timestamp>) throws {
        try rules.validate(record, window: window)
    }

    /// The quote as a line of this layout, with as many levels as its deeper side.
    public func line(for record: Quote) -> String {
        Self.fields(of: record).joined(separator: ",")
    }

    /// The quote's fields in this layout: `ts_ns`, `symbol`, then four per level up to the deeper
    /// side (at least one level), empty strings where a side has no level.
    /// - Parameters:
    ///   - record: the quote.
    ///   - levels: how many levels to print (default: the deeper side's depth, at least 1).
    /// - Returns: `2 + 4 × L` fields.
    public static func fields(of record: Quote, levels: Int? = nil) -> [String] {
        let depth = levels ?? max(1, record.bids.count, record.asks.count)
        var fields = [String(record.timestamp.nanoseconds), record.symbol.name]
        fields.reserveCapacity(2 + 4 * depth)
        for level in 0..<depth {
            for side in [record.bids, record.asks] {
                if level < side.count {
                    fields.append(side[level].price.description)
                    fields.append(side[level].size.description)
                } else {
                    fields += ["", ""]
                }
            }
        }
        return fields
    }
}
