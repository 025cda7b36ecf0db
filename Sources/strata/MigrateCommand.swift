import ArgumentParser
import Strata
import StrataPostgres
import StrataServer

/// `strata migrate up|down|status [--to N] [--scope S]`: the PostgreSQL schema's migrations,
/// applied ahead of `strata serve`, rolled back or inspected (Docs/PostgreSQL.md).
///
/// Reads the server's configuration (`--config`, `STRATA_…`) for `backend` and `postgres.…`; the
/// scopes are `strata` (the catalog) and `table:<name>` for each table `serve` opens: the built-in
/// ones and the configuration's `tables`.
struct MigrateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate",
        abstract: "Apply, roll back or list the PostgreSQL schema's migrations.",
        discussion: """
            up       applies every pending migration (of --scope only, and up to --to N, if given);
            down     rolls --scope back to version --to N (default: one version down); needs --scope;
            status   lists each scope's migrations: applied, pending, changed (edited since: refused).
            Needs a PostgreSQL mode: backend / STRATA_BACKEND = embedded+postgresql or postgresql, and
            postgres.url / STRATA_POSTGRES_URL. Scopes: strata (the catalog), table:<name> (each table).
            """)

    enum Action: String, ExpressibleByArgument, CaseIterable {
        case up, down, status
    }

    @Argument(help: "up, down or status.")
    var action: Action

    @Option(help: "A JSON configuration file (as for serve).")
    var config: String?

    @Option(help: "The target version (up: at most; down: roll back to it, 0 removes the scope's objects).")
    var to: Int?

    @Option(help: "Only this scope: strata or table:<name>.")
    var scope: String?

    func run() throws {
        let settings: PostgresConfiguration
        let server: ServerConfiguration
        do {
            var environment = ServeCommand.environment()
            // No listener here: the server's auth settings do not matter (and need not be given).
            if environment["STRATA_TOKENS_READ"] == nil && environment["STRATA_TOKENS_WRITE"] == nil {
                environment["STRATA_AUTH_DISABLED"] = environment["STRATA_AUTH_DISABLED"] ?? "true"
            }
            let loaded = try ServerConfiguration.load(
                file: config ?? environment["STRATA_CONFIG"].flatMap { $0.isEmpty ? nil : $0 }, environment: environment
            )
            guard let postgres = try loaded.postgresConfiguration() else {
                throw CLIError(
                    "strata migrate works on PostgreSQL: set backend / STRATA_BACKEND to embedded+postgresql or postgresql, and postgres.url / STRATA_POSTGRES_URL"
                )
            }
            settings = postgres
            server = loaded
        } catch let error as ConfigurationError {
            throw CLIError(error.description)
        }
        if let to, to < 0 { throw CLIError("--to must be >= 0, got \(to)") }
        let plan: PostgresMigrationPlan
        do {
            plan = try PostgresMigrationPlan(configuration: settings)
        } catch let error as StrataError where error.code == .io {
            throw CLIError("cannot reach \(error.message) (postgres.url / STRATA_POSTGRES_URL)")
        }
        defer { plan.close() }
        let store = server.store()
        let builtIn = TableOptions(absentValues: false, partitionDuration: store.partitionDuration)
        let tables =
            RecordSchema.builtIn.map { (schema: $0, options: builtIn) }
            + (try store.declaredTables() + RecordSchema.tradingRecords).map { (schema: $0, options: TableOptions()) }
        var migrators = try plan.migrators(tables: tables, bars: store.aggregates)
        if let scope {
            migrators = migrators.filter { $0.scope == scope }
            guard !migrators.isEmpty else {
                throw CLIError(
                    "unknown scope '\(scope)' (\(try plan.migrators(tables: tables, bars: store.aggregates).map(\.scope).joined(separator: ", ")))"
                )
            }
        }
        switch action {
        case .status:
            var lines = ["scope\tversion\tstate\tapplied_at\tname"]
            for migrator in migrators {
                for status in try migrator.status() {
                    lines.append(
                        "\(migrator.scope)\t\(status.version)\t\(status.state.rawValue)\t\(status.appliedAt ?? "-")\t\(status.name)"
                    )
                }
            }
            if scope == nil {
                let known = Set(migrators.map(\.scope))
                for (other, version) in try plan.recordedScopes() where !known.contains(other) {
                    lines.append("\(other)\t\(version)\trecorded\t-\t(not in this configuration)")
                }
            }
            Terminal.writeOutput(lines.joined(separator: "\n") + "\n")
        case .up:
            var applied = 0
            for migrator in migrators {
                let versions = try migrator.up(to: to)
                applied += versions.count
                for version in versions {
                    let name = migrator.migrations.first { $0.version == version }?.name ?? ""
                    Terminal.writeOutput("applied \(migrator.scope) \(version) \(name)\n")
                }
            }
            Terminal.writeOutput(
                "up: \(applied) migration(s) applied on \(settings.endpoint) schema \(settings.schema)\n")
        case .down:
            guard let migrator = migrators.first, scope != nil else {
                throw CLIError("down needs --scope (strata or table:<name>): rolling back is one scope at a time")
            }
            let current = try migrator.status().filter { $0.state != .pending }.map(\.version).max() ?? 0
            let target = to ?? max(0, current - 1)
            let versions = try migrator.down(to: target)
            for version in versions {
                let name = migrator.migrations.first { $0.version == version }?.name ?? ""
                Terminal.writeOutput("rolled back \(migrator.scope) \(version) \(name)\n")
            }
            Terminal.writeOutput("down: \(migrator.scope) at version \(target)\n")
        }
    }
}
