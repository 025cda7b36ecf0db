import Foundation
import StrataCore
import Testing

@Suite("TimeSeriesStore")
struct TimeSeriesStoreTests {
    /// The simplest conforming store, to check that the protocol can be implemented from StrataCore alone.
    actor ArrayStore: TimeSeriesStore {
        var rows: [Trade] = []

        func append(_ batch: [Trade]) async throws -> AppendReport {
            var report = AppendReport()
            for trade in batch {
                if rows.contains(where: { $0.symbol == trade.symbol && $0.tradeID == trade.tradeID }) {
                    report.duplicates += 1
                } else {
                    rows.append(trade)
                    report.stored += 1
                }
            }
            return report
        }

        func latest(symbol: Symbol, limit: Int) async throws -> [Trade] {
            Array(rows.filter { $0.symbol == symbol }.sorted { $0.timestamp > $1.timestamp }.prefix(limit))
        }

        func range(symbol: Symbol, from: Timestamp, to: Timestamp) async throws -> [Trade] {
            rows.filter { $0.symbol == symbol && from <= $0.timestamp && $0.timestamp < to }.sorted {
                $0.timestamp < $1.timestamp
            }
        }

        func lastTimestamp(symbol: Symbol) async throws -> Timestamp? {
            rows.filter { $0.symbol == symbol }.map(\.timestamp).max()
        }
    }

    @Test func protocolIsImplementable() async throws {
        let store = ArrayStore()
        let trades = (0..<5).map {
            Trade(
                symbol: "A", timestamp: Timestamp(nanoseconds: Int64($0)), tradeID: Int64($0),
                price: Price(mantissa: 1), quantity: .zero, isBuyerMaker: false)
        }
        #expect(try await store.append(trades) == AppendReport(stored: 5))
        #expect(try await store.append(Array(trades.prefix(2))) == AppendReport(stored: 0, duplicates: 2))
        #expect(try await store.latest(symbol: "A", limit: 2).map(\.tradeID) == [4, 3])
        #expect(
            try await store.range(symbol: "A", from: Timestamp(nanoseconds: 1), to: Timestamp(nanoseconds: 3)).map(
                \.tradeID) == [1, 2])
        #expect(try await store.lastTimestamp(symbol: "A") == Timestamp(nanoseconds: 4))
        #expect(try await store.lastTimestamp(symbol: "B") == nil)
    }

    @Test func appendReportAdds() throws {
        #expect(AppendReport() == AppendReport(stored: 0, duplicates: 0))
        #expect(
            AppendReport(stored: 2, duplicates: 1) + AppendReport(stored: 3, duplicates: 4)
                == AppendReport(stored: 5, duplicates: 5))
        let data = try JSONEncoder().encode(AppendReport(stored: 2, duplicates: 1))
        #expect(try JSONDecoder().decode(AppendReport.self, from: data) == AppendReport(stored: 2, duplicates: 1))
    }

    @Test func tableStatsDefaults() throws {
        let stats = TableStats(table: "trades")
        #expect(stats.table == "trades")
        #expect(stats.rows == 0 && stats.symbols == 0 && stats.bytesOnDisk == 0 && stats.partitions == 0)
        #expect(stats.sealedPartitions == 0 && stats.pendingLateRows == 0 && stats.duplicatesSkipped == 0)
        #expect(stats.oldest == nil && stats.newest == nil)
        let full = TableStats(
            table: "t", rows: 1, symbols: 2, bytesOnDisk: 3, partitions: 4, sealedPartitions: 5, pendingLateRows: 6,
            duplicatesSkipped: 7, oldest: .min, newest: .max)
        #expect(try JSONDecoder().decode(TableStats.self, from: try JSONEncoder().encode(full)) == full)
    }
}
