import Strata
import StrataServer
import StrataWire

/// How `strata` prints a table's rows, derived from its schema as the API's JSON is (`RowJSON`):
/// the designated timestamp (epoch ns), `symbol`, then every other column in schema order by its
/// name. CSV prints those columns with a header (which `strata ingest` maps back onto the
/// table); a table adds an ISO-8601 `time` column first and leaves out optional columns no row
/// has; JSON prints the API's objects. A book side (``BookSide``) prints its levels' columns, empty
/// past its count, and not the count itself (as the API's lists and the quotes' CSV layout).
struct TableOutput {
    let schema: RecordSchema
    /// The columns printed, in order, each with its lane.
    private let columns: [(name: String, lane: Int, kind: ColumnKind, absent: Int64?)]
    /// For a book side's level columns: the count column's lane and the level.
    private let levels: [String: (count: Int, level: Int)]

    init(schema: RecordSchema) {
        self.schema = schema
        let lanes = schema.storageColumns
        var columns: [(name: String, lane: Int, kind: ColumnKind, absent: Int64?)] = []
        func add(_ name: String) {
            guard let lane = lanes.firstIndex(where: { $0.name == name }) else { return }
            let column = lanes[lane]
            columns.append((column.name, lane, column.kind, column.rules.required ? nil : column.kind.absentLane))
        }
        add(schema.timestamp)
        columns.append(("symbol", -1, .symbol, nil))
        let counts = Set(schema.bookSides.map(\.count))
        for column in lanes where column.name != schema.timestamp && !counts.contains(column.name) { add(column.name) }
        self.columns = columns
        var levels: [String: (count: Int, level: Int)] = [:]
        for side in schema.bookSides {
            guard let count = lanes.firstIndex(where: { $0.name == side.count }) else { continue }
            for (level, names) in zip(side.prices, side.sizes).enumerated() {
                levels[names.0] = (count, level)
                levels[names.1] = (count, level)
            }
        }
        self.levels = levels
    }

    /// Prints `rows` of `symbol` in `format`.
    func render(_ rows: RowSet, symbol: Symbol, format: OutputFormat) {
        var cells = (0..<rows.count).map { row in
            columns.map { column in cell(column, row: row, rows: rows, symbol: symbol) }
        }
        var names = columns.map(\.name)
        switch format {
        case .csv:
            // The server's format=csv answer, byte for byte.
            var writer = ColumnarCSVWriter()
            var bytes: [UInt8] = []
            let layout = ColumnarLayout(schema: schema)
            writer.write(layout.batch(rows, symbol: symbol), to: &bytes)
            Terminal.writeOutput(String(decoding: bytes, as: UTF8.self))
        case .json:
            Renderer(format: format).render(
                columns: names, rows: cells, json: RowJSON(schema: schema).texts(rows, symbol: symbol))
        case .table:
            // Optional columns no row has are left out (a shallow book's deeper levels).
            let shown = names.indices.filter { index in
                columns[index].absent == nil && levels[names[index]] == nil
                    || cells.contains { row in if case .empty = row[index] { false } else { true } }
            }
            names = ["time"] + shown.map { names[$0] }
            let timeLane = columns[0].lane
            for row in cells.indices {
                let time = Timestamp(nanoseconds: rows.columns[timeLane][row]).iso8601
                cells[row] = [.text(time)] + shown.map { cells[row][$0] }
            }
            Renderer(format: format).render(columns: names, rows: cells)
        }
    }

    private func cell(
        _ column: (name: String, lane: Int, kind: ColumnKind, absent: Int64?), row: Int, rows: RowSet,
        symbol: Symbol
    ) -> Cell {
        guard column.lane >= 0 else { return .text(symbol.name) }
        let value = rows.columns[column.lane][row]
        if let absent = column.absent, value == absent { return .empty }
        if let level = levels[column.name], level.level >= rows.columns[level.count][row] { return .empty }
        return switch column.kind {
        case .timestamp: .nanoseconds(value)
        case .int64, .int8, .symbol: .integer(value)
        case .decimal(let scale): .decimal(DecimalFormatter.format(value, scale: scale, minimumFractionDigits: 0))
        case .float64: .decimal(String(Double(bitPattern: UInt64(bitPattern: value))))
        case .bool: .boolean(value != 0)
        case .text: .text(rows.texts.string(value))
        }
    }
}
