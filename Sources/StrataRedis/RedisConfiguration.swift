/// Where Redis is and how to use it.
public struct RedisConfiguration: Sendable, Hashable {
    /// Which protocol to ask for first.
    public enum ProtocolPreference: Sendable, Hashable {
        /// `HELLO 3`, falling back to RESP2 when the server does not know it.
        case resp3
        /// RESP2 only (no `HELLO`).
        case resp2
    }

    public var host: String
    public var port: Int
    /// An ACL user (Redis 6+); `nil` for the default user.
    public var username: String?
    public var password: String?
    /// The database index for `SELECT` (0 is not selected explicitly).
    public var database: Int
    /// How many connections `RedisClient` keeps.
    public var poolSize: Int
    public var connectTimeout: Duration
    /// A command's timeout unless it is given its own; `nil` for none.
    public var commandTimeout: Duration?
    /// The first delay before reconnecting; it doubles per failed attempt, up to the maximum,
    /// and each delay is jittered (between half and all of it).
    public var reconnectBaseDelay: Duration
    public var reconnectMaxDelay: Duration
    public var protocolPreference: ProtocolPreference
    public var decodingLimits: RESPDecodingLimits

    /// Whether the connection is encrypted.
    public enum TLSMode: Sendable, Hashable {
        case disabled
        /// TLS or no connection; the server's certificate is verified (chain and name).
        case required
    }

    public var tls: TLSMode = .disabled
    /// A PEM file of the certificate authorities to trust; `nil` for the system's roots.
    public var tlsCACertificatePath: String?
    /// A client certificate chain (PEM) and its private key, for servers that ask for one
    /// (`tls-auth-clients yes`).
    public var tlsCertificatePath: String?
    public var tlsPrivateKeyPath: String?
    /// The name the server's certificate must carry (and SNI); `nil` for the host (an IP
    /// address host is checked against the certificate's IP addresses, without SNI).
    public var tlsServerName: String?

    public init(
        host: String = "127.0.0.1", port: Int = 6379, username: String? = nil, password: String? = nil,
        database: Int = 0, poolSize: Int = 2, connectTimeout: Duration = .seconds(5),
        commandTimeout: Duration? = .seconds(10), reconnectBaseDelay: Duration = .milliseconds(50),
        reconnectMaxDelay: Duration = .seconds(5), protocolPreference: ProtocolPreference = .resp3,
        decodingLimits: RESPDecodingLimits = RESPDecodingLimits()
    ) {
        self.host = host
        self.port = port
        self.username = username
        self.password = password
        self.database = database
        self.poolSize = poolSize
        self.connectTimeout = connectTimeout
        self.commandTimeout = commandTimeout
        self.reconnectBaseDelay = reconnectBaseDelay
        self.reconnectMaxDelay = reconnectMaxDelay
        self.protocolPreference = protocolPreference
        self.decodingLimits = decodingLimits
    }

    /// `redis://[[user]:password@]host[:port][/database]`, or `rediss://…` for TLS (verified
    /// against the system's roots unless `tlsCACertificatePath` is set afterwards); the other
    /// settings are defaults.
    public init(url: String) throws(RedisError) {
        let tls: TLSMode
        let schemeLength: Int
        if url.hasPrefix("redis://") {
            (tls, schemeLength) = (.disabled, 8)
        } else if url.hasPrefix("rediss://") {
            (tls, schemeLength) = (.required, 9)
        } else {
            throw .invalidConfiguration("\(url): only redis:// and rediss:// URLs are supported")
        }
        var rest = Substring(url.dropFirst(schemeLength))
        var username: String?
        var password: String?
        if let at = rest.lastIndex(of: "@") {
            let credentials = rest[..<at]
            rest = rest[rest.index(after: at)...]
            if let colon = credentials.firstIndex(of: ":") {
                let user = credentials[..<colon]
                username = user.isEmpty ? nil : try Self.percentDecoded(user)
                password = try Self.percentDecoded(credentials[credentials.index(after: colon)...])
            } else if !credentials.isEmpty {
                password = try Self.percentDecoded(credentials)
            }
        }
        var database = 0
        if let slash = rest.firstIndex(of: "/") {
            let path = rest[rest.index(after: slash)...]
            rest = rest[..<slash]
            if !path.isEmpty {
                guard let index = Int(path), index >= 0 else { throw .invalidConfiguration("\(url): bad database") }
                database = index
            }
        }
        var host = String(rest)
        var port = 6379
        if let colon = rest.lastIndex(of: ":") {
            guard let parsed = Int(rest[rest.index(after: colon)...]), (1...65535).contains(parsed) else {
                throw .invalidConfiguration("\(url): bad port")
            }
            port = parsed
            host = String(rest[..<colon])
        }
        guard !host.isEmpty else { throw .invalidConfiguration("\(url): no host") }
        self.init(host: host, port: port, username: username, password: password, database: database)
        self.tls = tls
    }

    private static func percentDecoded(_ text: Substring) throws(RedisError) -> String {
        var bytes: [UInt8] = []
        var iterator = Array(text.utf8).makeIterator()
        while let byte = iterator.next() {
            guard byte == UInt8(ascii: "%") else {
                bytes.append(byte)
                continue
            }
            guard let high = iterator.next(), let low = iterator.next(),
                let value = UInt8(String(decoding: [high, low], as: UTF8.self), radix: 16)
            else { throw .invalidConfiguration("bad percent escape in credentials") }
            bytes.append(value)
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
