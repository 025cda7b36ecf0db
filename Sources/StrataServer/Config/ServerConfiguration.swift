public import Strata
import StrataLake

/// Everything `strata serve` needs, with defaults; read by ``load(file:environment:)`` from a JSON
/// file and `STRATA_…` environment variables (see `Docs/Server.md` for a full example).
///
/// ```swift
/// let configuration = try ServerConfiguration.load(file: "strata.json", environment: ProcessInfo.processInfo.environment)
/// ```
public struct ServerConfiguration: Sendable, Hashable {
    /// Address to listen on (`http.host`, `STRATA_HTTP_HOST`). Loopback by default.
    public var host: String = "127.0.0.1"
    /// Port of the HTTP listener (`http.port`, `STRATA_HTTP_PORT`).
    public var port: Int = 9000
    /// Largest request body accepted, after gzip decompression (`http.maxRequestBytes`,
    /// `STRATA_HTTP_MAX_REQUEST_BYTES`); larger requests get 413.
    public var maxRequestBytes: Int = 64 << 20
    /// ILP-over-HTTP body bytes held at once, across requests (`http.maxInFlightWriteBytes`,
    /// `STRATA_HTTP_MAX_IN_FLIGHT_WRITE_BYTES`); at least ``maxRequestBytes``. Past it, a write
    /// waits (``writeWaitMilliseconds``), then gets 503 `overloaded`.
    public var maxInFlightWriteBytes: Int = 256 << 20
    /// How long a write waits for room in ``maxInFlightWriteBytes`` before its 503
    /// (`http.writeWaitMilliseconds`, `STRATA_HTTP_WRITE_WAIT_MILLISECONDS`).
    public var writeWaitMilliseconds: Int = 5_000
    /// Longest ILP line accepted (`ilp.maxLineBytes`, `STRATA_ILP_MAX_LINE_BYTES`).
    public var maxLineBytes: Int = 1 << 20
    /// More ILP measurements, mapped to tables with renamed tags and fields (`ilp.measurements`,
    /// file only).
    public var ilpMeasurements: [DeclaredMeasurement] = []
    /// ILP over TCP (`ilp.tcp.…`, `STRATA_ILP_TCP_…`).
    public var ilpTCP = ILPTCP()
    /// The data directory (`data`, `STRATA_DATA`). With ``backend`` `postgresql` (PostgreSQL
    /// only) it is not used: the node keeps its few local files in a private temporary directory.
    public var dataDirectory: String = "./strata-data"
    /// Where the tables live (`backend`, `STRATA_BACKEND`): `embedded` (the default),
    /// `embedded+postgresql` or `postgresql`; see ``BackendMode`` and `Docs/PostgreSQL.md`.
    public var backend: BackendMode = .embedded
    /// The PostgreSQL server of the `embedded+postgresql` and `postgresql` modes (`postgres.…`,
    /// `STRATA_POSTGRES_…`).
    public var postgres = Postgres()
    /// The store's settings — durability, aggregates, retention, symbol limits, user-defined
    /// tables — read by the library's own reader (``StoreSettings``), as every `strata` command
    /// reads them.
    public var storeSettings = StoreSettings()
    /// When an acknowledged write is on disk (`durability`, `STRATA_DURABILITY`): `fsync`
    /// (each batch, the default), `group-commit:<ms>` or `os-buffered`.
    public var durability: Durability {
        get { storeSettings.durability ?? .fsyncEachBatch }
        set { storeSettings.durability = newValue }
    }
    /// Maintain the trades' OHLCV bars on the write path (`aggregates`, `STRATA_AGGREGATES`;
    /// default true).
    public var aggregates: Bool {
        get { storeSettings.aggregates }
        set { storeSettings.aggregates = newValue }
    }
    /// How long each table keeps its data (`retention`, `STRATA_RETENTION`: `trades=30d,bars_1m=90d`);
    /// unset, the policy saved in the data directory (`strata retention set`).
    public var retention: RetentionPolicy? {
        get { storeSettings.retention }
        set { storeSettings.retention = newValue }
    }
    /// User-defined tables (`tables`: an array of schemas, see `Docs/Catalog.md`), opened beside
    /// the built-in ones.
    public var tables: [RecordSchema] {
        get { storeSettings.tables }
        set { storeSettings.tables = newValue }
    }
    /// Authentication (`auth.…`, `STRATA_AUTH_…`, `STRATA_TOKENS_…`).
    public var auth = Auth()
    /// TLS for every listener (`tls.…`, `STRATA_TLS_…`): off unless a certificate is given.
    public var tls = TLS()
    /// Log level (`log.level`, `STRATA_LOG_LEVEL`): trace, debug, info, notice, warning, error, critical.
    public var logLevel: String = "info"
    /// Log format (`log.format`, `STRATA_LOG_FORMAT`): `text` (one escaped line per event) or
    /// `json` (one object per line).
    public var logFormat: LogFormat = .text
    /// Timeouts and resource limits of connections and requests (`http.headerTimeoutMilliseconds`,
    /// `http.maxConnections`, `ilp.tcp.idleTimeoutMilliseconds`…;
    /// each also as `STRATA_…`, e.g. `STRATA_HTTP_MAX_CONNECTIONS`). See ``Limits``.
    public var limits = Limits()
    /// Rows (per channel) a live feed connection may fall behind before it is dropped as a slow
    /// consumer (`live.bufferLimit`, `STRATA_LIVE_BUFFER_LIMIT`).
    public var liveBufferLimit: Int = 100_000
    /// The tiers beside the system of record (`tiers.…`, `STRATA_TIERS_…`; see ``Tiers`` and
    /// `Docs/Tiers.md`).
    public var tiers = Tiers()

    /// How the store is opened, from this configuration: what `strata serve` and every `strata`
    /// command that opens the store use, so both open it alike.
    /// - Parameter durability: the durability when neither the file nor the environment sets one
    ///   (the server's default: fsync each batch).
    public func store(defaultDurability: Durability = .fsyncEachBatch) -> StrataStore.Configuration {
        var configuration = storeSettings.configuration(defaultDurability: defaultDurability)
        // The `lake` block: the Parquet lake as the cold tier (Docs/Lake.md).
        configuration.cold = LakeColdTier(settings: storeSettings.lake)
        return configuration
    }

    /// Bearer tokens. Auth is off only when ``disabled`` is set explicitly.
    public struct Auth: Sendable, Hashable {
        /// `auth.disabled`, `STRATA_AUTH_DISABLED`: serve every route without a token.
        public var disabled: Bool = false
        /// `auth.readTokens`, `STRATA_TOKENS_READ` (comma-separated): queries, stats, metrics.
        public var readTokens: [String] = []
        /// `auth.writeTokens`, `STRATA_TOKENS_WRITE` (comma-separated): everything.
        public var writeTokens: [String] = []

        public init(disabled: Bool = false, readTokens: [String] = [], writeTokens: [String] = []) {
            self.disabled = disabled
            self.readTokens = readTokens
            self.writeTokens = writeTokens
        }
    }

    /// TLS: with a certificate chain and its private key (PEM files), HTTP is served as HTTPS (the
    /// live feed as `wss://`) and ILP over TCP as TLS (QuestDB clients' `tcps::`); without, both
    /// are plain text. Both files are read and checked at start-up.
    public struct TLS: Sendable, Hashable {
        /// `tls.certificate`, `STRATA_TLS_CERTIFICATE`: the server's certificate, then any
        /// intermediates, PEM.
        public var certificate: String?
        /// `tls.privateKey`, `STRATA_TLS_PRIVATE_KEY`: the certificate's private key, PEM, not
        /// encrypted.
        public var privateKey: String?

        public init(certificate: String? = nil, privateKey: String? = nil) {
            self.certificate = certificate
            self.privateKey = privateKey
        }

        /// Whether the listeners speak TLS.
        public var isOn: Bool { certificate != nil }
    }

    /// The ILP-over-TCP listener (QuestDB's port 9009 protocol).
    public struct ILPTCP: Sendable, Hashable {
        /// `ilp.tcp.enabled`, `STRATA_ILP_TCP_ENABLED`. `nil` (not said): on, unless auth is on
        /// and no ``keys`` are configured (then off, with a log line saying why). `true` with auth
        /// on and no keys fails start-up.
        public var enabled: Bool?
        /// `ilp.tcp.host`, `STRATA_ILP_TCP_HOST`; `nil`: the HTTP host.
        public var host: String?
        /// `ilp.tcp.port`, `STRATA_ILP_TCP_PORT` (0: any free port).
        public var port: Int = 9009
        /// `ilp.tcp.keys`, `STRATA_ILP_TCP_KEYS` (`kid:x:y,…`): the public keys clients
        /// authenticate with (QuestDB's ECDSA P-256 challenge-response).
        public var keys: [ILPTCPKey] = []

        public init(enabled: Bool? = nil, host: String? = nil, port: Int = 9009, keys: [ILPTCPKey] = []) {
            self.enabled = enabled
            self.host = host
            self.port = port
            self.keys = keys
        }
    }

    /// A client's ECDSA P-256 public key as a JSON Web Key's coordinates: `x` and `y` are the
    /// base64url encodings of 32 bytes each (the questdb clients' `token_x` and `token_y`);
    /// `kid` is the key id the client sends first (their `username`).
    public struct ILPTCPKey: Sendable, Hashable {
        public var kid: String
        public var x: String
        public var y: String

        public init(kid: String, x: String, y: String) {
            self.kid = kid
            self.x = x
            self.y = y
        }
    }

    /// Whether the ILP-over-TCP listener runs, and how.
    public enum ILPTCPListener: Sendable, Hashable {
        /// Every connection authenticates with one of the configured keys first.
        case authenticated
        /// No authentication (`auth.disabled`).
        case open
        /// Not started, and why (for the log).
        case off(reason: String)
    }

    /// What ``StrataServer/run(configuration:logger:onServerRunning:onListening:)`` does about ILP over TCP.
    public var ilpTCPListener: ILPTCPListener {
        if ilpTCP.enabled == false { return .off(reason: "ilp.tcp.enabled is false") }
        if auth.disabled { return .open }
        if !ilpTCP.keys.isEmpty { return .authenticated }
        return .off(
            reason: "auth is on and no ILP/TCP keys are configured: ILP over TCP has no tokens; add client public "
                + "keys with ilp.tcp.keys (STRATA_ILP_TCP_KEYS=kid:x:y) or turn auth off explicitly "
                + "(auth.disabled); ILP over HTTP works with write tokens meanwhile")
    }

    /// The address the ILP-over-TCP listener binds: `ilp.tcp.host`, else `http.host`.
    public var ilpTCPHost: String { ilpTCP.host ?? host }

    public init() {}

    /// The log levels accepted by `log.level`.
    static let logLevels = ["trace", "debug", "info", "notice", "warning", "error", "critical"]

    /// Checks each declared ILP measurement against the others and the tables.
    func validateMeasurements() throws(ConfigurationError) {
        for (index, declaration) in ilpMeasurements.enumerated() {
            try declaration.validate(
                key: "ilp.measurements[\(index)]", others: ilpMeasurements, tables: RecordSchema.builtIn + tables)
        }
    }

    /// Checks the values that are valid one by one but not together.
    /// - Throws: ``ConfigurationError`` naming the key.
    public func validate() throws(ConfigurationError) {
        guard (0...65535).contains(port) else {
            throw ConfigurationError(key: "http.port", message: "must be 0...65535, got \(port)")
        }
        guard maxRequestBytes > 0 else {
            throw ConfigurationError(key: "http.maxRequestBytes", message: "must be > 0, got \(maxRequestBytes)")
        }
        guard maxInFlightWriteBytes >= maxRequestBytes else {
            throw ConfigurationError(
                key: "http.maxInFlightWriteBytes",
                message: "must be at least http.maxRequestBytes (\(maxRequestBytes)), got \(maxInFlightWriteBytes)")
        }
        guard writeWaitMilliseconds >= 0 else {
            throw ConfigurationError(
                key: "http.writeWaitMilliseconds", message: "must be >= 0, got \(writeWaitMilliseconds)")
        }
        guard maxLineBytes > 0 else {
            throw ConfigurationError(key: "ilp.maxLineBytes", message: "must be > 0, got \(maxLineBytes)")
        }
        guard liveBufferLimit > 0 else {
            throw ConfigurationError(key: "live.bufferLimit", message: "must be > 0, got \(liveBufferLimit)")
        }
        try validateILPTCP()
        try validateLimits()
        _ = try tlsConfiguration()
        try validateMeasurements()
        guard !dataDirectory.isEmpty else { throw ConfigurationError(key: "data", message: "must not be empty") }
        try validateBackend()
        try validateTiers()
        guard Self.logLevels.contains(logLevel) else {
            throw ConfigurationError(
                key: "log.level", message: "unknown level '\(logLevel)' (\(Self.logLevels.joined(separator: ", ")))")
        }
        if !auth.disabled && auth.readTokens.isEmpty && auth.writeTokens.isEmpty {
            throw ConfigurationError(
                key: "auth",
                message: "no tokens configured: set auth.writeTokens / auth.readTokens (STRATA_TOKENS_WRITE, "
                    + "STRATA_TOKENS_READ) or turn auth off explicitly with auth.disabled (STRATA_AUTH_DISABLED=true)")
        }
        for token in auth.readTokens + auth.writeTokens where token.isEmpty || token.contains(where: \.isWhitespace) {
            throw ConfigurationError(key: "auth", message: "a token must be non-empty and without spaces")
        }
    }
}
