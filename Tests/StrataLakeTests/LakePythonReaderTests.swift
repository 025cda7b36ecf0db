import Strata
import StrataCore
import StrataLake
import StrataTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The lake read by the tools a quant uses — pyarrow, DuckDB (its `read_parquet(…/**/*.parquet,
/// hive_partitioning=true)` one-liner) and polars — each getting exactly the rows written,
/// decimals included, for trades (real SPY ticks), quotes with depth, a user-defined table with
/// text, and bars (real CME one-minute bars); and the statistics that let them skip.
@Suite(.heavy, .serialized) struct LakePythonReaderTests {
    /// Checks every reader's rows against `expected` (order aside) and the metadata.
    static func check(
        lake: String, schema: RecordSchema, expected: [[String]], symbol: String, symbolRows: Int,
        decimalColumns: [String]
    ) async throws {
        let output = try await PythonLakeReaders.read(lake: lake, table: schema.name, symbol: symbol)
        let layout = LakeTableLayout(schema: schema)
        #expect(output["columns"] as? [String] == layout.columnNames)
        let sortedExpected = expected.sorted { $0.lexicographicallyPrecedes($1) }
        for reader in ["pyarrow", "duckdb", "polars"] {
            let rows = PythonLakeReaders.rows(output, reader).sorted { $0.lexicographicallyPrecedes($1) }
            #expect(rows.count == expected.count, "\(reader): \(rows.count) rows, \(expected.count) written")
            if rows != sortedExpected {
                let first = zip(rows, sortedExpected).first { $0 != $1 }
                Issue.record(
                    "\(schema.name): \(reader) read other rows; first difference: \(String(describing: first))")
            }
        }
        let types = output["types"] as? [String: String] ?? [:]
        #expect(types[schema.timestamp] == "timestamp[ns, tz=UTC]")
        for column in decimalColumns {
            #expect(types[column]?.hasPrefix("decimal") == true, "\(column): \(types[column] ?? "none")")
        }
        // Every row group carries statistics; pyarrow keeps only the symbol's row groups by them.
        let groups = output["row_groups"] as? [[String: Any]] ?? []
        #expect(!groups.isEmpty)
        for group in groups {
            #expect(group["every_column_has_statistics"] as? Bool == true)
            #expect(group["symbol_min"] as? String != nil)
            #expect(group["symbol_min"] as? String == group["symbol_max"] as? String)
            #expect(group["ts_min"] as? String != nil)
            #expect(group["compression"] as? String == "SNAPPY")
        }
        let symbolGroups = groups.count { $0["symbol_min"] as? String == symbol }
        #expect(output["pyarrow_row_groups_for_symbol"] as? Int == symbolGroups)
        #expect(symbolGroups < groups.count)
        #expect((output["duckdb"] as? [String: Any])?["symbol_count"] as? Int == symbolRows)
        #expect((output["polars"] as? [String: Any])?["symbol_count"] as? Int == symbolRows)
    }

    @Test func syntheticQuotesWithDepthAndATableWithText() async throws {
        for schema in [RecordSchema.quotes, LakeFixtures.news] {
            let lake = makeTemporaryDirectory("strata-lake-py")
            defer { removeTree(lake) }
            let writer = try LakeTableWriter(root: lake, schema: schema)
            var written: [ColumnarBatch] = []
            let day: Int64 = 19_724 * 86_400 * 1_000_000_000
            for (dayIndex, date) in ["2024-01-02", "2024-01-03"].enumerated() {
                let file = try writer.startFile(date: date)
                for (index, symbol) in ["BTCUSDT", "ETHUSDT", "SOLUSDT"].enumerated() {
                    let batch = LakeFixtures.batch(
                        schema, symbol: symbol, rows: 500 * (index + 1),
                        start: day + Int64(dayIndex) * 86_400_000_000_000, seed: UInt64(dayIndex * 10 + index))
                    try file.write(batch)
                    written.append(batch)
                }
                try file.publish()
            }
            try await Self.check(
                lake: lake, schema: schema, expected: LakeFixtures.rows(written), symbol: "ETHUSDT",
                symbolRows: 2_000,
                decimalColumns: schema == .quotes ? ["bid_px_0", "ask_sz_4"] : ["impact", "shares"])
        }
    }

    /// Real SPY trade ticks (2013-10-07) and synthetic IBM ones ingested into a store, exported
    /// by ``LakeExport``, read by the three readers and by Strata's reader.
    @Test(SharedData.required) func realTradesExportedFromAStore() async throws {
        let source = try #require(
            readText(SharedData.path("lean_spy_ibm_equity/csv/20131007_spy_Trade_Tick.csv")), "missing SPY ticks")
        let midnight: Int64 = 1_381_118_400_000_000_000  // 2013-10-07 00:00 New York
        let trades = LeanTradeTick.parse(source, limit: 60_000).map { tick in
            Trade(
                symbol: "SPY", timestamp: Timestamp(nanoseconds: midnight + tick.milliseconds * 1_000_000),
                tradeID: Int64(tick.line + 1), price: Price(mantissa: tick.price * 10_000),
                quantity: Quantity(mantissa: tick.size * 100_000_000), isBuyerMaker: tick.line % 3 == 0)
        }
        let directory = makeTemporaryDirectory("strata-lake-store")
        defer { removeTree(directory) }
        let store = try StrataStore.open(directory: directory + "/data")
        defer { try? store.close() }
        let table = try #require(store.table(Trade.self))
        try table.appendNow(trades)
        // A second symbol over three days (a trade a minute); SPY's 04:00–20:00 New York runs past
        // midnight UTC: three files.
        var ibm: [Trade] = []
        for index in 0..<3_000 {
            let time = Timestamp(nanoseconds: midnight + Int64(index) * 60_000_000_000)
            let price = Price(mantissa: 18_612_345_678 + Int64(index))
            let quantity = Quantity(mantissa: Int64(index + 1) * 1_000)
            ibm.append(
                Trade(
                    symbol: "IBM", timestamp: time, tradeID: Int64(index + 1), price: price, quantity: quantity,
                    isBuyerMaker: index % 2 == 0))
        }
        try table.appendNow(ibm)

        let lake = directory + "/lake"
        let summary = try LakeExport(store: store, root: lake).export(table: "trades", from: .min, to: .max)
        #expect(summary.rows == trades.count + ibm.count)
        #expect(
            summary.files.map(\.path) == [
                "date=2013-10-07/part-0.parquet", "date=2013-10-08/part-0.parquet", "date=2013-10-09/part-0.parquet",
            ])

        var expected: [ColumnarBatch] = []
        for symbol in ["IBM", "SPY"] {
            var pages = table.rangeBatches(symbol: Symbol(unchecked: symbol), from: .min, to: .max)
            while let page = try pages.next() { expected.append(page) }
        }
        #expect(expected.reduce(0) { $0 + $1.count } == summary.rows)
        // Strata's own reader: the same rows, per symbol and range.
        let reader = LakeReader(root: lake)
        let spy = try reader.read(schema: .trades, symbol: "SPY", from: .min, to: .max)
        let spyExpected = expected.filter {
            $0["symbol"].map { column in
                if case .dictionary(_, let values) = column.values { values[0] == "SPY" } else { false }
            } ?? false
        }
        #expect(LakeFixtures.rows(spy) == LakeFixtures.rows(spyExpected))
        let report = LakeVerifier(root: lake, schemas: [.trades]).verify()
        #expect(report.isClean, "\(report.problems)")
        #expect(report.rows == summary.rows)

        try await Self.check(
            lake: lake, schema: .trades, expected: LakeFixtures.rows(expected), symbol: "IBM", symbolRows: ibm.count,
            decimalColumns: ["price", "qty"])
    }

    /// Real CME one-minute bars (ESU4, NQU4) as a bars table.
    @Test(SharedData.required) func realBars() async throws {
        let source = try #require(
            readText(
                SharedData.path("nautilus_trader_fixtures/csv/futures_ohlcv-1m_2024-07-01T23-40_2024-07-02T00-10.csv")))
        var lines = source.split(separator: "\n")
        let header = lines.removeFirst().split(separator: ",").map(String.init)
        let column = { (name: String) in header.firstIndex(of: name) }
        let ts = try #require(column("ts_event"))
        let instrument = try #require(column("instrument_id"))
        let prices = try ["open", "high", "low", "close"].map { try #require(column($0)) }
        let volume = try #require(column("volume"))
        var bySymbol: [String: [[Substring]]] = [:]
        for line in lines {
            let fields = line.split(separator: ",", omittingEmptySubsequences: false)
            bySymbol[fields[instrument] == "118" ? "ESU4" : "NQU4", default: []].append(fields)
        }
        let lake = makeTemporaryDirectory("strata-lake-bars")
        defer { removeTree(lake) }
        let writer = try LakeTableWriter(root: lake, schema: LakeFixtures.bars)
        var written: [ColumnarBatch] = []
        var files: [String: LakeTableWriter.File] = [:]
        for symbol in bySymbol.keys.sorted() {
            let rows = bySymbol[symbol]!
            // Split at midnight UTC: the bars span 2024-07-01 23:40 to 2024-07-02 00:10.
            let days = Dictionary(grouping: rows) { Int64($0[ts])! / 86_400_000_000_000 }
            for day in days.keys.sorted() {
                let dayRows = days[day]!
                var batch = ColumnarLayout(schema: LakeFixtures.bars).emptyBatch(symbol: Symbol(unchecked: symbol))
                batch.count = dayRows.count
                batch.columns[0].values = .timestamps(dayRows.map { Int64($0[ts])! })
                batch.columns[1].values = .dictionary(
                    indices: Array(repeating: 0, count: dayRows.count), values: StringColumn([symbol]))
                for (offset, index) in prices.enumerated() {
                    batch.columns[2 + offset].values = .decimals(
                        try dayRows.map { try Self.mantissa($0[index], scale: 2) }, scale: 2)
                }
                batch.columns[6].values = .decimals(
                    try dayRows.map { try Self.mantissa($0[volume], scale: 8) }, scale: 8)
                batch.columns[7].values = .int64(dayRows.map { _ in 1 })
                let date = day == 19_905 ? "2024-07-01" : "2024-07-02"
                if files[date] == nil { files[date] = try writer.startFile(date: date) }
                try files[date]!.write(batch)
                written.append(batch)
            }
        }
        for file in files.values { try file.publish() }
        #expect(LakeFixtures.rows(written).count == 60)
        try await Self.check(
            lake: lake, schema: LakeFixtures.bars, expected: LakeFixtures.rows(written), symbol: "NQU4",
            symbolRows: bySymbol["NQU4"]!.count, decimalColumns: ["open", "close", "volume"])
    }

    /// An exact decimal text as a mantissa at `scale`.
    static func mantissa(_ text: Substring, scale: Int) throws -> Int64 {
        var copy = String(text)
        guard case .success(let value) = copy.withUTF8({ DecimalParser.parse($0, scale: scale) }) else {
            throw LakeError(.unsupported, "not a decimal at scale \(scale): \(text)")
        }
        return value
    }
}

/// A file's text, or nil.
func readText(_ path: String) -> String? {
    guard let file = fopen(path, "r") else { return nil }
    defer { fclose(file) }
    var bytes: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 1 << 16)
    while true {
        let count = fread(&buffer, 1, buffer.count, file)
        if count <= 0 { break }
        bytes += buffer[0..<count]
    }
    return String(decoding: bytes, as: UTF8.self)
}
