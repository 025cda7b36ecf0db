import StrataCore
import StrataEngine
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// The data-quality monitor: rules beyond validation, applied to every row a table stores.
/// Nothing here rejects or alters data: it counts and writes findings only.
///
/// Design:
/// - **Where it runs**: on the write path, as a tap of each monitored table's stored-rows
///   listener (``StoredRowsListener``, through the table's live hub): it sees every acknowledged
///   row exactly once, in commit order, never WAL replay, never a failed append. Per symbol it
///   keeps small state (``SymbolQuality``): a window of recent prices per price column (ring
///   plus sorted copy, for an exact median of fixed-point mantissas), the newest time, the
///   wall-clock arrival of the last row, recent keys of last-wins tables.
/// - **What it covers**: every built-in or declared table with a decimal `price`, `bid_px_0` /
///   `ask_px_0` or `bid` / `ask` column (trades, aggtrades, quotes, bars-like tables with a
///   price); tables without one (news, the trading records) are not monitored.
/// - **Rules** (``QualityRule``): `price_jump` (beyond `priceBandBps` of the median of the last
///   `medianWindow` prices, once 8 are known), `backwards` (older than the symbol's newest row by
///   more than `reorderToleranceMs`), `gap` (more than `gapSeconds` of *trading* time between
///   two rows, by the calendar), `stale` (more than `staleSeconds` of trading time since the
///   last row arrived, by the wall clock; checked when a report is taken, at most once a minute
///   per symbol), `duplicate` (a key the table already holds, or re-sent within the last
///   `duplicateWindow` keys of a last-wins table), `crossed` (a quote with bid ≥ ask).
/// - **Counts**: checked, failed and suppressed per table, symbol and rule; saved in the store's
///   `quality-counts` file when it closes and added back when it opens (the windows start empty).
/// - **Score**: for a symbol, the mean over the rules that checked anything of the share of
///   their checks that passed (every rule weighs the same, however many rows it checks: a
///   thousand clean prices do not hide a crossed book); for a table and overall, the same formula
///   over the summed counts. 1 is clean; nothing checked scores 1.
/// - **Findings** (``QualityFinding``) are appended to the `quality_findings` table of the
///   catalog, in one append at the end of the commit that raised them (commits that raise none
///   cost nothing more). At most `maxFindingsPerMinute` per rule, table and symbol per
///   wall-clock minute are written; the rest are counted as suppressed, so a bad feed cannot
///   flood the store.
public final class QualityMonitor: Sendable {
    public let settings: QualitySettings
    let tables: [TableQuality]
    let findings: DynamicTable
    private let countsPath: String
    private let clock: @Sendable () -> Timestamp
    /// Findings that could not be appended (the findings table refused them); counted, not retried.
    private let lostFindings = Atomic<Int>(0)

    /// The name of the file of saved counts, in the store's directory.
    static let countsFile = "quality-counts"

    init(
        settings: QualitySettings, findings: DynamicTable, monitored: [DynamicTable], directory: String,
        clock: @escaping @Sendable () -> Timestamp = { WallClock.now() }
    ) throws {
        self.settings = settings
        self.findings = findings
        self.clock = clock
        countsPath = directory + "/" + Self.countsFile
        tables = monitored.compactMap { table in
            QualityProfile(schema: table.schema).map { TableQuality(profile: $0, settings: settings) }
        }
        try restoreCounts()
        for (table, quality) in zip(monitored.filter { QualityProfile(schema: $0.schema) != nil }, tables) {
            try table.live.setTap(named: "quality") { [self] commit in
                write(quality.observe(commit, now: clock().nanoseconds))
            }
        }
    }

    /// The monitored tables' names, in the store's order.
    public var tableNames: [String] { tables.map(\.profile.table) }

    /// Findings the findings table refused since the store opened.
    public var lostFindingCount: Int { lostFindings.load(ordering: .relaxed) }

    /// Runs the stale rule at `now` and writes what it finds.
    func checkStale(now: Timestamp) {
        write(tables.flatMap { $0.checkStale(now: now.nanoseconds) })
    }

    private func write(_ found: [QualityFinding]) {
        guard !found.isEmpty else { return }
        do {
            try findings.appendNow(found.map(\.row))
        } catch {
            lostFindings.add(found.count, ordering: .relaxed)
        }
    }

    // MARK: - Saved counts

    /// Writes every count to the `quality-counts` file (atomically): one line per table,
    /// symbol and rule, `table<TAB>symbol<TAB>rule<TAB>checked<TAB>failed<TAB>suppressed`.
    func saveCounts() throws {
        var text = ""
        for table in tables {
            for (symbol, counts) in table.counts() {
                for rule in QualityRule.allCases where counts[rule.index].checked > 0 {
                    let count = counts[rule.index]
                    text +=
                        "\(table.profile.table)\t\(symbol)\t\(rule.rawValue)\t\(count.checked)\t\(count.failed)\t\(count.suppressed)\n"
                }
            }
        }
        try FileSystem.writeAtomically(countsPath, chunks: [Array(text.utf8)])
    }

    private func restoreCounts() throws {
        guard FileSystem.exists(countsPath) else { return }
        let text = String(decoding: try FileDescriptor(path: countsPath, flags: O_RDONLY).readAll(), as: UTF8.self)
        for line in text.split(separator: "\n") {
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            guard fields.count == 6, let rule = QualityRule(rawValue: fields[2]),
                let table = tables.first(where: { $0.profile.table == fields[0] }), let checked = Int(fields[3]),
                let failed = Int(fields[4]), let suppressed = Int(fields[5])
            else { continue }  // counts only: a damaged line is not worth refusing to open the store
            table.restore(
                symbol: fields[1], rule: rule,
                count: QualityCount(checked: checked, failed: failed, suppressed: suppressed))
        }
    }
}
