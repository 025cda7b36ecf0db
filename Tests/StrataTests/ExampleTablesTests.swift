import Foundation
import Strata
import StrataTestSupport
import Testing

/// The example tables of `Docs/examples` — the record kinds of the market-data systems Strata
/// replaces, declared with no Swift — load as the server loads them, open in one store, and keep
/// a realistic row of each exactly, across a reopen and a seal.
@Suite struct ExampleTablesTests {
    /// The checkout: this file is `<root>/Tests/StrataTests/ExampleTablesTests.swift`.
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path
    static let examples = root + "/Docs/examples"

    static let expectedNames: Set<String> = [
        "market_data", "news", "companies", "cryptocurrencies", "corporate_actions", "financials", "guidance",
        "analyst_ratings", "reddit_sentiment", "stocktwits_sentiment", "feature_store", "strategy_signals",
    ]

    /// A configuration file's `tables`, decoded as the server decodes them.
    struct Document: Decodable { var tables: [RecordSchema] }

    static func load(_ path: String) throws -> [RecordSchema] {
        try JSONDecoder().decode(Document.self, from: Data(contentsOf: URL(fileURLWithPath: path))).tables
    }

    /// The tables of `Docs/examples/tables/*.json`, one per file, named as the file.
    static func declaredTables() throws -> [RecordSchema] {
        let directory = examples + "/tables"
        let files = try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasSuffix(".json") }
            .sorted()
        return try files.flatMap { file in
            let tables = try load(directory + "/" + file)
            #expect(tables.count == 1, "\(file) declares one table")
            #expect(tables.map(\.name) == [String(file.dropLast(".json".count))], "\(file) is named as its table")
            return tables
        }
    }

    static func configuration(_ tables: [RecordSchema]) -> StrataStore.Configuration {
        StrataStore.Configuration(durability: .osBuffered, maintenanceInterval: nil, tables: tables)
    }

    @Test func everyFileDecodesAndTheCombinedFileAgrees() throws {
        let tables = try Self.declaredTables()
        #expect(Set(tables.map(\.name)) == Self.expectedNames)
        #expect(tables.count == Self.expectedNames.count)
        let combined = try Self.load(Self.examples + "/trading-tables.json")
        #expect(
            Dictionary(uniqueKeysWithValues: combined.map { ($0.name, $0) })
                == Dictionary(uniqueKeysWithValues: tables.map { ($0.name, $0) }),
            "trading-tables.json is the files of tables/ together (Docs/examples/combine.sh writes it)")
        // No clash with the built-in tables' names; every schema survives its JSON form.
        _ = try SchemaCatalog.builtIn.adding(tables)
        for table in tables {
            let again = try JSONDecoder().decode(RecordSchema.self, from: JSONEncoder().encode(table))
            #expect(again == table, "\(table.name)")
        }
    }

    /// Money is exact: a column whose name (or an alias) says price, amount, cap, revenue… is never
    /// a float64 (a decimal, or an int64 count); percentages and z-scores are not money.
    @Test func moneyIsNeverFloat() throws {
        let money = [
            "price", "amount", "cap", "revenue", "income", "eps", "target", "volume", "value", "profit", "cash",
            "assets", "liabilities", "equity", "expenditure", "dividend", "open", "high", "low", "close", "vwap",
            "sma", "ema", "bb_", "atr", "macd", "supply",
        ]
        var checked = 0
        for table in try Self.declaredTables() {
            for column in table.columns {
                let names = [column.name] + column.aliases
                guard names.contains(where: { name in money.contains { name.contains($0) } }),
                    !["zscore", "pct"].contains(where: { column.name.contains($0) })
                else { continue }
                checked += 1
                #expect(column.kind != .float64, "\(table.name).\(column.name) holds money but is float64")
            }
        }
        #expect(checked >= 30, "the check saw \(checked) money columns")
    }

    @Test func aRowOfEveryTableRoundTripsThroughReopenAndSeal() async throws {
        let tables = try Self.declaredTables()
        let samples = try Self.samples()
        #expect(Set(samples.keys) == Self.expectedNames)
        let directory = makeTemporaryDirectory("strata-example-tables")
        defer { removeTree(directory) }

        // What each table should answer, per symbol, oldest first.
        var expected: [String: [Symbol: [Row]]] = [:]
        do {
            let store = try StrataStore.open(directory: directory, configuration: Self.configuration(tables))
            for schema in tables {
                let table = try #require(store.table(named: schema.name))
                let rows = try #require(samples[schema.name])
                let columns = Set(schema.storageColumns.map(\.name))
                let required = Set(schema.storageColumns.filter(\.rules.required).map(\.name))
                for row in rows {
                    let filled = Set(Self.canonical(row, schema).values.keys)
                    #expect(required.isSubset(of: filled) && filled.isSubset(of: columns), "\(schema.name): \(filled)")
                }
                if required != columns {
                    #expect(
                        rows.contains { Set(Self.canonical($0, schema).values.keys) != columns },
                        "a \(schema.name) sample leaves an optional column out")
                }
                let report = try await table.append(rows)
                #expect(report.stored == rows.count, "\(schema.name)")
                expected[schema.name] = Dictionary(grouping: rows.map { Self.canonical($0, schema) }, by: \.symbol)
                    .mapValues { $0.sorted { Self.time($0, schema) < Self.time($1, schema) } }
            }
            let news = try #require(store.table(named: "news"))
            let resent = try await news.append(Array(try #require(samples["news"]).prefix(1)))
            #expect(resent.stored == 0 && resent.duplicates == 1, "a re-sent news id is a duplicate (keep-first)")
            try await Self.expectStored(expected, in: store, tables, "written")
            try store.close()
        }
        for phase in ["reopened", "sealed"] {
            let store = try StrataStore.open(directory: directory, configuration: Self.configuration(tables))
            if phase == "sealed" { _ = store.compact(now: .max) }
            try await Self.expectStored(expected, in: store, tables, phase)
            try store.close()
        }
    }

    /// Last-wins tables keep the newest version of a key: a company's profile by its CIK (at a
    /// later time), a bar by its time (a corrected close).
    @Test func lastWinsTablesAnswerOnlyTheNewestVersion() async throws {
        let tables = try Self.declaredTables()
        let samples = try Self.samples()
        let directory = makeTemporaryDirectory("strata-example-tables")
        defer { removeTree(directory) }
        let companies = try #require(tables.first { $0.name == "companies" })
        let bars = try #require(tables.first { $0.name == "market_data" })

        var profile = try #require(samples["companies"]?.first { $0.symbol == "AAPL" })
        profile["ts"] = try Self.at("2024-10-01T00:00:00Z")
        profile["market_cap"] = Self.decimal("3436000000000")
        profile["employees"] = .integer(164_000)
        var bar = try #require(samples["market_data"]?.first { $0.symbol == "AAPL" })
        bar["close_price"] = Self.decimal("216.8")

        do {
            let store = try StrataStore.open(directory: directory, configuration: Self.configuration(tables))
            let profiles = try #require(store.table(named: "companies"))
            try await profiles.append(try #require(samples["companies"]))
            try await profiles.append([profile])
            let daily = try #require(store.table(named: "ohlcv"), "by its alias")
            try await daily.append(try #require(samples["market_data"]))
            try await daily.append([bar])
            #expect(store.stats().first { $0.table == "companies" }?.overwrites == 1)
            // A table keyed by its time replaces in place: not counted as an overwrite, one row fewer.
            #expect(store.stats().first { $0.table == "market_data" }?.rows == 4)
            try store.close()
        }
        for phase in ["reopened", "sealed"] {
            let store = try StrataStore.open(directory: directory, configuration: Self.configuration(tables))
            if phase == "sealed" { _ = store.compact(now: .max) }
            let profiles = try #require(store.table(named: "companies"))
            let apple = try await profiles.range(symbol: "AAPL", from: .min, to: .max).rows
            #expect(apple == [Self.canonical(profile, companies)], "only the newest profile (\(phase))")
            #expect(try await profiles.latest(symbol: "AAPL", limit: 10) == apple, "\(phase)")
            #expect(try await profiles.range(symbol: "MSFT", from: .min, to: .max).rows.count == 1, "\(phase)")
            let daily = try #require(store.table(named: "market_data"))
            let appleBars = try await daily.range(symbol: "AAPL", from: .min, to: .max).rows
            let corrected = Self.canonical(bar, bars)
            #expect(appleBars.count == 2, "\(phase)")
            #expect(appleBars.first == corrected, "the corrected bar replaced the first (\(phase))")
            #expect(appleBars.first?["close"]?.description == "216.8", "\(phase)")
            try store.close()
        }
    }

    // MARK: - Reading back

    static func expectStored(
        _ expected: [String: [Symbol: [Row]]], in store: StrataStore, _ tables: [RecordSchema], _ phase: String
    ) async throws {
        for schema in tables {
            let table = try #require(store.table(named: schema.name), "\(phase)")
            for (symbol, rows) in try #require(expected[schema.name]) {
                let stored = try await table.range(symbol: symbol, from: .min, to: .max).rows
                #expect(stored == rows, "\(schema.name) \(symbol) \(phase)")
                let latest = try await table.latest(symbol: symbol, limit: 1)
                #expect(latest == Array(rows.suffix(1)), "\(schema.name) \(symbol) latest \(phase)")
            }
            let count = expected[schema.name]?.values.map(\.count).reduce(0, +) ?? 0
            #expect(table.stats().rows == count, "\(schema.name) \(phase)")
        }
    }

    /// A row as a read gives it: values under the columns' names (not aliases), decimals at their
    /// column's scale.
    static func canonical(_ row: Row, _ schema: RecordSchema) -> Row {
        var values: [String: FieldValue] = [:]
        for (name, value) in row.values {
            guard let column = schema.column(named: name) else {
                values[name] = value
                continue
            }
            if case .decimal(let scale) = column.kind, case .decimal(let amount) = value, amount.scale <= scale {
                var mantissa = amount.mantissa
                for _ in amount.scale..<scale { mantissa *= 10 }
                values[column.name] = .decimal(ExactAmount(mantissa: mantissa, scale: scale))
            } else {
                values[column.name] = value
            }
        }
        return Row(symbol: row.symbol, values)
    }

    static func time(_ row: Row, _ schema: RecordSchema) -> Timestamp {
        guard case .timestamp(let time) = row[schema.timestamp] else { return .min }
        return time
    }

    // MARK: - Sample rows

    static func at(_ text: String) throws -> FieldValue { .timestamp(try Timestamp(iso8601: text)) }

    /// An exact decimal; a literal that is not one fails the row's validation instead of trapping.
    static func decimal(_ text: String) -> FieldValue { FieldValue.decimal(text) ?? .text("not a decimal: \(text)") }

    /// Realistic rows of every table, some written by the columns' aliases (`close_price`,
    /// `macd_hist`, `capex`…) as the systems they come from spell them.
    static func samples() throws -> [String: [Row]] {
        let d = decimal
        return [
            "market_data": [
                Row(
                    symbol: "AAPL",
                    [
                        "ts": try at("2024-07-01"), "open": d("212.09"), "high": d("217.51"), "low": d("211.92"),
                        "close_price": d("216.75"), "volume": d("60402929"), "sma_20": d("208.3115"),
                        "sma_50": d("193.45625"), "ema_20": d("207.88412871"), "ema_50": d("198.12034567"),
                        "rsi_14": .float(68.42), "macd": d("5.8921"), "macd_signal": d("5.1204"),
                        "macd_hist": d("0.7717"), "bb_upper": d("220.1532"), "bb_lower": d("196.4698"),
                        "atr_14": d("4.2817"), "vwap": d("215.3342"),
                    ]),
                Row(
                    symbol: "AAPL",
                    [
                        "ts": try at("2024-07-02"), "open": d("216.96"), "high": d("220.38"), "low": d("215.1"),
                        "close": d("220.27"), "volume": d("58046178"), "sma_20": d("209.0015"),
                        "sma_50": d("194.1218"), "ema_20": d("209.01230212"), "ema_50": d("198.99181115"),
                        "rsi": .float(71.06), "macd": d("6.2413"), "macd_signal": d("5.3446"),
                        "macd_histogram": d("0.8967"), "bollinger_upper": d("221.9044"),
                        "bollinger_lower": d("196.0986"), "atr": d("4.3511"), "vwap": d("218.4471"),
                    ]),
                Row(
                    symbol: "BTCUSDT",
                    [
                        "ts": try at("2024-07-01"), "open": d("62772.01"), "high": d("63861.76"), "low": d("62497.2"),
                        "close": d("62900"), "volume": d("17456.72151"), "sma_20": d("64210.551"),
                        "sma_50": d("66102.2044"), "ema_20": d("63544.10022381"), "ema_50": d("65120.73311904"),
                        "rsi_14": .float(41.87), "macd": d("-1032.5512"), "macd_signal": d("-987.1203"),
                        "macd_histogram": d("-45.4309"), "bb_upper": d("68120.3311"), "bb_lower": d("60300.7789"),
                        "atr_14": d("1810.2377"), "vwap": d("63180.46590321"),
                    ]),
                // A listing's first bar: no indicator has enough history yet.
                Row(
                    symbol: "ARM",
                    [
                        "ts": try at("2023-09-14"), "open": d("56.1"), "high": d("69"), "low": d("56.1"),
                        "close": d("63.59"), "volume": d("130518858"),
                    ]),
            ],
            "news": [
                Row(
                    symbol: "AAPL",
                    [
                        "published_at": try at("2024-06-10T17:05:00Z"), "id": .integer(1_001),
                        "source": .text("Reuters"),
                        "headline": .text("Apple unveils “Apple Intelligence”, brings ChatGPT to Siri"),
                        "summary": .text(
                            "Apple announced generative AI features across iPhone, iPad and Mac at its developer "
                                + "conference; shares fell 1.9% on the day."),
                        "url": .text("https://www.reuters.com/technology/apple-wwdc-2024-06-10/"),
                        "sentiment": .float(0.35),
                    ]),
                Row(
                    symbol: "MSFT",
                    [
                        "ts": try at("2024-07-30T20:15:00Z"), "news_id": .integer(1_002),
                        "source": .text("Bloomberg"),
                        "title": .text("Microsoft's Azure growth slows to 29%, shares slip after hours"),
                        "summary": .text("Cloud revenue growth missed estimates of 30–31%; not scored yet."),
                    ]),
            ],
            "companies": [
                Row(
                    symbol: "AAPL",
                    [
                        "ts": try at("2024-01-02"), "cik": .integer(320_193), "name": .text("Apple Inc."),
                        "sector": .text("Technology"), "industry": .text("Consumer Electronics"),
                        "exchange": .text("NASDAQ"), "country": .text("US"), "currency": .text("USD"),
                        "market_cap": d("2994371840000"), "employees": .integer(161_000),
                        "description": .text(
                            "Apple Inc. designs, manufactures and markets smartphones, personal computers, "
                                + "tablets, wearables and accessories worldwide."),
                    ]),
                Row(
                    symbol: "MSFT",
                    [
                        "updated_at": try at("2024-01-02"), "cik": .integer(789_019),
                        "company_name": .text("Microsoft Corporation"), "sector": .text("Technology"),
                        "industry": .text("Software—Infrastructure"), "exchange": .text("NASDAQ"),
                        "country": .text("US"), "currency": .text("USD"), "mkt_cap": d("2794827771904.5"),
                        "full_time_employees": .integer(221_000),
                        "business_summary": .text("Microsoft develops and supports software, services, devices."),
                    ]),
                // A fund: no sector, industry, employees or market cap.
                Row(
                    symbol: "SPY",
                    [
                        "ts": try at("2024-01-02"), "cik": .integer(884_394), "name": .text("SPDR S&P 500 ETF Trust"),
                        "exchange": .text("NYSE Arca"), "country": .text("US"), "currency": .text("USD"),
                    ]),
            ],
            "cryptocurrencies": [
                Row(
                    symbol: "BTC",
                    [
                        "ts": try at("2024-07-01T12:00:00Z"), "name": .text("Bitcoin"), "rank": .integer(1),
                        "price": d("62754.12"), "market_cap": d("1237894561234.56"),
                        "circulating_supply": d("19715234"), "total_supply": d("19715234"),
                        "max_supply": d("21000000"), "volume_24h": d("18234567890.12"),
                        "change_pct_24h": .float(1.87),
                    ]),
                Row(
                    symbol: "SHIB",
                    [
                        "last_updated": try at("2024-07-01T12:00:00Z"), "name": .text("Shiba Inu"),
                        "market_cap_rank": .integer(13), "current_price": d("0.000017231234"),
                        "market_cap": d("10154321987"), "circulating_supply": d("589264883323020.3"),
                        "total_supply": d("589534085034802.5"), "max_supply": d("589534085034802.5"),
                        "total_volume": d("201345678.9"), "price_change_percentage_24h": .float(-3.125),
                    ]),
                // Listed an hour ago: no rank, supplies or change yet.
                Row(
                    symbol: "ZRO",
                    [
                        "ts": try at("2024-06-20T13:00:00Z"), "name": .text("LayerZero"), "price": d("3.915"),
                        "volume_24h": d("712345678.25"),
                    ]),
            ],
            "corporate_actions": [
                Row(
                    symbol: "AAPL",
                    [
                        "ts": try at("2020-07-30T20:30:00Z"), "id": .integer(1), "action": .text("split"),
                        "ratio": d("4"), "ex_date": try at("2020-08-31"), "record_date": try at("2020-08-24"),
                        "pay_date": try at("2020-08-28"), "details": .text(#"{"from":1,"to":4}"#),
                    ]),
                Row(
                    symbol: "AAPL",
                    [
                        "declared_date": try at("2024-05-02T20:30:00Z"), "action_id": .integer(2),
                        "action_type": .text("dividend"), "dividend": d("0.25"),
                        "currency": .text("USD"), "ex_date": try at("2024-05-10"), "record_date": try at("2024-05-13"),
                        "payment_date": try at("2024-05-16"),
                        "details": .text(#"{"frequency":"quarterly"}"#),
                    ]),
                Row(
                    symbol: "GE",
                    [
                        "ts": try at("2022-12-02T12:00:00Z"), "id": .integer(3), "action": .text("spin_off"),
                        "ratio": d("0.33333333"),
                        "ex_date": try at("2023-01-04"), "record_date": try at("2022-12-16"),
                        "pay_date": try at("2023-01-03"), "spinoff_symbol": .text("GEHC"),
                        "details": .text(#"{"new_company":"GE HealthCare Technologies Inc.","per":"3 GE"}"#),
                    ]),
            ],
            "financials": [
                Row(
                    symbol: "AAPL",
                    [
                        "filed_at": try at("2024-08-02T20:00:00Z"), "report_id": .integer(320_193_2024_3),
                        "period": .text("2024-Q3"), "fiscal_year": .integer(2024),
                        "period_end": try at("2024-06-29"), "currency": .text("USD"), "revenue": d("85777000000"),
                        "gross_profit": d("39678000000"), "operating_income": d("25352000000"),
                        "net_income": d("21448000000"), "eps": d("1.40"), "eps_diluted": d("1.4"),
                        "total_assets": d("331612000000"), "total_liabilities": d("264904000000"),
                        "total_equity": d("66708000000"), "operating_cash_flow": d("28858000000"),
                        "capex": d("-2151000000"), "free_cash_flow": d("26707000000"),
                        "shares_outstanding": .integer(15_222_259_000),
                    ]),
                // A bank reports no gross profit, operating income or capital expenditure.
                Row(
                    symbol: "JPM",
                    [
                        "ts": try at("2024-08-02T17:00:00Z"), "id": .integer(19_617_2024_2),
                        "fiscal_period": .text("2024-Q2"), "fiscal_year": .integer(2024),
                        "period_end_date": try at("2024-06-30"), "currency": .text("USD"),
                        "total_revenue": d("50992000000"), "net_income": d("18149000000"), "eps": d("6.13"),
                        "eps_diluted": d("6.12"), "total_assets": d("4143003000000"),
                        "equity": d("340552000000"),
                    ]),
            ],
            "guidance": [
                Row(
                    symbol: "NVDA",
                    [
                        "issued_at": try at("2024-08-28T20:20:00Z"), "guidance_id": .integer(5_001),
                        "fiscal_period": .text("FY2025-Q3"), "metric": .text("revenue"),
                        "low": d("31850000000"), "high": d("33150000000"), "unit": .text("USD"),
                    ]),
                Row(
                    symbol: "NVDA",
                    [
                        "ts": try at("2024-08-28T20:20:01Z"), "id": .integer(5_002), "period": .text("FY2025-Q3"),
                        "metric": .text("gross_margin_gaap"), "guidance_low": d("74.5"),
                        "guidance_high": d("75.5"), "unit": .text("%"),
                    ]),
            ],
            "analyst_ratings": [
                Row(
                    symbol: "AAPL",
                    [
                        "ts": try at("2024-07-01T11:42:00Z"), "id": .integer(90_001), "firm": .text("Morgan Stanley"),
                        "analyst": .text("Erik Woodring"), "action": .text("maintain"),
                        "rating": .text("Overweight"), "previous_rating": .text("Overweight"),
                        "price_target": d("273"), "previous_price_target": d("216"),
                    ]),
                Row(
                    symbol: "TSLA",
                    [
                        "rated_at": try at("2024-07-03T12:05:00Z"), "rating_id": .integer(90_002),
                        "broker": .text("Barclays"), "analyst_name": .text("Dan Levy"),
                        "rating_action": .text("downgrade"), "to_grade": .text("Underweight"),
                        "from_grade": .text("Equal-Weight"), "target_price": d("180.5"),
                        "prior_price_target": d("185.25"),
                    ]),
                // An initiation: nothing before it.
                Row(
                    symbol: "NVDA",
                    [
                        "ts": try at("2024-07-08T10:30:00Z"), "id": .integer(90_003), "firm": .text("Example Research"),
                        "action": .text("init"), "rating": .text("Buy"), "price_target": d("150"),
                    ]),
            ],
            "reddit_sentiment": [
                Row(
                    symbol: "GME",
                    [
                        "ts": try at("2024-06-07T14:00:00Z"), "mentions": .integer(18_432),
                        "upvotes": .integer(254_310),
                        "comments": .integer(40_211), "bullish": .integer(9_120), "bearish_count": .integer(3_340),
                        "sentiment": .float(0.41), "subreddit": .text("wallstreetbets"),
                    ]),
                // A quiet hour: counted, not scored.
                Row(
                    symbol: "GME",
                    [
                        "ts": try at("2024-06-08T03:00:00Z"), "mention_count": .integer(212),
                        "upvotes": .integer(1_904),
                    ]),
            ],
            "stocktwits_sentiment": [
                Row(
                    symbol: "TSLA",
                    [
                        "ts": try at("2024-07-02T15:00:00Z"), "posts": .integer(5_821), "likes": .integer(23_110),
                        "bullish_ratio": .float(0.68), "sentiment": .float(0.36), "watchers": .integer(1_000_121),
                    ]),
                // No post labelled bullish or bearish in the interval: no ratio.
                Row(
                    symbol: "TSLA",
                    [
                        "ts": try at("2024-07-02T16:00:00Z"), "messages": .integer(41), "likes": .integer(96),
                        "watchers": .integer(1_000_140),
                    ]),
            ],
            "feature_store": [
                Row(
                    symbol: "AAPL",
                    [
                        "ts": try at("2024-07-01T21:00:00Z"), "id": .integer(7_001),
                        "feature_set": .text("daily_momentum"), "version": .integer(3), "return_1d": .float(0.021),
                        "return_5d": .float(0.0453), "volatility_20d": .float(0.0187), "volume_zscore": .float(1.32),
                        "rsi_14": .float(68.42), "sentiment_7d": .float(0.22),
                        "extra": .text(#"{"sector_rank":2,"earnings_in_days":31,"embedding":[0.12,-0.08,0.33]}"#),
                    ]),
                // Too little history for the 5-day return, the 20-day volatility and the RSI.
                Row(
                    symbol: "ARM",
                    [
                        "as_of": try at("2023-09-15T21:00:00Z"), "vector_id": .integer(7_002),
                        "feature_set_name": .text("daily_momentum"), "feature_set_version": .integer(3),
                        "return_1d": .float(-0.0447), "volume_zscore": .float(2.9),
                    ]),
            ],
            "strategy_signals": [
                Row(
                    symbol: "AAPL",
                    [
                        "ts": try at("2024-07-01T20:00:05Z"), "id": .integer(1), "strategy": .text("ema_crossover_v2"),
                        "signal": .integer(1), "strength": .float(0.72), "confidence": .float(0.64),
                        "price": d("216.75"), "target_price": d("228.00"), "stop_price": d("209.50"),
                        "metadata": .text(
                            #"{"timeframe":"1d","fast":20,"slow":50,"reason":"ema_20 crossed above ema_50"}"#),
                    ]),
                Row(
                    symbol: "BTCUSDT",
                    [
                        "generated_at": try at("2024-07-01T20:00:05Z"), "signal_id": .integer(2),
                        "strategy_name": .text("mean_reversion_4h"), "direction": .integer(-1),
                        "strength": .float(0.5), "entry_price": d("62754.12"), "take_profit": d("59800"),
                        "stop_loss": d("64250.5"),
                    ]),
            ],
        ]
    }
}
