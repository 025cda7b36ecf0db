import StrataCore

/// A table's SQL, generated from its schema: column types, names, DDL and the statements of an
/// append. Every identifier comes from the validated schema and is quoted; no value is ever in
/// the text (partition bounds go to `strata_ensure_partition` as parameters).
struct PostgresTableLayout: Sendable {
    let schema: RecordSchema
    /// The PostgreSQL schema (namespace).
    let namespace: String
    let partitionWidth: Int64
    /// Whether optional columns are nullable (``TableOptions/absentValues``).
    let absentValues: Bool
    /// Not partitioned whatever the key (the bar tables: small, one row per symbol and bucket).
    var unpartitioned = false

    /// How the key relates rows, as the engine does it.
    enum Mode: Equatable {
        /// No key: rows accumulate.
        case append
        /// Keep-first on `key`: a row whose (symbol, key) is stored in the same partition is a duplicate.
        case keepFirst(key: String)
        /// Last-wins on `key` (which may be the timestamp): the newest write of (symbol, key) is the row.
        case lastWins(key: String)
    }

    var mode: Mode {
        guard let key = schema.key else { return .append }
        return key.policy == .keepFirst ? .keepFirst(key: key.column) : .lastWins(key: key.column)
    }

    /// Last-wins on a column other than the timestamp: a key's newest row may move in time, and
    /// PostgreSQL enforces a unique key only within each partition (the partition key must be
    /// part of it), so these tables — reference data, small — are not partitioned.
    var isPartitioned: Bool {
        if unpartitioned { return false }
        if case .lastWins(let key) = mode, key != schema.timestamp { return false }
        return true
    }

    var table: String { SQL.qualified(namespace, schema.name) }
    var sequence: String { SQL.qualified(namespace, schema.name + "$seq") }
    var symbol: String { SQL.quote(schema.symbolColumn.name) }
    var time: String { SQL.quote(schema.timestamp) }
    /// Every column in declared order (the symbol among them).
    var columns: [SchemaColumn] { schema.columns }
    /// The lanes' columns (every column but the symbol).
    var lanes: [SchemaColumn] { schema.storageColumns }

    func partitionName(_ index: Int64) -> String { schema.name + "$p" + (index < 0 ? "m\(-index)" : "\(index)") }

    func isNullable(_ column: SchemaColumn) -> Bool { absentValues && !column.rules.required }

    /// The PostgreSQL type of a column.
    static func type(of column: SchemaColumn) -> String {
        switch column.kind {
        case .timestamp, .int64: "bigint"
        case .int8: "smallint"
        case .decimal(let scale): "numeric(19, \(scale))"
        case .float64: "double precision"
        case .bool: "boolean"
        case .text, .symbol: "text COLLATE \"C\""
        }
    }

    /// The partition number of a timestamp (floor division).
    func partition(of time: Int64) -> Int64 {
        let q = time / partitionWidth
        return (time % partitionWidth != 0 && time < 0) ? q - 1 : q
    }

    /// `[lo, hi)` of partition `index`, clamped to Int64.
    func bounds(of index: Int64) -> (lo: Int64, hi: Int64) {
        let lo = Int128(index) * Int128(partitionWidth)
        return (Int64(clamping: lo), Int64(clamping: lo + Int128(partitionWidth)))
    }

    // MARK: DDL, as migrations

    /// The migration that creates the table as `schema` describes it.
    func createMigration() -> PostgresMigration {
        var definitions = columns.map { column in
            SQL.quote(column.name) + " " + Self.type(of: column) + (isNullable(column) ? "" : " NOT NULL")
        }
        definitions.append("\"_strata_seq\" bigint NOT NULL")
        var up = [
            "CREATE SEQUENCE \(sequence)",
            "CREATE TABLE \(table) (\(definitions.joined(separator: ", ")))"
                + (isPartitioned ? " PARTITION BY RANGE (\(time))" : ""),
        ]
        switch mode {
        case .append: break
        case .keepFirst(let key):
            let keyColumns = key == schema.timestamp ? [symbol, time] : [symbol, SQL.quote(key), time]
            up.append(
                "ALTER TABLE \(table) ADD CONSTRAINT \(SQL.quote(schema.name + "$key")) UNIQUE (\(keyColumns.joined(separator: ", ")))"
            )
        case .lastWins(let key):
            up.append(
                "ALTER TABLE \(table) ADD CONSTRAINT \(SQL.quote(schema.name + "$key")) UNIQUE (\(symbol), \(SQL.quote(key)))"
            )
        }
        up.append("CREATE INDEX \(SQL.quote(schema.name + "$symbol_time")) ON \(table) (\(symbol), \(time) DESC)")
        return PostgresMigration(
            version: 1, name: "create table \(schema.name)", up: up,
            down: ["DROP TABLE \(table)", "DROP SEQUENCE \(sequence)"])
    }

    /// The migration that adds `column` (optional, at the end) as version `version`.
    func addColumnMigration(_ column: SchemaColumn, version: Int) -> PostgresMigration {
        PostgresMigration(
            version: version, name: "add column \(column.name) to \(schema.name)",
            up: ["ALTER TABLE \(table) ADD COLUMN \(SQL.quote(column.name)) \(Self.type(of: column))"],
            down: ["ALTER TABLE \(table) DROP COLUMN \(SQL.quote(column.name))"])
    }

    // MARK: Append

    /// The staging table's name (temporary, dropped at commit).
    static let stage = "strata_stage"

    /// Creates the staging table: the target's types, every column nullable (the target checks),
    /// the row's place in the batch and its partition's bounds.
    var createStage: String {
        let definitions = columns.map { SQL.quote($0.name) + " " + Self.type(of: $0) }
        return "CREATE TEMPORARY TABLE \(Self.stage) (\(definitions.joined(separator: ", ")), "
            + "\"_strata_ord\" bigint, \"_strata_lo\" bigint, \"_strata_hi\" bigint) ON COMMIT DROP"
    }

    /// The COPY column list of the staging table.
    var stageColumns: [String] { columns.map(\.name) + ["_strata_ord", "_strata_lo", "_strata_hi"] }

    /// The statement moving the staging rows into the table ($1: the sequence base of the batch),
    /// answering one row per stored row: its place in the batch, and for last-wins whether it
    /// was new (not an overwrite).
    var insert: String {
        let names = columns.map { SQL.quote($0.name) }
        let target = (names + ["\"_strata_seq\""]).joined(separator: ", ")
        let values = (names.map { "s." + $0 } + ["$1::bigint + s.\"_strata_ord\""]).joined(separator: ", ")
        switch mode {
        case .append:
            return """
                INSERT INTO \(table) (\(target)) SELECT \(values) FROM \(Self.stage) s ORDER BY s."_strata_ord"
                RETURNING "_strata_seq" - $1::bigint, true
                """
        case .keepFirst(let key):
            // No `ON CONFLICT`: every writer holds the table's advisory lock, under which
            // `DISTINCT ON` and `NOT EXISTS` exclude every row the unique key would refuse (same
            // symbol and key in the partition covers same symbol, key and time). Speculative
            // insertion cost more than the rest of the statement (100k rows: 2.8 s against 1.7 s
            // on the loaded 2-core machine); a writer that skipped the lock gets the unique
            // violation, the batch rolled back, never a silent double.
            let key = SQL.quote(key)
            return """
                INSERT INTO \(table) (\(target)) SELECT \(values) FROM (
                    SELECT DISTINCT ON (\(symbol), \(key), "_strata_lo") * FROM \(Self.stage)
                    ORDER BY \(symbol), \(key), "_strata_lo", "_strata_ord") s
                WHERE NOT EXISTS (
                    SELECT 1 FROM \(table) x WHERE x.\(symbol) = s.\(symbol) AND x.\(key) = s.\(key)
                    AND x.\(time) >= s."_strata_lo" AND x.\(time) < s."_strata_hi")
                ORDER BY s."_strata_ord"
                RETURNING "_strata_seq" - $1::bigint, true
                """
        case .lastWins(let key):
            let key = SQL.quote(key)
            let updates = (columns.map(\.name) + ["_strata_seq"]).map { SQL.quote($0) + " = EXCLUDED." + SQL.quote($0) }
            return """
                INSERT INTO \(table) (\(target)) SELECT \(values) FROM (
                    SELECT DISTINCT ON (\(symbol), \(key)) * FROM \(Self.stage)
                    ORDER BY \(symbol), \(key), "_strata_ord" DESC) s
                ORDER BY s."_strata_ord"
                ON CONFLICT (\(symbol), \(key)) DO UPDATE SET \(updates.joined(separator: ", "))
                RETURNING "_strata_seq" - $1::bigint, true
                """
        }
    }

    /// For a last-wins table: the batch's distinct keys, and how many of them are stored already
    /// (what the append will overwrite). PostgreSQL cannot return `xmax` from a partitioned
    /// table's upsert, so this is asked before the insert, under the table's lock.
    var existingKeys: String? {
        guard case .lastWins(let column) = mode else { return nil }
        let key = SQL.quote(column)
        return """
            SELECT count(*)::bigint, (count(*) FILTER (WHERE EXISTS (
                SELECT 1 FROM \(table) x WHERE x.\(symbol) = s.\(symbol) AND x.\(key) = s.\(key))))::bigint
            FROM (SELECT DISTINCT \(symbol), \(key) FROM \(Self.stage)) s
            """
    }

    // MARK: Reads

    /// The select list of a row's lanes, each decodable as its lane's Swift type.
    var laneSelect: String {
        lanes.map { column in
            let name = SQL.quote(column.name)
            switch column.kind {
            case .int8: return name + "::bigint"
            case .decimal(let scale): return scale == 0 ? name + "::bigint" : "(\(name) * 1e\(scale))::bigint"
            default: return name
            }
        }.joined(separator: ", ")
    }
}
