import Strata
import StrataCore
import StrataLake
import StrataTestSupport
import StrataWorkload
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// `strata export parquet|csv` and `strata lake verify`: the files, the manifest, the checks
/// that catch damage, and a SIGKILL in the middle of an export.
@Suite struct LakeCommandTests {
    static let day = Timestamp.nanosecondsPerDay

    /// A store of `rows` synthetic trades per day over `days` days from 2026-01-05, 20 symbols.
    static func makeStore(_ directory: String, days: Int, rows: Int) throws {
        let store = try StrataStore.open(directory: directory + "/data")
        defer { try? store.close() }
        let table = try #require(store.table(Trade.self))
        for dayIndex in 0..<days {
            let trades = SyntheticTrades(configuration: .init(rows: rows, symbols: 20, seed: UInt64(dayIndex + 1)))
            for var batch in trades.batches(of: 50_000) {
                for index in batch.indices {
                    batch[index].timestamp = batch[index].timestamp.advanced(by: Int64(dayIndex) * day)
                }
                try table.appendNow(batch)
            }
        }
    }

    @Test func exportThenVerifyThenDamageIsFound() throws {
        let directory = makeTemporaryDirectory("strata-export")
        defer { removeTree(directory) }
        try Self.makeStore(directory, days: 3, rows: 5_000)
        let export = try runStrata(
            [
                "export", "parquet", "--table", "trades", "--from", "2026-01-01", "--to", "2026-02-01", "--data",
                "data",
                "--out", "lake",
            ], in: directory)
        #expect(export.status == 0, "\(export.stderr)")
        #expect(export.stdout.contains("exported 15000 rows of trades in 3 files"))
        let manifest = try LakeReader(root: directory + "/lake").manifest(table: "trades")
        #expect(
            manifest.entries.map(\.path) == [
                "date=2026-01-05/part-0.parquet", "date=2026-01-06/part-0.parquet", "date=2026-01-07/part-0.parquet",
            ])
        #expect(manifest.entries.allSatisfy { $0.rows == 5_000 && $0.symbols.count == 20 })

        // A symbol and a range of CSV: one day, one symbol, the CSV layout's header.
        let symbol = SyntheticTrades.symbol(rank: 0).name
        let csv = try runStrata(
            [
                "export", "csv", "--table", "trades", "--from", "2026-01-06", "--to", "2026-01-07", "--symbol", symbol,
                "--data", "data", "--out", "csvlake",
            ], in: directory)
        #expect(csv.status == 0, "\(csv.stderr)")
        let csvText = try #require(readFile(directory + "/csvlake/table=trades/date=2026-01-06/part-0.csv"))
        #expect(csvText.hasPrefix("ts_ns,symbol,trade_id,price,qty,is_buyer_maker\n"))
        #expect(csvText.split(separator: "\n").dropFirst().allSatisfy { $0.split(separator: ",")[1] == symbol })

        let clean = try runStrata(["lake", "verify", "lake"], in: directory)
        #expect(clean.status == 0, "\(clean.stdout)\(clean.stderr)")
        #expect(
            clean.stdout.hasSuffix("3 files, 15000 rows, \(manifest.entries.reduce(0) { $0 + $1.bytes }) bytes: ok\n"))
        let csvClean = try runStrata(["lake", "verify", "csvlake"], in: directory)
        #expect(csvClean.status == 0, "\(csvClean.stdout)\(csvClean.stderr)")

        let table = directory + "/lake/table=trades/"
        // A flipped byte, a truncated file, a missing file: each found, named.
        let first = table + manifest.entries[0].path
        var bytes = try #require(readBytes(first))
        bytes[bytes.count / 2] ^= 0x40
        writeBytes(first, bytes)
        #expect(truncate(table + manifest.entries[1].path, off_t(manifest.entries[1].bytes - 100)) == 0)
        #expect(unlink(table + manifest.entries[2].path) == 0)
        let damaged = try runStrata(["lake", "verify", "lake"], in: directory)
        #expect(damaged.status == 1)
        #expect(damaged.stdout.contains("table=trades/\(manifest.entries[0].path): checksum:"))
        #expect(damaged.stdout.contains("table=trades/\(manifest.entries[1].path): size:"))
        #expect(damaged.stdout.contains("table=trades/\(manifest.entries[2].path): missing:"))
        #expect(damaged.stdout.hasSuffix("3 problems\n"))
    }

    @Test func unknownTableAndBadRangeAreOneLineErrors() throws {
        let directory = makeTemporaryDirectory("strata-export")
        defer { removeTree(directory) }
        try Self.makeStore(directory, days: 1, rows: 10)
        let unknown = try runStrata(
            [
                "export", "parquet", "--table", "nope", "--from", "2026-01-01", "--to", "2026-02-01", "--data", "data",
                "--out", "lake",
            ], in: directory)
        #expect(unknown.status != 0)
        #expect(unknown.stderr.contains("--table: no table 'nope'"))
        let backwards = try runStrata(
            ["export", "parquet", "--from", "2026-02-01", "--to", "2026-01-01", "--data", "data", "--out", "lake"],
            in: directory)
        #expect(backwards.status != 0)
        #expect(backwards.stderr.contains("--to: must not be before --from"))
    }

    /// SIGKILL while an export writes: every visible `.parquet` file is whole and listed (or, if
    /// the kill fell between its rename and the manifest's, whole and adopted when the table is
    /// opened again); the manifest always matches its files; nothing partial is visible.
    @Test func sigkillDuringExportLeavesNoPartialFile() throws {
        let directory = makeTemporaryDirectory("strata-export-kill")
        defer { removeTree(directory) }
        try Self.makeStore(directory, days: 6, rows: 40_000)
        let executable = try #require(strataExecutable)
        for round in 0..<3 {
            let lake = directory + "/lake-\(round)"
            let pid = try spawn(
                executable,
                [
                    "export", "parquet", "--from", "2026-01-01", "--to", "2026-02-01", "--data", directory + "/data",
                    "--out", lake,
                ])
            // Kill once the first file (round 0), or a few milliseconds in (later rounds).
            let deadline = Double(round) * 0.05
            var waited = 0.0
            while waited < 60 {
                if round == 0, (try? LakeReader(root: lake).manifest(table: "trades").entries.count) ?? 0 >= 1 { break }
                if round > 0, waited >= deadline { break }
                usleep(2_000)
                waited += 0.002
            }
            kill(pid, SIGKILL)
            var status: Int32 = 0
            _ = waitpid(pid, &status, 0)

            let table = lake + "/table=trades"
            let manifest = try LakeReader(root: lake).manifest(table: "trades")
            let listed = Set(manifest.entries.map(\.path))
            let layout = LakeTableLayout(schema: .trades)
            // Every visible .parquet file is whole: it reads to the end.
            for date in listDirectory(table) where date.hasPrefix("date=") {
                for name in listDirectory(table + "/" + date) where name.hasSuffix(".parquet") {
                    let batches = try LakeReader.readFile(table + "/" + date + "/" + name, layout: layout)
                    #expect(batches.reduce(0) { $0 + $1.count } > 0)
                    if !listed.contains(date + "/" + name) { #expect(!name.hasPrefix(".")) }
                }
            }
            // The manifest's entries match their files; opening the table adopts a published file
            // the manifest missed and removes temporary ones; then verify is clean.
            _ = try LakeTableWriter(root: lake, schema: .trades)
            let report = LakeVerifier(root: lake, schemas: [.trades]).verify()
            #expect(report.isClean, "round \(round): \(report.problems)")
            if round == 0 { #expect(report.files >= 1) }
            // An export resumed after the kill completes and verifies.
            let resumed = try runStrata(
                ["export", "parquet", "--from", "2026-01-01", "--to", "2026-02-01", "--data", "data", "--out", lake],
                in: directory)
            #expect(resumed.status == 0, "\(resumed.stderr)")
            let final = LakeVerifier(root: lake, schemas: [.trades]).verify()
            #expect(final.isClean, "\(final.problems)")
            // No row lost, none written twice.
            #expect(final.rows == 6 * 40_000)
            #expect(final.files == 6)
        }
    }
}

/// Starts `executable` with `arguments` (output discarded); its pid.
private func spawn(_ executable: String, _ arguments: [String]) throws -> pid_t {
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0)
    posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0)
    posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, "/dev/null", O_WRONLY, 0)
    let argv = ([executable] + arguments).map { strdup($0) } + [nil]
    defer { argv.forEach { free($0) } }
    var pid: pid_t = 0
    let spawned = posix_spawn(&pid, executable, &actions, nil, argv, environ)
    try #require(spawned == 0, "posix_spawn failed: \(spawned)")
    return pid
}

private func listDirectory(_ path: String) -> [String] {
    (try? directoryNames(path)) ?? []
}

private func readBytes(_ path: String) -> [UInt8]? {
    guard let text = fopen(path, "rb") else { return nil }
    defer { fclose(text) }
    var bytes: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 1 << 16)
    while true {
        let count = fread(&buffer, 1, buffer.count, text)
        if count <= 0 { break }
        bytes += buffer[0..<count]
    }
    return bytes
}

private func writeBytes(_ path: String, _ bytes: [UInt8]) {
    guard let file = fopen(path, "wb") else { return }
    _ = bytes.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, file) }
    fclose(file)
}

/// `strata lake move`: the janitor by hand — what it moves, that the store answers every row
/// afterwards through its cold tier (and only the hot rows without it), that `lake verify`
/// passes, that a second run moves nothing, and the errors for a bad option.
@Suite struct LakeMoveCommandTests {
    @Test func moveThenEveryRowIsStillAnswered() async throws {
        let directory = makeTemporaryDirectory("strata-lake-move")
        defer { removeTree(directory) }
        try LakeCommandTests.makeStore(directory, days: 3, rows: 2_000)
        let move = try runStrata(
            ["lake", "move", "--data", "data", "--lake", "lake", "--hot", "trades=1d"], in: directory)
        #expect(move.status == 0, "\(move.stderr)")
        #expect(move.stdout.contains("trades: moved 1 partitions to the cold tier (2000 rows"), "\(move.stdout)")
        let lake = directory + "/lake"
        let cold = try StrataStore.open(
            directory: directory + "/data",
            configuration: .init(maintenanceInterval: nil, cold: LakeColdTier(root: lake)))
        let symbols = cold.trades.symbols()
        var total = 0
        for symbol in symbols { total += try await cold.trades.range(symbol: symbol, from: .min, to: .max).count }
        #expect(symbols.count == 20 && total == 6_000)
        #expect(cold.trades.stats().rows == 4_000)
        try cold.close()
        let verify = try runStrata(["lake", "verify", "lake"], in: directory)
        #expect(verify.status == 0, "\(verify.stdout)")
        let again = try runStrata(
            ["lake", "move", "--data", "data", "--lake", "lake", "--hot", "trades=1d"], in: directory)
        #expect(again.stdout.contains("trades: moved 0 partitions"), "\(again.stdout)")
        let badAge = try runStrata(
            ["lake", "move", "--data", "data", "--lake", "lake", "--hot", "trades=1q"], in: directory)
        #expect(badAge.status != 0 && badAge.stderr.contains("--hot"), "\(badAge.stderr)")
        let noLake = try runStrata(["lake", "move", "--data", "data", "--hot", "trades=1d"], in: directory)
        #expect(noLake.status != 0 && noLake.stderr.contains("--lake"), "\(noLake.stderr)")
        let unknown = try runStrata(
            ["lake", "move", "--data", "data", "--lake", "lake", "--hot", "trades=1d", "--table", "quotes"],
            in: directory)
        #expect(unknown.status != 0 && unknown.stderr.contains("--table"), "\(unknown.stderr)")
    }
}
