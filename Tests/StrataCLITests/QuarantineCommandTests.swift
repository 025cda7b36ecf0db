import Foundation
import Strata
import StrataImport
import StrataTestSupport
import Testing

/// `strata quarantine list|replay`: rows refused at ingest are corrected in the file and stored.
@Suite("strata quarantine")
struct QuarantineCommandTests {
    static let btc = Symbol(unchecked: "BTCUSDT")

    /// A header in its own order, two rows refused by parsing and one by the table's rules.
    static let tradesCSV = """
        price,qty,symbol,ts_ns,trade_id,is_buyer_maker
        100.5,1,BTCUSDT,1719878281500000000,1,true
        -1,0.5,BTCUSDT,1719878281600000000,2,false
        101,abc,BTCUSDT,1719878281700000000,3,true
        102,2,BTCUSDT,1719878281800000000,4,false

        """

    @Test func refusedRowsAreListedCorrectedAndReplayed() async throws {
        let directory = makeTemporaryDirectory()
        defer { removeTree(directory) }
        writeText(directory + "/trades.csv", Self.tradesCSV)
        let ingest = try runStrata(["ingest", "--table", "trades", "--data", "d", "trades.csv"], in: directory)
        #expect(ingest.status == 0 && ingest.stdout.contains("rejected:    2\n"), "\(ingest.stdout)\(ingest.stderr)")

        let list = try runStrata(["quarantine", "list", "--data", "d", "--format", "csv"], in: directory)
        #expect(
            list.stdout == "quarantine,rows,file\ntrades,2,d/quarantine/trades.csv\n", "\(list.stdout)\(list.stderr)")
        let rows = try runStrata(["quarantine", "list", "--table", "trades", "--data", "d"], in: directory)
        #expect(rows.status == 0 && rows.stdout.contains("price: \"-1\" must be greater than zero"), "\(rows.stdout)")
        #expect(rows.stdout.contains("csv;header=price,qty,symbol,ts_ns,trade_id,is_buyer_maker"))

        // Replayed as they are, both are refused again, for the same reasons, and stay.
        let path = directory + "/d/quarantine/trades.csv"
        let again = try runStrata(["quarantine", "replay", "--table", "trades", "--data", "d"], in: directory)
        #expect(again.status == 0 && again.stdout.contains("stored:      0\n"), "\(again.stdout)\(again.stderr)")
        #expect(again.stdout.contains("kept:        2\n"))
        #expect(try Quarantine(dataDirectory: directory + "/d", table: "trades").entries().count == 2)

        // The operator corrects the price in the file (its raw field, in the source's column order).
        let text = try #require(readFile(path))
        writeText(path, text.replacingOccurrences(of: "\"-1,0.5,BTCUSDT", with: "\"99.5,0.5,BTCUSDT"))
        let dry = try runStrata(
            ["quarantine", "replay", "--table", "trades", "--data", "d", "--dry-run"], in: directory)
        #expect(dry.stdout.hasPrefix("2 row(s) would be read again"), "\(dry.stdout)")
        let replay = try runStrata(["quarantine", "replay", "--table", "trades", "--data", "d"], in: directory)
        #expect(replay.status == 0, "\(replay.stderr)")
        #expect(
            replay.stdout.contains("stored:      1\n") && replay.stdout.contains("kept:        1\n"), "\(replay.stdout)"
        )
        #expect(replay.stdout.contains("trades.csv line 4: qty: \"abc\" is not a number"), "\(replay.stdout)")

        let store = try StrataStore.open(directory: directory + "/d")
        let stored = try await store.trades.latest(symbol: Self.btc, limit: 10)
        try store.close()
        #expect(stored.map(\.tradeID) == [4, 2, 1])
        #expect(stored.first { $0.tradeID == 2 }?.price == (try Price("99.5")))
        let left = try Quarantine(dataDirectory: directory + "/d", table: "trades").entries()
        #expect(left.map(\.line) == [4])

        // The last one corrected: the quarantine is empty and its file gone.
        let last = try #require(readFile(path))
        writeText(path, last.replacingOccurrences(of: "\"101,abc,", with: "\"101,3,"))
        let done = try runStrata(["quarantine", "replay", "--table", "trades", "--data", "d"], in: directory)
        #expect(done.stdout.contains("stored:      1\n") && done.stdout.contains("kept:        0\n"), "\(done.stdout)")
        #expect(readFile(path) == nil)
        let empty = try runStrata(["quarantine", "replay", "--table", "trades", "--data", "d"], in: directory)
        #expect(empty.status == 0 && empty.stdout.hasPrefix("nothing quarantined for trades"))
    }

    /// Binance's aggregated trades carry no symbol: the one the ingest was given replays with them.
    @Test func aggregatedTradesReplayUnderTheirSymbol() async throws {
        let directory = makeTemporaryDirectory()
        defer { removeTree(directory) }
        writeText(
            directory + "/BTCUSDT-aggTrades-2024-07-01.csv",
            "1,64000.5,0.1,10,10,1719878281500,true,true\n2,64001,-0.2,11,11,1719878281600,false,true\n")
        let ingest = try runStrata(
            ["ingest", "--table", "aggtrades", "--data", "d", "BTCUSDT-aggTrades-2024-07-01.csv"], in: directory)
        #expect(ingest.stdout.contains("rejected:    1\n"), "\(ingest.stdout)\(ingest.stderr)")
        let path = directory + "/d/quarantine/aggtrades.csv"
        let text = try #require(readFile(path))
        #expect(text.contains(",csv;symbol=BTCUSDT\n"), "\(text)")
        writeText(path, text.replacingOccurrences(of: ",-0.2,", with: ",0.2,"))
        let replay = try runStrata(["quarantine", "replay", "--table", "aggtrades", "--data", "d"], in: directory)
        #expect(replay.stdout.contains("stored:      1\n"), "\(replay.stdout)\(replay.stderr)")
        let store = try StrataStore.open(directory: directory + "/d")
        let rows = try await store.aggregatedTrades.latest(symbol: Self.btc, limit: 10)
        try store.close()
        #expect(rows.map(\.aggregateID) == [2, 1])
    }

    /// A quarantine written before formats were recorded replays under the header it is given.
    @Test func rowsWithoutAFormatNeedTheirHeader() async throws {
        let directory = makeTemporaryDirectory()
        defer { removeTree(directory) }
        try StrataStore.open(directory: directory + "/d").close()
        try FileManager.default.createDirectory(atPath: directory + "/d/quarantine", withIntermediateDirectories: true)
        writeText(
            directory + "/d/quarantine/trades.csv",
            "quarantined_at,source,line,reason,raw\n"
                + "2024-07-01T23:58:01Z,old.csv,2,\"price: \"\"-1\"\" must be greater than zero\",\"5,1,BTCUSDT,1719878281500000000,7,true\"\n"
        )
        let blind = try runStrata(["quarantine", "replay", "--table", "trades", "--data", "d"], in: directory)
        #expect(blind.stdout.contains("1 row(s) have no recorded format"), "\(blind.stdout)\(blind.stderr)")
        let given = try runStrata(
            [
                "quarantine", "replay", "--table", "trades", "--data", "d", "--header",
                "price,qty,symbol,ts_ns,trade_id,is_buyer_maker",
            ], in: directory)
        #expect(given.stdout.contains("stored:      1\n"), "\(given.stdout)\(given.stderr)")
        let store = try StrataStore.open(directory: directory + "/d")
        let rows = try await store.trades.latest(symbol: Self.btc, limit: 10)
        try store.close()
        #expect(rows.map(\.tradeID) == [7])
        let unknown = try runStrata(["quarantine", "replay", "--table", "nosuch", "--data", "d"], in: directory)
        #expect(unknown.status == 0 && unknown.stdout.hasPrefix("nothing quarantined"))
    }
}
