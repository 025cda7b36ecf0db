import ArgumentParser
import Strata

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// `strata`: the operator's tool for a Strata data directory.
@main
struct StrataCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "strata",
        abstract: "Ingest, query and maintain a Strata data directory.",
        discussion: """
            The data directory is --data, else $STRATA_DATA, else ./strata-data.
            Errors are reported as one line on stderr ("strata: error: …") with a non-zero exit status.
            """,
        version: "strata \(StrataVersion.release) (store format \(StrataStore.formatVersion))",
        subcommands: [
            DemoCommand.self, IngestCommand.self, QueryCommand.self, SymbolsCommand.self, BarsCommand.self,
            IndicatorsCommand.self,
            AsofCommand.self,
            StatsCommand.self, QualityCommand.self, QuarantineCommand.self,
            CompactCommand.self, VerifyCommand.self, IncidentsCommand.self,
            RetentionCommand.self, PurgeCommand.self, FlushCommand.self, AuditCommand.self,
            OrdersCommand.self, JobsCommand.self, SignalsCommand.self, AnomaliesCommand.self,
            GenerateCommand.self,
            ExportCommand.self, LakeCommand.self,
            ServeCommand.self, MigrateCommand.self, TiersCommand.self,
        ]
    )

    /// Runs the command; store, validation and file errors become one line on stderr and exit status 1.
    static func main() async {
        do {
            try QueryCommand.checkQueryName(Array(CommandLine.arguments.dropFirst()))
            var command = try await asyncParseAsRoot(nil)
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch let error as StrataError {
            fail(error.description)
        } catch let error as StrataCore.ValidationError {
            fail(error.description)
        } catch let error as CLIError {
            fail(error.message)
        } catch {
            exit(withError: error)  // usage errors, --help, ExitCode: ArgumentParser's own reporting
        }
    }

    /// Prints `strata: error: <message>` as a single line on stderr and exits with status 1.
    static func fail(_ message: String) -> Never {
        let line = message.split(whereSeparator: \.isNewline).joined(separator: "; ")
        Terminal.writeError("strata: error: \(line)\n")
        Glibc.exit(1)
    }
}

/// A failure of the command itself (bad combination of options, missing store).
struct CLIError: Error, CustomStringConvertible {
    var message: String
    init(_ message: String) { self.message = message }
    var description: String { message }
}
