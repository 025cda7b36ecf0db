import Foundation
import PostgresNIO
import StrataCore
import StrataPostgres
import Testing

/// Migrations on a real server: up, down, up again; a failing migration leaves nothing; an
/// edited migration is refused; two migrators starting at once apply each migration once.
@Suite(.enabled(if: PostgresTestServer.enabled, "PostgreSQL unreachable at \(PostgresTestServer.url)"))
struct PostgresMigratorTests {
    static func accounts(_ schema: String) -> [PostgresMigration] {
        let table = "\"\(schema)\".\"accounts\""
        return [
            PostgresMigration(
                version: 1, name: "accounts", up: ["CREATE TABLE \(table) (id bigint PRIMARY KEY, name text NOT NULL)"],
                down: ["DROP TABLE \(table)"]),
            PostgresMigration(
                version: 2, name: "balance",
                up: ["ALTER TABLE \(table) ADD COLUMN balance numeric(18, 8) NOT NULL DEFAULT 0"],
                down: ["ALTER TABLE \(table) DROP COLUMN balance"]),
            PostgresMigration(
                version: 3, name: "ledger",
                up: [
                    "CREATE TABLE \"\(schema)\".\"ledger\" (id bigint, amount numeric(18, 8))",
                    "CREATE INDEX ledger_id ON \"\(schema)\".\"ledger\" (id)",
                ],
                down: ["DROP TABLE \"\(schema)\".\"ledger\""]),
        ]
    }

    static func columns(_ configuration: PostgresConfiguration, _ table: String) async throws -> [String] {
        try await PostgresTestServer.sql(
            configuration,
            "SELECT column_name::text FROM information_schema.columns WHERE table_schema = '\(configuration.schema)' AND table_name = '\(table)' ORDER BY ordinal_position"
        ).map { try $0.decode(String.self) }
    }

    @Test func upDownUp() async throws {
        try await PostgresTestServer.withSchema("migrate") { configuration in
            let migrator = try PostgresMigrator(
                configuration: configuration, scope: "app", migrations: Self.accounts(configuration.schema))
            defer { migrator.close() }
            #expect(try migrator.status().map(\.state) == [.pending, .pending, .pending])
            #expect(try migrator.up(to: 2) == [1, 2])
            #expect(try await Self.columns(configuration, "accounts") == ["id", "name", "balance"])
            #expect(try await !PostgresTestServer.exists(configuration, "ledger"))
            #expect(try migrator.up() == [3])
            #expect(try migrator.up() == [])
            let status = try migrator.status()
            #expect(status.map(\.state) == [.applied, .applied, .applied])
            #expect(status.allSatisfy { $0.appliedAt != nil })
            #expect(try migrator.down(to: 1) == [3, 2])
            #expect(try await Self.columns(configuration, "accounts") == ["id", "name"])
            #expect(try await !PostgresTestServer.exists(configuration, "ledger"))
            #expect(try migrator.down(to: 0) == [1])
            #expect(try await !PostgresTestServer.exists(configuration, "accounts"))
            #expect(try migrator.up() == [1, 2, 3])
            #expect(try await Self.columns(configuration, "accounts") == ["id", "name", "balance"])
            let ledger = try await PostgresTestServer.sql(
                configuration,
                "SELECT version FROM \"\(configuration.schema)\".strata_migrations WHERE scope = 'app' ORDER BY 1")
            #expect(try ledger.map { try $0.decode(Int.self) } == [1, 2, 3])
        }
    }

    @Test func aFailingMigrationLeavesNoPartialSchema() async throws {
        try await PostgresTestServer.withSchema("failing") { configuration in
            let schema = configuration.schema
            var migrations = Array(Self.accounts(schema).prefix(1))
            migrations.append(
                PostgresMigration(
                    version: 2, name: "broken",
                    up: [
                        "CREATE TABLE \"\(schema)\".\"half\" (id bigint)",
                        "ALTER TABLE \"\(schema)\".\"accounts\" ADD COLUMN extra text",
                        "INSERT INTO \"\(schema)\".\"no_such_table\" VALUES (1)",
                    ],
                    down: ["DROP TABLE \"\(schema)\".\"half\""]))
            let migrator = try PostgresMigrator(configuration: configuration, scope: "app", migrations: migrations)
            defer { migrator.close() }
            let error = #expect(throws: StrataError.self) { try migrator.up() }
            #expect(error?.code == .io)
            #expect(error?.message.contains("migration 2 (broken) failed and was rolled back") == true)
            #expect(error?.message.contains("no_such_table") == true)
            #expect(try await PostgresTestServer.exists(configuration, "accounts"))
            #expect(try await !PostgresTestServer.exists(configuration, "half"))
            #expect(try await Self.columns(configuration, "accounts") == ["id", "name"])
            #expect(try migrator.status().map(\.state) == [.applied, .pending])
        }
    }

    @Test func anEditedMigrationIsRefused() async throws {
        try await PostgresTestServer.withSchema("edited") { configuration in
            let original = Self.accounts(configuration.schema)
            let first = try PostgresMigrator(configuration: configuration, scope: "app", migrations: original)
            #expect(try first.up(to: 2) == [1, 2])
            first.close()
            var edited = original
            edited[1] = PostgresMigration(
                version: 2, name: "balance",
                up: ["ALTER TABLE \"\(configuration.schema)\".\"accounts\" ADD COLUMN balance numeric(20, 2)"],
                down: original[1].down)
            let second = try PostgresMigrator(configuration: configuration, scope: "app", migrations: edited)
            defer { second.close() }
            let error = #expect(throws: StrataError.self) { try second.up() }
            #expect(error?.code == .invalidArgument)
            #expect(error?.message.contains("migration 2 (balance)") == true)
            #expect(error?.message.contains("edited after it was applied") == true)
            #expect(throws: StrataError.self) { try second.down(to: 0) }
            #expect(try second.status().map(\.state) == [.applied, .changed, .pending])
            #expect(try await !PostgresTestServer.exists(configuration, "ledger"))
            #expect(try await PostgresTestServer.exists(configuration, "accounts"))
        }
    }

    @Test func twoNodesStartingAtOnceApplyEachMigrationOnce() async throws {
        try await PostgresTestServer.withSchema("race") { configuration in
            let schema = configuration.schema
            // Slow migrations (each would fail if applied twice: CREATE TABLE without IF NOT EXISTS).
            let migrations = (1...4).map { version in
                PostgresMigration(
                    version: version, name: "step \(version)",
                    up: ["CREATE TABLE \"\(schema)\".\"step\(version)\" (id bigint)", "SELECT pg_sleep(0.05)"],
                    down: ["DROP TABLE \"\(schema)\".\"step\(version)\""])
            }
            let nodes = try (0..<3).map { _ in
                try PostgresMigrator(configuration: configuration, scope: "app", migrations: migrations)
            }
            defer { for node in nodes { node.close() } }
            let applied = try await withThrowingTaskGroup(of: [Int].self) { group in
                for node in nodes {
                    group.addTask { try await Task.detached { try node.up() }.value }
                }
                var all: [[Int]] = []
                for try await versions in group { all.append(versions) }
                return all
            }
            #expect(applied.flatMap { $0 }.sorted() == [1, 2, 3, 4])
            let ledger = try await PostgresTestServer.sql(
                configuration,
                "SELECT count(*)::bigint, count(DISTINCT version)::bigint FROM \"\(schema)\".strata_migrations WHERE scope = 'app'"
            )
            let (rows, distinct) = try ledger.first!.decode((Int64, Int64).self)
            #expect(rows == 4 && distinct == 4)
        }
    }
}
