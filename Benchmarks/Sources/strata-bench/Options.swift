import Foundation
import Strata
import StrataWorkload

/// The command line of `strata-bench`.
struct Options: Sendable {
    /// Workloads that can be picked with `--only`.
    enum Workload: String, Sendable, CaseIterable {
        case w1 = "W1"
        case w2 = "W2"
        case w3 = "W3"
        case w5 = "W5"
        case bars = "BARS"
        case csv = "CSV"
        case text = "TEXT"
        case recovery = "RECOVERY"
        case server = "SERVER"
        /// Order save + update under group commit (issue 9).
        case orders = "ORDERS"
        /// The open orders of a user.
        case openOrders = "OPEN"
        /// Job enqueue + dequeue + complete.
        case jobs = "JOBS"
        /// The soak (reliability load test): not part of a default run, it takes minutes.
        case soak = "SOAK"
        /// A full day of one symbol over HTTP as Arrow, CSV and JSON; the server's RSS.
        case arrow = "ARROW"
        /// The standard indicators over a year of 1-minute bars, beside TA-Lib.
        case indicators = "INDICATORS"
        /// Trades joined to quotes (ASOF JOIN), Strata vs DuckDB.
        case asof = "ASOF"
        /// Batch ingest into PostgreSQL through PostgresBackend against psql \copy (issue 10);
        /// runs only when named (it needs a server).
        case postgres = "PG"
        /// StrataRedis against redis-benchmark on the same server (issue 11): only when named.
        case redis = "REDIS"
        /// Parquet export against pyarrow, DuckDB on both (issue 12): only when named.
        case lake = "LAKE"
        /// ClickHouse ingest through the tier against clickhouse-client's TSV insert (issue 12):
        /// only when named.
        case clickhouse = "CLICKHOUSE"
        /// Engine + memory + Redis write-through, latest-100 per tier and catch-up after an
        /// outage, against redis-benchmark ZADD (issue 11): only when named.
        case tiers = "TIERS"
    }

    var rows = 10_000_000
    /// Whether `--rows` was given (SERVER runs 5 M rows unless it was).
    var rowsGiven = false
    /// Requests per second of the latest-100 client in SERVER (0: back to back).
    var serverQueryRate = 200.0
    /// Lines per HTTP request and rows per embedded append in SERVER.
    var serverBatch = 50_000
    /// SERVER's durability, as `STRATA_DURABILITY` spells it; nil: the server's default (fsync),
    /// which the embedded peer's default matches.
    var serverDurability: String?
    /// nil: a fresh temporary directory, removed at the end.
    var data: String?
    var strataBinary = "../.build/release/strata"
    var skipSQLite = false
    var only: Set<Workload> = Set(Workload.allCases).subtracting([.soak, .postgres, .redis, .lake, .clickhouse, .tiers])
    /// REDIS: the server (a throwaway one: the workload writes keys `key:…`), SETs pipelined in
    /// batches of `redisPipeline`, and GETs timed one by one.
    var redisURL = "redis://127.0.0.1:6390"
    var redisCommands = 1_000_000
    var redisPipeline = 1000
    var redisGets = 100_000
    /// TIERS: trades written through (on the REDIS server), rows per Redis call, and the outage:
    /// its length and the feed's rate during and after it.
    var tiersRows = 2_000_000
    var tiersBatch = 10_000
    var tiersOutageSeconds = 60
    var tiersRate = 100_000
    /// SOAK: how long, how many ILP/TCP connections, and latest-100 requests per second.
    var soakSeconds = 600.0
    /// Rows of the TEXT workload (news-like rows through the library).
    var textRows = 2_000_000
    var soakConnections = 8
    var soakQueryRate = 500.0
    var recoveryGiB = 1.0
    /// Seconds the recovery workload may spend writing its WAL before it stops short of the size.
    var recoveryBudget = 90.0
    /// Seconds one recovery open may take before its child process is stopped.
    var recoveryTimeout = 60.0
    /// Internal: run as the recovery child on this directory.
    var recoveryOpen: String?
    var seed = SyntheticTrades.Configuration.standard.seed
    var keepData = false
    /// Multiplies the timed runs of the Strata queries (W2, W3, W5), to give a profiler samples.
    var queryRepeat = 1
    /// ORDERS: operations (half saves, half updates).
    var orderOperations = 2_000_000
    /// ORDERS and JOBS: operations per group (Strata's append, SQLite's transaction).
    var recordsGroup = 1_000
    /// JOBS: jobs enqueued, dequeued and completed.
    var jobCount = 500_000
    /// OPEN: orders stored, their users, and queries timed.
    var openOrderCount = 100_000
    var users = 1_000
    var openQueries = 100_000
    /// ORDERS, OPEN, JOBS: timed runs of each (the figure is their median).
    var recordsRuns = 3
    /// ARROW: trades of the one symbol's day.
    var arrowRows = 1_930_000
    /// INDICATORS: 1-minute bars (a year).
    var indicatorBars = 525_600
    /// ASOF: trades, and as many quotes, of the one symbol joined.
    var asofRows = 3_000_000
    /// LAKE: trades exported to Parquet.
    var lakeRows = 2_000_000
    /// CLICKHOUSE: trades ingested each way, rows per tier call, the server (HTTP, and the
    /// native port clickhouse-client uses) and the peer's client.
    var clickhouseRows = 1_000_000
    var clickhouseBatch = 100_000
    var clickhouseURL = ProcessInfo.processInfo.environment["STRATA_TEST_CLICKHOUSE_URL"] ?? "http://127.0.0.1:8123"
    var clickhousePort = 19_001
    var clickhouseClient = "/usr/bin/clickhouse-client"
    /// INDICATORS and ASOF: the Python with `talib` and `duckdb` (the tests' virtual environment).
    var python = "../.build/python-venv/bin/python"
    /// PG: trades ingested, the server, and the peer's client.
    var pgRows = 1_000_000
    var postgresURL =
        ProcessInfo.processInfo.environment["STRATA_TEST_POSTGRES_URL"]
        ?? "postgres://postgres:test_password@127.0.0.1:5433/strata_test"
    var psql = "/usr/lib/postgresql/15/bin/psql"

    static let usage = """
        strata-bench: the standard Strata workload against the SQLite peer (GRDB, WAL mode), in one run.

        USAGE: swift run -c release strata-bench [options]

        OPTIONS:
          --rows N             trades in the workload (default 10000000)
          --data DIR           where the stores go; must be empty or absent; kept afterwards
                               (default: a fresh temporary directory, removed at the end)
          --strata-binary PATH the `strata` command for the CSV ingest (default ../.build/release/strata)
          --skip-sqlite        run Strata only
          --only LIST          comma-separated subset of W1,W2,W3,W5,BARS,CSV,TEXT,RECOVERY,SERVER,ORDERS,OPEN,JOBS,ARROW,INDICATORS,ASOF,SOAK,PG,REDIS,LAKE,CLICKHOUSE,TIERS
                               (default: all but SOAK, the reliability load test, and PG and REDIS, which
                               need a PostgreSQL or Redis server, and LAKE and CLICKHOUSE: those run only when named).
                               W2, W3 and W5 query the rows W1 stores, so W1's ingest runs for them too.
                               SERVER runs `strata serve` (--strata-binary) on 5 M rows unless --rows is given.
          --recovery-gib X     size of the WAL the recovery workload replays, in GiB (default 1; 0 skips)
          --recovery-budget S  stop writing the recovery WAL after S seconds even if it is smaller (default 90)
          --recovery-timeout S stop a recovery open (a child process) after S seconds (default 60)
          --server-query-rate R
                               latest-100 requests per second during the SERVER ingests (default 200;
                               0: back to back)
          --server-batch N     lines per HTTP /write request and rows per embedded append in SERVER
                               (default 50000)
          --server-durability D
                               SERVER's durability for the server (STRATA_DURABILITY) and the embedded peer:
                               fsync, group-commit:<ms> or os-buffered (default: both defaults, fsync)
          --text-rows N        rows of TEXT, news-like rows with two text columns (default 2000000)
          --soak-seconds S     SOAK (only with --only SOAK): how long (default 600)
          --soak-connections N SOAK: ILP/TCP connections sending at full speed (default 8)
          --soak-query-rate R  SOAK: latest-100 requests per second meanwhile (default 500)
          --orders N           ORDERS: operations, half saves and half updates (default 2000000)
          --group N            ORDERS and JOBS: operations per group commit / SQLite transaction (default 1000)
          --jobs N             JOBS: jobs enqueued, dequeued and completed (default 500000)
          --open-orders N      OPEN: orders stored (default 100000), over --users users (default 1000),
                               --open-queries queries timed one by one (default 100000)
          --records-runs K     ORDERS, OPEN, JOBS: timed runs each, the figure their median (default 3)
          --arrow-rows N       ARROW: trades of the day read back (default 1930000, the 10 M workload's top symbol)
          --indicator-bars N   INDICATORS: 1-minute bars (default 525600, a year)
          --asof-rows N        ASOF: trades joined to as many quotes (default 3000000)
          --lake-rows N        LAKE (only with --only LAKE): trades exported to Parquet (default 2000000)
          --clickhouse-rows N  CLICKHOUSE (only with --only CLICKHOUSE): trades ingested each way (default 1000000)
          --clickhouse-batch N CLICKHOUSE: rows per call of the tier (default 100000, log entries of 10000)
          --clickhouse-url URL CLICKHOUSE: the server's HTTP interface (default $STRATA_TEST_CLICKHOUSE_URL,
                               else http://127.0.0.1:8123; it creates and drops databases strata_bench_*)
          --clickhouse-port N  CLICKHOUSE: the same server's native port, for clickhouse-client (default 19001)
          --clickhouse-client PATH
                               CLICKHOUSE: the peer (default /usr/bin/clickhouse-client)
          --pg-rows N          PG (only with --only PG): trades ingested into PostgreSQL (default 1000000)
          --postgres-url URL   PG: the server (default $STRATA_TEST_POSTGRES_URL, else
                               postgres://postgres:test_password@127.0.0.1:5433/strata_test)
          --psql PATH          PG: the peer's client (default /usr/lib/postgresql/15/bin/psql)
          --python PATH        INDICATORS and ASOF: a Python with talib and duckdb (default
                               ../.build/python-venv/bin/python, made by Tests/StrataServerTests/Python/setup-venv.sh)
          --redis-url URL      REDIS: a throwaway server (default redis://127.0.0.1:6390; it writes key:… keys)
          --redis-commands N   REDIS: pipelined SETs (default 1000000), --redis-pipeline per batch (default 1000)
          --redis-gets N       REDIS: GETs timed one by one (default 100000)
          --tiers-rows N       TIERS (only with --only TIERS; on --redis-url): trades written through (default 2000000)
          --tiers-batch N      TIERS: rows per call of the Redis tier (default 10000)
          --tiers-outage S     TIERS: seconds Redis is unreachable (default 60)
          --tiers-rate N       TIERS: the feed's rows per second during and after the outage (default 100000)
          --query-repeat K     run the Strata queries K times as often (for perf record; default 1)
          --seed N             the workload's seed (default \(SyntheticTrades.Configuration.standard.seed))
          -h, --help           this text
        """

    /// Parses `arguments` (without the program name).
    static func parse(_ arguments: [String]) throws(OptionError) -> Options {
        var options = Options()
        var index = 0
        func value(_ name: String) throws(OptionError) -> String {
            index += 1
            guard index < arguments.count else { throw OptionError("\(name) needs a value") }
            return arguments[index]
        }
        while index < arguments.count {
            let argument = arguments[index]
            if let field = Options.positiveIntegers[argument] {
                let text = try value(argument).replacingUnderscores()
                guard let count = Int(text), count > 0 else {
                    throw OptionError("\(argument): expected a positive integer, got \(text)")
                }
                options[keyPath: field] = count
                index += 1
                continue
            }
            switch argument {
            case "--rows":
                let text = try value(argument).replacingUnderscores()
                guard let rows = Int(text), rows > 0 else {
                    throw OptionError("--rows: expected a positive integer, got \(text)")
                }
                options.rows = rows
                options.rowsGiven = true
            case "--data":
                options.data = try value(argument)
                options.keepData = true
            case "--strata-binary":
                options.strataBinary = try value(argument)
            case "--skip-sqlite":
                options.skipSQLite = true
            case "--only":
                let list = try value(argument)
                var selected: Set<Workload> = []
                for name in list.split(separator: ",") {
                    guard let workload = Workload(rawValue: name.trimmed().uppercased()) else {
                        throw OptionError(
                            "--only: unknown workload \(name); expected \(Workload.allCases.map(\.rawValue).joined(separator: ","))"
                        )
                    }
                    selected.insert(workload)
                }
                options.only = selected
            case "--soak-seconds":
                let text = try value(argument)
                guard let seconds = Double(text), seconds >= 10 else {
                    throw OptionError("--soak-seconds: expected a number of seconds >= 10, got \(text)")
                }
                options.soakSeconds = seconds
            case "--soak-connections":
                let text = try value(argument)
                guard let count = Int(text), (1...64).contains(count) else {
                    throw OptionError("--soak-connections: expected 1...64, got \(text)")
                }
                options.soakConnections = count
            case "--soak-query-rate":
                let text = try value(argument)
                guard let rate = Double(text), rate > 0 else {
                    throw OptionError("--soak-query-rate: expected a positive rate, got \(text)")
                }
                options.soakQueryRate = rate
            case "--recovery-gib":
                let text = try value(argument)
                guard let gib = Double(text), gib >= 0, gib <= 64 else {
                    throw OptionError("--recovery-gib: expected a number of GiB in 0...64, got \(text)")
                }
                options.recoveryGiB = gib
            case "--recovery-budget":
                let text = try value(argument)
                guard let seconds = Double(text), seconds > 0 else {
                    throw OptionError("--recovery-budget: expected a positive number of seconds, got \(text)")
                }
                options.recoveryBudget = seconds
            case "--recovery-timeout":
                let text = try value(argument)
                guard let seconds = Double(text), seconds > 0 else {
                    throw OptionError("--recovery-timeout: expected a positive number of seconds, got \(text)")
                }
                options.recoveryTimeout = seconds
            case "--recovery-open":
                options.recoveryOpen = try value(argument)
            case "--server-query-rate":
                let text = try value(argument)
                guard let rate = Double(text), rate >= 0, rate <= 100_000 else {
                    throw OptionError("--server-query-rate: expected requests per second in 0...100000, got \(text)")
                }
                options.serverQueryRate = rate
            case "--server-batch":
                let text = try value(argument).replacingUnderscores()
                guard let lines = Int(text), lines > 0 else {
                    throw OptionError("--server-batch: expected a positive integer, got \(text)")
                }
                options.serverBatch = lines
            case "--server-durability":
                let text = try value(argument)
                guard ServerDurability.parse(text) != nil else {
                    throw OptionError(
                        "--server-durability: expected fsync, group-commit:<ms> or os-buffered, got \(text)")
                }
                options.serverDurability = text
            case "--query-repeat":
                let text = try value(argument)
                guard let k = Int(text), k >= 1 else {
                    throw OptionError("--query-repeat: expected a positive integer, got \(text)")
                }
                options.queryRepeat = k
            case "--orders", "--group", "--jobs", "--open-orders", "--users", "--open-queries", "--records-runs":
                let text = try value(argument).replacingUnderscores()
                guard let count = Int(text), count > 0 else {
                    throw OptionError("\(argument): expected a positive integer, got \(text)")
                }
                switch argument {
                case "--orders": options.orderOperations = max(2, count)
                case "--group": options.recordsGroup = max(2, count)
                case "--jobs": options.jobCount = count
                case "--open-orders": options.openOrderCount = count
                case "--users": options.users = count
                case "--open-queries": options.openQueries = count
                default: options.recordsRuns = count
                }
            case "--arrow-rows":
                guard let count = Int(try value(argument)), count > 0 else {
                    throw OptionError("--arrow-rows expects a positive integer")
                }
                options.arrowRows = count
            case "--indicator-bars":
                guard let count = Int(try value(argument).replacingUnderscores()), count > 0 else {
                    throw OptionError("--indicator-bars expects a positive integer")
                }
                options.indicatorBars = count
            case "--redis-url":
                options.redisURL = try value(argument)
            case "--clickhouse-url":
                options.clickhouseURL = try value(argument)
            case "--clickhouse-client":
                options.clickhouseClient = try value(argument)
            case "--python":
                options.python = try value(argument)
            case "--postgres-url":
                options.postgresURL = try value(argument)
            case "--psql":
                options.psql = try value(argument)
            case "--seed":
                let text = try value(argument)
                guard let seed = UInt64(text) else {
                    throw OptionError("--seed: expected an unsigned integer, got \(text)")
                }
                options.seed = seed
            case "-h", "--help":
                throw OptionError(nil)
            default:
                throw OptionError("unknown option \(argument)")
            }
            index += 1
        }
        if options.recoveryGiB == 0 { options.only.remove(.recovery) }
        return options
    }

    /// The options that take a positive integer (`1_000_000` allowed), and what each sets.
    /// (`nonisolated(unsafe)`: key paths are not `Sendable`; the table is never mutated.)
    nonisolated(unsafe) static let positiveIntegers: [String: WritableKeyPath<Options, Int>] = [
        "--text-rows": \.textRows, "--asof-rows": \.asofRows, "--lake-rows": \.lakeRows, "--pg-rows": \.pgRows,
        "--redis-commands": \.redisCommands, "--redis-pipeline": \.redisPipeline, "--redis-gets": \.redisGets,
        "--tiers-rows": \.tiersRows, "--tiers-batch": \.tiersBatch, "--tiers-outage": \.tiersOutageSeconds,
        "--tiers-rate": \.tiersRate, "--clickhouse-rows": \.clickhouseRows, "--clickhouse-batch": \.clickhouseBatch,
        "--clickhouse-port": \.clickhousePort,
    ]

    func runs(_ workload: Workload) -> Bool { only.contains(workload) }

    /// Whether the W1 ingest must run (it loads the rows W2, W3 and W5 query).
    var needsIngest: Bool { runs(.w1) || runs(.w2) || runs(.w3) || runs(.w5) || runs(.bars) }
}

/// A bad command line; `message == nil` asks for the usage text.
struct OptionError: Error {
    var message: String?
    init(_ message: String?) { self.message = message }
}

extension String {
    func replacingUnderscores() -> String { String(filter { $0 != "_" }) }
    func trimmed() -> String { String(drop(while: \.isWhitespace).reversed().drop(while: \.isWhitespace).reversed()) }
}

extension Substring {
    func trimmed() -> String { String(self).trimmed() }
}
