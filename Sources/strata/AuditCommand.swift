import ArgumentParser
import Foundation
import Strata

/// `strata audit`: the hash-chained audit trail of trades and order events.
struct AuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit", abstract: "Check and read the audit trail of trades and order events.",
        subcommands: [Verify.self, Read.self])

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

    /// `strata audit read DIR`: the lines, filtered by time and by members.
    struct Read: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the lines (NDJSON) of an audit log directory, filtered by time and members.")

        @Argument(help: "The audit log's directory.")
        var directory: String

        @Option(help: "Only lines at or after this time (ISO-8601 or nanoseconds).")
        var from: String?

        @Option(help: "Only lines before this time (ISO-8601 or nanoseconds).")
        var to: String?

        @Option(help: "Only lines of this kind (trade, order, …).")
        var kind: String?

        @Option(help: "Only lines whose symbol is this.")
        var symbol: String?

        @Option(help: "Only lines whose user is this.")
        var user: String?

        @Option(help: "Only lines about this order id.")
        var order: Int64?

        func run() async throws {
            let from = try from.map { try Timestamp(parsing: $0, field: "--from") } ?? .min
            let to = try to.map { try Timestamp(parsing: $0, field: "--to") } ?? .max
            var text: [String: String] = [:]
            if let kind { text["kind"] = kind }
            if let symbol { text["symbol"] = symbol }
            if let user { text["user"] = user }
            var output = ""
            for record in try AuditLog.lines(directory: directory, from: from, to: to) {
                if !text.isEmpty || order != nil {
                    guard
                        let object = try? JSONSerialization.jsonObject(with: Data(record.line.utf8)) as? [String: Any],
                        text.allSatisfy({ name, value in object[name] as? String == value }),
                        order.map({ (object["order"] as? NSNumber)?.int64Value == $0 }) ?? true
                    else { continue }
                }
                output += record.line + "\n"
                if output.utf8.count > 1 << 16 {
                    Terminal.writeOutput(output)
                    output = ""
                }
            }
            Terminal.writeOutput(output)
        }
    }
}
