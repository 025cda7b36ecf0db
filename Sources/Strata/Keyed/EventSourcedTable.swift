public import StrataCore
import Synchronization

/// State whose every change is an event (orders, jobs, active anomalies): the logic of a keyed
/// state table (ARCHITECTURE.md: "every change is an immutable event in a time-series table, and
/// the current state is kept in memory, indexed, rebuilt on open").
public protocol EventSourcedState: Sendable {
    associatedtype Event: Sendable
    /// The event table's schema: a catalog table with an int64 `seq` column as its key (the
    /// store-wide order of the events), and the event's own columns.
    static var eventSchema: RecordSchema { get }
    init()
    /// Applies an event made by the state's own (checked) operations or read back from the log.
    mutating func apply(_ event: Event)
    /// The event as a row of ``eventSchema`` (without `seq`, which the table adds); `previous` is
    /// the state before the event, `self` the state after it.
    func row(for event: Event, previous: Self) -> Row
    /// The event a row holds, or nil if the row is not one.
    static func event(from row: Row) -> Event?
}

/// Keeps an ``EventSourcedState`` in a declared table: each operation runs on a copy of the
/// state, its events are appended as one batch (the table's WAL, the store's durability), and
/// only then does the state change; opening replays the table's events in `seq` order. So the
/// state after a crash is that of the acknowledged operations, nothing more. Operations are
/// serialized; reads see the state between operations.
final class EventSourcedTable<State: EventSourcedState>: Sendable {
    private struct Current: Sendable {
        var state: State
        var sequence: Int64
    }

    let table: DynamicTable
    private let current: Mutex<Current>

    /// Opens the state whose events `table` holds, replayed onto `initial` (its configuration).
    /// - Throws: ``StrataError`` `.invalidArgument` for a table of another schema, `.corruptFile`
    ///   for a row that is not an event; what reading throws.
    init(table: DynamicTable, initial: State = State()) throws {
        guard table.schema.storageColumns == State.eventSchema.storageColumns else {
            throw StrataError(
                .invalidArgument,
                "\(table.name) is not a \(State.eventSchema.name) table (declare it with its eventSchema)")
        }
        self.table = table
        var events: [(Int64, State.Event)] = []
        for symbol in table.symbols() {
            for row in try table.rangeNow(symbol: symbol, from: .min, to: .max) {
                guard case .integer(let sequence)? = row["seq"], let event = State.event(from: row) else {
                    throw StrataError(.corruptFile, "\(table.name): a row that is not an event: \(row)")
                }
                events.append((sequence, event))
            }
        }
        events.sort { $0.0 < $1.0 }
        var state = initial
        for (_, event) in events { state.apply(event) }
        current = Mutex(Current(state: state, sequence: events.last?.0 ?? 0))
    }

    /// Runs `operation` on a copy of the state; logs the events it returns, then keeps the copy.
    /// - Returns: the events and the state after them.
    @discardableResult
    func perform(_ operation: (inout State) throws -> [State.Event]) throws -> (events: [State.Event], state: State) {
        try current.withLock { current in
            let previous = current.state
            var next = previous
            let events = try operation(&next)
            guard !events.isEmpty else { return ([], next) }
            var rows: [Row] = []
            rows.reserveCapacity(events.count)
            var sequence = current.sequence
            for event in events {
                sequence += 1
                var row = next.row(for: event, previous: previous)
                row["seq"] = .integer(sequence)
                rows.append(row)
            }
            try table.appendNow(rows)
            current.state = next
            current.sequence = sequence
            return (events, next)
        }
    }

    /// Reads the current state.
    func read<T>(_ body: (State) -> T) -> T { current.withLock { body($0.state) } }

    /// The events of `symbol` that `matches`, in `seq` order, read back from the table.
    func events(symbol: Symbol, where matches: (Row) -> Bool) throws -> [State.Event] {
        try table.rangeNow(symbol: symbol, from: .min, to: .max).filter(matches)
            .sorted { ($0["seq"]?.integerValue ?? 0) < ($1["seq"]?.integerValue ?? 0) }
            .compactMap(State.event(from:))
    }
}

extension DynamicTable {
    /// Every row of `symbol` in `[from, to)`, read on the calling thread.
    func rangeNow(symbol: Symbol, from: Timestamp, to: Timestamp) throws -> [Row] {
        decode(
            try access.reading {
                try access.table.range(symbol: symbol.name, from: from.nanoseconds, to: to.nanoseconds, limit: .max)
            }, symbol)
    }
}

extension FieldValue {
    var integerValue: Int64? {
        if case .integer(let value) = self { return value }
        return nil
    }

    var textValue: String? {
        if case .text(let value) = self { return value }
        return nil
    }

    var timestampValue: Timestamp? {
        if case .timestamp(let value) = self { return value }
        return nil
    }

    /// A decimal read back at `D`'s scale (rows come back at their column's scale) as `D`.
    func fixed<D: FixedPointDecimal>(_ type: D.Type) -> D? {
        guard case .decimal(let amount) = self else { return nil }
        return amount.as(type)
    }

    /// A fixed-point value as a decimal field.
    static func fixed<D: FixedPointDecimal>(_ value: D) -> FieldValue {
        .decimal(ExactAmount(mantissa: Int128(value.mantissa), scale: D.scale))
    }
}
