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
    /// - Returns: per table, what moved; failures are in the reports, not thrown.
    @discardableResult
    public func moveToCold(now: Timestamp = WallClock.now(), tables: [String]? = nil) -> [ColdMoveReport] {
        coldTables.filter { cold in tables.map { $0.contains(cold.tableName) } ?? true }.map { $0.move(now: now) }
    }

    /// The tables a cold tier takes, by name.
    public var coldTableNames: [String] { coldTables.map(\.tableName) }
}
