import Logging
import PostgresNIO
import StrataCore

/// SQL text from identifiers only: quoting, and the helpers every statement goes through.
enum SQL {
    /// `"name"`: an identifier quoted (names come from validated schemas: lowercase identifiers;
    /// a double quote is doubled anyway).
    static func quote(_ name: String) -> String {
        "\"" + name.replacing("\"", with: "\"\"") + "\""
    }

    /// `"schema"."name"`.
    static func qualified(_ schema: String, _ name: String) -> String { quote(schema) + "." + quote(name) }

    /// Whether `name` is `[a-z_][a-z0-9_]*` of at most 63 bytes (PostgreSQL's identifier length).
    static func isIdentifier(_ name: String) -> Bool {
        let bytes = Array(name.utf8)
        guard (1...63).contains(bytes.count) else { return false }
        func letter(_ b: UInt8) -> Bool {
            (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(b) || b == UInt8(ascii: "_")
        }
        return letter(bytes[0])
            && bytes.allSatisfy { letter($0) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }
    }
}

extension PostgresConnection {
    /// Runs one statement (parameters bound, never spliced) and drains its rows.
    func execute(_ sql: String, _ binds: PostgresBindings = PostgresBindings(), logger: Logger) async throws {
        let rows = try await query(PostgresQuery(unsafeSQL: sql, binds: binds), logger: logger)
        for try await _ in rows {}
    }

    /// Runs one query and collects its rows.
    func rows(_ sql: String, _ binds: PostgresBindings = PostgresBindings(), logger: Logger) async throws
        -> [PostgresRow]
    {
        try await query(PostgresQuery(unsafeSQL: sql, binds: binds), logger: logger).collect()
    }

    /// `body` in one transaction: committed if it returns, rolled back if it throws (the error
    /// rethrown as it was).
    func inTransaction<T>(logger: Logger, _ body: (PostgresConnection) async throws -> T) async throws -> T {
        try await execute("BEGIN", logger: logger)
        do {
            let value = try await body(self)
            try await execute("COMMIT", logger: logger)
            return value
        } catch {
            try? await execute("ROLLBACK", logger: logger)
            throw error
        }
    }

    /// `body` holding the session advisory lock named `key` (waits for it), released after.
    func withAdvisoryLock<T>(_ key: String, logger: Logger, _ body: (PostgresConnection) async throws -> T)
        async throws -> T
    {
        var binds = PostgresBindings()
        binds.append(key)
        try await execute("SELECT pg_advisory_lock(hashtext($1))", binds, logger: logger)
        do {
            let value = try await body(self)
            try await execute("SELECT pg_advisory_unlock(hashtext($1))", binds, logger: logger)
            return value
        } catch {
            try? await execute("SELECT pg_advisory_unlock(hashtext($1))", binds, logger: logger)
            throw error
        }
    }
}
