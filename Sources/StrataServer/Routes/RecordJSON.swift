import Strata

/// The JSON form of each record: the table's column names, decimals as strings (exact),
/// timestamps as `ts_ns` strings (beyond JSON's safe integers) plus an ISO-8601 `time`.
protocol JSONRepresentable {
    var json: JSON { get }
}

extension Timestamp {
    var jsonMembers: [(String, JSON)] { [("ts_ns", .string(String(nanoseconds))), ("time", .string(iso8601))] }
}

extension Trade: JSONRepresentable {
    var json: JSON {
        .object(
            timestamp.jsonMembers + [
                ("symbol", .string(symbol.name)), ("trade_id", .int(tradeID)), ("price", .string(price.description)),
                ("qty", .string(quantity.description)), ("is_buyer_maker", .bool(isBuyerMaker)),
            ])
    }
}

extension AggregatedTrade: JSONRepresentable {
    var json: JSON {
        .object(
            timestamp.jsonMembers + [
                ("symbol", .string(symbol.name)), ("agg_trade_id", .int(aggregateID)),
                ("price", .string(price.description)), ("qty", .string(quantity.description)),
                ("first_trade_id", .int(firstTradeID)), ("last_trade_id", .int(lastTradeID)),
                ("is_buyer_maker", .bool(isBuyerMaker)), ("is_best_match", .bool(isBestMatch)),
            ])
    }
}

extension Quote: JSONRepresentable {
    var json: JSON {
        func levels(_ levels: [DepthLevel]) -> JSON {
            .array(
                levels.map {
                    .object([("price", .string($0.price.description)), ("size", .string($0.size.description))])
                })
        }
        return .object(
            timestamp.jsonMembers + [("symbol", .string(symbol.name)), ("bids", levels(bids)), ("asks", levels(asks))])
    }
}

extension Bar: JSONRepresentable {
    var json: JSON {
        .object(
            start.jsonMembers + [
                ("open", .string(open.description)), ("high", .string(high.description)),
                ("low", .string(low.description)), ("close", .string(close.description)),
                ("volume", .string(volume.description)), ("notional", .string(notional.description)),
                ("vwap", vwap.map { .string($0.description) } ?? .null), ("trades", .int(tradeCount)),
            ])
    }
}

extension TableStats: JSONRepresentable {
    var json: JSON {
        .object([
            ("table", .string(table)), ("rows", .int(rows)), ("symbols", .int(symbols)),
            ("bytes_on_disk", .int(bytesOnDisk)), ("partitions", .int(partitions)),
            ("sealed_partitions", .int(sealedPartitions)), ("pending_late_rows", .int(pendingLateRows)),
            ("duplicates_skipped", .int(duplicatesSkipped)),
            ("oldest", oldest.map { .string($0.iso8601) } ?? .null),
            ("newest", newest.map { .string($0.iso8601) } ?? .null),
        ])
    }
}
