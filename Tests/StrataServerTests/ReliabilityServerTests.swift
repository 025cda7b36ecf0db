import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Strata
import StrataServer
import StrataTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The defects of the reliability review, each against the real `strata serve` process where
/// the behaviour is the process's (timeouts, limits, shutdown, logs, a full disk), or the router
/// where it is a route's.
@Suite(.heavy, .serialized) struct ReliabilityServerTests {
    /// The GET that killed the server: bars from `Int64.min` on an empty store (SIGILL in the
    /// bucket alignment). Every timeframe, with every extreme, is answered or refused with 400.
    @Test func barsAtInt64ExtremesAnswerInsteadOfCrashing() async throws {
        try await withServer { client, _, _ in
            try Task.checkCancellation()
            for timeframe in ["1m", "5m", "3m", "1h", "1d", "1w"] {
                for (from, to) in [
                    ("-9223372036854775808", "2024-06-02T00:00:00Z"), ("-9223372036854775808", "9223372036854775807"),
                    ("9223372036854775806", "9223372036854775807"), ("0", "-9223372036854775808"),
                ] {
                    for extra in ["", "&offset=-1440", "&offset=1440&empty=carry", "&empty=carry"] {
                        let response = try await client.get(
                            "/api/v1/bars?symbol=BTCUSDT&timeframe=\(timeframe)&from=\(from)&to=\(to)\(extra)")
                        #expect(
                            response.status == .ok || response.status == .badRequest,
                            "\(timeframe) \(from) \(to) \(extra): \(response.status)")
                    }
                }
            }
        }
    }

    /// A server that a client only connects to (and never writes to) still stops on SIGTERM,
    /// and idle, slow and oversized requests are answered (408, 431, 414) and closed.
    @Test func timeoutsLimitsAndShutdownWithSilentConnections() async throws {
        let directory = makeTemporaryDirectory()
        defer { removeTree(directory) }
        let (server, port) = try await serve(
            in: directory,
            environment: [
                "STRATA_HTTP_HEADER_TIMEOUT_MILLISECONDS": "700", "STRATA_HTTP_IDLE_TIMEOUT_MILLISECONDS": "1500",
                "STRATA_HTTP_BODY_TIMEOUT_MILLISECONDS": "700", "STRATA_HTTP_MAX_HEADER_BYTES": "4096",
                "STRATA_HTTP_MAX_REQUEST_LINE_BYTES": "1024",
            ])
        var stopped = false
        defer { if !stopped { server.stopInBackground(SIGKILL) } }

        // 431: a head over http.maxHeaderBytes, answered and closed (it used to hang).
        let big = await rawExchange(
            port: port, "GET /health/live HTTP/1.1\r\nHost: x\r\nX-Big: \(String(repeating: "a", count: 8_000))\r\n\r\n"
        )
        #expect(big.hasPrefix("HTTP/1.1 431"), "\(big.prefix(200))")
        #expect(big.contains("http.maxHeaderBytes"))
        // 414: a request line over http.maxRequestLineBytes.
        let long = await rawExchange(
            port: port, "GET /\(String(repeating: "p", count: 2_000)) HTTP/1.1\r\nHost: x\r\n\r\n")
        #expect(long.hasPrefix("HTTP/1.1 414"), "\(long.prefix(200))")
        // 408: a head sent slowly (slowloris) is cut at http.headerTimeoutMilliseconds.
        let started = ContinuousClock.now
        let slow = await rawExchange(port: port, "GET /health/live HTTP/1.1\r\nHost: x\r\n")
        #expect(slow.hasPrefix("HTTP/1.1 408"), "\(slow.prefix(200))")
        #expect(ContinuousClock.now - started < .seconds(5))
        // 408: a body declared and never sent.
        let stalled = await rawExchange(
            port: port, "POST /write HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\ntrades")
        #expect(stalled.hasPrefix("HTTP/1.1 408"), "\(stalled.prefix(200))")
        // 413 at once for a declared body over http.maxRequestBytes (nothing of it is read).
        let declared = await rawExchange(
            port: port, "POST /write HTTP/1.1\r\nHost: x\r\nContent-Length: \(65 << 20)\r\n\r\n")
        #expect(declared.hasPrefix("HTTP/1.1 413"), "\(declared.prefix(200))")
        // An idle connection (no request at all) is closed after http.idleTimeoutMilliseconds.
        let idleStart = ContinuousClock.now
        let idle = await rawExchange(port: port, "")
        #expect(idle.isEmpty)
        #expect(ContinuousClock.now - idleStart < .seconds(6))
        // A live feed connection reads for hours and sends nothing: no HTTP timeout closes it.
        guard case .success(let live) = connectLoopback(port: port) else {
            Issue.record("cannot connect")
            return
        }
        let handshake = Array(
            ("GET /api/v1/live?channel=trades HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n").utf8)
        #expect(handshake.withUnsafeBytes { send(live, $0.baseAddress, $0.count, 0) } == handshake.count)
        var liveTimeout = timeval(tv_sec: 3, tv_usec: 0)
        setsockopt(live, SOL_SOCKET, SO_RCVTIMEO, &liveTimeout, socklen_t(MemoryLayout<timeval>.size))
        var answer = [UInt8](repeating: 0, count: 4096)
        let got = recv(live, &answer, answer.count, 0)
        #expect(got > 0 && String(decoding: answer[0..<max(0, got)], as: UTF8.self).hasPrefix("HTTP/1.1 101"))
        // Past every HTTP timeout (header 0.7 s, body 0.7 s, idle 1.5 s): still open (recv times
        // out, or reads the feed's frames; it does not see the end of the stream).
        try await Task.sleep(for: .seconds(2))
        var more = [UInt8](repeating: 0, count: 4096)
        #expect(recv(live, &more, more.count, Int32(MSG_DONTWAIT)) != 0, "the live connection stays open")
        close(live)  // (a live client that ignores the close handshake holds shutdown for live's close timeout)

        // SIGTERM with a silent connection open: the server still exits, promptly.
        guard case .success(let silent) = connectLoopback(port: port) else {
            Issue.record("cannot connect")
            return
        }
        defer { close(silent) }
        try await Task.sleep(for: .milliseconds(100))
        let stopStart = ContinuousClock.now
        let status = await server.stop(SIGTERM)
        stopped = true
        #expect(status == 0, "\(server.stderr)")
        #expect(ContinuousClock.now - stopStart < .seconds(10))
        let log = server.stderr
        #expect(log.contains("store closed"))
    }

    /// `http.maxConnections`: with 8 connections held (silent, far from the idle timeout), the
    /// 9th is answered 503 with Retry-After and closed; the 8 stay open; once they close, a new
    /// connection is served.
    @Test func theConnectionPastTheLimitIsRefused() async throws {
        let directory = makeTemporaryDirectory()
        defer { removeTree(directory) }
        let (server, port) = try await serve(
            in: directory,
            environment: ["STRATA_HTTP_IDLE_TIMEOUT_MILLISECONDS": "120000", "STRATA_HTTP_MAX_CONNECTIONS": "8"])
        defer { server.stopInBackground(SIGKILL) }
        var held: [Int32] = []
        defer { for fd in held { close(fd) } }
        // The kernel completes a connect before the server accepts it, and each connection takes
        // its slot on its own event loop: the readiness probe's slot can outlive its close by a
        // moment (one of the 8 is then refused), and on a loaded machine the 9th can take its slot
        // before the last of the 8. So: hold 8, replace any that was refused, until the 9th is.
        var refused = ""
        var stillOpen = 0
        let deadline = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < deadline {
            var kept: [Int32] = []
            for fd in held { if isOpen(fd) { kept.append(fd) } else { close(fd) } }
            held = kept
            while held.count < 8, case .success(let fd) = connectLoopback(port: port) { held.append(fd) }
            try await Task.sleep(for: .milliseconds(100))
            guard held.allSatisfy(isOpen) else { continue }
            refused = await rawExchange(port: port, "GET /health/live HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            stillOpen = held.filter(isOpen).count
            if refused.hasPrefix("HTTP/1.1 503") && stillOpen == 8 { break }
        }
        #expect(refused.hasPrefix("HTTP/1.1 503"), "\(refused.prefix(200))")
        #expect(refused.contains("Retry-After"))
        #expect(refused.contains("http.maxConnections"))
        #expect(stillOpen == 8, "the held connections were not closed to make room")
        for fd in held { close(fd) }
        held = []
        var served: Int?
        for _ in 0..<100 {
            served = await rawHTTP(port: port, method: "GET", path: "/health/live")?.status
            if served == 200 { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(served == 200)
        let metrics = await rawHTTP(port: port, method: "GET", path: "/metrics")?.body ?? ""
        #expect(metrics.contains("reason=\"limit\""), "\(metrics.prefix(400))")
    }

    /// A value a client sent cannot forge a log line: a newline inside an ILP string field (and
    /// other control characters) is escaped in the log.
    @Test func clientValuesCannotForgeLogLines() async throws {
        let directory = makeTemporaryDirectory()
        defer { removeTree(directory) }
        let (server, port) = try await serve(in: directory, environment: [:])
        defer { server.stopInBackground(SIGKILL) }
        let forged = "2026-12-06T00:00:00Z critical strata.server: FORGED"
        let body =
            "trades,symbol=BTCUSDT price=1,qty=1,trade_id=1i,side=\"buy\n\(forged)\u{1B}[31m\" 1717200000000000000\n"
        let answer = await rawHTTP(port: port, method: "POST", path: "/write", body: body)
        #expect(answer?.status == 400)
        try await Task.sleep(for: .milliseconds(200))
        let lines = server.stderr.split(separator: "\n")
        #expect(!lines.contains { $0.hasPrefix("2026-12-06T00:00:00Z critical") }, "\(server.stderr)")
        #expect(!server.stderr.contains("\u{1B}"))
        #expect(lines.allSatisfy { $0.first?.isNumber == true }, "every line is one event: \(server.stderr)")
    }

    /// A full disk (here: the process's file size limit, which fails writes with EFBIG): writes
    /// get 503 with Retry-After, health says degraded and why, nothing acknowledged is lost, and
    /// all is well again once the disk has room.
    @Test func fullDiskDegradesHealthAndRecovers() async throws {
        let directory = makeTemporaryDirectory()
        defer { removeTree(directory) }
        let (server, port) = try await serve(in: directory, environment: [:])
        defer { server.stopInBackground(SIGKILL) }
        func write(_ id: Int) async -> Int? {
            await rawHTTP(
                port: port, method: "POST", path: "/write",
                body:
                    "trades,symbol=BTCUSDT price=1.5,qty=2,trade_id=\(id)i,side=\"buy\" \(1_717_200_000_000_000_000 + id)\n"
            )?.status
        }
        #expect(await write(1) == 204)
        // No file of the server may grow any more.
        #expect(setFileSizeLimit(of: server.pid, to: 0))
        let refused = await rawHTTP(
            port: port, method: "POST", path: "/write",
            body: "trades,symbol=BTCUSDT price=1.5,qty=2,trade_id=2i,side=\"buy\" 1717200000000000002\n")
        #expect(refused?.status == 503, "\(String(describing: refused))")
        #expect(refused?.head.contains("Retry-After") == true)
        let health = await rawHTTP(port: port, method: "GET", path: "/health/ready")
        #expect(health?.status == 503)
        #expect(health?.body.contains("\"status\":\"degraded\"") == true, "\(health?.body ?? "")")
        #expect(health?.body.contains("last_write_error") == true)
        #expect(health?.head.contains("Retry-After") == true)
        // Room again: writes and health recover; the refused row is not there, the others are.
        #expect(setFileSizeLimit(of: server.pid, to: rlim_t.max))
        #expect(await write(3) == 204)
        #expect(await rawHTTP(port: port, method: "GET", path: "/health/ready")?.status == 200)
        let rows = await rawHTTP(port: port, method: "GET", path: "/api/v1/trades/latest?symbol=BTCUSDT&limit=10")
        #expect(rows?.body.contains("\"trade_id\":1") == true)
        #expect(rows?.body.contains("\"trade_id\":2") == false)
        #expect(rows?.body.contains("\"trade_id\":3") == true)
    }

    /// One request cannot make the store take an unbounded number of new symbols.
    @Test func newSymbolsPerRequestAreBounded() async throws {
        let directory = makeTemporaryDirectory()
        defer { removeTree(directory) }
        let (server, port) = try await serve(
            in: directory,
            environment: [

                "STRATA_ILP_MAX_NEW_SYMBOLS_PER_REQUEST": "10", "STRATA_ILP_MAX_SYMBOLS_PER_TABLE": "15",
            ])
        defer { server.stopInBackground(SIGKILL) }
        func body(_ symbols: Range<Int>) -> String {
            symbols.map { "trades,symbol=S\($0) price=1,qty=1,trade_id=1i,side=\"buy\" 1717200000000000000\n" }.joined()
        }
        let tooMany = await rawHTTP(port: port, method: "POST", path: "/write", body: body(0..<11))
        #expect(tooMany?.status == 400)
        #expect(tooMany?.body.contains("limitExceeded") == true, "\(tooMany?.body ?? "")")
        #expect(tooMany?.body.contains("ilp.maxNewSymbolsPerRequest") == true)
        #expect(await rawHTTP(port: port, method: "POST", path: "/write", body: body(0..<10))?.status == 204)
        let full = await rawHTTP(port: port, method: "POST", path: "/write", body: body(10..<16))
        #expect(full?.status == 400)
        #expect(full?.body.contains("ilp.maxSymbolsPerTable") == true)
        let stats = await rawHTTP(port: port, method: "GET", path: "/api/v1/stats")
        #expect(stats?.body.contains("\"symbols\":10") == true, "\(stats?.body ?? "")")
    }

    /// An ILP/TCP connection that goes silent is closed after `ilp.tcp.idleTimeoutMilliseconds`,
    /// and what it sent is stored.
    @Test func idleILPTCPConnectionIsClosedAndItsRowsKept() async throws {
        let directory = makeTemporaryDirectory()
        defer { removeTree(directory) }
        let tcpPort = freePort()
        let (server, port) = try await serve(
            in: directory,
            environment: ["STRATA_ILP_TCP_PORT": "\(tcpPort)", "STRATA_ILP_TCP_IDLE_TIMEOUT_MILLISECONDS": "500"])
        defer { server.stopInBackground(SIGKILL) }
        try await Task.sleep(for: .milliseconds(300))
        guard case .success(let fd) = connectLoopback(port: tcpPort) else {
            Issue.record("ILP/TCP does not listen: \(server.stderr)")
            return
        }
        defer { close(fd) }
        let line = Array("trades,symbol=ETHUSDT price=2,qty=1,trade_id=7i,side=\"sell\" 1717200000000000000\n".utf8)
        #expect(line.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, 0) } == line.count)
        var timeout = timeval(tv_sec: 5, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        let started = ContinuousClock.now
        var byte: UInt8 = 0
        #expect(recv(fd, &byte, 1, 0) == 0, "the server closes the idle connection")
        #expect(ContinuousClock.now - started < .seconds(4))
        let rows = await rawHTTP(port: port, method: "GET", path: "/api/v1/trades/latest?symbol=ETHUSDT")
        #expect(rows?.body.contains("\"trade_id\":7") == true, "\(rows?.body ?? "")")
    }

    /// A token that is sent but not recognised is told apart from a missing one.
    @Test func wrongTokenIsNamedAsUnrecognised() async throws {
        try await withServer { client, _, _ in
            try Task.checkCancellation()
            let wrong = try await client.execute(
                uri: "/api/v1/stats", method: .get, headers: [.authorization: "Bearer nope"], body: nil)
            #expect(wrong.status == .unauthorized)
            #expect(String(buffer: wrong.body).contains("not recognised"))
            let missing = try await client.execute(uri: "/api/v1/stats", method: .get, headers: [:], body: nil)
            #expect(String(buffer: missing.body).contains("a token is required"))
        }
    }
}

/// `strata serve` on `directory` and a free port, without auth and (unless the environment
/// says otherwise) without ILP over TCP; its log in `directory/server.log`.
func serve(in directory: String, environment: [String: String]) async throws -> (ServerProcess, Int) {
    let port = freePort()
    var settings = ["STRATA_AUTH_DISABLED": "true", "STRATA_ILP_TCP_ENABLED": "false"]
    settings.merge(environment) { _, new in new }
    if environment["STRATA_ILP_TCP_PORT"] != nil { settings["STRATA_ILP_TCP_ENABLED"] = nil }
    let server = try await ServerProcess.serve(
        ["serve", "--data", directory, "--port", "\(port)"], port: port, environment: settings,
        stderrPath: directory + "/server.log")
    return (server, port)
}

/// Whether the server has neither closed `fd` nor sent anything on it.
func isOpen(_ fd: Int32) -> Bool {
    var byte: UInt8 = 0
    return recv(fd, &byte, 1, Int32(MSG_DONTWAIT | MSG_PEEK)) < 0 && errno == EAGAIN
}

/// Sends `text` on a new connection, then reads until the server closes it (or 10 s), on a
/// thread of its own. An unfinished request in `text` is left unfinished on purpose.
func rawExchange(port: Int, _ text: String) async -> String {
    await onThread { rawExchangeBlocking(port: port, text) }
}

private func rawExchangeBlocking(port: Int, _ text: String) -> String {
    guard case .success(let fd) = connectLoopback(port: port) else { return "" }
    defer { close(fd) }
    var timeout = timeval(tv_sec: 10, tv_usec: 0)
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    let bytes = Array(text.utf8)
    var sent = 0
    while sent < bytes.count {
        let count = bytes[sent...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        if count <= 0 { break }
        sent += count
    }
    return String(decoding: readToEnd(fd), as: UTF8.self)
}

/// Sets another process's file size limit (`prlimit(2)`, which Glibc's module does not export
/// to Swift): writes past it fail with EFBIG, as on a full disk.
func setFileSizeLimit(of pid: pid_t, to bytes: rlim_t) -> Bool {
    typealias Prlimit =
        @convention(c) (pid_t, Int32, UnsafePointer<rlimit>?, UnsafeMutablePointer<rlimit>?) -> Int32
    guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "prlimit") else { return false }
    let prlimit = unsafeBitCast(symbol, to: Prlimit.self)
    var limit = rlimit(rlim_cur: bytes, rlim_max: rlim_t.max)
    return prlimit(pid, Int32(RLIMIT_FSIZE.rawValue), &limit, nil) == 0
}
