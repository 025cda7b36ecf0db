// swift-tools-version: 6.2
//
// Strata: the storage layer for trading systems.
//
// Layering (see Docs/Architecture.md): StrataCore (vocabulary, no I/O) <- StrataEngine
// (embedded columnar engine, stdlib + system only) <- Strata (the facade users import)
// <- StrataImport (CSV import) and StrataWorkload (the synthetic workload) <- the `strata` command. Heavy dependencies stay out of the engine and its tests;
// the benchmark lives in its own package under Benchmarks/ so `swift test` never builds GRDB.
import PackageDescription

// Every target of ours builds warning-free, and stays so: a warning is an error here (not in
// dependencies, whose settings SwiftPM ignores).
let strictSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
    .enableUpcomingFeature("InternalImportsByDefault"),
    .treatAllWarnings(as: .error),
]

let package = Package(
    name: "Strata",
    products: [
        .library(name: "StrataCore", targets: ["StrataCore"]),
        .library(name: "StrataEngine", targets: ["StrataEngine"]),
        .library(name: "Strata", targets: ["Strata"]),
        .library(name: "StrataImport", targets: ["StrataImport"]),
        .library(name: "StrataWorkload", targets: ["StrataWorkload"]),
        .library(name: "StrataLineProtocol", targets: ["StrataLineProtocol"]),
        .library(name: "StrataWire", targets: ["StrataWire"]),
        .library(name: "StrataServer", targets: ["StrataServer"]),
        .library(name: "StrataPostgres", targets: ["StrataPostgres"]),
        .library(name: "StrataRedis", targets: ["StrataRedis"]),
        .library(name: "StrataLake", targets: ["StrataLake"]),
        .library(name: "StrataTiers", targets: ["StrataTiers"]),
        .library(name: "StrataRedisTier", targets: ["StrataRedisTier"]),
        .library(name: "StrataPostgresTier", targets: ["StrataPostgresTier"]),
        .library(name: "StrataClickHouse", targets: ["StrataClickHouse"]),
        .executable(name: "strata", targets: ["strata"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        // The server's dependencies: only StrataServer, the `strata` command and their tests use them.
        // Hummingbird's default traits (swift-configuration, full Foundation) are not needed.
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1", traits: []),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        // NIOHTTPTypes: the request and response parts the server's connection guard watches.
        .package(url: "https://github.com/apple/swift-nio-extras", from: "1.35.2"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/adam-fowler/compress-nio", from: "1.5.0"),
        // The live feed (WebSocket): StrataServer and its tests only.
        .package(url: "https://github.com/hummingbird-project/hummingbird-websocket", from: "2.8.1"),
        // TLS for HTTP (https, wss) and ILP over TCP (QuestDB's tcps): StrataServer only.
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        // ECDSA P-256 for the ILP-over-TCP challenge-response auth (QuestDB clients' scheme).
        .package(url: "https://github.com/apple/swift-crypto", "3.12.3"..<"5.0.0"),
        // The PostgreSQL backend's client: StrataPostgres and its tests only.
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
        // The ClickHouse tier's HTTP client: StrataClickHouse and its tests only.
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
    ],
    targets: [
        .target(name: "StrataCore", swiftSettings: strictSettings),
        // Our own C: the SSE4.2 CRC-32C instruction, which Swift cannot reach directly.
        .target(name: "CStrataSupport"),
        .target(name: "StrataEngine", dependencies: ["StrataCore", "CStrataSupport"], swiftSettings: strictSettings),
        .target(name: "Strata", dependencies: ["StrataCore", "StrataEngine"], swiftSettings: strictSettings),
        // CSV import into any table (the Binance layouts of the built-in tables, and a header
        // mapped onto any table's schema), with its quarantine of rejected rows.
        .target(name: "StrataImport", dependencies: ["Strata"], swiftSettings: strictSettings),
        // The synthetic workload (SyntheticTrades): the demo, `strata generate`, the benchmark, tests.
        .target(name: "StrataWorkload", dependencies: ["Strata"], swiftSettings: strictSettings),
        // InfluxDB line protocol (ILP): a pure parser, no I/O, used by the server.
        .target(name: "StrataLineProtocol", dependencies: ["StrataCore"], swiftSettings: strictSettings),
        // Wire formats of columnar answers: Apache Arrow IPC streams and CSV, from ColumnarBatch.
        .target(name: "StrataWire", dependencies: ["StrataCore"], swiftSettings: strictSettings),
        // The data lake (issue 12): Parquet written and read here (Thrift compact, Snappy), hive layout,
        // manifests, export and verification.
        .target(
            name: "StrataLake", dependencies: ["StrataCore", "StrataEngine", "Strata", "StrataWire"],
            swiftSettings: strictSettings),
        // A RESP2/RESP3 client for Redis on SwiftNIO (issue 11): codec, connection, pool, pub/sub, TLS.
        .target(
            name: "StrataRedis",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings
        ),
        // Tiers (issue 11, part 2): the circuit breaker, the replicator's cursors and the log-fed
        // replicator, the memory tier. No network package.
        .target(name: "StrataTiers", dependencies: ["StrataCore", "Strata"], swiftSettings: strictSettings),
        // The replicator's crash writer: commits and feeds a file tier until SIGKILLed (TiersCrashTests).
        .executableTarget(
            name: "StrataTiersCrashWriter", dependencies: ["StrataTiers", "StrataCore"], swiftSettings: strictSettings),
        // The cold tier's crash writer: runs the janitor until SIGKILLed (ColdTierCrashTests).
        .executableTarget(
            name: "StrataColdCrashWriter", dependencies: ["Strata", "StrataLake", "StrataCore"],
            swiftSettings: strictSettings),
        // The Redis tier: recent rows in sorted sets, pub/sub fan-out; fed by the replicator.
        .target(
            name: "StrataRedisTier",
            dependencies: [
                "StrataTiers", "StrataRedis", "StrataCore", .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: strictSettings),
        // PostgreSQL as a replica tier (issue 11, part 3): log entries applied to the PostgreSQL
        // backend's tables idempotently; postgres-nio stays out of the engine and of StrataTiers.
        .target(
            name: "StrataPostgresTier", dependencies: ["StrataTiers", "StrataPostgres", "StrataCore"],
            swiftSettings: strictSettings),
        // The ClickHouse analytics tier (issue 12): HTTP client, DDL from the catalog, the log-fed
        // tier, OHLCV bars by materialized views.
        .target(
            name: "StrataClickHouse",
            dependencies: [
                "StrataTiers", "StrataCore", "Strata",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings),
        // The server: ILP over HTTP, the JSON API, health, metrics, auth (Hummingbird 2).
        .target(
            name: "StrataServer",
            dependencies: [
                "Strata", "StrataImport", "StrataLineProtocol", "StrataWire", "CStrataSupport",
                // The PostgreSQL deployment modes (issue 10): `strata serve` opens a PostgresBackend.
                "StrataPostgres",
                // The configuration's `lake` block: the Parquet lake as the store's cold tier (issue 12).
                "StrataLake",
                // Tiers from configuration (issue 11, part 3).
                "StrataTiers", "StrataRedisTier", "StrataRedis", "StrataPostgresTier",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "CompressNIO", package: "compress-nio"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            swiftSettings: strictSettings
        ),
        // The PostgreSQL backend (issue 10): StorageBackend on postgres-nio, with its migrations.
        .target(
            name: "StrataPostgres",
            dependencies: [
                "StrataCore",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            swiftSettings: strictSettings
        ),
        .executableTarget(
            name: "strata",
            dependencies: [
                "Strata", "StrataImport", "StrataWorkload", "StrataServer", "StrataWire", "StrataLake",
                // `strata migrate` (issue 10).
                "StrataPostgres",
                // `strata tiers status|verify|repair` (issue 11).
                "StrataTiers",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings
        ),
        // The crash campaigns: the workload shared by the writer and the tests, and a child process
        // that appends batches and drives seals, compactions, retention and recovery, printing each
        // acknowledgement, so the test can SIGKILL it at arbitrary points.
        .target(name: "StrataCrashSupport", dependencies: ["Strata"], swiftSettings: strictSettings),
        .executableTarget(
            name: "StrataCrashWriter", dependencies: ["Strata", "StrataCrashSupport"], swiftSettings: strictSettings),
        // Fuzz harnesses as plain functions (`fuzzOne`): replayed by StrataFuzzTests in `swift test`;
        // scripts/fuzz.sh builds this target with -sanitize=fuzzer and links Fuzz/Sources/<harness>
        // (libFuzzer entry points, which cannot link in ordinary builds) with swiftc.
        .target(
            name: "StrataFuzzing", dependencies: ["Strata", "StrataEngine", "StrataImport", "StrataLineProtocol"],
            swiftSettings: strictSettings),
        // Test support shared by the test targets: where the real-data fixtures are.
        .target(name: "CStrataTestSupport", path: "Tests/CStrataTestSupport"),
        .target(
            name: "StrataTestSupport", dependencies: ["CStrataTestSupport"], path: "Tests/StrataTestSupport",
            swiftSettings: strictSettings),
        .testTarget(name: "StrataCoreTests", dependencies: ["StrataCore"], swiftSettings: strictSettings),
        .testTarget(name: "StrataEngineTests", dependencies: ["StrataEngine"], swiftSettings: strictSettings),
        .testTarget(
            name: "StrataTests",
            dependencies: ["Strata", "StrataWorkload", "StrataCrashSupport", "StrataTestSupport"],
            swiftSettings: strictSettings),
        .testTarget(
            name: "StrataFuzzTests", dependencies: ["StrataCore", "StrataFuzzing"], swiftSettings: strictSettings),
        .testTarget(
            name: "StrataCLITests",
            dependencies: ["Strata", "StrataImport", "StrataWorkload", "StrataTestSupport", "StrataLake"],
            swiftSettings: strictSettings),
        .testTarget(
            name: "StrataLakeTests",
            dependencies: ["StrataLake", "Strata", "StrataCore", "StrataWire", "StrataWorkload", "StrataTestSupport"],
            // The real readers' script (pyarrow, polars, DuckDB), run by LakePythonReaderTests.
            exclude: ["Python"],
            swiftSettings: strictSettings),
        .testTarget(
            name: "StrataLineProtocolTests", dependencies: ["StrataLineProtocol", "StrataTestSupport"],
            swiftSettings: strictSettings),
        .testTarget(
            name: "StrataWireTests", dependencies: ["StrataWire", "StrataCore", "StrataTestSupport"],
            // The real readers' script (pyarrow, polars, DuckDB), run by ArrowReaderTests.
            exclude: ["Python"],
            swiftSettings: strictSettings),
        // Against a real redis-server (STRATA_TEST_REDIS_URL, default redis://127.0.0.1:6390).
        .testTarget(
            name: "StrataRedisTests",
            dependencies: [
                "StrataRedis", "StrataTestSupport",
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "StrataTiersTests", dependencies: ["StrataTiers", "StrataCore", "Strata", "StrataTestSupport"],
            swiftSettings: strictSettings),
        // Against the real Redis (STRATA_TEST_REDIS_URL) and redis-servers the tests start and kill.
        .testTarget(
            name: "StrataRedisTierTests",
            dependencies: [
                "StrataRedisTier", "StrataTiers", "StrataRedis", "StrataCore", "StrataTestSupport",
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: strictSettings),
        // Against clickhouse-servers the tests start (STRATA_TEST_CLICKHOUSE_URL, or their own).
        .testTarget(
            name: "StrataClickHouseTests",
            dependencies: [
                "StrataClickHouse", "StrataTiers", "StrataCore", "Strata", "StrataImport", "StrataTestSupport",
                "StrataWorkload", .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: strictSettings),
        .testTarget(
            name: "StrataPostgresTests",
            dependencies: [
                "StrataPostgres", "StrataCore", "StrataEngine", "Strata", "StrataTestSupport",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings),
        .testTarget(
            name: "StrataServerTests",
            dependencies: [
                "Strata", "StrataEngine", "StrataImport", "StrataServer", "StrataLineProtocol", "StrataTestSupport",
                "StrataPostgres",
                // The tiers' server tests (issue 11, part 3).
                "StrataTiers", "StrataRedis", "StrataPostgresTier",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "CompressNIO", package: "compress-nio"),
                .product(name: "HummingbirdWSClient", package: "hummingbird-websocket"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            // The real Python clients' checks, run by PythonClientTests.
            exclude: ["Python"],
            swiftSettings: strictSettings
        ),
    ]
)
