import ArgumentParser
import Strata
import StrataWorkload

#if canImport(Glibc)
    import Glibc
#endif

/// `strata demo`: Strata's main job end to end on the embedded default — generate a sample day
/// of trades, ingest it, seal it, and answer the queries trading code asks.
struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Ingest a sample day of synthetic trades, seal it, and answer queries.",
        discussion: """
            Uses the standard synthetic workload (Zipf-popular symbols SYM000…, one UTC day) and a data
            directory that is recreated on each run (default ./strata-demo). Query it afterwards with
            `strata query … --data ./strata-demo`.
            """)

    @Option(help: "How many trades to generate.")
    var rows: Int = 1_000_000

    @Option(name: .customLong("data"), help: "The demo's data directory (recreated).")
    var data: String = "./strata-demo"

    func validate() throws {
        if rows < 1 { throw ArgumentParser.ValidationError("--rows must be at least 1") }
    }

    func run() async throws {
        try prepareDirectory()
        let workload = SyntheticTrades(configuration: .init(rows: rows))
        say("Strata demo: \(rows) synthetic trades on \(workload.configuration.day.iso8601.prefix(10)) into \(data)")

        let store = try StrataStore.open(
            directory: data, configuration: .init(durability: .groupCommit(milliseconds: 10), maintenanceInterval: nil))
        defer { try? store.close() }

        var clock = Stopwatch()
        var stored = 0
        for batch in workload.batches(of: 10_000) {
            stored += try await store.trades.append(batch).stored
        }
        try store.flush()
        let ingest = clock.lap()
        say("ingested \(stored) trades in \(ingest.formatted) (\(rate(stored, ingest)) rows/s, group commit 10 ms)")

        let compaction = store.compact()
        let seal = clock.lap()
        let stats = store.trades.stats()
        say(
            "sealed \(compaction.tables[0].sealed.count) partition in \(seal.formatted): \(stats.bytesOnDisk) bytes on disk, \(bytesPerRow(stats)) bytes/trade"
        )

        let top = SyntheticTrades.symbol(rank: 0)
        say("\nlatest 5 trades of \(top):")
        let latest: [Trade] = try await store.trades.latest(symbol: top, limit: 5)
        try render(latest)

        let noon = workload.configuration.day.advanced(by: 12 * 3_600 * Timestamp.nanosecondsPerSecond)
        let minute: [Trade] = try await store.trades.range(
            symbol: top, from: noon, to: noon.advanced(by: 60 * Timestamp.nanosecondsPerSecond))
        clock.reset()
        let hour: [Trade] = try await store.trades.range(
            symbol: top, from: noon, to: noon.advanced(by: 3_600 * Timestamp.nanosecondsPerSecond))
        let hourTime = clock.lap()
        say(
            "\n\(top) trades in [12:00, 12:01): \(minute.count); in the hour from 12:00: \(hour.count), read in \(hourTime.formatted)"
        )
        try render(Array(minute.prefix(3)))

        if let last = try await store.trades.lastTimestamp(symbol: SyntheticTrades.symbol(rank: 99)) {
            say("\nlast trade of \(SyntheticTrades.symbol(rank: 99)) (for gap recovery): \(last)")
        }

        clock.reset()
        let summary = try store.trades.summarize(column: "qty").sorted { $0.rows > $1.rows }
        let scan = clock.lap()
        say("\nfull scan, count and exact volume per symbol (\(scan.formatted)), top 5:")
        let volumes = summary.prefix(5).map { entry in
            [
                Cell.text(entry.symbol.name), Cell.text(String(entry.rows)),
                Cell.text(Self.decimal(entry.sum, scale: Quantity.scale)),
            ]
        }
        Renderer(format: .table).render(columns: ["symbol", "trades", "volume"], rows: volumes)
        say("\nnext: strata query latest --symbol \(top) --limit 10 --data \(data)")
    }

    /// Removes a previous demo directory (only one this command made), then creates it afresh.
    private func prepareDirectory() throws {
        let marker = data + "/.strata-demo"
        if access(data, F_OK) == 0 {
            guard access(marker, F_OK) == 0 else {
                throw CLIError("\(data) exists and was not made by `strata demo`; choose another --data")
            }
            try removeTree(data)
        }
        guard mkdir(data, 0o755) == 0 else {
            throw CLIError("cannot create \(data): \(String(cString: strerror(errno)))")
        }
        let fd = open(marker, O_WRONLY | O_CREAT, 0o644)
        if fd >= 0 { close(fd) }
    }

    private func removeTree(_ path: String) throws {
        let entries: [String]
        do { entries = try directoryNames(path).map { path + "/" + $0 } } catch {
            throw CLIError("cannot read \(path): \(String(cString: strerror(error.errno)))")
        }
        for entry in entries {
            var info = stat()
            if lstat(entry, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR {
                try removeTree(entry)
            } else if unlink(entry) != 0 {
                throw CLIError("cannot remove \(entry): \(String(cString: strerror(errno)))")
            }
        }
        if rmdir(path) != 0 { throw CLIError("cannot remove \(path): \(String(cString: strerror(errno)))") }
    }

    private func render(_ trades: [Trade]) throws {
        guard let symbol = trades.first?.symbol else { return say("(no rows)") }
        TableOutput(schema: Trade.schema).render(
            RowSet(columns: Trade.encode(trades).columns), symbol: symbol, format: .table)
    }

    private func say(_ line: String) { Terminal.writeOutput(line + "\n") }

    private func rate(_ rows: Int, _ elapsed: Stopwatch.Elapsed) -> String {
        elapsed.seconds > 0 ? String(Int(Double(rows) / elapsed.seconds)) : "∞"
    }

    private func bytesPerRow(_ stats: TableStats) -> String {
        guard stats.rows > 0 else { return "0" }
        let hundredths = stats.bytesOnDisk * 100 / Int64(stats.rows)
        return "\(hundredths / 100).\(hundredths % 100 < 10 ? "0" : "")\(hundredths % 100)"
    }

    /// An exact decimal from an Int128 mantissa (volumes can exceed Int64).
    static func decimal(_ mantissa: Int128, scale: Int) -> String {
        let unit = Int128(tenPowers[scale])
        let integer = mantissa / unit
        var fraction = String((mantissa % unit).magnitude)
        fraction = String(repeating: "0", count: scale - fraction.count) + fraction
        while fraction.hasSuffix("0") { fraction.removeLast() }
        return fraction.isEmpty ? String(integer) : "\(integer).\(fraction)"
    }
}

/// Wall-clock intervals for the demo's report.
struct Stopwatch {
    struct Elapsed {
        var nanoseconds: UInt64
        var seconds: Double { Double(nanoseconds) / 1e9 }
        var formatted: String {
            nanoseconds >= 1_000_000_000
                ? "\(nanoseconds / 1_000_000_000).\(String(format3(nanoseconds / 1_000_000 % 1000))) s"
                : "\(nanoseconds / 1_000_000).\(String(format3(nanoseconds / 1_000 % 1000))) ms"
        }
        private func format3(_ value: UInt64) -> String {
            let digits = String(value)
            return String(repeating: "0", count: max(0, 3 - digits.count)) + digits
        }
    }

    private var start = Stopwatch.now()

    static func now() -> UInt64 {
        var spec = timespec()
        clock_gettime(CLOCK_MONOTONIC, &spec)
        return UInt64(spec.tv_sec) * 1_000_000_000 + UInt64(spec.tv_nsec)
    }

    mutating func reset() { start = Stopwatch.now() }

    /// The time since the last lap (or reset), and starts a new lap.
    mutating func lap() -> Elapsed {
        let now = Stopwatch.now()
        defer { start = now }
        return Elapsed(nanoseconds: now - start)
    }
}
