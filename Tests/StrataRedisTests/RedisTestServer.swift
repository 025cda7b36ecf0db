import Foundation
import StrataRedis
import StrataTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The shared Redis of the tests (`STRATA_TEST_REDIS_URL`, default redis://127.0.0.1:6390), and
/// redis-servers a test owns (for AUTH, and to kill and restart).
///
/// Tests that need the shared server carry ``RedisTestEnvironment/sharedServer``; those that
/// start their own carry ``RedisTestEnvironment/serverBinary``. Locally they are skipped when
/// Redis is unreachable (or redis-server is not installed); under `CI=true` they run and fail.
enum RedisTestEnvironment {
    static let url: String = {
        if let value = getenv("STRATA_TEST_REDIS_URL"), value.pointee != 0 { return String(cString: value) }
        return "redis://127.0.0.1:6390"
    }()

    static var configuration: RedisConfiguration {
        get throws { try RedisConfiguration(url: url) }
    }

    static var isRequired: Bool { runningUnderCI }

    /// Whether something accepts TCP connections at the URL's host and port.
    static let isReachable: Bool = {
        guard let configuration = try? RedisConfiguration(url: url) else { return false }
        return tcpReachable(host: configuration.host, port: configuration.port)
    }()

    static var sharedServer: ConditionTrait {
        .enabled(
            if: isReachable || isRequired,
            "needs Redis at \(url) (STRATA_TEST_REDIS_URL): start it as /work/shared/SERVICES.md shows")
    }

    static let redisServerPath: String? = {
        let path = getenv("PATH").map { String(cString: $0) } ?? "/usr/bin:/bin"
        for directory in path.split(separator: ":") + ["/usr/bin", "/usr/local/bin"] {
            let candidate = "\(directory)/redis-server"
            if access(candidate, X_OK) == 0 { return candidate }
        }
        return nil
    }()

    static var serverBinary: ConditionTrait {
        .enabled(if: redisServerPath != nil || isRequired, "needs redis-server on PATH (apt-get install redis-server)")
    }

    /// A connection to the shared server.
    static func connection(protocolPreference: RedisConfiguration.ProtocolPreference = .resp3) async throws
        -> RedisConnection
    {
        var configuration = try configuration
        configuration.protocolPreference = protocolPreference
        return try await RedisConnection.connect(configuration: configuration)
    }

    /// A key prefix no other test (or run) uses.
    static func prefix(_ test: String) -> String {
        "strata-test:\(test):\(UInt64.random(in: 0...UInt64.max)):"
    }

    static func tcpReachable(host: String, port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr(host == "localhost" ? "127.0.0.1" : host)
        address.sin_port = UInt16(port).bigEndian
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        return result == 0
    }
}

/// A redis-server this test started, on a free port, without persistence; stopped by its pid.
final class OwnedRedisServer: @unchecked Sendable {
    let port: Int
    let arguments: [String]
    let directory: String
    private var process: Process?

    /// `extraArguments` is given the port and the server's own directory.
    convenience init(extraArguments: [String] = []) throws {
        try self.init { _, _ in extraArguments }
    }

    init(makeArguments: (_ port: Int, _ directory: String) throws -> [String]) throws {
        let (fd, port) = bindLoopback()
        close(fd)
        self.port = port
        let directory = NSTemporaryDirectory() + "strata-redis-\(port)-\(UUID().uuidString)"
        self.directory = directory
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let extraArguments = try makeArguments(port, directory)
        arguments =
            [
                "--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                "--daemonize", "no", "--dir", directory, "--logfile", directory + "/redis.log",
            ] + extraArguments
        try start()
    }

    /// Starts the server (again) and waits until it accepts connections.
    func start() throws {
        guard let path = RedisTestEnvironment.redisServerPath else {
            throw RedisError.invalidConfiguration("redis-server is not installed")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        self.process = process
        let deadline = Date().addingTimeInterval(10)
        while !RedisTestEnvironment.tcpReachable(host: "127.0.0.1", port: port) {
            guard Date() < deadline, process.isRunning else {
                throw RedisError.connectFailed("redis-server on port \(port) did not start")
            }
            usleep(20_000)
        }
    }

    /// SIGKILL, as a crash would.
    func kill() {
        guard let process, process.isRunning else { return }
        Glibc.kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        self.process = nil
    }

    func stop() {
        kill()
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// Runs a command (openssl) in the server's directory; throws when it fails.
    static func run(_ arguments: [String], in directory: String) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw RedisError.invalidConfiguration("\(arguments.joined(separator: " ")) failed")
        }
    }

    /// A throwaway certificate authority, and a server certificate (DNS name localhost only: no
    /// IP address, which NIOSSL would accept for any name when it is the one connected to) and a
    /// client certificate signed by it, as PEM files in `directory`: ca.crt, server.crt/.key,
    /// client.crt/.key.
    static func makeCertificates(in directory: String) throws {
        try run(
            [
                "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.crt",
                "-days", "1", "-subj", "/CN=strata-test-ca",
            ], in: directory)
        try "subjectAltName=DNS:localhost\n".write(
            toFile: directory + "/san.cnf", atomically: true, encoding: .utf8)
        for (name, extensions) in [("server", ["-extfile", "san.cnf"]), ("client", [])] {
            try run(
                [
                    "openssl", "req", "-newkey", "rsa:2048", "-nodes", "-keyout", "\(name).key", "-out", "\(name).csr",
                    "-subj", "/CN=\(name == "server" ? "localhost" : "strata-client")",
                ], in: directory)
            try run(
                [
                    "openssl", "x509", "-req", "-in", "\(name).csr", "-CA", "ca.crt", "-CAkey", "ca.key",
                    "-CAcreateserial", "-out", "\(name).crt", "-days", "1",
                ] + extensions, in: directory)
        }
    }

    var configuration: RedisConfiguration {
        RedisConfiguration(host: "127.0.0.1", port: port)
    }

    deinit { stop() }
}
