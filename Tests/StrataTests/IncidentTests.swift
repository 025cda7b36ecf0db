import Foundation
import Strata
import StrataTestSupport
import Testing

/// Damage is loud and stays loud: what recovery cuts and what reads find damaged become
/// incidents, kept across restarts until an operator acknowledges them, and health is degraded
/// meanwhile.
@Suite struct IncidentTests {
    static let day = Timestamp.nanosecondsPerDay
    static let start: Int64 = 1_717_200_000_000_000_000  // 2024-06-01

    func trades(_ ids: Range<Int>, day: Int64 = 0) -> [Trade] {
        ids.map { i in
            Trade(
                symbol: "BTCUSDT",
                timestamp: Timestamp(nanoseconds: Self.start + day * Self.day + Int64(i) * 1_000_000),
                tradeID: Int64(i), price: Price(mantissa: 6_400_000_000 + Int64(i)), quantity: Quantity(mantissa: 25),
                isBuyerMaker: i % 2 == 0)
        }
    }

    func walSegments(_ directory: String) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: directory + "/trades/wal").filter { $0.hasSuffix(".wal") }
            .sorted().map { directory + "/trades/wal/" + $0 }
    }

    /// A flipped byte in the middle of the WAL: the open report, the incident (with bytes cut),
    /// health degraded — also after a restart — until acknowledged.
    @Test func recoveryCutIsAnIncidentUntilAcknowledged() async throws {
        let directory = temporaryStoreDirectory("strata-incidents")
        defer { removeTree(directory) }
        var store = try StrataStore.open(directory: directory, configuration: testConfiguration())
        for batch in 0..<10 { try await store.trades.append(trades(batch * 100..<batch * 100 + 100)) }
        try store.close()
        let segment = try #require(try walSegments(directory).last)
        var bytes = try Data(contentsOf: URL(fileURLWithPath: segment))
        bytes[bytes.count / 2] ^= 0x5A
        try bytes.write(to: URL(fileURLWithPath: segment))

        store = try StrataStore.open(directory: directory, configuration: testConfiguration())
        #expect(store.recovery.bytesTruncated > 0)
        let incidents = store.openIncidents
        #expect(incidents.count == 1)
        #expect(incidents.first?.kind == .recoveryCut)
        #expect(incidents.first?.table == "trades")
        #expect(incidents.first?.detail.contains("bytes") == true)
        #expect(!store.condition().isHealthy)
        try store.close()

        // Still there after a restart that recovers nothing new.
        store = try StrataStore.open(directory: directory, configuration: testConfiguration())
        #expect(store.recovery.bytesTruncated == 0)
        #expect(store.openIncidents.map(\.kind) == [.recoveryCut])
        #expect(try store.acknowledgeIncidents() == 1)
        #expect(store.openIncidents.isEmpty)
        #expect(store.condition().isHealthy)
        try store.close()
        store = try StrataStore.open(directory: directory, configuration: testConfiguration())
        defer { try? store.close() }
        #expect(store.openIncidents.isEmpty)
        let archive = try String(contentsOfFile: directory + "/incidents.acknowledged", encoding: .utf8)
        #expect(archive.contains("recovery_cut"))
    }

    /// A damaged block met by a read: the read fails with `.corruptFile` naming the file, an
    /// incident is recorded, `verify()` finds it, and the other partition stays readable.
    @Test func damagedBlockIsFoundByReadsAndVerify() async throws {
        let directory = temporaryStoreDirectory("strata-incidents")
        defer { removeTree(directory) }
        var store = try StrataStore.open(directory: directory, configuration: testConfiguration())
        try await store.trades.append(trades(0..<500, day: 0) + trades(1_000..<1_500, day: 1))
        store.compact(now: Timestamp(nanoseconds: Self.start + 5 * Self.day))
        try store.close()
        let partitions = directory + "/trades/partitions"
        let files = try FileManager.default.contentsOfDirectory(atPath: partitions).filter { $0.hasSuffix(".col") }
            .sorted()
        #expect(files.count == 2)
        let damaged = partitions + "/" + files[0]
        var bytes = try Data(contentsOf: URL(fileURLWithPath: damaged))
        bytes[40] ^= 0xFF  // inside the first block
        try bytes.write(to: URL(fileURLWithPath: damaged))

        store = try StrataStore.open(directory: directory, configuration: testConfiguration())
        defer { try? store.close() }
        #expect(store.openIncidents.isEmpty)  // sealed blocks are checked when read
        let first = Timestamp(nanoseconds: Self.start)
        await #expect(throws: StrataError.self) {
            _ = try await store.trades.range(symbol: "BTCUSDT", from: first, to: first.advanced(by: Self.day))
        }
        #expect(store.openIncidents.map(\.kind) == [.readCorruption])
        #expect(store.openIncidents.first?.path == damaged)
        #expect(!store.condition().isHealthy)
        // The other day is intact.
        let second = first.advanced(by: Self.day)
        #expect(
            try await store.trades.range(symbol: "BTCUSDT", from: second, to: second.advanced(by: Self.day)).count
                == 500)
        let verification = try store.verify()
        let tradesReport = try #require(verification.first { $0.table == "trades" })
        #expect(!tradesReport.isIntact)
        #expect(tradesReport.problems.allSatisfy { $0.path == damaged })
        #expect(tradesReport.rowsChecked >= 500)
    }

    /// The symbol limits refuse a batch naming the limit; nothing of it is stored.
    @Test func symbolLimitsRefuseTheWholeBatch() async throws {
        let directory = temporaryStoreDirectory("strata-incidents")
        defer { removeTree(directory) }
        var configuration = testConfiguration()
        configuration.maxNewSymbolsPerAppend = 3
        configuration.maxSymbolsPerTable = 5
        let store = try StrataStore.open(directory: directory, configuration: configuration)
        defer { try? store.close() }
        func batch(_ names: [String]) -> [Trade] {
            names.enumerated().map { index, name in
                Trade(
                    symbol: Symbol(stringLiteral: name), timestamp: Timestamp(nanoseconds: Self.start),
                    tradeID: Int64(index), price: Price(mantissa: 1), quantity: Quantity(mantissa: 1),
                    isBuyerMaker: false)
            }
        }
        await #expect {
            try await store.trades.append(batch(["A", "B", "C", "D"]))
        } throws: { error in
            (error as? StrataError)?.code == .limitExceeded
                && (error as? StrataError)?.message.contains("maxNewSymbolsPerAppend") == true
        }
        #expect(store.trades.symbols().isEmpty)
        try await store.trades.append(batch(["A", "B", "C"]))
        try await store.trades.append(batch(["A", "B", "C", "D", "E"]))  // two new: within both limits
        await #expect(throws: StrataError.self) { try await store.trades.append(batch(["F"])) }
        #expect(store.trades.symbols().count == 5)
    }
}
