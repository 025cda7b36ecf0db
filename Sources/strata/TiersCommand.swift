import ArgumentParser
import Logging
import Strata
import StrataServer
import StrataTiers

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// `strata tiers status|verify|repair [--table T]`: the tiers of the server's configuration
/// (`tiers` block), on a data directory no server holds (stop it first; a running server answers
/// the same over HTTP: `/api/v1/tiers`, `/api/v1/tiers/verify`).
struct TiersCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tiers",
        abstract: "Show, verify or repair the tiers (memory, Redis, PostgreSQL) beside the system of record.",
        discussion: """
            status   per table and tier: the log's position, the tier's cursor, the backlog (rows, bytes);
            verify   feeds each tier what the log still holds for it, then compares its rows with the
                     system of record's (count, checksum and order per symbol, over what the tier is
                     meant to hold); exit status 1 on any difference;
            repair   re-sends each tier's backlog from the log, then verifies; a tier that still differs
                     (or fell behind the log's retention) needs a rebuild from the system of record.
            Reads the server's configuration (--config, STRATA_…): data, backend, tiers.
            """)

    enum Action: String, ExpressibleByArgument, CaseIterable {
        case status, verify, repair
    }

    @Argument(help: "status, verify or repair.")
    var action: Action

    @Option(help: "A JSON configuration file (as for serve).")
    var config: String?

    @Option(help: "The data directory (overrides the file and $STRATA_DATA).")
    var data: String?

    @Option(help: "Only this table.")
    var table: String?

    @Option(help: "Seconds to wait for the tiers to catch up (verify, repair).")
    var timeout: Int = 30

    func run() async throws {
        var configuration: ServerConfiguration
        do {
            var environment = ServeCommand.environment()
            // No listener here: the server's auth settings do not matter (and need not be given).
            if environment["STRATA_TOKENS_READ"] == nil && environment["STRATA_TOKENS_WRITE"] == nil {
                environment["STRATA_AUTH_DISABLED"] = environment["STRATA_AUTH_DISABLED"] ?? "true"
            }
            configuration = try ServerConfiguration.load(
                file: config ?? environment["STRATA_CONFIG"].flatMap { $0.isEmpty ? nil : $0 }, environment: environment
            )
            if let data { configuration.dataDirectory = data }
        } catch {
            throw CLIError(error.description)
        }
        guard configuration.tiers.isOn else { throw CLIError("no tiers are configured (the tiers block)") }
        guard !configuration.tiers.memoryOnly else {
            throw CLIError("tiers.memoryOnly: the memory tier lives in the server's process only")
        }
        let logger = Logger(label: "strata.tiers")
        let opened: OpenedStore
        do {
            opened = try StrataServer.openStore(configuration: configuration, logger: logger)
        } catch let error as StartupError {
            throw CLIError(error.message)
        }
        defer { opened.cleanUp() }
        let store = opened.store
        defer { try? store.close() }
        guard
            let tiers = try ServerTiers.make(
                configuration: configuration, store: store, directory: opened.directory, logger: logger)
        else { throw CLIError("no table has tiers") }
        if let table, tiers.tables[table] == nil { throw CLIError("table \(table) has no tiers") }
        switch action {
        case .status:
            var lines = ["table\ttier\taccepted\tapplied\tbacklog_rows\tbacklog_bytes\trebuild_needed\tlast_error"]
            for tier in tiers.status where table == nil || tier.table == table {
                let r = tier.replication
                lines.append(
                    "\(tier.table)\t\(tier.tier)\t\(r.accepted)\t\(r.applied)\t\(r.backlogRows)\t\(r.backlogBytes)\t\(r.rebuildNeeded)\t\(tier.lastError ?? "-")"
                )
            }
            Terminal.writeOutput(lines.joined(separator: "\n") + "\n")
            await tiers.stop()
        case .verify, .repair:
            tiers.start()
            let result = await tiers.verify(table: table, timeout: .seconds(timeout))
            await tiers.stop()
            var lines: [String] = []
            for checked in result.checked {
                lines.append(
                    "checked \(checked.table) \(checked.tier): \(checked.symbols) symbol(s), \(checked.rows) row(s)")
            }
            for difference in result.differences { lines.append("difference \(difference)") }
            if !result.caughtUp {
                lines.append("a tier did not catch up within \(timeout) s (see strata tiers status)")
            }
            lines.append("\(result.differences.count) difference(s)")
            if action == .repair && !result.differences.isEmpty {
                lines.append(
                    "the log no longer holds what these tiers miss: rebuild them from the system of record")
            }
            Terminal.writeOutput(lines.joined(separator: "\n") + "\n")
            if !result.differences.isEmpty {
                try? store.close()
                opened.cleanUp()
                throw ExitCode(1)
            }
        }
    }
}
