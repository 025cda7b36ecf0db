package import Strata

/// The JSON form of each record: the table's column names, decimals as strings (exact),
/// timestamps as `ts_ns` strings (beyond JSON's safe integers) plus an ISO-8601 `time`.
/// Written straight into the answer's bytes (``JSONWriter``). The `strata` command prints the
/// same objects for `--format json`, so the CLI and the API share one vocabulary.
protocol JSONRepresentable {
    /// Writes the record as one JSON object.
    func writeJSON(to writer: inout JSONWriter)
    /// Writes `rows` as a JSON array. A requirement (with a default) so that code generic over
    /// the record, as the routes opened on each built-in record are, still writes the rows in a
    /// loop specialised for it: one call through the record's conformance per answer, not per row.
    static func writeArray(_ rows: [Self], to writer: inout JSONWriter)
}

extension JSONRepresentable {
    static func writeArray(_ rows: [Self], to writer: inout JSONWriter) { writer.rows(rows) }
}

/// A built-in record the API serves: its table's routes and live channel write it through its
/// own ``JSONRepresentable`` conformance.
typealias ServedRecord = ColumnarRecord & JSONRepresentable

/// The records of ``RecordSchema/builtInRecords`` the API serves, in order: every one (the routes
/// and `openapi.json` describe every built-in table, and `OpenAPITests` requires both to agree,
/// so a built-in record without a JSON form fails the tests rather than go unserved).
let servedRecords: [any ServedRecord.Type] = RecordSchema.builtInRecords.compactMap {
    $0 as? any ServedRecord.Type
}

/// The API's JSON object of a record, as text: what `strata … --format json` prints per row.
package protocol APIObject {
    /// The object the API writes for this value.
    var apiJSON: String { get }
}

/// The text ``JSONRepresentable/writeJSON(to:)`` writes.
private func objectText(_ write: (inout JSONWriter) -> Void) -> String {
    var writer = JSONWriter()
    write(&writer)
    return String(decoding: writer.bytes, as: UTF8.self)
}

extension Trade: APIObject {
    package var apiJSON: String { objectText(writeJSON) }
}

extension AggregatedTrade: APIObject {
    package var apiJSON: String { objectText(writeJSON) }
}

extension Quote: APIObject {
    package var apiJSON: String { objectText(writeJSON) }
}

extension Bar {
    /// The live feed's form of a bar (`symbol` and `timeframe` first), as the CLI prints it.
    package var identifiedAPIJSON: String { objectText { writeJSON(to: &$0, identified: true) } }
}

extension Timestamp {
    /// `ts_ns` and `time`, for documents built as ``JSON`` values.
    var jsonMembers: [(String, JSON)] { [("ts_ns", .string(String(nanoseconds))), ("time", .string(iso8601))] }
}

extension UTF8Cursor {
    /// What every stored record's object starts with: `{"ts_ns":"…","time":"…","symbol":"…"`
    /// (at most 96 bytes plus the quoted symbol).
    fileprivate mutating func writeRecordStart(_ timestamp: Timestamp, _ symbol: Symbol) {
        write("{\"ts_ns\":\"")
        write(timestamp.nanoseconds)
        write("\",\"time\":\"")
        write(timestamp)
        write("\",\"symbol\":")
        writeJSONQuoted(symbol.name)
    }

    /// `,"price":"…","qty":"…"`, then the opening quote is closed (at most 64 bytes).
    fileprivate mutating func writePriceAndQuantity(_ price: Price, _ quantity: Quantity) {
        write(",\"price\":\"")
        write(price)
        write("\",\"qty\":\"")
        write(quantity)
        write(UInt8(ascii: "\""))
    }
}

extension Trade: JSONRepresentable {
    func writeJSON(to writer: inout JSONWriter) {
        writer.element(maximumBytes: 256 + JSONText.maximumQuotedBytes(symbol.name)) { out in
            out.writeRecordStart(timestamp, symbol)
            out.write(",\"trade_id\":")
            out.write(tradeID)
            out.writePriceAndQuantity(price, quantity)
            out.write(isBuyerMaker ? ",\"is_buyer_maker\":true}" : ",\"is_buyer_maker\":false}")
        }
    }
}

extension AggregatedTrade: JSONRepresentable {
    func writeJSON(to writer: inout JSONWriter) {
        writer.element(maximumBytes: 384 + JSONText.maximumQuotedBytes(symbol.name)) { out in
            out.writeRecordStart(timestamp, symbol)
            out.write(",\"agg_trade_id\":")
            out.write(aggregateID)
            out.writePriceAndQuantity(price, quantity)
            out.write(",\"first_trade_id\":")
            out.write(firstTradeID)
            out.write(",\"last_trade_id\":")
            out.write(lastTradeID)
            out.write(isBuyerMaker ? ",\"is_buyer_maker\":true" : ",\"is_buyer_maker\":false")
            out.write(isBestMatch ? ",\"is_best_match\":true}" : ",\"is_best_match\":false}")
        }
    }
}

extension Quote: JSONRepresentable {
    func writeJSON(to writer: inout JSONWriter) {
        // A level: `,{"price":"` (11) + price (≤ 21) + `","size":"` (10) + size (≤ 21) + `"}` (2).
        let levelBytes = 65
        let maximumBytes = 128 + JSONText.maximumQuotedBytes(symbol.name) + levelBytes * (bids.count + asks.count)
        writer.element(maximumBytes: maximumBytes) { out in
            func levels(_ levels: [DepthLevel]) {
                out.write(UInt8(ascii: "["))
                for (index, level) in levels.enumerated() {
                    out.write(index == 0 ? "{\"price\":\"" : ",{\"price\":\"")
                    out.write(level.price)
                    out.write("\",\"size\":\"")
                    out.write(level.size)
                    out.write("\"}")
                }
                out.write(UInt8(ascii: "]"))
            }
            out.writeRecordStart(timestamp, symbol)
            out.write(",\"bids\":")
            levels(bids)
            out.write(",\"asks\":")
            levels(asks)
            out.write(UInt8(ascii: "}"))
        }
    }
}

extension Bar: JSONRepresentable {
    func writeJSON(to writer: inout JSONWriter) {
        writeJSON(to: &writer, identified: false)
    }

    /// With `identified`, `symbol` and `timeframe` come first (a live bar, which has no
    /// enclosing answer to name them).
    func writeJSON(to writer: inout JSONWriter, identified: Bool) {
        let volumeText = volume.description
        let notionalText = notional.description
        let maximumBytes =
            384 + 2 * JSONText.maximumQuotedBytes(symbol.name) + volumeText.utf8.count + notionalText.utf8.count
        writer.element(maximumBytes: maximumBytes) { out in
            out.write(UInt8(ascii: "{"))
            if identified {
                out.write("\"symbol\":")
                out.writeJSONQuoted(symbol.name)
                out.write(",\"timeframe\":")
                out.writeJSONQuoted(timeframe.description)
                out.write(UInt8(ascii: ","))
            }
            out.write("\"ts_ns\":\"")
            out.write(start.nanoseconds)
            out.write("\",\"time\":\"")
            out.write(start)
            out.write("\",\"open\":\"")
            out.write(open)
            out.write("\",\"high\":\"")
            out.write(high)
            out.write("\",\"low\":\"")
            out.write(low)
            out.write("\",\"close\":\"")
            out.write(close)
            out.write("\",\"volume\":")
            out.writeJSONQuoted(volumeText)
            out.write(",\"notional\":")
            out.writeJSONQuoted(notionalText)
            if let vwap {
                out.write(",\"vwap\":\"")
                out.write(vwap)
                out.write("\",\"trades\":")
            } else {
                out.write(",\"vwap\":null,\"trades\":")
            }
            out.write(Int64(tradeCount))
            out.write(UInt8(ascii: "}"))
        }
    }
}

extension QuoteBar: JSONRepresentable {
    /// `{"ts_ns","time","bid":{"open","high","low","close"}|null,"ask":…,"quotes":n}`.
    func writeJSON(to writer: inout JSONWriter) {
        func side(_ ohlc: PriceOHLC?) -> JSON {
            guard let ohlc else { return .null }
            return .object([
                ("open", .string(ohlc.open.description)), ("high", .string(ohlc.high.description)),
                ("low", .string(ohlc.low.description)), ("close", .string(ohlc.close.description)),
            ])
        }
        writer.value(
            .object(start.jsonMembers + [("bid", side(bid)), ("ask", side(ask)), ("quotes", .int(quoteCount))]))
    }
}

extension SymbolListing: JSONRepresentable, APIObject {
    func writeJSON(to writer: inout JSONWriter) {
        writer.value(
            .object([
                ("symbol", .string(symbol.name)), ("rows", .int(rows)),
                ("first_ns", .string(String(first.nanoseconds))), ("first", .string(first.iso8601)),
                ("last_ns", .string(String(last.nanoseconds))), ("last", .string(last.iso8601)),
            ]))
    }

    package var apiJSON: String { objectText(writeJSON) }
}

extension TableStats: JSONRepresentable {
    func writeJSON(to writer: inout JSONWriter) {
        writer.value(
            .object([
                ("table", .string(table)), ("rows", .int(rows)), ("symbols", .int(symbols)),
                ("bytes_on_disk", .int(bytesOnDisk)), ("partitions", .int(partitions)),
                ("sealed_partitions", .int(sealedPartitions)), ("pending_late_rows", .int(pendingLateRows)),
                ("duplicates_skipped", .int(duplicatesSkipped)), ("overwrites", .int(overwrites)),
                ("oldest", oldest.map { .string($0.iso8601) } ?? .null),
                ("newest", newest.map { .string($0.iso8601) } ?? .null),
            ]))
    }
}
