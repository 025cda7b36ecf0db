import StrataCore
import StrataTestSupport
import StrataWire
import Testing

/// The streams read by real readers: pyarrow (`ipc.open_stream(...).read_all()`), polars
/// (`read_ipc_stream`) and DuckDB (over the pyarrow table), each seeing exactly the values written.
@Suite(.heavy, .serialized)
struct ArrowReaderTests {
    static let metadata = [("strata.table", "trades"), ("strata.query", "range")]

    static func stream(_ batches: [ColumnarBatch], finishWith empty: ColumnarBatch? = nil) throws -> [UInt8] {
        try Fixtures.stream(batches, metadata: metadata, finishWith: empty)
    }

    /// The pyarrow types of `Fixtures.everyKind`'s columns.
    static let everyKindTypes: JSONValue = .object([
        "ts": .string("timestamp[ns, tz=UTC]"), "id": .string("int64"), "side": .string("int8"),
        "price": .string("decimal128(38, 8)"), "qty": .string("decimal128(38, 0)"), "ratio": .string("double"),
        "maker": .string("bool"), "note": .string("string"),
        "symbol": .string("dictionary<values=string, indices=int32, ordered=0>"),
        "bids": .string(
            "list<item: struct<price: decimal128(38, 2) not null, size: decimal128(38, 8) not null> not null>"),
        "seq": .string("int64"), "notional": .string("decimal128(38, 16)"),
    ])

    /// Every kind, a row without a value in each, extreme and negative decimals, empty strings,
    /// 0 to 3 book levels per row; two batches, the second's dictionary in another order.
    @Test func everyKindReadsBackExactly() async throws {
        let first = Fixtures.everyKind()
        var second = Fixtures.everyKind()
        second.columns[8].values = .dictionary(
            indices: [0, 1, 2, 0, 1, 2, 2, 99, 0, 1], values: StringColumn(["", "BTCUSDT", "ETHUSDT"]))
        let batches = [first, second]
        let readers = try await PythonReaders.read(try Self.stream(batches), name: "every-kind")
        let expected = Fixtures.expectedColumns(batches)

        let pyarrow = try #require(readers["pyarrow"])
        #expect(pyarrow["rows"] == .int(20))
        #expect(pyarrow["batches"] == .int(2))
        #expect(pyarrow["types"] == Self.everyKindTypes)
        #expect(pyarrow["nullable"] == .object(Self.everyKindTypes.fields.mapValues { _ in .bool(true) }))
        #expect(pyarrow["metadata"] == .object(["strata.table": .string("trades"), "strata.query": .string("range")]))
        #expect(pyarrow["dictionaries"] == .object(["symbol": .array([.int(3), .int(3)])]))
        Self.expectColumns(pyarrow, expected, reader: "pyarrow")

        let polars = try #require(readers["polars"])
        #expect(polars["rows"] == .int(20))
        Self.expectColumns(polars, expected, reader: "polars")

        let duckdb = try #require(readers["duckdb"])
        #expect(duckdb["rows"] == .int(20))
        Self.expectColumns(duckdb, expected, reader: "duckdb")
    }

    /// Dictionary deltas: pyarrow and DuckDB see the values of every batch, the dictionaries
    /// growing; polars refuses delta dictionary batches (arrow-rs does not implement them).
    @Test func dictionaryDeltasAndLateKindsReadBack() async throws {
        let batches = Fixtures.dictionaryBatches()
        let readers = try await PythonReaders.read(
            try Self.stream(batches), name: "dictionary-deltas", expectingFailureOf: ["polars"])
        let expected = Fixtures.expectedColumns(batches)
        #expect(
            expected["symbol"]
                == .array(
                    ["BTCUSDT", "ETHUSDT", "BTCUSDT", "SOLUSDT", "ETHUSDT", "BTCUSDT", "XRPUSDT", "BTCUSDT", "SOLUSDT"]
                        .map(JSONValue.string) + [.null, .string(""), .string("ETHUSDT"), .string("ETHUSDT")]))
        Self.expectDictionaryStream(readers, expected, readers: ["pyarrow", "duckdb"])
        guard case .string(let refusal) = readers["polars"]?["error"] else {
            Issue.record("polars read delta dictionary batches: \(readers["polars"] ?? .null)")
            return
        }
        #expect(refusal.contains("delta dictionary batches not supported"))
    }

    /// The same batches with replacement dictionaries: all three readers see every value.
    @Test func replacementDictionariesReadBack() async throws {
        let batches = Fixtures.dictionaryBatches()
        var writer = ArrowStreamWriter(metadata: Self.metadata, dictionaryUpdates: .replacements)
        var stream: [UInt8] = []
        for batch in batches { try writer.write(batch, to: &stream) }
        writer.finish(schemaOf: nil, to: &stream)
        let readers = try await PythonReaders.read(stream, name: "dictionary-replacements")
        Self.expectDictionaryStream(
            readers, Fixtures.expectedColumns(batches), readers: ["pyarrow", "polars", "duckdb"])
    }

    static func expectDictionaryStream(
        _ readers: [String: JSONValue], _ expected: [String: JSONValue], readers names: [String]
    ) {
        let pyarrow = readers["pyarrow"] ?? .null
        #expect(pyarrow["batches"] == .int(4))
        #expect(
            pyarrow["types"]
                == .object([
                    "symbol": .string("dictionary<values=string, indices=int32, ordered=0>"),
                    "venue": .string("string"), "kind": .string("dictionary<values=string, indices=int32, ordered=0>"),
                ]))
        #expect(
            pyarrow["dictionaries"]
                == .object([
                    "symbol": .array([2, 3, 5, 5].map(JSONValue.int)), "kind": .array([1, 2, 4, 4].map(JSONValue.int)),
                ]))
        for name in names {
            let read = readers[name] ?? .null
            #expect(read["rows"] == .int(13), "\(name)")
            Self.expectColumns(read, expected, reader: name)
        }
    }

    /// A stream of no batch: the schema of the empty batch given, no rows.
    @Test func schemaOnlyStreamReadsBack() async throws {
        let empty = Fixtures.empty(like: Fixtures.everyKind())
        let readers = try await PythonReaders.read(try Self.stream([], finishWith: empty), name: "schema-only")
        let pyarrow = try #require(readers["pyarrow"])
        #expect(pyarrow["rows"] == .int(0))
        #expect(pyarrow["types"] == Self.everyKindTypes)
        #expect(pyarrow["metadata"] == .object(["strata.table": .string("trades"), "strata.query": .string("range")]))
        let noValues = JSONValue.object(Self.everyKindTypes.fields.mapValues { _ in .array([]) })
        for reader in ["pyarrow", "polars", "duckdb"] {
            let read = try #require(readers[reader])
            #expect(read["rows"] == .int(0), "\(reader)")
            #expect(read["columns"] == noValues, "\(reader)")
        }
    }

    /// Column by column, so that a difference names its column and reader.
    static func expectColumns(_ read: JSONValue, _ expected: [String: JSONValue], reader: String) {
        guard let columns = read["columns"]?.fields else {
            Issue.record("\(reader) returned no columns: \(read)")
            return
        }
        #expect(Set(columns.keys) == Set(expected.keys), "\(reader)'s columns")
        for (name, values) in expected.sorted(by: { $0.key < $1.key }) {
            #expect(columns[name] == values, "\(reader), column \(name)")
        }
    }
}

extension JSONValue {
    /// An object's fields (empty for any other value).
    var fields: [String: JSONValue] {
        if case .object(let fields) = self { fields } else { [:] }
    }
}
