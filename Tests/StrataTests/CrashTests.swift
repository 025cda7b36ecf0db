import Foundation
import Strata
import StrataCrashSupport
import StrataTestSupport
import Testing

/// Crash campaigns: a real writer process (StrataCrashWriter) is SIGKILLed at random moments,
/// or at moments aimed into a phase (seal, compaction, retention, recovery), and after every
/// restart the store must open with no damaged file, hold every acknowledged batch exactly once
/// and whole, nothing never sent, the in-flight batch whole or not at all, and bars that agree
/// with the trades (see `CrashCampaign`).
///
/// `STRATA_CRASH_KILLS` sets the kills over all campaigns (default 140, 20 each; the long
/// campaign is `scripts/crash-campaign.sh`, 1,000+); `STRATA_CRASH_MODES` (e.g. `seal,recovery`)
/// runs some campaigns only; `STRATA_CRASH_RECOVERY_ROWS` sizes the WAL that the recovery
/// campaign replays (default 150,000 rows).
@Suite(.heavy, .serialized) struct CrashTests {
    static var writerPath: String {
        let executable =
            (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        return URL(fileURLWithPath: executable).deletingLastPathComponent().appendingPathComponent("StrataCrashWriter")
            .path
    }

    static let environment = ProcessInfo.processInfo.environment
    static let totalKills = environment["STRATA_CRASH_KILLS"].flatMap(Int.init) ?? 140
    static let modes: [CrashMode] =
        environment["STRATA_CRASH_MODES"].map {
            $0.split(separator: ",").compactMap { CrashMode(rawValue: String($0)) }
        }
        ?? CrashMode.allCases
    static let recoveryRows = environment["STRATA_CRASH_RECOVERY_ROWS"].flatMap(Int.init) ?? 150_000

    @Test(arguments: CrashMode.allCases)
    func campaign(_ mode: CrashMode) async throws {
        guard Self.modes.contains(mode) else { return }
        try #require(
            FileManager.default.isExecutableFile(atPath: Self.writerPath), "build the StrataCrashWriter product first")
        let kills = max(3, Self.totalKills / Self.modes.count)
        let figures = try await CrashCampaign(
            mode: mode, kills: kills, writerPath: Self.writerPath, recoveryRows: Self.recoveryRows
        ).run()
        print(figures)
        #expect(figures.kills == kills, "\(figures.problems.joined(separator: "\n"))")
        #expect(figures.isClean, "\(figures)\n\(figures.problems.joined(separator: "\n"))")
        #expect(figures.acknowledgedBatches >= kills, "the writer made too little progress: \(figures)")
        if let target = mode.targetPhase {
            // Enough kills must land inside the phase for the campaign to test it.
            let inside = figures.killsInside[target, default: 0]
            #expect(inside >= max(1, kills / 6), "only \(inside) of \(kills) kills landed inside \(target)")
        }
        if mode == .group { #expect(figures.durableBatches > 0, "no flush was acknowledged") }
    }
}
