import Hummingbird
package import Strata

/// `GET /api/v1/quality` (read access): the data-quality report (``StrataStore/qualityReport(table:symbol:findings:now:)``)
/// as JSON, for one `table` and/or `symbol` or all; `findings` caps the newest findings listed
/// (0…1000, default 50). Scores are decimal strings with four digits (1.0000 is clean). A 400
/// `invalidArgument` when the monitor is off or the table is not monitored.
struct QualityRoutes {
    let store: StrataStore

    static let path = "/api/v1/quality"

    func register(on router: Router<StrataRequestContext>) {
        let store = store
        router.get("/api/v1/quality") { request, context in
            await answer(context) { () async throws -> JSON in
                let query = QueryParameters(request)
                var symbol: Symbol?
                if let name = query.optional("symbol") {
                    guard Symbol.isValid(name) else {
                        throw ParameterError(parameter: "symbol", message: "symbol: invalid symbol '\(name)'")
                    }
                    symbol = Symbol(unchecked: name)
                }
                let limit = try query.integer("findings", default: 50, range: 0...1_000)
                let report = try await store.qualityReport(
                    table: query.optional("table"), symbol: symbol, findings: limit)
                return Self.json(report)
            }
        }
    }

    static func json(_ report: QualityReport) -> JSON {
        func rules(_ counts: [QualityReport.RuleCount]) -> JSON {
            .array(
                counts.map { entry in
                    [
                        "rule": .string(entry.rule.rawValue), "checked": .int(entry.count.checked),
                        "passed": .int(entry.count.passed), "failed": .int(entry.count.failed),
                        "suppressed": .int(entry.count.suppressed),
                    ]
                })
        }
        let tables: [JSON] = report.tables.map { table in
            let symbols: [JSON] = table.symbols.map { symbol in
                [
                    "symbol": .string(symbol.symbol.name), "score": .string(QualityReport.text(symbol.score)),
                    "rules": rules(symbol.rules),
                ]
            }
            return [
                "table": .string(table.table), "score": .string(QualityReport.text(table.score)),
                "rules": rules(table.rules), "symbols": .array(symbols),
            ]
        }
        let findings: [JSON] = report.findings.map { finding in
            .object(
                [
                    ("rule", .string(finding.rule.rawValue)), ("table", .string(finding.table)),
                    ("symbol", .string(finding.symbol.name)),
                ] + finding.time.jsonMembers + [
                    ("value", .string(finding.value.description)), ("detail", .string(finding.detail)),
                ])
        }
        return .object(
            report.time.jsonMembers + [
                ("score", .string(QualityReport.text(report.score))), ("tables", .array(tables)),
                ("findings", .array(findings)),
            ])
    }
}

/// The report as `GET /api/v1/quality` writes it (for `strata quality report --format json`).
package enum QualityJSON {
    package static func text(_ report: QualityReport) -> String { QualityRoutes.json(report).serialized() }
}

extension OpenAPIDocument {
    /// `GET /api/v1/quality`, as ``QualityRoutes`` answers it.
    static var quality: JSON {
        let counts = Schema.array(
            of: Schema.object([
                "rule": [
                    "type": "string", "enum": .array(QualityRule.allCases.map { .string($0.rawValue) }),
                ],
                "checked": Schema.integer, "passed": Schema.integer, "failed": Schema.integer,
                "suppressed": Schema.integer,
            ]))
        let score: JSON = ["type": "string", "description": "Share of checks passed, averaged over rules (0…1)."]
        let report = Schema.object([
            "ts_ns": Schema.string, "time": Schema.string, "score": score,
            "tables": Schema.array(
                of: Schema.object([
                    "table": Schema.string, "score": score, "rules": counts,
                    "symbols": Schema.array(
                        of: Schema.object(["symbol": Schema.string, "score": score, "rules": counts])),
                ])),
            "findings": Schema.array(
                of: Schema.object([
                    "rule": Schema.string, "table": Schema.string, "symbol": Schema.string, "ts_ns": Schema.string,
                    "time": Schema.string, "value": Schema.decimal, "detail": Schema.string,
                ])),
        ])
        return operation(
            "The data-quality report: rule counts and scores per monitored table and symbol, and the newest findings.",
            description:
                "Findings are also rows of the quality_findings table (/api/v1/quality_findings/range). 400 when the monitor is off (quality.enabled).",
            parameters: [
                Parameter.query("table", "Only this monitored table (trades, quotes…)."),
                Parameter.query("symbol", "Only this symbol."),
                Parameter.query("findings", "Most findings listed (0…1000).", ["type": "integer", "default": 50]),
            ],
            responses: [ok(report)] + queryErrors)
    }
}
