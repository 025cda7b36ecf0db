import StrataCore

extension StrataTable {
    /// Count, sum, min, max, first, last and VWAP of numeric columns over a time range,
    /// grouped by symbol, by time bucket, by both, or not at all.
    ///
    /// Sees exactly the rows ``range(symbol:from:to:)`` returns: the open partition, late rows and
    /// sealed files; duplicates refused by the dedup key are not counted. Decimal results are
    /// exact.
    ///
    /// ```swift
    /// let perSymbol = try await store.trades.aggregate(
    ///     AggregateQuery([.count, .sum("qty"), .vwap(price: "price", quantity: "qty")], grouping: .symbol))
    /// for row in perSymbol { print(row.symbol!, row.values) }
    /// ```
    /// - Parameter query: the functions, symbols, time range and grouping.
    /// - Returns: one row per group, sorted by symbol then bucket start; with no grouping always
    ///   exactly one row (a count of 0 and absent values if nothing matched).
    /// - Throws: ``StrataError`` `.invalidArgument` naming an unknown or non-numeric column (or
    ///   a float64 column in a VWAP), a bucket width ≤ 0, or `from` after `to`; `.corruptFile` if
    ///   a partition or block in the range is damaged; `.overflow` if a VWAP numerator leaves
    ///   Int128; `.closed`.
    public func aggregate(_ query: AggregateQuery) async throws -> [AggregateRow] {
        try reader.aggregate(query)
    }
}
