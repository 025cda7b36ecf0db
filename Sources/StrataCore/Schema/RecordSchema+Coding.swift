/// A schema's form in the store's configuration file (JSON), so a table is declared without a
/// line of Swift:
///
/// ```json
/// {"name": "news", "timestamp": "ts", "key": {"column": "id", "policy": "keep-first"},
///  "columns": [
///    {"name": "ts", "type": "timestamp"}, {"name": "symbol", "type": "symbol"},
///    {"name": "id", "type": "int64"}, {"name": "source", "type": "text"},
///    {"name": "headline", "type": "text", "max_length": 512},
///    {"name": "sentiment", "type": "float64", "required": false, "min": ">=-1", "max": "<=1"}]}
/// ```
///
/// `type` is `timestamp`, `symbol`, `int64`, `int8`, `decimal(<scale>)`, `float64`, `bool` or
/// `text`; `partition` is `day` (the default) or a whole number of minutes, hours or days (`6h`);
/// `policy` is `keep-first` (the default) or `last-wins`; `book` lists book sides shown as lists
/// of levels (``BookSide``: `{"name": "bids", "count": "bid_levels", "prices": […], "sizes": […]}`);
/// `row_rules` lists rules over several columns (``RowRule``:
/// `{"rule": "not_greater", "columns": ["first_id", "last_id"]}`,
/// `{"rule": "any_present", "columns": ["bid_px_0", "ask_px_0"], "field": "quote", "detail": "no bid and no ask"}`).
/// A column's input forms (``ColumnInput``) are `default` (its value as text: `"true"`, `"1.5"`)
/// and `words` (`{"name": "side", "values": {"buy": "false", "sell": "true"}}`). A schema that
/// does not check out is a decoding error whose description names the table, the column and the
/// problem.
extension RecordSchema: Codable {
    enum Keys: String, CodingKey {
        case name, aliases, columns, timestamp, partition, key, book
        case rowRules = "row_rules"
    }

    enum RuleKeys: String, CodingKey {
        case rule, columns, field, detail
    }

    enum KeyKeys: String, CodingKey {
        case column, policy
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: Keys.self)
        let name = try container.decode(String.self, forKey: .name)
        let columns = try container.decode([SchemaColumn].self, forKey: .columns)
        var partitioning = Partitioning.daily
        if let text = try container.decodeIfPresent(String.self, forKey: .partition) {
            guard let parsed = Partitioning(text) else {
                throw DecodingError.dataCorruptedError(
                    forKey: .partition, in: container,
                    debugDescription: "table \(name): partition '\(text)' is not day or a duration such as 6h, 30m, 1d")
            }
            partitioning = parsed
        }
        var key: RecordKey?
        if container.contains(.key) {
            let keyContainer = try container.nestedContainer(keyedBy: KeyKeys.self, forKey: .key)
            let column = try keyContainer.decode(String.self, forKey: .column)
            let policyText = try keyContainer.decodeIfPresent(String.self, forKey: .policy) ?? "keep-first"
            guard let policy = KeyPolicy(rawValue: policyText) else {
                throw DecodingError.dataCorruptedError(
                    forKey: .policy, in: keyContainer,
                    debugDescription: "table \(name): key policy '\(policyText)' is not keep-first or last-wins")
            }
            key = RecordKey(column, policy: policy)
        }
        do {
            try self.init(
                name: name, aliases: try container.decodeIfPresent([String].self, forKey: .aliases) ?? [],
                columns: columns, timestamp: try container.decode(String.self, forKey: .timestamp),
                partitioning: partitioning, key: key,
                bookSides: try container.decodeIfPresent([BookSide].self, forKey: .book) ?? [],
                rowRules: try Self.decodeRowRules(container, table: name))
        } catch let error as SchemaError {
            throw DecodingError.dataCorrupted(
                DecodingError.Context(codingPath: decoder.codingPath, debugDescription: error.description))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Keys.self)
        try container.encode(name, forKey: .name)
        if !aliases.isEmpty { try container.encode(aliases, forKey: .aliases) }
        try container.encode(columns, forKey: .columns)
        try container.encode(timestamp, forKey: .timestamp)
        if partitioning != .daily { try container.encode(partitioning.configurationText, forKey: .partition) }
        if let key {
            var keyContainer = container.nestedContainer(keyedBy: KeyKeys.self, forKey: .key)
            try keyContainer.encode(key.column, forKey: .column)
            try keyContainer.encode(key.policy.rawValue, forKey: .policy)
        }
        if !bookSides.isEmpty { try container.encode(bookSides, forKey: .book) }
        if !rowRules.isEmpty {
            var rules = container.nestedUnkeyedContainer(forKey: .rowRules)
            for rule in rowRules {
                var entry = rules.nestedContainer(keyedBy: RuleKeys.self)
                switch rule {
                case .notGreater(let first, let last):
                    try entry.encode("not_greater", forKey: .rule)
                    try entry.encode([first, last], forKey: .columns)
                case .anyPresent(let columns, let field, let detail):
                    try entry.encode("any_present", forKey: .rule)
                    try entry.encode(columns, forKey: .columns)
                    try entry.encode(field, forKey: .field)
                    try entry.encode(detail, forKey: .detail)
                }
            }
        }
    }

    private static func decodeRowRules(_ container: KeyedDecodingContainer<Keys>, table: String) throws -> [RowRule] {
        guard container.contains(.rowRules) else { return [] }
        var list = try container.nestedUnkeyedContainer(forKey: .rowRules)
        var rules: [RowRule] = []
        while !list.isAtEnd {
            let entry = try list.nestedContainer(keyedBy: RuleKeys.self)
            let kind = try entry.decode(String.self, forKey: .rule)
            let columns = try entry.decode([String].self, forKey: .columns)
            switch kind {
            case "not_greater" where columns.count == 2:
                rules.append(.notGreater(columns[0], than: columns[1]))
            case "any_present" where !columns.isEmpty:
                rules.append(
                    .anyPresent(
                        columns, field: try entry.decodeIfPresent(String.self, forKey: .field) ?? columns[0],
                        detail: try entry.decodeIfPresent(String.self, forKey: .detail) ?? "none of "
                            + columns.joined(separator: ", ")))
            default:
                throw DecodingError.dataCorruptedError(
                    forKey: .rule, in: entry,
                    debugDescription:
                        "table \(table): row rule '\(kind)' with \(columns.count) columns is not not_greater (two columns) or any_present (one or more)"
                )
            }
        }
        return rules
    }
}

extension SchemaColumn: Codable {
    enum Keys: String, CodingKey {
        case name, type, aliases, required, min, max
        case maximumLength = "max_length"
        case storedAs = "stored_as"
        case defaultValue = "default"
        case words
    }

    enum WordsKeys: String, CodingKey {
        case name, values
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: Keys.self)
        let name = try container.decode(String.self, forKey: .name)
        let typeText = try container.decode(String.self, forKey: .type)
        guard let kind = ColumnKind(typeText) else {
            throw DecodingError.dataCorruptedError(
                forKey: .type, in: container,
                debugDescription:
                    "column \(name): type '\(typeText)' is not timestamp, symbol, int64, int8, decimal(<scale>), float64, bool or text"
            )
        }
        func bound(_ key: Keys, lower: Bool) throws -> ColumnRules.Bound? {
            guard let text = try container.decodeIfPresent(String.self, forKey: key) else { return nil }
            guard let bound = ColumnRules.Bound(text, lower: lower) else {
                throw DecodingError.dataCorruptedError(
                    forKey: key, in: container,
                    debugDescription:
                        "column \(name): \(key.rawValue) '\(text)' is not \(lower ? ">" : "<")<number> or \(lower ? ">=" : "<=")<number>"
                )
            }
            return bound
        }
        self.init(
            name, kind, aliases: try container.decodeIfPresent([String].self, forKey: .aliases) ?? [],
            rules: ColumnRules(
                required: try container.decodeIfPresent(Bool.self, forKey: .required) ?? true,
                minimum: try bound(.min, lower: true), maximum: try bound(.max, lower: false),
                maximumLength: try container.decodeIfPresent(Int.self, forKey: .maximumLength)),
            storedAs: try container.decodeIfPresent(String.self, forKey: .storedAs),
            input: try Self.decodeInput(container, name: name, kind: kind))
    }

    private static func decodeInput(_ container: KeyedDecodingContainer<Keys>, name: String, kind: ColumnKind) throws
        -> ColumnInput
    {
        func lane(_ text: String, key: Keys) throws -> Int64 {
            guard let lane = kind.lane(configurationText: text) else {
                throw DecodingError.dataCorruptedError(
                    forKey: key, in: container, debugDescription: "column \(name): '\(text)' is not a \(kind) value")
            }
            return lane
        }
        var input = ColumnInput()
        if let text = try container.decodeIfPresent(String.self, forKey: .defaultValue) {
            input.defaultLane = try lane(text, key: .defaultValue)
        }
        if container.contains(.words) {
            let words = try container.nestedContainer(keyedBy: WordsKeys.self, forKey: .words)
            let values = try words.decode([String: String].self, forKey: .values)
            var lanes: [String: Int64] = [:]
            for (word, text) in values { lanes[word] = try lane(text, key: .words) }
            input.words = ColumnWords(try words.decode(String.self, forKey: .name), lanes)
        }
        return input
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Keys.self)
        try container.encode(name, forKey: .name)
        try container.encode(kind.description, forKey: .type)
        if !aliases.isEmpty { try container.encode(aliases, forKey: .aliases) }
        if !rules.required { try container.encode(false, forKey: .required) }
        if let minimum = rules.minimum {
            try container.encode((minimum.inclusive ? ">=" : ">") + minimum.description, forKey: .min)
        }
        if let maximum = rules.maximum {
            try container.encode((maximum.inclusive ? "<=" : "<") + maximum.description, forKey: .max)
        }
        try container.encodeIfPresent(rules.maximumLength, forKey: .maximumLength)
        try container.encodeIfPresent(storedAs, forKey: .storedAs)
        if let lane = input.defaultLane {
            try container.encode(kind.configurationText(lane: lane), forKey: .defaultValue)
        }
        if let words = input.words {
            var entry = container.nestedContainer(keyedBy: WordsKeys.self, forKey: .words)
            try entry.encode(words.name, forKey: .name)
            var values: [String: String] = [:]
            for word in words.words { values[word.text] = kind.configurationText(lane: word.lane) }
            try entry.encode(values, forKey: .values)
        }
    }
}

extension ColumnKind {
    /// A value's lane as configuration text: `true`, `12`, `0.5`.
    public func configurationText(lane: Int64) -> String {
        switch self {
        case .bool: lane != 0 ? "true" : "false"
        case .decimal(let scale): DecimalFormatter.format(lane, scale: scale, minimumFractionDigits: 0)
        case .float64: "\(Double(bitPattern: UInt64(bitPattern: lane)))"
        case .timestamp, .symbol, .int64, .int8, .text: String(lane)
        }
    }

    /// The lane of a value given as configuration text; nil when it is not one of the kind
    /// (text and symbols have no fixed lane).
    func lane(configurationText text: String) -> Int64? {
        switch self {
        case .bool: return text == "true" ? 1 : text == "false" ? 0 : nil
        case .int64, .timestamp: return Int64(text)
        case .int8: return Int8(text).map(Int64.init)
        case .float64: return Double(text).flatMap { $0.isFinite ? Int64(bitPattern: $0.bitPattern) : nil }
        case .decimal(let scale):
            var text = text
            return text.withUTF8 { bytes in
                if case .success(let lane) = DecimalParser.parse(bytes, scale: scale) { return lane }
                return nil
            }
        case .symbol, .text: return nil
        }
    }
}

extension Partitioning {
    /// `day`, or a whole number of minutes, hours or days (`30m`, `6h`, `7d`).
    init?(_ text: String) {
        if text == "day" {
            self = .daily
            return
        }
        if text.hasSuffix("ns"), let nanoseconds = Int64(text.dropLast(2)), nanoseconds > 0 {
            self = nanoseconds == Partitioning.daily.nanoseconds ? .daily : .every(nanoseconds: nanoseconds)
            return
        }
        guard let unit = text.last, let count = Int64(text.dropLast()), count > 0 else { return nil }
        let minute: Int64 = 60_000_000_000
        let width: Int64
        switch unit {
        case "m": width = minute
        case "h": width = 60 * minute
        case "d": width = 1_440 * minute
        default: return nil
        }
        let (nanoseconds, overflow) = count.multipliedReportingOverflow(by: width)
        guard !overflow else { return nil }
        self = nanoseconds == Partitioning.daily.nanoseconds ? .daily : .every(nanoseconds: nanoseconds)
    }

    var configurationText: String {
        let minute: Int64 = 60_000_000_000
        let width = nanoseconds
        if width == Partitioning.daily.nanoseconds { return "day" }
        if width % (1_440 * minute) == 0 { return "\(width / (1_440 * minute))d" }
        if width % (60 * minute) == 0 { return "\(width / (60 * minute))h" }
        if width % minute == 0 { return "\(width / minute)m" }
        return "\(width)ns"
    }
}
