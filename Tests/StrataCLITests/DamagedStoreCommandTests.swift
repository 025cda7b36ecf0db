import Foundation
import Strata
import StrataTestSupport
import Testing

/// `strata stats` and `strata verify` do not call a damaged store a success, and an operator
/// can list and acknowledge what was found.
@Suite struct DamagedStoreCommandTests {
    /// A store at `data` that takes any timestamp, without fsync or background maintenance.
    static func open(_ data: String) throws -> StrataStore {
        try StrataStore.open(
            directory: data,
            configuration: .init(
                durability: .osBuffered, validation: ValidationRules(window: .fixed(earliest: .min, latest: .max)),
                maintenanceInterval: nil))
    }

    @Test func statsAndVerifyExitNonZeroUntilIncidentsAreAcknowledged() async throws {
        let directory = makeTemporaryDirectory()
        defer { removeTree(directory) }
        let data = directory + "/data"
        let start: Int64 = 1_717_200_000_000_000_000
        let store = try Self.open(data)
        try await store.trades.append(
            (0..<300).map { i in
                Trade(
                    symbol: "BTCUSDT", timestamp: Timestamp(nanoseconds: start + Int64(i) * 1_000_000),
                    tradeID: Int64(i),
                    price: Price(mantissa: 100 + Int64(i)), quantity: Quantity(mantissa: 1), isBuyerMaker: false)
            })
        store.compact(now: Timestamp(nanoseconds: start + 3 * Timestamp.nanosecondsPerDay))
        try store.close()

        let healthy = try runStrata(["verify", "--data", data], in: directory)
        #expect(healthy.status == 0, "\(healthy.stderr)")
        #expect(healthy.stdout.contains("trades: 1 sealed partitions"))
        #expect(try runStrata(["stats", "--data", data], in: directory).status == 0)

        let partitions = data + "/trades/partitions"
        let file = try #require(try FileManager.default.contentsOfDirectory(atPath: partitions).first)
        var bytes = try Data(contentsOf: URL(fileURLWithPath: partitions + "/" + file))
        bytes[40] ^= 0xFF
        try bytes.write(to: URL(fileURLWithPath: partitions + "/" + file))

        let verify = try runStrata(["verify", "--data", data], in: directory)
        #expect(verify.status == 1)
        #expect(verify.stdout.contains("DAMAGED"))
        #expect(verify.stderr.contains("strata: error: the store is damaged"))
        let stats = try runStrata(["stats", "--data", data], in: directory)
        #expect(stats.status == 1, "a damaged store is not a success even when its figures print")
        #expect(stats.stderr.contains("read_corruption"))
        let listed = try runStrata(["incidents", "--data", data], in: directory)
        #expect(listed.status == 0)
        #expect(listed.stdout.contains(file))
        let acknowledged = try runStrata(["incidents", "--acknowledge", "--data", data], in: directory)
        #expect(acknowledged.stdout.contains("acknowledged 1 incident"))
        #expect(try runStrata(["stats", "--data", data], in: directory).status == 0)
        // The damage is still there: verify finds it again.
        #expect(try runStrata(["verify", "--data", data], in: directory).status == 1)
    }

    /// `strata verify` reports the WAL as the open replayed it, frame by frame: a damaged frame
    /// in the middle of a segment is named (and cut, saved aside) and the exit status says so.
    @Test func verifyReportsADamagedWALFrame() async throws {
        let directory = makeTemporaryDirectory()
        defer { removeTree(directory) }
        let data = directory + "/data"
        let start: Int64 = 1_717_200_000_000_000_000
        let store = try Self.open(data)
        for batch in 0..<10 {
            try await store.trades.append(
                (0..<100).map { i in
                    Trade(
                        symbol: "BTCUSDT",
                        timestamp: Timestamp(nanoseconds: start + Int64(batch * 100 + i) * 1_000_000),
                        tradeID: Int64(batch * 100 + i), price: Price(mantissa: 100 + Int64(i)),
                        quantity: Quantity(mantissa: 1), isBuyerMaker: false)
                })
        }
        try store.close()

        let healthy = try runStrata(["verify", "--data", data], in: directory)
        #expect(healthy.status == 0, "\(healthy.stderr)")
        #expect(
            healthy.stdout.contains("wal: trades:") && healthy.stdout.contains("replayed 1000 rows"),
            "\(healthy.stdout)")

        let wal = data + "/trades/wal"
        let segment = try #require(try FileManager.default.contentsOfDirectory(atPath: wal).sorted().first)
        var bytes = try Data(contentsOf: URL(fileURLWithPath: wal + "/" + segment))
        bytes[bytes.count / 2] ^= 0xFF
        try bytes.write(to: URL(fileURLWithPath: wal + "/" + segment))
        let verify = try runStrata(["verify", "--data", data], in: directory)
        #expect(verify.status == 1, "\(verify.stdout)")
        #expect(verify.stdout.contains("wal: trades:") && verify.stdout.contains(segment), "\(verify.stdout)")
        #expect(verify.stderr.contains("the store is damaged"), "\(verify.stderr)")
    }
}
