import Strata
import StrataImport
import StrataServer

/// How a record prints: in CSV, the ingest layout's columns (so an export ingests again); in a
/// table, an ISO-8601 `time` column first, then the same; in JSON, the API's objects.
protocol RecordColumns: ColumnarRecord, APIObject {
    /// The columns for a set of rows (quotes widen to the deepest book among them).
    static func columns(for rows: [Self]) -> [String]
    /// The cells of this row for `columns`.
    func cells(columnCount: Int) -> [Cell]
}

extension Trade: RecordColumns {
    static func columns(for rows: [Trade]) -> [String] { TradeCSVFormat.columns }

    func cells(columnCount: Int) -> [Cell] {
        [
            .integer(timestamp.nanoseconds), .text(symbol.name), .integer(tradeID), .decimal(price.description),
            .decimal(quantity.description), .boolean(isBuyerMaker),
        ]
    }
}

extension AggregatedTrade: RecordColumns {
    static func columns(for rows: [AggregatedTrade]) -> [String] { AggregatedTradeCSVFormat.columns }

    func cells(columnCount: Int) -> [Cell] {
        [
            .integer(aggregateID), .text(symbol.name), .decimal(price.description), .decimal(quantity.description),
            .integer(firstTradeID), .integer(lastTradeID), .integer(AggregatedTradeCSVFormat.transactTime(timestamp)),
            .boolean(isBuyerMaker), .boolean(isBestMatch),
        ]
    }
}

extension Quote: RecordColumns {
    static func columns(for rows: [Quote]) -> [String] {
        let depth = rows.reduce(1) { max($0, $1.bids.count, $1.asks.count) }
        return Array(QuoteCSVFormat.columns.prefix(2 + 4 * depth))
    }

    func cells(columnCount: Int) -> [Cell] {
        var cells: [Cell] = [.integer(timestamp.nanoseconds), .text(symbol.name)]
        for level in 0..<((columnCount - 2) / 4) {
            for side in [bids, asks] {
                if level < side.count {
                    cells += [.decimal(side[level].price.description), .decimal(side[level].size.description)]
                } else {
                    cells += [.empty, .empty]
                }
            }
        }
        return cells
    }
}
