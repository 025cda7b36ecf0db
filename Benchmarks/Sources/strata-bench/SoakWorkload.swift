import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// SOAK, the reliability load test: `strata serve` takes ILP over `--soak-connections` TCP
/// connections at full speed while a client asks latest-100 over HTTP at `--soak-query-rate`,
/// for `--soak-seconds`; the server's resident memory is sampled every 5 s. The senders run at
/// nice +10 (as the server's ingest threads do), since they share the machine with the server.
///
/// The rows' timestamps follow one virtual clock shared by every connection, running a day per
/// 30 s of wall time — so the open partition fills, seals in the background and its memory is
/// given back, as on a real feed over days (and, as on a real feed, the connections write the
/// same moments: no connection's rows fall days behind into sealed partitions): what must stay flat is the memory *beyond* the open
/// partitions' data. Checked: latest-100 p99 ≤ 5 ms over the run and per minute; the peak
/// anonymous resident memory (the process's own: mapped sealed files are page cache the kernel
/// reclaims) of the last third of the run within 25 % of the second third's (no growth after
/// warm-up); every row sent is stored (the server's count equals the lines sent, after
/// the senders stop).
struct SoakWorkload {
    let report: Report
    let directory: String

    static let p99Target: Int64 = 5_000_000
    /// Lines per send, patched in place each round (ids and timestamps) so sending costs little.
    static let linesPerChunk = 4_096
    static let symbols = 64
    /// Virtual time runs this many times faster than the wall clock: a day of data every 30 s.
    static let speed: Int64 = 2_880

    func run(options: Options) throws {
        let connections = options.soakConnections
        report.section(
            "Soak: strata serve, \(connections) ILP/TCP connections at full speed, latest-100 over HTTP at \(fixed(options.soakQueryRate, 0))/s, \(fixed(options.soakSeconds, 0)) s; RSS every 5 s"
        )
        let binary = absolutePath(options.strataBinary)
        guard FileManager.default.isExecutableFile(atPath: binary) else {
            report.skip("soak: latest-100 p99", target: "≤ 5 ms", reason: "no strata binary at \(binary)")
            return
        }
        try makeEmptyDirectory(directory)
        Sockets.ignoreBrokenPipes()
        let server = try ServerProcess(
            binary: binary, dataDirectory: directory + "/data", tcp: true, logPath: directory + "/server.log")
        defer { server.stop() }
        report.line("$ \(server.commandLine)")
        try server.waitUntilReady()
        guard let tcpPort = server.tcpPort else { throw BenchError("no ILP/TCP port") }
        let pid = server.process.processIdentifier
        report.line("load average: \(loadAverage())")
        let symbolRows = try symbolCost(server: server, pid: pid)

        let start = monotonicNanoseconds()
        let stop = Atomic<Bool>(false)
        let sent = Atomic<Int>(0)
        let done = DispatchGroup()
        var failures: [String] = []
        let failureLock = Mutex<[String]>([])
        for connection in 0..<connections {
            let fd = try Sockets.connect(port: tcpPort)
            done.enter()
            let thread = Thread {
                defer {
                    shutdown(fd, Int32(SHUT_WR))
                    done.leave()
                }
                // The load generator shares the machine's cores with the server: at nice +10,
                // like the server's own ingest threads, it does not starve the query path it
                // measures (on Linux the nice value is per thread; `who` 0 is this thread).
                _ = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, 10)
                var chunk = SoakChunk(connection: connection, connections: connections)
                while !stop.load(ordering: .relaxed) {
                    let elapsed = monotonicNanoseconds() - start
                    chunk.advance(time: SoakChunk.base + elapsed * Self.speed)
                    do {
                        try chunk.bytes.withUnsafeBytes { try Sockets.sendAll(fd, $0) }
                    } catch {
                        failureLock.withLock { $0.append("connection \(connection): \(error)") }
                        return
                    }
                    sent.wrappingAdd(Self.linesPerChunk, ordering: .relaxed)
                }
            }
            thread.name = "soak-sender-\(connection)"
            thread.start()
        }

        let busy = "/api/v1/trades/latest?symbol=S0&limit=100"
        let memory = RSSSampler(pid: pid)
        memory.start()
        let deadline = start + Int64(options.soakSeconds * 1e9)
        var all: [Int64] = []
        var minutes: [(p99: Int64, count: Int, errors: Int, stored: Int, rss: Int64)] = []
        let counter = HTTPConnection(port: server.httpPort)
        var previousStored = symbolRows
        while monotonicNanoseconds() < deadline {
            let probe = LatencyProbe(port: server.httpPort, target: busy, rate: options.soakQueryRate)
            probe.start()
            let window = min(Int64(60e9), deadline - monotonicNanoseconds())
            sleepNanoseconds(window)
            let result = probe.stop()
            all += result.nanoseconds
            let stored = (try? counter.get("/api/v1/stats")).flatMap(ServerProbes.tradesRows) ?? previousStored
            let rss = memory.latest
            minutes.append((result.samples.p99, result.nanoseconds.count, result.errors, stored - previousStored, rss))
            report.line(
                "minute \(minutes.count): latest-100 p99 \(formatDuration(result.samples.p99)) (the server's own time: p99 \(formatDuration(Samples(nanoseconds: result.serverNanoseconds).p99))) over \(formatCount(result.nanoseconds.count)) requests (\(result.errors) errors, \(result.late) late), stored \(formatRate(Double(stored - previousStored) / (Double(window) / 1e9))), RSS \(formatBytes(rss)), load \(loadAverage())"
            )
            if let error = result.firstError { report.line("  first error: \(error)") }
            previousStored = stored
        }
        stop.store(true, ordering: .relaxed)
        done.wait()
        failures = failureLock.withLock { $0 }
        let elapsed = monotonicNanoseconds() - start
        let samples = memory.stop()
        let totalSent = sent.load(ordering: .relaxed) + symbolRows

        // Every line sent must be stored: wait for the server's count to reach it.
        var stored = 0
        let waitUntil = monotonicNanoseconds() + 300_000_000_000
        while monotonicNanoseconds() < waitUntil {
            stored = (try? counter.get("/api/v1/stats")).flatMap(ServerProbes.tradesRows) ?? stored
            if stored >= totalSent { break }
            sleepNanoseconds(200_000_000)
        }
        report.line(
            "sent \(formatCount(totalSent)) lines in \(formatDuration(elapsed)) (\(formatRate(Double(totalSent) / (Double(elapsed) / 1e9)))); the server stored \(formatCount(stored))"
        )
        for failure in failures { report.fail("soak sender: \(failure)") }
        if stored != totalSent { report.fail("soak: the server stored \(stored) rows of \(totalSent) sent") }
        report.add("soak: rows sent = rows stored", stored == totalSent ? "yes (\(formatCount(stored)))" : "NO")

        let overall = Samples(nanoseconds: all)
        report.add(
            "soak: latest-100 p99 over the run", formatDuration(overall.p99), target: "≤ 5 ms",
            pass: overall.p99 <= Self.p99Target)
        let worst = minutes.map(\.p99).max() ?? 0
        report.add("soak: latest-100 p99, worst minute", formatDuration(worst))
        // RSS: warm-up is the first third; flat means the last third's peak within 25 % of the second's.
        let third = max(1, samples.count / 3)
        let middle = samples.dropFirst(third).prefix(third).map(\.anonymous).max() ?? 0
        let last = samples.suffix(third).map(\.anonymous).max() ?? 0
        let ratio = middle > 0 ? Double(last) / Double(middle) : 0
        report.line("RSS every 5 s (MiB): " + samples.map { String($0.rss >> 20) }.joined(separator: " "))
        report.line(
            "of which anonymous (MiB; the rest is mapped files, reclaimable): "
                + samples.map { String($0.anonymous >> 20) }.joined(separator: " "))
        report.add(
            "soak: peak anonymous RSS, last third ÷ second third",
            fixed(ratio, 3) + "× (\(formatBytes(last)) ÷ \(formatBytes(middle)))",
            target: "≤ 1.25×", pass: ratio <= 1.25)
        let status = server.stop()
        if status != 0 { report.fail("strata serve exited with status \(status) after SIGTERM") }
        server.reportLogTail(to: report)
        removeTree(directory + "/data")
    }
}

extension SoakWorkload {
    /// The resident memory one new symbol costs the server: 10,000 one-row symbols over HTTP
    /// (two requests, within `ilp.maxNewSymbolsPerRequest`), RSS before and after.
    /// - Returns: the rows it stored.
    func symbolCost(server: ServerProcess, pid: Int32) throws -> Int {
        let count = 10_000
        let connection = HTTPConnection(port: server.httpPort)
        _ = try connection.get("/api/v1/stats")
        sleepNanoseconds(500_000_000)
        let before = RSSSampler.residentBytes(pid: pid) ?? 0
        for half in 0..<2 {
            var text = ""
            for index in (half * count / 2)..<((half + 1) * count / 2) {
                text +=
                    "trades,symbol=NEW\(index) price=1.5,qty=2,trade_id=\(index)i,side=\"buy\" \(SoakChunk.base + Int64(index))\n"
            }
            let body = Array(text.utf8)
            let response = try body.withUnsafeBytes {
                try connection.request("POST", "/write", body: $0, contentType: "text/plain; charset=utf-8")
            }
            guard response.status == 204 else {
                throw BenchError("POST /write of new symbols answered \(response.status): \(response.text.prefix(300))")
            }
        }
        sleepNanoseconds(500_000_000)
        let after = RSSSampler.residentBytes(pid: pid) ?? 0
        let perSymbol = Double(after - before) / Double(count)
        report.line(
            "\(formatCount(count)) new one-row symbols: RSS \(formatBytes(before)) → \(formatBytes(after)), \(fixed(perSymbol / 1024, 1)) KiB per symbol (trades and its five bar tables)"
        )
        report.add("soak: server memory per new symbol", "\(fixed(perSymbol / 1024, 1)) KiB", target: "was ~200 KiB")
        return count
    }
}

/// One connection's ILP text: a chunk of lines with fixed-width trade ids and timestamps that
/// ``advance()`` rewrites in place for the next round.
struct SoakChunk {
    private(set) var bytes: [UInt8] = []
    /// Where each line's 19-digit id and 19-digit timestamp start.
    private var idOffsets: [Int] = []
    private var timeOffsets: [Int] = []
    private var round = 0
    let connection: Int
    let connections: Int
    static let base: Int64 = 1_704_067_200_000_000_000  // 2024-01-01

    init(connection: Int, connections: Int) {
        self.connection = connection
        self.connections = connections
        for line in 0..<SoakWorkload.linesPerChunk {
            // Each symbol comes from one connection, as a feed handler's symbols do, so a symbol's
            // rows arrive in time order (interleaving one symbol over eight streams is the
            // late-row merge path, measured apart: see BENCHMARKS.md).
            let owned = max(1, SoakWorkload.symbols / connections)
            let symbol = (connection * owned + (line * 7) % owned) % SoakWorkload.symbols
            let price = 10_000 + (line * 13) % 5_000
            let prefix = "trades,symbol=S\(symbol) price=\(price).25,qty=0.\(line % 9 + 1),trade_id="
            bytes += Array(prefix.utf8)
            idOffsets.append(bytes.count)
            bytes += Array(String(repeating: "0", count: 19).utf8)
            bytes += Array("i,side=\"\(line % 2 == 0 ? "buy" : "sell")\" ".utf8)
            timeOffsets.append(bytes.count)
            bytes += Array(String(repeating: "0", count: 19).utf8)
            bytes.append(0x0A)
        }
    }

    /// Writes the next round's ids (unique across connections) and timestamps: `time` (the
    /// virtual clock now) plus a microsecond per line.
    mutating func advance(time: Int64) {
        let first = round * SoakWorkload.linesPerChunk
        round += 1
        for line in 0..<SoakWorkload.linesPerChunk {
            let id = Int64(first + line) * Int64(connections) + Int64(connection)
            write(id, at: idOffsets[line])
            write(time + Int64(line) * 1_000 + Int64(connection), at: timeOffsets[line])
        }
    }

    private mutating func write(_ value: Int64, at offset: Int) {
        var value = value
        for index in stride(from: offset + 18, through: offset, by: -1) {
            bytes[index] = UInt8(truncatingIfNeeded: value % 10) + 0x30
            value /= 10
        }
    }
}

/// Samples a process's resident memory (`VmRSS` of `/proc/<pid>/status`) every 5 s.
final class RSSSampler: Sendable {
    struct Sample: Sendable {
        var seconds: Double
        var rss: Int64
        /// The anonymous part (heap, lanes): what the process holds. The rest is file-backed:
        /// mapped sealed files and WAL pages, cache the kernel reclaims under pressure.
        var anonymous: Int64
    }

    let pid: Int32
    private let samples = Mutex<[Sample]>([])
    private let stopFlag = Atomic<Bool>(false)
    private let finished = DispatchSemaphore(value: 0)

    init(pid: Int32) { self.pid = pid }

    var latest: Int64 { samples.withLock { $0.last?.rss ?? 0 } }

    func start() {
        let thread = Thread { [self] in
            let start = monotonicNanoseconds()
            while !stopFlag.load(ordering: .relaxed) {
                if let rss = Self.residentBytes(pid: pid) {
                    let sample = Sample(
                        seconds: Double(monotonicNanoseconds() - start) / 1e9, rss: rss,
                        anonymous: Self.residentBytes(pid: pid, field: "RssAnon:") ?? rss)
                    samples.withLock { $0.append(sample) }
                }
                for _ in 0..<50 where !stopFlag.load(ordering: .relaxed) { sleepNanoseconds(100_000_000) }
            }
            finished.signal()
        }
        thread.name = "rss-sampler"
        thread.start()
    }

    func stop() -> [Sample] {
        stopFlag.store(true, ordering: .relaxed)
        finished.wait()
        return samples.withLock { $0 }
    }

    static func residentBytes(pid: Int32, field: String = "VmRSS:") -> Int64? {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
            let line = text.split(separator: "\n").first(where: { $0.hasPrefix(field) })
        else { return nil }
        let kilobytes = line.split(separator: " ").compactMap { Int64($0) }.first
        return kilobytes.map { $0 * 1024 }
    }
}
