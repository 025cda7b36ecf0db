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
        /// Set when a refused append could not be undone by a rebuild (the table could not be
        /// read either): the state may hold unacknowledged events until a rebuild succeeds.
        var needsRebuild = false
    }

    let table: DynamicTable
    /// The state before any event (its configuration), what a rebuild replays onto.
    private let initial: State
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
        self.initial = initial
        let (state, sequence) = try Self.replay(table, onto: initial)
        current = Mutex(Current(state: state, sequence: sequence))
    }

    /// The state `table`'s events make, replayed in `seq` order onto `initial`, and the last `seq`.
    private static func replay(_ table: DynamicTable, onto initial: State) throws -> (State, Int64) {
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
        return (state, events.last?.0 ?? 0)
    }

    /// Runs `operation` on a copy of the state; logs the events it returns, then keeps the copy.
    /// - Returns: the events and the state after them.
    @discardableResult
    func perform(_ operation: (inout State) throws -> [State.Event]) throws -> (events: [State.Event], state: State) {
        try current.withLock { current in
            if current.needsRebuild { try rebuild(&current) }
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

    /// The in-place form of ``perform(_:)``, without its copy of the state (which costs the whole
    /// state on every operation once it is shared): `operation` changes the state in place and
    /// records each event with its row (``EventSourcedState/row(for:previous:)``, made while the
    /// state it needs is at hand) in `log`; the rows are appended as one batch (one WAL frame:
    /// all of them survive a crash or none), then `seq` moves on.
    ///
    /// `operation` must leave the state as it found it when it throws (the operations of
    /// `OrderRegistry` and `JobQueue` check before they change anything); if it throws after
    /// recording events anyway, or if the append fails, the state is rebuilt from the table, which
    /// holds exactly the acknowledged events.
    /// - Returns: what `operation` returns.
    func record<T>(_ operation: (inout State, inout EventLog<State>) throws -> T) throws -> T {
        try current.withLock { current in
            if current.needsRebuild { try rebuild(&current) }
            var log = EventLog<State>()
            let result: T
            do {
                result = try operation(&current.state, &log)
            } catch {
                if log.count > 0 { try? rebuild(&current) }
                throw error
            }
            guard log.count > 0 else { return result }
            var sequence = current.sequence
            do {
                if var columns = log.columns, log.rows.isEmpty {
                    columns.set("seq", .integers(Array(sequence + 1...sequence + Int64(columns.count))))
                    sequence += Int64(columns.count)
                    try table.appendNow(columns)
                } else {
                    precondition(log.columns == nil, "an operation gave both rows and columns")
                    for index in log.rows.indices {
                        sequence += 1
                        log.rows[index].values["seq"] = .integer(sequence)
                    }
                    try table.appendNow(log.rows)
                }
            } catch {
                try? rebuild(&current)
                throw error
            }
            current.sequence = sequence
            return result
        }
    }

    /// Replaces the state with the one the table's events make (after a refused append).
    private func rebuild(_ current: inout Current) throws {
        current.needsRebuild = true
        (current.state, current.sequence) = try Self.replay(table, onto: initial)
        current.needsRebuild = false
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

/// The events an operation of ``EventSourcedTable/record(_:)`` made, with their rows, in order.
struct EventLog<State: EventSourcedState> {
    private(set) var events: [State.Event] = []
    fileprivate(set) var rows: [Row] = []
    /// The events' rows as columns, without `seq` (a group's rows without a dictionary each),
    /// when the operation builds them so: then it records its events with ``append(columnar:)``
    /// only, and ``rows`` stays empty.
    var columns: TableColumns?

    /// Records `event`, whose row the operation added to ``columns``.
    mutating func append(columnar event: State.Event) { events.append(event) }

    /// Rows to append.
    var count: Int { rows.count + (columns?.count ?? 0) }

    /// Records `event`, stored as `row` (its `seq` is set when the log is appended).
    mutating func append(_ event: State.Event, row: Row) {
        events.append(event)
        rows.append(row)
    }

    /// Records `event` after it was applied to `state` (its row made from the state after it,
    /// which holds everything an event that does not remove a key needs).
    mutating func append(_ event: State.Event, after state: State) {
        append(event, row: state.row(for: event, previous: state))
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
