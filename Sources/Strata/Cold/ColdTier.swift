public import StrataCore

// Design (issue 12, item 2): a store may be given a cold tier at open
// (``StrataStore/Configuration/cold``). For each table the tier takes, the store wraps the
// table's hot storage in a ``ColdTieredTable``: every read of the store — typed, by row, paged,
// columnar, the server's and the CLI's — goes through it and is answered from the hot table and,
// for the time the tier has taken over (``ColdTable/movedSpan``), from the cold table too,
// merged in time order. A partition is read from exactly one tier: the cold table answers only
// moves whose hot partition is dropped, and a drop happens inside an odd ``ColdTable/generation``
// (a sequence lock), so a read that overlaps one is done again. The janitor (``ColdTable/move(now:)``)
// runs from the store's maintenance when the tier says so, and by hand (``StrataStore/moveToCold(now:tables:)``).
// `Strata` declares the seam; `StrataLake` implements it (`LakeColdTier`), never the other way round.

/// Where a store's partitions go once they are past their hot retention, and what answers reads
/// of them: the Parquet lake's `LakeColdTier` (in `StrataLake`).
///
/// ```swift
/// import StrataLake
/// let cold = LakeColdTier(root: "/data/lake", hotRetention: ["trades": 7 * Timestamp.nanosecondsPerDay])
/// let store = try StrataStore.open(directory: "/data/strata", configuration: .init(cold: cold))
/// ```
public protocol ColdTier: Sendable {
    /// Whether the store's scheduler runs the janitor (``ColdTable/move(now:)``) with its
    /// maintenance; the janitor also runs by hand (``StrataStore/moveToCold(now:tables:)``).
    var janitorEnabled: Bool { get }

    /// The cold side of the table `schema` describes, opened with the store (nil: the table
    /// stays hot only). Opening finishes or undoes the moves a crash interrupted, against `hot`.
    /// - Throws: what the tier throws reading its own state (the store does not open then).
    func openTable(_ schema: RecordSchema, hot: HotPartitions) throws -> (any ColdTable)?
}

/// One table's cold side.
public protocol ColdTable: AnyObject, Sendable {
    /// The table's name.
    var tableName: String { get }
    /// A sequence lock around the janitor's drops: even while none is under way, odd during one;
    /// it changes with every drop. A read that saw it odd, or changed, is done again.
    var generation: UInt64 { get }
    /// The time the moved rows span (nil: nothing moved): a read outside it is the hot table's.
    var movedSpan: Range<Int64>? { get }
    /// The moved rows of `symbol` with `from <= time < to`, in the table's lanes, oldest first:
    /// at least the first `limit` of them (all of them if fewer; more is allowed, the caller cuts).
    /// - Throws: ``StrataError`` when a cold file is missing or damaged.
    func range(symbol: String, from: Int64, to: Int64, limit: Int) throws -> RowSet
    /// Every symbol of the moved rows with its count and first and last times, sorted by symbol.
    func symbolSpans() -> [SymbolSpan]
    /// The janitor: moves every sealed partition past the table's hot retention at `now` to the
    /// cold tier, each one copied, read back and compared before its hot copy is dropped.
    /// Failures are in the report, not thrown.
    func move(now: Timestamp) -> ColdMoveReport
}

/// What one janitor run did for one table.
public struct ColdMoveReport: Sendable, CustomStringConvertible {
    public var table: String
    /// Partitions moved (their start), rows and bytes written.
    public var moved: [Timestamp] = []
    public var rows = 0
    public var bytes = 0
    /// Moves a crash interrupted, finished (the hot copy had been dropped) or undone (it had not:
    /// the copy is removed and made again).
    public var resumed = 0
    public var undone = 0
    /// Partitions past retention left hot this time: late rows wait for compaction, or the
    /// partition changed during the move.
    public var deferred: [Timestamp] = []
    public var errors: [StrataError] = []

    public init(table: String) { self.table = table }

    public var didWork: Bool { !moved.isEmpty || resumed > 0 || undone > 0 }

    public var description: String {
        var text = "\(table): moved \(moved.count) partitions to the cold tier (\(rows) rows, \(bytes) bytes)"
        if resumed > 0 || undone > 0 { text += ", finished \(resumed) and undid \(undone) interrupted moves" }
        if !deferred.isEmpty { text += ", \(deferred.count) deferred" }
        for error in errors { text += "\nERROR: \(error)" }
        return text
    }
}
