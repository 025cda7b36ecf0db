/// What a column holds.
public enum ColumnKind: Sendable, Hashable, CustomStringConvertible {
    /// Nanoseconds since the epoch, UTC.
    case timestamp
    /// The instrument: dictionary-encoded text, one per row.
    case symbol
    /// A signed 64-bit integer (ids, counts).
    case int64
    /// A small integer in -128…127 (depth level counts, enum codes).
    case int8
    /// An exact fixed-point decimal with `scale` fractional digits (prices, quantities: money).
    case decimal(scale: Int)
    /// A binary float, for values that are not money (a confidence, a sentiment score).
    case float64
    /// true or false.
    case bool
    /// Variable-length UTF-8 text (headlines, sources, ratings, JSON metadata).
    case text

    /// Whether the kind holds numbers (what bounds and aggregates apply to).
    public var isNumeric: Bool {
        switch self {
        case .int64, .int8, .decimal, .float64: true
        default: false
        }
    }

    /// The lane value of an absent value in a ``ColumnBatch`` or ``RowSet`` (an optional column
    /// left out of a row, or a column added after the row was stored): no valid value of the kind
    /// has it. A text reference is never negative; a float64 value is finite, and this is a NaN;
    /// a bool is 0 or 1 and an int8 refuses -128; an optional 8-byte column refuses `Int64.min`.
    public var absentLane: Int64 {
        switch self {
        case .text: -1
        case .bool, .int8: -128
        case .float64: Int64(bitPattern: 0x7FF4_ABE5_0000_0000)
        case .timestamp, .symbol, .int64, .decimal: Int64.min
        }
    }

    /// The configuration file's spelling: `timestamp`, `symbol`, `int64`, `int8`, `decimal(8)`,
    /// `float64`, `bool`, `text`.
    public var description: String {
        switch self {
        case .timestamp: "timestamp"
        case .symbol: "symbol"
        case .int64: "int64"
        case .int8: "int8"
        case .decimal(let scale): "decimal(\(scale))"
        case .float64: "float64"
        case .bool: "bool"
        case .text: "text"
        }
    }

    /// Parses ``description``'s spelling (`decimal(8)`; `decimal` alone is not enough: money
    /// needs its scale said).
    public init?(_ text: String) {
        switch text {
        case "timestamp": self = .timestamp
        case "symbol": self = .symbol
        case "int64": self = .int64
        case "int8": self = .int8
        case "float64": self = .float64
        case "bool": self = .bool
        case "text": self = .text
        default:
            guard text.hasPrefix("decimal("), text.hasSuffix(")"),
                let scale = Int(text.dropFirst("decimal(".count).dropLast())
            else { return nil }
            self = .decimal(scale: scale)
        }
    }
}

/// One column of a ``RecordSchema``.
public struct SchemaColumn: Sendable, Hashable {
    /// The one name the column has everywhere: line protocol, CSV headers, JSON, the CLI.
    public let name: String
    public let kind: ColumnKind
    /// Other names accepted on input (`quantity` and `amount` for `qty`); output uses ``name``.
    public let aliases: [String]
    public let rules: ColumnRules
    /// The name the storage engine's files know the column by, when it predates ``name`` (files
    /// written before the catalog); nil: ``name``.
    public let storedAs: String?
    /// How input may give the column besides its name and a value: a default, words standing
    /// for its values (``ColumnInput``).
    public let input: ColumnInput

    public init(
        _ name: String, _ kind: ColumnKind, aliases: [String] = [], rules: ColumnRules = ColumnRules(),
        storedAs: String? = nil, input: ColumnInput = ColumnInput()
    ) {
        self.name = name
        self.kind = kind
        self.aliases = aliases
        self.rules = rules
        self.storedAs = storedAs
        self.input = input
    }

    /// The name in the engine's files.
    public var storageName: String { storedAs ?? name }

    func check(table: String) throws(SchemaError) {
        func fail(_ problem: String) -> SchemaError { SchemaError(table: table, column: name, problem: problem) }
        for alias in aliases where !RecordSchema.isIdentifier(alias) {
            throw fail("the alias '\(alias)' must be a lowercase identifier")
        }
        if case .decimal(let scale) = kind, !(0...18).contains(scale) {
            throw fail("a decimal's scale must be 0…18, not \(scale)")
        }
        if rules.maximumLength != nil && kind != .text {
            throw fail("a maximum length applies to text columns only, not \(kind)")
        }
        if let length = rules.maximumLength, length <= 0 { throw fail("a maximum length must be positive") }
        if rules.minimum != nil || rules.maximum != nil {
            guard kind.isNumeric else { throw fail("bounds apply to numeric columns only, not \(kind)") }
            for bound in [rules.minimum, rules.maximum].compactMap({ $0 }) {
                guard bound.scale <= kind.scale else {
                    throw fail("the bound \(bound) has more fractional digits than the column's \(kind)")
                }
            }
        }
        if kind == .symbol && !rules.required { throw fail("the symbol cannot be optional") }
        if let words = input.words {
            guard RecordSchema.isIdentifier(words.name) else {
                throw fail("the input name '\(words.name)' must be a lowercase identifier")
            }
            guard !words.words.isEmpty else { throw fail("the input name '\(words.name)' needs words") }
        }
        if input.defaultLane != nil, kind == .text || kind == .symbol {
            throw fail("a default applies to fixed-width columns only, not \(kind)")
        }
    }
}

extension ColumnKind {
    /// Fractional digits of a decimal; 0 for other kinds.
    public var scale: Int {
        if case .decimal(let scale) = self { return scale }
        return 0
    }
}

/// What a column's values must satisfy beyond their kind.
public struct ColumnRules: Sendable, Hashable {
    /// A row must have the column (else it is rejected naming it); an optional column may be
    /// absent (read back as absent, and as absent in partitions written before it existed).
    public var required: Bool
    /// The smallest allowed value (numbers).
    public var minimum: Bound?
    /// The largest allowed value (numbers).
    public var maximum: Bound?
    /// The most UTF-8 bytes a text value may have.
    public var maximumLength: Int?

    public init(required: Bool = true, minimum: Bound? = nil, maximum: Bound? = nil, maximumLength: Int? = nil) {
        self.required = required
        self.minimum = minimum
        self.maximum = maximum
        self.maximumLength = maximumLength
    }

    /// Whether the lane of a value of `kind` is within the bounds (a float64 compared as its
    /// value, other kinds exactly at their scale); ``SchemaColumn/checkBounds(_:text:)`` says why
    /// not. Copies nothing: what the write paths call per value.
    @inline(__always)
    public func admits(_ lane: Int64, kind: ColumnKind) -> Bool {
        if minimum == nil && maximum == nil { return true }
        if case .float64 = kind {
            let double = Double(bitPattern: UInt64(bitPattern: lane))
            if let minimum, !Self.admits(double, minimum, lower: true) { return false }
            if let maximum, !Self.admits(double, maximum, lower: false) { return false }
            return true
        }
        let scale = kind.scale
        if let minimum, !minimum.admits(lane, scale: scale, lower: true) { return false }
        if let maximum, !maximum.admits(lane, scale: scale, lower: false) { return false }
        return true
    }

    static func admits(_ double: Double, _ bound: Bound, lower: Bool) -> Bool {
        let limit = Double(bound.mantissa) / Double(tenPowers[bound.scale])
        if lower { return bound.inclusive ? double >= limit : double > limit }
        return bound.inclusive ? double <= limit : double < limit
    }

    /// A limit on a number, exact: `mantissa / 10^scale`, inclusive or not.
    public struct Bound: Sendable, Hashable, CustomStringConvertible {
        public let mantissa: Int64
        public let scale: Int
        public let inclusive: Bool

        public init(mantissa: Int64, scale: Int = 0, inclusive: Bool = true) {
            self.mantissa = mantissa
            self.scale = scale
            self.inclusive = inclusive
        }

        /// Parses `>0`, `>=0.5`, `<=100`, `<1e3` (the configuration file's spelling); the
        /// comparison must match `lower` (`>`/`>=` for a minimum, `<`/`<=` for a maximum).
        public init?(_ text: String, lower: Bool) {
            let operators = lower ? [">=", ">"] : ["<=", "<"]
            guard let op = operators.first(where: { text.hasPrefix($0) }) else { return nil }
            var number = String(text.dropFirst(op.count)).trimmingSpaces
            guard let (mantissa, scale) = Self.parseNumber(&number) else { return nil }
            self.init(mantissa: mantissa, scale: scale, inclusive: op.count == 2)
        }

        /// The smallest scale that holds the text exactly, up to 18.
        private static func parseNumber(_ text: inout String) -> (Int64, Int)? {
            for scale in 0...18 {
                let result = text.withUTF8 { DecimalParser.parse($0, scale: scale) }
                if case .success(let mantissa) = result { return (mantissa, scale) }
            }
            return nil
        }

        /// Whether `value` (a mantissa at `scale`) is on the allowed side of the bound, for a
        /// lower bound if `lower`.
        public func admits(_ value: Int64, scale valueScale: Int, lower: Bool) -> Bool {
            let common = max(scale, valueScale)
            let a = Int128(value) * Int128(tenPowers[common - valueScale])
            let b = Int128(mantissa) * Int128(tenPowers[common - scale])
            if lower { return inclusive ? a >= b : a > b }
            return inclusive ? a <= b : a < b
        }

        public var description: String {
            let digits = String(mantissa.magnitude)
            var text: String
            if scale == 0 {
                text = digits
            } else {
                let padded = String(repeating: "0", count: max(0, scale + 1 - digits.count)) + digits
                text = String(padded.dropLast(scale)) + "." + String(padded.suffix(scale))
            }
            if mantissa < 0 { text = "-" + text }
            return text
        }
    }
}

extension String {
    fileprivate var trimmingSpaces: String {
        String(drop { $0 == " " }.reversed().drop { $0 == " " }.reversed())
    }
}

/// A schema that cannot be used as written, or a change to a stored table that would lose or
/// reinterpret data: names the table, the column (when one is at fault) and the problem.
public struct SchemaError: Error, Sendable, Hashable, CustomStringConvertible {
    public let table: String
    public let column: String?
    public let problem: String

    public init(table: String, column: String?, problem: String) {
        self.table = table
        self.column = column
        self.problem = problem
    }

    public var description: String {
        "table \(table)" + (column.map { ", column \($0)" } ?? "") + ": " + problem
    }
}

extension SchemaColumn {
    /// Refuses `lane` when it lies outside the column's bounds (a float64 compared as its value,
    /// other kinds exactly at their scale). A lower bound of zero is the price and quantity rule
    /// and is said as such (``ValidationError/Rule/negative``, ``ValidationError/Rule/nonPositive``).
    /// - Parameter text: the value as the input gave it, for the error.
    public func checkBounds(_ lane: Int64, text: () -> String) throws(ValidationError) {
        guard !rules.admits(lane, kind: kind) else { return }
        if case .float64 = kind {
            let double = Double(bitPattern: UInt64(bitPattern: lane))
            if let minimum = rules.minimum, !ColumnRules.admits(double, minimum, lower: true) {
                throw ValidationError(field: name, value: text(), rule: .outOfRange, detail: "at least \(minimum)")
            }
            throw ValidationError(
                field: name, value: text(), rule: .outOfRange, detail: "at most \(rules.maximum?.description ?? "")")
        }
        if let minimum = rules.minimum, !minimum.admits(lane, scale: kind.scale, lower: true) {
            let rule: ValidationError.Rule =
                minimum.mantissa != 0 ? .outOfRange : minimum.inclusive ? .negative : .nonPositive
            throw ValidationError(
                field: name, value: text(), rule: rule,
                detail: (minimum.inclusive ? "at least " : "greater than ") + minimum.description)
        }
        if let maximum = rules.maximum, !maximum.admits(lane, scale: kind.scale, lower: false) {
            throw ValidationError(
                field: name, value: text(), rule: .outOfRange,
                detail: (maximum.inclusive ? "at most " : "less than ") + maximum.description)
        }
    }
}
