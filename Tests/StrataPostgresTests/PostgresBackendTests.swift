import Foundation
import PostgresNIO
import StrataCore
import StrataPostgres
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// What the PostgreSQL backend does beyond the contract: the schema it creates, atomic appends,
/// typed errors, schema evolution as migrations, and its reports.
struct PostgresBackendTests {
    /// A server that cannot be reached is a typed `.io` error naming the host, at once.
    @Test func aBadConnectionIsATypedErrorNamingTheHost() throws {
        let configuration = PostgresConfiguration(
            host: "127.0.0.1", port: 1, user: "postgres", password: "x", database: "nowhere",
            connectTimeout: .seconds(2))
        let started = ContinuousClock.now
        let error = #expect(throws: StrataError.self) { try PostgresBackend(configuration: configuration) }
        #expect(error?.code == .io)
        #expect(error?.message.contains("127.0.0.1:1/nowhere") == true)
        #expect(ContinuousClock.now - started < .seconds(10))
    }

    /// A server that accepts the connection and never answers: the caller gets an `.io` error
    /// when the time runs out, never a hang.
    @Test func aSilentServerTimesOut() throws {
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #expect(listener >= 0)
        defer { close(listener) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, length) }
        }
        #expect(bound == 0 && listen(listener, 8) == 0)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(listener, $0, &length) }
        }
        let port = Int(UInt16(bigEndian: address.sin_port))
        let configuration = PostgresConfiguration(
            host: "127.0.0.1", port: port, user: "postgres", password: "x", database: "silent",
            connectTimeout: .seconds(1))
        let started = ContinuousClock.now
        let error = #expect(throws: StrataError.self) { try PostgresBackend(configuration: configuration) }
        #expect(error?.code == .io)
        #expect(error?.message.contains("127.0.0.1:\(port)/silent") == true)
        #expect(error?.message.lowercased().contains("time") == true)
        #expect(ContinuousClock.now - started < .seconds(10))
    }

    @Test func urlsAreRead() throws {
        let configuration = try PostgresConfiguration(
            url: "postgresql://app%40x:s%3Acret@db.example:6543/trading?sslmode=require&schema=strata&pool=9")
        #expect(configuration.user == "app@x")
        #expect(configuration.password == "s:cret")
        #expect(configuration.host == "db.example")
        #expect(configuration.port == 6543)
        #expect(configuration.database == "trading")
        #expect(configuration.tls == .require)
        #expect(configuration.schema == "strata")
        #expect(configuration.poolSize == 9)
        #expect(throws: StrataError.self) { try PostgresConfiguration(url: "mysql://x") }
    }

    static func schema(extra: Bool = false) throws -> RecordSchema {
        var columns = [
            SchemaColumn("ts", .timestamp), SchemaColumn("symbol", .symbol), SchemaColumn("id", .int64),
            SchemaColumn("price", .decimal(scale: 8)),
            SchemaColumn("venue", .text, rules: ColumnRules(required: false)),
        ]
        if extra { columns.append(SchemaColumn("fee", .decimal(scale: 2), rules: ColumnRules(required: false))) }
        return try RecordSchema(name: "fills", columns: columns, timestamp: "ts", key: RecordKey("id"))
    }

    static let base: Int64 = 1_719_792_000_000_000_000

    static func batch(_ ids: Range<Int64>, venue: String = "XNAS", extra: Bool = false) -> ColumnBatch {
        var batch = ColumnBatch(columnCount: extra ? 5 : 4)
        batch.symbols = ["AAPL"]
        for id in ids {
            batch.symbolIndex.append(0)
            batch.columns[0].append(base + id * 1_000_000_000)
            batch.columns[1].append(id)
            batch.columns[2].append(123_456_789_012 + id)
            batch.columns[3].append(batch.texts.append(venue))
            if extra { batch.columns[4].append(id % 2 == 0 ? 1_25 : Int64.min) }
        }
        return batch
    }

    @Test(.enabled(if: PostgresTestServer.enabled, "PostgreSQL unreachable at \(PostgresTestServer.url)"))
    func theTableIsPartitionedByDayWithItsKeyAndIndex() async throws {
        let configuration = try PostgresTestServer.configuration("ddl")
        let backend = try PostgresBackend(configuration: configuration)
        let table = try backend.openTable(Self.schema(), options: TableOptions())
        #expect(try table.append(Self.batch(0..<10)) == AppendReport(stored: 10, duplicates: 0))
        let types = try await PostgresTestServer.sql(
            configuration,
            "SELECT column_name::text, format_type(atttypid, atttypmod) FROM information_schema.columns c JOIN pg_attribute a ON a.attrelid = '\"\(configuration.schema)\".fills'::regclass AND a.attname = c.column_name WHERE table_schema = '\(configuration.schema)' AND table_name = 'fills' ORDER BY ordinal_position"
        ).map { try $0.decode((String, String).self) }
        #expect(types.map(\.0) == ["ts", "symbol", "id", "price", "venue", "_strata_seq"])
        #expect(types.map(\.1) == ["bigint", "text", "bigint", "numeric(19,8)", "text", "bigint"])
        let price = try await PostgresTestServer.sql(
            configuration, "SELECT price::text FROM \"\(configuration.schema)\".fills WHERE id = 1")
        #expect(try price.first!.decode(String.self) == "1234.56789013")
        // The day of the rows and the one ahead.
        let partitions = try await PostgresTestServer.sql(
            configuration,
            "SELECT c.relname::text FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = '\"\(configuration.schema)\".fills'::regclass ORDER BY 1"
        ).map { try $0.decode(String.self) }
        let day = Self.base / 86_400_000_000_000
        #expect(partitions == ["fills$p\(day)", "fills$p\(day + 1)"])
        let indexes = try await PostgresTestServer.sql(
            configuration,
            "SELECT indexdef FROM pg_indexes WHERE schemaname = '\(configuration.schema)' AND tablename = 'fills' ORDER BY 1"
        ).map { try $0.decode(String.self) }
        #expect(indexes.contains { $0.contains("UNIQUE") && $0.contains("(symbol, id, ts)") })
        #expect(indexes.contains { $0.contains("(symbol, ts DESC)") })
        // Reports.
        let stats = table.stats()
        #expect(stats.rows == 10 && stats.symbols == 1 && stats.partitions == 2 && stats.bytesOnDisk > 0)
        #expect(try table.append(Self.batch(5..<12)) == AppendReport(stored: 2, duplicates: 5))
        #expect(table.stats().duplicatesSkipped == 5)
        let verification = try table.verify()
        #expect(verification.isIntact && verification.rowsChecked == 12 && verification.sealedPartitions == 2)
        #expect(table.storage().sealedRows == 12)
        #expect(table.compact(now: Timestamp(nanoseconds: Self.base + 3 * 86_400_000_000_000)).errors.isEmpty)
        #expect(table.stats().partitions == 4)
        #expect(table.health.isHealthy)
        #expect(backend.holdsTable(named: "fills") && !backend.holdsTable(named: "other"))
        try table.close()
        #expect(throws: StrataError.self) { try table.flush() }
        try backend.close()
        await PostgresTestServer.drop(configuration)
    }

    /// A batch PostgreSQL refuses part of stores nothing: the error is typed, health degraded
    /// until the next append succeeds.
    @Test(.enabled(if: PostgresTestServer.enabled, "PostgreSQL unreachable at \(PostgresTestServer.url)"))
    func anAppendIsAllOrNothing() async throws {
        let configuration = try PostgresTestServer.configuration("atomic")
        let backend = try PostgresBackend(configuration: configuration)
        let table = try backend.openTable(Self.schema(), options: TableOptions())
        _ = try table.append(Self.batch(0..<5))
        var bad = Self.batch(5..<50)
        let refused = bad.texts.append("nul \u{0} byte")  // text PostgreSQL refuses
        bad.columns[3][40] = refused
        let error = #expect(throws: StrataError.self) { try table.append(bad) }
        #expect(error?.code == .io)
        #expect(error?.message.contains(configuration.host) == true)
        #expect(table.stats().rows == 5)
        #expect(!table.health.isHealthy)
        // The failure is health's last error too, though the server stays reachable.
        let health = backend.checkHealth()
        #expect(health.reachable)
        #expect(health.lastError == error?.message, "\(String(describing: health.lastError))")
        #expect(health.lastErrorAt != nil)
        #expect(try table.append(Self.batch(5..<50)) == AppendReport(stored: 45, duplicates: 0))
        #expect(table.health.isHealthy)
        try table.close()
        try backend.close()
        await PostgresTestServer.drop(configuration)
    }

    /// Two nodes on one schema: retention on one drops partitions the other made; the other's
    /// next append into those days makes them again (once) and stores its rows.
    @Test(.enabled(if: PostgresTestServer.enabled, "PostgreSQL unreachable at \(PostgresTestServer.url)"))
    func aPartitionDroppedByAnotherNodeIsMadeAgain() async throws {
        let configuration = try PostgresTestServer.configuration("nodes")
        let first = try PostgresBackend(configuration: configuration)
        let second = try PostgresBackend(configuration: configuration)
        let writer = try first.openTable(Self.schema(), options: TableOptions())
        let keeper = try second.openTable(Self.schema(), options: TableOptions())
        _ = try writer.append(Self.batch(0..<10))
        let dropped = try keeper.dropPartitions(endingAtOrBefore: Self.base + 3 * 86_400_000_000_000)
        #expect(dropped.rows == 10 && dropped.partitions.count == 1)
        #expect(try writer.append(Self.batch(10..<20)) == AppendReport(stored: 10, duplicates: 0))
        #expect(try keeper.range(symbol: "AAPL", from: .min, to: .max, limit: .max).count == 10)
        #expect(writer.health.isHealthy)
        try first.close()
        try second.close()
        await PostgresTestServer.drop(configuration)
    }

    /// An optional column added to a stored table is a migration (version 2 of the table's
    /// scope); rows stored before read it as absent; a retyped column is refused.
    @Test(.enabled(if: PostgresTestServer.enabled, "PostgreSQL unreachable at \(PostgresTestServer.url)"))
    func anAddedColumnIsAMigration() async throws {
        let configuration = try PostgresTestServer.configuration("evolve")
        let backend = try PostgresBackend(configuration: configuration)
        let first = try backend.openTable(Self.schema(), options: TableOptions())
        _ = try first.append(Self.batch(0..<3))
        try first.close()
        let second = try backend.openTable(Self.schema(extra: true), options: TableOptions())
        var batch = Self.batch(3..<5, extra: true)
        batch.columns[4] = [1_25, Int64.min]
        _ = try second.append(batch)
        let rows = try second.range(symbol: "AAPL", from: .min, to: .max, limit: .max)
        #expect(rows.columns[4] == [Int64.min, Int64.min, Int64.min, 1_25, Int64.min])
        let ledger = try await PostgresTestServer.sql(
            configuration,
            "SELECT version, name FROM \"\(configuration.schema)\".strata_migrations WHERE scope = 'table:fills' ORDER BY 1"
        ).map { try $0.decode((Int, String).self) }
        #expect(ledger.map(\.0) == [1, 2])
        #expect(ledger.last?.1 == "add column fee to fills")
        try second.close()
        let retyped = try RecordSchema(
            name: "fills",
            columns: [
                SchemaColumn("ts", .timestamp), SchemaColumn("symbol", .symbol), SchemaColumn("id", .int64),
                SchemaColumn("price", .decimal(scale: 4)),
                SchemaColumn("venue", .text, rules: ColumnRules(required: false)),
            ],
            timestamp: "ts", key: RecordKey("id"))
        let error = #expect(throws: StrataError.self) { try backend.openTable(retyped, options: TableOptions()) }
        #expect(error?.code == .invalidArgument)
        #expect(error?.message.contains("price") == true)
        try backend.close()
        await PostgresTestServer.drop(configuration)
    }
}
