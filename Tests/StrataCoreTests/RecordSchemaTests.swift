import Foundation
import StrataCore
import Testing

/// The schema catalog: a table described once, checked when declared, found by any of its
/// names, changed only in ways that keep stored rows meaning what they meant.
@Suite struct RecordSchemaTests {
    func news(_ extra: [SchemaColumn] = [], key: RecordKey? = RecordKey("id")) throws -> RecordSchema {
        try RecordSchema(
            name: "news",
            columns: [
                SchemaColumn("ts", .timestamp), SchemaColumn("symbol", .symbol), SchemaColumn("id", .int64),
                SchemaColumn("source", .text), SchemaColumn("headline", .text, rules: ColumnRules(maximumLength: 512)),
                SchemaColumn("sentiment", .float64, rules: ColumnRules(required: false)),
            ] + extra,
            timestamp: "ts", key: key)
    }

    func problem(_ build: () throws -> RecordSchema) -> SchemaError? {
        do {
            _ = try build()
            return nil
        } catch let error as SchemaError {
            return error
        } catch {
            Issue.record("not a SchemaError: \(error)")
            return nil
        }
    }

    /// The built-in schemas and catalog are taken as written: they pass every check a declared
    /// one must.
    @Test func builtInSchemasPassTheChecks() throws {
        for schema in RecordSchema.builtIn {
            let checked = try RecordSchema(
                name: schema.name, aliases: schema.aliases, columns: schema.columns, timestamp: schema.timestamp,
                partitioning: schema.partitioning, key: schema.key, bookSides: schema.bookSides,
                rowRules: schema.rowRules)
            #expect(checked == schema)
        }
        #expect(try SchemaCatalog(RecordSchema.builtIn) == SchemaCatalog.builtIn)
    }

    @Test func builtInTablesAnswerToEveryName() throws {
        let catalog = SchemaCatalog.builtIn
        #expect(catalog.schemas.map(\.name) == ["trades", "aggtrades", "quotes"])
        #expect(catalog.schema(named: "agg_trades")?.name == "aggtrades")
        #expect(catalog.schema(named: "orders") == nil)
        // One spelling out, several in: qty is the name, quantity and amount are accepted.
        for table in [RecordSchema.trades, .aggregatedTrades] {
            #expect(table.column(named: "quantity")?.name == "qty")
            #expect(table.column(named: "amount")?.name == "qty")
            #expect(table.timestamp == "ts_ns")
        }
        #expect(RecordSchema.aggregatedTrades.column(named: "transact_time")?.name == "ts_ns")
        #expect(RecordSchema.quotes.columns.count == 2 + 2 + 4 * Quote.maximumDepth)
        #expect(Trade.schema == .trades && Trade.kind == .trades && AggregatedTrade.kind == .aggtrades)
        #expect(Quote.kind == .quotes)
    }

    /// The registry of built-in records is the built-in tables, in order, each record's kind its
    /// table: what the layers that iterate it (the store, the server, the CLI) rely on.
    @Test func builtInRecordsAreTheBuiltInTables() {
        let records = RecordSchema.builtInRecords
        #expect(records.map { $0.schema } == RecordSchema.builtIn)
        #expect(records.map { $0.kind } == RecordKind.allCases)
        #expect(
            records.map { ObjectIdentifier($0) }
                == [ObjectIdentifier(Trade.self), ObjectIdentifier(AggregatedTrade.self), ObjectIdentifier(Quote.self)])
    }

    /// Every invariant is a named error, never a trap.
    @Test func badDeclarationsAreNamedErrors() throws {
        let cases: [(String?, String, () throws -> RecordSchema)] = [
            (nil, "lowercase identifier", { try RecordSchema(name: "News", columns: [], timestamp: "ts") }),
            (
                "Headline", "lowercase identifier",
                { try self.news([SchemaColumn("Headline", .text)]) }
            ),
            ("source", "given twice", { try self.news([SchemaColumn("source", .text)]) }),
            (
                "body", "already column headline's",
                { try self.news([SchemaColumn("body", .text, aliases: ["headline"])]) }
            ),
            ("nope", "not a column", { try self.news(key: RecordKey("nope")) }),
            ("sentiment", "int64 or timestamp column", { try self.news(key: RecordKey("sentiment")) }),
            ("headline", "int64 or timestamp column", { try self.news(key: RecordKey("headline")) }),
            ("price", "scale must be 0…18", { try self.news([SchemaColumn("price", .decimal(scale: 19))]) }),
            (
                "score", "text columns only",
                { try self.news([SchemaColumn("score", .int64, rules: ColumnRules(maximumLength: 3))]) }
            ),
            (
                "tag", "numeric columns only",
                {
                    try self.news([
                        SchemaColumn("tag", .text, rules: ColumnRules(minimum: ColumnRules.Bound(mantissa: 0)))
                    ])
                }
            ),
            (
                "px", "more fractional digits",
                {
                    try self.news([
                        SchemaColumn(
                            "px", .decimal(scale: 2),
                            rules: ColumnRules(minimum: ColumnRules.Bound(mantissa: 1, scale: 3))
                        )
                    ])
                }
            ),
            (nil, "exactly one symbol column", { try self.news([SchemaColumn("venue", .symbol)]) }),
            (
                "ts", "must be a timestamp column",
                {
                    try RecordSchema(
                        name: "x", columns: [SchemaColumn("ts", .int64), SchemaColumn("symbol", .symbol)],
                        timestamp: "ts")
                }
            ),
        ]
        for (column, words, build) in cases {
            let error = try #require(problem(build), "accepted: \(words)")
            #expect(error.column == column, "\(error)")
            #expect(error.description.contains(words), "\(error)")
            #expect(error.description.hasPrefix("table "), "\(error)")
        }
    }

    @Test func catalogRefusesClashingNames() throws {
        let news = try news()
        #expect(throws: SchemaError.self) { try SchemaCatalog.builtIn.adding([news, news]) }
        let clash = try RecordSchema(
            name: "headlines", aliases: ["agg_trades"],
            columns: [SchemaColumn("ts", .timestamp), SchemaColumn("symbol", .symbol)], timestamp: "ts")
        do {
            _ = try SchemaCatalog.builtIn.adding([clash])
            Issue.record("a clash was accepted")
        } catch {
            #expect(error.description == "table headlines: the name 'agg_trades' is already table aggtrades's")
        }
        #expect(try SchemaCatalog.builtIn.adding([news]).schema(named: "news") == news)
    }

    /// Adding an optional column at the end is allowed (older rows read it as absent); every
    /// change that would reinterpret or lose stored rows is refused naming table, column, change.
    @Test func evolutionAllowsOptionalAdditionsOnly() throws {
        let stored = try news()
        let added = try news([SchemaColumn("url", .text, rules: ColumnRules(required: false))])
        #expect(try added.evolution(from: stored).map(\.name) == ["url"])
        #expect(try stored.evolution(from: stored).isEmpty)

        func refusal(_ schema: RecordSchema) -> String {
            do {
                _ = try schema.evolution(from: stored)
                return "accepted"
            } catch {
                return error.description
            }
        }
        #expect(
            refusal(try news([SchemaColumn("url", .text)])).contains("column url: an added column must be optional"))
        let retyped = try RecordSchema(
            name: "news",
            columns: [
                SchemaColumn("ts", .timestamp), SchemaColumn("symbol", .symbol), SchemaColumn("id", .int64),
                SchemaColumn("source", .text), SchemaColumn("headline", .text),
                SchemaColumn("sentiment", .decimal(scale: 4), rules: ColumnRules(required: false)),
            ], timestamp: "ts", key: RecordKey("id"))
        #expect(
            refusal(retyped)
                == "table news, column sentiment: the type changed from float64 to decimal(4) (a stored table cannot change so)"
        )
        let removed = try RecordSchema(
            name: "news",
            columns: [
                SchemaColumn("ts", .timestamp), SchemaColumn("symbol", .symbol), SchemaColumn("id", .int64),
                SchemaColumn("source", .text), SchemaColumn("headline", .text),
            ], timestamp: "ts", key: RecordKey("id"))
        #expect(refusal(removed).contains("column sentiment: the column was removed"))
        #expect(refusal(try news(key: nil)).contains("column id: the key changed from id (keep-first) to none"))
        #expect(refusal(try news(key: RecordKey("id", policy: .lastWins))).contains("to id (last-wins)"))
        let moved = try RecordSchema(
            name: "news",
            columns: [
                SchemaColumn("ts", .timestamp), SchemaColumn("symbol", .symbol), SchemaColumn("source", .text),
                SchemaColumn("id", .int64), SchemaColumn("headline", .text),
                SchemaColumn("sentiment", .float64, rules: ColumnRules(required: false)),
            ], timestamp: "ts", key: RecordKey("id"))
        #expect(refusal(moved).contains("column id: the column moved from position 1 to 2"))
    }

    /// A table declared in the configuration file (JSON), with no Swift: decoded, checked, and
    /// encoded back to the same schema; a bad declaration names the table and the column.
    @Test func configurationFileDeclaresTables() throws {
        let text = """
            [{"name": "news", "timestamp": "ts", "key": {"column": "id", "policy": "keep-first"},
              "columns": [
                {"name": "ts", "type": "timestamp"}, {"name": "symbol", "type": "symbol"},
                {"name": "id", "type": "int64"}, {"name": "source", "type": "text"},
                {"name": "headline", "type": "text", "max_length": 512},
                {"name": "sentiment", "type": "float64", "required": false, "min": ">=-1", "max": "<=1"}]},
             {"name": "corporate_actions", "timestamp": "ts", "partition": "7d",
              "key": {"column": "id", "policy": "last-wins"},
              "columns": [
                {"name": "ts", "type": "timestamp"}, {"name": "symbol", "type": "symbol"},
                {"name": "id", "type": "int64"}, {"name": "action", "type": "text"},
                {"name": "ratio", "type": "decimal(8)", "min": ">0", "aliases": ["split_ratio"]}]}]
            """
        let schemas = try JSONDecoder().decode([RecordSchema].self, from: Data(text.utf8))
        #expect(schemas.count == 2)
        let news = schemas[0]
        #expect(try news == self.news().withSentimentBounds())
        let actions = schemas[1]
        #expect(actions.key == RecordKey("id", policy: .lastWins))
        #expect(actions.partitioning == .every(nanoseconds: 7 * 86_400_000_000_000))
        #expect(actions.column(named: "split_ratio")?.kind == .decimal(scale: 8))
        let ratio = try #require(actions.column(named: "ratio")?.rules.minimum)
        #expect(!ratio.admits(0, scale: 8, lower: true) && ratio.admits(1, scale: 8, lower: true))
        let encoded = try JSONEncoder().encode(schemas)
        #expect(try JSONDecoder().decode([RecordSchema].self, from: encoded) == schemas)
        for schema in RecordSchema.builtIn {
            // Every fact, input forms, book sides and row rules included, survives the file form.
            let data = try JSONEncoder().encode(schema)
            #expect(try JSONDecoder().decode(RecordSchema.self, from: data) == schema)
        }

        let bad: [(String, String)] = [
            (
                #"{"name":"x","timestamp":"ts","columns":[{"name":"ts","type":"timestamp"},{"name":"symbol","type":"symbol"},{"name":"p","type":"decimal"}]}"#,
                "column p: type 'decimal' is not"
            ),
            (
                #"{"name":"x","timestamp":"ts","columns":[{"name":"ts","type":"timestamp"},{"name":"symbol","type":"symbol"},{"name":"p","type":"int64","min":"0"}]}"#,
                "column p: min '0' is not"
            ),
            (
                #"{"name":"x","timestamp":"when","columns":[{"name":"ts","type":"timestamp"},{"name":"symbol","type":"symbol"}]}"#,
                "table x, column when: the designated timestamp is not a column"
            ),
            (
                #"{"name":"x","timestamp":"ts","partition":"fortnight","columns":[{"name":"ts","type":"timestamp"},{"name":"symbol","type":"symbol"}]}"#,
                "table x: partition 'fortnight'"
            ),
            (
                #"{"name":"x","timestamp":"ts","key":{"column":"ts","policy":"newest"},"columns":[{"name":"ts","type":"timestamp"},{"name":"symbol","type":"symbol"}]}"#,
                "key policy 'newest'"
            ),
            (
                #"{"name":"x","timestamp":"ts","columns":[{"name":"ts","type":"timestamp"},{"name":"symbol","type":"symbol"},{"name":"live","type":"bool","default":"yes"}]}"#,
                "column live: 'yes' is not a bool value"
            ),
            (
                #"{"name":"x","timestamp":"ts","row_rules":[{"rule":"not_greater","columns":["ts"]}],"columns":[{"name":"ts","type":"timestamp"},{"name":"symbol","type":"symbol"}]}"#,
                "row rule 'not_greater' with 1 columns"
            ),
            (
                #"{"name":"x","timestamp":"ts","row_rules":[{"rule":"any_present","columns":["nope"]}],"columns":[{"name":"ts","type":"timestamp"},{"name":"symbol","type":"symbol"}]}"#,
                "column nope: a row rule names a column the table does not have"
            ),
        ]
        for (json, words) in bad {
            do {
                _ = try JSONDecoder().decode(RecordSchema.self, from: Data(json.utf8))
                Issue.record("accepted: \(json)")
            } catch let DecodingError.dataCorrupted(context) {
                #expect(context.debugDescription.contains(words), "\(context.debugDescription)")
            } catch {
                Issue.record("\(words): \(error)")
            }
        }
    }

    @Test func boundsCompareExactlyAcrossScales() throws {
        let atLeastHalf = try #require(ColumnRules.Bound(">=0.5", lower: true))
        #expect(atLeastHalf.mantissa == 5 && atLeastHalf.scale == 1 && atLeastHalf.inclusive)
        #expect(atLeastHalf.admits(50_000_000, scale: 8, lower: true))
        #expect(!atLeastHalf.admits(49_999_999, scale: 8, lower: true))
        let below = try #require(ColumnRules.Bound("< 1e3", lower: false))
        #expect(below.admits(999, scale: 0, lower: false) && !below.admits(1_000, scale: 0, lower: false))
        #expect(ColumnRules.Bound("<=5", lower: true) == nil)
        #expect(ColumnRules.Bound(mantissa: -125, scale: 2).description == "-1.25")
        #expect(ColumnRules.Bound(mantissa: 5, scale: 3).description == "0.005")
    }
}

extension RecordSchema {
    /// `news` as the configuration test declares it (its sentiment bounded to -1…1).
    fileprivate func withSentimentBounds() throws -> RecordSchema {
        try RecordSchema(
            name: name, aliases: aliases,
            columns: columns.map { column in
                guard column.name == "sentiment" else { return column }
                return SchemaColumn(
                    "sentiment", .float64,
                    rules: ColumnRules(
                        required: false, minimum: ColumnRules.Bound(mantissa: -1),
                        maximum: ColumnRules.Bound(mantissa: 1)))
            }, timestamp: timestamp, partitioning: partitioning, key: key)
    }
}

/// Book sides: checked against the columns they name, and kept through the configuration's JSON.
@Suite struct BookSideTests {
    static let columns = [
        SchemaColumn("ts", .timestamp), SchemaColumn("symbol", .symbol), SchemaColumn("n", .int8),
        SchemaColumn("px_0", .decimal(scale: 2), rules: ColumnRules(required: false)),
        SchemaColumn("sz_0", .decimal(scale: 4), rules: ColumnRules(required: false)),
        SchemaColumn("note", .text), SchemaColumn("px_req", .decimal(scale: 2)),
    ]

    static func schema(_ side: BookSide) throws(SchemaError) -> RecordSchema {
        try RecordSchema(name: "depth", columns: columns, timestamp: "ts", bookSides: [side])
    }

    @Test func aSideNamesItsColumnsOfTheRightKinds() throws {
        let good = try Self.schema(BookSide("book", count: "n", prices: ["px_0"], sizes: ["sz_0"]))
        #expect(good.bookColumns == ["n", "px_0", "sz_0"])
        let refused: [(BookSide, String)] = [
            (BookSide("book", count: "n", prices: ["px_9"], sizes: ["sz_0"]), "px_9"),
            (BookSide("book", count: "px_0", prices: ["px_0"], sizes: ["sz_0"]), "px_0"),
            (BookSide("book", count: "n", prices: ["note"], sizes: ["sz_0"]), "note"),
            (BookSide("book", count: "n", prices: ["px_0"], sizes: []), "book"),
            (BookSide("note", count: "n", prices: ["px_0"], sizes: ["sz_0"]), "note"),
            // A level past the row's depth is absent: a required column cannot be one.
            (BookSide("book", count: "n", prices: ["px_req"], sizes: ["sz_0"]), "px_req"),
        ]
        for (side, named) in refused {
            #expect(throws: SchemaError.self) { try Self.schema(side) }
            do {
                _ = try Self.schema(side)
            } catch {
                #expect(error.description.contains(named), "\(error)")
            }
        }
        // Two sides cannot show one column.
        #expect(throws: SchemaError.self) {
            try RecordSchema(
                name: "depth", columns: Self.columns, timestamp: "ts",
                bookSides: [
                    BookSide("a", count: "n", prices: ["px_0"], sizes: ["sz_0"]),
                    BookSide("b", count: "n", prices: ["px_0"], sizes: ["sz_0"]),
                ])
        }
    }

    @Test func aSideIsDeclaredInTheConfigurationFile() throws {
        let text = """
            {"name": "depth", "timestamp": "ts",
             "columns": [{"name": "ts", "type": "timestamp"}, {"name": "symbol", "type": "symbol"},
                         {"name": "n", "type": "int8"}, {"name": "px_0", "type": "decimal(2)", "required": false},
                         {"name": "sz_0", "type": "decimal(4)", "required": false}, {"name": "note", "type": "text"},
                         {"name": "px_req", "type": "decimal(2)"}],
             "book": [{"name": "book", "count": "n", "prices": ["px_0"], "sizes": ["sz_0"]}]}
            """
        let decoded = try JSONDecoder().decode(RecordSchema.self, from: Data(text.utf8))
        #expect(decoded == (try Self.schema(BookSide("book", count: "n", prices: ["px_0"], sizes: ["sz_0"]))))
        #expect(try JSONDecoder().decode(RecordSchema.self, from: JSONEncoder().encode(decoded)) == decoded)
    }
}
