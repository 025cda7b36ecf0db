import Foundation
import Strata
import StrataTestSupport
import Testing

/// The columnar append of declared tables (`TableColumns`): exact round trips, the same stored
/// rows and the same refusals as the `Row` path for the same input, dedup by key, reopen and seal.
@Suite struct TableColumnsTests {
    /// A news-like table with every kind of column, optional ones and aliases.
    static func schema(named name: String, policy: KeyPolicy = .keepFirst) -> RecordSchema {
        do {
            return try RecordSchema(
                name: name,
                columns: [
                    SchemaColumn("ts", .timestamp), SchemaColumn("symbol", .symbol), SchemaColumn("id", .int64),
                    SchemaColumn("source", .text, rules: ColumnRules(maximumLength: 16)),
                    SchemaColumn("headline", .text, aliases: ["title"], rules: ColumnRules(maximumLength: 64)),
                    SchemaColumn("sentiment", .float64),
                    SchemaColumn(
                        "target", .decimal(scale: 8), aliases: ["target_price"], rules: ColumnRules(required: false)),
                    SchemaColumn("urgent", .bool, rules: ColumnRules(required: false)),
                    SchemaColumn("note", .text, rules: ColumnRules(required: false)),
                    SchemaColumn("level", .int8, rules: ColumnRules(required: false)),
                    SchemaColumn(
                        "score", .float64,
                        rules: ColumnRules(
                            required: false, minimum: ColumnRules.Bound(mantissa: -1),
                            maximum: ColumnRules.Bound(mantissa: 1))),
                ],
                timestamp: "ts", partitioning: .every(nanoseconds: 3_600_000_000_000),
                key: RecordKey("id", policy: policy))
        } catch {
            preconditionFailure("test schema: \(error)")
        }
    }

    static let base: Int64 = 1_719_792_000_000_000_000

    static func configuration(
        _ tables: [RecordSchema], window: ValidationRules.Window = .fixed(earliest: .min, latest: .max)
    ) -> StrataStore.Configuration {
        var configuration = StrataStore.Configuration(
            durability: .osBuffered, validation: ValidationRules(window: window), maintenanceInterval: nil)
        configuration.tables = tables
        return configuration
    }

    /// One row's values, typed as a caller holds them; nil is absent.
    struct Item {
        var symbol: Symbol
        var ts: Int64
        var id: Int64
        var source: String
        var headline: String
        var sentiment: Double
        /// A price as a mantissa at 2 decimals (stored at the column's 8).
        var target: Int64? = nil
        var urgent: Bool? = nil
        var note: String? = nil
        var level: Int64? = nil
        var score: Double? = nil
    }

    static let headlines = [
        "", "Café ☕️ 株価が上昇 📈 ünïcödé", "ACME beats full-year guidance", "\u{0}nul and tab\t", "a",
    ]

    /// Deterministic items over `symbols` symbols: empty and multi-byte text, absent values.
    static func items(_ count: Int, from first: Int = 0, symbols: Int = 7, prefix: String = "") -> [Item] {
        let sources = ["Reuters", "", "日経", "Dow Jones"]
        let sentiments: [Double] = [0.25, -0.0, -1e-300, 123.456, .leastNonzeroMagnitude, -7]
        return (first..<(first + count)).map { i -> Item in
            let symbol = Symbol(unchecked: "S\(i % symbols)")
            let ts = base + Int64(i) * 1_000_000_000
            var item = Item(
                symbol: symbol, ts: ts, id: Int64(i), source: sources[i % 4],
                headline: prefix + headlines[i % headlines.count], sentiment: sentiments[i % 6])
            item.target = i % 4 == 0 ? nil : Int64(i) * 12_345 + 1
            item.urgent = i % 3 == 0 ? nil : i % 2 == 0
            item.note = i % 5 == 0 ? "note \(i) ✓" : nil
            item.level = i % 2 == 0 ? Int64(i % 255) - 127 : nil
            item.score = i % 2 == 1 ? nil : Double(i % 21) / 10 - 1
            return item
        }
    }

    /// The items as `Row`s (by the columns' names, or by aliases where `aliases`).
    static func rows(_ items: [Item], aliases: Bool = false) -> [Row] {
        items.map { item in
            var values: [String: FieldValue] = [
                "ts": .timestamp(Timestamp(nanoseconds: item.ts)), "id": .integer(item.id),
                "source": .text(item.source), (aliases ? "title" : "headline"): .text(item.headline),
                "sentiment": .float(item.sentiment),
            ]
            if let target = item.target {
                values[aliases ? "target_price" : "target"] = .decimal(ExactAmount(mantissa: Int128(target), scale: 2))
            }
            if let urgent = item.urgent { values["urgent"] = .bool(urgent) }
            if let note = item.note { values["note"] = .text(note) }
            if let level = item.level { values["level"] = .integer(level) }
            if let score = item.score { values["score"] = .float(score) }
            return Row(symbol: item.symbol, values)
        }
    }

    /// The items as one columnar batch (absent values flagged; by aliases where `aliases`).
    static func columns(_ items: [Item], aliases: Bool = false) -> TableColumns {
        var batch = TableColumns(symbols: items.map(\.symbol))
        batch["ts"] = .timestamps(items.map { Timestamp(nanoseconds: $0.ts) })
        batch["id"] = .integers(items.map(\.id))
        batch["source"] = .texts(items.map(\.source))
        batch[aliases ? "title" : "headline"] = .texts(items.map(\.headline))
        batch["sentiment"] = .floats(items.map(\.sentiment))
        batch.set(
            aliases ? "target_price" : "target", .decimals(items.map { $0.target ?? 0 }, scale: 2),
            present: items.map { $0.target != nil })
        batch.set("urgent", .bools(items.map { $0.urgent ?? false }), present: items.map { $0.urgent != nil })
        batch.set("note", .texts(items.map { $0.note ?? "" }), present: items.map { $0.note != nil })
        batch.set("level", .integers(items.map { $0.level ?? 0 }), present: items.map { $0.level != nil })
        batch.set("score", .floats(items.map { $0.score ?? 0 }), present: items.map { $0.score != nil })
        return batch
    }

    /// The items as they read back: by the columns' schema names, decimals at the column's scale.
    static func expected(_ items: [Item]) -> [Row] {
        items.map { item in
            var values: [String: FieldValue] = [
                "ts": .timestamp(Timestamp(nanoseconds: item.ts)), "id": .integer(item.id),
                "source": .text(item.source), "headline": .text(item.headline), "sentiment": .float(item.sentiment),
            ]
            if let target = item.target {
                values["target"] = .decimal(ExactAmount(mantissa: Int128(target) * 1_000_000, scale: 8))
            }
            if let urgent = item.urgent { values["urgent"] = .bool(urgent) }
            if let note = item.note { values["note"] = .text(note) }
            if let level = item.level { values["level"] = .integer(level) }
            if let score = item.score { values["score"] = .float(score) }
            return Row(symbol: item.symbol, values)
        }
    }

    /// Every stored row of `table`, symbol by symbol, oldest first.
    static func stored(_ table: DynamicTable) async throws -> [Row] {
        var rows: [Row] = []
        for symbol in table.symbols() {
            rows += try await table.range(symbol: symbol, from: .min, to: .max, limit: 100_000).rows
        }
        return rows
    }

    /// `rows` in the order ``stored(_:)`` reads them.
    static func bySymbol(_ rows: [Row]) -> [Row] {
        rows.enumerated().sorted { ($0.element.symbol, $0.offset) < ($1.element.symbol, $1.offset) }.map(\.element)
    }

    @Test func columnsRoundTripExactly() async throws {
        let directory = makeTemporaryDirectory("strata-table-columns")
        defer { removeTree(directory) }
        let store = try StrataStore.open(
            directory: directory, configuration: Self.configuration([Self.schema(named: "news")]))
        defer { try? store.close() }
        let news = try #require(store.table(named: "news"))
        let items = Self.items(300)
        let first = try await news.append(Self.columns(Array(items.prefix(200))))
        let second = try news.appendNow(Self.columns(Array(items.suffix(100)), aliases: true))
        #expect(first.stored == 200 && second.stored == 100)
        let back = try await Self.stored(news)
        #expect(back == Self.bySymbol(Self.expected(items)))
        // Spot checks of what the comparison covers: empty and multi-byte text, absent values,
        // a decimal at the column's scale, a float's exact bits.
        let row1 = try #require(back.first { $0["id"] == .integer(1) })
        #expect(row1["headline"] == .text("Café ☕️ 株価が上昇 📈 ünïcödé") && row1["source"] == .text(""))
        #expect(row1["target"]?.description == "123.46" && row1["level"] == nil && row1["score"] == nil)
        let row2 = try #require(back.first { $0["id"] == .integer(2) })
        #expect(row2["sentiment"] == .float(-1e-300) && row2["urgent"] == .bool(true) && row2["note"] == nil)
        let row0 = try #require(back.first { $0["id"] == .integer(0) })
        #expect(row0["headline"] == .text("") && row0["target"] == nil && row0["note"] == .text("note 0 ✓"))
        #expect(row0["level"] == .integer(-127) && row0["score"] == .float(-1))
        #expect(try await news.append(TableColumns()) == AppendReport(), "an empty batch stores nothing")
        try news.validate(Self.columns(Self.items(5, from: 1_000)))
        #expect(news.stats().rows == 300, "validate stores nothing")
    }

    /// The same input through both paths stores the same rows (many symbols and rows by name or
    /// alias: both paths' name and symbol lookups, fast and general).
    @Test func columnsStoreWhatRowsStore() async throws {
        let directory = makeTemporaryDirectory("strata-table-columns")
        defer { removeTree(directory) }
        let store = try StrataStore.open(
            directory: directory,
            configuration: Self.configuration([Self.schema(named: "by_rows"), Self.schema(named: "by_columns")]))
        defer { try? store.close() }
        let byRows = try #require(store.table(named: "by_rows"))
        let byColumns = try #require(store.table(named: "by_columns"))
        let items = Self.items(2_000, symbols: 45)
        for (index, first) in stride(from: 0, to: items.count, by: 500).enumerated() {
            let batch = Array(items[first..<(first + 500)])
            let rowReport = try await byRows.append(Self.rows(batch, aliases: index == 1))
            let columnReport = try await byColumns.append(Self.columns(batch, aliases: index == 2))
            #expect(rowReport == columnReport && columnReport.stored == 500)
        }
        let fromRows = try await Self.stored(byRows)
        let fromColumns = try await Self.stored(byColumns)
        #expect(fromRows.count == 2_000 && byColumns.symbols().count == 45)
        #expect(fromColumns == fromRows)
        #expect(fromColumns == Self.bySymbol(Self.expected(items)))
        #expect(try await byColumns.latest(symbol: "S3", limit: 5) == byRows.latest(symbol: "S3", limit: 5))
        let sums = try await byColumns.aggregate(AggregateQuery([.count, .sum("target"), .max("level")]))
        #expect(try await byRows.aggregate(AggregateQuery([.count, .sum("target"), .max("level")])) == sums)
    }

    /// One bad input, as rows and as columns.
    struct Fault: Sendable, CustomStringConvertible {
        var description: String
        var field: String
        var rule: ValidationError.Rule
        var index: Int
        var rows: @Sendable (inout [Row]) -> Void
        var columns: @Sendable (inout TableColumns) -> Void
    }

    static let faults: [Fault] = [
        Fault(
            description: "wrong kind", field: "id", rule: .malformed, index: 0,
            rows: { rows in for i in rows.indices { rows[i]["id"] = .text("id\(i)") } },
            columns: { $0["id"] = .texts((0..<6).map { "id\($0)" }) }),
        Fault(
            description: "wrong kind of a text column", field: "headline", rule: .malformed, index: 0,
            rows: { rows in for i in rows.indices { rows[i]["headline"] = .integer(Int64(i)) } },
            columns: { $0["headline"] = .integers(Array(0..<6)) }),
        Fault(
            description: "more digits than the scale", field: "target", rule: .tooPrecise, index: 3,
            rows: { rows in
                for i in rows.indices {
                    rows[i]["target"] = .decimal(ExactAmount(mantissa: i == 3 ? 123_456_789_01 : 100, scale: 10))
                }
            },
            columns: {
                $0.set("target", .decimals((0..<6).map { $0 == 3 ? 123_456_789_01 : 100 }, scale: 10))
            }),
        Fault(
            description: "scaled past Int64", field: "target", rule: .overflow, index: 3,
            rows: { rows in
                for i in rows.indices {
                    rows[i]["target"] = .decimal(ExactAmount(mantissa: i == 3 ? 1_000_000_000_000 : 5, scale: 0))
                }
            },
            columns: { $0.set("target", .decimals((0..<6).map { $0 == 3 ? 1_000_000_000_000 : 5 }, scale: 0)) }),
        Fault(
            description: "text too long (bytes, not characters)", field: "headline", rule: .outOfRange, index: 3,
            rows: { $0[3]["headline"] = .text(String(repeating: "株", count: 22)) },
            columns: { batch in
                guard case .texts(var texts) = batch["headline"] else { return }
                texts[3] = String(repeating: "株", count: 22)
                batch["headline"] = .texts(texts)
            }),
        Fault(
            description: "required column not given", field: "sentiment", rule: .malformed, index: 0,
            rows: { rows in for i in rows.indices { rows[i]["sentiment"] = nil } },
            columns: { $0["sentiment"] = nil }),
        Fault(
            description: "required value absent in one row", field: "source", rule: .malformed, index: 3,
            rows: { $0[3]["source"] = nil },
            columns: { batch in
                guard case .texts(let texts) = batch["source"] else { return }
                batch.set("source", .texts(texts), present: [true, true, true, false, true, true])
            }),
        Fault(
            description: "no such column", field: "headlnie", rule: .malformed, index: 0,
            rows: { rows in for i in rows.indices { rows[i]["headlnie"] = .text("x") } },
            columns: { $0["headlnie"] = .texts(Array(repeating: "x", count: 6)) }),
        Fault(
            description: "not finite", field: "sentiment", rule: .notFinite, index: 3,
            rows: { $0[3]["sentiment"] = .float(.nan) },
            columns: { $0["sentiment"] = .floats([0, 0, 0, .nan, 0, 0]) }),
        Fault(
            description: "int8 overflow", field: "level", rule: .overflow, index: 3,
            rows: { rows in for i in rows.indices { rows[i]["level"] = .integer(i == 3 ? 300 : 1) } },
            columns: { $0["level"] = .integers([1, 1, 1, 300, 1, 1]) }),
        Fault(
            description: "outside the bounds", field: "score", rule: .outOfRange, index: 3,
            rows: { rows in for i in rows.indices { rows[i]["score"] = .float(i == 3 ? 1.5 : 0.5) } },
            columns: { $0["score"] = .floats([0.5, 0.5, 0.5, 1.5, 0.5, 0.5]) }),
        Fault(
            description: "the absent marker as a value", field: "target", rule: .outOfRange, index: 3,
            rows: { rows in
                for i in rows.indices {
                    rows[i]["target"] = .decimal(ExactAmount(mantissa: i == 3 ? Int128(Int64.min) : 1, scale: 8))
                }
            },
            columns: { $0["target"] = .decimals([1, 1, 1, .min, 1, 1], scale: 8) }),
        Fault(
            description: "outside the store's window", field: "ts", rule: .outsideWindow, index: 3,
            rows: { $0[3]["ts"] = .timestamp(Timestamp(nanoseconds: TableColumnsTests.base + 3 * 86_400_000_000_000)) },
            columns: { batch in
                guard case .timestamps(var times) = batch["ts"] else { return }
                times[3] = Timestamp(nanoseconds: TableColumnsTests.base + 3 * 86_400_000_000_000)
                batch["ts"] = .timestamps(times)
            }),
        Fault(
            description: "the earliest row wins over an earlier column", field: "score", rule: .outOfRange, index: 2,
            rows: { rows in
                for i in rows.indices {
                    rows[i]["level"] = .integer(i == 4 ? 999 : 0)
                    rows[i]["score"] = .float(i == 2 ? -2 : 0)
                }
            },
            columns: { batch in
                batch["level"] = .integers([0, 0, 0, 0, 999, 0])
                batch["score"] = .floats([0, 0, -2, 0, 0, 0])
            }),
        Fault(
            description: "in a row, the earliest column wins", field: "source", rule: .outOfRange, index: 3,
            rows: { rows in
                rows[3]["sentiment"] = .float(.infinity)
                rows[3]["source"] = .text(String(repeating: "s", count: 17))
            },
            columns: { batch in
                batch["sentiment"] = .floats([0, 0, 0, .infinity, 0, 0])
                guard case .texts(var texts) = batch["source"] else { return }
                texts[3] = String(repeating: "s", count: 17)
                batch["source"] = .texts(texts)
            }),
    ]

    /// Each fault is refused naming the column, the value and the row — the same error from both
    /// paths — and nothing is stored.
    @Test(arguments: faults) func badInputIsRefusedAsRowsAre(_ fault: Fault) async throws {
        let directory = makeTemporaryDirectory("strata-table-columns")
        defer { removeTree(directory) }
        let window = ValidationRules.Window.fixed(
            earliest: Timestamp(nanoseconds: Self.base - 86_400_000_000_000),
            latest: Timestamp(nanoseconds: Self.base + 86_400_000_000_000))
        let store = try StrataStore.open(
            directory: directory, configuration: Self.configuration([Self.schema(named: "news")], window: window))
        defer { try? store.close() }
        let news = try #require(store.table(named: "news"))
        let items = Self.items(6)
        var rows = Self.rows(items)
        fault.rows(&rows)
        var columns = Self.columns(items)
        fault.columns(&columns)
        let fromRows = #expect(throws: ValidationError.self) { try news.appendNow(rows) }
        let fromColumns = #expect(throws: ValidationError.self) { try news.appendNow(columns) }
        #expect(fromColumns?.field == fault.field, "\(fault)")
        #expect(fromColumns?.rule == fault.rule, "\(fault)")
        #expect(fromColumns?.index == fault.index, "\(fault)")
        #expect(fromColumns?.value.isEmpty == (fault.description.contains("required")), "\(fault): names the value")
        #expect(fromColumns == fromRows, "\(fault): the Row path's error")
        #expect(throws: ValidationError.self) { try news.validate(columns) }
        #expect(news.stats().rows == 0, "\(fault): nothing stored")
    }

    /// Faults of a batch's shape, which rows cannot have.
    @Test func malformedBatchesAreRefused() throws {
        let directory = makeTemporaryDirectory("strata-table-columns")
        defer { removeTree(directory) }
        let store = try StrataStore.open(
            directory: directory, configuration: Self.configuration([Self.schema(named: "news")]))
        defer { try? store.close() }
        let news = try #require(store.table(named: "news"))
        let good = Self.columns(Self.items(5))
        func refusal(_ change: (inout TableColumns) -> Void) -> ValidationError? {
            var batch = good
            change(&batch)
            return #expect(throws: ValidationError.self) { try news.appendNow(batch) }
        }

        let short = refusal { $0["id"] = .integers([1, 2, 3, 4]) }
        #expect(short?.field == "id" && short?.rule == .malformed && short?.index == 4)
        #expect(short?.detail == "4 values for 5 rows (symbols)")
        let long = refusal { $0["headline"] = .texts(Array(repeating: "x", count: 7)) }
        #expect(long?.field == "headline" && long?.index == 5)
        let flags = refusal { $0.set("note", .texts(Array(repeating: "", count: 5)), present: [true]) }
        #expect(flags?.field == "note" && flags?.index == 1 && flags?.detail == "1 presence flags for 5 rows (symbols)")
        let fewerSymbols = refusal { $0.symbols.removeLast() }
        #expect(fewerSymbols?.field == "ts" && fewerSymbols?.index == 4, "every column is longer than the symbols")
        let twice = refusal { $0["title"] = .texts(Array(repeating: "x", count: 5)) }
        #expect(twice?.field == "title" && twice?.detail == "column headline is given twice, as headline and title")
        let unknown = refusal { $0["sentimnet"] = .floats([0.5, 0, 0, 0, 0]) }
        #expect(unknown?.field == "sentimnet" && unknown?.value == "0.5")
        #expect(unknown?.detail == "no such column in news; nearest: sentiment")
        let symbol = refusal { $0["symbol"] = .texts(Array(repeating: "S1", count: 5)) }
        #expect(symbol?.field == "symbol" && symbol?.rule == .malformed)
        let scale = refusal { $0["target"] = .decimals(Array(repeating: 1, count: 5), scale: 19) }
        #expect(scale?.field == "target" && scale?.value == "scale 19")
        #expect(news.stats().rows == 0)
    }

    @Test func duplicatesByKeyAreDroppedOrReplaced() async throws {
        let directory = makeTemporaryDirectory("strata-table-columns")
        defer { removeTree(directory) }
        let store = try StrataStore.open(
            directory: directory,
            configuration: Self.configuration([
                Self.schema(named: "first"), Self.schema(named: "latest", policy: .lastWins),
            ]))
        defer { try? store.close() }
        let first = try #require(store.table(named: "first"))
        let latest = try #require(store.table(named: "latest"))
        let original = Self.items(10)
        // ids 5…14 again, 5…9 with other headlines (same times: the same rows, re-sent).
        let resent = Self.items(10, from: 5, prefix: "revised: ")
        for table in [first, latest] {
            #expect(try await table.append(Self.columns(original)).stored == 10)
        }
        let kept = try await first.append(Self.columns(resent))
        #expect(kept.stored == 5 && kept.duplicates == 5)
        #expect(try await Self.stored(first) == Self.bySymbol(Self.expected(original + resent.suffix(5))))
        try await latest.append(Self.columns(resent))
        #expect(
            try await Self.stored(latest) == Self.bySymbol(Self.expected(Array(original.prefix(5)) + resent)),
            "last-wins: the re-sent rows replace the stored ones")
    }

    @Test func columnsSurviveReopenAndSeal() async throws {
        let directory = makeTemporaryDirectory("strata-table-columns")
        defer { removeTree(directory) }
        let configuration = Self.configuration([Self.schema(named: "news")])
        let items = Self.items(1_000, symbols: 20)
        let expected = Self.bySymbol(Self.expected(items))
        do {
            let store = try StrataStore.open(directory: directory, configuration: configuration)
            let news = try #require(store.table(named: "news"))
            try await news.append(Self.columns(Array(items.prefix(600))))
            try await news.append(Self.columns(Array(items.suffix(400))))
            try store.close()
        }
        for phase in ["reopened", "sealed", "reopened after the seal"] {
            let store = try StrataStore.open(directory: directory, configuration: configuration)
            if phase == "sealed" { _ = store.compact(now: .max) }
            let news = try #require(store.table(named: "news"))
            #expect(try await Self.stored(news) == expected, "\(phase)")
            #expect(try await news.append(Self.columns(Array(items.prefix(3)))).duplicates == 3, "\(phase)")
            try store.close()
        }
    }

    @Test func theLiveFeedCarriesColumnarAppends() async throws {
        let directory = makeTemporaryDirectory("strata-table-columns")
        defer { removeTree(directory) }
        let store = try StrataStore.open(
            directory: directory, configuration: Self.configuration([Self.schema(named: "news")]))
        defer { try? store.close() }
        let news = try #require(store.table(named: "news"))
        let items = Self.items(50, symbols: 1)
        let feed = try news.subscribe(symbols: ["S0"])
        try await news.append(Self.columns(items))
        var received: [Row] = []
        for try await batch in feed {
            received += batch
            if received.count >= items.count { break }
        }
        #expect(received == Self.expected(items))
    }
}
