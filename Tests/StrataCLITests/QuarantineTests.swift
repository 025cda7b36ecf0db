import Strata
import StrataCore
import StrataImport
import StrataTestSupport
import Testing

@Suite("Quarantine")
struct QuarantineTests {
    @Test func createsTheFileOnFirstUseAndQuotesFields() throws {
        let directory = makeTemporaryDirectory()
        defer { removeTree(directory) }
        let quarantine = Quarantine(dataDirectory: directory, table: "trades")
        #expect(quarantine.path == directory + "/quarantine/trades.csv")
        #expect(readFile(quarantine.path) == nil, "nothing is created before a row is added")
        let (batch, _) = try readAll("1,\"A,B\",1,1,1,t\n1719878281500000000,A,1,-1,1,t\n", TradeCSVFormat())
        let time = Timestamp(nanoseconds: 1_719_878_281_000_000_000)
        try quarantine.add(batch.rejections, source: "in/trades.csv", at: time)
        try quarantine.add([], source: "ignored")
        #expect(quarantine.count == 2)
        try quarantine.sync()
        let text = try #require(readFile(quarantine.path))
        let expected = """
            quarantined_at,source,line,reason,raw
            2024-07-01T23:58:01Z,in/trades.csv,1,"symbol: ""A,B"" is not a valid symbol (1-64 chars of A-Z a-z 0-9 . _ - / : @ #)","1,""A,B"",1,1,1,t"
            2024-07-01T23:58:01Z,in/trades.csv,2,"price: ""-1"" must be greater than zero","1719878281500000000,A,1,-1,1,t"

            """
        #expect(text == expected)

        // A second quarantine on the same file appends without a second header.
        let again = Quarantine(dataDirectory: directory + "/", table: "trades")
        try again.add(
            [CSVRejection(line: 9, raw: "x", error: ValidationError(field: "f", value: "v", rule: .malformed))],
            source: "s", at: time)
        let lines = try #require(readFile(quarantine.path)).split(separator: "\n")
        #expect(lines.count == 4)
        #expect(lines.last == "2024-07-01T23:58:01Z,s,9,\"f: \"\"v\"\" is malformed\",x")
    }

    @Test func csvFieldQuoting() {
        #expect(Quarantine.csvField("plain") == "plain")
        #expect(Quarantine.csvField("a,b") == "\"a,b\"")
        #expect(Quarantine.csvField("say \"hi\"") == "\"say \"\"hi\"\"\"")
        #expect(Quarantine.csvField("two\nlines") == "\"two\nlines\"")
        #expect(Quarantine.csvField(" padded") == "\" padded\"")
    }

    @Test func unwritableDirectoryThrows() {
        let quarantine = Quarantine(dataDirectory: "/proc/definitely-not-here", table: "trades")
        let rejection = CSVRejection(
            line: 1, raw: "x", error: ValidationError(field: "f", value: "v", rule: .malformed))
        #expect(throws: StrataError.self) { try quarantine.add([rejection], source: "s") }
    }
}
