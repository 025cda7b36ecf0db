import Strata
import StrataCore
import StrataImport
import StrataTestSupport
import Synchronization
import Testing

/// An in-memory trades table with a dedup key and a validation rule of its own (no trade id 666).
final class MemoryTradeTable: TimeSeriesStore, Sendable {
    typealias Record = Trade
    private let rows = Mutex<[Trade]>([])
    private let appends = Mutex(0)
    let failOnAppend: Int?

    init(failOnAppend: Int? = nil) { self.failOnAppend = failOnAppend }

    var stored: [Trade] { rows.withLock { $0 } }

    func append(_ batch: [Trade]) async throws -> AppendReport {
        let call = appends.withLock { count in
            count += 1
            return count
        }
        if call == failOnAppend { throw StrataError(.io, "disk full") }
        if let index = batch.firstIndex(where: { $0.tradeID == 666 }) {
            throw ValidationError(field: "trade_id", value: "666", rule: .inconsistent, detail: "unlucky", index: index)
        }
        return rows.withLock { rows in
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
    }

    func latest(symbol: Symbol, limit: Int) async throws -> [Trade] { [] }
    func range(symbol: Symbol, from: Timestamp, to: Timestamp) async throws -> [Trade] { [] }
    func lastTimestamp(symbol: Symbol) async throws -> Timestamp? { nil }
}

@Suite("CSVImporter")
struct CSVImporterTests {
    static func csv(rows: Int, bad: Set<Int> = [], duplicate: Set<Int> = []) -> String {
        var lines = ["ts_ns,symbol,trade_id,price,qty,is_buyer_maker"]
        for index in 0..<rows {
            let id = 1_000 + (duplicate.contains(index) ? index - 3 : index)
            let price = bad.contains(index) ? "-1" : "\(100 + index % 10).5"
            lines.append("\(1_719_878_281_500_000_000 + index),SYM\(index % 3),\(id),\(price),1,true")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    @Test func importsCountsAndQuarantines() async throws {
        let directory = makeTemporaryDirectory()
        defer { removeTree(directory) }
        let table = MemoryTradeTable()
        let quarantine = Quarantine(dataDirectory: directory, table: "trades")
        let reader = CSVReader(
            text: Self.csv(rows: 2_500, bad: [10, 2_000], duplicate: [3, 1_500]), format: TradeCSVFormat())
        let progressCalls = Mutex(0)
        let report = try await CSVImporter.run(
            reader: reader, into: table, quarantine: quarantine, batchSize: 1_000,
            progress: { _ in progressCalls.withLock { $0 += 1 } })
        #expect(report.rowsRead == 2_500)
        #expect(report.rejected == 2)
        #expect(report.duplicates == 2)
        #expect(report.stored == 2_496)
        #expect(report.firstRejections.map(\.line) == [12, 2_002])
        #expect(report.quarantinePath == quarantine.path)
        #expect(progressCalls.withLock { $0 } == 3)
        #expect(table.stored.count == 2_496)
        let quarantined = try #require(readFile(quarantine.path)).split(separator: "\n")
        #expect(quarantined.count == 3)
        #expect(quarantined[1].contains(",12,\"price: \"\"-1\"\" must be greater than zero\","))
    }

    @Test func rowsTheTableRejectsAreQuarantinedAndTheRestStored() async throws {
        let directory = makeTemporaryDirectory()
        defer { removeTree(directory) }
        let table = MemoryTradeTable()
        let quarantine = Quarantine(dataDirectory: directory, table: "trades")
        let text = "1719878281500000000,A,1,1,1,t\n1719878281500000000,A,666,1.5,2,f\n1719878281500000000,A,2,1,1,t\n"
        let report = try await CSVImporter.run(
            reader: CSVReader(text: text, format: TradeCSVFormat()), into: table, quarantine: quarantine)
        #expect(report.stored == 2)
        #expect(report.rejected == 1)
        let rejection = try #require(report.firstRejections.first)
        #expect(rejection.line == 2)
        #expect(rejection.raw == "1719878281500000000,A,666,1.5,2,false")
        #expect(rejection.error.index == nil)
        #expect(quarantine.count == 1)
    }

    @Test func aStoreFailureStopsTheImportAndIsThrown() async throws {
        let table = MemoryTradeTable(failOnAppend: 2)
        let text = Self.csv(rows: 50_000)
        await #expect(throws: StrataError.self) {
            _ = try await CSVImporter.run(
                reader: CSVReader(text: text, format: TradeCSVFormat()), into: table, quarantine: nil, batchSize: 100)
        }
        #expect(table.stored.count == 100)
    }
}
