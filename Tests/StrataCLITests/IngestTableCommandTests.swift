import StrataTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// `strata ingest --table NAME FILE` for any table: user tables of the configuration file by
/// their header, built-in ones by header or by their positional layouts.
@Suite("strata ingest --table")
struct IngestTableCommandTests {
    static let config = """
        {"tables": [{"name": "signals", "aliases": ["signal_feed"], "timestamp": "ts", "key": {"column": "id"},
                     "columns": [{"name": "ts", "type": "timestamp", "aliases": ["time"]},
                                 {"name": "symbol", "type": "symbol"}, {"name": "id", "type": "int64"},
                                 {"name": "target", "type": "decimal(4)", "aliases": ["price"], "min": ">0"},
                                 {"name": "score", "type": "float64"}, {"name": "live", "type": "bool"}]}]}
        """

    static let signalsCSV = """
        Symbol,Time,ID,Price,score,live
        "BTCUSDT",1719878281500000000,1,64123.4567,0.5,true
        BTCUSDT,2024-07-01T23:58:01.6Z,2,"0.0001",-0.25,f
        BTCUSDT,1719878281700000000,3,-1,0.5,true
        ETHUSDT,1719878281800000000,4,3400.12345,0.5,true
        ETHUSDT,1719878281900000000,5,3400,1e-3,1

        """

    @Test func aUserTableOfTheConfigFileIsIngestedByItsHeaderAndReadBack() throws {
        let directory = makeTemporaryDirectory()
        defer { removeTree(directory) }
        writeText(directory + "/strata.json", Self.config)
        writeText(directory + "/signals.csv", Self.signalsCSV)
        let ingest = try runStrata(
            ["ingest", "--table", "signals", "signals.csv", "--data", "d", "--config", "strata.json"], in: directory)
        #expect(ingest.status == 0, "\(ingest.stderr)")
        #expect(ingest.stdout.hasPrefix("ingested signals.csv into signals at d\n"), "\(ingest.stdout)")
        #expect(ingest.stdout.contains("rows read:   5\n"))
        #expect(ingest.stdout.contains("stored:      3\n"))
        #expect(ingest.stdout.contains("rejected:    2\n"))
        #expect(ingest.stdout.contains("line 4: target: \"-1\" is outside the column's bounds (greater than 0)"))
        #expect(ingest.stdout.contains("line 5: target: \"3400.12345\" has more decimal places than the column keeps"))
        let quarantine = try #require(readFile(directory + "/d/quarantine/signals.csv"))
        #expect(quarantine.split(separator: "\n").count == 3)
        #expect(quarantine.contains(",signals.csv,4,"))

        let latest = try runStrata(
            [
                "query", "latest", "--table", "signals", "--symbol", "BTCUSDT", "--limit", "5", "--format", "json",
                "--data", "d", "--config", "strata.json",
            ], in: directory)
        #expect(latest.status == 0, "\(latest.stderr)")
        #expect(
            latest.stdout == """
                [
                  {"ts":"1719878281600000000","time":"2024-07-01T23:58:01.600Z","symbol":"BTCUSDT","id":2,"target":"0.0001","score":"-0.25","live":false},
                  {"ts":"1719878281500000000","time":"2024-07-01T23:58:01.500Z","symbol":"BTCUSDT","id":1,"target":"64123.4567","score":"0.5","live":true}
                ]

                """, "\(latest.stdout)")
        let eth = try runStrata(
            [
                "query", "latest", "--table", "signals", "--symbol", "ETHUSDT", "--format", "csv", "--data", "d",
                "--config", "strata.json",
            ], in: directory)
        #expect(eth.stdout.hasSuffix(",5,3400,0.001,true\n"), "\(eth.stdout)")

        // Again, by the table's alias and with --csv: every row is a duplicate or rejected again.
        let again = try runStrata(
            ["ingest", "--table", "signal_feed", "--csv", "signals.csv", "--data", "d"], in: directory,
            environment: ["STRATA_CONFIG": "strata.json"])
        #expect(again.status == 0, "\(again.stderr)")
        #expect(again.stdout.contains("duplicates:  3\n"), "\(again.stdout)")
    }

    @Test func aHeaderThatDoesNotFitIsRefusedBeforeTheStoreIsCreated() throws {
        let directory = makeTemporaryDirectory()
        defer { removeTree(directory) }
        writeText(directory + "/strata.json", Self.config)
        func ingest(_ header: String, table: String = "signals") throws -> CommandResult {
            writeText(directory + "/in.csv", header + "\nBTCUSDT,1719878281500000000,1,1,1,true\n")
            return try runStrata(
                ["ingest", "--table", table, "in.csv", "--data", "d", "--config", "strata.json"], in: directory)
        }
        let unknown = try ingest("symbol,ts,id,prise,score,live")
        #expect(unknown.status == 1)
        #expect(
            unknown.stderr
                == "strata: error: in.csv: header column \"prise\" is not a column of signals (nearest: price)\n",
            "\(unknown.stderr)")
        let missing = try ingest("symbol,ts,id,target,score")
        #expect(missing.stderr.contains("the header has no column live, which signals needs"), "\(missing.stderr)")
        let twice = try ingest("symbol,ts,id,target,price,live")
        #expect(twice.stderr.contains("header column \"price\" names signals's column target a second time"))
        let noHeader = try ingest("BTCUSDT,1719878281500000000,0,1,1,true")
        #expect(noHeader.stderr.contains("the first line is not a header: a signals CSV starts with its column names"))
        #expect(access(directory + "/d", F_OK) != 0, "no store is created for a file that cannot be read")
        let noTable = try ingest("symbol,ts", table: "signal")
        #expect(
            noTable.stderr.contains("--table: no table 'signal' (tables: trades, aggtrades, quotes, signals;"),
            "\(noTable.stderr)")
        let both = try runStrata(["ingest", "--table", "trades", "--csv", "a.csv", "b.csv"], in: directory)
        #expect(both.status != 0 && both.stderr.contains("give the CSV file once"), "\(both.stderr)")
    }

    @Test func builtInTablesTakeAHeaderInAnyOrderOrTheirPositionalLayout() throws {
        let directory = makeTemporaryDirectory()
        defer { removeTree(directory) }
        writeText(
            directory + "/shuffled.csv",
            "Symbol,Trade_ID,Quantity,Price,TS_NS,is_buyer_maker\nBTCUSDT,1,0.5,64123.45,1719878281500000000,true\n")
        writeText(directory + "/plain.csv", "1719878281600000000,BTCUSDT,2,64123.5,0.25,false\n")
        for file in ["shuffled.csv", "plain.csv"] {
            let result = try runStrata(["ingest", "--table", "trades", file, "--data", "d"], in: directory)
            #expect(
                result.status == 0 && result.stdout.contains("stored:      1\n"), "\(result.stdout)\(result.stderr)")
        }
        let rows = try runStrata(
            ["query", "latest", "--table", "trades", "--symbol", "BTCUSDT", "--format", "csv", "--data", "d"],
            in: directory)
        #expect(
            rows.stdout.hasSuffix(
                "1719878281600000000,BTCUSDT,2,64123.5,0.25,false\n1719878281500000000,BTCUSDT,1,64123.45,0.5,true\n"),
            "\(rows.stdout)")
        writeText(directory + "/bad.csv", "ts_ns,symbol,trade_id,prce,qty,is_buyer_maker\n")
        let bad = try runStrata(["ingest", "--table", "trades", "bad.csv", "--data", "d"], in: directory)
        #expect(
            bad.stderr == "strata: error: bad.csv: header column \"prce\" is not a column of trades (nearest: price)\n",
            "\(bad.stderr)")
    }

    /// `strata ingest` opens the store as `strata serve` would: the configuration file's
    /// store settings and the `STRATA_…` variables (here aggregates off, so no bar tables are
    /// made; a bad `STRATA_DURABILITY` fails naming it before anything is written).
    @Test func ingestReadsTheStoreSettingsOfTheConfigurationAndEnvironment() throws {
        let directory = makeTemporaryDirectory()
        defer { removeTree(directory) }
        writeText(directory + "/strata.json", #"{"aggregates": false, "retention": "trades=400d"}"#)
        writeText(directory + "/trades.csv", "1719878281500000000,BTCUSDT,1,64000.5,0.25,true\n")
        let ingest = try runStrata(
            ["ingest", "--table", "trades", "trades.csv", "--data", "d", "--config", "strata.json"],
            in: directory)
        #expect(ingest.status == 0, "\(ingest.stderr)")
        #expect(access(directory + "/d/trades", F_OK) == 0)
        #expect(access(directory + "/d/bars", F_OK) != 0, "aggregates off: no bar tables")
        let refused = try runStrata(
            ["ingest", "--table", "trades", "trades.csv", "--data", "e"], in: directory,
            environment: ["STRATA_DURABILITY": "sometimes"])
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("STRATA_DURABILITY"), "\(refused.stderr)")
        #expect(access(directory + "/e", F_OK) != 0, "nothing created")
    }
}
