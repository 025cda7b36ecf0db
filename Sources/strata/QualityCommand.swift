import ArgumentParser
import Strata
import StrataServer

/// `strata quality`: the data-quality monitor's report.
struct QualityCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "quality", abstract: "The data-quality monitor: rule counts, scores and findings.",
        subcommands: [QualityReportCommand.self])
}

/// `strata quality report`: counts, scores and the newest findings, as the server's
/// `GET /api/v1/quality` answers them.
struct QualityReportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Rule counts and scores per table and symbol, and the newest findings.",
        discussion: """
            Counts are those the monitor saved when the store last closed (a running server holds the \
            store: ask it with GET /api/v1/quality). Findings are rows of the quality_findings table.
            """)

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case table, json
    }

    @OptionGroup var storage: DataDirectoryOptions

    @Option(help: "Only this monitored table (trades, aggtrades, quotes or a declared table with a price).")
    var table: String?

    @Option(help: "Only this symbol.")
    var symbol: String?

    @Option(help: "Most findings listed.")
    var findings = 20

    @Option(help: "Output: table or json (the API's document).")
    var format: Format = .table

    func run() async throws {
        let symbol = try symbol.map { name in
            guard Symbol.isValid(name) else { throw CLIError("invalid symbol '\(name)'") }
            return Symbol(unchecked: name)
        }
        // The report reads what the monitor saved: open with it on, whatever the configuration says.
        var configuration = try storage.storeConfiguration(defaultDurability: .osBuffered)
        configuration.quality.enabled = true
        let store = try storage.openExisting(configuration: configuration)
        defer { try? store.close() }
        let report: QualityReport
        do {
            report = try await store.qualityReport(table: table, symbol: symbol, findings: max(0, findings))
        } catch let error as StrataError {
            throw CLIError(error.message)
        }
        switch format {
        case .json: Terminal.writeOutput(QualityJSON.text(report) + "\n")
        case .table: Self.printTables(report)
        }
    }

    private static func printTables(_ report: QualityReport) {
        let renderer = Renderer(format: .table)
        var rows: [[Cell]] = []
        for table in report.tables {
            rows.append([.text(table.table), .text("*"), .text(QualityReport.text(table.score))] + counts(table.rules))
            for symbol in table.symbols {
                rows.append(
                    [.text(table.table), .text(symbol.symbol.name), .text(QualityReport.text(symbol.score))]
                        + counts(symbol.rules))
            }
        }
        Terminal.writeOutput("score \(QualityReport.text(report.score))\n")
        renderer.render(
            columns: ["table", "symbol", "score"] + QualityRule.allCases.map { "\($0.rawValue) failed/checked" },
            rows: rows)
        Terminal.writeOutput("\n\(report.findings.count) newest finding(s)\n")
        renderer.render(
            columns: ["time", "rule", "table", "symbol", "value", "detail"],
            rows: report.findings.map { finding in
                [
                    .text(finding.time.iso8601), .text(finding.rule.rawValue), .text(finding.table),
                    .text(finding.symbol.name), .decimal(finding.value.description), .text(finding.detail),
                ]
            })
    }

    /// `failed/checked` per rule (empty where the rule checked nothing).
    private static func counts(_ rules: [QualityReport.RuleCount]) -> [Cell] {
        QualityRule.allCases.map { rule in
            guard let entry = rules.first(where: { $0.rule == rule }) else { return .empty }
            return .text("\(entry.count.failed)/\(entry.count.checked)")
        }
    }
}
