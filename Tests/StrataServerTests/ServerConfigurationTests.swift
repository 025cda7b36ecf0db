import HTTPTypes
import Strata
import StrataEngine
import StrataServer
import StrataTestSupport
import Testing

@Suite struct ServerConfigurationTests {
    /// Every limit is settable from the file and from its derived environment variable, and a
    /// value out of range fails start-up naming the key.
    @Test func limitsFromFileAndEnvironment() throws {
        let file = makeTemporaryDirectory() + "/strata.json"
        writeText(
            file,
            """
            {"http": {"headerTimeoutMilliseconds": 2000, "maxConnections": 50},
             "ilp": {"maxNewSymbolsPerRequest": 7, "tcp": {"idleTimeoutMilliseconds": 9000}},
             "auth": {"disabled": true}, "log": {"format": "json"}}
            """)
        let loaded = try ServerConfiguration.load(
            file: file, environment: ["STRATA_HTTP_MAX_HEADER_BYTES": "2048", "STRATA_ILP_TCP_MAX_CONNECTIONS": "3"])
        #expect(loaded.limits.headerTimeoutMilliseconds == 2_000)
        #expect(loaded.limits.maxConnections == 50)
        #expect(loaded.storeSettings.maxNewSymbolsPerRequest == 7)
        #expect(loaded.limits.tcpIdleTimeoutMilliseconds == 9_000)
        #expect(loaded.limits.maxHeaderBytes == 2_048)
        #expect(loaded.limits.tcpMaxConnections == 3)
        #expect(loaded.logFormat == .json)
        #expect {
            try ServerConfiguration.load(
                file: nil, environment: ["STRATA_AUTH_DISABLED": "true", "STRATA_HTTP_MAX_CONNECTIONS": "0"])
        } throws: { error in
            (error as? ConfigurationError)?.key == "http.maxConnections"
        }
        #expect {
            try ServerConfiguration.load(
                file: nil, environment: ["STRATA_AUTH_DISABLED": "true", "STRATA_LOG_FORMAT": "xml"])
        } throws: { error in
            (error as? ConfigurationError)?.key == "STRATA_LOG_FORMAT"
        }
    }

    /// User-defined tables declared in the configuration file, with no Swift: the store the
    /// server opens has them; a bad declaration fails start-up naming its place in the file.
    @Test func tablesFromTheConfigurationFile() async throws {
        let directory = makeTemporaryDirectory()
        defer { removeTree(directory) }
        let file = directory + "/strata.json"
        writeText(
            file,
            """
            {"auth": {"disabled": true},
             "tables": [{"name": "signals", "timestamp": "ts", "key": {"column": "id"},
                         "columns": [{"name": "ts", "type": "timestamp"}, {"name": "symbol", "type": "symbol"},
                                     {"name": "id", "type": "int64"},
                                     {"name": "score", "type": "float64", "min": ">=-1", "max": "<=1"}]}]}
            """)
        let loaded = try ServerConfiguration.load(file: file, environment: [:])
        #expect(loaded.tables.map(\.name) == ["signals"])
        #expect(loaded.tables.first?.column(named: "score")?.rules.maximum?.description == "1")
        let store = try StrataStore.open(
            directory: directory + "/data",
            configuration: .init(durability: .osBuffered, maintenanceInterval: nil, tables: loaded.tables))
        defer { try? store.close() }
        let signals = try #require(store.table(named: "signals"))
        try await signals.append([
            Row(symbol: "BTCUSDT", ["ts": .timestamp(WallClock.now()), "id": .integer(1), "score": .float(0.25)])
        ])
        #expect(store.health().contains { $0.table == "signals" })

        writeText(
            file,
            """
            {"auth": {"disabled": true},
             "tables": [{"name": "signals", "timestamp": "ts",
                         "columns": [{"name": "ts", "type": "timestamp"}, {"name": "symbol", "type": "symbol"},
                                     {"name": "score", "type": "double"}]}]}
            """)
        #expect {
            try ServerConfiguration.load(file: file, environment: [:])
        } throws: { error in
            let error = error as? ConfigurationError
            return error?.key == "tables[0].columns[2].type" && error?.message.contains("'double'") == true
        }
    }

    @Test func defaults() throws {
        let configuration = ServerConfiguration()
        #expect(configuration.host == "127.0.0.1")
        #expect(configuration.port == 9000)
        #expect(configuration.auth.disabled == false)
    }

    @Test func fullFileThenEnvironment() throws {
        let file = makeTemporaryDirectory() + "/strata.json"
        writeText(
            file,
            """
            {
              "http": {"host": "0.0.0.0", "port": 9100, "maxRequestBytes": 1048576},
              "ilp": {"maxLineBytes": 65536},
              "data": "/var/lib/strata",
              "durability": "group-commit:10",
              "auth": {"disabled": false, "readTokens": ["r1", "r2"], "writeTokens": ["w1"]},
              "log": {"level": "debug"}
            }
            """)
        let fromFile = try ServerConfiguration.load(file: file, environment: [:])
        #expect(fromFile.host == "0.0.0.0")
        #expect(fromFile.port == 9100)
        #expect(fromFile.maxRequestBytes == 1_048_576)
        #expect(fromFile.maxLineBytes == 65_536)
        #expect(fromFile.dataDirectory == "/var/lib/strata")
        #expect(fromFile.durability == .groupCommit(milliseconds: 10))
        #expect(fromFile.auth.readTokens == ["r1", "r2"])
        #expect(fromFile.logLevel == "debug")
        let overridden = try ServerConfiguration.load(
            file: file,
            environment: [
                "STRATA_HTTP_PORT": "9200", "STRATA_DATA": "/tmp/x", "STRATA_TOKENS_WRITE": "a, b",
                "STRATA_TOKENS_READ": "", "STRATA_DURABILITY": "os-buffered", "PATH": "/bin",
            ])
        #expect(overridden.port == 9200)
        #expect(overridden.dataDirectory == "/tmp/x")
        #expect(overridden.auth.writeTokens == ["a", "b"])
        #expect(overridden.auth.readTokens.isEmpty)
        #expect(overridden.durability == .osBuffered)
        #expect(overridden.host == "0.0.0.0")
    }

    @Test(arguments: [
        (["STRATA_HTTP_PORT": "nine"], "STRATA_HTTP_PORT"),
        (["STRATA_HTTP_PORT": "70000"], "http.port"),
        (["STRATA_AUTH_DISABLED": "maybe"], "STRATA_AUTH_DISABLED"),
        (["STRATA_DURABILITY": "sometimes"], "STRATA_DURABILITY"),
        (["STRATA_HTTP_MAX_REQUEST_BYTES": "-1"], "http.maxRequestBytes"),
        (["STRATA_LOG_LEVEL": "loud"], "log.level"),
        (["STRATA_PORT": "1"], "STRATA_PORT"),
        (["STRATA_TOKENS_WRITE": ""], "auth"),
    ])
    func badEnvironmentValueNamesItsKey(environment: [String: String], key: String) throws {
        var environment = environment
        if environment["STRATA_TOKENS_WRITE"] == nil { environment["STRATA_TOKENS_WRITE"] = "w" }
        let error = #expect(throws: ConfigurationError.self) {
            try ServerConfiguration.load(file: nil, environment: environment)
        }
        #expect(error?.key == key)
        #expect(error?.description.contains(key) == true)
    }

    /// The test suite's variables (its servers' URLs) reach every process it starts: ignored.
    @Test func theTestSuitesVariablesAreIgnored() throws {
        let environment = [
            "STRATA_TOKENS_WRITE": "w", "STRATA_TEST_POSTGRES_URL": "postgres://x",
            "STRATA_TEST_REDIS_URL": "redis://x",
        ]
        #expect(try ServerConfiguration.load(file: nil, environment: environment).auth.writeTokens == ["w"])
        #expect(throws: ConfigurationError.self) {
            try ServerConfiguration.load(file: nil, environment: ["STRATA_TOKENS_WRITE": "w", "STRATA_TESTS": "1"])
        }
    }

    @Test(arguments: [
        (#"{"http": {"port": "9000"}}"#, "http.port"),
        (#"{"http": {"prot": 9000}}"#, "http.prot"),
        (#"{"auth": {"disabled": "yes"}}"#, "auth.disabled"),
        (#"{"auth": {"writeTokens": [1]}}"#, "auth.writeTokens"),
        (#"{"durability": "fast"}"#, "durability"),
        (#"{"data": 5}"#, "data"),
        (#"{"verbose": true}"#, "verbose"),
        (#"{"http": 1}"#, "http"),
    ])
    func badFileValueNamesItsKey(json: String, key: String) throws {
        var configuration = ServerConfiguration()
        let error = #expect(throws: ConfigurationError.self) { try configuration.apply(json: Array(json.utf8)) }
        #expect(error?.key == key)
    }

    @Test func unreadableOrInvalidFile() throws {
        #expect(throws: ConfigurationError.self) {
            try ServerConfiguration.load(file: "/nonexistent/strata.json", environment: [:])
        }
        var configuration = ServerConfiguration()
        #expect(throws: ConfigurationError.self) { try configuration.apply(json: Array("{not json".utf8)) }
    }

    /// TLS needs both files; each must be PEM and the key must belong to the certificate, or
    /// start-up fails naming the key.
    @Test func tlsFilesAreCheckedAtStartUp() throws {
        let directory = makeTemporaryDirectory("strata-tls-config")
        defer { removeTree(directory) }
        let files = try TestCertificates(in: directory)
        let base = ["STRATA_AUTH_DISABLED": "true"]
        func error(_ environment: [String: String]) -> ConfigurationError? {
            do {
                _ = try ServerConfiguration.load(file: nil, environment: base.merging(environment) { $1 })
                return nil
            } catch {
                return error
            }
        }
        #expect(try ServerConfiguration.load(file: nil, environment: base).tlsConfiguration() == nil)
        let good = try ServerConfiguration.load(
            file: nil,
            environment: base.merging([
                "STRATA_TLS_CERTIFICATE": files.certificate, "STRATA_TLS_PRIVATE_KEY": files.privateKey,
            ]) { $1 })
        #expect(good.tls.isOn)
        #expect(try good.tlsConfiguration() != nil)
        #expect(error(["STRATA_TLS_CERTIFICATE": files.certificate])?.key == "tls.privateKey")
        #expect(error(["STRATA_TLS_PRIVATE_KEY": files.privateKey])?.key == "tls.certificate")
        let missing = error([
            "STRATA_TLS_CERTIFICATE": directory + "/nope.pem", "STRATA_TLS_PRIVATE_KEY": files.privateKey,
        ])
        #expect(missing?.key == "tls.certificate")
        #expect(missing?.message.contains("nope.pem") == true)
        let notAKey = error(["STRATA_TLS_CERTIFICATE": files.certificate, "STRATA_TLS_PRIVATE_KEY": files.certificate])
        #expect(notAKey?.key == "tls.privateKey")
        let wrongKey = error(["STRATA_TLS_CERTIFICATE": files.certificate, "STRATA_TLS_PRIVATE_KEY": files.otherKey])
        #expect(wrongKey?.key == "tls.privateKey")
        #expect(wrongKey?.message.contains("does not belong") == true, "\(String(describing: wrongKey))")
        // The file's keys.
        let file = directory + "/strata.json"
        writeText(
            file,
            """
            {"auth": {"disabled": true}, "tls": {"certificate": "\(files.certificate)", "privateKey": "\(files.privateKey)"}}
            """)
        #expect(try ServerConfiguration.load(file: file, environment: [:]).tls.isOn)
        writeText(file, #"{"auth": {"disabled": true}, "tls": {"cert": "x"}}"#)
        #expect(throws: ConfigurationError(key: "tls.cert", message: "unknown key")) {
            try ServerConfiguration.load(file: file, environment: [:])
        }
    }

    /// The store's settings — durability, aggregates, retention (naming a table declared later
    /// in the file), symbol limits, tables — come from the file and the `STRATA_…` variables, and
    /// `strata serve` and the other commands read them alike (the library's
    /// `StrataStore.Configuration.load` passes over the server's sections); a bad value names its key.
    @Test func storeSettingsFromFileAndEnvironment() throws {
        let directory = makeTemporaryDirectory()
        defer { removeTree(directory) }
        let file = directory + "/strata.json"
        writeText(
            file,
            """
            {"aggregates": false, "retention": "trades=30d,signals=7d", "durability": "group-commit:25",
             "ilp": {"maxSymbolsPerTable": 500},
             "tables": [{"name": "signals", "timestamp": "ts",
                         "columns": [{"name": "ts", "type": "timestamp"}, {"name": "symbol", "type": "symbol"}]}]}
            """)
        let served = try ServerConfiguration.load(file: file, environment: ["STRATA_AUTH_DISABLED": "true"]).store()
        let commands = try StrataStore.Configuration.load(
            file: file, environment: [:], defaultDurability: .osBuffered)
        for store in [served, commands] {
            #expect(store.aggregates == false)
            #expect(store.durability == .groupCommit(milliseconds: 25))
            #expect(
                store.retention?.maximumAge == ["trades": 30 * 86_400_000_000_000, "signals": 7 * 86_400_000_000_000])
            #expect(store.maxSymbolsPerTable == 500)
            #expect(store.tables.map(\.name) == ["signals"])
        }
        // Unset, each reader's own default durability; the environment overrides the file.
        #expect(
            try StrataStore.Configuration.load(file: nil, environment: [:], defaultDurability: .osBuffered).durability
                == .osBuffered)
        let overridden = try StrataStore.Configuration.load(
            file: file,
            environment: ["STRATA_AGGREGATES": "true", "STRATA_DURABILITY": "fsync", "STRATA_RETENTION": "quotes=1d"])
        #expect(overridden.aggregates && overridden.durability == .fsyncEachBatch)
        #expect(overridden.retention?.maximumAge == ["quotes": 86_400_000_000_000])
        for (environment, key) in [
            (["STRATA_RETENTION": "nosuchtable=1d"], "STRATA_RETENTION"),
            (["STRATA_AGGREGATES": "maybe"], "STRATA_AGGREGATES"),
            (["STRATA_DURABILITY": "sometimes"], "STRATA_DURABILITY"),
        ] {
            #expect {
                try StrataStore.Configuration.load(file: nil, environment: environment)
            } throws: { error in
                (error as? ConfigurationError)?.key == key
            }
        }
        writeText(file, #"{"retention": "trades=soon"}"#)
        #expect {
            try StrataStore.Configuration.load(file: file, environment: [:])
        } throws: { error in
            (error as? ConfigurationError)?.key == "retention"
        }
    }
}
