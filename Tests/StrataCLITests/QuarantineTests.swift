import Strata
import StrataCore
import StrataImport
import StrataTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

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
        try quarantine.add(batch.rejections, source: "in/trades.csv", format: .csv(header: nil, symbol: nil), at: time)
        try quarantine.add([], source: "ignored", format: nil)
        #expect(quarantine.count == 2)
        try quarantine.sync()
        let text = try #require(readFile(quarantine.path))
        let expected = """
            quarantined_at,source,line,reason,raw,format
            2024-07-01T23:58:01Z,in/trades.csv,1,"symbol: ""A,B"" is not a valid symbol (1-64 chars of A-Z a-z 0-9 . _ - / : @ #)","1,""A,B"",1,1,1,t",csv
            2024-07-01T23:58:01Z,in/trades.csv,2,"price: ""-1"" must be greater than zero","1719878281500000000,A,1,-1,1,t",csv

            """
        #expect(text == expected)

        // A second quarantine on the same file appends without a second header.
        let again = Quarantine(dataDirectory: directory + "/", table: "trades")
        try again.add(
            [CSVRejection(line: 9, raw: "x", error: ValidationError(field: "f", value: "v", rule: .malformed))],
            source: "s", format: .lineProtocol(precision: "ms"), at: time)
        let lines = try #require(readFile(quarantine.path)).split(separator: "\n")
        #expect(lines.count == 4)
        #expect(lines.last == "2024-07-01T23:58:01Z,s,9,\"f: \"\"v\"\" is malformed\",x,ilp;precision=ms")
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
        #expect(throws: StrataError.self) { try quarantine.add([rejection], source: "s", format: nil) }
    }
}

@Suite("Quarantine files")
struct QuarantineFileTests {

    @Test func entriesReadBackAndAreReplacedAtomically() throws {
        let directory = makeTemporaryDirectory()
        defer { removeTree(directory) }
        let quarantine = Quarantine(dataDirectory: directory, table: "signals")
        #expect(try quarantine.entries().isEmpty)
        let entries = [
            Quarantine.Entry(
                quarantinedAt: "2024-07-01T23:58:01Z", source: "in, \"odd\" name.csv", line: 3,
                reason: "two\nlines, and \"quotes\"", raw: "a,\"b,c\",d",
                format: .csv(header: "ts,\"sym, bol\",x", symbol: "BTCUSDT")),
            Quarantine.Entry(
                quarantinedAt: "2024-07-01T23:58:02Z", source: "http request 7f", line: 1, reason: "r", raw: " padded ",
                format: .lineProtocol(precision: "us")),
            Quarantine.Entry(quarantinedAt: "t", source: "s", line: 2, reason: "", raw: "", format: nil),
        ]
        try quarantine.add(entries)
        #expect(try quarantine.entries() == entries)
        #expect(Quarantine.tables(inDataDirectory: directory) == ["signals"])
        try quarantine.replaceEntries(Array(entries.dropFirst()))
        #expect(try quarantine.entries() == Array(entries.dropFirst()))
        // Appending after a replace goes to the new file.
        try quarantine.add([entries[0]])
        #expect(try quarantine.entries() == Array(entries.dropFirst()) + [entries[0]])
        try quarantine.replaceEntries([])
        #expect(readFile(quarantine.path) == nil, "no rows left: no file")
        #expect(Quarantine.tables(inDataDirectory: directory).isEmpty)
    }

    @Test func aFileOfTheEarlierVersionIsUpgradedBeforeRowsAreAdded() throws {
        let directory = makeTemporaryDirectory()
        defer { removeTree(directory) }
        let quarantine = Quarantine(dataDirectory: directory, table: "trades")
        mkdir(directory + "/quarantine", 0o755)
        writeText(
            quarantine.path,
            "quarantined_at,source,line,reason,raw\n"
                + "2024-07-01T23:58:01Z,in/trades.csv,2,\"price: \"\"-1\"\" must be greater than zero\",\"1719878281500000000,A,1,-1,1,t\"\n"
        )
        let read = try quarantine.entries()
        #expect(read.count == 1 && read[0].format == nil && read[0].raw == "1719878281500000000,A,1,-1,1,t")
        let added = Quarantine.Entry(
            quarantinedAt: "t", source: "s", line: 5, reason: "r", raw: "x", format: .csv(header: nil, symbol: nil))
        try quarantine.add([added])
        #expect(try quarantine.entries() == read + [added])
        #expect(readFile(quarantine.path)?.hasPrefix(Quarantine.header + "\n") == true)
    }

    @Test func damagedFilesAreRefusedNamingTheLine() throws {
        let directory = makeTemporaryDirectory()
        defer { removeTree(directory) }
        let quarantine = Quarantine(dataDirectory: directory, table: "trades")
        mkdir(directory + "/quarantine", 0o755)
        writeText(quarantine.path, Quarantine.header + "\nt,s,1,r,x,csv\nt,s,notanumber,r,x,csv\n")
        let error = try #require(throws: StrataError.self) { try quarantine.entries() }
        #expect(error.code == .corruptFile && error.message.contains("line 3"), "\(error)")
        writeText(quarantine.path, Quarantine.header + "\nt,s,1,r,x,parquet\n")
        #expect(throws: StrataError.self) { try quarantine.entries() }
    }

    @Test(arguments: [
        ("csv", QuarantineFormat.csv(header: nil, symbol: nil)),
        ("csv;symbol=BTCUSDT", .csv(header: nil, symbol: "BTCUSDT")),
        ("csv;header=a,b;c=d", .csv(header: "a,b;c=d", symbol: nil)),
        ("csv;symbol=X;header=ts,price", .csv(header: "ts,price", symbol: "X")),
        ("ilp;precision=ms", .lineProtocol(precision: "ms")),
    ])
    func formatsRoundTrip(_ text: String, _ format: QuarantineFormat) {
        #expect(QuarantineFormat(text) == format)
        #expect(format.description == text)
    }

    @Test(arguments: ["", "tsv", "csv;sym=X", "ilp", "ilp;precision=", "csv;symbol=X;symbol=Y"])
    func unknownFormatsAreRefused(_ text: String) {
        #expect(QuarantineFormat(text) == nil)
    }
}
