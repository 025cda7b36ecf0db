import Foundation
import StrataCore
import StrataRedis
import StrataTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The shared Redis (`STRATA_TEST_REDIS_URL`, default redis://127.0.0.1:6390) and redis-servers
/// a test starts on a free port (to SIGKILL and restart them).
enum TierRedis {
    static let url: String = {
        if let value = getenv("STRATA_TEST_REDIS_URL"), value.pointee != 0 { return String(cString: value) }
        return "redis://127.0.0.1:6390"
    }()

    static var isRequired: Bool { runningUnderCI }

    static let isReachable: Bool = {
        guard let configuration = try? RedisConfiguration(url: url) else { return false }
        return tcpReachable(port: configuration.port)
    }()

    static var sharedServer: ConditionTrait {
        .enabled(if: isReachable || isRequired, "needs Redis at \(url) (STRATA_TEST_REDIS_URL)")
    }

    static let serverPath: String? = {
        let path = getenv("PATH").map { String(cString: $0) } ?? "/usr/bin:/bin"
        for directory in path.split(separator: ":") + ["/usr/bin", "/usr/local/bin"] {
            if access("\(directory)/redis-server", X_OK) == 0 { return "\(directory)/redis-server" }
        }
        return nil
    }()

    static var serverBinary: ConditionTrait {
        .enabled(if: serverPath != nil || isRequired, "needs redis-server on PATH")
    }

    static func prefix(_ test: String) -> String { "strata-tier-test:\(test):\(UInt64.random(in: 0...UInt64.max)):" }

    static func tcpReachable(port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = UInt16(port).bigEndian
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        } == 0
    }

    /// A free loopback port (bound, read, released).
    static func freePort() -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        _ = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}

/// A redis-server of one test, with an append-only file synced on every write (what it
/// confirmed survives its SIGKILL, as a tier's confirmation must), stopped by its pid.
final class TierRedisServer: @unchecked Sendable {
    // @unchecked: `process` is touched only by the test that owns the server, one call at a time.
    let port = TierRedis.freePort()
    let directory = makeTemporaryDirectory("strata-tier-redis")
    private var process: Process?

    init() throws { try start() }

    func start() throws {
        guard let path = TierRedis.serverPath else { throw RedisError.invalidConfiguration("no redis-server") }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = [
            "--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "yes",
            "--appendfsync", "always", "--daemonize", "no", "--dir", directory, "--logfile", directory + "/redis.log",
        ]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        self.process = process
        let deadline = Date().addingTimeInterval(10)
        while !TierRedis.tcpReachable(port: port) {
            guard Date() < deadline, process.isRunning else {
                throw RedisError.connectFailed("redis-server did not start")
            }
            usleep(20_000)
        }
    }

    func kill() {
        guard let process, process.isRunning else { return }
        Glibc.kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        self.process = nil
    }

    var configuration: RedisConfiguration { RedisConfiguration(host: "127.0.0.1", port: port) }

    deinit {
        kill()
        removeTree(directory)
    }
}

/// The test table: a time, a symbol, an id, a price (decimal, scale 2), an optional note.
enum TierTicks {
    static let schema: RecordSchema = {
        do {
            return try RecordSchema(
                name: "ticks",
                columns: [
                    SchemaColumn("ts", .timestamp), SchemaColumn("symbol", .symbol), SchemaColumn("id", .int64),
                    SchemaColumn("price", .decimal(scale: 2)),
                    SchemaColumn("note", .text, rules: ColumnRules(required: false)),
                ],
                timestamp: "ts")
        } catch { fatalError("test schema: \(error)") }
    }()

    static let base: Int64 = 1_700_000_000_123_456_789

    /// `count` rows of `symbol` from id `first`, 1 ms apart.
    static func batch(symbol: String, first: Int64, count: Int) -> ColumnBatch {
        var batch = ColumnBatch(columnCount: 4)
        batch.symbols = [symbol]
        for i in 0..<Int64(count) {
            let id = first + i
            batch.symbolIndex.append(0)
            batch.columns[0].append(base + id * 1_000_000)
            batch.columns[1].append(id)
            batch.columns[2].append(id % 3 == 0 ? -(id * 100 + 5) : id * 100 + 5)
            batch.columns[3].append(id % 4 == 0 ? -1 : batch.texts.append("say \"\(id)\"\n"))
        }
        return batch
    }
}
