import Foundation
import PostgresNIO
import Strata
import StrataPostgres
import StrataTestSupport
import Testing

/// `PostgresConfiguration.migrateOnStart` off: opening refuses while a migration is missing,
/// creating nothing, and opens once `PostgresMigrationPlan` (what `strata migrate up` runs) has
/// applied every scope a store needs — the tables, the bars, the keyed state.
@Suite(.enabled(if: PostgresTestServer.enabled, "PostgreSQL unreachable at \(PostgresTestServer.url)"))
struct MigrateOnStartTests {
    @Test func offRefusesUntilThePlanIsApplied() async throws {
        let directory = makeTemporaryDirectory("strata-pg-migrate-on-start")
        defer { removeTree(directory) }
        try await PostgresTestServer.withSchema("onstart") { configuration in
            var off = configuration
            off.migrateOnStart = false
            #expect {
                _ = try PostgresBackend(configuration: off)
            } throws: { error in
                guard let error = error as? StrataError, error.code == .unsupportedFormat else { return false }
                return error.message.contains("lacks migration strata version 1")
                    && error.message.contains("strata migrate up") && !error.message.contains("\n")
            }
            let created = try await PostgresTestServer.sql(
                configuration,
                "SELECT count(*)::bigint FROM pg_namespace WHERE nspname = '\(configuration.schema)'")
            #expect(try created.first?.decode(Int64.self) == 0, "nothing created")

            let plan = try PostgresMigrationPlan(configuration: configuration)
            let builtIn = TableOptions(absentValues: false, partitionDuration: nil)
            let tables =
                RecordSchema.builtIn.map { (schema: $0, options: builtIn) }
                + RecordSchema.tradingRecords.map { (schema: $0, options: TableOptions()) }
            let migrators = try plan.migrators(tables: tables)
            #expect(migrators.map(\.scope).suffix(2) == ["bars", "keyed"])
            // Applied up to the trades' table only: the bars' scope is still missing.
            for migrator in migrators where migrator.scope != "bars" && migrator.scope != "keyed" {
                try migrator.up()
            }
            let backend = try PostgresBackend(configuration: off)
            #expect {
                _ = try StrataStore.open(
                    directory: directory + "/refused", backend: backend,
                    configuration: StrataStore.Configuration(maintenanceInterval: nil))
            } throws: { error in
                (error as? StrataError)?.message.contains("lacks migration bars version 1") == true
            }
            try? backend.close()
            for migrator in migrators { try migrator.up() }
            plan.close()

            let store = try StrataStore.open(
                directory: directory + "/store", backend: try PostgresBackend(configuration: off),
                configuration: StrataStore.Configuration(maintenanceInterval: nil))
            let start: Int64 = 1_719_878_400_000_000_000
            let trades = (0..<90).map { i in
                Trade(
                    symbol: "BTCUSDT", timestamp: Timestamp(nanoseconds: start + Int64(i) * 1_000_000_000),
                    tradeID: Int64(i), price: Price(mantissa: 6_400_000_000_000 + Int64(i)),
                    quantity: Quantity(mantissa: 100_000_000), isBuyerMaker: false)
            }
            #expect(try await store.trades.append(trades).stored == 90)
            let bars = try await store.bars(
                symbol: "BTCUSDT", timeframe: .oneMinute, from: Timestamp(nanoseconds: start),
                to: Timestamp(nanoseconds: start + 120_000_000_000))
            #expect(bars.map(\.tradeCount) == [60, 30])
            #expect(bars.last?.close == Price(mantissa: 6_400_000_000_089))
            #expect(try store.orders.openOrders(user: "nobody").isEmpty, "the keyed scope is applied")
            try store.close()
        }
    }
}
