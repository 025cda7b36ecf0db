import Strata
import StrataTestSupport
import Testing

/// An ingest that stored nothing because everything was rejected is a failure; `--max-rejects`
/// sets the bar for the cases in between.
@Suite struct IngestExitStatusTests {
    static let trades = """
        ts_ns,symbol,trade_id,price,qty,is_buyer_maker
        1719878281500000000,BTCUSDT,1,64000.5,0.25,true
        1719878281500000001,BTCUSDT,2,64000.5,0.25,false
        1719878281500000002,BTCUSDT,3,-1,0.25,false
        1719878281500000003,BTCUSDT,4,64000.5,0.25,false

        """

    @Test func everyRowRejectedExitsNonZero() throws {
        let directory = makeTemporaryDirectory()
        defer { removeTree(directory) }
        // A trades file without its header given as quotes: every row rejected, nothing stored.
        writeText(directory + "/trades.csv", String(Self.trades.drop { $0 != "\n" }.dropFirst()))
        let wrong = try runStrata(
            ["ingest", "--table", "quotes", "--csv", directory + "/trades.csv", "--data", directory + "/data"],
            in: directory)
        #expect(wrong.status == 1, "\(wrong.stdout)")
        #expect(wrong.stderr.hasPrefix("strata: error: every one of the 4 rows was rejected"))
        #expect(wrong.stdout.contains("rejected:    4"))
        // With its header, the file is refused by it before anything is read or created.
        writeText(directory + "/trades.csv", Self.trades)
        let refused = try runStrata(
            ["ingest", "--table", "quotes", "--csv", directory + "/trades.csv", "--data", directory + "/other"],
            in: directory)
        #expect(refused.status == 1)
        #expect(
            refused.stderr.hasSuffix(": header column \"trade_id\" is not a column of quotes (nearest: ts_ns)\n"),
            "\(refused.stderr)")
        #expect(readFile(directory + "/other/STRATA") == nil, "nothing created")
    }

    /// `STRATA_DURABILITY` means for `strata ingest` what it means for `strata serve`; a bad
    /// value is an error naming the variable, before anything is read or created.
    @Test func ingestHonoursStrataDurability() throws {
        let directory = makeTemporaryDirectory()
        defer { removeTree(directory) }
        writeText(directory + "/trades.csv", Self.trades)
        let arguments = ["ingest", "--table", "trades", "--csv", directory + "/trades.csv", "--data"]
        let bad = try runStrata(
            arguments + [directory + "/data"], in: directory, environment: ["STRATA_DURABILITY": "sometimes"])
        #expect(bad.status == 1)
        #expect(
            bad.stderr
                == "strata: error: configuration: STRATA_DURABILITY: expected fsync, group-commit:<milliseconds> or os-buffered, got 'sometimes'\n"
        )
        #expect(readFile(directory + "/data/STRATA") == nil, "nothing created")
        for policy in ["fsync", "os-buffered", "group-commit:5"] {
            let good = try runStrata(
                arguments + [directory + "/data-\(policy)"], in: directory,
                environment: ["STRATA_DURABILITY": policy])
            #expect(good.status == 0, "\(policy): \(good.stderr)")
            #expect(good.stdout.contains("stored:      3"), "\(policy): \(good.stdout)")
        }
    }

    @Test(
        arguments: [
            (nil, 0), ("1", 0), ("0", 1), ("25%", 0), ("24.9999%", 1), ("100%", 0),
        ] as [(String?, Int32)])
    func maxRejectsDecides(limit: String?, status: Int32) throws {
        let directory = makeTemporaryDirectory()
        defer { removeTree(directory) }
        writeText(directory + "/trades.csv", Self.trades)
        let result = try runStrata(
            ["ingest", "--table", "trades", "--csv", directory + "/trades.csv", "--data", directory + "/data"]
                + (limit.map { ["--max-rejects", $0] } ?? []), in: directory)
        #expect(result.status == status, "--max-rejects \(limit ?? "none"): \(result.stderr)")
        #expect(result.stdout.contains("stored:      3"))
        if status == 1 { #expect(result.stderr.contains("more than --max-rejects \(limit ?? "")")) }
    }

    @Test func badMaxRejectsIsAUsageError() throws {
        let directory = makeTemporaryDirectory()
        defer { removeTree(directory) }
        writeText(directory + "/trades.csv", Self.trades)
        for bad in ["-1", "101%", "1.5", "abc", "0.00001%"] {
            let result = try runStrata(
                ["ingest", "--table", "trades", "--csv", directory + "/trades.csv", "--max-rejects", bad], in: directory
            )
            #expect(result.status != 0 && result.stderr.contains("max-rejects"), "\(bad): \(result.stderr)")
        }
    }
}
