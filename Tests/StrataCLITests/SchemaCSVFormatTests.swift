import Strata
import StrataCore
import StrataImport
import StrataTestSupport
import Testing

/// CSV import derived from the schema: header names mapped onto any table's columns.
@Suite("CSV by schema")
struct SchemaCSVFormatTests {
    /// A user table with every kind the engine stores, bounds and aliases.
    static let signals = signalsTable(optionalNote: false)

    /// The same with an optional column (refused by the engine for now: read at the CSV level only).
    static let signalsWithNote = signalsTable(optionalNote: true)

    static func signalsTable(optionalNote: Bool) -> RecordSchema {
        var columns = [
            SchemaColumn("ts", .timestamp, aliases: ["time"]), SchemaColumn("symbol", .symbol),
            SchemaColumn("id", .int64), SchemaColumn("level", .int8),
            SchemaColumn(
                "target", .decimal(scale: 4), aliases: ["price"],
                rules: ColumnRules(minimum: ColumnRules.Bound(mantissa: 0, inclusive: false))),
            SchemaColumn("score", .float64), SchemaColumn("live", .bool),
        ]
        if optionalNote { columns.append(SchemaColumn("note", .float64, rules: ColumnRules(required: false))) }
        do {
            return try RecordSchema(name: "signals", columns: columns, timestamp: "ts", key: RecordKey("id"))
        } catch {
            fatalError("\(error)")
        }
    }

    /// A table with text columns (the engine does not store them yet: read at the CSV level only).
    static let news: RecordSchema = {
        do {
            return try RecordSchema(
                name: "news",
                columns: [
                    SchemaColumn("ts", .timestamp), SchemaColumn("symbol", .symbol), SchemaColumn("id", .int64),
                    SchemaColumn("headline", .text), SchemaColumn("source", .text, rules: ColumnRules(required: false)),
                ],
                timestamp: "ts", key: RecordKey("id"))
        } catch {
            fatalError("\(error)")
        }
    }()

    static let window = ValidationRules(window: .fixed(earliest: .min, latest: .max))

    static func read(_ text: String, _ schema: RecordSchema) throws -> CSVBatch<Row> {
        try CSVReader(text: text, format: SchemaCSVFormat(schema: schema), rules: window).readAll()
    }

    // MARK: - Header mapping

    @Test func headerNamesMatchColumnsAndAliasesInAnyOrderAndCase() throws {
        let header = try CSVHeader(
            ["Quantity", " TS_NS ", "symbol", "is_buyer_maker", "Trade_ID", "price"], schema: .trades)
        #expect(header.columns.map(\.name) == ["qty", "ts_ns", "symbol", "is_buyer_maker", "trade_id", "price"])
        #expect(try header.positions(in: [TradeCSVFormat.columns], schema: .trades) == [1, 2, 4, 5, 0, 3])
    }

    @Test func headerErrorsAreTypedAndNameTheColumn() throws {
        #expect(throws: CSVHeaderError.unknownColumn("prise", table: "trades", nearest: "price")) {
            try CSVHeader(["ts_ns", "symbol", "prise"], schema: .trades)
        }
        #expect(throws: CSVHeaderError.duplicateColumn("quantity", column: "qty", table: "trades")) {
            try CSVHeader(["qty", "quantity"], schema: .trades)
        }
        #expect(throws: CSVHeaderError.duplicateColumn("PRICE", column: "price", table: "trades")) {
            try CSVHeader(["price", "PRICE"], schema: .trades)
        }
        let missing = CSVReader(
            text: "ts_ns,symbol,trade_id,price,is_buyer_maker\n1,BTCUSDT,1,1,true\n", format: TradeCSVFormat())
        #expect(throws: CSVHeaderError.missingColumn("qty", table: "trades")) { try missing.readAll() }
        #expect(throws: CSVHeaderError.missingColumn("qty", table: "trades"), "and again") { try missing.nextBatch() }
        let derived = CSVReader(text: "ts_ns,symbol,bid_levels\n", format: QuoteCSVFormat())
        #expect(throws: CSVHeaderError.unusableColumn("bid_levels", table: "quotes", accepted: QuoteCSVFormat.columns))
        {
            try derived.readHeader()
        }
        // A user table's file needs a header; its required columns must all be there (optional ones may not).
        #expect(throws: CSVHeaderError.noHeader(table: "signals", expected: Self.signals.columns.map(\.name))) {
            try Self.read("1,BTCUSDT,1,1,1,0.5,true\n", Self.signals)
        }
        #expect(throws: CSVHeaderError.missingColumn("live", table: "signals")) {
            try Self.read("ts,symbol,id,level,target,score\n", Self.signalsWithNote)
        }
        #expect(
            "\(CSVHeaderError.unknownColumn("prise", table: "trades", nearest: "price"))"
                == "header column \"prise\" is not a column of trades (nearest: price)")
    }

    @Test func builtInLayoutsTakeAHeaderInAnyOrder() throws {
        // Trades, columns shuffled and aliased: the same trades as the positional layout.
        let shuffled = """
            Quantity,symbol,price,ts_ns,is_buyer_maker,trade_id
            0.012,BTCUSDT,64123.45,1719878281500000000,true,1
            0.5,BTCUSDT,64123.5,1719878281600000000,f,2
            1,BTCUSDT,64123.5
            """
        let (batch, reader) = try readAll(shuffled, TradeCSVFormat())
        #expect(reader.headerLine == 1)
        let positional = try readAll(
            "1719878281500000000,BTCUSDT,1,64123.45,0.012,true\n1719878281600000000,BTCUSDT,2,64123.5,0.5,f\n",
            TradeCSVFormat()
        ).0
        #expect(batch.records == positional.records)
        #expect(batch.rejections.map(\.line) == [4])
        #expect(batch.rejections.first?.reason == "columns: \"3\" is malformed (expected 6 columns, as in the header)")
        // Binance aggTrades with a header naming the time first and the quantity `qty`.
        let binance = """
            transact_time,agg_trade_id,price,qty,first_trade_id,last_trade_id,is_buyer_maker
            1704067200032,3380935,42289.98000000,0.00237000,4451539,4451539,False
            """
        let aggregated = try readAll(binance, AggregatedTradeCSVFormat(symbol: "BTCUSDT")).0
        #expect(aggregated.rejections.isEmpty)
        #expect(aggregated.records.first?.aggregateID == 3_380_935)
        #expect(aggregated.records.first?.quantity == Quantity(mantissa: 237_000))
        #expect(aggregated.records.first?.timestamp == Timestamp(nanoseconds: 1_704_067_200_032_000_000))
        #expect(aggregated.records.first?.isBestMatch == true)
        // Quotes: two levels, sides swapped in the header.
        let quotes = """
            symbol,ts_ns,ask_px_0,ask_sz_0,bid_px_0,bid_sz_0,ask_px_1,ask_sz_1,bid_px_1,bid_sz_1
            IBM,1381132800242000000,181.8,3000,180.01,300,,,179,10
            """
        let quote = try #require(try readAll(quotes, QuoteCSVFormat()).0.records.first)
        #expect(quote.bids.map(\.price) == [Price(mantissa: 18_001_000_000), Price(mantissa: 17_900_000_000)])
        #expect(quote.asks.map(\.size) == [Quantity(mantissa: 300_000_000_000)])
    }

    // MARK: - Values

    @Test func valuesAreReadByKindExactly() throws {
        let text = """
            Time,symbol,ID,level,price,score,live,note
            1719878281500000000,BTCUSDT,1,-3,64123.4567,0.25,true,
            2024-07-01T23:58:01.5Z,ETHUSDT,2,127,0.0001,-1e3,0,2.5
            1719878281700000000,BTCUSDT,3,1,1.23456,0,t,
            1719878281800000000,BTCUSDT,4,128,1,0,t,
            1719878281900000000,BTCUSDT,5,1,1,abc,t,
            1719878282000000000,BTCUSDT,6,1,0,0,t,
            1719878282100000000,BTCUSDT,,1,1,0,t,
            1719878282200000000,BTCUSDT,8,1,999999999999999.9999,0,yes,
            """
        let batch = try Self.read(text, Self.signalsWithNote)
        #expect(batch.records.count == 2)
        #expect(
            batch.records[0]
                == Row(
                    symbol: "BTCUSDT",
                    [
                        "ts": .timestamp(Timestamp(nanoseconds: 1_719_878_281_500_000_000)), "id": .integer(1),
                        "level": .integer(-3), "target": .decimal(ExactAmount(mantissa: 641_234_567, scale: 4)),
                        "score": .float(0.25), "live": .bool(true),
                    ]))
        #expect(batch.records[1]["ts"] == .timestamp(Timestamp(nanoseconds: 1_719_878_281_500_000_000)))
        #expect(batch.records[1]["target"] == .decimal(ExactAmount(mantissa: 1, scale: 4)))
        #expect(batch.records[1]["score"] == .float(-1000))
        #expect(batch.records[1]["note"] == .float(2.5))
        #expect(batch.records[1]["live"] == .bool(false))
        let reasons = batch.rejections.map { "\($0.line) \($0.error.field) \($0.error.rule)" }
        #expect(
            reasons == [
                "4 target tooPrecise", "5 level overflow", "6 score notANumber", "7 target outOfRange",
                "8 id malformed", "9 target overflow",
            ], "\(batch.rejections.map(\.reason))")
    }

    @Test func textIsVerbatimWithQuotedCommasAndQuotes() throws {
        let text = """
            ts,symbol,id,headline,source
            1,AAPL,1,"Fed holds, signals cuts",Reuters
            2,AAPL,2,"the ""soft"" landing",
            3,AAPL,3,"",""
            4,AAPL,4,  plain text ,  "x, y"
            5,AAPL,5,no "quotes" here,"a"b"
            """
        let rows = try Self.read(text, Self.news).records
        #expect(
            rows.map { $0["headline"] } == [
                .text("Fed holds, signals cuts"), .text("the \"soft\" landing"), .text(""), .text("plain text"),
                .text("no \"quotes\" here"),
            ])
        #expect(rows.map { $0["source"] } == [.text("Reuters"), nil, .text(""), .text("x, y"), .text("a\"b")])
    }

    // MARK: - Into a table

    @Test func rowsAreImportedRejectedToQuarantineAndReadBack() async throws {
        let directory = makeTemporaryDirectory()
        defer { removeTree(directory) }
        let store = try StrataStore.open(
            directory: directory, configuration: .init(maintenanceInterval: nil, tables: [Self.signals]))
        let table = try #require(store.table(named: "signals"))
        let text = """
            symbol,ts,id,level,target,score,live
            BTCUSDT,1719878281500000000,1,1,64123.4567,0.5,true
            BTCUSDT,1719878281600000000,2,1,-1,0.5,true
            BTCUSDT,1719878281700000000,3,1,64123.45678,0.5,true
            BTCUSDT,1719878281800000000,4,2,"64,000",0.5,false
            BTCUSDT,2024-07-01T23:58:01.9Z,5,2,0.0001,0.75,false
            BTCUSDT,1719878282000000000,1,1,1,1,true
            """
        let quarantine = Quarantine(dataDirectory: directory, table: "signals")
        let reader = CSVReader(
            text: text, format: SchemaCSVFormat(schema: table.schema), rules: store.configuration.validation)
        let report = try await CSVImporter.run(reader: reader, into: table, quarantine: quarantine)
        #expect(report.rowsRead == 6)
        #expect(report.stored == 2)
        #expect(report.duplicates == 1)
        #expect(report.rejected == 3)
        let lines = try #require(readFile(quarantine.path)).split(separator: "\n").map(String.init)
        #expect(lines.count == 4)
        #expect(
            lines[1].hasSuffix(
                ",<text>,3,\"target: \"\"-1\"\" is outside the column's bounds (greater than 0)\",\"BTCUSDT,1719878281600000000,2,1,-1,0.5,true\""
                    + ",\"csv;header=symbol,ts,id,level,target,score,live\""), "\(lines[1])")
        #expect(lines[2].contains(",4,\"target: \"\"64123.45678\"\" has more decimal places than the column keeps"))
        #expect(lines[3].contains(",5,\"target: \"\"64,000\"\" is not a number"), "\(lines[3])")
        let page = try await table.range(
            symbol: "BTCUSDT", from: Timestamp(nanoseconds: 0), to: Timestamp(nanoseconds: .max))
        #expect(page.rows.map { $0["id"] } == [.integer(1), .integer(5)])
        #expect(page.rows[0]["target"] == .decimal(ExactAmount(mantissa: 641_234_567, scale: 4)))
        #expect(page.rows[1]["ts"] == .timestamp(Timestamp(nanoseconds: 1_719_878_281_900_000_000)))
        #expect(page.rows[1]["score"] == .float(0.75))
        try store.close()
    }

    @Test func aHeaderThatDoesNotFitStoresNothing() async throws {
        let directory = makeTemporaryDirectory()
        defer { removeTree(directory) }
        let store = try StrataStore.open(
            directory: directory, configuration: .init(maintenanceInterval: nil, tables: [Self.signals]))
        let table = try #require(store.table(named: "signals"))
        let reader = CSVReader(
            text: "ts,symbol,id,level,target,scor,live\n1719878281500000000,A,1,1,1,1,t\n",
            format: SchemaCSVFormat(schema: table.schema), rules: store.configuration.validation)
        do {
            _ = try await CSVImporter.run(reader: reader, into: table, quarantine: nil)
            Issue.record("the header should have been refused")
        } catch let error as CSVHeaderError {
            #expect(error == .unknownColumn("scor", table: "signals", nearest: "score"))
        }
        #expect(table.stats().rows == 0)
        try store.close()
    }
}
