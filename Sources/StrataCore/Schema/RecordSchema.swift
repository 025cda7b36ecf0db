/// A table described once: its name, its columns and their rules, its designated timestamp, how
/// it is partitioned and how rows with the same key relate.
///
/// Every layer derives what it needs from the schema instead of spelling the table out again:
/// the engine's storage layout (``storageColumns``), the names a column answers to in line
/// protocol, CSV headers and JSON (``SchemaColumn/aliases``), validation (``ColumnRules``).
/// Trades, aggregated trades and quotes are built-in schemas (``RecordSchema/trades``, …); a
/// user-defined table is one more value of this type, declared in code or in the store's
/// configuration file (see `Docs/Catalog.md`).
///
/// ```swift
/// let news = try RecordSchema(
///     name: "news",
///     columns: [
///         SchemaColumn("ts", .timestamp), SchemaColumn("symbol", .symbol), SchemaColumn("id", .int64),
///         SchemaColumn("source", .text), SchemaColumn("headline", .text, rules: ColumnRules(maximumLength: 512)),
///         SchemaColumn("sentiment", .float64, rules: ColumnRules(required: false)),
///     ],
///     timestamp: "ts", key: RecordKey("id", policy: .keepFirst))
/// ```
///
/// Invariants (checked by the initialiser, which throws ``SchemaError``): the name is a lowercase
/// identifier; column names and aliases are unique in the table; exactly one `symbol` column;
/// the designated timestamp names a `timestamp` column; a key names an `int64`, `text` or
/// `timestamp` column; decimal scales are 0…18; length limits only on text, bounds only on
/// numbers.
public struct RecordSchema: Sendable, Hashable {
    /// The table's name: `[a-z][a-z0-9_]*`, at most 64 bytes.
    public let name: String
    /// Other names the table answers to (an ILP measurement, a CLI `--table`).
    public let aliases: [String]
    /// The columns, in storage order.
    public let columns: [SchemaColumn]
    /// The designated timestamp column's name: it orders rows and chooses their partition.
    public let timestamp: String
    /// How rows are split into partitions by their timestamp.
    public let partitioning: Partitioning
    /// The column that identifies a row within its symbol, and what a second row with the same
    /// value does; nil: rows only accumulate.
    public let key: RecordKey?
    /// Sides of an order book kept as numbered columns, which rows show as lists of levels
    /// (``BookSide``; the quotes' `bids` and `asks`); input gives the levels, never the count.
    public let bookSides: [BookSide]
    /// Rules over several columns of a row (aggtrades' first ≤ last trade id).
    public let rowRules: [RowRule]

    /// Builds and checks a schema.
    /// - Throws: ``SchemaError`` naming the table, the column and what is wrong.
    public init(
        name: String, aliases: [String] = [], columns: [SchemaColumn], timestamp: String,
        partitioning: Partitioning = .daily, key: RecordKey? = nil, bookSides: [BookSide] = [],
        rowRules: [RowRule] = []
    ) throws(SchemaError) {
        self.init(
            unchecked: name, aliases: aliases, columns: columns, timestamp: timestamp, partitioning: partitioning,
            key: key, bookSides: bookSides, rowRules: rowRules)
        try check()
    }

    /// A schema taken as written, for the built-in ones (`RecordSchemaTests` checks each as the
    /// public initialiser does), so that no declaration of this module needs a crash path.
    init(
        unchecked name: String, aliases: [String] = [], columns: [SchemaColumn], timestamp: String,
        partitioning: Partitioning = .daily, key: RecordKey? = nil, bookSides: [BookSide] = [],
        rowRules: [RowRule] = []
    ) {
        self.name = name
        self.aliases = aliases
        self.columns = columns
        self.timestamp = timestamp
        self.partitioning = partitioning
        self.key = key
        self.bookSides = bookSides
        self.rowRules = rowRules
    }

    /// The column called `name`, or answering to it as an alias.
    public func column(named name: String) -> SchemaColumn? {
        columns.first { $0.name == name } ?? columns.first { $0.aliases.contains(name) }
    }

    /// The index in ``columns`` of the column called `name` (or answering to it).
    public func columnIndex(named name: String) -> Int? {
        columns.firstIndex { $0.name == name } ?? columns.firstIndex { $0.aliases.contains(name) }
    }

    /// Every name the table answers to.
    public var names: [String] { [name] + aliases }

    /// The symbol column (there is exactly one).
    public var symbolColumn: SchemaColumn { columns.first { $0.kind == .symbol }! }

    /// The columns the storage engine keeps per row, in order: every column but the symbol (the
    /// engine keeps that in its dictionary), under the name its files know (``SchemaColumn/storedAs``).
    public var storageColumns: [SchemaColumn] { columns.filter { $0.kind != .symbol } }

    /// The column names and aliases a row of this table may carry: for "unknown field" messages.
    public var knownNames: [String] { columns.flatMap { [$0.name] + $0.aliases } }

    private func check() throws(SchemaError) {
        func fail(_ column: String?, _ problem: String) -> SchemaError {
            SchemaError(table: name, column: column, problem: problem)
        }
        guard Self.isIdentifier(name) else {
            throw fail(nil, "the table name must be a lowercase identifier ([a-z][a-z0-9_]*, at most 64 bytes)")
        }
        for alias in aliases where !Self.isIdentifier(alias) {
            throw fail(nil, "the table alias '\(alias)' must be a lowercase identifier")
        }
        guard !columns.isEmpty else { throw fail(nil, "a table needs columns") }
        var seen: [String: String] = [:]
        for column in columns {
            guard Self.isIdentifier(column.name) else {
                throw fail(column.name, "a column name must be a lowercase identifier ([a-z][a-z0-9_]*)")
            }
            for spelling in [column.name] + column.aliases {
                if let owner = seen[spelling] {
                    throw fail(
                        column.name,
                        owner == column.name
                            ? "the name '\(spelling)' is given twice"
                            : "the name '\(spelling)' is already column \(owner)'s")
                }
                seen[spelling] = column.name
            }
            try column.check(table: name)
        }
        let symbols = columns.filter { $0.kind == .symbol }
        guard symbols.count == 1 else {
            throw fail(nil, "a table needs exactly one symbol column (it has \(symbols.count))")
        }
        guard let time = columns.first(where: { $0.name == timestamp }) else {
            throw fail(timestamp, "the designated timestamp is not a column")
        }
        guard time.kind == .timestamp else {
            throw fail(timestamp, "the designated timestamp must be a timestamp column, not \(time.kind)")
        }
        guard time.rules.required else { throw fail(timestamp, "the designated timestamp cannot be optional") }
        if case .every(let nanoseconds) = partitioning, nanoseconds <= 0 {
            throw fail(nil, "a partition must span a positive duration")
        }
        if let key {
            guard let keyColumn = columns.first(where: { $0.name == key.column }) else {
                throw fail(key.column, "the key is not a column")
            }
            switch keyColumn.kind {
            case .int64, .timestamp: break
            default:
                throw fail(
                    key.column,
                    "a key must be an int64 or timestamp column (an integer id), not \(keyColumn.kind)")
            }
            guard keyColumn.rules.required else { throw fail(key.column, "a key column cannot be optional") }
        }
        try checkBookSides()
        try checkInputForms(fail)
    }

    /// Input names (``ColumnWords``) clash with no other name; row rules name columns.
    private func checkInputForms(_ fail: (String?, String) -> SchemaError) throws(SchemaError) {
        var names = Set(knownNames)
        for column in columns {
            guard let words = column.input.words else { continue }
            guard names.insert(words.name).inserted else {
                throw fail(column.name, "the input name '\(words.name)' is already a column's name")
            }
        }
        for rule in rowRules {
            let named: [String]
            switch rule {
            case .notGreater(let first, let last): named = [first, last]
            case .anyPresent(let columns, _, _): named = columns
            }
            for name in named where !columns.contains(where: { $0.name == name }) {
                throw fail(name, "a row rule names a column the table does not have")
            }
        }
    }

    /// `[a-z][a-z0-9_]*`, 1…64 bytes.
    static func isIdentifier(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        guard (1...64).contains(bytes.count), (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(bytes[0]) else {
            return false
        }
        return bytes.allSatisfy {
            (UInt8(ascii: "a")...UInt8(ascii: "z")).contains($0) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0)
                || $0 == UInt8(ascii: "_")
        }
    }
}

/// How a table's rows are split into partitions by their timestamp.
public enum Partitioning: Sendable, Hashable, CustomStringConvertible {
    /// One partition per UTC day (the default).
    case daily
    /// One partition per span of this many nanoseconds, aligned to the epoch.
    case every(nanoseconds: Int64)

    /// The partition width in nanoseconds.
    public var nanoseconds: Int64 {
        switch self {
        case .daily: 86_400_000_000_000
        case .every(let nanoseconds): nanoseconds
        }
    }

    public var description: String {
        switch self {
        case .daily: "day"
        case .every(let nanoseconds): "\(nanoseconds) ns"
        }
    }
}

/// The column that identifies a row within its symbol, and what a second row with the same
/// value does.
public struct RecordKey: Sendable, Hashable {
    public let column: String
    public let policy: KeyPolicy

    public init(_ column: String, policy: KeyPolicy = .keepFirst) {
        self.column = column
        self.policy = policy
    }
}

/// What a row whose key is already stored does.
public enum KeyPolicy: String, Sendable, Hashable, CaseIterable {
    /// The stored row stays; the new one is counted as a duplicate (an exchange re-sending a trade).
    case keepFirst = "keep-first"
    /// The new row replaces the stored one, counted as an overwrite (a corporate action corrected).
    case lastWins = "last-wins"
}
