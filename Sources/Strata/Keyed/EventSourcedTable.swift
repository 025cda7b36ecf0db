import Dispatch
public import StrataCore
import StrataEngine
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// State whose every change is an event (orders, jobs, active anomalies): the logic of a keyed
/// state table (ARCHITECTURE.md: "every change is an immutable event in a time-series table, and
/// the current state is kept in memory, indexed, rebuilt on open from a snapshot plus the events
/// after it").
public protocol EventSourcedState: SnapshotState, Sendable {
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

/// Where a keyed state table keeps its snapshot, and how often it writes one.
struct SnapshotSettings: Sendable {
    /// The snapshot file (`<store>/snapshots/<table>.snapshot`).
    var path: String
    /// Events after which a new snapshot is written in the background (0: only at close).
    var interval: Int
}

/// How a keyed state table was rebuilt when its store opened.
public struct KeyedStateRecovery: Sendable, Hashable, CustomStringConvertible {
    public enum Snapshot: Sendable, Hashable {
        /// No snapshot (none written yet, or the store never closed since the table began).
        case missing
        /// The snapshot covering the events up to `sequence` was read.
        case loaded(sequence: Int64)
        /// A snapshot was found but not used (damaged, of another version or state); every event
        /// was replayed instead, and an incident records why.
        case rejected(reason: String)
    }

    /// The event table.
    public var table: String
    public var snapshot: Snapshot
    /// Events read from the table and applied on top of the snapshot (or of nothing).
    public var eventsReplayed: Int
    /// The newest event's sequence number after opening.
    public var sequence: Int64
    /// How long rebuilding the state took.
    public var duration: Duration

    public init(
        table: String, snapshot: Snapshot, eventsReplayed: Int, sequence: Int64, duration: Duration
    ) {
        self.table = table
        self.snapshot = snapshot
        self.eventsReplayed = eventsReplayed
        self.sequence = sequence
        self.duration = duration
    }

    /// The state kept by the backend (``StorageBackend/keyedState``): nothing was rebuilt.
    static func kept(by table: String) -> KeyedStateRecovery {
        KeyedStateRecovery(table: table, snapshot: .missing, eventsReplayed: 0, sequence: 0, duration: .zero)
    }

    public var description: String {
        let from =
            switch snapshot {
            case .missing: "no snapshot"
            case .loaded(let sequence): "snapshot at seq \(sequence)"
            case .rejected(let reason): "snapshot rejected (\(reason))"
            }
        return "\(table): \(from), \(eventsReplayed) events replayed, at seq \(sequence) in \(duration)"
    }
}

/// Keeps an ``EventSourcedState`` in a table: each operation runs on a copy of the state, its
/// events are appended as one batch (the table's WAL, the store's durability), and only then does
/// the state change. So the state after a crash is that of the acknowledged operations, nothing
/// more. Operations are serialized; reads see the state between operations.
///
/// Opening reads the last snapshot (``SnapshotFile``: the state at some `seq`, checksummed) and
/// applies the events after it in `seq` order; without a usable snapshot it applies every event.
/// A snapshot is written in the background every ``SnapshotSettings/interval`` events and at
/// ``close()``, after the table is flushed, so it never covers an event the table could lose.
final class EventSourcedTable<State: EventSourcedState>: Sendable {
    private struct Current: Sendable {
        var state: State
        var sequence: Int64
        /// Set when a refused append could not be undone by a rebuild (the table could not be
        /// read either): the state may hold unacknowledged events until a rebuild succeeds.
        var needsRebuild = false
        /// Events since the last snapshot written (or read).
        var sinceSnapshot = 0
        /// A background snapshot is being written.
        var snapshotting = false
        var closed = false
    }

    let table: DynamicTable
    /// The state before any event (its configuration), what a rebuild replays onto.
    private let initial: State
    private let current: Mutex<Current>
    private let snapshots: SnapshotSettings?
    private let incidents: IncidentLog?
    /// Runs the background snapshots, one at a time.
    private let snapshotQueue = DispatchQueue(label: "strata.snapshots")
    /// How opening went.
    let recovery: KeyedStateRecovery
    /// Called with the rows of each operation after they are stored (in `seq` order) and the
    /// state after them, before the operation returns (the store's audit trail). Runs under the
    /// table's operation lock, so calls come in `seq` order; it cannot refuse (what it fails to
    /// do is its own incident: the events are stored).
    private let committed: (@Sendable ([Row], State) -> Void)?

    /// Opens the state whose events `table` holds: its snapshot (if `snapshots` names one and it
    /// is sound) plus the later events, applied onto `initial` (the state's configuration).
    /// - Throws: ``StrataError`` `.invalidArgument` for a table of another schema, `.corruptFile`
    ///   for a row that is not an event; what reading throws. A damaged snapshot is not an error:
    ///   it is ignored (and recorded in `incidents`).
    init(
        table: DynamicTable, initial: State = State(), snapshots: SnapshotSettings? = nil,
        incidents: IncidentLog? = nil, committed: (@Sendable ([Row], State) -> Void)? = nil
    ) throws {
        guard table.schema.storageColumns == State.eventSchema.storageColumns else {
            throw StrataError(
                .invalidArgument,
                "\(table.name) is not a \(State.eventSchema.name) table (declare it with its eventSchema)")
        }
        self.table = table
        self.initial = initial
        self.snapshots = snapshots
        self.incidents = incidents
        self.committed = committed
        let clock = ContinuousClock()
        let started = clock.now
        let loaded = try Self.load(table, onto: initial, snapshots: snapshots, incidents: incidents)
        current = Mutex(
            Current(state: loaded.state, sequence: loaded.sequence, sinceSnapshot: loaded.eventsReplayed))
        recovery = KeyedStateRecovery(
            table: table.name, snapshot: loaded.snapshot, eventsReplayed: loaded.eventsReplayed,
            sequence: loaded.sequence, duration: clock.now - started)
    }

    /// The state `table`'s events make: its snapshot (if `snapshots` names a sound one) plus the
    /// later events in `seq` order, applied onto `initial`. A damaged snapshot is ignored and,
    /// with `incidents`, recorded.
    private static func load(
        _ table: DynamicTable, onto initial: State, snapshots: SnapshotSettings?, incidents: IncidentLog?
    ) throws -> (state: State, sequence: Int64, eventsReplayed: Int, snapshot: KeyedStateRecovery.Snapshot) {
        var state = initial
        var covered: Int64 = 0
        var status = KeyedStateRecovery.Snapshot.missing
        if let snapshots {
            try? FileSystem.remove(snapshots.path + ".tmp")  // a write cut short by a crash
            if FileSystem.exists(snapshots.path) {
                do {
                    (state, covered) = try SnapshotFile.read(snapshots.path, initial: initial)
                    status = .loaded(sequence: covered)
                } catch {
                    state = initial
                    covered = 0
                    status = .rejected(reason: "\(error)")
                    incidents?.record(
                        Incident(
                            kind: .damagedFile, time: WallClock.now(), table: table.name, path: snapshots.path,
                            detail: "snapshot ignored (\(error)); the state was rebuilt from every event"))
                }
            }
        }
        let (events, newest) = try Self.events(in: table, after: covered)
        for (_, event) in events { state.apply(event) }
        if newest < covered {
            incidents?.record(
                Incident(
                    kind: .recoveryCut, time: WallClock.now(), table: table.name, path: snapshots?.path,
                    detail:
                        "the table's events end at seq \(newest) but its snapshot covers seq \(covered): events \(newest + 1)…\(covered) are in the snapshot only"
                ))
        }
        return (state, max(newest, covered), events.count, status)
    }

    /// The events of `table` whose `seq` is above `covered`, in `seq` order, and the highest `seq`
    /// stored. Rows are read as lanes and only those past `covered` are decoded.
    private static func events(in table: DynamicTable, after covered: Int64) throws -> ([(Int64, State.Event)], Int64) {
        guard let seqLane = table.columns.firstIndex(where: { $0.name == "seq" }) else {
            throw StrataError(.invalidArgument, "\(table.name) has no seq column")
        }
        var events: [(Int64, State.Event)] = []
        var newest: Int64 = 0
        for symbol in table.symbols() {
            let all = try table.access.reading {
                try table.access.table.range(symbol: symbol.name, from: .min, to: .max, limit: .max)
            }
            let sequences = all.columns[seqLane]
            var later: [Int] = []
            for (row, sequence) in sequences.enumerated() {
                newest = max(newest, sequence)
                if sequence > covered { later.append(row) }
            }
            guard !later.isEmpty else { continue }
            var selected = RowSet(columns: all.columns.map { lane in later.map { lane[$0] } })
            selected.texts = all.texts
            for row in table.decode(selected, symbol) {
                guard case .integer(let sequence)? = row["seq"], let event = State.event(from: row) else {
                    throw StrataError(.corruptFile, "\(table.name): a row that is not an event: \(row)")
                }
                events.append((sequence, event))
            }
        }
        events.sort { $0.0 < $1.0 }
        return (events, newest)
    }

    /// Runs `operation` on a copy of the state; logs the events it returns, then keeps the copy.
    /// - Returns: the events and the state after them.
    @discardableResult
    func perform(_ operation: (inout State) throws -> [State.Event]) throws -> (events: [State.Event], state: State) {
        let (result, snapshotDue) = try current.withLock { current in
            if current.needsRebuild { try rebuild(&current) }
            let previous = current.state
            var next = previous
            let events = try operation(&next)
            guard !events.isEmpty else { return ((events, next), false) }
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
            committed?(rows, next)
            return ((events, next), countTowardSnapshot(&current, events: events.count))
        }
        if snapshotDue { snapshotQueue.async { self.writeSnapshot() } }
        return result
    }

    /// The in-place form of ``perform(_:)``, without its copy of the state (which costs the whole
    /// state on every operation once it is shared): `operation` changes the state in place and
    /// records each event with its row (``EventSourcedState/row(for:previous:)``, made while the
    /// state it needs is at hand) in `log`; the rows are appended as one batch (one WAL frame:
    /// all of them survive a crash or none), then `seq` moves on.
    ///
    /// `operation` must leave the state as it found it when it throws (the operations of
    /// `OrderRegistry` and `JobQueue` check before they change anything); if it throws after
    /// recording events anyway, or if the append fails, the state is rebuilt from the table (its
    /// snapshot and events), which holds exactly the acknowledged events.
    /// - Returns: what `operation` returns.
    func record<T>(_ operation: (inout State, inout EventLog<State>) throws -> T) throws -> T {
        let (result, snapshotDue) = try current.withLock { current in
            if current.needsRebuild { try rebuild(&current) }
            var log = EventLog<State>()
            let result: T
            do {
                result = try operation(&current.state, &log)
            } catch {
                if log.count > 0 { try? rebuild(&current) }
                throw error
            }
            guard log.count > 0 else { return (result, false) }
            var sequence = current.sequence
            var stored: [Row] = []
            do {
                if var columns = log.columns, log.rows.isEmpty {
                    columns.set("seq", .integers(Array(sequence + 1...sequence + Int64(columns.count))))
                    sequence += Int64(columns.count)
                    guard let batch = try table.encode(columns) else { return (result, false) }
                    _ = try table.store(batch)
                    if committed != nil { stored = table.rows(of: batch) }
                } else {
                    precondition(log.columns == nil, "an operation gave both rows and columns")
                    for index in log.rows.indices {
                        sequence += 1
                        log.rows[index].values["seq"] = .integer(sequence)
                    }
                    try table.appendNow(log.rows)
                    stored = log.rows
                }
            } catch {
                try? rebuild(&current)
                throw error
            }
            current.sequence = sequence
            committed?(stored, current.state)
            return (result, countTowardSnapshot(&current, events: log.count))
        }
        if snapshotDue { snapshotQueue.async { self.writeSnapshot() } }
        return result
    }

    /// Counts `events` logged since the last snapshot; true (and marked as being written) when
    /// the next snapshot is due.
    private func countTowardSnapshot(_ current: inout Current, events: Int) -> Bool {
        current.sinceSnapshot += events
        guard let interval = snapshots?.interval, interval > 0, current.sinceSnapshot >= interval,
            !current.snapshotting, !current.closed
        else { return false }
        current.snapshotting = true
        return true
    }

    /// Replaces the state with the one the table makes (after a refused append): its snapshot
    /// and the events after it.
    private func rebuild(_ current: inout Current) throws {
        current.needsRebuild = true
        let loaded = try Self.load(table, onto: initial, snapshots: snapshots, incidents: nil)
        current.state = loaded.state
        current.sequence = loaded.sequence
        current.sinceSnapshot = loaded.eventsReplayed
        current.needsRebuild = false
    }

    /// Changes the state without an event (what is not logged: a queue's retry policy).
    func configure(_ body: (inout State) -> Void) { current.withLock { body(&$0.state) } }

    /// Reads the current state.
    func read<T>(_ body: (State) -> T) -> T { current.withLock { body($0.state) } }

    /// The events of `symbol` that `matches`, in `seq` order, read back from the table.
    func events(symbol: Symbol, where matches: (Row) -> Bool) throws -> [State.Event] {
        try table.rangeNow(symbol: symbol, from: .min, to: .max).filter(matches)
            .sorted { ($0["seq"]?.integerValue ?? 0) < ($1["seq"]?.integerValue ?? 0) }
            .compactMap(State.event(from:))
    }

    /// Writes a snapshot of the state as it is now (after flushing the table, so that every
    /// event it covers is durable). A failure is recorded as an incident; the previous snapshot
    /// stays. Returns whether one was written.
    @discardableResult
    func writeSnapshot() -> Bool {
        guard let snapshots else { return false }
        let (state, sequence, pending) = current.withLock { ($0.state, $0.sequence, $0.sinceSnapshot) }
        defer { current.withLock { $0.snapshotting = false } }
        do {
            try table.access.table.flush()
            try SnapshotFile.write(state, sequence: sequence, to: snapshots.path)
            current.withLock { $0.sinceSnapshot -= pending }
            return true
        } catch {
            incidents?.record(
                Incident(
                    kind: .damagedFile, time: WallClock.now(), table: table.name, path: snapshots.path,
                    detail: "a snapshot could not be written (\(error)); the previous one stays"))
            return false
        }
    }

    /// Writes a snapshot now, after any being written in the background (what retention does
    /// before it drops old events). Returns whether it was written (false without snapshots).
    func snapshotNow() -> Bool {
        snapshotQueue.sync {
            current.withLock { $0.snapshotting = true }
            return writeSnapshot()
        }
    }

    /// Stops writing snapshots without a last one (what a crash leaves: tests of recovery).
    func closeWithoutSnapshot() {
        snapshotQueue.sync {}
        current.withLock { $0.closed = true }
    }

    /// Waits for a background snapshot, then writes a last one if events came after it (before
    /// the table closes). Later operations still work, without snapshots.
    func close() {
        snapshotQueue.sync {}
        let due = current.withLock { current in
            defer { current.closed = true }
            return !current.closed && current.sinceSnapshot > 0
        }
        if due { writeSnapshot() }
    }
}

/// A keyed state table's snapshot file: the state at a `seq`, checksummed.
///
/// ```
/// "STRATASN"  format(u32=1)  state name (count + UTF-8)  state version (u32)  seq (i64)
/// payload length (i64)  payload (the state's SnapshotState encoding)  CRC-32C of all before (u32)
/// ```
/// Written atomically (a temporary file, fsync, rename, fsync of the directory): a crash leaves
/// the old snapshot or the new one, never a part.
enum SnapshotFile {
    static let magic = Array("STRATASN".utf8)
    static let format: UInt32 = 1

    static func encode<State: EventSourcedState>(_ state: State, sequence: Int64) -> [UInt8] {
        var payload = SnapshotWriter()
        state.writeSnapshot(into: &payload)
        var file = SnapshotWriter(capacity: payload.bytes.count + 64)
        for byte in magic { file.write(byte) }
        file.write(format)
        file.write(State.eventSchema.name)
        file.write(State.snapshotVersion)
        file.write(sequence)
        file.write(Int64(payload.bytes.count))
        var bytes = file.bytes + payload.bytes
        let crc = bytes.withUnsafeBytes { CRC32C.checksum($0) }
        for shift in stride(from: 0, to: 32, by: 8) { bytes.append(UInt8(truncatingIfNeeded: crc >> UInt32(shift))) }
        return bytes
    }

    static func write<State: EventSourcedState>(_ state: State, sequence: Int64, to path: String) throws {
        try FileSystem.createDirectory(FileSystem.directory(of: path))
        try FileSystem.writeAtomically(path, chunks: [encode(state, sequence: sequence)])
    }

    /// The state and `seq` a snapshot holds.
    /// - Throws: ``StrataError`` `.io`; ``SnapshotError`` for bytes that are not a sound snapshot
    ///   of `State` (checksum, magic, format, state, version, payload).
    static func read<State: EventSourcedState>(_ path: String, initial: State) throws -> (State, Int64) {
        try decode(try FileDescriptor(path: path, flags: O_RDONLY).readAll(), initial: initial)
    }

    static func decode<State: EventSourcedState>(_ bytes: [UInt8], initial: State) throws(SnapshotError) -> (
        State, Int64
    ) {
        guard bytes.count >= magic.count + 4, Array(bytes[0..<magic.count]) == magic else {
            throw SnapshotError(offset: 0, "not a snapshot file")
        }
        let body = bytes.count - 4
        let stored = bytes[body...].enumerated().reduce(UInt32(0)) { $0 | UInt32($1.element) << UInt32($1.offset * 8) }
        let crc = bytes.withUnsafeBytes { CRC32C.checksum(UnsafeRawBufferPointer(rebasing: $0[0..<body])) }
        guard crc == stored else {
            throw SnapshotError(offset: body, "checksum \(hex(crc)) does not match the stored \(hex(stored))")
        }
        var reader = SnapshotReader(Array(bytes[0..<body]), offset: magic.count)
        let format = try reader.readUInt32()
        guard format == Self.format else {
            throw reader.error("snapshot format \(format), this build reads \(Self.format)")
        }
        let name = try reader.readString()
        guard name == State.eventSchema.name else {
            throw reader.error("a snapshot of \(name), not of \(State.eventSchema.name)")
        }
        let version = try reader.readUInt32()
        guard version == State.snapshotVersion else {
            throw reader.error("state version \(version), this build writes \(State.snapshotVersion)")
        }
        let sequence = try reader.readInt64()
        guard sequence >= 0 else { throw reader.error("a negative seq \(sequence)") }
        let length = try reader.readInt64()
        guard length == Int64(body - reader.offset) else {
            throw reader.error("a payload of \(length) bytes where \(body - reader.offset) remain")
        }
        var state = initial
        try state.readSnapshot(from: &reader)
        guard reader.isAtEnd else { throw reader.error("bytes after the state") }
        return (state, sequence)
    }

    private static func hex(_ value: UInt32) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: 8 - digits.count) + digits
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
