public import Strata

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

#if canImport(Glibc)
    import Glibc
#endif

extension ServerConfiguration {
    /// The defaults, then the JSON file (if any), then `STRATA_…` environment variables; validated.
    ///
    /// - Parameters:
    ///   - file: path of a JSON configuration file, or `nil` for none.
    ///   - environment: the process environment (only `STRATA_…` keys are read).
    /// - Throws: ``ConfigurationError`` naming the key (file key or environment variable) of the
    ///   first bad value, an unknown key, or an unreadable file.
    public static func load(file: String?, environment: [String: String]) throws(ConfigurationError)
        -> ServerConfiguration
    {
        let configuration = try read(file: file, environment: environment)
        try configuration.validate()
        return configuration
    }

    /// The store's settings (``store(defaultDurability:)``) as `strata serve` reads them — the
    /// defaults, the file, the `STRATA_…` variables, every key and value checked — for the
    /// `strata` commands that open the store without serving it (so the listeners' settings,
    /// auth and TLS are not required to be complete).
    /// - Parameter defaultDurability: when neither the file nor `STRATA_DURABILITY` sets one.
    /// - Throws: ``ConfigurationError`` naming the key or variable.
    public static func loadStore(
        file: String?, environment: [String: String], defaultDurability: Durability = .fsyncEachBatch
    ) throws(ConfigurationError) -> StrataStore.Configuration {
        try read(file: file, environment: environment).store(defaultDurability: defaultDurability)
    }

    /// The defaults, then the file, then the environment, with no check across keys.
    static func read(file: String?, environment: [String: String]) throws(ConfigurationError)
        -> ServerConfiguration
    {
        var configuration = ServerConfiguration()
        if let file {
            let bytes: [UInt8]
            do {
                bytes = try readFile(file)
            } catch {
                throw ConfigurationError(key: file, message: "cannot read the configuration file: \(error)")
            }
            try configuration.apply(json: bytes, source: file)
        }
        try configuration.apply(environment: environment)
        try configuration.resolveRetention()
        return configuration
    }

    /// Applies a JSON configuration document (see `Docs/Server.md`).
    /// - Throws: ``ConfigurationError`` naming the key.
    public mutating func apply(json bytes: [UInt8], source: String = "configuration file") throws(ConfigurationError) {
        let root: JSONValue
        do {
            root = try JSONValue.parse(bytes)
        } catch {
            throw ConfigurationError(key: source, message: "not valid JSON: \(error)")
        }
        try JSONReader(prefix: "").object(root) { (key, value) throws(ConfigurationError) in
            switch key {
            case "http":
                try JSONReader(prefix: "http.").object(value) { (key, value) throws(ConfigurationError) in
                    switch key {
                    case "host": host = try JSONReader.string(value, key: "http.host")
                    case "port": port = try JSONReader.int(value, key: "http.port")
                    case "maxRequestBytes": maxRequestBytes = try JSONReader.int(value, key: "http.maxRequestBytes")
                    case "maxInFlightWriteBytes":
                        maxInFlightWriteBytes = try JSONReader.int(value, key: "http.maxInFlightWriteBytes")
                    case "writeWaitMilliseconds":
                        writeWaitMilliseconds = try JSONReader.int(value, key: "http.writeWaitMilliseconds")
                    default:
                        guard try applyLimit(key: "http." + key, value: value) else {
                            throw JSONReader.unknown("http." + key)
                        }
                    }
                }
            case "ilp":
                try JSONReader(prefix: "ilp.").object(value) { (key, value) throws(ConfigurationError) in
                    switch key {
                    case "maxLineBytes": maxLineBytes = try JSONReader.int(value, key: "ilp.maxLineBytes")
                    case "tcp": try applyILPTCP(json: value)
                    case "measurements": ilpMeasurements = try Self.measurements(value)
                    default:
                        guard try applyLimit(key: "ilp." + key, value: value) else {
                            throw JSONReader.unknown("ilp." + key)
                        }
                    }
                }
            case "live":
                try JSONReader(prefix: "live.").object(value) { (key, value) throws(ConfigurationError) in
                    switch key {
                    case "bufferLimit": liveBufferLimit = try JSONReader.int(value, key: "live.bufferLimit")
                    default: throw JSONReader.unknown("live." + key)
                    }
                }
            case "tables": tables = try Self.tables(bytes)
            case "data": dataDirectory = try JSONReader.string(value, key: "data")
            case "durability":
                durability = try Self.durability(try JSONReader.string(value, key: "durability"), key: "durability")
            case "aggregates": aggregates = try JSONReader.bool(value, key: "aggregates")
            case "retention":
                retentionSetting = .init(text: try JSONReader.string(value, key: "retention"), key: "retention")
            case "auth":
                try JSONReader(prefix: "auth.").object(value) { (key, value) throws(ConfigurationError) in
                    switch key {
                    case "disabled": auth.disabled = try JSONReader.bool(value, key: "auth.disabled")
                    case "readTokens": auth.readTokens = try JSONReader.strings(value, key: "auth.readTokens")
                    case "writeTokens": auth.writeTokens = try JSONReader.strings(value, key: "auth.writeTokens")
                    default: throw JSONReader.unknown("auth." + key)
                    }
                }
            case "tls":
                try JSONReader(prefix: "tls.").object(value) { (key, value) throws(ConfigurationError) in
                    switch key {
                    case "certificate": tls.certificate = try JSONReader.string(value, key: "tls.certificate")
                    case "privateKey": tls.privateKey = try JSONReader.string(value, key: "tls.privateKey")
                    default: throw JSONReader.unknown("tls." + key)
                    }
                }
            case "log":
                try JSONReader(prefix: "log.").object(value) { (key, value) throws(ConfigurationError) in
                    switch key {
                    case "level": logLevel = try JSONReader.string(value, key: "log.level")
                    case "format":
                        logFormat = try Self.logFormat(
                            try JSONReader.string(value, key: "log.format"), key: "log.format")
                    default:
                        guard try applyLimit(key: "log." + key, value: value) else {
                            throw JSONReader.unknown("log." + key)
                        }
                    }
                }
            default: throw JSONReader.unknown(key)
            }
        }
    }

    /// The document's `tables`, each a ``RecordSchema`` in its configuration form.
    /// - Throws: ``ConfigurationError`` naming `tables[i]` and what is wrong with it.
    static func tables(_ document: [UInt8]) throws(ConfigurationError) -> [RecordSchema] {
        struct Document: Decodable { var tables: [RecordSchema]? }
        do {
            return try JSONDecoder().decode(Document.self, from: Data(document)).tables ?? []
        } catch let DecodingError.dataCorrupted(context) {
            throw ConfigurationError(key: Self.path(context.codingPath), message: context.debugDescription)
        } catch let DecodingError.keyNotFound(key, context) {
            throw ConfigurationError(
                key: Self.path(context.codingPath), message: "'\(key.stringValue)' is required")
        } catch let DecodingError.typeMismatch(_, context) {
            throw ConfigurationError(key: Self.path(context.codingPath), message: context.debugDescription)
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

    /// Applies `STRATA_…` variables; other variables are ignored, an unknown `STRATA_` one is an error.
    /// - Throws: ``ConfigurationError`` naming the variable.
    public mutating func apply(environment: [String: String]) throws(ConfigurationError) {
        for (key, value) in environment.sorted(by: { $0.key < $1.key }) where key.hasPrefix("STRATA_") {
            switch key {
            case "STRATA_HTTP_HOST": host = value
            case "STRATA_HTTP_PORT": port = try Self.int(value, key: key)
            case "STRATA_HTTP_MAX_REQUEST_BYTES": maxRequestBytes = try Self.int(value, key: key)
            case "STRATA_HTTP_MAX_IN_FLIGHT_WRITE_BYTES": maxInFlightWriteBytes = try Self.int(value, key: key)
            case "STRATA_HTTP_WRITE_WAIT_MILLISECONDS": writeWaitMilliseconds = try Self.int(value, key: key)
            case "STRATA_ILP_MAX_LINE_BYTES": maxLineBytes = try Self.int(value, key: key)
            case "STRATA_ILP_TCP_ENABLED": ilpTCP.enabled = try Self.bool(value, key: key)
            case "STRATA_ILP_TCP_HOST": ilpTCP.host = value
            case "STRATA_ILP_TCP_PORT": ilpTCP.port = try Self.int(value, key: key)
            case "STRATA_ILP_TCP_KEYS": ilpTCP.keys = try Self.ilpTCPKeys(value, key: key)
            case "STRATA_DATA": dataDirectory = value
            case "STRATA_CONFIG": break  // the file's path, read by whoever loads it
            case "STRATA_DURABILITY": durability = try Self.durability(value, key: key)
            case "STRATA_AGGREGATES": aggregates = try Self.bool(value, key: key)
            case "STRATA_RETENTION": retentionSetting = .init(text: value, key: key)
            case "STRATA_AUTH_DISABLED": auth.disabled = try Self.bool(value, key: key)
            case "STRATA_TOKENS_READ": auth.readTokens = Self.list(value)
            case "STRATA_TOKENS_WRITE": auth.writeTokens = Self.list(value)
            case "STRATA_TLS_CERTIFICATE": tls.certificate = value
            case "STRATA_TLS_PRIVATE_KEY": tls.privateKey = value
            case "STRATA_LOG_LEVEL": logLevel = value
            case "STRATA_LOG_FORMAT": logFormat = try Self.logFormat(value, key: key)
            case "STRATA_LIVE_BUFFER_LIMIT": liveBufferLimit = try Self.int(value, key: key)
            default:
                guard try applyLimit(variable: key, value: value) else {
                    throw ConfigurationError(
                        key: key, message: "unknown setting (see Docs/Server.md for the STRATA_ variables)")
                }
            }
        }
    }

    /// `ilp.measurements`: an array of `{"measurement", "table", "columns": {line name: table name}}`.
    static func measurements(_ value: JSONValue) throws(ConfigurationError) -> [DeclaredMeasurement] {
        guard case .array(let items) = value else {
            throw ConfigurationError(key: "ilp.measurements", message: "expected an array, got \(value.typeName)")
        }
        var declared: [DeclaredMeasurement] = []
        for (index, item) in items.enumerated() {
            let key = "ilp.measurements[\(index)]"
            var measurement: String?
            var table: String?
            var columns: [String: String] = [:]
            try JSONReader(prefix: key + ".").object(item) { (name, value) throws(ConfigurationError) in
                switch name {
                case "measurement": measurement = try JSONReader.string(value, key: key + ".measurement")
                case "table": table = try JSONReader.string(value, key: key + ".table")
                case "columns":
                    try JSONReader(prefix: key + ".columns.").object(value) {
                        (line, column) throws(ConfigurationError) in
                        columns[line] = try JSONReader.string(column, key: key + ".columns." + line)
                    }
                default: throw JSONReader.unknown(key + "." + name)
                }
            }
            guard let measurement else { throw ConfigurationError(key: key + ".measurement", message: "required") }
            guard let table else { throw ConfigurationError(key: key + ".table", message: "required") }
            declared.append(DeclaredMeasurement(measurement: measurement, table: table, columns: columns))
        }
        return declared
    }

    static func logFormat(_ text: String, key: String) throws(ConfigurationError) -> LogFormat {
        guard let format = LogFormat(rawValue: text) else {
            throw ConfigurationError(
                key: key,
                message: "unknown format '\(text)' (\(LogFormat.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        return format
    }

    static func int(_ text: String, key: String) throws(ConfigurationError) -> Int {
        guard let value = Int(text) else {
            throw ConfigurationError(key: key, message: "expected an integer, got '\(text)'")
        }
        return value
    }

    static func bool(_ text: String, key: String) throws(ConfigurationError) -> Bool {
        switch text.lowercased() {
        case "true", "1", "yes", "on": return true
        case "false", "0", "no", "off": return false
        default: throw ConfigurationError(key: key, message: "expected true or false, got '\(text)'")
        }
    }

    static func list(_ text: String) -> [String] {
        text.split(separator: ",").map { String($0.filter { !$0.isWhitespace }) }.filter { !$0.isEmpty }
    }

    /// `fsync`, `group-commit:<ms>` or `os-buffered`.
    /// Reads the retention text the file or the environment gave, once the tables it may name
    /// are known (the file's keys come in any order).
    mutating func resolveRetention() throws(ConfigurationError) {
        guard let setting = retentionSetting else { return }
        do {
            retention = try RetentionPolicy(parsing: setting.text, tables: tables.map(\.name))
        } catch {
            throw ConfigurationError(key: setting.key, message: "\(error)")
        }
        retentionSetting = nil
    }

    static func durability(_ text: String, key: String) throws(ConfigurationError) -> Durability {
        guard let durability = Durability(text) else {
            throw ConfigurationError(
                key: key, message: "expected fsync, group-commit:<milliseconds> or os-buffered, got '\(text)'")
        }
        return durability
    }

    private static func readFile(_ path: String) throws -> [UInt8] {
        guard let file = fopen(path, "rb") else {
            throw ConfigurationError(key: path, message: String(cString: strerror(errno)))
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
}

/// Typed access to the configuration file's values, naming the key in every error.
struct JSONReader {
    let prefix: String

    func object(_ value: JSONValue, _ body: (String, JSONValue) throws(ConfigurationError) -> Void)
        throws(ConfigurationError)
    {
        guard case .object(let members) = value else {
            throw ConfigurationError(
                key: prefix.isEmpty ? "(root)" : String(prefix.dropLast()),
                message: "expected an object, got \(value.typeName)")
        }
        for (key, value) in members.sorted(by: { $0.key < $1.key }) { try body(key, value) }
    }

    static func unknown(_ key: String) -> ConfigurationError {
        ConfigurationError(key: key, message: "unknown key")
    }

    static func string(_ value: JSONValue, key: String) throws(ConfigurationError) -> String {
        guard case .string(let text) = value else {
            throw ConfigurationError(key: key, message: "expected a string, got \(value.typeName)")
        }
        return text
    }

    static func int(_ value: JSONValue, key: String) throws(ConfigurationError) -> Int {
        guard case .number(let text) = value, let number = Int(text) else {
            throw ConfigurationError(key: key, message: "expected an integer, got \(value.typeName)")
        }
        return number
    }

    static func bool(_ value: JSONValue, key: String) throws(ConfigurationError) -> Bool {
        guard case .bool(let flag) = value else {
            throw ConfigurationError(key: key, message: "expected true or false, got \(value.typeName)")
        }
        return flag
    }

    static func strings(_ value: JSONValue, key: String) throws(ConfigurationError) -> [String] {
        guard case .array(let items) = value else {
            throw ConfigurationError(key: key, message: "expected an array of strings, got \(value.typeName)")
        }
        return try items.map { (item) throws(ConfigurationError) -> String in try string(item, key: key) }
    }
}
