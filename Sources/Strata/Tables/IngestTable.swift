package import StrataCore

/// Any table of a store — built-in or declared — as a write path that decodes its input itself
/// sees it: the schema, and the rows it builds straight into the engine's lanes (``LaneRows``),
/// checked once, as each row is finished, by the rules the schema derives (required columns,
/// defaults, levels, bounds, the time window, rules over several columns), then appended without
/// a second pass. The ILP server writes every table through it.
///
/// ```swift
/// let table = store.ingestTables.first { $0.schema.name == "trades" }!
/// var rows = LaneRows(table)
/// rows.beginRow()
/// _ = rows.symbol(bytes)            // the row's symbol, from UTF-8
/// rows.set(0, lane: ts)             // storage column 0: ts_ns
/// …
/// try rows.commitRow()              // ValidationError naming the column and the value
/// try table.append(rows)
/// ```
package final class IngestTable: Sendable {
    package let schema: RecordSchema
    let access: TableAccess
    /// The storage columns (every column but the symbol), in the engine's order.
    package let columns: [SchemaColumn]
    /// The designated timestamp's place among ``columns``.
    package let timestampColumn: Int
    /// Per storage column: filled from other columns (a level count), never given on input.
    package let isDerived: [Bool]
    /// Per storage column: a required column without a default (input must give it).
    package let isRequired: [Bool]
    package let isText: [Bool]
    let textLimit: [Int]
    /// Level groups by storage column: the count's column and each level's columns.
    let groups: [(count: Int, levels: [[Int]])]
    let rowRules: RowRuleChecks
    /// Per storage column, every fact a row's check reads, in one plain value (no strings or
    /// arrays: read per value without a retain).
    let checks: [ColumnCheck]

    struct ColumnCheck: Sendable {
        /// The lane a row that leaves the column out takes; nil: refused if `required`, else
        /// `absentStored`.
        var defaultLane: Int64?
        var required: Bool
        var absentStored: Int64
        var isText: Bool
        /// A value equal to `absentLane` is refused (optional columns of tables keeping absent values).
        var refusesMarker: Bool
        var absentLane: Int64
        var isInt8: Bool
        var bounded: Bool
        var rules: ColumnRules
        var kind: ColumnKind
    }

    init(schema: RecordSchema, access: TableAccess, keepsAbsentValues: Bool) {
        self.schema = schema
        self.access = access
        let columns = schema.storageColumns
        self.columns = columns
        func index(_ name: String) -> Int { columns.firstIndex { $0.name == name } ?? 0 }
        timestampColumn = index(schema.timestamp)
        let groups = schema.bookSides.map { group in
            (count: index(group.count), levels: group.levels.map { $0.map(index) })
        }
        self.groups = groups
        let counts = Set(groups.map(\.count))
        isDerived = columns.indices.map { counts.contains($0) }
        let defaults = columns.map(\.input.defaultLane)
        isRequired = columns.indices.map {
            columns[$0].rules.required && defaults[$0] == nil && !counts.contains($0)
        }
        isText = columns.map { $0.kind == .text }
        textLimit = columns.map { min($0.rules.maximumLength ?? TextHeap.maximumLength, TextHeap.maximumLength) }
        rowRules = RowRuleChecks(schema.rowRules, columns: columns)
        let isDerived = self.isDerived
        checks = columns.indices.map { c in
            let column = columns[c]
            return ColumnCheck(
                defaultLane: defaults[c], required: column.rules.required && !isDerived[c],
                // The built-in tables' layouts predate absent values: an absent optional column is 0.
                absentStored: keepsAbsentValues ? column.kind.absentLane : 0, isText: column.kind == .text,
                refusesMarker: keepsAbsentValues && !column.rules.required,
                absentLane: column.kind.absentLane, isInt8: column.kind == .int8,
                bounded: column.rules.minimum != nil || column.rules.maximum != nil, rules: column.rules,
                kind: column.kind)
        }
    }

    package var name: String { schema.name }

    /// Appends the finished rows atomically (symbol limits, WAL, dedup, live feed: the same path
    /// as every append), without checking them again.
    /// - Returns: rows stored and rows dropped as duplicates of a stored key.
    /// - Throws: ``StrataError`` (the store is closed, the disk refused, a symbol limit).
    package func append(_ rows: LaneRows) throws -> AppendReport {
        guard rows.count > 0 else { return AppendReport() }
        return try access.append(rows.batch())
    }

    /// The text of a lane of column `c`, for messages.
    func text(_ lane: Int64, column c: Int) -> String {
        switch columns[c].kind {
        case .decimal(let scale): DecimalFormatter.format(lane, scale: scale, minimumFractionDigits: 0)
        case .float64: "\(Double(bitPattern: UInt64(bitPattern: lane)))"
        case .bool: lane != 0 ? "true" : "false"
        default: String(lane)
        }
    }
}

extension StrataStore {
    /// Every table as ``IngestTable``: the built-in ones (in ``RecordSchema/builtInRecords``'
    /// order), then the user-defined ones.
    package var ingestTables: [IngestTable] {
        let builtIn = builtInTables.compactMap { ($0 as? any AccessibleTable)?.access }.map { access in
            let schema = RecordSchema.builtIn.first { $0.name == access.name } ?? RecordSchema.trades
            return IngestTable(schema: schema, access: access, keepsAbsentValues: false)
        }
        return builtIn
            + userTables.map { IngestTable(schema: $0.schema, access: $0.access, keepsAbsentValues: true) }
    }
}

/// A table with a ``TableAccess`` (what ``StrataStore/ingestTables`` opens built-in tables by).
protocol AccessibleTable {
    var access: TableAccess { get }
}

extension StrataTable: AccessibleTable {}

/// Rows of one ``IngestTable`` built lane by lane: a row is begun, given its symbol and its
/// columns' lanes (already converted to the column's kind and scale by the caller), then
/// finished by ``commitRow()``, which checks it against the schema's rules and keeps it, or
/// throws and forgets it.
package struct LaneRows: Sendable {
    package let table: IngestTable
    /// Rows kept.
    package private(set) var count = 0
    private var lanes: [[Int64]]
    private var symbolIndex: [UInt32] = []
    private var symbols = SymbolBytes()
    private var texts = TextHeap()
    private let window: ClosedRange<Int64>
    /// The row being built.
    private var row: [Int64]
    private var present: [Bool]
    private var rowSymbol: UInt32 = 0
    private var rowTexts: [(column: Int, text: String)] = []
    /// The table's ``IngestTable/checks`` and timestamp column, held here so that a row's check
    /// reads them without going through the table.
    private let checks: [IngestTable.ColumnCheck]
    private let timestampColumn: Int

    package init(_ table: IngestTable) {
        self.table = table
        checks = table.checks
        timestampColumn = table.timestampColumn
        let width = table.columns.count
        lanes = Array(repeating: [], count: width)
        row = Array(repeating: 0, count: width)
        present = Array(repeating: false, count: width)
        let window = table.access.rules.timestampWindow()
        self.window = window.lowerBound.nanoseconds...window.upperBound.nanoseconds
    }

    /// Starts a row: no column given yet.
    @inline(__always)
    package mutating func beginRow() {
        for c in present.indices { present[c] = false }
        rowTexts.removeAll(keepingCapacity: true)
    }

    /// Gives the row's symbol from its UTF-8 bytes; false (nothing set) if it is not a valid
    /// ``Symbol``.
    @inline(__always)
    package mutating func symbol(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let position = symbols.position(of: bytes) else { return false }
        rowSymbol = position
        return true
    }

    /// Gives storage column `c` its lane.
    @inline(__always)
    package mutating func set(_ c: Int, lane: Int64) {
        row[c] = lane
        present[c] = true
    }

    /// Gives text column `c` its value.
    package mutating func set(_ c: Int, text: String) {
        rowTexts.append((c, text))
        present[c] = true
    }

    /// Whether column `c` has been given in this row.
    @inline(__always)
    package func isSet(_ c: Int) -> Bool { present[c] }

    /// Checks the row against the schema's rules and keeps it.
    /// - Throws: ``ValidationError`` naming the column and the value (the row is not kept): a
    ///   required column missing, a level half given or after a gap, a value out of its bounds
    ///   or of its kind's range, a time outside the store's window, a rule over several columns.
    package mutating func commitRow() throws(ValidationError) {
        let table = table
        for c in row.indices {
            let check = checks[c]
            guard present[c] else {
                if let lane = check.defaultLane {
                    row[c] = lane
                } else if check.required {
                    throw ValidationError(
                        field: table.columns[c].name, value: "", rule: .malformed, detail: "required column missing")
                } else {
                    row[c] = check.absentStored
                }
                continue
            }
            if check.isText { continue }
            let lane = row[c]
            if check.refusesMarker && lane == check.absentLane {
                throw ValidationError(
                    field: table.columns[c].name, value: table.text(lane, column: c), rule: .outOfRange,
                    detail: "the smallest value of the type marks an absent value in an optional column")
            }
            if check.isInt8 && !(-128...127).contains(lane) {
                throw ValidationError(
                    field: table.columns[c].name, value: String(lane), rule: .overflow, detail: "an int8 holds -128…127"
                )
            }
            if check.bounded && !check.rules.admits(lane, kind: check.kind) {
                try table.columns[c].checkBounds(lane) { table.text(lane, column: c) }
            }
            if c == timestampColumn && !window.contains(lane) {
                let window = table.access.rules.timestampWindow()
                throw ValidationError(
                    field: table.columns[c].name, value: String(lane), rule: .outsideWindow,
                    detail: "accepted \(window.lowerBound) … \(window.upperBound)")
            }
        }
        if !table.groups.isEmpty { try countLevels() }
        try table.rowRules.check(row: row, present: present, text: table.text(_:column:))
        for (c, text) in rowTexts {
            guard text.utf8.count <= table.textLimit[c] else {
                throw ValidationError(
                    field: table.columns[c].name, value: String(text.prefix(40)) + "…", rule: .outOfRange,
                    detail: "\(text.utf8.count) bytes; the column holds at most \(table.textLimit[c])")
            }
        }
        for (c, text) in rowTexts { row[c] = texts.append(text) }
        for c in row.indices { lanes[c].append(row[c]) }
        symbolIndex.append(rowSymbol)
        count += 1
    }

    /// Sets each level group's count from the levels given: each level whole, from 0, no gaps.
    private mutating func countLevels() throws(ValidationError) {
        for group in table.groups {
            var levels = 0
            for (level, members) in group.levels.enumerated() {
                let given = members.count { present[$0] }
                if given == 0 { continue }
                if given < members.count {
                    let missing = members.first { !present[$0] }!
                    throw ValidationError(
                        field: table.columns[missing].name, value: "", rule: .malformed,
                        detail: "level \(level) needs "
                            + members.map { table.columns[$0].name }.joined(separator: " and "))
                }
                guard levels == level else {
                    throw ValidationError(
                        field: table.columns[group.levels[levels][0]].name, value: "", rule: .malformed,
                        detail: "levels must start at 0 without gaps")
                }
                levels += 1
            }
            row[group.count] = Int64(levels)
        }
    }

    /// Forgets the rows from `count` on.
    package mutating func truncate(to count: Int) {
        guard count < self.count else { return }
        for c in lanes.indices { lanes[c].removeSubrange(count...) }
        symbolIndex.removeSubrange(count...)
        self.count = count
    }

    /// The rows as the engine's batch.
    func batch() -> ColumnBatch {
        var batch = ColumnBatch(symbols: symbols.names, symbolIndex: symbolIndex, columns: lanes)
        batch.texts = texts
        return batch
    }
}

/// The symbols of a ``LaneRows`` by their UTF-8 bytes: a repeated symbol is found without
/// building a `String`; a new one is checked (``Symbol/isValid(_:)``) once.
struct SymbolBytes: Sendable {
    private(set) var names: [String] = []
    private var bytes: [[UInt8]] = []
    /// By hash slot, the position + 1 of the name there (0: empty); at most half full.
    private var slots = [Int32](repeating: 0, count: 64)
    /// The last symbol found (consecutive rows often share it).
    private var last = -1

    @inline(__always)
    private static func hash(_ key: UnsafeBufferPointer<UInt8>) -> Int {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in key { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01B3 }
        return Int(truncatingIfNeeded: hash ^ (hash >> 29))
    }

    @inline(__always)
    private func equal(_ position: Int, _ key: UnsafeBufferPointer<UInt8>) -> Bool {
        bytes[position].spells(key)
    }

    /// The position of the symbol spelt `key`, added if new; nil if it is not a valid symbol.
    mutating func position(of key: UnsafeBufferPointer<UInt8>) -> UInt32? {
        if last >= 0 && equal(last, key) { return UInt32(last) }
        let mask = slots.count - 1
        var slot = Self.hash(key) & mask
        while true {
            let entry = Int(slots[slot])
            if entry == 0 { break }
            if equal(entry - 1, key) {
                last = entry - 1
                return UInt32(entry - 1)
            }
            slot = (slot + 1) & mask
        }
        let name = String(decoding: key, as: UTF8.self)
        guard Symbol.isValid(name) else { return nil }
        names.append(name)
        bytes.append(Array(key))
        slots[slot] = Int32(names.count)
        if names.count * 2 > slots.count { rehash() }
        last = names.count - 1
        return UInt32(last)
    }

    private mutating func rehash() {
        slots = [Int32](repeating: 0, count: slots.count * 2)
        let mask = slots.count - 1
        for position in bytes.indices {
            var slot = bytes[position].withUnsafeBufferPointer { Self.hash($0) } & mask
            while slots[slot] != 0 { slot = (slot + 1) & mask }
            slots[slot] = Int32(position + 1)
        }
    }
}

/// A schema's ``RowRule``s over the storage columns' places, checked on a finished row (one
/// code for every write path: ``LaneRows`` and ``DynamicTable``).
struct RowRuleChecks: Sendable {
    enum Check: Sendable {
        case notGreater(Int, Int)
        case anyPresent([Int], field: String, detail: String)
    }

    let checks: [Check]
    let names: [String]

    init(_ rules: [RowRule], columns: [SchemaColumn]) {
        names = columns.map(\.name)
        func index(_ name: String) -> Int { columns.firstIndex { $0.name == name } ?? 0 }
        checks = rules.map { rule in
            switch rule {
            case .notGreater(let first, let last): .notGreater(index(first), index(last))
            case .anyPresent(let names, let field, let detail):
                .anyPresent(names.map(index), field: field, detail: detail)
            }
        }
    }

    var isEmpty: Bool { checks.isEmpty }

    /// - Parameters:
    ///   - row: the row's lanes by storage column; `present`: which the row gave.
    ///   - text: a lane of a column as text, for the error.
    /// - Throws: ``ValidationError`` naming the rule's column (``ValidationError/Rule/inconsistent``
    ///   for first > last, ``ValidationError/Rule/malformed`` when none of a set is present).
    func check(row: [Int64], present: [Bool], text: (Int64, Int) -> String) throws(ValidationError) {
        for check in checks {
            switch check {
            case .notGreater(let first, let last):
                if present[first] && present[last] && row[first] > row[last] {
                    throw ValidationError(
                        field: names[first], value: text(row[first], first), rule: .inconsistent,
                        detail: "greater than \(names[last]) \(text(row[last], last))")
                }
            case .anyPresent(let columns, let field, let detail):
                if !columns.contains(where: { present[$0] }) {
                    throw ValidationError(field: field, value: "", rule: .malformed, detail: detail)
                }
            }
        }
    }
}
