import Foundation
import StrataTestSupport
import Testing

@testable import Strata

/// Snapshots of keyed state: a table reopened from its snapshot plus the events after it holds
/// the same state as a full replay of its events; a damaged snapshot is detected, ignored (every
/// event replayed) and recorded; a crash between writing a snapshot's temporary file and renaming
/// it leaves the previous snapshot in force.
@Suite struct KeyedSnapshotTests {
    /// The order events' columns under a name of their own (the store's own order table is not
    /// involved).
    static let schema: RecordSchema = {
        do {
            return try RecordSchema(
                name: "test_orders", columns: OrderRegistry.eventSchema.columns, timestamp: "ts", key: RecordKey("seq"))
        } catch {
            preconditionFailure("\(error)")
        }
    }()
    static let configuration = StrataStore.Configuration(
        durability: .osBuffered, aggregates: false, maintenanceInterval: nil, tables: [schema])
    static let t0 = Timestamp(nanoseconds: 1_719_792_000_000_000_000)

    struct Opened {
        let store: StrataStore
        let orders: EventSourcedTable<OrderRegistry>
    }

    static func open(_ directory: String, snapshots: Bool = true, interval: Int = 0) throws -> Opened {
        let store = try StrataStore.open(directory: directory, configuration: configuration)
        let table = try #require(store.table(named: "test_orders"))
        let settings = snapshots ? SnapshotSettings(path: directory + "/test.snapshot", interval: interval) : nil
        return Opened(
            store: store,
            orders: try EventSourcedTable(table: table, snapshots: settings, incidents: store.incidents))
    }

    /// Random operations on `orders` and on `model` alike (refused ones on both).
    static func work(
        _ orders: EventSourcedTable<OrderRegistry>, _ model: inout OrderRegistry, steps: Range<Int>,
        random: inout SplitMix64
    ) throws {
        func roll(_ n: UInt64) -> Int { Int(random.next() % n) }
        for step in steps {
            let time = t0.advanced(by: Int64(step) * 1_000_000)
            let nextID = Int64(model.all.map(\.id).max() ?? 0) + 1
            if roll(3) == 0 || nextID == 1 {
                let order = Order(
                    id: nextID + Int64(roll(2)), user: ["alice", "bob"][roll(2)],
                    symbol: ["BTCUSDT", "ETHUSDT"][roll(2)], side: .buy, type: .limit,
                    price: Price(mantissa: Int64(1 + roll(1_000)) * 1_000_000),
                    size: Quantity(mantissa: Int64(1 + roll(4)) * 100_000_000), createdAt: time)
                if (try? model.save(order)) != nil {
                    try orders.perform { [try $0.save(order)] }
                } else {
                    #expect(throws: OrderError.self) { try orders.perform { [try $0.save(order)] } }
                }
                continue
            }
            let id = Int64(1 + roll(UInt64(nextID)))
            let change: OrderChange =
                roll(3) == 0
                ? .cancel : .fill(quantity: Quantity(mantissa: 50_000_000), price: Price(mantissa: 7_000_000))
            if (try? model.update(id: id, change, at: time)) != nil {
                try orders.perform { [try $0.update(id: id, change, at: time)] }
            } else {
                #expect(throws: OrderError.self) { try orders.perform { [try $0.update(id: id, change, at: time)] } }
            }
        }
    }

    @Test(arguments: 1...3) func reopeningFromASnapshotAndLaterEventsEqualsAFullReplay(seed: Int) throws {
        let directory = makeTemporaryDirectory("strata-snapshot")
        defer { removeTree(directory) }
        var random = SplitMix64(seed: UInt64(seed))
        var model = OrderRegistry()
        var opened = try Self.open(directory, interval: 97)
        try Self.work(opened.orders, &model, steps: 0..<300, random: &random)
        // Closing writes a last snapshot; reopening reads it and replays nothing.
        opened.orders.close()
        try opened.store.close()
        opened = try Self.open(directory, interval: 97)
        let sequence = opened.orders.recovery.sequence
        #expect(opened.orders.recovery.snapshot == .loaded(sequence: sequence))
        #expect(opened.orders.recovery.eventsReplayed == 0)
        #expect(opened.orders.read(\.all) == model.all)
        // Later events, then a crash (no close of the keyed table: its snapshot stays behind).
        try Self.work(opened.orders, &model, steps: 300..<450, random: &random)
        try opened.store.close()
        opened = try Self.open(directory, interval: 0)
        guard case .loaded(let covered) = opened.orders.recovery.snapshot else {
            Issue.record("no snapshot read: \(opened.orders.recovery)")
            return
        }
        #expect(covered >= sequence, "background snapshots may have run")
        #expect(opened.orders.recovery.eventsReplayed == Int(opened.orders.recovery.sequence - covered))
        #expect(opened.orders.recovery.eventsReplayed > 0)
        #expect(opened.orders.read(\.all) == model.all)
        for user in ["alice", "bob"] {
            #expect(opened.orders.read { $0.openOrders(user: user) } == model.openOrders(user: user))
        }
        let withSnapshot = opened.orders.read { $0 }
        try opened.store.close()
        // Without the snapshot: every event replayed, the same state.
        opened = try Self.open(directory, snapshots: false)
        #expect(opened.orders.recovery.snapshot == .missing)
        #expect(opened.orders.read(\.all) == withSnapshot.all)
        #expect(opened.orders.recovery.eventsReplayed == Int(opened.orders.recovery.sequence))
        try opened.store.close()
    }

    @Test(arguments: 1...3) func aDamagedSnapshotIsIgnoredAndRecordedNeverBelieved(seed: Int) throws {
        let directory = makeTemporaryDirectory("strata-snapshot-damage")
        defer { removeTree(directory) }
        var random = SplitMix64(seed: UInt64(seed))
        var model = OrderRegistry()
        var opened = try Self.open(directory)
        try Self.work(opened.orders, &model, steps: 0..<200, random: &random)
        opened.orders.close()
        try opened.store.close()
        let path = directory + "/test.snapshot"
        let good = try Self.readFile(path)
        var damages: [(String, [UInt8])] = []
        for _ in 0..<6 {
            var flipped = good
            let at = Int(random.next() % UInt64(good.count))
            flipped[at] ^= UInt8(1 << (random.next() % 8))
            damages.append(("bit flip at \(at)", flipped))
        }
        damages.append(("cut", Array(good.prefix(good.count / 2))))
        damages.append(("empty", []))
        damages.append(("another state", Array(good.prefix(8)) + [0, 0, 0, 0] + Array(good.dropFirst(12))))
        for (damage, bytes) in damages {
            try Self.writeFile(path, bytes)
            opened = try Self.open(directory)
            guard case .rejected = opened.orders.recovery.snapshot else {
                Issue.record("\(damage): the snapshot was believed: \(opened.orders.recovery)")
                try opened.store.close()
                continue
            }
            #expect(opened.orders.read(\.all) == model.all, "\(damage): rebuilt from every event")
            #expect(opened.orders.recovery.eventsReplayed == Int(opened.orders.recovery.sequence))
            #expect(
                opened.store.incidents.open.contains { $0.path == path && $0.detail.contains("snapshot ignored") },
                "\(damage): recorded")
            #expect(try opened.store.acknowledgeIncidents() >= 1)
            try opened.store.close()
        }
    }

    @Test func aCrashBetweenTheTemporaryFileAndTheRenameLeavesThePreviousSnapshot() throws {
        let directory = makeTemporaryDirectory("strata-snapshot-crash")
        defer { removeTree(directory) }
        var random = SplitMix64(seed: 9)
        var model = OrderRegistry()
        var opened = try Self.open(directory)
        try Self.work(opened.orders, &model, steps: 0..<100, random: &random)
        opened.orders.close()
        let first = opened.orders.read { $0 }
        try opened.store.close()
        opened = try Self.open(directory)
        let covered = opened.orders.recovery.sequence
        try Self.work(opened.orders, &model, steps: 100..<200, random: &random)
        // The next snapshot got as far as its temporary file (whole, or cut) and no further.
        let next = SnapshotFile.encode(opened.orders.read { $0 }, sequence: covered + 100)
        try opened.store.close()
        for partial in [next, Array(next.prefix(next.count / 3))] {
            try Self.writeFile(directory + "/test.snapshot.tmp", partial)
            opened = try Self.open(directory)
            #expect(opened.orders.recovery.snapshot == .loaded(sequence: covered))
            #expect(opened.orders.read(\.all) == model.all, "the previous snapshot plus the later events")
            #expect(
                !FileManager.default.fileExists(atPath: directory + "/test.snapshot.tmp"), "the leftover is removed")
            #expect(opened.store.incidents.open.isEmpty)
            try opened.store.close()
        }
        #expect(first.all != model.all, "the later events changed the state")
    }

    static func readFile(_ path: String) throws -> [UInt8] { Array(try Data(contentsOf: URL(fileURLWithPath: path))) }

    static func writeFile(_ path: String, _ bytes: [UInt8]) throws {
        try Data(bytes).write(to: URL(fileURLWithPath: path))
    }
}

/// Open time of a keyed state table with 1 M events, with and without a snapshot (run with
/// `STRATA_SNAPSHOT_MEASURE=1 swift test --filter KeyedSnapshotMeasurement`; it prints the figures).
@Suite struct KeyedSnapshotMeasurement {
    @Test(.enabled(if: ProcessInfo.processInfo.environment["STRATA_SNAPSHOT_MEASURE"] != nil))
    func openTimeWithAMillionEvents() throws {
        let directory = makeTemporaryDirectory("strata-snapshot-measure")
        defer { removeTree(directory) }
        var opened = try KeyedSnapshotTests.open(directory, interval: 0)
        let t0 = KeyedSnapshotTests.t0
        let clock = ContinuousClock()
        let started = clock.now
        // 500 k orders and a fill each, 1 000 events an operation.
        for batch in 0..<500 {
            try opened.orders.perform { registry in
                var events: [OrderEvent] = []
                for index in 0..<1_000 {
                    let id = Int64(batch * 1_000 + index + 1)
                    let time = t0.advanced(by: id * 1_000)
                    events.append(
                        try registry.save(
                            Order(
                                id: id, user: "user\(id % 1_000)", symbol: id % 2 == 0 ? "BTCUSDT" : "ETHUSDT",
                                side: .buy, type: .limit, price: Price(mantissa: 6_400_000_000_000),
                                size: Quantity(mantissa: 200_000_000), createdAt: time)))
                }
                for index in 0..<1_000 {
                    let id = Int64(batch * 1_000 + index + 1)
                    events.append(
                        try registry.update(
                            id: id,
                            .fill(quantity: Quantity(mantissa: 100_000_000), price: Price(mantissa: 6_400_000_000_000)),
                            at: t0.advanced(by: id * 1_000 + 1)))
                }
                return events
            }
        }
        let written = clock.now - started
        let state = opened.orders.read { $0 }
        try opened.store.close()
        opened = try KeyedSnapshotTests.open(directory, snapshots: false)
        let replay = opened.orders.recovery
        #expect(replay.eventsReplayed == 1_000_000)
        #expect(opened.orders.read(\.all) == state.all)
        try opened.store.close()
        opened = try KeyedSnapshotTests.open(directory, interval: 0)
        let writeStarted = clock.now
        opened.orders.close()  // writes the snapshot (every event since open)
        let snapshotWrite = clock.now - writeStarted
        try opened.store.close()
        let bytes =
            (try? FileManager.default.attributesOfItem(atPath: directory + "/test.snapshot")[.size] as? Int) ?? 0
        opened = try KeyedSnapshotTests.open(directory, interval: 0)
        let fromSnapshot = opened.orders.recovery
        #expect(fromSnapshot.eventsReplayed == 0)
        #expect(opened.orders.read(\.all) == state.all)
        try opened.store.close()
        print(
            """
            keyed state, 1 M order events (500 k orders): written in \(written)
              full replay:   \(replay)
              snapshot write \(snapshotWrite), \(bytes) bytes
              from snapshot: \(fromSnapshot)
            """)
    }
}
