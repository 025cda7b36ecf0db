public import StrataCore
public import StrataTiers

/// One message of the Redis tier's channel `live:<table>`, read back: the log position, the
/// writing node (empty when the writer gave none), and the rows as a batch of the table's lanes.
///
/// ```
/// 42 node-a-1234
/// {"symbol":"BTCUSDT","ts_ns":…,"price":"64000.25",…}
/// {"symbol":"ETHUSDT",…}
/// ```
public struct RedisLiveMessage: Sendable {
    public var position: UInt64
    public var origin: String
    public var batch: ColumnBatch

    /// Reads `text` for a table of `schema`.
    /// - Throws: ``TierError`` `.corruptFile` when the message is not one the tier writes.
    public init(_ text: String, schema: RecordSchema) throws(TierError) {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        let head = lines.first?.split(separator: " ", maxSplits: 1) ?? []
        guard let first = head.first, let position = UInt64(first) else {
            throw TierError(.corruptFile, "redis live message: no position in '\(text.prefix(80))'")
        }
        self.position = position
        origin = head.count > 1 ? String(head[1]) : ""
        let decoding = RedisRowDecoding(schema: schema)
        var rows = RowSet(columnCount: decoding.laneCount)
        var symbols: [String] = []
        var symbolIDs: [String: UInt32] = [:]
        var symbolIndex: [UInt32] = []
        for line in lines.dropFirst() where !line.isEmpty {
            var reader = FlatJSONReader(line.utf8)
            guard reader.consume(UInt8(ascii: "{")), reader.key() != nil, case .string(let symbol) = reader.value(),
                decoding.decode(line, into: &rows)
            else { throw TierError(.corruptFile, "redis live message: a row does not decode: \(line.prefix(200))") }
            let id =
                symbolIDs[symbol]
                ?? {
                    let id = UInt32(symbols.count)
                    symbols.append(symbol)
                    symbolIDs[symbol] = id
                    return id
                }()
            symbolIndex.append(id)
        }
        var batch = ColumnBatch(symbols: symbols, symbolIndex: symbolIndex, columns: rows.columns)
        batch.texts = rows.texts
        self.batch = batch
    }
}
