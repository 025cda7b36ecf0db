#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

#if canImport(Glibc)
    import Glibc
#endif

/// The store's settings as a configuration file and `STRATA_…` variables give them: the one
/// reading of them for an embedded application (``StrataStore/Configuration/load(file:environment:defaultDurability:)``),
/// the `strata` commands and `strata serve` (whose `ServerConfiguration` holds one of these and
/// reads its own sections around it).
///
/// | file key | variable | |
/// |---|---|---|
/// | `durability` | `STRATA_DURABILITY` | `fsync`, `group-commit:<ms>` or `os-buffered` |
/// | `aggregates` | `STRATA_AGGREGATES` | keep the trades' bars on the write path |
/// | `retention` | `STRATA_RETENTION` | `trades=30d,bars_1m=90d` (may name declared tables) |
/// | `tables` | — | user-defined tables, each a ``RecordSchema`` in its JSON form |
/// | `ilp.maxNewSymbolsPerRequest` | `STRATA_ILP_MAX_NEW_SYMBOLS_PER_REQUEST` | new symbols one append may add |
/// | `ilp.maxSymbolsPerTable` | `STRATA_ILP_MAX_SYMBOLS_PER_TABLE` | symbols a table may hold |
/// | `quality` | `STRATA_QUALITY_ENABLED` (`enabled` only) | the data-quality monitor (``QualitySettings``) |
/// | `lake` | `STRATA_LAKE_…` | the Parquet lake as the cold tier (``LakeSettings``) |
///
/// Every error is a ``ConfigurationError`` naming the key or variable.
public struct StoreSettings: Sendable, Hashable {
    /// The durability the file or the environment set, if any (commands default differently:
    /// a bulk `strata ingest` to group commit, reads to OS-buffered).
    public var durability: Durability?
    public var aggregates = true
    /// The retention policy set; nil: the policy saved in the data directory.
    public var retention: RetentionPolicy?
    /// The retention text read but not yet parsed (it may name tables declared later in the file).
    private var retentionSetting: RetentionSetting?
    public var tables: [RecordSchema] = []
    public var maxNewSymbolsPerRequest = 10_000
    public var maxSymbolsPerTable = 1_000_000
    public var quality = QualitySettings()
    /// The lake as the cold tier (made into one by `StrataLake`: ``LakeSettings``).
    public var lake = LakeSettings()

    private struct RetentionSetting: Sendable, Hashable {
        var text: String
        var key: String
    }

    /// The integer settings, each with its file key, variable and range (key paths of stored
    /// properties hold no state: safe to share).
    nonisolated(unsafe) static let integers:
        [(key: String, variable: String, range: ClosedRange<Int>, path: WritableKeyPath<Self, Int>)] =
            [
                (
                    "ilp.maxNewSymbolsPerRequest", "STRATA_ILP_MAX_NEW_SYMBOLS_PER_REQUEST", 1...10_000_000,
                    \.maxNewSymbolsPerRequest
                ),
                ("ilp.maxSymbolsPerTable", "STRATA_ILP_MAX_SYMBOLS_PER_TABLE", 1...100_000_000, \.maxSymbolsPerTable),
            ]

    /// The top-level sections of a configuration file that are the server's (`strata serve`
    /// reads them; the store's reading passes over them).
    public static let serverSections: Set<String> = ["http", "ilp", "live", "auth", "tls", "log", "data"]

    public init() {}

    /// The store's configuration: these settings over the defaults.
    /// - Parameter defaultDurability: when neither the file nor the environment set one.
    public func configuration(defaultDurability: Durability = .fsyncEachBatch) -> StrataStore.Configuration {
        StrataStore.Configuration(
            durability: durability ?? defaultDurability, aggregates: aggregates, retention: retention,
            maxNewSymbolsPerAppend: maxNewSymbolsPerRequest, maxSymbolsPerTable: maxSymbolsPerTable, tables: tables,
            quality: quality)
    }

    /// Applies one key of the file (`durability`, or a dotted one such as
    /// `ilp.maxSymbolsPerTable`), if it is the store's.
    /// - Parameter document: the whole file (a `tables` value is decoded from it).
    /// - Returns: whether the key is the store's.
    /// - Throws: ``ConfigurationError`` naming the key.
    package mutating func apply(key: String, value: JSONValue, document: [UInt8]) throws(ConfigurationError) -> Bool {
        switch key {
        case "durability":
            durability = try Self.durability(try JSONReader.string(value, key: key), key: key)
        case "aggregates": aggregates = try JSONReader.bool(value, key: key)
        case "retention": retentionSetting = RetentionSetting(text: try JSONReader.string(value, key: key), key: key)
        case "tables": tables = try Self.tables(document)
        case "quality": try quality.apply(value)
        case "lake": try lake.apply(value)
        default:
            guard let setting = Self.integers.first(where: { $0.key == key }) else { return false }
            self[keyPath: setting.path] = try JSONReader.int(value, key: key)
        }
        return true
    }

    /// Applies one `STRATA_…` variable, if it is the store's.
    /// - Returns: whether it is.
    /// - Throws: ``ConfigurationError`` naming the variable.
    public mutating func apply(variable: String, value: String) throws(ConfigurationError) -> Bool {
        switch variable {
        case "STRATA_DURABILITY": durability = try Self.durability(value, key: variable)
        case "STRATA_AGGREGATES": aggregates = try Self.bool(value, key: variable)
        case "STRATA_RETENTION": retentionSetting = RetentionSetting(text: value, key: variable)
        case "STRATA_QUALITY_ENABLED": quality.enabled = try Self.bool(value, key: variable)
        default:
            if try lake.apply(variable: variable, value: value) { return true }
            guard let setting = Self.integers.first(where: { $0.variable == variable }) else { return false }
            self[keyPath: setting.path] = try Self.int(value, key: variable)
        }
        return true
    }

    /// Once every key is read: parses the retention text (it may name tables declared in the
    /// file) and checks each value's range.
    /// - Throws: ``ConfigurationError`` naming the key.
    public mutating func finish() throws(ConfigurationError) {
        try lake.finish(tables: tables.map(\.name))
        if let setting = retentionSetting {
            do {
                retention = try RetentionPolicy(parsing: setting.text, tables: tables.map(\.name))
            } catch {
                throw ConfigurationError(key: setting.key, message: "\(error)")
            }
            retentionSetting = nil
        }
        for setting in Self.integers where !setting.range.contains(self[keyPath: setting.path]) {
            throw ConfigurationError(
                key: setting.key,
                message:
                    "must be \(setting.range.lowerBound)...\(setting.range.upperBound), got \(self[keyPath: setting.path])"
            )
        }
    }

    // MARK: - Values

    /// The document's `tables`, each a ``RecordSchema`` in its configuration form.
    /// - Throws: ``ConfigurationError`` naming `tables[i]…` and what is wrong with it.
    static func tables(_ document: [UInt8]) throws(ConfigurationError) -> [RecordSchema] {
        struct Document: Decodable { var tables: [RecordSchema]? }
        do {
            return try JSONDecoder().decode(Document.self, from: Data(document)).tables ?? []
        } catch let DecodingError.dataCorrupted(context) {
            throw ConfigurationError(key: path(context.codingPath), message: context.debugDescription)
        } catch let DecodingError.keyNotFound(key, context) {
            throw ConfigurationError(key: path(context.codingPath), message: "'\(key.stringValue)' is required")
        } catch let DecodingError.typeMismatch(_, context) {
            throw ConfigurationError(key: path(context.codingPath), message: context.debugDescription)
        } catch {
            throw ConfigurationError(key: "tables", message: "\(error)")
        }
    }

    /// `tables[2].columns[1].type` from a decoding path.
    private static func path(_ keys: [any CodingKey]) -> String {
        var text = ""
        for key in keys {
            if let index = key.intValue {
                text += "[\(index)]"
            } else {
                text += (text.isEmpty ? "" : ".") + key.stringValue
            }
        }
        return text.isEmpty ? "tables" : text
    }

    /// `fsync`, `group-commit:<ms>` or `os-buffered`.
    public static func durability(_ text: String, key: String) throws(ConfigurationError) -> Durability {
        guard let durability = Durability(text) else {
            throw ConfigurationError(
                key: key, message: "expected fsync, group-commit:<milliseconds> or os-buffered, got '\(text)'")
        }
        return durability
    }

    /// An integer variable.
    public static func int(_ text: String, key: String) throws(ConfigurationError) -> Int {
        guard let value = Int(text) else {
            throw ConfigurationError(key: key, message: "expected an integer, got '\(text)'")
        }
        return value
    }

    /// A boolean variable: `true`/`1`/`yes`/`on` or `false`/`0`/`no`/`off`.
    public static func bool(_ text: String, key: String) throws(ConfigurationError) -> Bool {
        switch text.lowercased() {
        case "true", "1", "yes", "on": return true
        case "false", "0", "no", "off": return false
        default: throw ConfigurationError(key: key, message: "expected true or false, got '\(text)'")
        }
    }

    /// The bytes of a configuration file.
    /// - Throws: ``ConfigurationError`` naming the file.
    package static func read(file path: String) throws(ConfigurationError) -> [UInt8] {
        guard let file = fopen(path, "rb") else {
            throw ConfigurationError(
                key: path, message: "cannot read the configuration file: \(String(cString: strerror(errno)))")
        }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = fread(&chunk, 1, chunk.count, file)
            if count == 0 { break }
            bytes.append(contentsOf: chunk[0..<count])
        }
        return bytes
    }

    /// Parses a configuration file's JSON.
    package static func parse(_ bytes: [UInt8], source: String) throws(ConfigurationError) -> JSONValue {
        do {
            return try JSONValue.parse(bytes)
        } catch {
            throw ConfigurationError(key: source, message: "not valid JSON: \(error)")
        }
    }
}

extension StrataStore.Configuration {
    /// The store's settings from a JSON configuration file (the one `strata serve` reads) and the
    /// `STRATA_…` variables, over the defaults: durability, aggregates, retention, symbol limits
    /// and user-defined tables (see ``StoreSettings``).
    ///
    /// The server's sections of the file (`http`, `ilp`, `live`, `auth`, `tls`, `log`, `data`)
    /// and its variables are passed over (the server reads and checks them); any other top-level
    /// key is an error.
    ///
    /// ```swift
    /// let configuration = try StrataStore.Configuration.load(
    ///     file: "strata.json", environment: ProcessInfo.processInfo.environment)
    /// let store = try StrataStore.open(directory: "data", configuration: configuration)
    /// ```
    /// - Parameters:
    ///   - file: the file's path, or nil for none.
    ///   - environment: the process environment (only `STRATA_…` variables are read).
    ///   - defaultDurability: when neither the file nor `STRATA_DURABILITY` sets one.
    /// - Throws: ``ConfigurationError`` naming the key or variable.
    public static func load(
        file: String?, environment: [String: String], defaultDurability: Durability = .fsyncEachBatch
    ) throws(ConfigurationError) -> StrataStore.Configuration {
        try StoreSettings.load(file: file, environment: environment).configuration(
            defaultDurability: defaultDurability)
    }
}

extension StoreSettings {
    /// The store's settings of a configuration file and the `STRATA_…` variables, as
    /// ``StrataStore/Configuration/load(file:environment:defaultDurability:)`` reads them — with
    /// the ``lake`` block, which a store's configuration gets as a tier (`StrataLake`'s
    /// `LakeColdTier(settings:)`).
    /// - Throws: ``ConfigurationError`` naming the key or variable.
    public static func load(file: String?, environment: [String: String]) throws(ConfigurationError)
        -> StoreSettings
    {
        var settings = StoreSettings()
        if let file {
            let bytes = try StoreSettings.read(file: file)
            let root = try StoreSettings.parse(bytes, source: file)
            try JSONReader(prefix: "").object(root) { (key, value) throws(ConfigurationError) in
                if try settings.apply(key: key, value: value, document: bytes) { return }
                guard StoreSettings.serverSections.contains(key) else { throw JSONReader.unknown(key) }
                // The store's keys inside a server section (`ilp.maxSymbolsPerTable`).
                guard case .object(let members) = value else { return }
                for (name, member) in members.sorted(by: { $0.key < $1.key }) {
                    _ = try settings.apply(key: key + "." + name, value: member, document: bytes)
                }
            }
        }
        for (variable, value) in environment.sorted(by: { $0.key < $1.key }) where variable.hasPrefix("STRATA_") {
            _ = try settings.apply(variable: variable, value: value)
        }
        try settings.finish()
        return settings
    }
}

/// A configuration value that cannot be used; start-up fails with it.
public struct ConfigurationError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The key as written in the file (`http.port`) or the environment variable (`STRATA_HTTP_PORT`).
    public var key: String
    public var message: String

    public init(key: String, message: String) {
        self.key = key
        self.message = message
    }

    public var description: String { "configuration: \(key): \(message)" }
}
