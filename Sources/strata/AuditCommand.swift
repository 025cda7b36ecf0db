import ArgumentParser
import Strata

/// `strata audit`: the hash-chained audit trail of trades and order events.
struct AuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit", abstract: "Check the audit trail's hash chain.",
        subcommands: [Verify.self])

    /// `strata audit verify DIR`: every line's link to the line before, across rotated files.
    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check every line of an audit log directory; report the first altered, deleted, "
                + "inserted or reordered line with its file and line number (exit status 1).")

        @Argument(help: "The audit log's directory.")
        var directory: String

        func run() async throws {
            let report = try AuditLog.verify(directory: directory)
            if let found = report.firstBreak {
                throw CLIError("\(directory): the audit chain breaks at \(found)")
            }
            Terminal.writeOutput("\(directory): \(report)\n")
        }
    }
}
