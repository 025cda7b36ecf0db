import Strata
import StrataImport
import StrataTestSupport
import StrataWorkload
import Testing

/// End-to-end: the built `strata` binary as a subprocess.
@Suite("strata command")
struct CommandTests {
    static let tradesCSV = """
        ts_ns,symbol,trade_id,price,qty,is_buyer_maker
        1719878281500000000,BTCUSDT,1,64123.45,0.012,true
        1719878281600000000,BTCUSDT,2,64123.50000000,0.5,false
        1719878281700000000,BTCUSDT,3,-1,0.5,false
        1719878281800000000,ETHUSDT,4,3400.1,1,t
        1719878281900000000,BTCUSDT,5,64124,abc,true
        1719878282000000000,BTCUSDT,6,64125.00000001,2,0
        1719878282000000000,BTCUSDT,2,64123.5,0.5,false
        1719878282100000000,BTC USDT,7,1,1,true

        """

    /// Ingests `tradesCSV` into `<dir>/data` and checks the summary.
    static func ingestTrades(in directory: String) throws -> CommandResult {
        writeText(directory + "/trades.csv", tradesCSV)
        let result = try runStrata(
            ["ingest", "--table", "trades", "--csv", "trades.csv", "--data", "data"], in: directory)
        #expect(result.status == 0, "\(result.stderr)")
        return result
    }

    /// The commands open the store with the tables the server's configuration file declares.
    @Test func configFileTablesAreOpenedByTheCommands() throws {
        let directory = makeTemporaryDirectory()
        defer { removeTree(directory) }
        writeText(
            directory + "/strata.json",
            """
            {"tables": [{"name": "signals", "timestamp": "ts", "key": {"column": "id"},
                         "columns": [{"name": "ts", "type": "timestamp"}, {"name": "symbol", "type": "symbol"},
                                     {"name": "id", "type": "int64"}, {"name": "score", "type": "float64"}]}]}
            """)
        writeText(
            directory + "/t.csv",
            "ts_ns,symbol,trade_id,price,qty,is_buyer_maker\n1719878281500000000,BTCUSDT,1,1,1,true\n")
        #expect(
            try runStrata(["ingest", "--table", "trades", "--csv", "t.csv", "--data", "d"], in: directory).status == 0)
        let stats = try runStrata(
            ["stats", "--format", "csv", "--data", "d", "--config", "strata.json"], in: directory)
        #expect(stats.status == 0, "\(stats.stderr)")
        #expect(stats.stdout.contains("\nsignals,0,0,"), "\(stats.stdout)")
        let viaEnvironment = try runStrata(
            ["stats", "--format", "csv", "--data", "d"], in: directory, environment: ["STRATA_CONFIG": "strata.json"])
        #expect(viaEnvironment.stdout.contains("\nsignals,"), "\(viaEnvironment.stdout)")
        // Rows written through the library are read by the commands, as the API writes them.
        // (the schema of strata.json, in code)
        let schema = try RecordSchema(
            name: "signals",
            columns: [
                SchemaColumn("ts", .timestamp), SchemaColumn("symbol", .symbol), SchemaColumn("id", .int64),
                SchemaColumn("score", .float64),
            ], timestamp: "ts", key: RecordKey("id"))
        do {
            let store = try StrataStore.open(
                directory: directory + "/d", configuration: .init(maintenanceInterval: nil, tables: [schema]))
            try store.table(named: "signals")!.appendNow(
                (1...3).map { i in
                    Row(
                        symbol: "BTCUSDT",
                        [
                            "ts": .timestamp(Timestamp(nanoseconds: 1_719_878_281_500_000_000 + Int64(i))),
                            "id": .integer(Int64(i)), "score": .float(Double(i) / 4),
                        ])
                })
            try store.close()
        }
        let latest = try runStrata(
            [
                "query", "latest", "--table", "signals", "--symbol", "BTCUSDT", "--limit", "2", "--format", "json",
                "--data", "d", "--config", "strata.json",
            ], in: directory)
        #expect(latest.status == 0, "\(latest.stderr)")
        #expect(
            latest.stdout == """
                [
                  {"ts":"1719878281500000003","time":"2024-07-01T23:58:01.500000003Z","symbol":"BTCUSDT","id":3,"score":"0.75"},
                  {"ts":"1719878281500000002","time":"2024-07-01T23:58:01.500000002Z","symbol":"BTCUSDT","id":2,"score":"0.5"}
                ]

                """)
        let total = try runStrata(
            [
                "query", "aggregate", "--table", "signals", "--fn", "count,max(score)", "--format", "csv", "--data",
                "d",
                "--config", "strata.json",
            ], in: directory)
        #expect(total.stdout == "count,max(score)\n3,0.75\n", "\(total.stdout)\(total.stderr)")
        let unknown = try runStrata(
            ["query", "latest", "--table", "signal", "--symbol", "BTCUSDT", "--data", "d", "--config", "strata.json"],
            in: directory)
        #expect(
            unknown.status == 1
                && unknown.stderr.contains("--table: no table 'signal' (tables: trades, aggtrades, quotes, signals;"))
        writeText(directory + "/bad.json", #"{"tables": [{"name": "Signals", "timestamp": "ts", "columns": []}]}"#)
        let bad = try runStrata(["stats", "--data", "d", "--config", "bad.json"], in: directory)
        #expect(bad.status == 1 && bad.stderr.hasPrefix("strata: error: "), "\(bad.stderr)")
        #expect(bad.stderr.contains("lowercase identifier"), "\(bad.stderr)")
    }

    @Test func versionNamesTheReleaseAndTheStoreFormat() throws {
        let directory = makeTemporaryDirectory()
        defer { removeTree(directory) }
        let version = try runStrata(["--version"], in: directory)
        #expect(version.status == 0)
        #expect(version.stdout == "strata \(StrataVersion.release) (store format \(StrataStore.formatVersion))\n")
    }

    @Test func ingestCountsRejectsAndQuarantines() throws {
        let directory = makeTemporaryDirectory()
        defer { removeTree(directory) }
        let result = try Self.ingestTrades(in: directory)
        #expect(result.stdout.contains("rows read:   8\n"))
        #expect(result.stdout.contains("stored:      4\n"))
        #expect(result.stdout.contains("duplicates:  1\n"))
        #expect(result.stdout.contains("rejected:    3\n"))
        #expect(result.stdout.contains("line 4: price: \"-1\" must be greater than zero"))
        #expect(result.stdout.contains("line 6: qty: \"abc\" is not a number"))
        #expect(result.stdout.contains("line 9: symbol: \"BTC USDT\" is not a valid symbol"))
        #expect(result.stdout.contains("quarantine:  data/quarantine/trades.csv"))
        #expect(result.stdout.contains("rows/s:"))
        #expect(result.stderr.isEmpty, "no progress bar when stderr is not a terminal")

        let quarantine = try #require(readFile(directory + "/data/quarantine/trades.csv"))
        let lines = quarantine.split(separator: "\n").map(String.init)
        #expect(lines.count == 4)
        #expect(lines[0] == "quarantined_at,source,line,reason,raw,format")
        // The format: read again under the file's header.
        let format = ",\"csv;header=ts_ns,symbol,trade_id,price,qty,is_buyer_maker\""
        #expect(
            lines[1].hasSuffix(
                ",trades.csv,4,\"price: \"\"-1\"\" must be greater than zero\",\"1719878281700000000,BTCUSDT,3,-1,0.5,false\""
                    + format))
        #expect(lines[2].contains(",6,\"qty: \"\"abc\"\" is not a number (expected a decimal number)\","))
        #expect(
            lines[3].hasSuffix(
                ",9,\"symbol: \"\"BTC USDT\"\" is not a valid symbol (1-64 chars of A-Z a-z 0-9 . _ - / : @ #)\",\"1719878282100000000,BTC USDT,7,1,1,true\""
                    + format))

        // A second ingest of the same file stores nothing new: everything is a duplicate.
        let again = try runStrata(
            ["ingest", "--table", "trades", "--csv", "trades.csv", "--data", "data"], in: directory)
        #expect(again.status == 0)
        #expect(again.stdout.contains("stored:      0\n"))
        #expect(again.stdout.contains("duplicates:  5\n"))
    }

    @Test func queryReturnsExactlyTheIngestedRows() throws {
        let directory = makeTemporaryDirectory()
        defer { removeTree(directory) }
        _ = try Self.ingestTrades(in: directory)

        let latest = try runStrata(
            ["query", "latest", "--symbol", "BTCUSDT", "--limit", "10", "--format", "csv"], in: directory,
            environment: ["STRATA_DATA": "data"])
        #expect(latest.status == 0, "\(latest.stderr)")
        #expect(
            latest.stdout == """
                ts_ns,symbol,trade_id,price,qty,is_buyer_maker
                1719878282000000000,BTCUSDT,6,64125.00000001,2,false
                1719878281600000000,BTCUSDT,2,64123.5,0.5,false
                1719878281500000000,BTCUSDT,1,64123.45,0.012,true

                """)

        // Half-open [from, to): the row at `to` is excluded; ISO-8601 and epoch ns both accepted.
        let range = try runStrata(
            [
                "query", "range", "--symbol", "BTCUSDT", "--from", "2024-07-01T23:58:01.5Z", "--to",
                "1719878282000000000",
                "--format", "json", "--data", "data",
            ], in: directory)
        #expect(range.status == 0, "\(range.stderr)")
        #expect(
            range.stdout == """
                [
                  {"ts_ns":"1719878281500000000","time":"2024-07-01T23:58:01.500Z","symbol":"BTCUSDT","trade_id":1,"price":"64123.45","qty":"0.012","is_buyer_maker":true},
                  {"ts_ns":"1719878281600000000","time":"2024-07-01T23:58:01.600Z","symbol":"BTCUSDT","trade_id":2,"price":"64123.5","qty":"0.5","is_buyer_maker":false}
                ]

                """)

        let table = try runStrata(["query", "latest", "--symbol", "ETHUSDT", "--data", "data"], in: directory)
        #expect(
            table.stdout == """
                time                                    ts_ns  symbol   trade_id   price  qty  is_buyer_maker
                ------------------------  -------------------  -------  --------  ------  ---  --------------
                2024-07-01T23:58:01.800Z  1719878281800000000  ETHUSDT         4  3400.1    1  true

                """)

        let last = try runStrata(
            ["query", "last", "--symbol", "BTCUSDT", "--format", "csv", "--data", "data"], in: directory)
        #expect(last.stdout == "table,symbol,ts_ns,time\ntrades,BTCUSDT,1719878282000000000,2024-07-01T23:58:02Z\n")

        // A symbol the table has never stored is an error naming the nearest ones; a known symbol
        // with nothing in the range is an empty answer.
        let none = try runStrata(
            ["query", "latest", "--symbol", "btcusdt", "--format", "json", "--data", "data"], in: directory)
        #expect(none.status == 1)
        #expect(none.stderr.hasPrefix("strata: error: trades has no symbol 'btcusdt'; nearest: BTCUSDT"))
        let empty = try runStrata(
            [
                "query", "range", "--symbol", "BTCUSDT", "--from", "2001-01-01", "--to", "2001-01-02", "--format",
                "json",
                "--data", "data",
            ], in: directory)
        #expect(empty.status == 0)
        #expect(empty.stdout == "[]\n")
        let paged = try runStrata(
            [
                "query", "range", "--symbol", "BTCUSDT", "--from", "2024-07-01", "--to", "2024-07-03", "--limit", "1",
                "--format", "csv", "--data", "data",
            ], in: directory)
        #expect(paged.status == 0)
        #expect(paged.stdout.split(separator: "\n").count == 2)
        #expect(paged.stderr.contains("more rows than --limit: the next page is --cursor "))
        // The cursor printed gives the next page; the last page prints none.
        let cursor = try #require(paged.stderr.split(separator: " ").last.map { String($0.dropLast()) })
        let second = try runStrata(
            [
                "query", "range", "--symbol", "BTCUSDT", "--from", "2024-07-01", "--to", "2024-07-03", "--limit", "1",
                "--cursor", cursor, "--format", "csv", "--data", "data",
            ], in: directory)
        #expect(second.status == 0, "\(second.stderr)")
        #expect(second.stdout.split(separator: "\n").count == 2 && second.stdout != paged.stdout)
        let wrong = try runStrata(
            [
                "query", "range", "--symbol", "BTCUSDT", "--from", "2024-07-01", "--to", "2024-07-03", "--cursor",
                "soon",
                "--data", "data",
            ], in: directory)
        #expect(wrong.status != 0 && wrong.stderr.contains("--cursor: expected a cursor of this range"))

        let symbols = try runStrata(["symbols", "--format", "csv", "--data", "data"], in: directory)
        #expect(symbols.status == 0, "\(symbols.stderr)")
        #expect(
            symbols.stdout == """
                symbol,rows,first_ns,first,last_ns,last
                BTCUSDT,3,1719878281500000000,2024-07-01T23:58:01.500Z,1719878282000000000,2024-07-01T23:58:02Z
                ETHUSDT,1,1719878281800000000,2024-07-01T23:58:01.800Z,1719878281800000000,2024-07-01T23:58:01.800Z

                """)

        let stats = try runStrata(["stats", "--format", "csv", "--data", "data"], in: directory)
        #expect(stats.status == 0)
        #expect(stats.stdout.split(separator: "\n").dropFirst().first?.hasPrefix("trades,4,2,") == true)

        let compact = try runStrata(["compact", "--data", "data"], in: directory)
        #expect(compact.status == 0, "\(compact.stderr)")
        let afterCompact = try runStrata(
            ["query", "latest", "--symbol", "BTCUSDT", "--format", "csv", "--data", "data"], in: directory)
        #expect(afterCompact.stdout == latest.stdout)
    }

    @Test func binanceAggTradesAndQuotesRoundTrip() throws {
        let directory = makeTemporaryDirectory()
        defer { removeTree(directory) }
        writeText(
            directory + "/BTCUSDT-aggTrades-2024-01-01.csv",
            """
            agg_trade_id,price,quantity,first_trade_id,last_trade_id,transact_time,is_buyer_maker,is_best_match
            3380935,42289.98000000,0.00237000,4451539,4451539,1704067200032,False,True
            3380936,42290.00000000,0.01000000,4451540,4451541,1735689600123456,True,True

            """)
        let ingest = try runStrata(
            ["ingest", "--table", "aggtrades", "--csv", "BTCUSDT-aggTrades-2024-01-01.csv", "--data", "data"],
            in: directory)
        #expect(ingest.status == 0, "\(ingest.stderr)")
        #expect(ingest.stdout.contains("stored:      2\n"))
        let query = try runStrata(
            [
                "query", "range", "--table", "aggtrades", "--symbol", "BTCUSDT", "--from", "2024-01-01", "--to",
                "2026-01-01",
                "--format", "csv", "--data", "data",
            ], in: directory)
        #expect(
            query.stdout == """
                ts_ns,symbol,agg_trade_id,price,qty,first_trade_id,last_trade_id,is_buyer_maker,is_best_match
                1704067200032000000,BTCUSDT,3380935,42289.98,0.00237,4451539,4451539,false,true
                1735689600123456000,BTCUSDT,3380936,42290,0.01,4451540,4451541,true,true

                """)

        writeText(
            directory + "/quotes.csv",
            """
            1381132800241000000,IBM,180.01,300,,
            1381132800242000000,IBM,180.01,300,181.8,3000,180,100,,

            """)
        let quotes = try runStrata(
            ["ingest", "--table", "quotes", "--csv", "quotes.csv", "--data", "data"], in: directory)
        #expect(quotes.stdout.contains("stored:      2\n"), "\(quotes.stdout)\(quotes.stderr)")
        let quoteQuery = try runStrata(
            ["query", "latest", "--table", "quotes", "--symbol", "IBM", "--format", "json", "--data", "data"],
            in: directory)
        #expect(
            quoteQuery.stdout == """
                [
                  {"ts_ns":"1381132800242000000","time":"2013-10-07T08:00:00.242Z","symbol":"IBM","bids":[{"price":"180.01","size":"300"},{"price":"180","size":"100"}],"asks":[{"price":"181.8","size":"3000"}]},
                  {"ts_ns":"1381132800241000000","time":"2013-10-07T08:00:00.241Z","symbol":"IBM","bids":[{"price":"180.01","size":"300"}],"asks":[]}
                ]

                """)

        // Each export, with its header, ingests again into a new store and reads back the same.
        for table in ["aggtrades", "quotes"] {
            let exported = try runStrata(
                [
                    "query", "range", "--table", table, "--symbol", table == "quotes" ? "IBM" : "BTCUSDT", "--from",
                    "2013-01-01", "--to", "2026-01-01", "--format", "csv", "--data", "data",
                ], in: directory)
            #expect(exported.status == 0, "\(exported.stderr)")
            writeText(directory + "/\(table)-export.csv", exported.stdout)
            let again = try runStrata(
                ["ingest", "--table", table, "--csv", "\(table)-export.csv", "--data", "copy"], in: directory)
            #expect(again.stdout.contains("stored:      2\n"), "\(table): \(again.stdout)\(again.stderr)")
            let reread = try runStrata(
                [
                    "query", "range", "--table", table, "--symbol", table == "quotes" ? "IBM" : "BTCUSDT", "--from",
                    "2013-01-01", "--to", "2026-01-01", "--format", "csv", "--data", "copy",
                ], in: directory)
            #expect(reread.stdout == exported.stdout, "\(table)")
        }
    }

    @Test func generateWritesTheSeededWorkloadAndIngestReadsItAll() throws {
        let directory = makeTemporaryDirectory()
        defer { removeTree(directory) }
        let generate = try runStrata(
            ["generate", "--rows", "5000", "--out", "synthetic.csv", "--seed", "7", "--symbols", "20"], in: directory)
        #expect(generate.status == 0, "\(generate.stderr)")
        #expect(generate.stdout.hasPrefix("wrote 5000 trades (20 symbols, seed 7) to synthetic.csv"))
        let expected = SyntheticTrades(configuration: .init(rows: 5_000, symbols: 20, seed: 7))
        try expected.writeCSV(to: directory + "/expected.csv")
        let written = try #require(readFile(directory + "/synthetic.csv"))
        #expect(written == readFile(directory + "/expected.csv"))

        let ingest = try runStrata(
            ["ingest", "--table", "trades", "--csv", "synthetic.csv", "--data", "data"], in: directory)
        #expect(ingest.status == 0, "\(ingest.stderr)")
        #expect(ingest.stdout.contains("rows read:   5000\n"))
        #expect(ingest.stdout.contains("rejected:    0\n"))
        let symbol = try #require(expected.symbols.first)
        let latest = try runStrata(
            ["query", "latest", "--symbol", symbol.name, "--limit", "1", "--format", "csv", "--data", "data"],
            in: directory)
        let newest = try #require(expected.filter { $0.symbol == symbol }.max { $0.timestamp < $1.timestamp })
        #expect(
            latest.stdout == TradeCSVFormat.columns.joined(separator: ",") + "\n" + TradeCSVFormat().line(for: newest)
                + "\n")
    }

    /// Every failure is one line `strata: error: …` on stderr, a non-zero status, no stack trace.
    @Test func errorsAreOneLineWithNonZeroStatus() throws {
        let directory = makeTemporaryDirectory()
        defer { removeTree(directory) }
        writeText(directory + "/plain-file", "not a directory\n")
        writeText(directory + "/trades.csv", Self.tradesCSV)
        writeText(directory + "/agg.csv", "1,100,1,7,8,1704067200032,true,true\n")
        let cases: [([String], String)] = [
            (["ingest", "--table", "trades", "--csv", "missing.csv", "--data", "data"], "missing.csv: No such file"),
            (["ingest", "--table", "trades", "--csv", ".", "--data", "data"], "directory"),
            (["ingest", "--table", "trades", "--csv", "trades.csv", "--data", "plain-file"], "plain-file"),
            (["ingest", "--table", "trades", "--csv", "trades.csv", "--data", "plain-file/sub"], "plain-file/sub"),
            (["ingest", "--table", "aggtrades", "--csv", "agg.csv", "--data", "data"], "--symbol"),
            (["query", "latest", "--symbol", "BTCUSDT", "--data", "nowhere"], "no Strata store at nowhere"),
            (
                ["query", "range", "--symbol", "BTCUSDT", "--from", "yesterday", "--to", "1", "--data", "data"],
                "--from"
            ),
            (["query", "last", "--symbol", "BTC USDT", "--data", "data"], "--symbol"),
            (
                ["query", "lastest", "--symbol", "BTCUSDT", "--data", "data"],
                "unknown query 'lastest': did you mean 'latest'?"
            ),
            (
                ["query", "latest", "--symbol", "BTCUSDT", "--limit", "0", "--data", "data"],
                "--limit: expected an integer in 1...100000, got '0'"
            ),
            (
                [
                    "query", "range", "--symbol", "BTCUSDT", "--from", "2024-07-02", "--to", "2024-07-01", "--data",
                    "data",
                ],
                "--to: must not be before --from"
            ),
            (["stats", "--data", "plain-file"], "not a directory"),
            (["compact", "--data", "nowhere"], "no Strata store"),
            (["generate", "--rows", "10", "--out", "missing-dir/x.csv"], "missing-dir/x.csv"),
        ]
        _ = try Self.ingestTrades(in: directory)  // so that "data" exists for the query cases
        for (arguments, needle) in cases {
            let result = try runStrata(arguments, in: directory)
            let invocation = arguments.joined(separator: " ")
            #expect(result.status != 0, "\(invocation)")
            #expect(result.stderr.hasPrefix("strata: error: "), "\(invocation): \(result.stderr)")
            #expect(result.stderr.contains(needle), "\(invocation): \(result.stderr)")
            #expect(result.stderr.filter { $0 == "\n" }.count == 1, "\(invocation): \(result.stderr)")
            #expect(!result.stderr.contains("Fatal error") && !result.stderr.contains("Stack dump"))
        }
        #expect(readFile(directory + "/data/quarantine/aggtrades.csv") == nil, "a refused ingest quarantines nothing")
    }

    @Test func aLockedStoreIsAnError() throws {
        let directory = makeTemporaryDirectory()
        defer { removeTree(directory) }
        writeText(directory + "/trades.csv", Self.tradesCSV)
        let store = try StrataStore.open(directory: directory + "/data")
        defer { try? store.close() }
        let result = try runStrata(
            ["ingest", "--table", "trades", "--csv", "trades.csv", "--data", "data"], in: directory)
        #expect(result.status != 0)
        #expect(result.stderr.hasPrefix("strata: error: "))
        #expect(result.stderr.filter { $0 == "\n" }.count == 1, "\(result.stderr)")
    }
}
