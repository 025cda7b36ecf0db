public import Strata
public import StrataCore

/// The Parquet lake as a store's cold tier: the janitor moves every sealed partition of a table
/// past the table's hot retention into the lake (copied, read back and compared, journaled, then
/// dropped from the engine), and the store's reads of that time are answered from the lake.
///
/// ```swift
/// let cold = LakeColdTier(root: "/data/lake", hotRetention: ["trades": 7 * Timestamp.nanosecondsPerDay])
/// let store = try StrataStore.open(directory: "/data/strata", configuration: .init(cold: cold))
/// store.moveToCold()   // or let the store's maintenance run it
/// ```
///
/// A table is taken by the tier when it has a hot retention (its own or the default) or when the
/// lake already holds moves of it (so moved rows stay readable after its retention is removed).
/// See `Docs/Lake.md`, "The cold tier".
public struct LakeColdTier: ColdTier {
    /// The lake directory.
    public var root: String
    /// Per table, how long its rows stay hot (nanoseconds, measured back from the newest data as
    /// retention is, never from later than the clock).
    public var hotRetention: [String: Int64]
    /// The hot retention of tables not in ``hotRetention`` (nil: those stay hot).
    public var defaultHotRetention: Int64?
    /// Whether the store's maintenance runs the janitor.
    public var janitorEnabled: Bool

    public init(
        root: String, hotRetention: [String: Int64] = [:], defaultHotRetention: Int64? = nil,
        janitorEnabled: Bool = true
    ) {
        self.root = root
        self.hotRetention = hotRetention
        self.defaultHotRetention = defaultHotRetention
        self.janitorEnabled = janitorEnabled
    }

    /// Tables never moved: the keyed states' event logs rebuild their state from their whole
    /// history, and the bar tables are derived.
    static let neverMoved: Set<String> = Set(RecordSchema.tradingRecords.map(\.name))

    /// The hot retention of `table` (nil: it stays hot).
    public func retention(of table: String) -> Int64? {
        guard !Self.neverMoved.contains(table) else { return nil }
        return hotRetention[table] ?? defaultHotRetention
    }

    public func openTable(_ schema: RecordSchema, hot: HotPartitions) throws -> (any ColdTable)? {
        let journal = LakeReader.tableDirectory(root: root, table: schema.name) + "/" + ColdJournal.fileName
        let age = retention(of: schema.name)
        guard age != nil || LakeFileSystem.exists(journal) else { return nil }
        do throws(LakeError) {
            return try LakeColdTable(root: root, schema: schema, hot: hot, hotRetention: age)
        } catch {
            throw error.strataError(context: "the lake's cold tier of \(schema.name)")
        }
    }
}

extension LakeError {
    /// The error as the store reports it: a damaged or missing file as `.corruptFile`, the file
    /// system's refusal as `.io`, data the lake cannot hold as `.invalidArgument`.
    func strataError(context: String) -> StrataError {
        let code: StrataError.Code
        switch self.code {
        case .corrupt, .manifest: code = .corruptFile
        case .io: code = .io
        case .unsupported: code = .invalidArgument
        }
        return StrataError(code, "\(context): \(message)", path: path)
    }
}

extension LakeColdTier {
    /// The tier the configuration's `lake` block describes (nil: it names no directory).
    ///
    /// ```swift
    /// let settings = try StoreSettings.load(file: "strata.json", environment: environment)
    /// var configuration = settings.configuration()
    /// configuration.cold = LakeColdTier(settings: settings.lake)
    /// ```
    public init?(settings: LakeSettings) {
        guard let directory = settings.directory, !directory.isEmpty else { return nil }
        self.init(
            root: directory, hotRetention: settings.hotRetention, defaultHotRetention: settings.defaultHotRetention,
            janitorEnabled: settings.janitor)
    }
}
