import Strata
import StrataServer
import Testing

/// The `tiers` block (`tiers.…`, `STRATA_TIERS_…`): routes per table and by default, each tier's
/// settings, and the errors naming the key of a bad value.
@Suite struct TiersConfigurationTests {
    static func load(_ json: String, _ environment: [String: String] = [:]) throws -> ServerConfiguration {
        var configuration = ServerConfiguration()
        try configuration.apply(json: Array(json.utf8))
        try configuration.apply(environment: ["STRATA_AUTH_DISABLED": "true"].merging(environment) { $1 })
        try configuration.validate()
        return configuration
    }

    static func error(_ json: String, _ environment: [String: String] = [:]) -> ConfigurationError? {
        do {
            _ = try load(json, environment)
            return nil
        } catch {
            return error as? ConfigurationError
        }
    }

    @Test func noTiersByDefault() throws {
        let loaded = try Self.load("{}")
        #expect(!loaded.tiers.isOn)
        #expect(loaded.tiers.route(table: "trades") == nil)
    }

    @Test func routesPerTableAndByDefaultFromTheFile() throws {
        let loaded = try Self.load(
            """
            {"tiers": {
              "default": {"write": ["memory", "redis"]},
              "tables": {"trades": {"write": ["memory", "redis", "postgresql"], "read": ["redis"]}},
              "memory": {"rows": 500, "tables": {"trades": 5000}},
              "redis": {"url": "redis://127.0.0.1:6390/2", "rows": 200, "keyPrefix": "node:"},
              "postgresql": {"url": "postgres://u@h/db"},
              "logRetentionBytes": 1048576, "breakerBackoffMilliseconds": 50
            }}
            """)
        let tiers = loaded.tiers
        #expect(tiers.isOn)
        #expect(tiers.route(table: "trades")?.write == [.memory, .redis, .postgresql])
        #expect(tiers.route(table: "trades")?.readTiers == [.redis])
        #expect(tiers.route(table: "quotes")?.write == [.memory, .redis])
        #expect(tiers.route(table: "quotes")?.readTiers == [.memory, .redis], "default: the readable written tiers")
        #expect(tiers.memoryRows == 500 && tiers.memoryTableRows["trades"] == 5000)
        #expect(
            tiers.redisURL == "redis://127.0.0.1:6390/2" && tiers.redisRows == 200 && tiers.redisKeyPrefix == "node:")
        #expect(tiers.postgresURL == "postgres://u@h/db")
        #expect(tiers.logRetentionBytes == 1_048_576 && tiers.breakerBackoffMilliseconds == 50)
        #expect(tiers.kinds == [.memory, .redis, .postgresql])
    }

    @Test func theDefaultRouteFromTheEnvironment() throws {
        let loaded = try Self.load(
            "{}",
            [
                "STRATA_TIERS_WRITE": "memory,redis", "STRATA_TIERS_READ": "redis",
                "STRATA_TIERS_REDIS_URL": "redis://r:6379", "STRATA_TIERS_REDIS_ROWS": "300",
                "STRATA_TIERS_MEMORY_ROWS": "64", "STRATA_TIERS_LOG_RETENTION_BYTES": "4096",
                "STRATA_TIERS_REDIS_KEY_PREFIX": "a:", "STRATA_TIERS_BREAKER_BACKOFF_MILLISECONDS": "10",
            ])
        #expect(loaded.tiers.defaultRoute == .init(write: [.memory, .redis], read: [.redis]))
        #expect(loaded.tiers.redisRows == 300 && loaded.tiers.memoryRows == 64 && loaded.tiers.redisKeyPrefix == "a:")
        #expect(loaded.tiers.logRetentionBytes == 4096 && loaded.tiers.breakerBackoffMilliseconds == 10)
    }

    @Test func syncTiersFromTheFileAndTheEnvironment() throws {
        let file = try Self.load(
            """
            {"tiers": {"tables": {"trades": {"write": ["memory", "postgresql"], "sync": ["postgresql"]}},
                       "postgresql": {"url": "postgres://u@h/db"}, "syncTimeoutMilliseconds": 250, "syncDegrade": true}}
            """)
        #expect(file.tiers.route(table: "trades")?.sync == [.postgresql])
        #expect(file.tiers.syncTimeoutMilliseconds == 250 && file.tiers.syncDegrade)
        let environment = try Self.load(
            "{}",
            [
                "STRATA_TIERS_WRITE": "memory,redis", "STRATA_TIERS_SYNC": "redis",
                "STRATA_TIERS_REDIS_URL": "redis://r",
                "STRATA_TIERS_SYNC_TIMEOUT_MILLISECONDS": "900", "STRATA_TIERS_SYNC_DEGRADE": "false",
            ])
        #expect(environment.tiers.defaultRoute == .init(write: [.memory, .redis], sync: [.redis]))
        #expect(environment.tiers.syncTimeoutMilliseconds == 900 && !environment.tiers.syncDegrade)
        #expect(try Self.load("{}").tiers.syncTimeoutMilliseconds == 5_000)
    }

    @Test func thePostgresTierFallsBackOnPostgresURL() throws {
        let loaded = try Self.load(
            #"{"postgres": {"url": "postgres://u@h/db"}, "tiers": {"default": {"write": ["postgresql"]}}}"#)
        #expect(loaded.tiers.route(table: "trades")?.readTiers == [])
    }

    @Test func memoryOnlyIsTheMemoryTierAlone() throws {
        let loaded = try Self.load(#"{"tiers": {"memoryOnly": true}}"#)
        #expect(loaded.tiers.isOn && loaded.tiers.memoryOnly)
        #expect(loaded.tiers.route(table: "trades") == .init(write: [.memory]))
        #expect(try Self.load("{}", ["STRATA_TIERS_MEMORY_ONLY": "true"]).tiers.memoryOnly)
    }

    @Test(arguments: [
        (#"{"tiers": {"default": {"write": ["disk"]}}}"#, "tiers.default.write"),
        (#"{"tiers": {"default": {"read": ["memory"]}}}"#, "tiers.default.write"),
        (#"{"tiers": {"default": {"write": ["memory"], "read": ["redis"]}}}"#, "tiers.default.read"),
        (
            #"{"tiers": {"tables": {"trades": {"write": ["postgresql"], "read": ["postgresql"]}}}}"#,
            "tiers.tables.trades.read"
        ),
        (#"{"tiers": {"default": {"write": ["memory", "memory"]}}}"#, "tiers.default.write"),
        (#"{"tiers": {"default": {"write": ["redis"]}}}"#, "tiers.redis.url"),
        (#"{"tiers": {"default": {"write": ["postgresql"]}}}"#, "tiers.postgresql.url"),
        (#"{"tiers": {"memory": {"rows": 0}, "default": {"write": ["memory"]}}}"#, "tiers.memory.rows"),
        (#"{"tiers": {"redis": {"host": "x"}}}"#, "tiers.redis.host"),
        (#"{"tiers": {"memoryOnly": true, "default": {"write": ["memory"]}}}"#, "tiers.memoryOnly"),
        (#"{"tiers": {"speed": 1}}"#, "tiers.speed"),
        (#"{"tiers": {"default": {"write": ["memory"], "sync": ["redis"]}}}"#, "tiers.default.sync"),
        (
            #"{"tiers": {"syncTimeoutMilliseconds": 0, "default": {"write": ["memory"]}}}"#,
            "tiers.syncTimeoutMilliseconds"
        ),
    ])
    func aBadValueNamesItsKey(json: String, key: String) {
        let error = Self.error(json)
        #expect(error?.key == key, "\(String(describing: error))")
    }

    @Test func subscribingToOtherNodesRowsNeedsRedis() throws {
        let loaded = try Self.load(
            "{}", ["STRATA_TIERS_REDIS_SUBSCRIBE": "trades,quotes", "STRATA_TIERS_REDIS_URL": "redis://r:6379"])
        #expect(loaded.tiers.redisSubscribe == ["trades", "quotes"] && loaded.tiers.isOn)
        #expect(Self.error(#"{"tiers": {"redis": {"subscribe": ["trades"]}}}"#)?.key == "tiers.redis.url")
    }

    @Test func aBadVariableNamesItself() {
        #expect(Self.error("{}", ["STRATA_TIERS_WRITE": "memory,tape"])?.key == "STRATA_TIERS_WRITE")
        #expect(Self.error("{}", ["STRATA_TIERS_REDIS_ROWS": "many"])?.key == "STRATA_TIERS_REDIS_ROWS")
    }

    @Test func postgresqlIsNoTierWhenItIsTheSystemOfRecord() {
        let error = Self.error(
            #"{"backend": "postgresql", "postgres": {"url": "postgres://u@h/db"}, "tiers": {"default": {"write": ["postgresql"]}}}"#
        )
        #expect(error?.key == "tiers", "\(String(describing: error))")
    }
}
