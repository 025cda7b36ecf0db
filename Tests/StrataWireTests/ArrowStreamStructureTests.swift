import StrataCore
import StrataWire
import Testing

/// The stream's bytes decoded on the Swift side: framing, schema, buffers, dictionary batches.
struct ArrowStreamStructureTests {
    static let metadata = [("strata.table", "trades"), ("strata.version", "1")]

    static func stream(_ batches: [ColumnarBatch], finishWith empty: ColumnarBatch? = nil) throws -> [UInt8] {
        try Fixtures.stream(batches, metadata: metadata, finishWith: empty)
    }

    /// Every message starts with the continuation marker, its metadata padded so the body starts
    /// 8-aligned, relative to the stream even when `output` already held bytes; V5; the
    /// end-of-stream marker last.
    @Test func framingAndEndOfStream() throws {
        var writer = ArrowStreamWriter()
        var output: [UInt8] = [1, 2, 3]  // what the caller had already: the stream follows it
        try writer.write(Fixtures.everyKind(), to: &output)
        writer.finish(schemaOf: nil, to: &output)
        #expect(Array(output.prefix(3)) == [1, 2, 3])
        #expect(Array(output.suffix(8)) == [0xFF, 0xFF, 0xFF, 0xFF, 0, 0, 0, 0])
        let messages = try decodeStream(Array(output.dropFirst(3)))
        #expect(messages.map(\.headerType) == [1, 2, 3])
        #expect(messages.allSatisfy { $0.version == 4 })
        #expect(messages[0].bodyLength == 0)
        #expect(messages[2].bodyLength > 0)
        #expect((output.count - 3) % 8 == 0)
    }

    /// Names, types, nullability, the dictionary encoding, the levels' children, the metadata.
    @Test func schemaDescribesEveryKind() throws {
        let messages = try decodeStream(try Self.stream([Fixtures.everyKind()]))
        let schema = messages[0].header
        #expect(schema.scalar(0) as Int16 == 0)  // little-endian
        let metadata = (schema.tables(2) ?? []).map { ($0.string(0) ?? "", $0.string(1) ?? "") }
        #expect(metadata.map(\.0) == ["strata.table", "strata.version"])
        #expect(metadata.map(\.1) == ["trades", "1"])
        let fields = schema.tables(1) ?? []
        #expect(
            fields.map { $0.string(0) } == [
                "ts", "id", "side", "price", "qty", "ratio", "maker", "note", "symbol", "bids", "seq", "notional",
            ])
        #expect(fields.allSatisfy { $0.bool(1) })  // nullable
        #expect(fields.map { $0.scalar(2) as UInt8 } == [10, 2, 2, 7, 7, 3, 6, 5, 5, 12, 2, 7])
        #expect(fields.allSatisfy { $0.tables(5) != nil })  // children, even empty
        let types = fields.map { $0.table(3)! }
        #expect(types[0].scalar(0) as Int16 == 3)  // NANOSECOND
        #expect(types[0].string(1) == "UTC")
        #expect(types[1].scalar(0) as Int32 == 64)
        #expect(types[1].bool(1))
        #expect(types[2].scalar(0) as Int32 == 8)
        #expect(types[2].bool(1))
        #expect([types[3], types[4]].map { $0.scalar(0) as Int32 } == [38, 38])
        #expect([types[3], types[4]].map { $0.scalar(1) as Int32 } == [8, 0])
        #expect([types[3], types[4]].map { $0.scalar(2, default: 128) as Int32 } == [128, 128])
        #expect(types[5].scalar(0) as Int16 == 2)  // DOUBLE
        #expect(!fields[7].isPresent(4))
        let dictionary = try #require(fields[8].table(4))
        #expect(dictionary.scalar(0) as Int64 == 0)
        #expect(dictionary.table(1)?.scalar(0) as Int32? == 32)
        #expect(dictionary.table(1)?.bool(1) == true)
        #expect(!dictionary.bool(2))
        let item = try #require(fields[9].tables(5)?.first)
        #expect(fields[9].tables(5)?.count == 1)
        #expect(item.string(0) == "item")
        #expect(!item.bool(1))
        #expect(item.scalar(2) as UInt8 == 13)
        let members = item.tables(5) ?? []
        #expect(members.map { $0.string(0) } == ["price", "size"])
        #expect(members.map { $0.bool(1) } == [false, false])
        #expect(members.map { $0.scalar(2) as UInt8 } == [7, 7])
        #expect(members.map { $0.table(3)!.scalar(1) as Int32 } == [2, 8])
    }

    /// The buffers hold the values in Arrow's layouts: validity bits, sign-extended decimals,
    /// packed booleans, offsets, remapped indices; no validity buffer where nothing is absent.
    @Test func recordBatchBuffersHoldTheValues() throws {
        let batch = Fixtures.everyKind()
        let messages = try decodeStream(try Self.stream([batch]))
        let record = messages[2]
        #expect(record.recordBatch.scalar(0) as Int64 == 10)
        let nodes = record.nodes
        #expect(nodes.map(\.length) == [10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 13, 13, 13, 10, 10])
        #expect(nodes.map(\.nulls) == [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1])
        let buffers = record.buffers
        try #require(buffers.count == 30)
        // Validity: row 5 of ts is absent.
        #expect(buffers[0] == [0xDF, 0x03])
        for (position, buffer) in [0, 2, 4, 6, 8, 10, 12, 14, 17, 19].enumerated() {
            #expect(buffers[buffer] == Self.bits(batch.columns[position].present!), "validity of column \(position)")
        }
        #expect([21, 22, 24, 26].allSatisfy { buffers[$0].isEmpty })
        guard case .timestamps(let timestamps) = batch.columns[0].values,
            case .decimals(let prices, _) = batch.columns[3].values,
            case .bool(let makers) = batch.columns[6].values
        else { return }
        #expect(buffers[1].integers(Int64.self) == timestamps)
        #expect(buffers[3].integers(Int64.self) == [Int64.min, Int64.max, 0, -1, 1, 0, 42, -42, 1 << 40, -(1 << 40)])
        #expect(buffers[5].integers(Int8.self) == [-128, 127, 0, -1, 1, 0, 2, -2, 3, -3])
        let words = buffers[7].integers(UInt64.self)
        #expect(words.count == 20)
        #expect(Array(words.prefix(6)) == [0x8000_0000_0000_0001, .max, 0x7FFF_FFFF_FFFF_FFFF, 0, .max, .max])
        for (index, price) in prices.enumerated() {
            #expect(words[2 * index] == UInt64(bitPattern: price))
            #expect(words[2 * index + 1] == (price < 0 ? .max : 0))
        }
        #expect(buffers[11].integers(UInt64.self)[0] == (0.1 as Double).bitPattern)
        #expect(buffers[13] == Self.bits(makers))
        #expect(buffers[13] == [0b0100_1101, 0b11])
        #expect(buffers[15].integers(Int32.self).prefix(4) == [0, 0, 6, 17])
        #expect(String(decoding: buffers[16].prefix(6), as: UTF8.self) == "héllo")
        // The absent row's index 99 is written as 0.
        #expect(buffers[18].integers(Int32.self) == [0, 1, 2, 0, 1, 2, 2, 0, 0, 1])
        #expect(buffers[20].integers(Int32.self) == [0, 0, 1, 3, 6, 6, 8, 9, 9, 10, 13])
        #expect(buffers[23].count == 13 * 16)
        #expect(buffers[25].integers(UInt64.self)[6...7] == [UInt64(bitPattern: Int64.min + 1), .max])
        #expect(buffers[27].integers(Int64.self) == Array(0..<10))
    }

    /// The first dictionary batch holds every value, later ones only the new values (isDelta),
    /// none when a batch brings nothing new; indices are rewritten into the stream's dictionary,
    /// strings given for a dictionary column are encoded, a dictionary given for a text column is
    /// expanded.
    @Test func dictionaryDeltasCarryOnlyNewValues() throws {
        let batches = Fixtures.dictionaryBatches()
        let messages = try decodeStream(try Self.stream(batches))
        let dictionaries = messages.filter { $0.headerType == 2 }
        #expect(dictionaries.map { $0.header.scalar(0) as Int64 } == [0, 1, 0, 1, 0, 1])
        #expect(dictionaries.map { $0.header.bool(2) } == [false, false, true, true, true, true])
        #expect(
            dictionaries.map(Self.dictionaryValues) == [
                ["BTCUSDT", "ETHUSDT"], [""], ["SOLUSDT"], ["trade"], ["XRPUSDT", ""], ["liquidation", "funding"],
            ])
        #expect(messages.map(\.headerType) == [1, 2, 2, 3, 2, 2, 3, 2, 2, 3, 3])
        let records = messages.filter { $0.headerType == 3 }
        #expect(
            records.map { $0.buffers[1].integers(Int32.self) } == [[0, 1, 0], [2, 1, 0], [3, 0, 2, 0, 4], [1, 1]])
        // "kind": all absent first (an empty dictionary: "" is added for the absent rows to point at).
        #expect(
            records.map { $0.buffers[6].integers(Int32.self) } == [[0, 0, 0], [1, 1, 0], [2, 3, 1, 0, 0], [3, 2]])
        // "venue" given as a dictionary in the second batch: written as text.
        #expect(records[1].buffers[3].integers(Int32.self) == [0, 5, 12, 12])
        #expect(String(decoding: records[1].buffers[4], as: UTF8.self) == "bybitbinance")
    }

    /// With replacement dictionaries, a dictionary that gained values is sent whole, not as a
    /// delta; the indices are the same as with deltas.
    @Test func replacementDictionariesResendEveryValue() throws {
        var writer = ArrowStreamWriter(dictionaryUpdates: .replacements)
        var output: [UInt8] = []
        for batch in Fixtures.dictionaryBatches() { try writer.write(batch, to: &output) }
        writer.finish(schemaOf: nil, to: &output)
        let messages = try decodeStream(output)
        #expect(messages.map(\.headerType) == [1, 2, 2, 3, 2, 2, 3, 2, 2, 3, 3])
        let dictionaries = messages.filter { $0.headerType == 2 }
        #expect(dictionaries.allSatisfy { !$0.header.bool(2) })
        #expect(
            dictionaries.map(Self.dictionaryValues) == [
                ["BTCUSDT", "ETHUSDT"], [""], ["BTCUSDT", "ETHUSDT", "SOLUSDT"], ["", "trade"],
                ["BTCUSDT", "ETHUSDT", "SOLUSDT", "XRPUSDT", ""], ["", "trade", "liquidation", "funding"],
            ])
        let records = messages.filter { $0.headerType == 3 }
        #expect(
            records.map { $0.buffers[1].integers(Int32.self) } == [[0, 1, 0], [2, 1, 0], [3, 0, 2, 0, 4], [1, 1]])
    }

    /// Without a batch, `finish` writes the schema of the empty batch given (or one of no
    /// fields), then the end-of-stream marker; finishing twice writes nothing more, and a batch
    /// after the end is refused.
    @Test func schemaOnlyStreams() throws {
        let empty = Fixtures.empty(like: Fixtures.everyKind())
        var writer = ArrowStreamWriter()
        var output: [UInt8] = []
        writer.finish(schemaOf: empty, to: &output)
        let messages = try decodeStream(output)
        #expect(messages.map(\.headerType) == [1])
        #expect(messages[0].header.tables(1)?.count == 12)
        let length = output.count
        writer.finish(schemaOf: empty, to: &output)
        #expect(output.count == length)
        #expect(throws: ArrowWriteError.self) { try writer.write(empty, to: &output) }
        #expect(output.count == length)

        var bare = ArrowStreamWriter()
        var bareOutput: [UInt8] = []
        bare.finish(schemaOf: nil, to: &bareOutput)
        let bareMessages = try decodeStream(bareOutput)
        #expect(bareMessages.count == 1)
        #expect(bareMessages[0].header.tables(1)?.count == 0)
    }

    /// An empty batch is a record batch of no rows, after a first (empty) dictionary batch.
    @Test func emptyBatch() throws {
        let messages = try decodeStream(try Self.stream([Fixtures.empty(like: Fixtures.everyKind())]))
        #expect(messages.map(\.headerType) == [1, 2, 3])
        #expect(!messages[1].header.bool(2))
        #expect(messages[1].nodes.map(\.length) == [0])
        #expect(messages[2].recordBatch.scalar(0) as Int64 == 0)
        #expect(messages[2].nodes.allSatisfy { $0.length == 0 && $0.nulls == 0 })
        #expect(messages[2].buffers.count == 30)
    }

    /// A later batch whose columns differ from the schema is refused, naming the column, and
    /// nothing of it is written; so is a batch whose values do not fit Arrow.
    @Test func batchesThatDoNotFitAreRefused() throws {
        let first = ColumnarBatch(
            count: 2,
            columns: [
                ColumnarColumn(name: "ts", values: .timestamps([1, 2])),
                ColumnarColumn(name: "price", values: .decimals([1, 2], scale: 8)),
                ColumnarColumn(
                    name: "symbol", values: .dictionary(indices: [0, 0], values: StringColumn(["BTCUSDT"]))),
            ])
        var writer = ArrowStreamWriter()
        var output: [UInt8] = []
        try writer.write(first, to: &output)
        let length = output.count

        func refusal(_ change: (inout ColumnarBatch) -> Void) -> ArrowWriteError? {
            var batch = first
            change(&batch)
            do {
                try writer.write(batch, to: &output)
                return nil
            } catch {
                return error
            }
        }
        let renamed = refusal { $0.columns[1].name = "px" }
        #expect(renamed?.column == "price")
        #expect(renamed?.description.contains("\"px\"") == true)
        let rescaled = refusal { $0.columns[1].values = .decimals([1, 2], scale: 2) }
        #expect(rescaled?.column == "price")
        #expect(rescaled?.description.contains("scale 8") == true)
        #expect(rescaled?.description.contains("scale 2") == true)
        #expect(refusal { $0.columns[0].values = .int64([1, 2]) }?.column == "ts")
        #expect(
            refusal { $0.columns.append(ColumnarColumn(name: "extra", values: .bool([true, false]))) }?.column
                == "extra")
        #expect(refusal { $0.columns.removeLast() }?.column == "symbol")
        #expect(refusal { $0.columns[0].values = .timestamps([1]) }?.column == "ts")
        #expect(refusal { $0.columns[0].present = [true] }?.column == "ts")
        let outOfRange = refusal {
            $0.columns[2].values = .dictionary(indices: [0, 1], values: StringColumn(["BTCUSDT"]))
        }
        #expect(outOfRange?.column == "symbol")
        #expect(outOfRange?.description.contains("row 1") == true)
        #expect(output.count == length)

        // The writer goes on after a refusal.
        try writer.write(first, to: &output)
        writer.finish(schemaOf: nil, to: &output)
        #expect(try decodeStream(output).map(\.headerType) == [1, 2, 3, 3])

        var levelsWriter = ArrowStreamWriter()
        let badLevels = ColumnarBatch(
            count: 2,
            columns: [
                ColumnarColumn(
                    name: "bids",
                    values: .levels(
                        BookLevels(
                            offsets: [0, 2, 1], prices: [1], sizes: [1], priceScale: 2, sizeScale: 2,
                            levelColumns: [])))
            ])
        #expect(throws: ArrowWriteError.self) { try levelsWriter.write(badLevels, to: &output) }
        let badScale = ColumnarBatch(
            count: 1, columns: [ColumnarColumn(name: "price", values: .decimals([1], scale: 39))])
        #expect(throws: ArrowWriteError.self) { try levelsWriter.write(badScale, to: &output) }
    }

    /// A validity bitmap, least significant bit first (written independently of the writer's).
    static func bits(_ flags: [Bool]) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: (flags.count + 7) / 8)
        for (index, flag) in flags.enumerated() where flag { bytes[index / 8] |= 1 << (index % 8) }
        return bytes
    }

    /// The strings a dictionary batch carries.
    static func dictionaryValues(_ message: ArrowMessage) -> [String] {
        let buffers = message.buffers
        let offsets = buffers[1].integers(Int32.self)
        return (0..<(offsets.count - 1)).map { index in
            String(decoding: buffers[2][Int(offsets[index])..<Int(offsets[index + 1])], as: UTF8.self)
        }
    }
}
