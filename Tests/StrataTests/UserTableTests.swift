import Foundation
import Strata
import StrataTestSupport
import Testing

/// A user-defined table: declared by a schema, no Swift type; written and read as rows by column
/// name, with the guarantees of the built-in tables (validation naming the column, dedup by key,
/// WAL replay, sealing) and its layout checked when the store opens again.
@Suite struct UserTableTests {
    static let signals = declared {
        try RecordSchema(
            name: "signals", aliases: ["strategy_signals"],
            columns: [
                SchemaColumn("ts", .timestamp), SchemaColumn("symbol", .symbol), SchemaColumn("id", .int64),
                SchemaColumn(
                    "score", .float64,
                    rules: ColumnRules(
                        minimum: ColumnRules.Bound(mantissa: -1), maximum: ColumnRules.Bound(mantissa: 1))),
                SchemaColumn(
                    "target", .decimal(scale: 8), aliases: ["target_price"],
                    rules: ColumnRules(minimum: ColumnRules.Bound(mantissa: 0, inclusive: false))),
                SchemaColumn("side", .int8), SchemaColumn("live", .bool),
            ],
            timestamp: "ts", partitioning: .every(nanoseconds: 3_600_000_000_000), key: RecordKey("id"))
    }

    /// A schema of this file (a mistake in one is a test bug, said so).
    static func declared(_ build: () throws -> RecordSchema) -> RecordSchema {
        do {
            return try build()
        } catch {
            preconditionFailure("test schema: \(error)")
        }
    }

    static let base: Int64 = 1_719_792_000_000_000_000

    static func configuration(_ tables: [RecordSchema] = [signals]) -> StrataStore.Configuration {
        var configuration = StrataStore.Configuration(
            durability: .osBuffered, validation: ValidationRules(window: .fixed(earliest: .min, latest: .max)),
            maintenanceInterval: nil)
        configuration.tables = tables
        return configuration
    }

    static func row(_ id: Int64, minute: Int64, symbol: Symbol = "BTCUSDT") -> Row {
        Row(
            symbol: symbol,
            [
                "ts": .timestamp(Timestamp(nanoseconds: base + minute * 60_000_000_000)), "id": .integer(id),
                "score": .float(Double(id % 20) / 20 - 0.5), "target_price": FieldValue.decimal("64123.45")!,
                "side": .integer(id % 2 == 0 ? 1 : -1), "live": .bool(id % 3 == 0),
            ])
    }

    @Test func rowsRoundTripThroughWritesSealsAndReopens() async throws {
        let directory = makeTemporaryDirectory("strata-user-table")
        defer { removeTree(directory) }
        let rows = (1...300).map { Self.row(Int64($0), minute: Int64($0) % 150) }
        var expected: [Row] = []
        do {
            let store = try StrataStore.open(directory: directory, configuration: Self.configuration())
            let table = try #require(store.table(named: "strategy_signals"))
            #expect(table.name == "signals")
            let report = try await table.append(rows)
            #expect(report.stored == 300)
            let again = try await table.append(Array(rows.prefix(10)))
            #expect(again.stored == 0 && again.duplicates == 10, "a re-sent id is a duplicate (keep-first)")
            expected = try await table.range(symbol: "BTCUSDT", from: .min, to: .max, limit: 1_000).rows
            #expect(expected.count == 300)
            #expect(expected.first?["target"]?.description == "64123.45", "by the column's name, exact")
            #expect(expected.first?["live"] != nil && expected.first?["side"] != nil)
            let latest = try await table.latest(symbol: "BTCUSDT", limit: 3)
            #expect(latest.map { $0["ts"] } == expected.suffix(3).reversed().map { $0["ts"] })
            let sums = try await table.aggregate(AggregateQuery([.count, .sum("target_price"), .max("score")]))
            #expect(sums.first?.values.first?.integer == 300)
            #expect(sums.first?.values[1].decimal?.description == "19237035")
            #expect(store.stats().contains { $0.table == "signals" && $0.rows == 300 })
            try store.close()
        }
        for phase in ["reopened", "sealed"] {
            let store = try StrataStore.open(directory: directory, configuration: Self.configuration())
            if phase == "sealed" { _ = store.compact(now: .max) }
            let table = try #require(store.table(named: "signals"))
            let back = try await table.range(symbol: "BTCUSDT", from: .min, to: .max, limit: 1_000).rows
            #expect(back == expected, "\(phase)")
            let listing = try await table.symbolListing()
            #expect(listing.first?.rows == 300, "\(phase)")
            try store.close()
        }
    }

    /// Each bad row is refused naming the column, the value and the row; nothing is stored.
    @Test func badRowsAreRefusedNamingTheColumn() async throws {
        let directory = makeTemporaryDirectory("strata-user-table")
        defer { removeTree(directory) }
        let store = try StrataStore.open(directory: directory, configuration: Self.configuration())
        defer { try? store.close() }
        let table = try #require(store.table(named: "signals"))
        func refusal(_ change: (inout Row) -> Void) async -> ValidationError? {
            var bad = Self.row(99, minute: 1)
            change(&bad)
            do {
                try await table.append([Self.row(1, minute: 0), bad])
                return nil
            } catch let error as ValidationError {
                return error
            } catch {
                Issue.record("not a ValidationError: \(error)")
                return nil
            }
        }
        let cases: [(String, ValidationError.Rule, (inout Row) -> Void)] = [
            ("id", .malformed, { $0["id"] = nil }),
            ("scor", .malformed, { $0["scor"] = .float(0.1) }),
            ("id", .malformed, { $0["id"] = .text("seven") }),
            ("target", .tooPrecise, { $0["target_price"] = FieldValue.decimal("1.000000001") }),
            ("target", .nonPositive, { $0["target_price"] = .integer(0) }),
            ("score", .outOfRange, { $0["score"] = .float(1.5) }),
            ("score", .notFinite, { $0["score"] = .float(.nan) }),
            ("side", .overflow, { $0["side"] = .integer(300) }),
            // Decimals built in code with a scale no column can hold: refused, never a trap.
            ("target", .malformed, { $0["target_price"] = .decimal(ExactAmount(mantissa: 1, scale: 19)) }),
            ("target", .malformed, { $0["target_price"] = .decimal(ExactAmount(mantissa: 1, scale: -1)) }),
        ]
        for (field, rule, change) in cases {
            let error = await refusal(change)
            #expect(
                error?.field == field && error?.rule == rule && error?.index == 1,
                "\(field): \(String(describing: error))")
        }
        let unknown = await refusal { $0["scor"] = .float(0.1) }
        #expect(unknown?.detail?.contains("nearest: score") == true)
        #expect(table.stats().rows == 0, "a refused batch stores nothing")
    }

    /// What the engine cannot keep, or a change that would misread stored rows, stops the open
    /// with an error naming the table, the column and the problem.
    @Test func schemasTheStoreCannotKeepAreRefusedAtOpen() async throws {
        let directory = makeTemporaryDirectory("strata-user-table")
        defer { removeTree(directory) }
        func openError(_ tables: [RecordSchema]) -> String? {
            do {
                let store = try StrataStore.open(directory: directory, configuration: Self.configuration(tables))
                try store.close()
                return nil
            } catch {
                return "\(error)"
            }
        }
        let clash = try RecordSchema(
            name: "trades", columns: [SchemaColumn("ts", .timestamp), SchemaColumn("symbol", .symbol)], timestamp: "ts")
        #expect(openError([clash])?.contains("table trades: the table is declared twice") == true)

        #expect(openError([Self.signals]) == nil, "created")
        let retyped = try RecordSchema(
            name: "signals",
            columns: Self.signals.columns.map { $0.name == "side" ? SchemaColumn("side", .int64) : $0 },
            timestamp: "ts", partitioning: Self.signals.partitioning, key: Self.signals.key)
        #expect(
            openError([retyped])?.contains("table signals, column side: the type changed from int8 to int64") == true)
        let extended = try RecordSchema(
            name: "signals",
            columns: Self.signals.columns + [SchemaColumn("note", .int64)],
            timestamp: "ts", partitioning: Self.signals.partitioning, key: Self.signals.key)
        #expect(openError([extended])?.contains("column note: an added column must be optional") == true)
        #expect(openError([Self.signals]) == nil, "the same schema opens again")
    }

    /// Optional columns may be left out of a row (absent: no value read back, `null` in JSON);
    /// optional columns added to a stored table read as absent in the rows stored before, from
    /// the WAL and from sealed files, and aggregates skip absent values.
    @Test func optionalAndAddedColumns() async throws {
        let directory = makeTemporaryDirectory("strata-user-added")
        defer { removeTree(directory) }
        var store = try StrataStore.open(directory: directory, configuration: Self.configuration([Self.signals]))
        let before = (1...40).map { Self.row(Int64($0), minute: Int64($0)) }
        try await store.table(named: "signals")!.append(Array(before.prefix(20)))
        _ = store.compact(now: Timestamp(nanoseconds: Int64.max / 2))  // sealed: files without the new columns
        try await store.table(named: "signals")!.append(Array(before.suffix(20)))  // in the WAL only
        try store.close()

        let extended = try RecordSchema(
            name: "signals", aliases: Self.signals.aliases,
            columns: Self.signals.columns + [
                SchemaColumn("note", .text, rules: ColumnRules(required: false)),
                SchemaColumn("weight", .decimal(scale: 4), rules: ColumnRules(required: false)),
            ],
            timestamp: "ts", partitioning: Self.signals.partitioning, key: Self.signals.key)
        store = try StrataStore.open(directory: directory, configuration: Self.configuration([extended]))
        let signals = try #require(store.table(named: "signals"))
        var withNote = Self.row(41, minute: 41)
        withNote["note"] = .text("added later")
        withNote["weight"] = FieldValue.decimal("0.25")!
        let without = Self.row(42, minute: 42)
        try await signals.append([withNote, without])
        // Rows as text by column name (aliases resolved, decimals at any scale alike).
        func text(_ rows: [Row]) -> [[String: String]] {
            rows.map { row in
                var values = row.values.mapValues(\.description)
                values["target"] = values.removeValue(forKey: "target_price") ?? values["target"]
                return values
            }
        }
        let expected = text(before + [withNote, without])
        #expect(text(try await signals.range(symbol: "BTCUSDT", from: .min, to: .max, limit: 1_000).rows) == expected)
        #expect(text(try await signals.latest(symbol: "BTCUSDT", limit: 1)).first?["note"] == nil)
        let sums = try await signals.aggregate(
            AggregateQuery([.count, .sum("weight"), .first("weight")]))
        let weight = AggregateValue.decimal(ExactAmount(mantissa: 2_500, scale: 4))
        #expect(sums.first?.values == [.integer(42), weight, weight], "absent weights are skipped")
        _ = store.compact(now: Timestamp(nanoseconds: Int64.max / 2))
        try store.close()
        store = try StrataStore.open(directory: directory, configuration: Self.configuration([extended]))
        let compacted = try await store.table(named: "signals")!.range(
            symbol: "BTCUSDT", from: .min, to: .max, limit: 1_000)
        #expect(text(compacted.rows) == expected, "compacted: old and new rows in one file")
        try store.close()
        // Dropping the columns again is refused, naming the table and the column.
        #expect {
            try StrataStore.open(directory: directory, configuration: Self.configuration([Self.signals]))
        } throws: { error in
            "\(error)".contains("table signals, column note: the column was removed")
        }
    }

    static let news = declared {
        try RecordSchema(
            name: "news",
            columns: [
                SchemaColumn("ts", .timestamp), SchemaColumn("symbol", .symbol), SchemaColumn("id", .int64),
                SchemaColumn("source", .text, rules: ColumnRules(maximumLength: 40)),
                SchemaColumn("headline", .text), SchemaColumn("sentiment", .float64),
            ],
            timestamp: "ts", key: RecordKey("id"))
    }

    static func newsRow(_ id: Int64, symbol: Symbol = "AAPL") -> Row {
        Row(
            symbol: symbol,
            [
                "ts": .timestamp(Timestamp(nanoseconds: base + id * 1_000_000_000)), "id": .integer(id),
                "source": .text(["Reuters", "Bloomberg", "Dow Jones"][Int(id % 3)]),
                "headline": .text(
                    "Headline \(id): “quoted”, commas, and ünïcödé 📈 " + String(repeating: "x", count: Int(id % 50))),
                "sentiment": .float(Double(id % 11) / 10 - 0.5),
            ])
    }

    /// Text columns: written and read back exactly from memory, the WAL, sealed files and the
    /// live feed; a value over the column's maximum length is refused naming the column.
    @Test func textColumnsRoundTripEverywhere() async throws {
        let directory = makeTemporaryDirectory("strata-user-news")
        defer { removeTree(directory) }
        var store = try StrataStore.open(directory: directory, configuration: Self.configuration([Self.news]))
        var news = try #require(store.table(named: "news"))
        let feed = try news.subscribe(symbols: ["AAPL"])
        let rows = (1...1_500).map { Self.newsRow(Int64($0)) }
        try await news.append(rows)
        try await news.append([Self.newsRow(5), Self.newsRow(7, symbol: "MSFT")])  // a duplicate id; another symbol
        var received: [Row] = []
        for try await batch in feed {
            received += batch
            if received.count >= rows.count { break }
        }
        #expect(received == rows, "the live feed carries the text exactly")
        #expect(try await news.range(symbol: "AAPL", from: .min, to: .max).rows == rows)
        #expect(try await news.latest(symbol: "AAPL", limit: 2) == [rows[1_499], rows[1_498]])

        let tooLong = Row(
            symbol: "AAPL",
            Self.newsRow(9_999).values.merging(["source": .text(String(repeating: "s", count: 41))]) { $1 })
        await #expect {
            try await news.append([tooLong])
        } throws: { error in
            (error as? ValidationError)?.field == "source"
        }

        try store.close()
        store = try StrataStore.open(directory: directory, configuration: Self.configuration([Self.news]))
        news = try #require(store.table(named: "news"))
        #expect(try await news.range(symbol: "AAPL", from: .min, to: .max).rows == rows, "from the WAL")
        _ = store.compact(now: Timestamp(nanoseconds: Int64.max / 2))
        #expect(try await news.range(symbol: "AAPL", from: .min, to: .max).rows == rows, "from sealed files")
        try store.close()
        store = try StrataStore.open(directory: directory, configuration: Self.configuration([Self.news]))
        news = try #require(store.table(named: "news"))
        #expect(try await news.range(symbol: "AAPL", from: .min, to: .max).rows == rows, "sealed, reopened")
        #expect(try await news.range(symbol: "MSFT", from: .min, to: .max).rows == [Self.newsRow(7, symbol: "MSFT")])
        try store.close()
    }
}
