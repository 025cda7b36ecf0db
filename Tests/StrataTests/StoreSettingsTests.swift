import Strata
import StrataTestSupport
import Testing

/// The library reads the store's settings from the server's configuration file and the
/// `STRATA_…` variables by itself (an embedded application, the `strata` commands), passing over
/// the server's sections and naming the key of every bad value.
@Suite struct StoreSettingsTests {
    @Test func theStoreKeysOfTheServersFileAreRead() throws {
        let directory = makeTemporaryDirectory()
        defer { removeTree(directory) }
        let file = directory + "/strata.json"
        writeText(
            file,
            """
            {"http": {"port": 9100, "nonsense": 1}, "auth": {"disabled": true}, "data": "elsewhere",
             "ilp": {"maxNewSymbolsPerRequest": 3, "maxLineBytes": 10},
             "durability": "os-buffered", "retention": "news=2d",
             "tables": [{"name": "news", "timestamp": "ts",
                         "columns": [{"name": "ts", "type": "timestamp"}, {"name": "symbol", "type": "symbol"},
                                     {"name": "headline", "type": "text"}]}]}
            """)
        let configuration = try StrataStore.Configuration.load(
            file: file, environment: ["STRATA_AGGREGATES": "false", "STRATA_HTTP_PORT": "not mine", "HOME": "/"])
        #expect(configuration.durability == .osBuffered)
        #expect(configuration.aggregates == false)
        #expect(configuration.maxNewSymbolsPerAppend == 3)
        #expect(configuration.retention?.maximumAge == ["news": 2 * 86_400_000_000_000])
        #expect(configuration.tables.map(\.name) == ["news"])
        // The settings open the store they describe.
        let store = try StrataStore.open(directory: directory + "/data", configuration: configuration)
        #expect(store.table(named: "news") != nil)
        try store.close()
    }

    @Test func aBadValueOrAnUnknownKeyIsNamed() throws {
        let directory = makeTemporaryDirectory()
        defer { removeTree(directory) }
        let file = directory + "/strata.json"
        for (text, key) in [
            (#"{"htp": {}}"#, "htp"),
            (#"{"ilp": {"maxSymbolsPerTable": 0}}"#, "ilp.maxSymbolsPerTable"),
            (#"{"durability": "later"}"#, "durability"),
            (#"{"tables": [{"name": "x", "timestamp": "ts", "columns": []}]}"#, "tables[0]"),
            (#"{"aggregates": "yes"}"#, "aggregates"),
            ("{", file),
        ] {
            writeText(file, text)
            #expect(throws: ConfigurationError.self, "\(text)") {
                try StrataStore.Configuration.load(file: file, environment: [:])
            }
            do {
                _ = try StrataStore.Configuration.load(file: file, environment: [:])
            } catch {
                #expect(error.key.hasPrefix(key), "\(text): \(error)")
            }
        }
        #expect(throws: ConfigurationError.self) {
            try StrataStore.Configuration.load(file: directory + "/missing.json", environment: [:])
        }
        #expect {
            try StrataStore.Configuration.load(file: nil, environment: ["STRATA_ILP_MAX_SYMBOLS_PER_TABLE": "many"])
        } throws: { error in
            (error as? ConfigurationError)?.key == "STRATA_ILP_MAX_SYMBOLS_PER_TABLE"
        }
    }
}
