import StrataTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// `strata demo`, the README's main command, end to end on a small sample.
@Suite("strata demo")
struct DemoCommandTests {
    @Test func demoIngestsSealsAndAnswers() throws {
        let directory = makeTemporaryDirectory()
        defer { removeTree(directory) }
        let result = try runStrata(["demo", "--rows", "20000", "--data", "demo"], in: directory)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("ingested 20000 trades"))
        #expect(result.stdout.contains("sealed 1 partition"))
        #expect(result.stdout.contains("latest 5 trades of SYM000"))
        #expect(result.stdout.contains("last trade of SYM099"))
        // The demo's store stays queryable, and a second run recreates it rather than doubling it.
        let again = try runStrata(["demo", "--rows", "20000", "--data", "demo"], in: directory)
        #expect(again.stdout.contains("ingested 20000 trades"))
        let query = try runStrata(
            ["query", "latest", "--symbol", "SYM000", "--limit", "2", "--data", "demo", "--format", "csv"],
            in: directory)
        #expect(query.status == 0)
        #expect(query.stdout.split(separator: "\n").count == 3)
    }

    @Test func demoRefusesADirectoryItDidNotMake() throws {
        let directory = makeTemporaryDirectory()
        defer { removeTree(directory) }
        mkdir(directory + "/precious", 0o755)
        writeText(directory + "/precious/file.txt", "keep me")
        let result = try runStrata(["demo", "--rows", "10", "--data", "precious"], in: directory)
        #expect(result.status != 0)
        #expect(result.stderr.contains("was not made by `strata demo`"))
        #expect(access(directory + "/precious/file.txt", F_OK) == 0, "never deletes what it did not make")
    }
}
