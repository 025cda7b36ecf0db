import Strata
import StrataLineProtocol

/// Names found by their UTF-8 bytes, each with a target: what a line's measurement, tag and
/// field names are looked up in (FNV-1a of the bytes, open addressing), so that no `String` is
/// built per line. The first target given a name keeps it.
struct InputNames: Sendable {
    private var keys: [[UInt8]] = []
    private var targets: [Int32] = []
    /// By hash slot, the position + 1 of the name there (0: empty); at most half full.
    private var slots = [Int32](repeating: 0, count: 16)

    @inline(__always)
    private static func hash(_ key: UnsafeBufferPointer<UInt8>) -> Int {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in key { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01B3 }
        return Int(truncatingIfNeeded: hash ^ (hash >> 29))
    }

    /// Every name held.
    var names: [[UInt8]] { keys }

    mutating func add(_ name: [UInt8], target: Int32) {
        let found = name.withUnsafeBufferPointer { self.target(of: $0) }
        guard found == nil else { return }
        keys.append(name)
        targets.append(target)
        if keys.count * 2 > slots.count {
            slots = [Int32](repeating: 0, count: slots.count * 2)
            for position in keys.indices { insert(position) }
        } else {
            insert(keys.count - 1)
        }
    }

    private mutating func insert(_ position: Int) {
        let mask = slots.count - 1
        var slot = keys[position].withUnsafeBufferPointer { Self.hash($0) } & mask
        while slots[slot] != 0 { slot = (slot + 1) & mask }
        slots[slot] = Int32(position + 1)
    }

    /// The target of the name spelt `key`, or nil.
    @inline(__always)
    func target(of key: UnsafeBufferPointer<UInt8>) -> Int32? {
        let mask = slots.count - 1
        var slot = Self.hash(key) & mask
        while true {
            let entry = Int(slots[slot])
            if entry == 0 { return nil }
            if keys[entry - 1].spells(key) { return targets[entry - 1] }
            slot = (slot + 1) & mask
        }
    }
}

/// How the lines of one measurement become rows of its table, derived from the table's schema
/// (and a declared measurement's renames): which tag is the symbol, which name fills which
/// storage column, how each column's value is read, which columns a line must give.
///
/// A class: a line reads its plan without copying its arrays and strings (a struct read out of
/// the mapping's array per line cost a retain and release of each, 15-30 % of ILP ingest).
final class MeasurementPlan: Sendable {
    /// The table's place in the mapping.
    let table: Int
    /// The measurement's name, as UTF-8 and as text.
    let measurement: [UInt8]
    let measurementName: String
    /// Line names → targets: a storage column (≥ 0), the symbol (``symbolTarget``), or the
    /// words of column c (`wordsBase - c`).
    let names: InputNames
    static let symbolTarget: Int32 = -1
    static let wordsBase: Int32 = -2
    /// The symbol tag's name in messages (renamed by a declaration).
    let symbolTag: String
    let schema: RecordSchema
    let columns: [SchemaColumn]
    let timestampColumn: Int
    /// Per storage column: how its value is read.
    let reads: [Read]
    /// Storage columns a line must give (required, no default, not derived).
    let required: [Int]
    let isText: [Bool]
    /// Per storage column: the words another name gives it by (``ColumnInput/words``).
    let words: [ColumnWords?]

    enum Read: Sendable {
        case integer, timestamp, float, bool, text
        case decimal(scale: Int)
        /// Derived from other columns (a level count): not an input.
        case derived
    }

    init(table: Int, ingest: IngestTable, renames: [String: String], measurement: String) {
        self.measurement = Array(measurement.utf8)
        measurementName = measurement
        let schema = ingest.schema
        let columns = ingest.columns
        self.table = table
        self.schema = schema
        self.columns = columns
        timestampColumn = ingest.timestampColumn
        isText = ingest.isText
        words = columns.map(\.input.words)
        reads = columns.indices.map { c -> Read in
            if ingest.isDerived[c] { return .derived }
            switch columns[c].kind {
            case .int64, .int8: return .integer
            case .timestamp: return .timestamp
            case .float64: return .float
            case .bool: return .bool
            case .text: return .text
            case .decimal(let scale): return .decimal(scale: scale)
            case .symbol: return .derived
            }
        }
        required = columns.indices.filter { ingest.isRequired[$0] && $0 != ingest.timestampColumn }
        let symbol = schema.symbolColumn
        // What each of the table's own names stands for.
        func target(of name: String) -> Int32? {
            if symbol.name == name || symbol.aliases.contains(name) { return Self.symbolTarget }
            for (c, column) in columns.enumerated() where !ingest.isDerived[c] {
                if column.name == name || column.aliases.contains(name) { return Int32(c) }
                if column.input.words?.name == name { return Self.wordsBase - Int32(c) }
            }
            return nil
        }
        var names = InputNames()
        var symbolTag = symbol.name
        for (line, name) in renames.sorted(by: { $0.key < $1.key }) {
            guard let found = target(of: name) else { continue }
            names.add(Array(line.utf8), target: found)
            if found == Self.symbolTarget && symbolTag == symbol.name { symbolTag = line }
        }
        for name in [symbol.name] + symbol.aliases { names.add(Array(name.utf8), target: Self.symbolTarget) }
        for (c, column) in columns.enumerated() where !ingest.isDerived[c] {
            for name in [column.name] + column.aliases { names.add(Array(name.utf8), target: Int32(c)) }
            if let words = column.input.words { names.add(Array(words.name.utf8), target: Self.wordsBase - Int32(c)) }
        }
        self.names = names
        self.symbolTag = symbolTag
    }

    /// The longest name a line of this measurement may use.
    var longestName: Int { names.names.reduce(measurement.count) { max($0, $1.count) } }

    /// The names a line may give, for "did you mean" and declarations' checks.
    static func inputNames(of schema: RecordSchema) -> [String] {
        let derived = Set(schema.bookSides.map(\.count))
        return schema.columns.filter { !derived.contains($0.name) }.flatMap { column in
            [column.name] + column.aliases + (column.input.words.map { [$0.name] } ?? [])
        }
    }

    // MARK: - Reading a line

    /// Gives `rows`' new row the values of `point`: the line's time, its symbol, its fields and
    /// tags by their columns. The row is then ready for ``LaneRows/commitRow()``.
    /// - Throws: ``WriteError`` (400) naming the line and the field: a missing or invalid symbol
    ///   tag, a value its column cannot hold exactly, a column given twice, a required field
    ///   missing, an unknown field or tag.
    func read(_ point: LineProtocol.Point, into rows: inout LaneRows) throws(WriteError) {
        rows.beginRow()
        rows.set(timestampColumn, lane: point.timestamp)
        var hasSymbol = false
        var unknownTag = -1
        let tags = point.tags
        for index in 0..<tags.count {
            let tag = tags[index]
            let target = tag.withUnsafeKey { names.target(of: $0) }
            guard let target else {
                if unknownTag < 0 { unknownTag = index }
                continue
            }
            if target == Self.symbolTarget {
                guard tag.withUnsafeValue({ rows.symbol($0) }) else {
                    throw error(point, "invalidValue", "symbol: invalid symbol '\(tag.value)'")
                }
                hasSymbol = true
            } else if target <= Self.wordsBase {
                let c = Int(Self.wordsBase - target)
                guard let lane = tag.withUnsafeValue({ words[c]?.lane(of: $0) }) else {
                    let spelled = words[c]?.spelled ?? ""
                    throw error(point, "invalidValue", "\(tag.key): expected \(spelled), got \"\(tag.value)\"")
                }
                try once(c, key: tag.key, point, rows)
                rows.set(c, lane: lane)
            } else if isText[Int(target)] {
                try once(Int(target), key: tag.key, point, rows)
                rows.set(Int(target), text: tag.value)
            } else if unknownTag < 0 {
                unknownTag = index
            }
        }
        guard hasSymbol else {
            throw error(
                point, "missingTag",
                "\(symbolTag): missing tag (\(point.measurement),\(symbolTag)=… is required)")
        }
        var unknownField = -1
        let fields = point.fields
        for index in 0..<fields.count {
            let field = fields[index]
            let target = field.withUnsafeKey { names.target(of: $0) } ?? Self.symbolTarget
            if target >= 0 && Int(target) != timestampColumn {
                let c = Int(target)
                if rows.isSet(c) { try once(c, key: field.key, point, rows) }
                try read(field, column: c, point, into: &rows)
            } else if target <= Self.wordsBase {
                let c = Int(Self.wordsBase - target)
                guard field.kind == .string, let lane = field.withUnsafeText({ words[c]?.lane(of: $0) }) else {
                    let got = field.kind == .string ? "\"\(field.text)\"" : field.text
                    throw error(point, "invalidValue", "\(field.key): expected \(words[c]?.spelled ?? ""), got \(got)")
                }
                try once(c, key: field.key, point, rows)
                rows.set(c, lane: lane)
            } else if unknownField < 0 {
                unknownField = index
            }
        }
        for c in required where !rows.isSet(c) { throw missing(c, point) }
        if unknownField >= 0 {
            throw error(
                point, "unknownField",
                "\(fields[unknownField].key): unknown field for measurement '\(point.measurement)'")
        }
        if unknownTag >= 0 {
            throw error(
                point, "unknownTag", "\(tags[unknownTag].key): unknown tag for measurement '\(point.measurement)'")
        }
    }

    /// Refuses a second value for column `c` (`qty` and `amount` on one line).
    private func once(_ c: Int, key: String, _ point: LineProtocol.Point, _ rows: LaneRows) throws(WriteError) {
        guard rows.isSet(c) else { return }
        throw error(point, "invalidValue", "\(key): \(columns[c].name) is given twice on the line")
    }

    /// Reads `field` into column `c` by the column's kind.
    @inline(__always)
    private func read(
        _ field: LineProtocol.Field, column c: Int, _ point: LineProtocol.Point, into rows: inout LaneRows
    ) throws(WriteError) {
        switch reads[c] {
        case .decimal(let scale):
            switch field.kind {
            case .float, .integer, .unsigned, .decimal:
                switch field.withUnsafeText({ DecimalParser.parse($0, scale: scale) }) {
                case .success(let lane): rows.set(c, lane: lane)
                case .failure(let failure): throw decimalError(field, failure, scale: scale, point)
                }
            default:
                throw error(
                    point, "invalidValue", "\(field.key): '\(field.text)': expected a decimal number, got \(field.kind)"
                )
            }
        case .integer:
            switch field.kind {
            case .integer:
                if let value = field.integerValue { return rows.set(c, lane: value) }
            case .unsigned, .float:
                if let value = field.withUnsafeText({ IntegerText.int64($0) }) { return rows.set(c, lane: value) }
            default: break
            }
            throw error(point, "invalidValue", "\(field.key): expected an integer, got '\(field.text)'")
        case .timestamp:
            if let value = field.timestampValue ?? field.integerValue { return rows.set(c, lane: value) }
            throw error(point, "invalidValue", "\(field.key): expected a timestamp, got '\(field.text)'")
        case .float:
            if let double = field.floatValue ?? field.integerValue.map({ Double($0) }), double.isFinite {
                return rows.set(c, lane: Int64(bitPattern: double.bitPattern))
            }
            throw error(point, "invalidValue", "\(field.key): expected a finite number, got '\(field.text)'")
        case .bool:
            if let flag = field.booleanValue { return rows.set(c, lane: flag ? 1 : 0) }
            throw error(point, "invalidValue", "\(field.key): expected a boolean, got '\(field.text)'")
        case .text:
            guard field.kind == .string else {
                throw error(point, "invalidValue", "\(field.key): expected a string, got '\(field.text)'")
            }
            rows.set(c, text: field.text)
        case .derived:
            throw error(point, "unknownField", "\(field.key): unknown field for measurement '\(point.measurement)'")
        }
    }

    private func decimalError(
        _ field: LineProtocol.Field, _ failure: DecimalParser.Failure, scale: Int, _ point: LineProtocol.Point
    ) -> WriteError {
        let key = field.key
        guard field.isFinite else {
            return error(point, "invalidValue", "\(key): \(field.text) is not a finite number (decimals must be)")
        }
        let reason =
            switch failure {
            case .notANumber: "expected a decimal number, got \(field.kind)"
            case .notFinite: "not a finite number"
            case .tooPrecise: "more than \(scale) fractional digits"
            case .overflow: "too large"
            }
        return error(point, "invalidValue", "\(key): '\(field.text)': \(reason)")
    }

    /// The error for required column `c`, absent: when the line has a field this measurement
    /// does not know, that field is the likelier mistake (`sid="buy"` for `side`), so it is
    /// named — with the name it is nearest to — rather than the missing one.
    private func missing(_ c: Int, _ point: LineProtocol.Point) -> WriteError {
        let column = columns[c]
        var message = "\(column.name): missing field"
        var candidates = [column.name] + column.aliases
        if let words = column.input.words {
            let values = column.kind == .bool ? "true|false" : "…"
            message = "\(words.name): missing field (\(words.name)=\(words.spelled) or \(column.name)=\(values))"
            candidates.insert(words.name, at: 0)
        } else if !column.aliases.isEmpty {
            message += " (or \(column.aliases.joined(separator: ", ")))"
        }
        var unknown: [String] = []
        for field in point.fields where field.withUnsafeKey({ names.target(of: $0) }) == nil {
            unknown.append(field.key)
        }
        guard !unknown.isEmpty else { return error(point, "missingField", message) }
        var best: (field: String, name: String, distance: Int)?
        for field in unknown {
            for name in candidates {
                let distance = editDistance(field, name)
                if distance < (best?.distance ?? Int.max) { best = (field, name, distance) }
            }
        }
        if let best, best.distance <= max(2, best.name.count / 3) {
            return error(
                point, "unknownField",
                "\(best.field): unknown field for measurement '\(point.measurement)'; did you mean \(best.name)? (\(message))"
            )
        }
        return error(
            point, "unknownField",
            "\(unknown[0]): unknown field for measurement '\(point.measurement)' (and \(message))")
    }

    private func error(_ point: LineProtocol.Point, _ code: String, _ message: String) -> WriteError {
        WriteError(code: code, message: message, line: point.line)
    }
}
