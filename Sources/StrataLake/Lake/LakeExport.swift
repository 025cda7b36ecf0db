public import Strata
public import StrataCore

/// Exports a table of the store into a lake directory: per UTC day of the range, one file with a
/// row group per symbol (at most ``rowGroupRows`` rows each; a symbol with more has several),
/// symbols in order, each symbol's rows by time. A day the lake already has (in the table's
/// manifest) is skipped: an export interrupted by a crash resumes by running it again, and
/// nothing is written twice. To export a day again, remove its `date=` directory and its lines
/// of the manifest.
///
/// Why a file per day and row groups per symbol rather than `symbol=…` directories: a day of a
/// market has thousands of symbols, most with few rows; a directory per symbol makes thousands
/// of tiny files per day (each with its own footer and pages: slow to list and to open for every
/// reader), while a row group per symbol lets DuckDB, pyarrow and polars skip the other
/// symbols' row groups by the symbol column's min and max (equal within a row group), and the
/// `date=` directory prunes days by the path alone.
public struct LakeExport {
    /// Rows per row group at most (the page size of the read).
    public var rowGroupRows = 262_144
    public let store: StrataStore
    public let root: String
    public var format: LakeTableWriter.Format

    public init(store: StrataStore, root: String, format: LakeTableWriter.Format = .parquet) {
        self.store = store
        self.root = root
        self.format = format
    }

    /// What an export wrote.
    public struct Summary: Sendable {
        public var files: [LakeManifest.Entry] = []
        /// Days skipped because the lake already has files for them (an earlier or interrupted
        /// export: a day is written once).
        public var skippedDates: [String] = []
        public var rows: Int { files.reduce(0) { $0 + $1.rows } }
        public var bytes: Int { files.reduce(0) { $0 + $1.bytes } }
    }

    /// Exports table `table`'s rows with `from <= time < to` (of `symbols`, nil: every symbol).
    /// - Parameter progress: called after each file.
    /// - Throws: ``LakeError`` for the lake; ``StrataError`` for an unknown table or from reading.
    public func export(
        table name: String, from: Timestamp, to: Timestamp, symbols wanted: [Symbol]? = nil,
        progress: (LakeManifest.Entry) -> Void = { _ in }
    ) throws -> Summary {
        guard let table = store.reader(named: name) else {
            throw StrataError(.invalidArgument, "no table '\(name)'")
        }
        let writer = try LakeTableWriter(root: root, schema: table.schema, format: format)
        var listing = try table.symbolListing().filter { $0.last >= from && $0.first < to }
        if let wanted {
            let names = Set(wanted.map(\.name))
            listing = listing.filter { names.contains($0.symbol.name) }
        }
        listing.sort { $0.symbol.name < $1.symbol.name }
        guard let low = listing.map(\.first).min(), let high = listing.map(\.last).max() else { return Summary() }
        let day = Timestamp.nanosecondsPerDay
        var dayStart = Self.floorDiv(max(low, from).nanoseconds, day) * day
        let end = min(high.nanoseconds, to.nanoseconds == .min ? .min : to.nanoseconds - 1)
        var summary = Summary()
        while dayStart <= end {
            let dayEnd = dayStart.addingReportingOverflow(day).partialValue
            let start = Timestamp(nanoseconds: max(dayStart, from.nanoseconds))
            let stop = Timestamp(nanoseconds: dayEnd < dayStart ? to.nanoseconds : min(dayEnd, to.nanoseconds))
            let date = Self.date(dayStart)
            if writer.manifest.entries.contains(where: { $0.date == date }) {
                summary.skippedDates.append(date)
                if dayEnd < dayStart { break }
                dayStart = dayEnd
                continue
            }
            var file: LakeTableWriter.File?
            do {
                for entry in listing where entry.last.nanoseconds >= dayStart && entry.first < stop {
                    var pages = table.rangeBatches(symbol: entry.symbol, from: start, to: stop, batchRows: rowGroupRows)
                    while let batch = try pages.next() {
                        if file == nil { file = try writer.startFile(date: date) }
                        try file!.write(batch)
                    }
                }
                if let file {
                    let published = try file.publish()
                    summary.files.append(published)
                    progress(published)
                }
            } catch {
                file?.discard()
                throw error
            }
            if dayEnd < dayStart { break }
            dayStart = dayEnd
        }
        return summary
    }

    static func floorDiv(_ value: Int64, _ divisor: Int64) -> Int64 {
        let quotient = value / divisor
        return value % divisor < 0 ? quotient - 1 : quotient
    }

    /// `YYYY-MM-DD` of the UTC day starting at `nanoseconds`.
    static func date(_ nanoseconds: Int64) -> String {
        let (year, month, day) = Timestamp.civil(fromDays: floorDiv(nanoseconds, Timestamp.nanosecondsPerDay))
        func two(_ value: Int64) -> String { value < 10 ? "0\(value)" : "\(value)" }
        let yearText = String(year)
        return String(repeating: "0", count: max(0, 4 - yearText.count)) + yearText + "-\(two(month))-\(two(day))"
    }
}
