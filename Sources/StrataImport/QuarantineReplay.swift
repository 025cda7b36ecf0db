public import Strata

/// Reads a table's quarantined rows again and stores those that now pass: the second half of
/// "nothing lost" — a row refused at ingest is corrected in the quarantine file (its `raw`
/// field) and replayed, not typed in again.
///
/// Each row is read under the format it was quarantined with (``QuarantineFormat``): CSV under
/// its source's header line (or the table's own layout), with its fixed symbol; line protocol
/// by the caller's `lineProtocol` closure (the server's ILP path, which lives above this module).
/// Rows are replayed in file order, consecutive rows of one format as one import, so a last-wins
/// key ends with the latest row. A row that still fails is kept with its new reason; one whose
/// key the table already holds counts as a duplicate and leaves the quarantine.
///
/// ```swift
/// let quarantine = Quarantine(dataDirectory: store.directory, table: "trades")
/// let outcome = try await QuarantineReplay.replay(try quarantine.entries(), into: .trades, of: store)
/// try quarantine.replaceEntries(outcome.kept)
/// ```
public enum QuarantineReplay {
    /// What a replay did.
    public struct Outcome: Sendable {
        /// Rows that left the quarantine: stored, or already in the table.
        public var replayed = 0
        /// Of those, rows stored.
        public var stored = 0
        /// Of those, rows the table already held (same key).
        public var duplicates = 0
        /// Rows still refused (with their new reasons) or without a format to read them by, in
        /// file order: what the quarantine keeps.
        public var kept: [Quarantine.Entry] = []
        /// Of ``kept``, rows quarantined before formats were recorded, with no default given.
        public var withoutFormat = 0
    }

    /// What replaying one run of rows of a format did.
    public struct Replayed: Sendable {
        /// For each row still refused, by its index in the run, why.
        public var refused: [Int: String] = [:]
        public var stored = 0
        public var duplicates = 0

        public init(refused: [Int: String] = [:], stored: Int = 0, duplicates: Int = 0) {
            self.refused = refused
            self.stored = stored
            self.duplicates = duplicates
        }
    }

    /// Replays `entries` (a quarantine file's rows) into the table `schema` of `store`.
    /// - Parameters:
    ///   - entries: the rows, in file order.
    ///   - schema: the quarantine's table (what CSV rows are read as).
    ///   - store: the open store.
    ///   - defaultFormat: the format of rows that have none recorded (files written before formats).
    ///   - lineProtocol: replays a run of line-protocol rows (given their precision); nil keeps them.
    /// - Returns: what was stored and what the quarantine keeps.
    /// - Throws: ``StrataError`` when the store cannot append (nothing after the failure is replayed).
    public static func replay(
        _ entries: [Quarantine.Entry], into schema: RecordSchema, of store: StrataStore,
        defaultFormat: QuarantineFormat? = nil,
        lineProtocol: (([Quarantine.Entry], _ precision: String) async throws -> Replayed)? = nil
    ) async throws -> Outcome {
        var outcome = Outcome()
        var start = 0
        while start < entries.count {
            let format = entries[start].format ?? defaultFormat
            var end = start + 1
            while end < entries.count, (entries[end].format ?? defaultFormat) == format { end += 1 }
            let run = Array(entries[start..<end])
            start = end
            let replayed: Replayed
            switch format {
            case nil:
                outcome.kept += run
                outcome.withoutFormat += run.count
                continue
            case .csv(let header, let symbol)?:
                replayed = try await replayCSV(run, header: header, symbol: symbol, schema: schema, store: store)
            case .lineProtocol(let precision)?:
                guard let lineProtocol else {
                    outcome.kept += run
                    continue
                }
                replayed = try await lineProtocol(run, precision)
            }
            outcome.stored += replayed.stored
            outcome.duplicates += replayed.duplicates
            for (index, entry) in run.enumerated() {
                if let reason = replayed.refused[index] {
                    var kept = entry
                    kept.reason = reason
                    outcome.kept.append(kept)
                } else {
                    outcome.replayed += 1
                }
            }
        }
        return outcome
    }

    /// One run of CSV rows, imported as one text under `header`.
    static func replayCSV(
        _ run: [Quarantine.Entry], header: String?, symbol: String?, schema: RecordSchema, store: StrataStore
    ) async throws -> Replayed {
        var replayed = Replayed()
        var lines: [(index: Int, raw: String)] = []
        for (index, entry) in run.enumerated() {
            if entry.raw.allSatisfy({ $0 == " " || $0 == "\t" }) {
                replayed.refused[index] = "the row is empty"
            } else if entry.raw.contains(where: { $0 == "\n" || $0 == "\r" }) {
                replayed.refused[index] = "the row holds a line break: one row per line"
            } else {
                lines.append((index, entry.raw))
            }
        }
        guard !lines.isEmpty else { return replayed }
        let text = (header.map { $0 + "\n" } ?? "") + lines.map(\.raw).joined(separator: "\n") + "\n"
        let fixed: Symbol?
        do {
            fixed = try symbol.map { try Symbol($0, field: "symbol") }
        } catch {
            for line in lines { replayed.refused[line.index] = "the recorded symbol: \(error)" }
            return replayed
        }
        let imported: (report: CSVImportReport, sawHeader: Bool)
        do {
            imported = try await importText(text, schema: schema, symbol: fixed, store: store)
        } catch let error as CSVHeaderError {
            for line in lines { replayed.refused[line.index] = "the header \(header ?? "(none)"): \(error)" }
            return replayed
        }
        // Without a header, a first row made only of names reads as one (and is skipped).
        if header == nil, imported.sawHeader {
            replayed.refused[lines[0].index] = "the row reads as a header line, not a row of \(schema.name)"
        }
        let firstRow = header == nil ? 1 : 2
        for rejection in imported.report.firstRejections {
            let position = rejection.line - firstRow
            guard lines.indices.contains(position) else { continue }
            replayed.refused[lines[position].index] = rejection.reason
        }
        replayed.stored = imported.report.stored
        replayed.duplicates = imported.report.duplicates
        return replayed
    }

    /// Imports `text` into the table, by its own layout for a built-in table that has one.
    private static func importText(
        _ text: String, schema: RecordSchema, symbol: Symbol?, store: StrataStore
    ) async throws -> (report: CSVImportReport, sawHeader: Bool) {
        let rules = store.configuration.validation
        func run<Format: BuiltInCSVFormat>(_ layout: Format.Type) async throws -> (CSVImportReport, Bool) {
            guard let table = store.table(Format.Record.self) else {
                throw StrataError(.invalidArgument, "the store has no table \(schema.name)")
            }
            let reader = CSVReader(text: text, format: Format(symbol: symbol), rules: rules)
            let sawHeader = try reader.readHeader() != nil
            let report = try await CSVImporter.run(
                reader: reader, into: table, quarantine: nil, keepingRejections: .max)
            return (report, sawHeader)
        }
        if let layout = builtInCSVFormat(for: schema) { return try await run(layout) }
        guard let table = store.table(named: schema.name) else {
            throw StrataError(.invalidArgument, "the store has no table \(schema.name)")
        }
        let reader = CSVReader(text: text, format: SchemaCSVFormat(schema: schema), rules: rules)
        let sawHeader = try reader.readHeader() != nil
        let report = try await CSVImporter.run(reader: reader, into: table, quarantine: nil, keepingRejections: .max)
        return (report, sawHeader)
    }
}
