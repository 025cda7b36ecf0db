import Foundation
import Strata
import StrataTestSupport
import Testing

/// A declared table's input forms — a default, words standing for a column's values, a book
/// side whose count the levels give, a rule over two columns — declared in the configuration's
/// JSON and applied by every write path that takes values by name: rows and columns (the ILP
/// path is `ILPDerivedMappingTests`).
@Suite struct DeclaredInputFormsTests {
    static let json = """
        {"name": "fills", "timestamp": "ts",
         "columns": [
           {"name": "ts", "type": "timestamp"}, {"name": "symbol", "type": "symbol"},
           {"name": "first_id", "type": "int64"}, {"name": "last_id", "type": "int64"},
           {"name": "aggressor_sell", "type": "bool", "words": {"name": "side", "values": {"buy": "false", "sell": "true"}}},
           {"name": "venue_ok", "type": "bool", "default": "true"},
           {"name": "depth", "type": "int8"},
           {"name": "px_0", "type": "decimal(2)", "required": false}, {"name": "sz_0", "type": "decimal(4)", "required": false},
           {"name": "px_1", "type": "decimal(2)", "required": false}, {"name": "sz_1", "type": "decimal(4)", "required": false}],
         "book": [{"name": "levels", "count": "depth", "prices": ["px_0", "px_1"], "sizes": ["sz_0", "sz_1"]}],
         "row_rules": [{"rule": "not_greater", "columns": ["first_id", "last_id"]}]}
        """

    static func withTable(_ body: (DynamicTable) async throws -> Void) async throws {
        let schema = try JSONDecoder().decode(RecordSchema.self, from: Data(json.utf8))
        #expect(try JSONDecoder().decode(RecordSchema.self, from: JSONEncoder().encode(schema)) == schema)
        let directory = makeTemporaryDirectory("strata-input-forms")
        defer { removeTree(directory) }
        var configuration = StrataStore.Configuration(
            durability: .osBuffered, validation: ValidationRules(window: .fixed(earliest: .min, latest: .max)),
            maintenanceInterval: nil)
        configuration.tables = [schema]
        let store = try StrataStore.open(directory: directory, configuration: configuration)
        defer { try? store.close() }
        let table = try #require(store.table(named: "fills"))
        try await body(table)
    }

    static func values(_ ts: Int64, first: Int64, last: Int64) -> [String: FieldValue] {
        ["ts": .integer(ts), "first_id": .integer(first), "last_id": .integer(last)]
    }

    @Test func rowsTakeWordsDefaultsAndCountedLevels() async throws {
        try await Self.withTable { table in
            var sell = Self.values(1, first: 1, last: 2)
            sell["side"] = .text("SELL")
            sell["px_0"] = FieldValue.decimal("10.5")!
            sell["sz_0"] = FieldValue.decimal("2")!
            var buy = Self.values(2, first: 3, last: 3)
            buy["side"] = .text("buy")
            buy["venue_ok"] = .bool(false)
            for level in 0..<2 {
                buy["px_\(level)"] = FieldValue.decimal("9")!
                buy["sz_\(level)"] = FieldValue.decimal("1")!
            }
            try await table.append([Row(symbol: "BTCUSDT", sell), Row(symbol: "BTCUSDT", buy)])
            let rows = try await table.latest(symbol: "BTCUSDT", limit: 10).reversed()
            #expect(rows.map { $0.values["aggressor_sell"] } == [.bool(true), .bool(false)])
            #expect(rows.map { $0.values["venue_ok"] } == [.bool(true), .bool(false)])
            #expect(rows.map { $0.values["depth"] } == [.integer(1), .integer(2)])
        }
    }

    @Test func rowsBreakingTheFormsAreRefusedNamingTheColumn() async throws {
        try await Self.withTable { table in
            var word = Self.values(1, first: 1, last: 2)
            word["side"] = .text("hold")
            var order = Self.values(1, first: 5, last: 2)
            order["side"] = .text("buy")
            var gap = Self.values(1, first: 1, last: 2)
            gap["side"] = .text("buy")
            gap["px_1"] = FieldValue.decimal("9")!
            gap["sz_1"] = FieldValue.decimal("1")!
            var missing = Self.values(1, first: 1, last: 2)
            missing["px_0"] = FieldValue.decimal("9")!
            missing["sz_0"] = FieldValue.decimal("1")!
            for (values, field, rule) in [
                (word, "side", ValidationError.Rule.malformed), (order, "first_id", .inconsistent),
                (gap, "px_1", .malformed), (missing, "aggressor_sell", .malformed),
            ] {
                do {
                    try await table.append([Row(symbol: "BTCUSDT", values)])
                    Issue.record("accepted \(values)")
                } catch let error as ValidationError {
                    #expect(error.field == field && error.rule == rule, "\(error)")
                }
            }
            #expect(table.stats().rows == 0)
        }
    }

    @Test func columnsTakeDefaultsCountedLevelsAndTheRowRule() async throws {
        try await Self.withTable { table in
            var batch = TableColumns(symbols: ["ETHUSDT", "ETHUSDT"])
            batch["ts"] = .integers([1, 2])
            batch["first_id"] = .integers([1, 4])
            batch["last_id"] = .integers([1, 6])
            batch["aggressor_sell"] = .bools([false, true])
            batch.set("px_0", .decimals([900, 901], scale: 2), present: [true, false])
            batch.set("sz_0", .decimals([1, 1], scale: 0), present: [true, false])
            try await table.append(batch)
            let rows = try await table.latest(symbol: "ETHUSDT", limit: 10).reversed()
            #expect(rows.map { $0.values["venue_ok"] } == [.bool(true), .bool(true)])
            #expect(rows.map { $0.values["depth"] } == [.integer(1), .integer(0)])

            batch["first_id"] = .integers([1, 9])
            do {
                try await table.append(batch)
                Issue.record("first_id 9 > last_id 6 accepted")
            } catch let error as ValidationError {
                #expect(error.field == "first_id" && error.rule == .inconsistent && error.index == 1, "\(error)")
            }
            #expect(table.stats().rows == 2)
        }
    }
}
