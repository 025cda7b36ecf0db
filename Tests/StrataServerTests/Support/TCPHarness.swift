import Foundation
import Logging
import ServiceLifecycle
import Strata
import StrataServer
import StrataTestSupport
import Synchronization
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Log records kept in memory, for tests that check what the server logged.
final class LogCapture: Sendable {
    struct Record: Sendable {
        var level: Logger.Level
        var message: String
        var metadata: [String: String]
    }

    private let records = Mutex<[Record]>([])

    var all: [Record] { records.withLock { $0 } }

    func logger(level: Logger.Level = .info) -> Logger {
        var logger = Logger(label: "strata-tcp-test") { _ in Handler(capture: self) }
        logger.logLevel = level
        return logger
    }

    fileprivate func add(_ record: Record) { records.withLock { $0.append(record) } }

    private struct Handler: LogHandler {
        let capture: LogCapture
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            var merged = metadata
            for (key, value) in event.metadata ?? [:] { merged[key] = value }
            capture.add(
                Record(
                    level: event.level, message: "\(event.message)", metadata: merged.mapValues { "\($0)" }))
        }
    }
}

/// A running ILP-over-TCP service on a fresh store, for one test.
struct TCPServer: Sendable {
    let port: Int
    let store: StrataStore
    let metrics: ServerMetrics
    let logs: LogCapture
    let group: ServiceGroup

    /// The Prometheus text of the metrics.
    var metricsText: String { metrics.text }

    /// Waits (up to `seconds`) until the trades table holds `rows` rows; returns the count seen last.
    @discardableResult
    func waitForTrades(_ rows: Int, seconds: Double = 10) async throws -> Int {
        let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
        var count = store.trades.stats().rows
        while count < rows, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(5))
            count = store.trades.stats().rows
        }
        return count
    }
}

/// Closes the store on graceful shutdown, like the server's own store service: first in a
/// service group, so it stops last.
struct StoreCloser: Service {
    let store: StrataStore

    func run() async throws {
        try? await gracefulShutdown()
        try store.close()
    }
}

/// Runs the ILP-over-TCP service (port 0, OS-buffered store) around `body`, then shuts down
/// gracefully and returns once the store is closed.
/// With `directory`, the store is kept there (to be reopened); else in a temporary directory.
func withTCPServer(
    _ configuration: ServerConfiguration = tcpTestConfiguration(), batchRows: Int = ILPTCPService.defaultBatchRows,
    directory: String? = nil, _ body: @Sendable (TCPServer) async throws -> Void
) async throws {
    let temporary = directory == nil ? makeTemporaryDirectory("strata-tcp-test") : nil
    defer { temporary.map(removeTree) }
    let directory = directory ?? temporary ?? ""
    let store = try StrataStore.open(
        directory: directory,
        configuration: .init(durability: .osBuffered, maintenanceInterval: nil, tables: configuration.tables))
    let metrics = ServerMetrics()
    let logs = LogCapture()
    let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
    let service = try ILPTCPService(
        ingest: ILPIngest(store: store, metrics: metrics, maxLineBytes: configuration.maxLineBytes),
        configuration: configuration, metrics: metrics, logger: logs.logger(), batchRows: batchRows,
        authenticationTimeout: .seconds(5), onListening: { continuation.yield($0) })
    let group = ServiceGroup(services: [StoreCloser(store: store), service], logger: logs.logger(level: .critical))
    try await withThrowingTaskGroup(of: Void.self) { tasks in
        tasks.addTask { try await group.run() }
        var iterator = ports.makeAsyncIterator()
        let port = try #require(await iterator.next())
        do {
            try await body(TCPServer(port: port, store: store, metrics: metrics, logs: logs, group: group))
        } catch {
            await group.triggerGracefulShutdown()
            throw error
        }
        await group.triggerGracefulShutdown()
        try await tasks.waitForAll()
    }
}

/// Auth off, ILP over TCP on any free port.
func tcpTestConfiguration() -> ServerConfiguration {
    var configuration = ServerConfiguration()
    configuration.auth.disabled = true
    configuration.ilpTCP.port = 0
    // At the server's priority: these tests check the protocol, not the scheduling (the
    // TCPAppenderPriorityTests do), and at nice +10 the full suite's load (ClickHouse, crash
    // campaigns, Python data tools on two cores) kept a test's parsing off the CPU for a minute.
    configuration.limits.tcpIngestNice = 0
    return configuration
}

/// A blocking TCP client on 127.0.0.1 (send never raises SIGPIPE). `@unchecked Sendable`: only
/// the immutable descriptor is shared; tests use one client from one task at a time.
final class TCPClient: @unchecked Sendable {
    let fd: Int32

    /// `receiveTimeout`: how long a read waits (tests must not hang on a server that never answers).
    /// A minute: the server's ILP/TCP ingest runs at nice +10, and under the full suite's load
    /// (Python data tools, Chromium, crash campaigns on two cores) it waited over 10 s for a CPU.
    init(port: Int, receiveTimeout seconds: Int = 60) throws {
        fd = try connectLoopback(port: port).get()
        var one: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        var timeout = timeval(tv_sec: seconds, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    }

    deinit { close(fd) }

    /// Sends every byte; `false` once the peer has closed.
    @discardableResult
    func send(_ bytes: some Collection<UInt8>) -> Bool {
        let bytes = Array(bytes)
        var sent = 0
        while sent < bytes.count {
            let count = bytes[sent...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if count < 0, errno == EINTR { continue }
            guard count > 0 else { return false }
            sent += count
        }
        return true
    }

    @discardableResult
    func send(_ text: String) -> Bool { send(Array(text.utf8)) }

    /// Reads up to and including the next `\n` (returned without it), or `nil` at end of stream.
    func readLine() -> [UInt8]? {
        var line: [UInt8] = []
        var byte: UInt8 = 0
        while true {
            let count = recv(fd, &byte, 1, 0)
            if count < 0, errno == EINTR { continue }
            guard count == 1 else { return nil }
            if byte == UInt8(ascii: "\n") { return line }
            line.append(byte)
        }
    }

    /// Whether the server closes the connection (end of stream) within the receive timeout,
    /// discarding anything it sends first. Waits on a thread of its own.
    func serverCloses() async -> Bool {
        await onThread { self.waitForClose() }
    }

    /// Sends every byte from a thread of its own (a large send blocks while the server withholds reads).
    func sendInBackground(_ bytes: [UInt8]) async -> Bool {
        await onThread { self.send(bytes) }
    }

    private func waitForClose() -> Bool {
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = recv(fd, &buffer, buffer.count, 0)
            if count < 0, errno == EINTR { continue }
            if count == 0 { return true }
            if count < 0 { return errno == ECONNRESET }
        }
    }

    /// No more bytes from this side (the server sees end of stream).
    func finishSending() { shutdown(fd, Int32(SHUT_WR)) }
}

enum TCPClientError: Error {
    case connectFailed(Int32)
}

/// One trade line: symbol, id, price `1000 + id/100`, qty `0.001 × id`, time t(id) ns.
func tradeLine(_ id: Int, symbol: String = "BTCUSDT") -> String {
    "trades,symbol=\(symbol) price=\(tradePrice(id)),qty=0.\(threeDigits(id % 1000)),"
        + "trade_id=\(id)i,side=\"\(id % 2 == 0 ? "buy" : "sell")\" \(t(Int64(id)))\n"
}

/// The price text of `tradeLine(id)`: `1000 + id/100`, cents `id % 100`.
func tradePrice(_ id: Int) -> String {
    "\(1000 + id / 100)." + String(threeDigits(id % 100).dropFirst())
}

/// `n` (0…999) with leading zeros to three digits.
func threeDigits(_ n: Int) -> String {
    let digits = String(n)
    return String(repeating: "0", count: max(0, 3 - digits.count)) + digits
}
