import Foundation
import StrataTestSupport
import StrataTiers
import Testing

/// The replicator SIGKILLed at random moments (a child process, `StrataTiersCrashWriter`,
/// committing and feeding a durable file tier): after every kill the tier holds positions
/// 1…T exactly once and in order, the durable cursor is at most T (it never runs ahead of what
/// the tier holds), and every acknowledged commit is in the log; a final run drains the tier to
/// the log's end. `STRATA_TIERS_CRASH_KILLS` sets the kills (default 12).
@Suite(.heavy, .serialized) struct TiersCrashTests {
    static var writerPath: String {
        let executable =
            (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        return URL(fileURLWithPath: executable).deletingLastPathComponent()
            .appendingPathComponent("StrataTiersCrashWriter").path
    }

    static let kills = ProcessInfo.processInfo.environment["STRATA_TIERS_CRASH_KILLS"].flatMap(Int.init) ?? 12

    /// Runs the writer; returns the positions it acknowledged before it was killed (or exited).
    func runWriter(_ directory: String, mode: String, killAfter: Duration?) throws -> [String] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.writerPath)
        process.arguments = [directory, mode]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        if let killAfter {
            let components = killAfter.components
            usleep(UInt32(components.seconds * 1_000_000 + components.attoseconds / 1_000_000_000_000))
            kill(process.processIdentifier, SIGKILL)
        }
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        if killAfter != nil { #expect(process.terminationReason == .uncaughtSignal) }
        return String(decoding: data, as: UTF8.self).split(separator: "\n").map(String.init)
    }

    func tierPositions(_ directory: String) throws -> [UInt64] {
        guard FileManager.default.fileExists(atPath: directory + "/tier.positions") else { return [] }
        let text = try String(contentsOfFile: directory + "/tier.positions", encoding: .utf8)
        return text.split(separator: "\n", omittingEmptySubsequences: true).compactMap { UInt64($0) }
    }

    @Test func theCursorNeverRunsAheadOfTheTier() async throws {
        try #require(
            FileManager.default.isExecutableFile(atPath: Self.writerPath),
            "build the StrataTiersCrashWriter product first")
        let directory = makeTemporaryDirectory("strata-tiers-crash")
        defer { removeTree(directory) }
        var random = SystemRandomNumberGenerator()
        var acknowledged: UInt64 = 0
        var cursorsSeen: [UInt64] = []
        for _ in 0..<Self.kills {
            // The writer's run (a sleep, then a kill and a blocking read) on a thread of its own:
            // the cooperative pool's threads belong to the suites running beside this one.
            let killAfter = Duration.milliseconds(Int.random(in: 150...600, using: &random))
            let lines = try await onThread { try runWriter(directory, mode: "run", killAfter: killAfter) }
            let acks = lines.compactMap { $0.hasPrefix("ack ") ? UInt64($0.dropFirst(4)) : nil }
            acknowledged = max(acknowledged, acks.max() ?? 0)
            let held = try tierPositions(directory)
            #expect(held == Array(1..<UInt64(held.count + 1)), "the tier holds a gap or a repeat")
            let cursor = try CursorFile(path: directory + "/cursors/file.cursor").read()
            cursorsSeen.append(cursor)
            #expect(cursor <= UInt64(held.count), "cursor \(cursor) ahead of the tier's \(held.count)")
            let log = try CommitLog(configuration: .init(directory: directory + "/log"))
            #expect(log.lastPosition >= acknowledged, "an acknowledged commit is missing from the log")
        }
        let drained = try await onThread { try runWriter(directory, mode: "drain", killAfter: nil) }
        let log = try CommitLog(configuration: .init(directory: directory + "/log"))
        #expect(drained.last == "drained \(log.lastPosition) true")
        let held = try tierPositions(directory)
        #expect(held == Array(1..<(log.lastPosition + 1)))
        #expect(acknowledged > 0 && cursorsSeen.contains { $0 > 0 })
    }
}
