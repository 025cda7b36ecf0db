import Foundation
import Strata
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Runs a real writer process, SIGKILLs it at random moments, and checks after every restart
/// that each acknowledged batch is present exactly once and nothing else is.
@Suite(.serialized) struct CrashTests {
    static var writerPath: String {
        let executable =
            (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        return URL(fileURLWithPath: executable).deletingLastPathComponent().appendingPathComponent("StrataCrashWriter")
            .path
    }

    @Test func acknowledgedBatchesSurviveSIGKILL() async throws {
        #expect(
            FileManager.default.isExecutableFile(atPath: Self.writerPath), "build the StrataCrashWriter product first")
        let directory = NSTemporaryDirectory() + "strata-crash-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var random = SystemRandomNumberGenerator()
        var acknowledged = Set<Int>()
        var nextBatch = 0
        let kills = 55
        for cycle in 0..<kills {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: Self.writerPath)
            process.arguments = [directory, String(nextBatch)]
            let output = Pipe()
            process.standardOutput = output
            let errors = Pipe()
            process.standardError = errors
            try process.run()
            // Kill at a random moment: during start-up and recovery, mid-append, mid-seal.
            try await Task.sleep(nanoseconds: UInt64.random(in: 5_000_000...160_000_000, using: &random))
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            let errorText = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            #expect(
                process.terminationReason == .uncaughtSignal, "cycle \(cycle): writer exited by itself: \(errorText)")
            let acks = text.split(separator: "\n").compactMap { line in
                line.hasPrefix("ack ") ? Int(line.dropFirst(4)) : nil
            }
            acknowledged.formUnion(acks)
            let inFlight = (acks.last ?? nextBatch - 1) + 1  // may or may not have landed, but whole or not at all

            // Restart (recovery) and verify.
            let store = try StrataStore.open(directory: directory, configuration: CrashWorkload.configuration)
            #expect(store.recovery.damagedFiles.isEmpty, "cycle \(cycle): \(store.recovery)")
            var present: [Int64: Int] = [:]
            for symbol in CrashWorkload.symbols {
                for trade in try await store.trades.range(symbol: symbol, from: .min, to: .max) {
                    present[trade.tradeID, default: 0] += 1
                }
            }
            let repeated = present.filter { $0.value > 1 }
            #expect(repeated.isEmpty, "cycle \(cycle): rows stored twice: \(repeated.keys.sorted().prefix(5))")
            var expected = Set<Int64>()
            for batch in acknowledged { for trade in CrashWorkload.batch(batch) { expected.insert(trade.tradeID) } }
            let inFlightIDs = Set(CrashWorkload.batch(inFlight).map(\.tradeID))
            let missing = expected.subtracting(present.keys)
            #expect(
                missing.isEmpty,
                "cycle \(cycle): \(missing.count) acknowledged rows lost, e.g. \(missing.sorted().prefix(5))")
            let extra = Set(present.keys).subtracting(expected)
            #expect(
                extra.isSubset(of: inFlightIDs),
                "cycle \(cycle): rows from no batch: \(extra.subtracting(inFlightIDs).sorted().prefix(5))")
            #expect(
                extra.isEmpty || extra == inFlightIDs,
                "cycle \(cycle): batch \(inFlight) partly present (\(extra.count) rows)")
            try store.close()
            nextBatch = (acknowledged.max() ?? -1) + 1
        }
        #expect(
            acknowledged.count >= 100,
            "the writer made too little progress to test anything: \(acknowledged.count) batches")
        print("crash test: \(kills) kills, \(acknowledged.count) acknowledged batches verified")
    }
}
