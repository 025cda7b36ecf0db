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

    /// The line-protocol settings (`ilp.maxLineBytes`, `ilp.measurements`) as `strata serve`
    /// reads them, checked, without the checks only serving needs (auth, ports, TLS): what the
    /// commands that replay quarantined lines read.
    /// - Throws: ``ConfigurationError`` naming the key.
    public static func loadLineProtocol(file: String?, environment: [String: String]) throws(ConfigurationError)
        -> (maxLineBytes: Int, measurements: [DeclaredMeasurement])
    {
        let configuration = try read(file: file, environment: environment)
        guard configuration.maxLineBytes > 0 else {
            throw ConfigurationError(key: "ilp.maxLineBytes", message: "must be > 0, got \(configuration.maxLineBytes)")
        }
        try configuration.validateMeasurements()
        return (configuration.maxLineBytes, configuration.ilpMeasurements)
    }

    /// The defaults, then the file, then the environment, with no check across keys.
    static func read(file: String?, environment: [String: String]) throws(ConfigurationError)
        -> ServerConfiguration
    {
        var configuration = ServerConfiguration()
        if let file { try configuration.apply(json: try StoreSettings.read(file: file), source: file) }
        try configuration.apply(environment: environment)
        try configuration.storeSettings.finish()
        return configuration
    }

    /// Applies a JSON configuration document (see `Docs/Server.md`).
    /// - Throws: ``ConfigurationError`` naming the key.
    public mutating func apply(json bytes: [UInt8], source: String = "configuration file") throws(ConfigurationError) {
        let root = try StoreSettings.parse(bytes, source: source)
        try JSONReader(prefix: "").object(root) { (key, value) throws(ConfigurationError) in
            // The store's keys first (`durability`, `tables`…), read by the library.
            if try storeSettings.apply(key: key, value: value, document: bytes) { return }
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
                        if try storeSettings.apply(key: "ilp." + key, value: value, document: bytes) { return }
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
            case "data": dataDirectory = try JSONReader.string(value, key: "data")
            case "backend": backend = try Self.backendMode(try JSONReader.string(value, key: "backend"), key: "backend")
            case "postgres": try applyPostgres(json: value)
            case "tiers": try applyTiers(json: value)
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

    /// Applies `STRATA_…` variables; other variables are ignored, an unknown `STRATA_` one is an error.
    /// - Throws: ``ConfigurationError`` naming the variable.
    public mutating func apply(environment: [String: String]) throws(ConfigurationError) {
        for (key, value) in environment.sorted(by: { $0.key < $1.key }) where key.hasPrefix("STRATA_") {
            if try storeSettings.apply(variable: key, value: value) { continue }
            if try applyPostgres(variable: key, value: value) { continue }
            if try applyTiers(variable: key, value: value) { continue }
            switch key {
            case "STRATA_HTTP_HOST": host = value
            case "STRATA_HTTP_PORT": port = try StoreSettings.int(value, key: key)
            case "STRATA_HTTP_MAX_REQUEST_BYTES": maxRequestBytes = try StoreSettings.int(value, key: key)
            case "STRATA_HTTP_MAX_IN_FLIGHT_WRITE_BYTES": maxInFlightWriteBytes = try StoreSettings.int(value, key: key)
            case "STRATA_HTTP_WRITE_WAIT_MILLISECONDS": writeWaitMilliseconds = try StoreSettings.int(value, key: key)
            case "STRATA_ILP_MAX_LINE_BYTES": maxLineBytes = try StoreSettings.int(value, key: key)
            case "STRATA_ILP_TCP_ENABLED": ilpTCP.enabled = try StoreSettings.bool(value, key: key)
            case "STRATA_ILP_TCP_HOST": ilpTCP.host = value
            case "STRATA_ILP_TCP_PORT": ilpTCP.port = try StoreSettings.int(value, key: key)
            case "STRATA_ILP_TCP_KEYS": ilpTCP.keys = try Self.ilpTCPKeys(value, key: key)
            case "STRATA_DATA": dataDirectory = value
            case "STRATA_CONFIG": break  // the file's path, read by whoever loads it
            case "STRATA_AUTH_DISABLED": auth.disabled = try StoreSettings.bool(value, key: key)
            case "STRATA_TOKENS_READ": auth.readTokens = Self.list(value)
            case "STRATA_TOKENS_WRITE": auth.writeTokens = Self.list(value)
            case "STRATA_TLS_CERTIFICATE": tls.certificate = value
            case "STRATA_TLS_PRIVATE_KEY": tls.privateKey = value
            case "STRATA_LOG_LEVEL": logLevel = value
            case "STRATA_LOG_FORMAT": logFormat = try Self.logFormat(value, key: key)
            case "STRATA_LIVE_BUFFER_LIMIT": liveBufferLimit = try StoreSettings.int(value, key: key)
            // The test suite's own (its servers' URLs): not the server's, and never a typo of one.
            case _ where key.hasPrefix("STRATA_TEST_"): break
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

    static func list(_ text: String) -> [String] {
        text.split(separator: ",").map { String($0.filter { !$0.isWhitespace }) }.filter { !$0.isEmpty }
    }
}
