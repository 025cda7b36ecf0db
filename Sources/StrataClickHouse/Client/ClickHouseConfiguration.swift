/// Where a ClickHouse server is and how long to wait for it.
///
/// ```swift
/// var configuration = try ClickHouseConfiguration(url: "http://127.0.0.1:8123/strata")
/// configuration.queryTimeout = .seconds(30)
/// ```
public struct ClickHouseConfiguration: Sendable, Hashable {
    /// `http` (only: the tests' and CI's servers listen on loopback; TLS is for a later step).
    public var scheme: String
    public var host: String
    public var port: Int
    /// The database every statement runs in (`X-ClickHouse-Database`); created by ``ClickHouseClient/createDatabase()``.
    public var database: String
    public var user: String
    public var password: String
    /// The longest wait for a connection.
    public var connectTimeout: Duration
    /// The longest a statement may take, from sending it to the last byte of its answer; past it
    /// the call throws ``ClickHouseError/Code/timeout`` (the statement may still have run).
    public var queryTimeout: Duration
    /// The largest answer read, in bytes; a larger one is refused as ``ClickHouseError/Code/badResponse``.
    public var maximumResponseBytes: Int

    public init(
        host: String = "127.0.0.1", port: Int = 8123, database: String = "default", user: String = "default",
        password: String = "", connectTimeout: Duration = .seconds(5), queryTimeout: Duration = .seconds(60),
        maximumResponseBytes: Int = 256 << 20
    ) {
        self.scheme = "http"
        self.host = host
        self.port = port
        self.database = database
        self.user = user
        self.password = password
        self.connectTimeout = connectTimeout
        self.queryTimeout = queryTimeout
        self.maximumResponseBytes = maximumResponseBytes
    }

    /// Parses `http://[user[:password]@]host[:port][/database]`.
    /// - Throws: ``ClickHouseError`` `.invalidConfiguration` naming the URL and what is wrong.
    public init(url: String) throws(ClickHouseError) {
        func fail(_ problem: String) -> ClickHouseError {
            ClickHouseError(.invalidConfiguration, "clickhouse url '\(url)': \(problem)")
        }
        guard url.hasPrefix("http://") else { throw fail("the scheme must be http://") }
        var rest = Substring(url.dropFirst("http://".count))
        var database = "default"
        if let slash = rest.firstIndex(of: "/") {
            let path = rest[rest.index(after: slash)...]
            if !path.isEmpty { database = String(path) }
            rest = rest[..<slash]
        }
        var user = "default"
        var password = ""
        if let at = rest.lastIndex(of: "@") {
            let credentials = rest[..<at]
            rest = rest[rest.index(after: at)...]
            if let colon = credentials.firstIndex(of: ":") {
                user = String(credentials[..<colon])
                password = String(credentials[credentials.index(after: colon)...])
            } else {
                user = String(credentials)
            }
        }
        var port = 8123
        if let colon = rest.lastIndex(of: ":") {
            guard let value = Int(rest[rest.index(after: colon)...]), (1...65_535).contains(value) else {
                throw fail("the port must be 1…65535")
            }
            port = value
            rest = rest[..<colon]
        }
        guard !rest.isEmpty else { throw fail("no host") }
        guard ClickHouseSQL.isIdentifier(database) else {
            throw fail("the database '\(database)' must be an identifier ([A-Za-z_][A-Za-z0-9_]*)")
        }
        self.init(host: String(rest), port: port, database: database, user: user, password: password)
    }

    /// The server's base URL, `http://host:port/`.
    public var baseURL: String { "\(scheme)://\(host):\(port)/" }
}
