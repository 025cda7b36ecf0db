import StrataCore
import StrataEngine

/// The common case of encoding a ``Row``, taken first for every row: every name is a column's own
/// name, every value of its column's kind and stored as given (no rescaling), no column with
/// bounds. The row's values are read once, in the dictionary's order, each name found through a
/// ``NameIndex`` — no `Hasher` per column per row, no copy of a ``SchemaColumn``. Anything else
/// (an alias, a missing or unknown column, a value to rescale, check against bounds or refuse)
/// is left to the general path, which decides it by the column's name and rules as before and
/// names what is wrong.
struct RowPlan: Sendable {
    /// Every name a row may give a value by (columns' names and aliases, the symbol column's too).
    let names: NameIndex
    /// Per name: the storage column it fills (-1: the symbol column's, which holds no value) and
    /// whether it is the column's own name (not an alias).
    let target: [Int]
    let isOwnName: [Bool]
    /// Per storage column: its kind; whether it has bounds (checked on the general path); the
    /// most UTF-8 bytes a text value may have.
    let kinds: [ColumnKind]
    let bounded: [Bool]
    let textLimit: [Int]
    /// Required storage columns: a row naming fewer of them lacks one.
    let requiredCount: Int

    init(schema: RecordSchema) {
        let storage = schema.storageColumns
        var names = NameIndex()
        var target: [Int] = []
        var isOwnName: [Bool] = []
        for column in schema.columns {
            let c = storage.firstIndex { $0.name == column.name } ?? -1
            for (rank, name) in ([column.name] + column.aliases).enumerated() where names.position(of: name) == nil {
                _ = names.insert(name)
                target.append(column.kind == .symbol ? -1 : c)
                isOwnName.append(rank == 0)
            }
        }
        self.names = names
        self.target = target
        self.isOwnName = isOwnName
        kinds = storage.map(\.kind)
        bounded = storage.map { $0.rules.minimum != nil || $0.rules.maximum != nil }
        textLimit = storage.map { min($0.rules.maximumLength ?? TextHeap.maximumLength, TextHeap.maximumLength) }
        requiredCount = storage.count { $0.rules.required }
    }

    /// A value's lane when it is of the column's kind and stored as given; nil otherwise (the
    /// general path converts it or refuses it).
    @inline(__always)
    static func quickLane(_ value: FieldValue, kind: ColumnKind) -> Int64? {
        switch value {
        case .timestamp(let time):
            if case .timestamp = kind { return time.nanoseconds }
        case .integer(let integer):
            switch kind {
            case .timestamp, .int64: return integer
            case .int8: return (-128...127).contains(integer) ? integer : nil
            case .float64: return Int64(bitPattern: Double(integer).bitPattern)
            default: return nil
            }
        case .decimal(let amount):
            if case .decimal(let scale) = kind, amount.scale == scale { return Int64(exactly: amount.mantissa) }
        case .float(let double):
            if case .float64 = kind, double.isFinite { return Int64(bitPattern: double.bitPattern) }
        case .bool(let flag):
            if case .bool = kind { return flag ? 1 : 0 }
        case .text: return nil
        }
        return nil
    }
}

/// What ``DynamicTable`` reuses from row to row while it encodes a batch of ``Row``s.
struct RowScratch {
    /// The row's lanes, by storage column.
    var lanes: [Int64]
    /// The row's text values, stored once the whole row is known to be good.
    var texts: [(column: Int, text: String)] = []

    init(columnCount: Int) { lanes = [Int64](repeating: 0, count: columnCount) }
}

extension DynamicTable {
    /// Appends `row`'s lanes (and its texts to `texts`) if the row is the common case (see
    /// ``RowPlan``) and good; returns false, having appended nothing, otherwise.
    func encodeQuickly(
        _ row: Row, into lanes: inout [[Int64]], texts: inout TextHeap, scratch: inout RowScratch,
        window: ClosedRange<Int64>
    ) -> Bool {
        for c in scratch.lanes.indices { scratch.lanes[c] = absent[c] }
        scratch.texts.removeAll(keepingCapacity: true)
        var required = 0
        for (name, value) in row.values {
            guard let position = plan.names.position(of: name), plan.isOwnName[position] else { return false }
            let c = plan.target[position]
            guard c >= 0 else { continue }  // the symbol column's name: the row's symbol is its own
            if isText[c] {
                guard case .text(let text) = value, text.utf8.count <= plan.textLimit[c] else { return false }
                scratch.texts.append((c, text))
            } else {
                guard !plan.bounded[c], let lane = RowPlan.quickLane(value, kind: plan.kinds[c]) else { return false }
                if optional[c] && lane == absent[c] { return false }
                if c == timestampColumn && !window.contains(lane) { return false }
                scratch.lanes[c] = lane
            }
            if !optional[c] { required += 1 }
        }
        guard required == plan.requiredCount else { return false }
        for (c, text) in scratch.texts { scratch.lanes[c] = texts.append(text) }
        for c in lanes.indices { lanes[c].append(scratch.lanes[c]) }
        return true
    }

    // MARK: - Errors (the same for rows and columns)

    static func missingError(_ column: SchemaColumn) -> ValidationError {
        ValidationError(field: column.name, value: "", rule: .malformed, detail: "required column missing")
    }

    static func absentMarkerError(_ column: SchemaColumn, value: String) -> ValidationError {
        ValidationError(
            field: column.name, value: value, rule: .outOfRange,
            detail: "the smallest value of the type marks an absent value in an optional column")
    }

    static func outsideWindowError(_ column: SchemaColumn, lane: Int64, window: ClosedRange<Timestamp>)
        -> ValidationError
    {
        ValidationError(
            field: column.name, value: String(lane), rule: .outsideWindow,
            detail: "accepted \(window.lowerBound) … \(window.upperBound)")
    }
}
