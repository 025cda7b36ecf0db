import StrataTestSupport
import Testing

/// `strata bars` and `strata retention`, end to end.
@Suite("strata bars and retention")
struct BarsAndRetentionCommandTests {
    static let csv = """
        ts_ns,symbol,trade_id,price,qty,is_buyer_maker
        1772323200000000000,BTCUSDT,1,100,1,true
        1772323230000000000,BTCUSDT,2,102,2,false
        1772323259000000000,BTCUSDT,3,99,1,true
        1772323380000000000,BTCUSDT,4,101,0.5,false
        1772452800000000000,BTCUSDT,5,105,1,false

        """

    @Test func barsInEveryFormat() throws {
        let directory = makeTemporaryDirectory()
        defer { removeTree(directory) }
        writeText(directory + "/t.csv", Self.csv)
        #expect(
            try runStrata(["ingest", "--table", "trades", "--csv", "t.csv", "--data", "d"], in: directory).status == 0)
        let csv = try runStrata(
            [
                "bars", "--symbol", "BTCUSDT", "--timeframe", "1m", "--from", "2026-03-01", "--to",
                "2026-03-01T00:05:00Z",
                "--format", "csv", "--data", "d",
            ], in: directory)
        #expect(csv.status == 0, "\(csv.stderr)")
        #expect(
            csv.stdout == """
                symbol,timeframe,ts_ns,time,open,high,low,close,volume,notional,vwap,trades
                BTCUSDT,1m,1772323200000000000,2026-03-01T00:00:00Z,100,102,99,99,4,403,100.75,3
                BTCUSDT,1m,1772323380000000000,2026-03-01T00:03:00Z,101,101,101,101,0.5,50.5,101,1

                """)
        let carried = try runStrata(
            [
                "bars", "--symbol", "BTCUSDT", "--timeframe", "1m", "--from", "2026-03-01", "--to",
                "2026-03-01T00:04:00Z",
                "--empty", "carry", "--format", "csv", "--data", "d",
            ], in: directory)
        #expect(carried.stdout.split(separator: "\n").count == 5, "a header and 4 buckets: \(carried.stdout)")
        #expect(carried.stdout.contains("BTCUSDT,1m,1772323260000000000,2026-03-01T00:01:00Z,99,99,99,99,0,0,,0"))
        let daily = try runStrata(
            [
                "bars", "--symbol", "BTCUSDT", "--timeframe", "1d", "--from", "2026-02-28", "--to", "2026-03-03",
                "--format", "json", "--data", "d",
            ], in: directory)
        #expect(
            daily.stdout.contains(#""ts_ns":"1772323200000000000","time":"2026-03-01T00:00:00Z""#)
                && daily.stdout.contains(#""vwap":"100.77777778","trades":4}"#), "\(daily.stdout)")
        let bad = try runStrata(
            [
                "bars", "--symbol", "BTCUSDT", "--timeframe", "90s", "--from", "2026-03-01", "--to", "2026-03-02",
                "--data", "d",
            ],
            in: directory)
        #expect(bad.status != 0)
        #expect(bad.stderr.contains("--timeframe"))
    }

    @Test func retentionSetShowRun() throws {
        let directory = makeTemporaryDirectory()
        defer { removeTree(directory) }
        writeText(directory + "/t.csv", Self.csv)
        #expect(
            try runStrata(["ingest", "--table", "trades", "--csv", "t.csv", "--data", "d"], in: directory).status == 0)
        let set = try runStrata(["retention", "set", "trades=12h", "bars_1d=7y", "--data", "d"], in: directory)
        #expect(set.status == 0, "\(set.stderr)")
        let show = try runStrata(["retention", "show", "--data", "d"], in: directory)
        #expect(show.stdout.contains("trades") && show.stdout.contains("12h") && show.stdout.contains("7y"))
        // The newest trade is 03-02T12:00: day 03-01 (ending 03-02T00:00) is 12 hours older than it.
        let run = try runStrata(["retention", "run", "--now", "2026-03-03T12:00:00Z", "--data", "d"], in: directory)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("trades: dropped 1 partitions (4 rows"), "\(run.stdout)")
        try Self.expectOnlyTheTradeOfMarch2(in: directory)
        let invalid = try runStrata(["retention", "set", "candles=1d", "--data", "d"], in: directory)
        #expect(invalid.status != 0)
        #expect(invalid.stderr.hasPrefix("strata: error:"))
    }

    /// `strata flush --seal` seals the open day (nothing left in memory); `strata purge` drops
    /// the partitions older than an age or a time, in the tables named, and refuses a table
    /// that does not exist.
    @Test func flushSealsAndPurgeDrops() throws {
        let directory = makeTemporaryDirectory()
        defer { removeTree(directory) }
        writeText(directory + "/t.csv", Self.csv)
        #expect(
            try runStrata(["ingest", "--table", "trades", "--csv", "t.csv", "--data", "d"], in: directory).status == 0)
        let flush = try runStrata(["flush", "--seal", "--data", "d"], in: directory)
        #expect(flush.status == 0, "\(flush.stderr)")
        #expect(flush.stdout.contains("flushed; 0 row(s) still in memory"), "\(flush.stdout)")
        let unknown = try runStrata(
            ["purge", "--older-than", "1d", "--tables", "candles", "--data", "d"], in: directory)
        #expect(unknown.status != 0 && unknown.stderr.contains("no table named \"candles\""), "\(unknown.stderr)")
        let bad = try runStrata(["purge", "--older-than", "soon", "--data", "d"], in: directory)
        #expect(bad.status != 0 && bad.stderr.contains("--older-than"))
        // Day 03-01 ends at 03-02T00:00, 36 hours before --now: a 1d purge drops it, not 03-02.
        let purge = try runStrata(
            ["purge", "--older-than", "1d", "--tables", "trades", "--now", "2026-03-03T12:00:00Z", "--data", "d"],
            in: directory)
        #expect(purge.status == 0, "\(purge.stderr)")
        #expect(purge.stdout.contains("trades: dropped 1 partitions (4 rows"), "\(purge.stdout)")
        try Self.expectOnlyTheTradeOfMarch2(in: directory)
    }

    /// The store `d` in `directory` holds one trade: the one of 03-02 (03-01's day was dropped).
    static func expectOnlyTheTradeOfMarch2(in directory: String) throws {
        let left = try runStrata(
            [
                "query", "range", "--symbol", "BTCUSDT", "--from", "0", "--to", "2026-03-10", "--format", "csv",
                "--data", "d",
            ],
            in: directory)
        #expect(left.stdout.split(separator: "\n").count == 2, "only the trade of 03-02 stays: \(left.stdout)")
    }
}
