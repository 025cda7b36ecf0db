/// The tables of a store: the built-in ones and those its configuration declares, each found by
/// its name or an alias.
///
/// ```swift
/// let catalog = try SchemaCatalog(RecordSchema.builtIn + [news])
/// catalog.schema(named: "agg_trades")?.name   // "aggtrades"
/// ```
public struct SchemaCatalog: Sendable, Hashable {
    /// The tables, in order (built-in first when built from ``builtIn``).
    public let schemas: [RecordSchema]

    /// - Throws: ``SchemaError`` when two tables share a name or an alias.
    public init(_ schemas: [RecordSchema]) throws(SchemaError) {
        try Self.checkNames(schemas)
        self.schemas = schemas
    }

    /// The built-in tables, taken as written (`RecordSchemaTests` checks them as `init` does).
    private init(unchecked schemas: [RecordSchema]) { self.schemas = schemas }

    private static func checkNames(_ schemas: [RecordSchema]) throws(SchemaError) {
        var owners: [String: String] = [:]
        for schema in schemas {
            for name in schema.names {
                if let owner = owners[name] {
                    throw SchemaError(
                        table: schema.name, column: nil,
                        problem: owner == schema.name
                            ? "the table is declared twice" : "the name '\(name)' is already table \(owner)'s")
                }
                owners[name] = schema.name
            }
        }
    }

    /// The built-in tables only.
    public static let builtIn = SchemaCatalog(unchecked: RecordSchema.builtIn)

    /// The table called `name` or answering to it.
    public func schema(named name: String) -> RecordSchema? {
        schemas.first { $0.name == name } ?? schemas.first { $0.aliases.contains(name) }
    }

    /// Every name a table answers to (for "unknown table" messages).
    public var names: [String] { schemas.flatMap(\.names) }

    /// This catalog with `schemas` added after its own.
    /// - Throws: ``SchemaError`` on a clash of names.
    public func adding(_ more: [RecordSchema]) throws(SchemaError) -> SchemaCatalog {
        try SchemaCatalog(schemas + more)
    }
}

extension RecordSchema {
    /// What changes when a table stored with `stored` is opened with this schema: the columns
    /// added (at the end of the storage order, each optional, so that rows stored before read it
    /// as absent). Anything that would reinterpret or lose stored data is refused.
    /// - Throws: ``SchemaError`` naming the table, the column and the change: a column removed,
    ///   renamed in storage, retyped or moved; a required column added; the designated timestamp,
    ///   the partitioning or the key changed.
    public func evolution(from stored: RecordSchema) throws(SchemaError) -> [SchemaColumn] {
        func refuse(_ column: String?, _ change: String) -> SchemaError {
            SchemaError(table: name, column: column, problem: change + " (a stored table cannot change so)")
        }
        guard name == stored.name else { throw refuse(nil, "the table was \(stored.name)") }
        let old = stored.storageColumns
        let new = storageColumns
        for (index, column) in old.enumerated() {
            guard let now = new.firstIndex(where: { $0.storageName == column.storageName }) else {
                throw refuse(column.name, "the column was removed")
            }
            guard new[now].kind == column.kind else {
                throw refuse(column.name, "the type changed from \(column.kind) to \(new[now].kind)")
            }
            guard now == index else { throw refuse(column.name, "the column moved from position \(index) to \(now)") }
            guard column.rules.required || !new[now].rules.required else {
                throw refuse(column.name, "the column became required: rows stored before may have none")
            }
        }
        if stored.symbolColumn.name != symbolColumn.name {
            throw refuse(symbolColumn.name, "the symbol column was \(stored.symbolColumn.name)")
        }
        let added = Array(new.dropFirst(old.count))
        for column in added where column.rules.required {
            throw refuse(column.name, "an added column must be optional: rows stored before it have none")
        }
        guard timestamp == stored.timestamp else {
            throw refuse(timestamp, "the designated timestamp changed from \(stored.timestamp)")
        }
        guard partitioning.nanoseconds == stored.partitioning.nanoseconds else {
            throw refuse(nil, "the partitioning changed from \(stored.partitioning) to \(partitioning)")
        }
        guard key == stored.key else {
            let describe = { (key: RecordKey?) in key.map { "\($0.column) (\($0.policy.rawValue))" } ?? "none" }
            throw refuse(
                key?.column ?? stored.key?.column, "the key changed from \(describe(stored.key)) to \(describe(key))")
        }
        return added
    }
}
