import Foundation
import StrataTestSupport
import Testing

/// `strata migrate up|down|status` (the built binary) against the shared PostgreSQL, in a schema
/// of its own dropped at the end: up in steps, status, down one scope, up again, an edited
/// migration refused, an unreachable server in one line.
@Suite(.heavy, .serialized) struct MigrateCommandTests {
    /// Runs `strata` with `environment` (no other `STRATA_` variable) and returns status, stdout, stderr.
    static func strata(_ arguments: [String], environment: [String: String]) throws -> (
        status: Int32, out: String, err: String
    ) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try #require(strataExecutable, "build strata first"))
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("STRATA_") }
            .merging(environment) { $1 }
        let (out, err) = (Pipe(), Pipe())
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (
            process.terminationStatus, String(decoding: stdout, as: UTF8.self), String(decoding: stderr, as: UTF8.self)
        )
    }

    /// `scope<TAB>version` → state, from `status`'s output.
    static func states(_ output: String) -> [String: String] {
        var states: [String: String] = [:]
        for line in output.split(separator: "\n").dropFirst() {
            let cells = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            if cells.count >= 3 { states[cells[0] + " " + cells[1]] = cells[2] }
        }
        return states
    }

    static func psql(_ sql: String) throws -> String {
        let url = try #require(URLComponents(string: PostgresServeTests.sharedURL))
        return try PrivatePostgres.run(
            PrivatePostgres.bin + "/psql",
            [
                "-h", url.host ?? "127.0.0.1", "-p", String(url.port ?? 5432), "-U", url.user ?? "postgres", "-d",
                String(url.path.dropFirst()), "-tAc", sql,
            ],
            environment: ["PGPASSWORD": url.password ?? ""]
        ).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// `STRATA_POSTGRES_MIGRATE_ON_START=false`: on a database without Strata's migrations the
    /// node refuses to start, in one line naming the missing scope and version and
    /// `strata migrate up`; after `strata migrate up` it starts without applying anything, and
    /// keeps bars of the trades it takes (the `bars` scope).
    @Test(.enabled(if: PostgresServeTests.sharedServer)) func migrateOnStartOffNeedsMigrateUp() async throws {
        let directory = makeTemporaryDirectory("strata-pg-migrate-on-start")
        defer { removeTree(directory) }
        let schema = "t_migrate_start_\(UInt32.random(in: 0...UInt32.max))"
        defer { PostgresServeTests.dropShared(schema) }
        let environment = PostgresServeTests.tokens.merging([
            "STRATA_BACKEND": "postgresql", "STRATA_POSTGRES_URL": PostgresServeTests.sharedURL,
            "STRATA_POSTGRES_SCHEMA": schema, "STRATA_POSTGRES_MIGRATE_ON_START": "false",
            // The quality monitor's findings table is the store's own declaration: migrate plans it too.
            "STRATA_QUALITY_ENABLED": "true",
        ]) { $1 }
        let refused = try ServerProcess.start(
            ["serve", "--port", String(freePort())], environment: environment, stderrPath: directory + "/refused.log")
        #expect(await refused.wait() == 1)
        let lines = refused.stderr.split(separator: "\n").filter { $0.contains("lacks migration") }
        #expect(lines.count == 1, "\(refused.stderr)")
        let line = String(lines.first ?? "")
        #expect(line.contains("strata version 1"), "\(line)")
        #expect(line.contains("strata migrate up"), "\(line)")
        #expect(try Self.psql("SELECT count(*) FROM pg_tables WHERE schemaname = '\(schema)'") == "0")

        let up = try await onThread { try Self.strata(["migrate", "up"], environment: environment) }
        #expect(up.status == 0, "\(up.err)")
        #expect(up.out.contains("applied bars 1"), "\(up.out)")
        #expect(up.out.contains("applied keyed 1"), "\(up.out)")
        let ledger = "SELECT count(*) FROM \(schema).strata_migrations"
        let applied = try Self.psql(ledger)
        let port = freePort()
        let node = try await ServerProcess.serve(
            ["serve", "--port", String(port)], port: port, environment: environment, stderrPath: directory + "/node.log"
        )
        defer { node.stopInBackground() }
        let written = await onThread { PostgresServeTests.write(port: port, first: 1, count: 120) }
        #expect(written?.status == 204, "\(String(describing: written))")
        let start = 1_719_878_400_000_000_000
        let bars = await rawHTTP(
            port: port, method: "GET",
            path: "/api/v1/bars?symbol=BTCUSDT&timeframe=1m&from=\(start)&to=\(start + 60_000_000_000)",
            headers: ["Authorization": "Bearer pg-read"])
        let rows = PostgresServeTests.json(bars?.body)["bars"] as? [[String: Any]] ?? []
        #expect(rows.count == 1, "\(String(describing: bars?.body))")
        #expect(rows.first?["trades"] as? Int == 120, "\(String(describing: bars?.body))")
        // The node needed nothing the command had not applied.
        #expect(try Self.psql(ledger) == applied)
        #expect((Int(applied) ?? 0) > 10)
    }

    @Test(.enabled(if: PostgresServeTests.sharedServer)) func upDownStatusAgainstARealServer() throws {
        let schema = "t_migrate_cli_\(UInt32.random(in: 0...UInt32.max))"
        defer { PostgresServeTests.dropShared(schema) }
        let environment = [
            "STRATA_BACKEND": "postgresql", "STRATA_POSTGRES_URL": PostgresServeTests.sharedURL,
            "STRATA_POSTGRES_SCHEMA": schema,
        ]
        let fresh = try Self.strata(["migrate", "status"], environment: environment)
        #expect(fresh.status == 0, "\(fresh.err)")
        let pending = Self.states(fresh.out)
        #expect(pending["strata 1"] == "pending")
        #expect(pending["strata 2"] == "pending")
        #expect(pending["table:trades 1"] == "pending")
        #expect(pending["table:quotes 1"] == "pending")

        // Up in steps: the catalog's first version only, then everything.
        let first = try Self.strata(["migrate", "up", "--scope", "strata", "--to", "1"], environment: environment)
        #expect(first.status == 0, "\(first.err)")
        #expect(first.out.contains("applied strata 1"))
        let partial = Self.states(try Self.strata(["migrate", "status"], environment: environment).out)
        #expect(partial["strata 1"] == "applied")
        #expect(partial["strata 2"] == "pending")
        let all = try Self.strata(["migrate", "up"], environment: environment)
        #expect(all.status == 0, "\(all.err)")
        #expect(all.out.contains("applied strata 2"))
        #expect(all.out.contains("applied table:trades 1"))
        let applied = Self.states(try Self.strata(["migrate", "status"], environment: environment).out)
        #expect(!applied.isEmpty && applied.values.allSatisfy { $0 == "applied" }, "\(applied)")
        #expect(try Self.psql("SELECT to_regclass('\(schema).quotes') IS NOT NULL") == "t")

        // Down one scope (needs --scope), then up again.
        let refused = try Self.strata(["migrate", "down"], environment: environment)
        #expect(refused.status == 1)
        #expect(refused.err.contains("--scope"))
        let down = try Self.strata(
            ["migrate", "down", "--scope", "table:quotes", "--to", "0"], environment: environment)
        #expect(down.status == 0, "\(down.err)")
        #expect(try Self.psql("SELECT to_regclass('\(schema).quotes') IS NULL") == "t")
        #expect(
            Self.states(try Self.strata(["migrate", "status"], environment: environment).out)["table:quotes 1"]
                == "pending")
        let again = try Self.strata(["migrate", "up"], environment: environment)
        #expect(again.status == 0, "\(again.err)")
        #expect(again.out.contains("applied table:quotes 1"))
        #expect(try Self.psql("SELECT to_regclass('\(schema).quotes') IS NOT NULL") == "t")

        // An applied migration whose text changed since is refused, by name.
        _ = try Self.psql(
            "UPDATE \(schema).strata_migrations SET checksum = 'edited' WHERE scope = 'table:trades' AND version = 1")
        #expect(
            Self.states(try Self.strata(["migrate", "status"], environment: environment).out)["table:trades 1"]
                == "changed")
        let edited = try Self.strata(["migrate", "up"], environment: environment)
        #expect(edited.status == 1)
        #expect(edited.err.contains("table:trades"), "\(edited.err)")
        #expect(edited.err.split(separator: "\n").count == 1, "one line: \(edited.err)")
    }

    @Test func refusesWithoutPostgresAndWhenUnreachable() throws {
        let embedded = try Self.strata(["migrate", "status"], environment: [:])
        #expect(embedded.status == 1)
        #expect(embedded.err.contains("STRATA_BACKEND"), "\(embedded.err)")
        let port = freePort()
        let unreachable = try Self.strata(
            ["migrate", "status"],
            environment: [
                "STRATA_BACKEND": "postgresql", "STRATA_POSTGRES_URL": "postgres://postgres@127.0.0.1:\(port)/x",
                "STRATA_POSTGRES_CONNECT_TIMEOUT_MILLISECONDS": "1000",
            ])
        #expect(unreachable.status == 1)
        #expect(unreachable.err.split(separator: "\n").count == 1, "\(unreachable.err)")
        #expect(unreachable.err.contains("127.0.0.1:\(port)"), "\(unreachable.err)")
    }
}
