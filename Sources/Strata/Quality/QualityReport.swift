public import StrataCore

/// What the data-quality monitor found: counts and scores per table and symbol, and the newest
/// findings (``StrataStore/qualityReport(table:symbol:findings:now:)``).
public struct QualityReport: Sendable {
    /// One rule's counts.
    public struct RuleCount: Sendable, Hashable {
        public var rule: QualityRule
        public var count: QualityCount
    }

    /// One symbol of one table.
    public struct SymbolReport: Sendable {
        public var symbol: Symbol
        public var score: Double
        /// Rules that checked anything, in ``QualityRule/allCases`` order.
        public var rules: [RuleCount]
    }

    /// One monitored table.
    public struct TableReport: Sendable {
        public var table: String
        public var score: Double
        /// The table's counts, summed over its symbols.
        public var rules: [RuleCount]
        public var symbols: [SymbolReport]
    }

    /// When the report was taken.
    public var time: Timestamp
    /// The score over every table and symbol reported.
    public var score: Double
    public var tables: [TableReport]
    /// The newest findings (by row time), newest first.
    public var findings: [QualityFinding]

    /// The score of some counts: the mean, over the rules that checked anything, of the share
    /// of their checks that passed; 1 when nothing was checked.
    public static func score(_ rules: [RuleCount]) -> Double {
        let checked = rules.filter { $0.count.checked > 0 }
        guard !checked.isEmpty else { return 1 }
        let shares = checked.map { Double($0.count.passed) / Double($0.count.checked) }
        return shares.reduce(0, +) / Double(shares.count)
    }

    /// A score as text with four decimals (`0.9987`; `1.0000` is clean).
    public static func text(_ score: Double) -> String {
        DecimalFormatter.format(Int64((score * 10_000).rounded()), scale: 4, minimumFractionDigits: 4)
    }

    /// Counts summed per rule, in rule order, rules that checked nothing left out.
    static func sum(_ lists: [[RuleCount]]) -> [RuleCount] {
        var totals = [QualityCount](repeating: QualityCount(), count: QualityRule.allCases.count)
        for list in lists { for entry in list { totals[entry.rule.index] = totals[entry.rule.index] + entry.count } }
        return QualityRule.allCases.compactMap { rule in
            totals[rule.index].checked > 0 ? RuleCount(rule: rule, count: totals[rule.index]) : nil
        }
    }
}

extension StrataStore {
    /// The data-quality report: counts and scores per monitored table and symbol, and the
    /// newest findings. Runs the stale rule at `now` first (its findings are in the report).
    ///
    /// ```swift
    /// let report = try await store.qualityReport(symbol: "SPY")
    /// print(report.score, report.findings.first?.detail ?? "clean")
    /// ```
    /// - Parameters:
    ///   - table: only this monitored table (nil: all).
    ///   - symbol: only this symbol (nil: all).
    ///   - findings: most findings to include.
    ///   - now: the wall clock the stale rule is judged at.
    /// - Returns: the report.
    /// - Throws: ``StrataError`` `.invalidArgument` when the monitor is off (`quality.enabled`)
    ///   or `table` is not monitored; what reading the findings table throws.
    public func qualityReport(
        table: String? = nil, symbol: Symbol? = nil, findings limit: Int = 50, now: Timestamp = WallClock.now()
    ) async throws -> QualityReport {
        var report = try qualitySummary(table: table, symbol: symbol, now: now)
        if let monitor = quality {
            report.findings = try await recentFindings(monitor.findings, table: table, symbol: symbol, limit: limit)
        }
        return report
    }

    /// The report's counts and scores without reading findings (what the server's metrics take
    /// at each scrape). Runs the stale rule at `now` first.
    /// - Throws: ``StrataError`` `.invalidArgument` when the monitor is off or `table` is not
    ///   monitored.
    public func qualitySummary(table: String? = nil, symbol: Symbol? = nil, now: Timestamp = WallClock.now())
        throws(StrataError) -> QualityReport
    {
        guard let monitor = quality else {
            throw StrataError(.invalidArgument, "the data-quality monitor is off (set quality.enabled)")
        }
        if let table, !monitor.tableNames.contains(table) {
            throw StrataError(
                .invalidArgument,
                "\(table) is not monitored (monitored: \(monitor.tableNames.joined(separator: ", ")))")
        }
        monitor.checkStale(now: now)
        var tables: [QualityReport.TableReport] = []
        for quality in monitor.tables where table == nil || quality.profile.table == table {
            let symbols = quality.counts().filter { symbol == nil || $0.symbol == symbol?.name }.map { entry in
                let rules = QualityRule.allCases.compactMap { rule in
                    entry.counts[rule.index].checked > 0
                        ? QualityReport.RuleCount(rule: rule, count: entry.counts[rule.index]) : nil
                }
                return QualityReport.SymbolReport(
                    symbol: Symbol(unchecked: entry.symbol), score: QualityReport.score(rules), rules: rules)
            }
            let rules = QualityReport.sum(symbols.map(\.rules))
            tables.append(
                QualityReport.TableReport(
                    table: quality.profile.table, score: QualityReport.score(rules), rules: rules, symbols: symbols))
        }
        return QualityReport(
            time: now, score: QualityReport.score(QualityReport.sum(tables.map(\.rules))), tables: tables,
            findings: [])
    }

    /// The newest `limit` findings of the findings table, by row time.
    private func recentFindings(_ findings: DynamicTable, table: String?, symbol: Symbol?, limit: Int) async throws
        -> [QualityFinding]
    {
        guard limit > 0 else { return [] }
        var found: [QualityFinding] = []
        for name in findings.symbols() where symbol == nil || name == symbol {
            // A table filter may pass over some rows of the newest: read more of them.
            let rows = try await findings.latest(symbol: name, limit: table == nil ? limit : limit * 8)
            found += rows.compactMap(QualityFinding.init(row:)).filter { table == nil || $0.table == table }
        }
        found.sort { $0.time > $1.time }
        return Array(found.prefix(limit))
    }
}
