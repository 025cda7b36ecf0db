// swift-tools-version: 6.2
//
// The Strata benchmark: the standard workload (SyntheticTrades) through Strata and, in the same
// run, through the SQLite peer (GRDB, WAL mode). Its own package so that the main package's
// `swift test` never builds GRDB.
//
//     cd Benchmarks && swift run -c release strata-bench --help
import PackageDescription

let package = Package(
    name: "StrataBenchmarks",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "strata-bench", targets: ["strata-bench"])
    ],
    dependencies: [
        // `name:` because a path dependency is otherwise named after its folder (`main`, a worktree…).
        .package(name: "Strata", path: ".."),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
    ],
    targets: [
        .executableTarget(
            name: "strata-bench",
            dependencies: [
                .product(name: "Strata", package: "Strata"),
                .product(name: "StrataWorkload", package: "Strata"),
                // For `Durability` (.groupCommit, .osBuffered), which `import Strata` does not re-export.
                .product(name: "StrataEngine", package: "Strata"),
                // The PG workload: the PostgreSQL backend (issue 10).
                .product(name: "StrataPostgres", package: "Strata"),
                // REDIS: the client of issue 11 against redis-benchmark.
                .product(name: "StrataRedis", package: "Strata"),
                // LAKE: the Parquet export of issue 12 against pyarrow.
                .product(name: "StrataLake", package: "Strata"),
                // CLICKHOUSE: the ClickHouse tier of issue 12 against clickhouse-client.
                .product(name: "StrataClickHouse", package: "Strata"),
                .product(name: "StrataTiers", package: "Strata"),
                // TIERS: the memory and Redis tiers fed from the log (issue 11).
                .product(name: "StrataRedisTier", package: "Strata"),
                .product(name: "GRDB", package: "GRDB.swift"),
            ],
            swiftSettings: [
                .enableUpcomingFeature("ExistentialAny"),
                .enableUpcomingFeature("MemberImportVisibility"),
                .enableUpcomingFeature("InternalImportsByDefault"),
            ]
        )
    ]
)
