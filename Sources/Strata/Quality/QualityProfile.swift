import StrataCore

/// Which lanes of a table's rows the quality rules read, from its schema.
struct QualityProfile: Sendable {
    /// A price column the median band applies to.
    struct PriceLane: Sendable {
        var lane: Int
        var name: String
        var scale: Int
    }

    let table: String
    let timestampLane: Int
    /// `price` (trades, aggregated trades, declared tables), `bid_px_0` and `ask_px_0` (quotes),
    /// or `bid` / `ask`: decimal columns only.
    let prices: [PriceLane]
    /// The best bid and ask lanes, when the table has both (quotes).
    let crossed: (bid: PriceLane, ask: PriceLane)?
    /// The key lane and whether a new row replaces a stored one.
    let key: (lane: Int, lastWins: Bool)?

    /// Column names read as prices.
    static let priceNames = ["price", "bid_px_0", "ask_px_0", "bid", "ask"]

    /// The profile of `schema`, or nil when the schema has no price column (the monitor covers
    /// market data: trades, aggregated trades, quotes, and declared tables with a price).
    init?(schema: RecordSchema) {
        let columns = schema.storageColumns
        func lane(_ name: String) -> PriceLane? {
            guard let index = columns.firstIndex(where: { $0.name == name }),
                case .decimal(let scale) = columns[index].kind
            else { return nil }
            return PriceLane(lane: index, name: name, scale: scale)
        }
        let prices = Self.priceNames.compactMap(lane)
        guard !prices.isEmpty, let timestamp = columns.firstIndex(where: { $0.name == schema.timestamp }) else {
            return nil
        }
        table = schema.name
        timestampLane = timestamp
        self.prices = prices
        if let bid = lane("bid_px_0") ?? lane("bid"), let ask = lane("ask_px_0") ?? lane("ask") {
            crossed = (bid, ask)
        } else {
            crossed = nil
        }
        if let key = schema.key, let index = columns.firstIndex(where: { $0.name == key.column }) {
            self.key = (index, key.policy == .lastWins)
        } else {
            key = nil
        }
    }
}
