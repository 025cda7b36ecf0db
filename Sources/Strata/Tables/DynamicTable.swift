public import StrataCore

/// A table declared by a ``RecordSchema`` (a user-defined table: signals, news scores, a feature
/// store), written and read as ``Row``s by column name.
///
/// ```swift
/// let signals = try RecordSchema(
///     name: "signals",
///     columns: [SchemaColumn("ts", .timestamp), SchemaColumn("symbol", .symbol), SchemaColumn("id", .int64),
///               SchemaColumn("score", .float64), SchemaColumn("target", .decimal(scale: 8))],
///     timestamp: "ts", key: RecordKey("id"))
/// let store = try StrataStore.open(directory: dir, configuration: .init(tables: [signals]))
/// try await store.table(named: "signals")!.append([
///     Row(symbol: "BTCUSDT", ["ts": .timestamp(now), "id": .integer(1), "score": .float(0.82),
///                             "target": FieldValue.decimal("64500.5")!])])
/// ```
///
/// Every row is checked against the schema before anything is stored: a missing or unknown
/// column, a value of the wrong kind, a decimal with more digits than its scale, a value outside
/// the column's bounds or a timestamp outside the store's window is a ``ValidationError`` naming
/// the column, the value and the row. Reads give the columns by their schema names.
///
/// Text columns hold UTF-8 of any length up to the column's `maximumLength` (and
/// ``TextHeap/maximumLength``). An optional column (`required: false`) may be left out of a row:
/// it reads back absent (no value in the ``Row``, `null` in JSON), as it does in rows stored
/// before the column was added to the table.
///
/// For bulk loads, ``append(_:)-(TableColumns)`` takes the rows column by column (``TableColumns``):
/// no dictionary per row, the same checks and errors, the same write path.
public final class DynamicTable: Sendable {
    /// The table's schema.
    public let schema: RecordSchema
    let access: TableAccess
    /// The live feed's subscribers (see ``subscribe(symbols:bufferLimit:)``).
    let live: LiveHub
    /// The schema's storage columns (all but the symbol), in the engine's order.
    let columns: [SchemaColumn]
    /// Per storage column: the names a row may give it (its name, then its aliases).
    let inputNames: [[String]]
    /// Every name a row may use.
    private let knownNames: Set<String>
    /// The designated timestamp's place among ``columns``.
    let timestampColumn: Int
    /// Per column, what the per-row loops read (so they never copy a ``SchemaColumn``): whether
    /// it is optional, its absent marker, whether it is text.
    let optional: [Bool]
    let absent: [Int64]
    let isText: [Bool]
    /// What the common case of encoding a row reads (``RowPlan``).
    let plan: RowPlan
    /// The schema's input forms by storage column: the lane a row that leaves the column out
    /// takes, and words another name gives it by (``ColumnInput``).
    let defaults: [Int64?]
    let words: [ColumnWords?]
    /// Book sides by storage column: the count's place and each level's places; a row that
    /// leaves a count out has it counted from the levels it gives.
    let bookCounts: [(count: Int, levels: [[Int]])]
    /// The schema's rules over several columns (``RowRuleChecks``).
    let rowRules: RowRuleChecks
    /// For a built-in table, its record's own checks (``BuiltInRows``); nil for a declared table.
    let records: BuiltInRows?

    convenience init(schema: RecordSchema, access: TableAccess) {
        self.init(schema: schema, access: access, live: LiveHub(table: access.table, bars: nil), records: nil)
    }

    /// A view of a built-in table that takes ``Row``s: checked by the schema as any table's, then
    /// by its record's own rules, and stored as its record stores it (the same live feed).
    convenience init<R: ColumnarRecord>(builtIn record: R.Type, access: TableAccess, live: LiveHub) {
        self.init(schema: R.schema, access: access, live: live, records: BuiltInRows(record, rules: access.rules))
    }

    private init(schema: RecordSchema, access: TableAccess, live: LiveHub, records: BuiltInRows?) {
        self.schema = schema
        self.access = access
        self.live = live
        self.records = records
        columns = schema.storageColumns
        inputNames = columns.map { [$0.name] + $0.aliases }
        knownNames = Set(schema.knownNames + schema.columns.compactMap(\.input.words?.name))
        timestampColumn = columns.firstIndex { $0.name == schema.timestamp } ?? 0
        optional = columns.map { !$0.rules.required }
        absent = columns.map(\.kind.absentLane)
        isText = columns.map { $0.kind == .text }
        plan = RowPlan(schema: schema)
        defaults = columns.map(\.input.defaultLane)
        words = columns.map(\.input.words)
        let columns = columns
        func place(_ name: String) -> Int { columns.firstIndex { $0.name == name } ?? 0 }
        bookCounts = schema.bookSides.map { side in (place(side.count), side.levels.map { $0.map(place) }) }
        rowRules = RowRuleChecks(schema.rowRules, columns: columns)
    }

    /// Subscribes to the rows this table stores from now on, as ``Row``s (see
    /// ``LiveSubscription``; the same guarantees as the built-in tables' feeds).
    /// - Parameters:
    ///   - symbols: the symbols to receive; `nil` (default) for all.
    ///   - bufferLimit: most rows that may wait unread before the subscriber is dropped.
    /// - Throws: ``StrataError`` `.invalidArgument` for a limit below 1 or an empty symbol list,
    ///   `.closed` if the store is closed.
    public func subscribe(symbols: [Symbol]? = nil, bufferLimit: Int = 100_000) throws(StrataError)
        -> LiveSubscription<Row>
    {
        let subscriber = try LiveSubscriber.make(kind: .rows, symbols: symbols, bufferLimit: bufferLimit)
        try live.add(subscriber)
        return LiveSubscription(subscriber: subscriber, hub: live) { [self] entry throws(LiveFeedError) in
            guard case .rows(let batch, let rows) = entry else { return [] }
            return self.rows(of: batch, rows)
        }
    }

    /// Rows `rows` (default: all) of an encoded batch, as ``Row``s.
    func rows(of batch: ColumnBatch, _ rows: [Int]? = nil) -> [Row] {
        (rows ?? Array(0..<batch.count)).map { row in
            Row(
                symbol: Symbol(unchecked: batch.symbols[Int(batch.symbolIndex[row])]),
                values(at: row, lanes: batch.columns, texts: batch.texts))
        }
    }

    /// Subscriptions open on this table now.
    public var liveSubscriberCount: Int { live.count }

    public var name: String { schema.name }

    /// Validates every row, then appends them atomically.
    /// - Returns: rows stored and rows dropped as duplicates of a stored key.
    /// - Throws: ``ValidationError`` for the first bad row (nothing stored); ``StrataError``.
    @discardableResult
    public func append(_ rows: [Row]) async throws -> AppendReport {
        guard !rows.isEmpty else { return AppendReport() }
        return try store(try encode(rows))
    }

    /// The synchronous form of ``append(_:)`` (for threads that are not in a task).
    @discardableResult
    public func appendNow(_ rows: [Row]) throws -> AppendReport {
        guard !rows.isEmpty else { return AppendReport() }
        return try store(try encode(rows))
    }

    /// Appends an encoded batch, through the record's own checks for a built-in table.
    func store(_ batch: ColumnBatch) throws -> AppendReport {
        try access.append(try records?.canonical(batch) ?? batch)
    }

    /// Checks rows as ``append(_:)`` would, without storing them.
    /// - Throws: ``ValidationError`` for the first bad row, with its index.
    public func validate(_ rows: [Row]) throws {
        let batch = try encode(rows)
        _ = try records?.canonical(batch)
    }

    /// The newest `limit` rows of `symbol`, newest first.
    public func latest(symbol: Symbol, limit: Int) async throws -> [Row] {
        decode(try reader.latest(symbol: symbol, limit: limit), symbol)
    }

    /// Rows of `symbol` with `from <= time < to`, oldest first, at most `limit` of them, from
    /// `cursor` on (as ``StrataTable/range(symbol:from:to:limit:after:)``).
    public func range(
        symbol: Symbol, from: Timestamp, to: Timestamp, limit: Int = 10_000, after cursor: RangeCursor? = nil
    ) async throws -> RangePage<Row> {
        let page = try access.page(symbol: symbol, from: from, to: to, limit: limit, after: cursor)
        return RangePage(rows: decode(page.rows, symbol), next: page.next)
    }

    /// Count, sum, min, max, first, last and VWAP over the table's numeric columns, by the
    /// schema's column names (see ``StrataTable/aggregate(_:)``).
    public func aggregate(_ query: AggregateQuery) async throws -> [AggregateRow] {
        try reader.aggregate(query)
    }

    /// The newest stored timestamp of `symbol`, or `nil` if it has none.
    public func lastTimestamp(symbol: Symbol) async throws -> Timestamp? {
        try reader.lastTimestamp(symbol: symbol)
    }

    /// The symbols with at least one row, sorted.
    public func symbols() -> [Symbol] { access.table.symbols().map(Symbol.init(unchecked:)) }

    /// Size and shape of the table.
    public func stats() -> TableStats { access.table.stats() }

    /// Every symbol with rows: counts, first and last times.
    public func symbolListing() async throws -> [SymbolListing] { try access.symbolListing() }

    // MARK: - Rows and lanes

    private func encode(_ rows: [Row]) throws -> ColumnBatch {
        var lanes = [[Int64]](repeating: [], count: columns.count)
        for c in lanes.indices { lanes[c].reserveCapacity(rows.count) }
        var texts = TextHeap()
        var symbols = NameIndex()
        var index: [UInt32] = []
        index.reserveCapacity(rows.count)
        let window = access.rules.timestampWindow()
        let nanoseconds = window.lowerBound.nanoseconds...window.upperBound.nanoseconds
        var scratch = RowScratch(columnCount: columns.count)
        for (position, row) in rows.enumerated() {
            index.append(UInt32(symbols.insert(row.symbol.name)))
            if encodeQuickly(row, into: &lanes, texts: &texts, scratch: &scratch, window: nanoseconds) {
                if !rowRules.isEmpty {
                    do {
                        try checkAcrossColumns(&lanes)
                    } catch var error {
                        error.index = position
                        throw error
                    }
                }
                continue
            }
            do {
                // Every value a column took is a known name: when they account for all of the
                // row's values, no name is unknown (checked by name only otherwise, or on error,
                // so that a misspelt column is named as such rather than as missing).
                var taken = 0
                do {
                    try encode(row, into: &lanes, texts: &texts, taken: &taken, window: window)
                } catch {
                    try checkNames(row)
                    throw error
                }
                if taken != row.values.count { try checkNames(row) }
                try checkAcrossColumns(&lanes)
            } catch var error as ValidationError {
                error.index = position
                throw error
            }
        }
        var batch = ColumnBatch(symbols: symbols.names, symbolIndex: index, columns: lanes)
        batch.texts = texts
        return batch
    }

    /// A book count's lane until it is counted (no count column, int8 or int64, takes it as input).
    static let uncounted = Int64.min

    /// Counts the row's (by default the last's) book levels where it left a count out, and checks the schema's
    /// rules over several columns on it (a column is present unless it holds its absent marker).
    func checkAcrossColumns(_ lanes: inout [[Int64]], row last: Int? = nil) throws(ValidationError) {
        guard !bookCounts.isEmpty || !rowRules.isEmpty else { return }
        let last = last ?? lanes[0].count - 1
        let row = lanes.map { $0[last] }
        let present = columns.indices.map { !optional[$0] || row[$0] != absent[$0] }
        for (count, levels) in bookCounts where row[count] == Self.uncounted {
            var depth = 0
            for (level, members) in levels.enumerated() where members.contains(where: { present[$0] }) {
                guard level == depth, members.allSatisfy({ present[$0] }) else {
                    throw ValidationError(
                        field: columns[members.first { !present[$0] } ?? members[0]].name, value: "", rule: .malformed,
                        detail: "levels must be whole and start at 0 without gaps")
                }
                depth += 1
            }
            lanes[count][last] = Int64(depth)
        }
        try rowRules.check(row: row, present: present) { lane, c in
            isText[c] ? String(lane) : columns[c].kind.configurationText(lane: lane)
        }
    }

    /// Throws naming the first of `row`'s names that is no column's name or alias.
    private func checkNames(_ row: Row) throws {
        for key in row.values.keys where !knownNames.contains(key) {
            let nearest = schema.knownNames.min { editDistance($0, key) < editDistance($1, key) } ?? ""
            throw ValidationError(
                field: key, value: row.values[key]!.description, rule: .malformed,
                detail: "no such column in \(schema.name); nearest: \(nearest)")
        }
    }

    /// Appends `row`'s values to the lanes, checked; `taken` counts the row's values used.
    private func encode(
        _ row: Row, into lanes: inout [[Int64]], texts: inout TextHeap, taken: inout Int,
        window: ClosedRange<Timestamp>
    ) throws {
        for c in columns.indices {
            var value: FieldValue?
            for name in inputNames[c] {
                value = row.values[name]
                if value != nil {
                    taken += 1
                    break
                }
            }
            if value == nil, let words = words[c], case .text(let word)? = row.values[words.name] {
                taken += 1
                var word = word
                guard let lane = word.withUTF8({ words.lane(of: $0) }) else {
                    throw ValidationError(
                        field: words.name, value: word, rule: .malformed, detail: "expected \(words.spelled)")
                }
                lanes[c].append(lane)
                continue
            }
            if value == nil, let lane = defaults[c] {
                lanes[c].append(lane)
                continue
            }
            if value == nil, bookCounts.contains(where: { $0.count == c }) {
                // Counted from the levels once the row's other columns are known.
                lanes[c].append(Self.uncounted)
                continue
            }
            if value == nil && optional[c] {
                lanes[c].append(absent[c])
                continue
            }
            if isText[c] {
                lanes[c].append(texts.append(try Self.text(value, column: columns[c])))
                continue
            }
            let lane = try Self.lane(value, column: columns[c])
            if optional[c] && lane == absent[c] {
                throw Self.absentMarkerError(columns[c], value: value?.description ?? "")
            }
            lanes[c].append(lane)
            if c == timestampColumn, !window.contains(Timestamp(nanoseconds: lane)) {
                throw Self.outsideWindowError(columns[c], lane: lane, window: window)
            }
        }
    }

    /// A text column's value, checked against its maximum length.
    static func text(_ value: FieldValue?, column: SchemaColumn) throws(ValidationError) -> String {
        guard let value else {
            throw ValidationError(field: column.name, value: "", rule: .malformed, detail: "required column missing")
        }
        guard case .text(let text) = value else {
            throw ValidationError(
                field: column.name, value: value.description, rule: .malformed, detail: "expected a text value")
        }
        let limit = min(column.rules.maximumLength ?? TextHeap.maximumLength, TextHeap.maximumLength)
        guard text.utf8.count <= limit else {
            throw ValidationError(
                field: column.name, value: String(text.prefix(40)) + "…", rule: .outOfRange,
                detail: "\(text.utf8.count) bytes; the column holds at most \(limit)")
        }
        return text
    }

    /// One value as the engine's lane holds it, checked against the column's kind and rules.
    static func lane(_ value: FieldValue?, column: SchemaColumn) throws(ValidationError) -> Int64 {
        guard let value else {
            throw ValidationError(field: column.name, value: "", rule: .malformed, detail: "required column missing")
        }
        func wrongKind() -> ValidationError {
            ValidationError(
                field: column.name, value: value.description, rule: .malformed,
                detail: "expected a \(column.kind) value")
        }
        let lane: Int64
        switch (column.kind, value) {
        case (.timestamp, .timestamp(let time)): lane = time.nanoseconds
        case (.timestamp, .integer(let nanoseconds)): lane = nanoseconds
        case (.int64, .integer(let integer)): lane = integer
        case (.int8, .integer(let integer)):
            guard (-128...127).contains(integer) else {
                throw ValidationError(
                    field: column.name, value: String(integer), rule: .overflow, detail: "an int8 holds -128…127")
            }
            lane = integer
        case (.decimal(let scale), .decimal(let amount)):
            lane = try rescale(
                amount.mantissa, from: amount.scale, to: scale, column: column, text: { value.description })
        case (.decimal(let scale), .integer(let integer)):
            lane = try rescale(Int128(integer), from: 0, to: scale, column: column, text: { value.description })
        case (.float64, .float(let double)):
            guard double.isFinite else {
                throw ValidationError(field: column.name, value: "\(double)", rule: .notFinite)
            }
            lane = Int64(bitPattern: double.bitPattern)
        case (.float64, .integer(let integer)): lane = Int64(bitPattern: Double(integer).bitPattern)
        case (.bool, .bool(let flag)): lane = flag ? 1 : 0
        default: throw wrongKind()
        }
        try column.checkBounds(lane) { value.description }
        return lane
    }

    /// `mantissa / 10^from` as a mantissa at `to` digits, exactly.
    private static func rescale(
        _ mantissa: Int128, from: Int, to: Int, column: SchemaColumn, text: () -> String
    ) throws(ValidationError)
        -> Int64
    {
        // A decimal built in code may carry any scale; only 0…18 are decimals a column can hold.
        guard (0..<tenPowers.count).contains(from) else {
            throw ValidationError(
                field: column.name, value: text(), rule: .malformed,
                detail: "a decimal's scale must be 0...\(tenPowers.count - 1), got \(from)")
        }
        var value = mantissa
        if from > to {
            let divisor = Int128(tenPowers[from - to])
            guard value % divisor == 0 else {
                throw ValidationError(
                    field: column.name, value: text(), rule: .tooPrecise, detail: "the column keeps \(to) decimals")
            }
            value /= divisor
        } else if from < to {
            let (scaled, overflow) = value.multipliedReportingOverflow(by: Int128(tenPowers[to - from]))
            guard !overflow else { throw ValidationError(field: column.name, value: text(), rule: .overflow) }
            value = scaled
        }
        guard let lane = Int64(exactly: value) else {
            throw ValidationError(field: column.name, value: text(), rule: .overflow)
        }
        return lane
    }

    func decode(_ rows: RowSet, _ symbol: Symbol) -> [Row] {
        (0..<rows.count).map { i in Row(symbol: symbol, values(at: i, lanes: rows.columns, texts: rows.texts)) }
    }

    /// Row `row` of `lanes` (the engine's columns) by column name.
    private func values(at row: Int, lanes: [[Int64]], texts: TextHeap) -> [String: FieldValue] {
        var values: [String: FieldValue] = [:]
        for (c, column) in columns.enumerated() {
            let lane = lanes[c][row]
            if optional[c] && lane == absent[c] { continue }
            values[column.name] =
                switch column.kind {
                case .timestamp: .timestamp(Timestamp(nanoseconds: lane))
                case .int64, .int8: .integer(lane)
                case .decimal(let scale): .decimal(ExactAmount(mantissa: Int128(lane), scale: scale))
                case .float64: .float(Double(bitPattern: UInt64(bitPattern: lane)))
                case .bool: .bool(lane != 0)
                case .text: .text(texts.string(lane))
                case .symbol: nil  // the row's own, never a storage column
                }
        }
        return values
    }
}
