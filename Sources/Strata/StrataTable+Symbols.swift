public import StrataCore

/// One entry of a table's symbol listing: the symbol, its row count and the times of its oldest and newest rows.
public struct SymbolListing: Sendable, Hashable {
    public var symbol: Symbol
    public var rows: Int
    public var first: Timestamp
    public var last: Timestamp
}

extension StrataTable {
    /// Every symbol with rows, sorted, with its row count and first and last times — answered
    /// from the table's indexes, without decoding rows.
    /// - Throws: ``StrataError`` `.closed`.
    public func symbolListing() async throws -> [SymbolListing] { try access.symbolListing() }
}

extension TableAccess {
    /// See ``StrataTable/symbolListing()``.
    func symbolListing() throws -> [SymbolListing] {
        try reading { try table.symbolSpans() }.map {
            SymbolListing(
                symbol: Symbol(unchecked: $0.symbol), rows: $0.rows, first: Timestamp(nanoseconds: $0.first),
                last: Timestamp(nanoseconds: $0.last))
        }
    }
}
