import Strata

/// The integer limits of the server, each described once: its file key, its environment
/// variable, its range and what it bounds. Loading, validation and the docs' table read this
/// list, so a new limit is one line here and one property.
struct IntegerSetting: Sendable {
    /// The key in the configuration file (`http.headerTimeoutMilliseconds`).
    let key: String
    /// The environment variable (`STRATA_HTTP_HEADER_TIMEOUT_MILLISECONDS`).
    let environment: String
    let range: ClosedRange<Int>
    let get: @Sendable (ServerConfiguration) -> Int
    let set: @Sendable (inout ServerConfiguration, Int) -> Void

    init(_ key: String, _ path: WritableKeyPath<ServerConfiguration, Int>, range: ClosedRange<Int>) {
        self.key = key
        environment = "STRATA_" + Self.screamingSnake(key)
        self.range = range
        // A key path of stored properties holds no state: safe to share.
        nonisolated(unsafe) let path = path
        get = { $0[keyPath: path] }
        set = { $0[keyPath: path] = $1 }
    }

    /// `http.headerTimeoutMilliseconds` → `HTTP_HEADER_TIMEOUT_MILLISECONDS`.
    static func screamingSnake(_ key: String) -> String {
        var out = ""
        for character in key {
            if character == "." {
                out += "_"
            } else if character.isUppercase {
                out += "_" + String(character)
            } else {
                out += character.uppercased()
            }
        }
        return out
    }

    /// Every integer limit.
    static let all: [IntegerSetting] = [
        IntegerSetting("http.headerTimeoutMilliseconds", \.limits.headerTimeoutMilliseconds, range: 100...3_600_000),
        IntegerSetting("http.idleTimeoutMilliseconds", \.limits.idleTimeoutMilliseconds, range: 100...86_400_000),
        IntegerSetting("http.bodyTimeoutMilliseconds", \.limits.bodyTimeoutMilliseconds, range: 100...3_600_000),
        IntegerSetting("http.maxHeaderBytes", \.limits.maxHeaderBytes, range: 1_024...(1 << 20)),
        IntegerSetting("http.maxRequestLineBytes", \.limits.maxRequestLineBytes, range: 256...(1 << 20)),
        IntegerSetting("http.maxConnections", \.limits.maxConnections, range: 1...1_000_000),
        IntegerSetting("http.slowQueryMilliseconds", \.limits.slowQueryMilliseconds, range: 0...86_400_000),
        IntegerSetting("ilp.tcp.idleTimeoutMilliseconds", \.limits.tcpIdleTimeoutMilliseconds, range: 100...86_400_000),
        IntegerSetting("ilp.tcp.maxConnections", \.limits.tcpMaxConnections, range: 1...1_000_000),
        IntegerSetting("ilp.tcp.nice", \.limits.tcpIngestNice, range: 0...19),
    ]

    static func named(key: String) -> IntegerSetting? { all.first { $0.key == key } }
    static func named(environment: String) -> IntegerSetting? { all.first { $0.environment == environment } }
}

extension ServerConfiguration {
    /// How long a connection may take, and how much of the server it may hold.
    public struct Limits: Sendable, Hashable {
        /// From a request's first byte to the end of its head; then 408 and the connection closes.
        public var headerTimeoutMilliseconds = 10_000
        /// A connection with no request in progress is closed after this long.
        public var idleTimeoutMilliseconds = 60_000
        /// A request whose body stops arriving for this long gets 408 and the connection closes.
        public var bodyTimeoutMilliseconds = 30_000
        /// Largest request head (request line and headers); larger gets 431.
        public var maxHeaderBytes = 32 << 10
        /// Longest request line (method, target, version); longer gets 414.
        public var maxRequestLineBytes = 8 << 10
        /// Open HTTP connections (live feed included); more are answered 503 and closed.
        public var maxConnections = 1_024
        /// A request that takes this long or longer is logged at warning and kept in the stats'
        /// slow-query log with its parameters (0: off).
        public var slowQueryMilliseconds = 1_000
        /// An ILP/TCP connection that sends nothing for this long is closed (what it sent is kept).
        public var tcpIdleTimeoutMilliseconds = 300_000
        /// Open ILP/TCP connections; more are closed at once.
        public var tcpMaxConnections = 256
        /// The nice value ILP/TCP's parsing and mapping threads run at, so that queries go first
        /// on a busy machine (10; 0: the server's own priority).
        public var tcpIngestNice = 10
        public init() {}
    }

    /// Applies a `http.`/`ilp.`… integer limit from the file, if `key` names one.
    /// - Returns: whether it did.
    mutating func applyLimit(key: String, value: JSONValue) throws(ConfigurationError) -> Bool {
        guard let setting = IntegerSetting.named(key: key) else { return false }
        setting.set(&self, try JSONReader.int(value, key: key))
        return true
    }

    /// Applies a `STRATA_…` integer limit, if `variable` names one.
    /// - Returns: whether it did.
    mutating func applyLimit(variable: String, value: String) throws(ConfigurationError) -> Bool {
        guard let setting = IntegerSetting.named(environment: variable) else { return false }
        setting.set(&self, try StoreSettings.int(value, key: variable))
        return true
    }

    /// Checks every integer limit against its range.
    func validateLimits() throws(ConfigurationError) {
        for setting in IntegerSetting.all where !setting.range.contains(setting.get(self)) {
            throw ConfigurationError(
                key: setting.key,
                message: "must be \(setting.range.lowerBound)...\(setting.range.upperBound), got \(setting.get(self))")
        }
    }
}
