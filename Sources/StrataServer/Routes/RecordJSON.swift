package import Strata

/// The JSON form of the values the API answers with beside table rows (bars, symbol listings,
/// stats; rows are ``RowJSON``'s), written straight into the answer's bytes (``JSONWriter``):
/// decimals as strings (exact), timestamps as `ts_ns` strings plus an ISO-8601 `time`.
protocol JSONRepresentable {
    /// Writes the value as one JSON object.
    func writeJSON(to writer: inout JSONWriter)
}

/// The API's JSON object of a value, as text: what `strata … --format json` prints per row.
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

extension Bar {
    /// The live feed's form of a bar (`symbol` and `timeframe` first), as the CLI prints it.
    package var identifiedAPIJSON: String { objectText { writeJSON(to: &$0, identified: true) } }
}

extension Timestamp {
    /// `ts_ns` and `time`, for documents built as ``JSON`` values.
    var jsonMembers: [(String, JSON)] { [("ts_ns", .string(String(nanoseconds))), ("time", .string(iso8601))] }
}

extension Bar: JSONRepresentable {
    func writeJSON(to writer: inout JSONWriter) {
        writeJSON(to: &writer, identified: false)
    }

    /// With `identified`, `symbol` and `timeframe` come first (a live bar, which has no
    /// enclosing answer to name them); `indicators` follow `trades` (a value or null each).
    func writeJSON(
        to writer: inout JSONWriter, identified: Bool, indicators: [(name: String, value: IndicatorValue?)] = []
    ) {
        let volumeText = volume.description
        let notionalText = notional.description
        let maximumBytes =
            384 + 2 * JSONText.maximumQuotedBytes(symbol.name) + volumeText.utf8.count + notionalText.utf8.count
            + indicators.reduce(0) { $0 + JSONText.maximumQuotedBytes($1.name) + 32 }
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
            for (name, value) in indicators {
                out.write(UInt8(ascii: ","))
                out.writeJSONQuoted(name)
                if let value {
                    out.write(":\"")
                    out.write(value)
                    out.write(UInt8(ascii: "\""))
                } else {
                    out.write(":null")
                }
            }
            out.write(UInt8(ascii: "}"))
        }
    }
}

/// A bar with its indicators' values (`GET /api/v1/indicators`): the bar's members, then one
/// member per indicator column.
struct IndicatorBar: JSONRepresentable {
    let bar: Bar
    let values: [(name: String, value: IndicatorValue?)]

    func writeJSON(to writer: inout JSONWriter) { bar.writeJSON(to: &writer, identified: false, indicators: values) }
}

extension IndicatorAnswer {
    /// Bar `row` with its values, `symbol` and `timeframe` first, as the CLI prints it.
    package func identifiedAPIJSON(row: Int) -> String {
        objectText {
            bars[row].writeJSON(to: &$0, identified: true, indicators: columns.map { ($0.name, $0.values[row]) })
        }
    }

    /// Each bar with its values, for JSON.
    var jsonBars: [IndicatorBar] {
        bars.indices.map { row in IndicatorBar(bar: bars[row], values: columns.map { ($0.name, $0.values[row]) }) }
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

extension TableStorage: JSONRepresentable {
    /// `{"table","sealed_rows","memory_rows","memory_bytes","encoded_bytes","raw_bytes",
    /// "compression_ratio","columns":[{"name","encoded_bytes","raw_bytes","compression_ratio"}]}`;
    /// a ratio is a string with two decimals (null with nothing sealed).
    func writeJSON(to writer: inout JSONWriter) {
        func ratio(_ value: Double?) -> JSON { value.map { .string(TableStorage.ratioText($0)) } ?? .null }
        writer.value(
            .object([
                ("table", .string(table)), ("sealed_rows", .int(sealedRows)), ("memory_rows", .int(memoryRows)),
                ("memory_bytes", .int(memoryBytes)), ("encoded_bytes", .int(encodedBytes)),
                ("raw_bytes", .int(rawBytes)),
                ("compression_ratio", ratio(compressionRatio)),
                (
                    "columns",
                    .array(
                        columns.map { column in
                            .object([
                                ("name", .string(column.name)), ("encoded_bytes", .int(column.encodedBytes)),
                                ("raw_bytes", .int(column.rawBytes)),
                                ("compression_ratio", ratio(column.compressionRatio)),
                            ])
                        })
                ),
            ]))
    }
}

extension SlowQueryLog.Entry: JSONRepresentable {
    /// `{"time","method","route","target","status","duration_ms","request_id"}`.
    func writeJSON(to writer: inout JSONWriter) {
        writer.value(
            .object([
                ("time", .string(time.iso8601)), ("method", .string(method)), ("route", .string(route)),
                ("target", .string(target)), ("status", .int(status)),
                ("duration_ms", .string(RequestMiddleware.milliseconds(nanoseconds))),
                ("request_id", .string(requestID)),
            ]))
    }
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
