package import Strata
public import StrataLineProtocol

/// How ILP lines become rows of Strata's tables (documented in `Docs/Server.md`): derived from
/// each table's ``RecordSchema``, the same for the built-in tables and the user-defined ones.
///
/// - **measurement** → the table whose name or alias it is (``RecordSchema/names``), or a
///   measurement declared in the configuration (``DeclaredMeasurement``, `ilp.measurements`,
///   whose renames apply first);
/// - **the symbol tag** → the row's symbol (the schema's symbol column, by name or alias);
/// - **fields** (and tags, for text columns) → columns by name or alias
///   (``SchemaColumn/aliases``); a column's ``ColumnWords`` name takes its words as a field or
///   a tag (trades' `side="buy"` for `is_buyer_maker=false`);
/// - **the line's timestamp** → the designated timestamp (``RecordSchema/timestamp``);
/// - a column left out takes its ``ColumnInput/defaultLane`` (the aggregated trades' `is_best_match`:
///   true), is absent if optional, and is refused naming it if required; a ``BookSide``'s
///   count (quotes' `bid_levels`) is derived from the levels given, which start at 0 without
///   gaps, each whole.
///
/// Values are read by the column's kind. A decimal is read exactly from the field's text into
/// the column's scale, never through `Double`; `NaN` and infinities are refused naming the
/// field. The binary values of ILP v2 and v3 take the same path: the parser gives a binary
/// decimal (v3) its exact text and a binary float64 (v2) its shortest round-trip text, the text
/// a v1 client sends for that `Double`, so a decimal is rescaled exactly into the column's scale
/// (trailing zeros beyond it are fine), and one with a non-zero digit beyond the scale or too
/// large is refused naming the field and value. An integer column takes an `i` or `u` integer
/// or a float written with digits only; a float64 a float or an integer; a bool a boolean; a
/// text column a string field or a tag. Unknown measurements, tags and fields are refused, so a
/// typo is a 400, not a silently dropped column; a required field that is missing while an
/// unknown one is present names the unknown one and the name it is nearest to.
///
/// Rows are built straight into each table's lanes (``LaneRows``) and checked once, as each line
/// is mapped, by the schema's rules and the store's time window; the append does not check
/// them again.
public struct LineMapping: Sendable {
    /// The rows of one request (or one stretch of a TCP stream), by table, each with the line it
    /// came from (lines increase within each table).
    public struct Rows: Sendable {
        /// By the table's place in the mapping's tables; nil until a line maps to it.
        var tables: [TableRows?] = []
        /// Rows over every table.
        public internal(set) var count = 0

        public init() {}

        public var isEmpty: Bool { count == 0 }

        /// How many rows each table has: where the rows added later start.
        struct Marks {
            var counts: [Int] = []
        }

        var marks: Marks { Marks(counts: tables.map { $0?.rows.count ?? 0 }) }

        /// Drops the rows of `line` and later lines.
        mutating func keepLines(before line: Int) {
            var total = 0
            for t in tables.indices {
                guard var entry = tables[t] else { continue }
                tables[t] = nil
                let end = entry.lines.firstIndex { $0 >= line } ?? entry.lines.count
                entry.lines.removeSubrange(end...)
                entry.rows.truncate(to: end)
                total += end
                tables[t] = entry
            }
            count = total
        }

        /// The rows of each table that has some.
        var nonEmpty: [LaneRows] { tables.compactMap { $0 }.map(\.rows).filter { $0.count > 0 } }
    }

    /// One table's rows and their lines.
    struct TableRows: Sendable {
        var rows: LaneRows
        var lines: [Int]
    }

    /// The built-in tables' names: measurements that cannot be declared again.
    public static let measurements = RecordSchema.builtIn.flatMap(\.names)

    /// Every table lines may go to: built-in first, then user-defined.
    let tables: [IngestTable]
    /// One plan per measurement name (each table's name and aliases, then the declared ones).
    let plans: [MeasurementPlan]
    private let planNames: InputNames
    /// Table names then declared measurements, for "unknown measurement" messages.
    private let known: [String]

    /// - Parameters:
    ///   - tables: the store's tables (``StrataStore/ingestTables``).
    ///   - declared: measurements declared in the configuration (``DeclaredMeasurement``); one
    ///     naming a table the store does not have is left out (the configuration's check refuses
    ///     it before).
    package init(tables: [IngestTable], declared: [DeclaredMeasurement] = []) {
        self.tables = tables
        var plans: [MeasurementPlan] = []
        for (t, table) in tables.enumerated() {
            for name in table.schema.names {
                plans.append(MeasurementPlan(table: t, ingest: table, renames: [:], measurement: name))
            }
        }
        for declaration in declared {
            guard let t = tables.firstIndex(where: { $0.schema.names.contains(declaration.table) }) else { continue }
            plans.append(
                MeasurementPlan(
                    table: t, ingest: tables[t], renames: declaration.columns, measurement: declaration.measurement))
        }
        self.plans = plans
        var names = InputNames()
        for (index, plan) in plans.enumerated() { names.add(plan.measurement, target: Int32(index)) }
        planNames = names
        known = tables.map(\.schema.name) + declared.map(\.measurement)
    }

    /// The longest measurement, tag or field name (UTF-8 bytes) a line may need: table and
    /// column names are identifiers of at most 64 bytes; declared measurements and their
    /// renamed names may be longer. QuestDB's clients refuse longer names themselves
    /// (`/settings`, ``SettingsRoute``).
    public var longestName: Int { plans.reduce(64) { max($0, $1.longestName) } }

    /// Converts every point, or throws for the first that does not map or breaks a rule.
    /// - Throws: ``WriteError`` (400) naming the line and the field.
    public func rows(_ batch: LineProtocol.Batch) throws(WriteError) -> Rows {
        var rows = Rows()
        if let failure = map(batch, into: &rows) { throw failure.error }
        return rows
    }

    /// The table a line's measurement names, read from the start of the raw line (up to its
    /// first unescaped comma or blank), for a line that did not parse; nil if it names none.
    func table(ofLine line: String) -> String? {
        var name: [UInt8] = []
        var escaped = false
        for byte in line.utf8 {
            if escaped {
                name.append(byte)
                escaped = false
            } else if byte == UInt8(ascii: "\\") {
                escaped = true
            } else if byte == UInt8(ascii: ",") || byte == UInt8(ascii: " ") {
                break
            } else {
                name.append(byte)
            }
        }
        guard let found = name.withUnsafeBufferPointer({ planNames.target(of: $0) }) else { return nil }
        return tables[plans[Int(found)].table].name
    }

    /// Appends the rows of `batch`'s points to `rows`, in order, up to the first point that does
    /// not map or breaks a rule of its table: on failure, `rows` holds every point before it
    /// (what a TCP stream keeps), and the error comes back with its table (`unknown` when the
    /// line names no table).
    func map(_ batch: LineProtocol.Batch, into rows: inout Rows) -> (error: WriteError, table: String, text: String)? {
        var last = -1
        for point in batch {
            let index: Int
            if last >= 0 && point.withUnsafeMeasurement({ plans[last].measurement.spells($0) }) {
                index = last
            } else if let found = point.withUnsafeMeasurement({ planNames.target(of: $0) }) {
                index = Int(found)
                last = index
            } else {
                let error = WriteError(
                    code: "unknownMeasurement",
                    message: "unknown measurement '\(point.measurement)' (known: \(known.joined(separator: ", ")))",
                    line: point.line)
                return (error, "unknown", point.text)
            }
            let t = plans[index].table
            if rows.tables.count <= t { rows.tables += Array(repeating: nil, count: t + 1 - rows.tables.count) }
            if rows.tables[t] == nil { rows.tables[t] = TableRows(rows: LaneRows(tables[t]), lines: []) }
            do throws(WriteError) {
                try plans[index].read(point, into: &rows.tables[t]!.rows)
            } catch {
                return (error, tables[t].name, point.text)
            }
            do throws(ValidationError) {
                try rows.tables[t]!.rows.commitRow()
            } catch {
                var detail = error
                detail.index = nil
                return (
                    WriteError(code: error.rule.rawValue, message: detail.description, line: point.line),
                    tables[t].name, point.text
                )
            }
            rows.tables[t]!.lines.append(point.line)
            rows.count += 1
        }
        return nil
    }
}
