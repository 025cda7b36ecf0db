public import StrataCore
import StrataEngine

/// Appending a ``TableColumns`` batch: rows given column by column, checked by the rules a
/// ``Row`` is checked by, then stored through the same path (symbol limits, incidents, dedup,
/// WAL, live feed).
extension DynamicTable {
    /// Validates a columnar batch, then appends its rows atomically.
    ///
    /// ```swift
    /// var batch = TableColumns(symbols: items.map(\.symbol))
    /// batch["ts"] = .timestamps(items.map(\.time))
    /// batch["id"] = .integers(items.map(\.id))
    /// batch["headline"] = .texts(items.map(\.headline))
    /// try await news.append(batch)
    /// ```
    /// - Parameter batch: the rows; a column is named by its schema name or an alias.
    /// - Returns: rows stored and rows dropped as duplicates of a stored key.
    /// - Throws: ``ValidationError`` naming the column, the value and the row
    ///   (``ValidationError/index``) of the first bad value — the error ``append(_:)-([Row])``
    ///   throws for the same rows — or a column the table does not have, given twice, or with
    ///   more or fewer values than there are symbols (nothing is stored then); ``StrataError``.
    @discardableResult
    public func append(_ batch: TableColumns) async throws -> AppendReport {
        guard let encoded = try encode(batch) else { return AppendReport() }
        return try store(encoded)
    }

    /// The synchronous form of ``append(_:)-(TableColumns)`` (for threads that are not in a task).
    @discardableResult
    public func appendNow(_ batch: TableColumns) throws -> AppendReport {
        guard let encoded = try encode(batch) else { return AppendReport() }
        return try store(encoded)
    }

    /// Checks a columnar batch as ``append(_:)-(TableColumns)`` would, without storing it.
    /// - Throws: ``ValidationError`` for the first bad value, with its row.
    public func validate(_ batch: TableColumns) throws {
        guard let encoded = try encode(batch) else { return }
        _ = try records?.canonical(encoded)
    }

    // MARK: - Encoding

    /// The batch as the engine's lanes, or nil if it has no rows.
    ///
    /// Columns are checked in storage order, each only over the rows before the first bad value
    /// found so far: what is thrown is the bad value of the earliest row and, in that row, of the
    /// earliest column — the error the ``Row`` path throws for the same rows.
    func encode(_ batch: TableColumns) throws -> ColumnBatch? {
        let given = try resolve(batch)
        let rows = batch.count
        guard rows > 0 else { return nil }
        var scan = Scan(rows: rows)
        var lanes: [[Int64]] = []
        lanes.reserveCapacity(columns.count)
        var texts = TextHeap()
        let window = access.rules.timestampWindow()
        for c in columns.indices {
            guard let column = given[c] else {
                if let lane = defaults[c] {
                    lanes.append([Int64](repeating: lane, count: rows))
                } else if bookCounts.contains(where: { $0.count == c }) {
                    lanes.append([Int64](repeating: Self.uncounted, count: rows))
                } else {
                    if !optional[c] { scan.fail(0, Self.missingError(columns[c])) }
                    lanes.append([Int64](repeating: absent[c], count: rows))
                }
                continue
            }
            if isText[c] {
                lanes.append(textLane(c, column, rows: rows, scan: &scan, texts: &texts))
            } else {
                lanes.append(lane(c, column, rows: rows, scan: &scan, window: window))
            }
        }
        if !bookCounts.isEmpty || !rowRules.isEmpty {
            var row = 0
            while row < scan.limit {
                do {
                    try checkAcrossColumns(&lanes, row: row)
                } catch {
                    scan.fail(row, error)
                }
                row += 1
            }
        }
        if let failure = scan.failure { throw failure }
        var symbols = NameIndex()
        var index = [UInt32](repeating: 0, count: rows)
        for (row, symbol) in batch.symbols.enumerated() { index[row] = UInt32(symbols.insert(symbol.name)) }
        var encoded = ColumnBatch(symbols: symbols.names, symbolIndex: index, columns: lanes)
        encoded.texts = texts
        return encoded
    }

    /// The first bad value met: later columns look only at the rows before it.
    struct Scan {
        /// The rows still to check (those before the first bad value).
        private(set) var limit: Int
        private(set) var failure: ValidationError?

        init(rows: Int) { limit = rows }

        /// Records the bad value of `row` if it comes before the one recorded.
        mutating func fail(_ row: Int, _ error: ValidationError) {
            guard row < limit else { return }
            var error = error
            error.index = row
            failure = error
            limit = row
        }
    }

    /// Each storage column's values in `batch` (nil: not given), once the batch's shape is
    /// checked: every name a column's name or alias, no column given twice, as many values (and
    /// presence flags) in every column as there are symbols, decimal scales of 0…18.
    private func resolve(_ batch: TableColumns) throws -> [TableColumns.Column?] {
        var given = [TableColumns.Column?](repeating: nil, count: columns.count)
        let rows = batch.count
        for column in batch.columns {
            // Named at the batch's first row (the row a ``Row`` with the same fault is refused at).
            func refuse(_ detail: String, value: String? = nil, row: Int = 0) -> ValidationError {
                let first = column.values.count > 0 ? column.values[0].description : ""
                var error = ValidationError(field: column.name, value: value ?? first, rule: .malformed, detail: detail)
                error.index = rows > 0 ? row : nil
                return error
            }
            guard let c = inputNames.firstIndex(where: { $0.contains(column.name) }) else {
                if schema.column(named: column.name)?.kind == .symbol {
                    throw refuse("a row's symbol is given by TableColumns.symbols, not as a column")
                }
                let nearest = schema.knownNames.min { editDistance($0, column.name) < editDistance($1, column.name) }
                throw refuse("no such column in \(schema.name); nearest: \(nearest ?? "")")
            }
            if let other = given[c] {
                throw refuse("column \(columns[c].name) is given twice, as \(other.name) and \(column.name)")
            }
            guard column.values.count == rows else {
                throw refuse(
                    "\(column.values.count) values for \(rows) rows (symbols)", value: "\(column.values.count) values",
                    row: min(column.values.count, rows))
            }
            if let present = column.present, present.count != rows {
                throw refuse(
                    "\(present.count) presence flags for \(rows) rows (symbols)", value: "\(present.count) flags",
                    row: min(present.count, rows))
            }
            if case .decimals(_, let scale) = column.values, !(0...18).contains(scale) {
                throw refuse("a decimal's scale is 0…18", value: "scale \(scale)")
            }
            given[c] = column
        }
        return given
    }

    /// Column `c`'s lane (not text): each present value converted and checked as a ``Row``'s
    /// (by ``lane(_:column:)`` whenever the shortcut of its kind declines it: to rescale, to
    /// check against bounds, or to name what is wrong).
    private func lane(
        _ c: Int, _ given: TableColumns.Column, rows: Int, scan: inout Scan, window: ClosedRange<Timestamp>
    ) -> [Int64] {
        let kind = columns[c].kind
        if plan.bounded[c] { return fill(c, given, rows: rows, scan: &scan, window: window) { _ in nil } }
        switch (kind, given.values) {
        case (.timestamp, .timestamps(let times)):
            return fill(c, given, rows: rows, scan: &scan, window: window) { times[$0].nanoseconds }
        case (.timestamp, .integers(let values)), (.int64, .integers(let values)):
            return fill(c, given, rows: rows, scan: &scan, window: window) { values[$0] }
        case (.int8, .integers(let values)):
            return fill(c, given, rows: rows, scan: &scan, window: window) {
                (-128...127).contains(values[$0]) ? values[$0] : nil
            }
        case (.decimal(let scale), .decimals(let mantissas, let from)) where from <= scale && scale <= 18:
            let factor = tenPowers[scale - from]
            return fill(c, given, rows: rows, scan: &scan, window: window) {
                let (lane, overflow) = mantissas[$0].multipliedReportingOverflow(by: factor)
                return overflow ? nil : lane
            }
        case (.decimal(let scale), .integers(let values)) where scale <= 18:
            let factor = tenPowers[scale]
            return fill(c, given, rows: rows, scan: &scan, window: window) {
                let (lane, overflow) = values[$0].multipliedReportingOverflow(by: factor)
                return overflow ? nil : lane
            }
        case (.float64, .floats(let doubles)):
            return fill(c, given, rows: rows, scan: &scan, window: window) {
                doubles[$0].isFinite ? Int64(bitPattern: doubles[$0].bitPattern) : nil
            }
        case (.float64, .integers(let values)):
            return fill(c, given, rows: rows, scan: &scan, window: window) {
                Int64(bitPattern: Double(values[$0]).bitPattern)
            }
        case (.bool, .bools(let flags)):
            return fill(c, given, rows: rows, scan: &scan, window: window) { flags[$0] ? 1 : 0 }
        default:
            // Anything else (values of another kind, decimals to scale down): ``lane(_:column:)``
            // converts each value or refuses it.
            return fill(c, given, rows: rows, scan: &scan, window: window) { _ in nil }
        }
    }

    /// The lane of column `c` from `shortcut` (nil: the general conversion decides), checked.
    @inline(__always)
    private func fill(
        _ c: Int, _ given: TableColumns.Column, rows: Int, scan: inout Scan, window: ClosedRange<Timestamp>,
        _ shortcut: (Int) -> Int64?
    ) -> [Int64] {
        var lane = [Int64](repeating: absent[c], count: rows)
        let required = !optional[c]
        let marker = absent[c]
        let timed = c == timestampColumn
        let earliest = window.lowerBound.nanoseconds
        let latest = window.upperBound.nanoseconds
        let present = given.present
        var row = 0
        while row < scan.limit {
            defer { row += 1 }
            if let present, !present[row] {
                if required { scan.fail(row, Self.missingError(columns[c])) }
                continue
            }
            let value: Int64
            if let quick = shortcut(row) {
                value = quick
            } else {
                do {
                    value = try Self.lane(given.values[row], column: columns[c])
                } catch {
                    scan.fail(row, error)
                    break
                }
            }
            if !required && value == marker {
                scan.fail(row, Self.absentMarkerError(columns[c], value: given.values[row].description))
                break
            }
            if timed && (value < earliest || value > latest) {
                scan.fail(row, Self.outsideWindowError(columns[c], lane: value, window: window))
                break
            }
            lane[row] = value
        }
        return lane
    }

    /// Text column `c`'s lane: each present value checked against the column's maximum length
    /// and stored in `texts`.
    private func textLane(
        _ c: Int, _ given: TableColumns.Column, rows: Int, scan: inout Scan, texts: inout TextHeap
    ) -> [Int64] {
        var lane = [Int64](repeating: absent[c], count: rows)
        let required = !optional[c]
        let present = given.present
        guard case .texts(let strings) = given.values else {
            // Values of another kind: refused at the first row that has one.
            for row in 0..<scan.limit {
                if let present, !present[row] {
                    if required { scan.fail(row, Self.missingError(columns[c])) }
                    continue
                }
                scan.fail(row, Self.textError(given.values[row], column: columns[c]))
                break
            }
            return lane
        }
        let limit = plan.textLimit[c]
        var row = 0
        while row < scan.limit {
            defer { row += 1 }
            if let present, !present[row] {
                if required { scan.fail(row, Self.missingError(columns[c])) }
                continue
            }
            guard strings[row].utf8.count <= limit else {
                scan.fail(row, Self.textError(.text(strings[row]), column: columns[c]))
                break
            }
            lane[row] = texts.append(strings[row])
        }
        return lane
    }

    /// What ``text(_:column:)`` throws for `value` (which the columnar path refused; should the
    /// row path accept it, the refusal is still named, as the columnar path's).
    private static func textError(_ value: FieldValue, column: SchemaColumn) -> ValidationError {
        do {
            _ = try text(value, column: column)
        } catch {
            return error
        }
        return ValidationError(
            field: column.name, value: value.description, rule: .malformed, detail: "expected a text value")
    }
}
