import Foundation

/// `strata serve` as a child process on free loopback ports, without auth, logging warnings and
/// above to a file.
final class ServerProcess {
    let process = Process()
    let httpPort: UInt16
    /// nil: started without `STRATA_ILP_TCP_PORT` (a build without ILP over TCP).
    let tcpPort: UInt16?
    let logPath: String
    let dataDirectory: String
    let durability: String?
    private var stopped = false

    /// The environment variable that turns ILP over TCP on.
    static let tcpPortVariable = "STRATA_ILP_TCP_PORT"

    /// Starts the server; ``waitUntilReady(timeout:)`` before use.
    /// - Parameters:
    ///   - binary: the `strata` command.
    ///   - dataDirectory: an empty directory for the store.
    ///   - tcp: whether to set `STRATA_ILP_TCP_PORT`.
    ///   - logPath: where the server's standard output and error go.
    ///   - durability: `STRATA_DURABILITY`, or nil for the server's default.
    init(binary: String, dataDirectory: String, tcp: Bool, logPath: String, durability: String? = nil) throws {
        httpPort = try Sockets.freePort()
        var tcpPort: UInt16? = nil
        if tcp {
            var port = try Sockets.freePort()
            while port == httpPort { port = try Sockets.freePort() }
            tcpPort = port
        }
        self.tcpPort = tcpPort
        self.logPath = logPath
        self.dataDirectory = dataDirectory
        // Only our STRATA_ settings: one left in the caller's environment could change the run.
        var environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("STRATA_") }
        environment["STRATA_AUTH_DISABLED"] = "true"
        environment["STRATA_HTTP_PORT"] = String(httpPort)
        environment["STRATA_DATA"] = dataDirectory
        environment["STRATA_LOG_LEVEL"] = "warning"
        // Without a port of ours, no listener at all (not the default 9009 another process may hold).
        if let tcpPort {
            environment[Self.tcpPortVariable] = String(tcpPort)
        } else {
            environment["STRATA_ILP_TCP_ENABLED"] = "false"
        }
        if let durability { environment["STRATA_DURABILITY"] = durability }
        self.durability = durability
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = ["serve"]
        process.environment = environment
        guard FileManager.default.createFile(atPath: logPath, contents: nil),
            let log = FileHandle(forWritingAtPath: logPath)
        else { throw BenchError("cannot create \(logPath)") }
        process.standardOutput = log
        process.standardError = log
        try process.run()
        try? log.close()
    }

    deinit { stop() }

    /// The command line, for the report.
    var commandLine: String {
        var settings = "STRATA_AUTH_DISABLED=true STRATA_HTTP_PORT=\(httpPort)"
        settings += tcpPort.map { " \(Self.tcpPortVariable)=\($0)" } ?? " STRATA_ILP_TCP_ENABLED=false"
        if let durability { settings += " STRATA_DURABILITY=\(durability)" }
        settings += " STRATA_DATA=\(dataDirectory) STRATA_LOG_LEVEL=warning"
        return "\(settings) \(process.executableURL?.path ?? "strata") serve"
    }

    /// Waits for `GET /health/ready` to answer 200.
    /// - Throws: ``ServerExited`` if the process ends first, ``BenchError`` after `timeout` seconds.
    func waitUntilReady(timeout: Double = 60) throws {
        let deadline = monotonicNanoseconds() + Int64(timeout * 1e9)
        let connection = HTTPConnection(port: httpPort)
        while monotonicNanoseconds() < deadline {
            if !process.isRunning {
                process.waitUntilExit()
                throw ServerExited(status: process.terminationStatus, log: logText())
            }
            if let response = try? connection.get("/health/ready"), response.status == 200 { return }
            connection.disconnect()
            usleep(50_000)
        }
        throw BenchError("strata serve was not ready in \(fixed(timeout, 0)) s; its log: \(logText().suffix(2_000))")
    }

    /// SIGTERM (the server flushes and closes the store), then SIGKILL after `grace` seconds.
    /// Returns the exit status.
    @discardableResult
    func stop(grace: Double = 20) -> Int32 {
        guard !stopped else { return process.isRunning ? -1 : process.terminationStatus }
        stopped = true
        guard process.isRunning else { return process.terminationStatus }
        kill(process.processIdentifier, SIGTERM)
        let deadline = monotonicNanoseconds() + Int64(grace * 1e9)
        while process.isRunning, monotonicNanoseconds() < deadline { usleep(10_000) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        return process.terminationStatus
    }

    /// What the server logged.
    func logText() -> String {
        (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
    }
}

/// `strata serve` ended before it was ready.
extension ServerProcess {
    /// The count and the last lines of what the server logged (warnings and above).
    func reportLogTail(to report: Report) {
        let log = logText().split(separator: "\n")
        guard !log.isEmpty else { return }
        report.line("the server logged \(log.count) lines at warning or above; the last:")
        for line in log.suffix(5) { report.line("| \(line.prefix(300))") }
    }
}

struct ServerExited: Error, CustomStringConvertible {
    var status: Int32
    var log: String
    var description: String { "strata serve exited with status \(status): \(log.suffix(2_000))" }
}
