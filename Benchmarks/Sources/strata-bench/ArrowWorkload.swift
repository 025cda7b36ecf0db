import Foundation
import Strata

#if canImport(Glibc)
    import Glibc
#endif

/// ARROW (issue 16): a full day of the top symbol (`--arrow-rows`, 1.93 M trades by default, the
/// 10 M workload's busiest symbol) read over HTTP from `strata serve` (`--strata-binary`), as an
/// Arrow IPC stream, as CSV and as JSON pages (the only way JSON can), with the server's resident
/// memory sampled every 2 ms during each answer; and the same range read in-process from SQLite
/// (GRDB) on the same rows, in the same run.
///
/// The figure with a target is the server's RSS growth while it streams the day as Arrow
/// (< 64 MiB: the answer is never built whole). Every answer is checked: the Arrow stream's record
/// batches hold every row and it ends with the end-of-stream marker; CSV has a line per row; the
/// JSON pages hold every trade id once.
struct ArrowWorkload {
    let report: Report
    let directory: String

    static let rssTargetMiB = 64.0
    static let day: Int64 = 86_400_000_000_000
    static let start: Int64 = 1_704_153_600_000_000_000  // 2024-01-02T00:00:00Z
    static let symbol: Symbol = "SYM000"

    func run(options: Options) async throws {
        let rows = options.arrowRows
        report.section(
            "ARROW: a full day of one symbol (\(formatCount(rows)) trades) over HTTP as Arrow, CSV and JSON pages; server RSS; SQLite in-process"
        )
        let binary = absolutePath(options.strataBinary)
        guard FileManager.default.isExecutableFile(atPath: binary) else {
            report.skip(
                "ARROW server RSS growth, full-day Arrow range", target: "< 64 MiB",
                reason: "no binary at \(options.strataBinary)")
            return
        }
        try makeEmptyDirectory(directory)
        let trades = Self.trades(rows)
        let storePath = directory + "/store"
        let store = try StrataStore.open(
            directory: storePath,
            configuration: .init(
                durability: .osBuffered, validation: ValidationRules(window: .fixed(earliest: .min, latest: .max)),
                aggregates: false, maintenanceInterval: nil))
        for offset in stride(from: 0, to: trades.count, by: 100_000) {
            try await store.trades.append(Array(trades[offset..<min(trades.count, offset + 100_000)]))
        }
        _ = store.compact(now: .max)
        try store.close()
        let idSum = trades.reduce(Int64(0)) { $0 &+ $1.tradeID }

        let server = try ServerProcess(
            binary: binary, dataDirectory: storePath, tcp: false, logPath: directory + "/server.log")
        defer { server.stop() }
        try server.waitUntilReady()
        report.line("server: \(server.commandLine)")
        let pid = server.process.processIdentifier
        let connection = HTTPConnection(port: server.httpPort)
        let range = "/api/v1/trades/range?symbol=\(Self.symbol.name)&from=\(Self.start)&to=\(Self.start + Self.day)"
        _ = try connection.get("/api/v1/trades/latest?symbol=\(Self.symbol.name)&limit=100&format=arrow")

        // Arrow: three runs; the figure is the median time and the largest RSS growth.
        var arrowTimes: [Int64] = []
        var arrowGrowth = 0
        var arrowBytes = 0
        for _ in 0..<3 {
            let (response, time, growth) = try Self.sampled(pid: pid) { try connection.get(range + "&format=arrow") }
            arrowTimes.append(time)
            arrowGrowth = max(arrowGrowth, growth)
            arrowBytes = response.body.count
            guard response.status == 200 else {
                report.fail("ARROW: status \(response.status): \(response.text.prefix(300))")
                return
            }
            let (streamRows, batches, ended) = Self.recordBatchRows(response.body)
            if streamRows != rows || !ended {
                report.fail(
                    "ARROW: the stream holds \(streamRows) rows in \(batches) batches (ended: \(ended)), \(rows) stored"
                )
            }
        }
        let csvRun = try Self.sampled(pid: pid) { try connection.get(range + "&format=csv") }
        let csvLines = csvRun.response.body.reduce(0) { $0 + ($1 == UInt8(ascii: "\n") ? 1 : 0) }
        if csvLines != rows + 1 { report.fail("ARROW: the CSV answer has \(csvLines) lines, \(rows + 1) expected") }
        // JSON: page after page (at most 100,000 rows each), as a client must.
        let jsonRun = try Self.sampled(pid: pid) { () throws -> (rows: Int, bytes: Int, sum: Int64) in
            var cursor: String?
            var count = 0
            var bytes = 0
            var sum: Int64 = 0
            repeat {
                let page = try connection.get(range + "&limit=100000" + (cursor.map { "&cursor=\($0)" } ?? ""))
                bytes += page.body.count
                guard page.status == 200,
                    let object = try JSONSerialization.jsonObject(with: Data(page.body)) as? [String: Any],
                    let pageRows = object["rows"] as? [[String: Any]]
                else { throw BenchError("JSON page: status \(page.status)") }
                count += pageRows.count
                for row in pageRows { sum &+= (row["trade_id"] as? NSNumber)?.int64Value ?? 0 }
                cursor = object["next_cursor"] as? String
            } while cursor != nil
            return (count, bytes, sum)
        }
        if jsonRun.response.rows != rows || jsonRun.response.sum != idSum {
            report.fail(
                "ARROW: the JSON pages hold \(jsonRun.response.rows) rows (id sum \(jsonRun.response.sum), \(idSum) expected)"
            )
        }
        server.reportLogTail(to: report)

        let arrowMedian = arrowTimes.sorted()[1]
        let mib = Double(arrowGrowth) / 1_048_576
        report.line(
            "Arrow: \(formatBytes(Int64(arrowBytes))) in \(formatDuration(arrowMedian)) (median of 3: \(arrowTimes.map(formatDuration).joined(separator: ", "))), \(formatCount(Int(Double(rows) / (Double(arrowMedian) / 1e9)))) rows/s; server RSS +\(fixed(mib, 1)) MiB at most"
        )
        report.line(
            "CSV: \(formatBytes(Int64(csvRun.response.body.count))) in \(formatDuration(csvRun.time)); server RSS +\(fixed(Double(csvRun.growth) / 1_048_576, 1)) MiB"
        )
        report.line(
            "JSON pages: \(formatBytes(Int64(jsonRun.response.bytes))) in \(formatDuration(jsonRun.time)) (parsed with JSONSerialization); server RSS +\(fixed(Double(jsonRun.growth) / 1_048_576, 1)) MiB"
        )
        report.add(
            "ARROW server RSS growth, full-day Arrow range", "\(fixed(mib, 1)) MiB (\(formatCount(rows)) rows)",
            target: "< 64 MiB", pass: mib < Self.rssTargetMiB)
        report.add(
            "ARROW full-day range over HTTP",
            "\(formatDuration(arrowMedian)) (JSON pages \(formatDuration(jsonRun.time)): \(fixed(Double(jsonRun.time) / Double(arrowMedian), 1))× faster)"
        )

        guard !options.skipSQLite else { return }
        let peer = try SQLitePeer(path: directory + "/sqlite.db")
        for offset in stride(from: 0, to: trades.count, by: 10_000) {
            try peer.insert(Array(trades[offset..<min(trades.count, offset + 10_000)]))
        }
        var sqliteRows = 0
        let sqlite = try measureSync(warmup: 1, runs: 3) {
            sqliteRows = try peer.range(
                symbol: Self.symbol, from: Timestamp(nanoseconds: Self.start),
                to: Timestamp(nanoseconds: Self.start + Self.day)
            ).count
        }
        try peer.close()
        if sqliteRows != rows { report.fail("ARROW: SQLite read \(sqliteRows) rows, \(rows) stored") }
        report.add(
            "ARROW full-day range: Arrow over HTTP vs SQLite in-process",
            "\(formatDuration(arrowMedian)) vs \(formatDuration(sqlite.median)) (\(fixed(Double(sqlite.median) / Double(arrowMedian), 2))×)"
        )
    }

    /// A day of `count` trades of ``symbol``, evenly spread, prices and sizes varied.
    static func trades(_ count: Int) -> [Trade] {
        var random = RecordsWorkloads.Random(state: 0xA880)
        let step = day / Int64(max(1, count))
        return (0..<count).map { index in
            Trade(
                symbol: symbol, timestamp: Timestamp(nanoseconds: start + Int64(index) * step),
                tradeID: Int64(index + 1),
                price: Price(mantissa: 4_200_000_000_000 + Int64(random.roll(10_000_000_000))),
                quantity: Quantity(mantissa: Int64(1 + random.roll(500_000_000))), isBuyerMaker: random.roll(2) == 0)
        }
    }

    /// Runs `body`, sampling the server's resident memory every 2 ms from another thread: what it
    /// returns, its time, and the most the RSS rose above where it was when `body` began.
    static func sampled<T>(pid: Int32, _ body: () throws -> T) throws -> (response: T, time: Int64, growth: Int) {
        let baseline = residentBytes(pid)
        let peak = PeakSampler(pid: pid)
        peak.start()
        let begin = monotonicNanoseconds()
        let result = try body()
        let time = monotonicNanoseconds() - begin
        let highest = max(peak.stop(), residentBytes(pid))
        return (result, time, max(0, highest - baseline))
    }

    /// `VmRSS` of `pid`, in bytes.
    static func residentBytes(_ pid: Int32) -> Int {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") })
        else { return 0 }
        return (Int(line.split(separator: " ").dropFirst().first ?? "") ?? 0) * 1024
    }

    /// Samples `VmRSS` every 2 ms on a thread of its own; ``stop()`` returns the highest seen.
    final class PeakSampler: @unchecked Sendable {
        let pid: Int32
        private let lock = NSLock()
        private var highest = 0
        private var running = true
        private var thread: Thread?

        init(pid: Int32) { self.pid = pid }

        func start() {
            let thread = Thread { [self] in
                while lock.withLock({ running }) {
                    let now = ArrowWorkload.residentBytes(pid)
                    lock.withLock { highest = max(highest, now) }
                    usleep(2_000)
                }
            }
            self.thread = thread
            thread.start()
        }

        func stop() -> Int {
            lock.withLock { running = false }
            usleep(5_000)
            return lock.withLock { highest }
        }
    }

    /// The rows of an Arrow IPC stream's record batches (each message's `RecordBatch.length`),
    /// how many batches, and whether it ends with the end-of-stream marker.
    static func recordBatchRows(_ bytes: [UInt8]) -> (rows: Int, batches: Int, ended: Bool) {
        func u32(_ at: Int) -> UInt32 {
            bytes.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: at, as: UInt32.self).littleEndian }
        }
        func i64(_ at: Int) -> Int64 {
            bytes.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: at, as: Int64.self).littleEndian }
        }
        func u16(_ at: Int) -> Int {
            Int(bytes.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: at, as: UInt16.self).littleEndian })
        }
        /// The position of field `field` of the flatbuffer table at `table`, or nil when absent.
        func field(_ table: Int, _ field: Int) -> Int? {
            let vtable = table - Int(Int32(bitPattern: u32(table)))
            let entry = 4 + 2 * field
            guard entry < u16(vtable) else { return nil }
            let offset = u16(vtable + entry)
            return offset == 0 ? nil : table + offset
        }
        var position = 0
        var rows = 0
        var batches = 0
        while position + 8 <= bytes.count {
            guard u32(position) == 0xFFFF_FFFF else { return (rows, batches, false) }
            let length = Int(u32(position + 4))
            if length == 0 { return (rows, batches, position + 8 == bytes.count) }
            let message = position + 8
            let root = message + Int(u32(message))
            var body = 0
            if let type = field(root, 1), bytes[type] == 3, let header = field(root, 2) {  // RecordBatch
                let batch = header + Int(u32(header))
                if let count = field(batch, 0) { rows += Int(i64(count)) }
                batches += 1
            }
            if let bodyLength = field(root, 3) { body = Int(i64(bodyLength)) }
            position = message + length + body
        }
        return (rows, batches, false)
    }
}
