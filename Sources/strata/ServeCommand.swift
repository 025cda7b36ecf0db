import ArgumentParser
import Logging
import Strata
import StrataPostgres
import StrataServer

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// `strata serve`: the Strata server (ILP over HTTP, JSON API, health, metrics) on one store.
///
/// Settings come from the defaults, then `--config FILE` (JSON), then `STRATA_…` environment
/// variables, then `--data` and `--port`; see Docs/Server.md.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve the store over HTTP: ILP writes, JSON queries, health and metrics.",
        discussion: """
            Listens on 127.0.0.1:9000 by default. Auth needs tokens (auth.writeTokens / STRATA_TOKENS_WRITE, \
            auth.readTokens / STRATA_TOKENS_READ) unless turned off explicitly (STRATA_AUTH_DISABLED=true).
            SIGINT or SIGTERM stops accepting, finishes requests in flight, flushes and closes the store.
            """)

    @Option(help: "A JSON configuration file (see Docs/Server.md).")
    var config: String?

    @Option(help: "The data directory (overrides the file and $STRATA_DATA).")
    var data: String?

    @Option(help: "The HTTP port (overrides the file and $STRATA_HTTP_PORT; 0 picks a free port).")
    var port: Int?

    func run() async throws {
        var configuration: ServerConfiguration
        do {
            let environment = Self.environment()
            configuration = try ServerConfiguration.load(
                file: config ?? environment["STRATA_CONFIG"].flatMap { $0.isEmpty ? nil : $0 }, environment: environment
            )
            if let data { configuration.dataDirectory = data }
            if let port {
                configuration.port = port
                try configuration.validate()
            }
        } catch {
            throw CLIError(error.description)
        }
        let level = Logger.Level(rawValue: configuration.logLevel) ?? .info
        // A file size limit (or a quota) must fail a write with EFBIG, which the store reports and
        // survives, not kill the server with SIGXFSZ.
        signal(SIGXFSZ, SIG_IGN)
        // Answers' megabyte buffers reuse the heap instead of being mapped afresh per request.
        StrataServer.tuneAllocatorForServing()
        let format = configuration.logFormat
        LoggingSystem.bootstrap { label in SafeLogHandler(label: label, level: level, format: format) }
        let logger = Logger(label: "strata.server")
        // A busy port is found before the store opens, and said in one line naming the setting.
        try Self.checkPort(
            host: configuration.host, port: configuration.port, setting: "http.port / STRATA_HTTP_PORT")
        if configuration.ilpTCPListener.isOn {
            try Self.checkPort(
                host: configuration.ilpTCPHost, port: configuration.ilpTCP.port,
                setting: "ilp.tcp.port / STRATA_ILP_TCP_PORT")
        }
        let summary = Self.listenerSummary(configuration)
        do {
            try await StrataServer.run(
                configuration: configuration, logger: logger,
                onListening: { ports in Terminal.writeOutput(summary(ports)) })
        } catch let error as StartupError {
            throw CLIError(error.message)
        } catch let error as StrataError {
            throw CLIError("cannot serve \(configuration.dataDirectory) (data / STRATA_DATA): \(error)")
        } catch let error as ConfigurationError {
            throw CLIError(error.description)
        } catch {
            throw CLIError("the server stopped: \(error)")
        }
    }

    /// What `serve` prints once it listens: each listener on or off, and why.
    static func listenerSummary(_ configuration: ServerConfiguration) -> @Sendable (ServerPorts) -> String {
        let scheme = configuration.tls.isOn ? "https" : "http"
        let host = configuration.host
        let tcpHost = configuration.ilpTCPHost
        let listener = configuration.ilpTCPListener
        let tls = configuration.tls.isOn
        let data: String
        switch configuration.backend {
        case .embedded: data = configuration.dataDirectory
        case .embeddedPostgres:
            data =
                "PostgreSQL \((try? configuration.postgresConfiguration())??.endpoint ?? "?"), node state in \(configuration.dataDirectory)"
        case .postgres:
            data = "PostgreSQL \((try? configuration.postgresConfiguration())??.endpoint ?? "?") (stateless node)"
        }
        let durability = configuration.durability
        let auth = configuration.auth.disabled ? "off (auth.disabled)" : "bearer tokens"
        return { ports in
            var text = "strata serve: data \(data), durability \(durability), auth \(auth)\n"
            text +=
                "  on   \(scheme)://\(host):\(ports.http)  ILP over HTTP (/write), JSON API (/api/v1), live feed, /metrics, /health\n"
            switch listener {
            case .off(let reason):
                text += "  off  ILP over TCP: \(reason)\n"
            case .authenticated, .open:
                let port = ports.ilpTCP.map(String.init) ?? "?"
                let how = listener == .open ? "no auth" : "ECDSA keys"
                text += "  on   \(tls ? "tcps" : "tcp")://\(tcpHost):\(port)  ILP over TCP (\(how))\n"
            }
            return text
        }
    }

    /// Fails with one line naming the setting when `host:port` cannot be bound.
    static func checkPort(host: String, port: Int, setting: String) throws {
        guard port != 0 else { return }
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_flags = AI_PASSIVE
        var list: UnsafeMutablePointer<addrinfo>?
        let resolved = getaddrinfo(host, String(port), &hints, &list)
        guard resolved == 0, let first = list else {
            throw CLIError(
                "cannot listen on \(host):\(port) (\(setting)): \(String(cString: gai_strerror(resolved)))")
        }
        defer { freeaddrinfo(list) }
        let fd = socket(first.pointee.ai_family, first.pointee.ai_socktype, first.pointee.ai_protocol)
        guard fd >= 0 else { return }  // let the server report it
        defer { close(fd) }
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        if bind(fd, first.pointee.ai_addr, first.pointee.ai_addrlen) != 0 {
            let code = errno
            throw CLIError(
                "cannot listen on \(host):\(port) (\(setting)): \(String(cString: strerror(code)))"
                    + (code == EADDRINUSE ? " — another process holds it; pick another port or stop it" : ""))
        }
    }

    /// The process environment.
    static func environment() -> [String: String] {
        var result: [String: String] = [:]
        var entry = environ
        while let pointer = entry.pointee {
            let text = String(cString: pointer)
            if let equals = text.firstIndex(of: "=") {
                result[String(text[..<equals])] = String(text[text.index(after: equals)...])
            }
            entry += 1
        }
        return result
    }
}
