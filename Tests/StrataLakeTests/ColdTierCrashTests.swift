import Foundation
import Strata
import StrataCore
import StrataLake
import StrataTestSupport
import Synchronization
import Testing

/// The janitor SIGKILLed at random moments (a child process, `StrataColdCrashWriter`, moving
/// one-minute partitions of a store to the lake): after every kill, before anything reopens the
/// store, every Parquet file a reader's glob can see reads whole (no partial file is visible);
/// reopened, the store answers every row exactly once across both tiers, and the lake passes
/// `strata lake verify`'s checks. The next run resumes; a last run without a kill moves
/// everything due, and the rows are still there exactly once. `STRATA_COLD_CRASH_KILLS` sets
/// the kills (default 24).
@Suite(.heavy, .serialized) struct ColdTierCrashTests {
    static var writerPath: String {
        let executable =
            (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        return URL(fileURLWithPath: executable).deletingLastPathComponent()
            .appendingPathComponent("StrataColdCrashWriter").path
    }

    static let kills = ProcessInfo.processInfo.environment["STRATA_COLD_CRASH_KILLS"].flatMap(Int.init) ?? 24
    static let minute: Int64 = 60_000_000_000
    static let start: Int64 = 1_704_153_600_000_000_000  // 2024-01-02 00:00 UTC
    static let symbols = ["AAPL", "BTCUSDT", "ETHUSDT"]
    /// 240 one-minute partitions (four hours, crossing no day), 150 trades a minute per symbol.
    static let minutes = 240
    static let perMinute = 150
    static let hotMinutes: Int64 = 20

    static func configuration(lake: String) -> StrataStore.Configuration {
        StrataStore.Configuration(
            durability: .osBuffered, partitionDuration: minute, aggregates: false, maintenanceInterval: nil,
            cold: LakeColdTier(root: lake, hotRetention: ["trades": hotMinutes * minute], janitorEnabled: false))
    }

    /// The trades of the workload: per symbol, `perMinute` a minute, ids 1, 2, 3…
    static func trades() -> [Trade] {
        var trades: [Trade] = []
        for (s, symbol) in symbols.enumerated() {
            for index in 0..<(minutes * perMinute) {
                let time = start + Int64(index) * (minute / Int64(perMinute)) + Int64(s)
                trades.append(
                    Trade(
                        symbol: Symbol(unchecked: symbol), timestamp: Timestamp(nanoseconds: time),
                        tradeID: Int64(index + 1), price: Price(mantissa: 4_200_000_000 + Int64(index % 977) * 1_000),
                        quantity: Quantity(mantissa: Int64(1 + index % 13) * 1_000_000), isBuyerMaker: index % 2 == 0))
            }
        }
        return trades
    }

    /// Runs the writer, SIGKILLed after `killAfter` (nil: to its end); returns what it printed.
    func runWriter(data: String, lake: String, killAfter: Duration?) throws -> [String] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.writerPath)
        process.arguments = [data, lake, String(Self.hotMinutes)]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        if let killAfter {
            let components = killAfter.components
            usleep(UInt32(components.seconds * 1_000_000 + components.attoseconds / 1_000_000_000_000))
            kill(process.processIdentifier, SIGKILL)
        }
        let bytes = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: bytes, as: UTF8.self).split(separator: "\n").map(String.init)
    }

    /// Every `*.parquet` a reader's glob matches reads whole, with the table's columns.
    func visibleFilesReadWhole(_ lake: String) throws -> Int {
        let table = lake + "/table=trades"
        var files = 0
        for date in (try? FileManager.default.contentsOfDirectory(atPath: table)) ?? [] where date.hasPrefix("date=") {
            for name in try FileManager.default.contentsOfDirectory(atPath: table + "/" + date)
            where !name.hasPrefix(".") && name.hasSuffix(".parquet") {
                let batches = try LakeReader.readFile(
                    table + "/" + date + "/" + name, layout: LakeTableLayout(schema: .trades))
                #expect(batches.reduce(0) { $0 + $1.count } > 0, "\(name): no rows")
                files += 1
            }
        }
        return files
    }

    /// Reopens the store (which finishes or undoes an interrupted move) and checks every row is
    /// answered exactly once; returns how many moved partitions the lake holds.
    func checkExactlyOnce(data: String, lake: String, expected: [String: [Int64]]) async throws -> Int {
        let store = try StrataStore.open(directory: data, configuration: Self.configuration(lake: lake))
        defer { try? store.close() }
        for symbol in Self.symbols {
            let rows = try await store.trades.range(symbol: Symbol(unchecked: symbol), from: .min, to: .max)
            let ids = rows.map(\.tradeID)
            if ids != expected[symbol] {
                Issue.record(
                    "\(symbol): \(ids.count) rows answered, \(Set(ids).count) distinct, \(expected[symbol]?.count ?? 0) stored"
                )
            }
            let newest = try await store.trades.latest(symbol: Symbol(unchecked: symbol), limit: 5)
            #expect(newest.map(\.tradeID) == Array((expected[symbol] ?? []).suffix(5).reversed()))
        }
        let verification = LakeVerifier(root: lake, schemas: [.trades]).verify()
        #expect(verification.isClean, "\(verification.problems)")
        return try LakeReader(root: lake).manifest(table: "trades").entries.count
    }

    @Test func aKilledJanitorLosesNoRowAndAnswersEachOnce() async throws {
        try #require(
            FileManager.default.isExecutableFile(atPath: Self.writerPath),
            "build the StrataColdCrashWriter product first")
        let directory = makeTemporaryDirectory("strata-cold-crash")
        defer { removeTree(directory) }
        let data = directory + "/data"
        let lake = directory + "/lake"
        let trades = Self.trades()
        let expected = Dictionary(grouping: trades, by: \.symbol.name).mapValues { $0.map(\.tradeID) }
        do {
            let store = try StrataStore.open(directory: data, configuration: Self.configuration(lake: lake))
            try store.trades.appendNow(trades)
            store.compact(now: WallClock.now())
            try store.close()
        }
        var random = SystemRandomNumberGenerator()
        var movedSeen: [Int] = []
        var killedMidRun = 0
        // The kills aim inside a run: a run that ended before its kill halves the latest moment
        // aimed at (each run has less left to move, and a quiet machine moves it faster).
        var latest = 900
        for _ in 0..<Self.kills {
            let killAfter = Duration.milliseconds(Int.random(in: 10...latest, using: &random))
            let lines = try await onThread { try runWriter(data: data, lake: lake, killAfter: killAfter) }
            if lines.last != "done" {
                killedMidRun += 1
            } else {
                latest = max(20, latest / 2)
            }
            #expect(!lines.contains { $0.hasPrefix("error") || $0.hasPrefix("failed") }, "\(lines)")
            _ = try visibleFilesReadWhole(lake)
            movedSeen.append(try await checkExactlyOnce(data: data, lake: lake, expected: expected))
        }
        let last = try await onThread { try runWriter(data: data, lake: lake, killAfter: nil) }
        #expect(last.last == "done", "\(last)")
        let files = try await checkExactlyOnce(data: data, lake: lake, expected: expected)
        // Everything but the last `hotMinutes` minutes (and the minute the cutoff falls in) moved.
        #expect(files >= Self.minutes - Int(Self.hotMinutes) - 1, "\(files) partitions moved")
        #expect(killedMidRun >= Self.kills / 3, "only \(killedMidRun) kills landed during a run")
        #expect(movedSeen.contains { $0 > 0 && $0 < files }, "no kill landed between the first and the last move")
        // Kills landed mid-copy: their copies were undone (and the partitions moved later).
        let journal = try String(contentsOfFile: lake + "/table=trades/_cold_journal.tsv", encoding: .utf8)
        let states = journal.split(separator: "\n").compactMap { $0.split(separator: "\t").dropFirst(2).first }
        #expect(states.contains("abandoned"), "no move was interrupted mid-copy")
        #expect(states.count { $0 == "moved" } == files)
    }
}

/// Reads while the janitor moves: every read, taken at any moment of any move (copy, verify,
/// drop), answers each row exactly once — the sequence lock around the drops at work.
@Suite(.serialized) struct ColdTierConcurrentReadTests {
    @Test func readsDuringMovesAnswerEachRowOnce() async throws {
        let directory = makeTemporaryDirectory("strata-cold-reads")
        defer { removeTree(directory) }
        let lake = directory + "/lake"
        let trades = ColdTierCrashTests.trades().filter {
            $0.timestamp.nanoseconds < ColdTierCrashTests.start + 90 * ColdTierCrashTests.minute
        }
        let expected = Dictionary(grouping: trades, by: \.symbol.name).mapValues { $0.map(\.tradeID) }
        let store = try StrataStore.open(
            directory: directory + "/data", configuration: ColdTierCrashTests.configuration(lake: lake))
        defer { try? store.close() }
        try store.trades.appendNow(trades)
        store.compact(now: WallClock.now())
        let finished = Finished()
        // The flag is set on the janitor's own thread: set from a task, it would wait for a
        // cooperative thread, and the reads below keep one busy (the suite hung so under load).
        let janitor = Task {
            await onThread {
                let reports = store.moveToCold(now: WallClock.now())
                finished.flag.withLock { $0 = true }
                return reports
            }
        }
        var reads = 0
        var during = true
        let deadline = ContinuousClock.now + .seconds(600)
        while during {
            during = !finished.flag.withLock { $0 }
            guard ContinuousClock.now < deadline else {
                Issue.record("the janitor did not finish within 10 minutes")
                break
            }
            await Task.yield()
            for symbol in ColdTierCrashTests.symbols {
                let rows = try await store.trades.range(symbol: Symbol(unchecked: symbol), from: .min, to: .max)
                #expect(rows.map(\.tradeID) == expected[symbol], "read \(reads): \(rows.count) rows of \(symbol)")
                let newest = try await store.trades.latest(symbol: Symbol(unchecked: symbol), limit: 3_000)
                #expect(newest.map(\.tradeID) == Array((expected[symbol] ?? []).suffix(3_000).reversed()))
                reads += 1
            }
        }
        let reports = await janitor.value
        #expect(reports.first?.errors.isEmpty == true, "\(reports)")
        #expect((reports.first?.moved.count ?? 0) > 60)
        #expect(reads > 3)
    }

    final class Finished: Sendable {
        let flag = Mutex(false)
    }
}

/// A moved file that goes missing: reads that need it fail with `.corruptFile` naming it, and
/// the store's incidents (health) show it; reads that do not need it still answer.
@Suite struct ColdTierDamageTests {
    @Test func aMissingColdFileIsAnIncidentNotASilentGap() async throws {
        let directory = makeTemporaryDirectory("strata-cold-damage")
        defer { removeTree(directory) }
        let lake = directory + "/lake"
        let trades = ColdTierCrashTests.trades().filter {
            $0.timestamp.nanoseconds < ColdTierCrashTests.start + 30 * ColdTierCrashTests.minute
        }
        let store = try StrataStore.open(
            directory: directory + "/data", configuration: ColdTierCrashTests.configuration(lake: lake))
        defer { try? store.close() }
        try store.trades.appendNow(trades)
        store.compact(now: WallClock.now())
        #expect(store.moveToCold(now: WallClock.now()).first?.moved.count == 9)
        let manifest = try LakeReader(root: lake).manifest(table: "trades")
        let first = try #require(manifest.entries.first)
        let path = lake + "/table=trades/" + first.path
        #expect(unlink(path) == 0)
        do {
            _ = try await store.trades.range(symbol: "AAPL", from: .min, to: .max)
            Issue.record("a read over a missing cold file answered")
        } catch let error as StrataError {
            #expect(error.code == .corruptFile && error.path == path, "\(error)")
        }
        #expect(store.openIncidents.contains { $0.kind == .readCorruption && $0.path == path })
        let start = Timestamp(nanoseconds: ColdTierCrashTests.start + 5 * ColdTierCrashTests.minute)
        let later = try await store.trades.range(symbol: "AAPL", from: start, to: .max)
        #expect(later.count == 25 * ColdTierCrashTests.perMinute)
    }
}
