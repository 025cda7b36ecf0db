import ArgumentParser
import Logging
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
            configuration = try ServerConfiguration.load(file: config, environment: Self.environment())
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
        let format = configuration.logFormat
        LoggingSystem.bootstrap { label in SafeLogHandler(label: label, level: level, format: format) }
        let logger = Logger(label: "strata.server")
        try await StrataServer.run(configuration: configuration, logger: logger)
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
