import Foundation
import Strata
import StrataTestSupport
import Testing

/// `strata audit verify DIR`: intact logs pass, a tampered one fails naming the file and line.
@Suite struct AuditCommandTests {
    @Test func verifyReportsTheFirstBreakWithItsFileAndLine() throws {
        let directory = makeTemporaryDirectory("strata-audit-cli")
        defer { removeTree(directory) }
        let log = try AuditLog(directory: directory + "/audit", configuration: .init(maximumFileBytes: 1_024))
        let start = Timestamp(nanoseconds: 1_719_792_000_000_000_000)
        try log.append(
            (0..<40).map { n in
                AuditLog.Entry(
                    time: start.advanced(by: Int64(n)), kind: "order",
                    object: #"{"order":\#(n),"status":"new","user":"alice"}"#)
            })
        try log.close()
        let intact = try runStrata(["audit", "verify", "audit"], in: directory)
        #expect(intact.status == 0, "\(intact.stderr)")
        #expect(intact.stdout.contains("40 lines checked: intact"), "\(intact.stdout)")

        let read = try runStrata(["audit", "read", "audit", "--order", "7", "--user", "alice"], in: directory)
        #expect(read.status == 0, "\(read.stderr)")
        #expect(read.stdout.split(separator: "\n").count == 1 && read.stdout.contains(#""order":7,"#), "\(read.stdout)")
        let none = try runStrata(["audit", "read", "audit", "--user", "bob"], in: directory)
        #expect(none.status == 0 && none.stdout.isEmpty)
        let window = try runStrata(
            [
                "audit", "read", "audit", "--from", String(start.nanoseconds + 10), "--to",
                String(start.nanoseconds + 20),
            ],
            in: directory)
        #expect(window.stdout.split(separator: "\n").count == 10, "\(window.stdout)")

        let path = directory + "/audit/audit-000002.ndjson"
        var lines = try #require(readFile(path)).split(separator: "\n").map(String.init)
        lines[3] = lines[3].replacingOccurrences(of: "\"alice\"", with: "\"mallory\"")
        writeText(path, lines.joined(separator: "\n") + "\n")
        let broken = try runStrata(["audit", "verify", "audit"], in: directory)
        #expect(broken.status == 1)
        #expect(broken.stderr.contains("audit-000002.ndjson:5: altered"), "\(broken.stderr)")
    }
}
