public import StrataCore

extension StrataStore {
    /// Runs the cold tier's janitor now: every table the tier takes moves its sealed partitions
    /// past their hot retention to the tier, each copy read back and compared before its hot
    /// copy is dropped (see ``ColdTable/move(now:)``). Seal first (``compact(now:)``) to move
    /// partitions that have just ended.
    ///
    /// ```swift
    /// store.compact()
    /// for report in store.moveToCold() { print(report) }
    /// ```
    /// - Parameters:
    ///   - now: the clock the hot retention is measured from (never later than the newest data).
    ///   - tables: the tables to move (nil: every table the tier takes).
    /// - Returns: per table, what moved; failures are in the reports, not thrown (a damaged copy
    ///   or cold file is also an ``Incident`` of kind `damagedFile`, shown by health).
    @discardableResult
    public func moveToCold(now: Timestamp = WallClock.now(), tables: [String]? = nil) -> [ColdMoveReport] {
        let reports = coldTables.filter { cold in tables.map { $0.contains(cold.tableName) } ?? true }.map {
            $0.move(now: now)
        }
        // A copy that read back differently, or a cold file that cannot be read, is damage an
        // operator should see: health shows it until acknowledged (the partition stayed hot).
        for report in reports {
            for error in report.errors where error.code == .corruptFile {
                incidents.record(
                    Incident(
                        kind: .damagedFile, time: WallClock.now(), table: report.table, path: error.path,
                        detail: "cold tier: " + error.message))
            }
        }
        return reports
    }

    /// The tables a cold tier takes, by name.
    public var coldTableNames: [String] { coldTables.map(\.tableName) }
}
