import Foundation
import Strata
import StrataClickHouse
import StrataCore
import StrataTestSupport
import StrataTiers
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The shared ClickHouse (`STRATA_TEST_CLICKHOUSE_URL`, default http://127.0.0.1:8123, started by
/// `.ci/run`) and clickhouse-servers a test starts on free ports (to SIGKILL and restart them).
/// Every test works in a database of its own, dropped at its end.
enum TestClickHouse {
    static let url: String = {
        if let value = getenv("STRATA_TEST_CLICKHOUSE_URL"), value.pointee != 0 { return String(cString: value) }
        return "http://127.0.0.1:8123"
    }()

    static var isRequired: Bool { runningUnderCI }

    static let isReachable: Bool = {
        guard let configuration = try? ClickHouseConfiguration(url: url) else { return false }
        return tcpReachable(port: configuration.port)
    }()

    static var sharedServer: ConditionTrait {
        .enabled(
            if: isReachable || isRequired, "needs ClickHouse at \(url) (STRATA_TEST_CLICKHOUSE_URL; .ci/run starts one)"
        )
    }

    static let serverPath: String? = {
        for directory in ["/usr/sbin", "/usr/bin", "/usr/local/bin"] {
            if access("\(directory)/clickhouse-server", X_OK) == 0 { return "\(directory)/clickhouse-server" }
        }
        return nil
    }()

    static var serverBinary: ConditionTrait {
        .enabled(if: serverPath != nil || isRequired, "needs clickhouse-server (Debian's package)")
    }

    /// A client of the shared server in a fresh database `strata_test_<name>_<random>`.
    static func client(_ name: String, queryTimeout: Duration = .seconds(60)) async throws -> ClickHouseClient {
        var configuration = try ClickHouseConfiguration(url: url)
        configuration.database = "strata_test_\(name)_\(UInt32.random(in: 0...UInt32.max))"
        configuration.queryTimeout = queryTimeout
        let client = ClickHouseClient(configuration: configuration)
        try await client.createDatabase()
        return client
    }

    static func dispose(_ client: ClickHouseClient) async {
        try? await client.dropDatabase()
        try? await client.shutdown()
    }

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
        let (fd, port) = bindLoopback()
        close(fd)
        return port
    }
}

/// A clickhouse-server of one test: its own config, data directory and ports on 127.0.0.1,
/// SIGKILLed and restarted on the same data by the test, stopped by its pid.
final class TestClickHouseServer: @unchecked Sendable {
    // @unchecked: `process` is touched only by the test that owns the server, one call at a time.
    let httpPort = TestClickHouse.freePort()
    let tcpPort = TestClickHouse.freePort()
    let directory = makeTemporaryDirectory("strata-clickhouse")
    private var process: ChildProcess?

    init() throws {
        for sub in ["data", "tmp", "user_files", "format_schemas"] {
            try FileManager.default.createDirectory(atPath: directory + "/" + sub, withIntermediateDirectories: true)
        }
        writeText(
            directory + "/config.xml",
            """
            <?xml version="1.0"?>
            <yandex>
                <logger><level>warning</level><log>\(directory)/server.log</log><errorlog>\(directory)/error.log</errorlog><size>10M</size><count>2</count></logger>
                <http_port>\(httpPort)</http_port>
                <tcp_port>\(tcpPort)</tcp_port>
                <listen_host>127.0.0.1</listen_host>
                <path>\(directory)/data/</path>
                <tmp_path>\(directory)/tmp/</tmp_path>
                <user_files_path>\(directory)/user_files/</user_files_path>
                <format_schema_path>\(directory)/format_schemas/</format_schema_path>
                <users_config>users.xml</users_config>
                <default_profile>default</default_profile>
                <default_database>default</default_database>
                <mark_cache_size>53687091</mark_cache_size>
                <max_concurrent_queries>50</max_concurrent_queries>
                <timezone>UTC</timezone>
            </yandex>
            """)
        writeText(
            directory + "/users.xml",
            """
            <?xml version="1.0"?>
            <yandex>
                <profiles><default><max_memory_usage>2000000000</max_memory_usage></default></profiles>
                <users><default><password></password><networks><ip>127.0.0.1</ip></networks><profile>default</profile><quota>default</quota></default></users>
                <quotas><default><interval><duration>3600</duration><queries>0</queries><errors>0</errors><result_rows>0</result_rows><read_rows>0</read_rows><execution_time>0</execution_time></interval></default></quotas>
            </yandex>
            """)
        try start()
    }

    /// Starts the server and waits until its HTTP port answers (60 s at most: a loaded machine).
    func start() throws {
        guard let path = TestClickHouse.serverPath else {
            throw ClickHouseError(.invalidConfiguration, "no clickhouse-server")
        }
        // A ChildProcess, not Foundation's Process: clickhouse-server closes the descriptors it
        // inherited, which makes a Process stall every other child of the test run (see
        // ChildProcess).
        let process = try ChildProcess(
            [path, "--config-file=\(directory)/config.xml"], directory: directory)
        self.process = process
        let deadline = Date().addingTimeInterval(60)
        while !TestClickHouse.tcpReachable(port: httpPort) {
            guard Date() < deadline, process.isRunning else {
                throw ClickHouseError(.unavailable, "clickhouse-server did not start (see \(directory)/error.log)")
            }
            usleep(50_000)
        }
    }

    /// The end of the server's error log (for a failing test's message).
    func errorLogTail() -> String {
        let text = (try? String(contentsOfFile: directory + "/error.log", encoding: .utf8)) ?? ""
        return String(text.suffix(3_000))
    }

    func kill() {
        guard let process, process.isRunning else { return }
        process.signal(SIGKILL)
        process.waitUntilExit()
        self.process = nil
    }

    func configuration(database: String) -> ClickHouseConfiguration {
        ClickHouseConfiguration(
            host: "127.0.0.1", port: httpPort, database: database, connectTimeout: .seconds(2),
            // Generous: the full suite on two cores has kept a read of every row over 20 s.
            queryTimeout: .seconds(120))
    }

    deinit {
        kill()
        removeTree(directory)
    }
}

/// Real trades of `shared/data`: Kraken XBTUSDT (1,000) and Databento CME ESU4 (120).
enum RealTrades {
    static func kraken() throws -> [Trade] {
        let path = SharedData.path(
            "nautilus_trader_fixtures/original/crates/adapters/kraken/test_data/http_trades.json")
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path)))
        guard let result = (json as? [String: Any])?["result"] as? [String: Any],
            let rows = result["XBTUSDT"] as? [[Any]]
        else { throw ClickHouseError(.badResponse, "unexpected Kraken file") }
        let symbol: Symbol = "XBTUSDT"
        return try rows.map { row -> Trade in
            let seconds = (row[2] as! NSNumber).doubleValue
            return Trade(
                symbol: symbol, timestamp: Timestamp(nanoseconds: Int64((seconds * 1_000_000).rounded()) * 1_000),
                tradeID: (row[6] as! NSNumber).int64Value, price: try Price(row[0] as! String),
                quantity: try Quantity(row[1] as! String), isBuyerMaker: (row[3] as! String) == "s")
        }
    }

    static func databento() throws -> [Trade] {
        let path = SharedData.path(
            "nautilus_trader_fixtures/csv/futures_trades_2024-07-01T23-58_2024-07-02T00-02.csv")
        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").dropFirst()
        var seen: [Int64: Int64] = [:]
        let symbol: Symbol = "ESU4"
        return try lines.map { line -> Trade in
            let f = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            let sequence = Int64(f[8])!
            let position = seen[sequence, default: 0]
            seen[sequence] = position + 1
            return Trade(
                symbol: symbol, timestamp: Timestamp(nanoseconds: Int64(f[1])!), tradeID: sequence * 1_000 + position,
                price: try Price(f[5]), quantity: try Quantity(f[6]), isBuyerMaker: f[4] == "A")
        }
    }
}

/// A store with the trades table fed to a ClickHouse tier through a replicator.
struct FedStore {
    let directory: String
    let store: StrataStore
    let replicator: Replicator
    let tier: ClickHouseTier
    let running: Task<Void, Never>

    static let fastBreaker = CircuitBreaker.Configuration(
        failureThreshold: 2, windowSize: 10, minimumCalls: 5, failureRatePercent: 50, baseBackoff: 50_000_000,
        maximumBackoff: 500_000_000, probeTimeout: 20_000_000_000)

    init(client: ClickHouseClient, maxRowsPerBatch: Int = 10_000) throws {
        directory = makeTemporaryDirectory("strata-clickhouse-tier")
        store = try StrataStore.open(
            directory: directory + "/store",
            configuration: StrataStore.Configuration(
                durability: .osBuffered, validation: ValidationRules(window: .fixed(earliest: .min, latest: .max)),
                aggregates: true, maintenanceInterval: nil))
        let table = try store.table(named: "trades").unwrap("the trades table")
        let log = try CommitLog(
            configuration: .init(
                directory: directory + "/log", textLanes: Replicator.textLanes(of: table.schema), syncEachAppend: false)
        )
        tier = ClickHouseTier(client: client, configuration: .init(tables: [.trades]))
        replicator = try Replicator(
            configuration: .init(
                table: "trades", cursorDirectory: directory + "/cursors", maxRowsPerBatch: maxRowsPerBatch,
                breaker: Self.fastBreaker),
            log: log, tiers: [tier])
        try replicator.attach(to: table)
        running = replicator.start()
    }

    func stop() async {
        running.cancel()
        await running.value
        try? store.close()
        removeTree(directory)
    }
}

extension Optional {
    func unwrap(_ what: String) throws -> Wrapped {
        guard let self else { throw ClickHouseError(.badResponse, "missing: \(what)") }
        return self
    }
}

/// The rows ClickHouse holds of a trades table, as exact text, ordered by (symbol, time, id).
func storedTrades(_ client: ClickHouseClient) async throws -> [String] {
    try await client.rows(
        "SELECT symbol, ts_ns, trade_id, toString(price), toString(qty), is_buyer_maker FROM trades ORDER BY symbol, ts_ns, trade_id"
    ).map { $0.joined(separator: " ") }
}

/// The same text for Strata's trades.
func expectedRows(_ trades: [Trade]) -> [String] {
    func decimal(_ mantissa: Int64) -> String {
        let sign = mantissa < 0 ? "-" : ""
        let digits = String(mantissa.magnitude)
        let padded = String(repeating: "0", count: max(0, 9 - digits.count)) + digits
        return sign + padded.dropLast(8) + "." + padded.suffix(8)
    }
    return trades.sorted {
        ($0.symbol.name, $0.timestamp.nanoseconds, $0.tradeID) < ($1.symbol.name, $1.timestamp.nanoseconds, $1.tradeID)
    }.map {
        "\($0.symbol.name) \($0.timestamp.nanoseconds) \($0.tradeID) \(decimal($0.price.mantissa)) \(decimal($0.quantity.mantissa)) \($0.isBuyerMaker ? 1 : 0)"
    }
}
