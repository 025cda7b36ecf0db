import StrataCore

/// An ``EngineTable/AggregateRequest`` resolved against a schema: which columns to decode (the
/// *slots*), and for each function the slots it reads and how to type its result.
struct AggregatePlan: Sendable {
    /// How a column's lanes are read.
    enum Kind: Sendable, Equatable {
        case integer
        case decimal(scale: Int)
        case float
    }

    enum Operation: Sendable, Equatable { case count, sum, min, max, first, last, vwap }

    struct Step: Sendable {
        var operation: Operation
        /// The slot of the column read (the price for VWAP); unused by count.
        var slot: Int
        /// The quantity's slot for VWAP.
        var quantitySlot: Int
        var kind: Kind
    }

    var steps: [Step]
    /// The schema column of each slot.
    var columns: [Int]

    /// - Parameter anyColumn: read every column as integer lanes (``EngineTable/summarize(column:)``
    ///   sums whatever lanes it is given).
    /// - Throws: ``StrataError`` `.invalidArgument` naming an unknown or non-numeric column.
    init(_ functions: [EngineTable.AggregateFunction], schema: TableSchema, anyColumn: Bool = false) throws {
        var columns: [Int] = []
        var kinds: [Kind] = []
        func slot(_ name: String, exact: Bool = false) throws -> (Int, Kind) {
            guard let column = schema.columns.firstIndex(where: { $0.name == name }) else {
                throw StrataError(.invalidArgument, "table \(schema.name) has no column \(name)")
            }
            let kind: Kind
            switch schema.columns[column].type {
            case .text:
                throw StrataError(
                    .invalidArgument,
                    "column \(name) of table \(schema.name) is text: aggregates need int64, int8, decimal or float64")
            case _ where anyColumn: kind = .integer
            case .int64, .int8: kind = .integer
            case .decimal(let scale): kind = .decimal(scale: scale)
            case .float64:
                guard !exact else {
                    throw StrataError(
                        .invalidArgument,
                        "column \(name) of table \(schema.name) is float64: VWAP needs integer or decimal columns")
                }
                kind = .float
            case let other:
                throw StrataError(
                    .invalidArgument,
                    "column \(name) of table \(schema.name) is not numeric (\(other)): aggregates need int64, int8, decimal or float64"
                )
            }
            if let existing = columns.firstIndex(of: column) { return (existing, kind) }
            columns.append(column)
            kinds.append(kind)
            return (columns.count - 1, kind)
        }
        var steps: [Step] = []
        for function in functions {
            switch function {
            case .count: steps.append(Step(operation: .count, slot: 0, quantitySlot: 0, kind: .integer))
            case .sum(let name): steps.append(try Self.step(.sum, slot(name)))
            case .min(let name): steps.append(try Self.step(.min, slot(name)))
            case .max(let name): steps.append(try Self.step(.max, slot(name)))
            case .first(let name): steps.append(try Self.step(.first, slot(name)))
            case .last(let name): steps.append(try Self.step(.last, slot(name)))
            case .vwap(let price, let quantity):
                let (priceSlot, kind) = try slot(price, exact: true)
                let (quantitySlot, _) = try slot(quantity, exact: true)
                steps.append(Step(operation: .vwap, slot: priceSlot, quantitySlot: quantitySlot, kind: kind))
            }
        }
        self.steps = steps
        self.columns = columns
        absent = columns.map { schema.columns[$0].optional ? schema.columns[$0].type.absent : nil }
        // A slot is answered from a block's statistics when every step reading it is an exact
        // sum, min or max (first and last need the values; VWAP needs Σ price × quantity).
        answeredByStatistics = columns.indices.map { slot in
            steps.allSatisfy { step in
                guard step.operation != .count else { return true }
                guard step.slot == slot || (step.operation == .vwap && step.quantitySlot == slot) else { return true }
                return [.sum, .min, .max].contains(step.operation) && step.kind != .float
            }
        }
    }

    /// Per slot: whether a whole block's statistics answer every step that reads it.
    var answeredByStatistics: [Bool]
    /// Per slot: the lane value of an absent value when the column is optional (such values are
    /// skipped: sum, min, max, first, last and VWAP are over the rows that have one).
    var absent: [Int64?]
    /// Whether some slot is an optional column (its rows are folded one by one, with their times).
    var hasOptional: Bool { absent.contains { $0 != nil } }

    private static func step(_ operation: Operation, _ resolved: (Int, Kind)) -> Step {
        Step(operation: operation, slot: resolved.0, quantitySlot: resolved.0, kind: resolved.1)
    }
}
