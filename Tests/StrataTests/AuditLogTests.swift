import Foundation
import Strata
import StrataTestSupport
import Testing

/// The audit trail's chain: intact across rotations and reopen, and every kind of tampering —
/// an altered, deleted, inserted or reordered line, in a middle file or at the end — reported
/// at its file and line.
@Suite struct AuditLogTests {
    static let day: Int64 = 86_400_000_000_000
    static let t0 = Timestamp(nanoseconds: 1_719_792_000_000_000_000 - 3_600_000_000_000)

    /// 120 trades over two UTC days in files of at most 2 KiB.
    static func writeLog(_ directory: String) throws {
        let log = try AuditLog(directory: directory, configuration: .init(maximumFileBytes: 2_048))
        for batch in 0..<12 {
            try log.append(
                (0..<10).map { i in
                    let n = batch * 10 + i
                    return AuditLog.Entry(
                        time: Self.t0.advanced(by: Int64(n) * 60_000_000_000), kind: "trade",
                        object: #"{"symbol":"BTCUSDT","trade_id":\#(n),"price":"64000.\#(n)","qty":"0.5"}"#)
                })
        }
        try log.close()
    }

    static func files(_ directory: String) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasSuffix(".ndjson") }.sorted()
    }

    static func lines(_ path: String) throws -> [String] {
        try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map(String.init)
    }

    static func write(_ path: String, _ lines: [String]) throws {
        try (lines.map { $0 + "\n" }.joined()).write(toFile: path, atomically: false, encoding: .utf8)
    }

    @Test func theChainHoldsAcrossRotationsAndReopen() throws {
        let directory = makeTemporaryDirectory("strata-audit")
        defer { removeTree(directory) }
        try Self.writeLog(directory)
        let files = try Self.files(directory)
        #expect(files.count >= 6, "rotated by size and by day: \(files)")
        // The day boundary starts a file of its own.
        let firstOfDay2 = try files.first { try Self.lines(directory + "/" + $0).first!.contains("\"trade_id\":60,") }
        #expect(firstOfDay2 != nil)
        let log = try AuditLog(directory: directory, configuration: .init(maximumFileBytes: 2_048))
        #expect(try log.append([.init(time: Self.t0.advanced(by: 2 * Self.day), kind: "order", object: "{}")]) == 121)
        try log.close()
        let report = try AuditLog.verify(directory: directory)
        #expect(report.isIntact, "\(report)")
        #expect(report.lines == 121 && report.files == files.count + 1)
    }

    /// Each tampering, on a fresh copy of the log: the break reported and where.
    @Test(arguments: ["alter", "alterLast", "delete", "deleteAcrossFiles", "insert", "reorder", "truncate", "dropFile"])
    func tamperingIsFoundAtItsPlace(how: String) throws {
        let directory = makeTemporaryDirectory("strata-audit-tamper")
        defer { removeTree(directory) }
        try Self.writeLog(directory)
        let files = try Self.files(directory)
        let middle = files[2]
        let path = directory + "/" + middle
        var lines = try Self.lines(path)
        let expected: (AuditVerification.Break.Kind, String, Int)
        switch how {
        case "alter":
            lines[1] = lines[1].replacingOccurrences(of: "\"qty\":\"0.5\"", with: "\"qty\":\"5.0\"")
            try Self.write(path, lines)
            expected = (.altered, middle, 3)
        case "alterLast":
            let last = directory + "/" + files.last!
            var tail = try Self.lines(last)
            tail[tail.count - 1] = tail[tail.count - 1].replacingOccurrences(of: "64000.", with: "64001.")
            try Self.write(last, tail)
            expected = (.altered, files.last!, tail.count)
        case "delete":
            lines.remove(at: 1)
            try Self.write(path, lines)
            expected = (.deleted, middle, 2)
        case "deleteAcrossFiles":
            lines.removeFirst()
            try Self.write(path, lines)
            expected = (.deleted, middle, 1)
        case "insert":
            lines.insert(lines[0], at: 2)
            try Self.write(path, lines)
            expected = (.insertedOrReordered, middle, 3)
        case "reorder":
            lines.swapAt(1, 2)
            try Self.write(path, lines)
            expected = (.insertedOrReordered, middle, 2)
        case "truncate":
            let last = directory + "/" + files.last!
            var tail = try Self.lines(last)
            tail.removeLast()
            try Self.write(last, tail)
            expected = (.truncated, files.last!, tail.count)
        default:
            try FileManager.default.removeItem(atPath: path)
            expected = (.missingFile, files[3], 1)
        }
        let report = try AuditLog.verify(directory: directory)
        let found = try #require(report.firstBreak, "\(how): not detected")
        #expect(found.kind == expected.0, "\(how): \(found)")
        #expect(found.file == expected.1 && found.line == expected.2, "\(how): \(found)")
    }
}
