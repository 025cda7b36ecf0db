import Foundation
import Strata
import StrataEngine
import StrataWorkload
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// SERVER: `strata serve` as a child process, fed the standard workload as ILP text over one TCP
/// connection and over HTTP `/write`, with the server's own stored-row count as the figure; the
/// same client against a no-op sink (its ceiling) and the embedded library on the same rows as
/// peers; latest-100 over HTTP timed while the server ingests, and on the idle server.
struct ServerWorkload {
    let report: Report
    let directory: String
    /// Lines per HTTP request, and rows per embedded append (`--server-batch`).
    let batchSize: Int
    /// `--server-durability` (nil: the defaults, fsync each batch).
    let durability: String?
    /// W5 over HTTP on the idle server, for the ratio to the embedded peer.
    let aggregateOverHTTP = AggregateFigure()

    /// The query W5 asks: count and Σ qty per symbol over every row.
    static let aggregateTarget = "/api/v1/trades/aggregate?fn=count,sum(qty)&by=symbol"
    static let aggregateServerTarget: Int64 = 15_000_000

    final class AggregateFigure: @unchecked Sendable {
        var server: Samples?
    }

    static let ingestTarget = 1_000_000.0
    static let p99Target: Int64 = 5_000_000
    /// Rows when `--rows` is not given: a run of well under a minute.
    static let defaultRows = 5_000_000
    /// latest-100 requests on the idle server.
    static let idleRequests = 1_000

    enum Transport: String {
        case tcp = "ILP/TCP"
        case http = "ILP/HTTP"
    }

    /// What one server run measured: the ingest rate and, with queries, their latencies.
    struct Ingest {
        var rate: Double
        var latency: LatencyProbe.Result?
    }

    /// A server run: measured, failed (reported), or the transport is not in this build.
    enum Outcome {
        case measured(Ingest)
        case failed
        case unavailable

        var ingest: Ingest? {
            if case .measured(let ingest) = self { return ingest }
            return nil
        }
    }

    func run(options: Options) async throws {
        let rows = options.rowsGiven ? options.rows : Self.defaultRows
        let configuration = SyntheticTrades.Configuration(rows: rows, seed: options.seed)
        let rateText = options.serverQueryRate > 0 ? "\(fixed(options.serverQueryRate, 0))/s" : "back to back"
        report.section(
            "Server: strata serve, ILP over one TCP connection and over HTTP /write, \(formatCount(rows)) rows; latest-100 over HTTP at \(rateText) meanwhile"
        )
        let binary = absolutePath(options.strataBinary)
        guard FileManager.default.isExecutableFile(atPath: binary) else {
            report.line("no strata binary at \(binary)")
            report.line("build it at the root of the repository with: swift build -c release --product strata")
            report.skip(Names.tcp, target: "≥ 1 M rows/s", reason: "no binary at \(options.strataBinary)")
            return
        }
        try makeEmptyDirectory(directory)
        Sockets.ignoreBrokenPipes()

        let generateStart = monotonicNanoseconds()
        let batches = Array(SyntheticTrades(configuration: configuration).batches(of: batchSize))
        let generated = monotonicNanoseconds() - generateStart
        let textStart = monotonicNanoseconds()
        let text = ILPText(batches: batches)
        let built = monotonicNanoseconds() - textStart
        let busySymbol = SyntheticTrades.symbol(rank: 0)
        report.line(
            "generated \(formatCount(rows)) trades (seed \(configuration.seed)) in \(batches.count) batches of \(formatCount(batchSize)) in \(formatDuration(generated)); ILP text \(formatBytes(Int64(text.bytes.count))) (\(fixed(Double(text.bytes.count) / Double(rows), 1)) B/line) built in \(formatDuration(built))"
        )
        report.line("load average: \(loadAverage())")
        report.line("first line: \(String(decoding: text.bytes.prefix(while: { $0 != 0x0A }), as: UTF8.self))")
        let queryTarget = "/api/v1/trades/latest?symbol=\(busySymbol.name)&limit=100"
        report.line(
            "latency query: GET \(queryTarget) (\(busySymbol.name) has \(fixed(100 * SyntheticTrades(configuration: configuration).expectedShare(rank: 0), 1)) % of the rows), one keep-alive connection, \(rateText)"
        )

        // 1. The client's ceiling.
        let sinkRate = try noOpSink(text)

        // 2. ILP over TCP: alone (the ingest figure), then on a fresh server with latest-100
        //    meanwhile (the latency figure), then latest-100 on that server idle (its peer).
        var idle: LatencyProbe.Result?
        func serve(_ transport: Transport, queries: Bool, tcp: Bool) throws -> Outcome {
            try serverRun(
                transport, queries: queries, text: text, batches: batches, binary: binary, options: options,
                queryTarget: queryTarget, idle: &idle, tcpAvailable: tcp)
        }
        let tcpAlone = try serve(.tcp, queries: false, tcp: true)
        let tcpAvailable: Bool
        if case .unavailable = tcpAlone { tcpAvailable = false } else { tcpAvailable = true }
        let tcpQueried: Outcome = tcpAvailable ? try serve(.tcp, queries: true, tcp: true) : .unavailable
        if !tcpAvailable {
            report.skip(Names.ingestWithQueries(.tcp), reason: "no ILP over TCP")
            report.skip(Names.p99(.tcp), target: "≤ 5 ms", reason: "no ILP over TCP")
        }
        // 3. ILP over HTTP, the same text in requests of `batchSize` lines; with latest-100 only
        //    when there is no TCP to measure it against.
        let httpAlone = try serve(.http, queries: false, tcp: tcpAvailable)
        let httpQueried: Outcome = tcpAvailable ? .unavailable : try serve(.http, queries: true, tcp: false)
        // 4. The embedded peer.
        let (embeddedRate, embeddedLatest) = try await embedded(batches: batches, symbol: busySymbol)

        report.section("Server: ratios")
        if let tcp = tcpAlone.ingest {
            report.add(Names.tcpOverSink, fixed(tcp.rate / sinkRate, 3) + "× (1 = the client is the limit)")
            report.add(Names.tcpOverEmbedded, fixed(tcp.rate / embeddedRate, 3) + "×")
        } else {
            report.skip(Names.tcpOverSink, reason: "no ILP/TCP figure")
            report.skip(Names.tcpOverEmbedded, reason: "no ILP/TCP figure")
        }
        if let http = httpAlone.ingest {
            report.add(Names.httpOverEmbedded, fixed(http.rate / embeddedRate, 3) + "×")
        }
        if let idle, !idle.nanoseconds.isEmpty {
            let idleSamples = idle.samples
            for (name, run) in [(Names.tcpBusyOverIdle, tcpQueried), (Names.httpBusyOverIdle, httpQueried)] {
                guard let latency = run.ingest?.latency, !latency.nanoseconds.isEmpty else { continue }
                report.add(
                    name, fixed(Double(latency.samples.p99) / Double(idleSamples.p99), 2) + "× (p99, busy ÷ idle)")
            }
            report.add(
                Names.idleOverEmbedded,
                fixed(Double(idleSamples.median) / Double(embeddedLatest.median), 1)
                    + "× (median, HTTP ÷ in-process)")
        }
    }

    /// Figure names in the final table.
    enum Names {
        static let sink = "server: no-op sink (client ceiling)"
        static let tcp = "server: ILP/TCP ingest (stored count)"
        static let http = "server: ILP/HTTP ingest (stored count)"
        static let embedded = "server peer: embedded append"
        static let tcpOverSink = "server: ILP/TCP ÷ no-op sink"
        static let tcpOverEmbedded = "server: ILP/TCP ÷ embedded"
        static let httpOverEmbedded = "server: ILP/HTTP ÷ embedded"
        static func p99(_ transport: Transport) -> String { "server: latest-100 p99 in \(transport.rawValue) ingest" }
        static func ingestWithQueries(_ transport: Transport) -> String {
            "server: \(transport.rawValue) ingest with latest-100"
        }
        static let idle = "server: latest-100 p99, idle server"
        static let aggregateHTTP = "server: W5 aggregate over HTTP, server time"
        static let embeddedAggregate = "server peer: embedded W5 aggregate median"
        static let aggregateOverEmbedded = "server: W5 aggregate HTTP ÷ embedded"
        static let embeddedLatest = "server peer: embedded latest-100 median"
        static let tcpBusyOverIdle = "server: latest-100 TCP-busy ÷ idle"
        static let httpBusyOverIdle = "server: latest-100 HTTP-busy ÷ idle"
        static let idleOverEmbedded = "server: latest-100 idle ÷ embedded"
    }

    // MARK: - Sending

    /// Writes the whole text to `fd` in 1 MiB slices: the one client the sink and the server get.
    private func send(_ text: ILPText, to fd: Int32) throws {
        try text.bytes.withUnsafeBytes { bytes in
            try Sockets.sendAll(fd, bytes)
        }
    }

    /// The same client against a listener in this process that reads and discards: rows / time
    /// from the first byte sent to the last byte read.
    private func noOpSink(_ text: ILPText) throws -> Double {
        report.section("Server: no-op sink (a listener in this process that reads and discards)")
        let (listener, port) = try Sockets.listen()
        defer { close(listener) }
        let sink = SinkReader(listener: listener)
        sink.start()
        let fd = try Sockets.connect(port: port)
        let start = monotonicNanoseconds()
        try send(text, to: fd)
        shutdown(fd, Int32(SHUT_WR))
        let (received, end) = sink.wait()
        close(fd)
        let nanoseconds = end - start
        let rate = Double(text.lines) / (Double(nanoseconds) / 1e9)
        report.line(
            "\(formatBytes(Int64(received))) read by the sink in \(formatDuration(nanoseconds)) (\(fixed(Double(received) / (Double(nanoseconds) / 1e9) / Double(1 << 30), 2)) GiB/s)"
        )
        if received != text.bytes.count {
            report.fail("the no-op sink read \(received) bytes of \(text.bytes.count)")
        }
        report.add(Names.sink, formatRate(rate))
        return rate
    }

    // MARK: - Server runs

    /// One server on a fresh store: ingest over `transport` (with `queries`, while latest-100
    /// runs), the count and a spot check, and with queries the first time, latest-100 on the
    /// idle server.
    private func serverRun(
        _ transport: Transport, queries: Bool, text: ILPText, batches: [[Trade]], binary: String,
        options: Options, queryTarget: String, idle: inout LatencyProbe.Result?, tcpAvailable: Bool
    ) throws -> Outcome {
        let name = (transport == .tcp ? "tcp" : "http") + (queries ? "-queried" : "")
        let how =
            transport == .tcp
            ? "ILP over one TCP connection (STRATA_ILP_TCP_PORT)"
            : "ILP over HTTP, POST /write of \(formatCount(batchSize)) lines a request on one keep-alive connection"
        report.section(
            "Server: \(how), "
                + (queries
                    ? "with latest-100 meanwhile (the latency figure)"
                    : "alone (the ingest figure: the server's stored count)")
        )
        let figure =
            queries ? Names.ingestWithQueries(transport) : (transport == .tcp ? Names.tcp : Names.http)
        let target = transport == .tcp && !queries ? "≥ 1 M rows/s" : ""
        let server = try ServerProcess(
            binary: binary, dataDirectory: directory + "/server-\(name)", tcp: tcpAvailable,
            logPath: directory + "/server-\(name).log", durability: durability)
        defer { server.stop() }
        report.line("$ \(server.commandLine)")
        do {
            try server.waitUntilReady()
        } catch let error as ServerExited where transport == .tcp && error.log.contains(ServerProcess.tcpPortVariable) {
            report.line("this strata does not know \(ServerProcess.tcpPortVariable): no ILP over TCP in this build")
            report.line("| \(error.log.split(separator: "\n").last ?? "")")
            report.skip(figure, target: target, reason: "no ILP over TCP in this strata")
            return .unavailable
        }

        // The sending connection first, so that nothing is timed before it exists.
        var sendFD: Int32 = -1
        if transport == .tcp, let tcpPort = server.tcpPort {
            let deadline = monotonicNanoseconds() + 10_000_000_000
            while sendFD < 0 {
                do {
                    sendFD = try Sockets.connect(port: tcpPort)
                } catch {
                    if monotonicNanoseconds() > deadline { throw error }
                    usleep(20_000)
                }
            }
        }
        let writer = HTTPConnection(port: server.httpPort)
        let poller = StoredCountPoller(
            port: server.httpPort, target: text.lines, timeoutSeconds: max(120, Int64(text.lines / 50_000)))
        let probe =
            queries ? LatencyProbe(port: server.httpPort, target: queryTarget, rate: options.serverQueryRate) : nil
        probe?.start()
        poller.start()
        let start = monotonicNanoseconds()
        var sendError: (any Error)?
        do {
            switch transport {
            case .tcp:
                try send(text, to: sendFD)
                shutdown(sendFD, Int32(SHUT_WR))  // end of stream: nothing more is coming
            case .http:
                try text.bytes.withUnsafeBytes { bytes in
                    for index in text.chunkEnds.indices {
                        let range = text.chunk(index)
                        let response = try writer.request(
                            "POST", "/write?precision=ns", body: UnsafeRawBufferPointer(rebasing: bytes[range]),
                            contentType: "text/plain; charset=utf-8")
                        guard response.status == 204 else {
                            throw BenchError(
                                "POST /write #\(index + 1) answered \(response.status): \(response.text.prefix(500))")
                        }
                    }
                }
            }
        } catch {
            sendError = error
        }
        let sent = monotonicNanoseconds()
        let counted = poller.wait()
        let latency = probe?.stop()
        if sendFD >= 0 { close(sendFD) }
        report.line(
            "sent \(formatBytes(Int64(text.bytes.count))) in \(formatDuration(sent - start)); load average \(loadAverage())"
        )
        if let sendError { report.fail("\(transport.rawValue): sending failed: \(sendError)") }

        var result = Outcome.failed
        if let reached = counted.reached {
            let nanoseconds = reached - start
            let rate = Double(text.lines) / (Double(nanoseconds) / 1e9)
            report.line(
                "the server's stored count reached \(formatCount(text.lines)) \(formatDuration(nanoseconds)) after the first byte (\(counted.samples.count) polls of /api/v1/stats, every 10 ms)"
            )
            report.line(sustained(counted.samples, start: start))
            report.add(figure, formatRate(rate), target: target, pass: target.isEmpty ? nil : rate >= Self.ingestTarget)
            result = .measured(Ingest(rate: rate, latency: latency))
        } else {
            report.fail(
                "\(transport.rawValue): the server's stored count stopped at \(counted.lastRows) of \(text.lines): \(counted.error ?? "")"
            )
            report.skip(figure, target: target, reason: "the server did not store every row")
        }
        if let latency {
            report.line(latencySummary(latency, during: "during the \(transport.rawValue) ingest"))
            if !latency.nanoseconds.isEmpty {
                let p99 = latency.samples.p99
                report.add(
                    Names.p99(transport), formatDuration(p99), target: "≤ 5 ms", pass: p99 <= Self.p99Target)
            } else {
                report.skip(Names.p99(transport), target: "≤ 5 ms", reason: "no answer")
            }
            if let error = latency.firstError {
                report.fail("latest-100 during the \(transport.rawValue) ingest: \(error)")
            }
        }

        checkStored(server: server, batches: batches, rows: text.lines, transport: transport)
        if queries, idle == nil {
            let idleProbe = LatencyProbe(
                port: server.httpPort, target: queryTarget, rate: options.serverQueryRate, limit: Self.idleRequests)
            idleProbe.start()
            let quiet = idleProbe.wait()
            report.line(latencySummary(quiet, during: "on the idle server after the ingest (the peer)"))
            if !quiet.nanoseconds.isEmpty { report.add(Names.idle, formatDuration(quiet.samples.p99)) }
            if let error = quiet.firstError { report.fail("latest-100 on the idle server: \(error)") }
            idle = quiet
            measureAggregate(port: server.httpPort, rows: text.lines)
        }
        let status = server.stop()
        if status != 0 { report.line("strata serve exited with status \(status) after SIGTERM") }
        server.reportLogTail(to: report)
        removeTree(server.dataDirectory)
        return result
    }

    /// W5 over HTTP on the idle server: `GET` ``aggregateTarget`` 3 times to warm up, then 15
    /// timed; the server's own time (Server-Timing) against the 15 ms target, the client's beside.
    private func measureAggregate(port: UInt16, rows: Int) {
        report.section("Server: W5 over HTTP, GET \(Self.aggregateTarget) on the idle server")
        let connection = HTTPConnection(port: port)
        var client: [Int64] = []
        var server: [Int64] = []
        do {
            for run in 0..<18 {
                let start = monotonicNanoseconds()
                let response = try connection.get(Self.aggregateTarget)
                let elapsed = monotonicNanoseconds() - start
                guard response.status == 200 else {
                    report.fail("W5 over HTTP: status \(response.status): \(response.text.prefix(200))")
                    return
                }
                if run == 0 {
                    // Every row counted once: the per-symbol counts add up to the rows sent.
                    let counts = response.text.split(separator: "\"count\":").dropFirst(2).compactMap {
                        Int($0.prefix { $0.isNumber })
                    }
                    let total = counts.reduce(0, +)
                    if total != rows { report.fail("W5 over HTTP counted \(total) rows of \(rows)") }
                }
                guard run >= 3 else { continue }
                client.append(elapsed)
                if let own = LatencyProbe.serverTime(response) { server.append(own) }
            }
        } catch {
            report.fail("W5 over HTTP: \(error)")
            return
        }
        let serverSamples = Samples(nanoseconds: server)
        report.line(
            "client: \(Samples(nanoseconds: client).summary); the server's own time: median \(formatDuration(serverSamples.median))"
        )
        guard !server.isEmpty else {
            return report.skip(Names.aggregateHTTP, target: "≤ 15 ms", reason: "no Server-Timing")
        }
        report.add(
            Names.aggregateHTTP, formatDuration(serverSamples.median), target: "≤ 15 ms",
            pass: serverSamples.median <= Self.aggregateServerTarget)
        aggregateOverHTTP.server = serverSamples
    }

    /// Stored rows per whole second since the first byte, from the poller's timeline.
    private func sustained(_ samples: [StoredCountPoller.Sample], start: Int64) -> String {
        var perSecond: [Int] = []
        var second: Int64 = 1
        var previous = 0
        for (index, sample) in samples.enumerated() {
            // The last count seen at or before each whole second.
            while sample.nanoseconds - start >= second * 1_000_000_000 {
                let count = index > 0 ? samples[index - 1].rows : 0
                perSecond.append(count - previous)
                previous = count
                second += 1
            }
        }
        guard !perSecond.isEmpty else { return "stored rows per second: the ingest took less than a second" }
        return
            "stored rows in each whole second: \(perSecond.map { formatRate(Double($0), unit: "").trimmed() }.joined(separator: ", ")) (min \(formatRate(Double(perSecond.min()!))))"
    }

    private func latencySummary(_ result: LatencyProbe.Result, during: String) -> String {
        guard !result.nanoseconds.isEmpty else { return "latest-100 \(during): no answer (\(result.errors) errors)" }
        let samples = result.samples
        var text =
            "latest-100 \(during): \(formatCount(result.nanoseconds.count)) answers, p50 \(formatDuration(samples.median)), p99 \(formatDuration(samples.p99)), max \(formatDuration(samples.sorted.last!)); \(result.errors) errors, \(result.late) requests behind schedule"
        if !result.serverNanoseconds.isEmpty {
            let server = Samples(nanoseconds: result.serverNanoseconds)
            text +=
                "; the server's own time (Server-Timing): p50 \(formatDuration(server.median)), p99 \(formatDuration(server.p99)), max \(formatDuration(server.sorted.last!))"
        }
        return text
    }

    /// The server's count equals the rows sent; a few rows read back through `/range` equal the
    /// generated ones exactly (decimal strings, id, side, timestamp).
    private func checkStored(server: ServerProcess, batches: [[Trade]], rows: Int, transport: Transport) {
        let connection = HTTPConnection(port: server.httpPort)
        do {
            let stats = try connection.get("/api/v1/stats")
            guard let stored = ServerProbes.tradesRows(stats) else {
                report.fail("\(transport.rawValue): unreadable /api/v1/stats: \(stats.text.prefix(300))")
                return
            }
            if stored != rows {
                report.fail("\(transport.rawValue): the server stores \(stored) trades, \(rows) were sent")
            }
            var mismatches: [String] = []
            let picks = [0, rows / 4, rows / 2, 3 * rows / 4, rows - 1]
            for index in picks {
                let trade = batches[index / batchSize][index % batchSize]
                let ns = trade.timestamp.nanoseconds
                let response = try connection.get(
                    "/api/v1/trades/range?symbol=\(trade.symbol.name)&from=\(ns)&to=\(ns + 1)")
                if let problem = Self.compare(response, with: trade) { mismatches.append("row \(index): \(problem)") }
            }
            if mismatches.isEmpty {
                report.line(
                    "check: the server stores \(formatCount(stored)) trades = rows sent; rows \(picks.map(formatCount).joined(separator: ", ")) read back through /api/v1/trades/range equal the generated ones exactly"
                )
            } else {
                report.fail("\(transport.rawValue) spot check: " + mismatches.joined(separator: "; "))
            }
        } catch {
            report.fail("\(transport.rawValue): checking the stored rows: \(error)")
        }
    }

    /// nil if the `/range` answer holds `trade` exactly; what differs otherwise.
    static func compare(_ response: HTTPConnection.Response, with trade: Trade) -> String? {
        guard response.status == 200,
            let object = try? JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any],
            let rows = object["rows"] as? [[String: Any]]
        else { return "answer \(response.status): \(response.text.prefix(200))" }
        guard let row = rows.first(where: { ($0["trade_id"] as? NSNumber)?.int64Value == trade.tradeID }) else {
            return "trade id \(trade.tradeID) not among the \(rows.count) rows at \(trade.timestamp.nanoseconds)"
        }
        let expected: [(String, String)] = [
            ("symbol", trade.symbol.name), ("ts_ns", String(trade.timestamp.nanoseconds)),
            ("price", trade.price.description), ("qty", trade.quantity.description),
        ]
        for (key, value) in expected where row[key] as? String != value {
            return "\(key) is \(row[key] ?? "missing"), generated \(value)"
        }
        if (row["is_buyer_maker"] as? Bool) != trade.isBuyerMaker {
            return "is_buyer_maker is \(row["is_buyer_maker"] ?? "missing"), generated \(trade.isBuyerMaker)"
        }
        return nil
    }

    // MARK: - The embedded peer

    /// `trades.append` of the same batches with the default configuration (fsync each
    /// batch, the server's default durability too), then `latest(symbol:limit: 100)`.
    private func embedded(batches: [[Trade]], symbol: Symbol) async throws -> (rate: Double, latest: Samples) {
        report.section(
            "Server peer: the embedded library, trades.append of the same \(formatCount(batchSize))-row batches, \(durability.map { "durability \($0)" } ?? "default configuration (fsync each batch, as the server)")"
        )
        let path = directory + "/embedded"
        var configuration = StrataStore.Configuration()
        if let durability = durability.flatMap(ServerDurability.parse) { configuration.durability = durability }
        let store = try StrataStore.open(directory: path, configuration: configuration)
        var appended = AppendReport()
        let start = monotonicNanoseconds()
        for batch in batches { appended = appended + (try await store.trades.append(batch)) }
        let nanoseconds = monotonicNanoseconds() - start
        let rows = batches.reduce(0) { $0 + $1.count }
        let rate = Double(rows) / (Double(nanoseconds) / 1e9)
        report.line(
            "appended in \(formatDuration(nanoseconds)); stored \(formatCount(appended.stored)), duplicates \(appended.duplicates)"
        )
        if appended.stored != rows || store.trades.stats().rows != rows {
            report.fail("the embedded store holds \(store.trades.stats().rows) rows of \(rows)")
        }
        report.add(Names.embedded, formatRate(rate))
        var latest: [Trade] = []
        let samples = try await measure(warmup: 100, runs: 2_000) {
            latest = try await store.trades.latest(symbol: symbol, limit: 100)
        }
        if latest.count != 100 { report.fail("embedded latest returned \(latest.count) rows, expected 100") }
        report.line("latest(symbol: \(symbol.name), limit: 100): \(samples.summary)")
        report.add(Names.embeddedLatest, formatDuration(samples.median))
        let w5 = try await measure(warmup: 3, runs: 15) {
            _ = try await store.trades.aggregate(AggregateQuery([.count, .sum("qty")], grouping: .symbol))
        }
        report.line("aggregate(count, sum(qty)) by symbol: \(w5.summary)")
        report.add(Names.embeddedAggregate, formatDuration(w5.median))
        if let http = aggregateOverHTTP.server {
            report.add(
                Names.aggregateOverEmbedded,
                fixed(Double(http.median) / Double(w5.median), 2) + "× (median, server time ÷ in-process)")
        }
        try store.close()
        removeTree(path)
        return (rate, samples)
    }
}

/// `--server-durability`: the server's spelling (`STRATA_DURABILITY`) read as the engine's policy.
enum ServerDurability {
    static func parse(_ text: String) -> Durability? { Durability(text) }
}

/// `/proc/loadavg`'s first three fields: other work on the machine moves every figure here.
func loadAverage() -> String {
    guard let text = try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8) else { return "unknown" }
    return text.split(separator: " ").prefix(3).joined(separator: " ")
}

/// The no-op sink's reading side: accepts one connection on its own thread, reads and discards
/// until end of stream.
final class SinkReader: Sendable {
    let listener: Int32
    private let result = Mutex<(bytes: Int, end: Int64)>((0, 0))
    private let finished = DispatchSemaphore(value: 0)

    init(listener: Int32) { self.listener = listener }

    func start() {
        let thread = Thread { [self] in
            let fd = accept(listener, nil, nil)
            var total = 0
            if fd >= 0 {
                let buffer = UnsafeMutableRawPointer.allocate(byteCount: 1 << 20, alignment: 16)
                while true {
                    let received = recv(fd, buffer, 1 << 20, 0)
                    if received > 0 {
                        total += received
                    } else if received < 0, errno == EINTR {
                        continue
                    } else {
                        break
                    }
                }
                buffer.deallocate()
                close(fd)
            }
            let end = monotonicNanoseconds()
            result.withLock { $0 = (total, end) }
            finished.signal()
        }
        thread.name = "no-op-sink"
        thread.start()
    }

    /// Bytes read and when the stream ended.
    func wait() -> (bytes: Int, end: Int64) {
        finished.wait()
        return result.withLock { $0 }
    }
}
