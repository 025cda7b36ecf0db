import Foundation
import StrataTestSupport
import Testing

/// `strata asof`, end to end: each trade with the last quote at or before it, in every format.
@Suite("strata asof")
struct AsofCommandTests {
    static let trades = """
        ts_ns,symbol,trade_id,price,qty,is_buyer_maker
        1772323200000000000,BTCUSDT,1,100,1,true
        1772323205000000000,BTCUSDT,2,102,2,false
        1772323207000000000,BTCUSDT,3,99,1,true

        """
    /// Headerless quotes: ts, symbol, bid, bid size, ask, ask size (an empty pair: no ask).
    static let quotes = """
        1772323201000000000,BTCUSDT,101.5,3,102.5,4
        1772323205000000000,BTCUSDT,101.75,1,,

        """

    /// `strata` on a thread of its own (the wait never holds a thread of the cooperative pool).
    static func strata(_ arguments: [String], in directory: String) async throws -> CommandResult {
        let result = await withCheckedContinuation { continuation in
            Thread { continuation.resume(returning: Result { try runStrata(arguments, in: directory) }) }.start()
        }
        return try result.get()
    }

    @Test func tradesWithTheirQuotesInEveryFormat() async throws {
        let directory = makeTemporaryDirectory()
        defer { removeTree(directory) }
        writeText(directory + "/t.csv", Self.trades)
        writeText(directory + "/q.csv", Self.quotes)
        for (table, file) in [("trades", "t.csv"), ("quotes", "q.csv")] {
            let ingest = try await Self.strata(
                ["ingest", "--table", table, "--csv", file, "--data", "d"], in: directory)
            #expect(ingest.status == 0, "\(ingest.stderr)")
        }
        let window = ["--symbol", "BTCUSDT", "--from", "2026-03-01", "--to", "2026-03-02", "--data", "d"]
        let csv = try await Self.strata(["asof", "--format", "csv", "--tolerance", "2s"] + window, in: directory)
        #expect(csv.status == 0, "\(csv.stderr)")
        let lines = csv.stdout.split(separator: "\n").map { String($0) }
        #expect(lines.count == 4)
        #expect(
            lines.first?.hasPrefix("ts_ns,symbol,trade_id,price,qty,is_buyer_maker,quotes_ts,quotes_bid_px_0") == true)
        // Trade 1: before every quote. Trade 2: the quote at its very time (no ask). Trade 3: that quote, 2 s old.
        #expect(lines[1].hasPrefix("1772323200000000000,BTCUSDT,1,100,1,true,,,,,"))
        #expect(lines[2].hasPrefix("1772323205000000000,BTCUSDT,2,102,2,false,1772323205000000000,101.75,1,,,"))
        #expect(lines[3].hasPrefix("1772323207000000000,BTCUSDT,3,99,1,true,1772323205000000000,101.75,1,,,"))
        let tight = try await Self.strata(["asof", "--format", "csv", "--tolerance", "1999ms"] + window, in: directory)
        #expect(
            tight.stdout.split(separator: "\n").last?.hasPrefix("1772323207000000000,BTCUSDT,3,99,1,true,,,") == true)
        let json = try await Self.strata(["asof", "--format", "json", "--limit", "2"] + window, in: directory)
        #expect(json.status == 0, "\(json.stderr)")
        #expect(json.stdout.contains(#""trade_id":2"#) && !json.stdout.contains(#""trade_id":3"#))
        #expect(json.stdout.contains(#""quotes_ts":null"#))
        #expect(json.stdout.contains(#""quotes_bids":[{"price":"101.75","size":"1"}],"quotes_asks":[]"#))
        #expect(json.stderr.contains("--cursor 1772323207000000000:0"))
        let next = try await Self.strata(
            ["asof", "--format", "json", "--limit", "2", "--cursor", "1772323207000000000:0"] + window, in: directory)
        #expect(next.stdout.contains(#""trade_id":3"#) && next.stderr.isEmpty)
        let table = try await Self.strata(["asof"] + window, in: directory)
        #expect(table.stdout.split(separator: "\n").first?.split(separator: " ").count == 9, "\(table.stdout)")
        let unknown = try await Self.strata(["asof", "--left", "trade"] + window, in: directory)
        #expect(unknown.status == 1 && unknown.stderr.contains("--left: no table 'trade' (tables: trades"))
        let tolerance = try await Self.strata(["asof", "--tolerance", "soon"] + window, in: directory)
        #expect(tolerance.status == 1 && tolerance.stderr.contains("--tolerance: expected a duration"))
    }
}
