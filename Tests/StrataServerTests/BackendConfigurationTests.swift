import Strata
import StrataPostgres
import StrataServer
import StrataTestSupport
import Testing

/// The deployment modes (`backend`, `postgres.…`) from the file and from `STRATA_…` variables
/// alone; the example files of `Docs/examples/deployment` load.
@Suite struct BackendConfigurationTests {
    static let examples = PythonClients.repositoryRoot + "/Docs/examples/deployment"

    @Test func embeddedIsTheDefault() throws {
        let loaded = try ServerConfiguration.load(file: nil, environment: ["STRATA_AUTH_DISABLED": "true"])
        #expect(loaded.backend == .embedded)
        #expect(try loaded.postgresConfiguration() == nil)
    }

    /// Every PostgreSQL setting as a variable: the mode is chosen with no file at all.
    @Test func postgresModesFromTheEnvironmentAlone() throws {
        let loaded = try ServerConfiguration.load(
            file: nil,
            environment: [
                "STRATA_AUTH_DISABLED": "true", "STRATA_BACKEND": "postgresql",
                "STRATA_POSTGRES_URL": "postgres://strata@db.example:6543/trading?schema=ignored",
                "STRATA_POSTGRES_PASSWORD": "s3cret", "STRATA_POSTGRES_SCHEMA": "node_a",
                "STRATA_POSTGRES_POOL_SIZE": "12", "STRATA_POSTGRES_TLS": "require",
                "STRATA_POSTGRES_CONNECT_TIMEOUT_MILLISECONDS": "1500",
                "STRATA_POSTGRES_OPERATION_TIMEOUT_MILLISECONDS": "2500", "STRATA_POSTGRES_MIGRATE_ON_START": "false",
            ])
        #expect(loaded.backend == .postgres)
        let postgres = try #require(try loaded.postgresConfiguration())
        #expect(postgres.host == "db.example")
        #expect(postgres.port == 6543)
        #expect(postgres.user == "strata")
        #expect(postgres.password == "s3cret")
        #expect(postgres.database == "trading")
        #expect(postgres.schema == "node_a")
        #expect(postgres.poolSize == 12)
        #expect(postgres.tls == .require)
        #expect(postgres.connectTimeout == .milliseconds(1500))
        #expect(postgres.operationTimeout == .milliseconds(2500))
        #expect(postgres.migrateOnStart == false)

        let hybrid = try ServerConfiguration.load(
            file: nil,
            environment: [
                "STRATA_AUTH_DISABLED": "true", "STRATA_BACKEND": "embedded+postgresql",
                "STRATA_POSTGRES_URL": "postgresql://u:p@127.0.0.1/db", "STRATA_DATA": "/tmp/node",
            ])
        #expect(hybrid.backend == .embeddedPostgres)
        #expect(hybrid.dataDirectory == "/tmp/node")
        let settings = try #require(try hybrid.postgresConfiguration())
        #expect(settings.endpoint == "127.0.0.1:5432/db")
        #expect(settings.operationTimeout == .seconds(10), "the server's default")
        #expect(settings.migrateOnStart, "migrations applied at start by default")
    }

    /// `postgres.migrateOnStart` in the file (also spelled `migrate_on_start`), overridden by
    /// `STRATA_POSTGRES_MIGRATE_ON_START`.
    @Test func migrateOnStartFromTheFile() throws {
        let directory = makeTemporaryDirectory("strata-migrate-on-start")
        defer { removeTree(directory) }
        for key in ["migrateOnStart", "migrate_on_start"] {
            let path = directory + "/\(key).json"
            writeText(
                path,
                #"{"backend": "postgresql", "auth": {"disabled": true}, "postgres": {"url": "postgres://h/d", "\#(key)": false}}"#
            )
            let loaded = try ServerConfiguration.load(file: path, environment: [:])
            #expect(try loaded.postgresConfiguration()?.migrateOnStart == false, "\(key)")
            let overridden = try ServerConfiguration.load(
                file: path, environment: ["STRATA_POSTGRES_MIGRATE_ON_START": "true"])
            #expect(try overridden.postgresConfiguration()?.migrateOnStart == true, "\(key)")
        }
    }

    /// Bad values fail start-up naming the key: an unknown mode, a missing URL, a bad pool size,
    /// TLS mode, schema or timeout, and an unknown `STRATA_POSTGRES_` variable.
    @Test func badValuesNameTheirKey() {
        let base = ["STRATA_AUTH_DISABLED": "true"]
        let cases: [([String: String], String)] = [
            (["STRATA_BACKEND": "mysql"], "STRATA_BACKEND"),
            (["STRATA_BACKEND": "postgresql"], "postgres.url"),
            (["STRATA_BACKEND": "postgresql", "STRATA_POSTGRES_URL": "mysql://x"], "postgres.url"),
            (["STRATA_BACKEND": "postgresql", "STRATA_POSTGRES_URL": "postgres://h:99999/d"], "postgres.url"),
            (
                [
                    "STRATA_BACKEND": "postgresql", "STRATA_POSTGRES_URL": "postgres://h/d",
                    "STRATA_POSTGRES_POOL_SIZE": "0",
                ],
                "postgres.poolSize"
            ),
            (
                [
                    "STRATA_BACKEND": "postgresql", "STRATA_POSTGRES_URL": "postgres://h/d",
                    "STRATA_POSTGRES_POOL_SIZE": "x",
                ],
                "STRATA_POSTGRES_POOL_SIZE"
            ),
            (["STRATA_POSTGRES_TLS": "maybe"], "STRATA_POSTGRES_TLS"),
            (
                [
                    "STRATA_BACKEND": "postgresql", "STRATA_POSTGRES_URL": "postgres://h/d",
                    "STRATA_POSTGRES_SCHEMA": "Bad-Name",
                ],
                "postgres.schema"
            ),
            (["STRATA_POSTGRES_OPERATION_TIMEOUT_MILLISECONDS": "0"], "postgres.operationTimeoutMilliseconds"),
            (["STRATA_POSTGRES_HOST": "db"], "STRATA_POSTGRES_HOST"),
            (["STRATA_POSTGRES_MIGRATE_ON_START": "maybe"], "STRATA_POSTGRES_MIGRATE_ON_START"),
        ]
        for (environment, key) in cases {
            #expect {
                try ServerConfiguration.load(file: nil, environment: base.merging(environment) { $1 })
            } throws: { error in
                (error as? ConfigurationError)?.key == key
            }
        }
    }

    /// The three documented files load as they are, and say what they say.
    @Test func theExampleFilesLoad() throws {
        let embedded = try ServerConfiguration.load(file: Self.examples + "/embedded.json", environment: [:])
        #expect(embedded.backend == .embedded)
        #expect(embedded.dataDirectory == "/var/lib/strata")
        let hybrid = try ServerConfiguration.load(file: Self.examples + "/embedded-postgresql.json", environment: [:])
        #expect(hybrid.backend == .embeddedPostgres)
        #expect(try hybrid.postgresConfiguration()?.poolSize == 8)
        #expect(try hybrid.postgresConfiguration()?.tls == .require)
        let stateless = try ServerConfiguration.load(file: Self.examples + "/postgresql.json", environment: [:])
        #expect(stateless.backend == .postgres)
        #expect(try stateless.postgresConfiguration()?.schema == "strata")
        #expect(try stateless.postgresConfiguration()?.password == "change-me")
        // The environment overrides the file, as for every other key.
        let overridden = try ServerConfiguration.load(
            file: Self.examples + "/postgresql.json", environment: ["STRATA_POSTGRES_POOL_SIZE": "2"])
        #expect(try overridden.postgresConfiguration()?.poolSize == 2)
        #expect {
            try ServerConfiguration.load(
                file: Self.examples + "/postgresql.json", environment: ["STRATA_BACKEND": "sqlite"])
        } throws: { error in
            (error as? ConfigurationError)?.key == "STRATA_BACKEND"
        }
    }
}
