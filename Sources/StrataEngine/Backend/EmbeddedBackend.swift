public import StrataCore

#if canImport(Glibc)
    import Glibc
#endif

/// The embedded engine as a ``StorageBackend``: each table an ``EngineTable`` in
/// `<directory>/<name>/`, with the layout it was created with in `<directory>/<name>/schema`.
///
/// Opening a table it already holds compares the schema with that stored layout
/// (``RecordSchema/evolution(from:)``): optional columns added at the end are allowed (WAL frames
/// and files written before read them as absent); anything that would misread stored rows is
/// refused naming the table, the column and the change. The continuous bars of the trades table
/// are this backend's (``openTrades(_:options:barsDirectory:)``).
public final class EmbeddedBackend: StorageBackend {
    public let directory: String
    public let durability: Durability
    /// Nanoseconds of newer data after which an open partition seals itself.
    public let sealGrace: Int64

    public var name: String { "embedded" }

    public init(directory: String, durability: Durability, sealGrace: Int64) {
        self.directory = directory
        self.durability = durability
        self.sealGrace = sealGrace
    }

    public func openTable(_ schema: RecordSchema, options: TableOptions) throws -> any BackendTable {
        let layout = try prepare(schema, options: options)
        return try EngineTable(
            directory: directory + "/" + schema.name, schema: layout, durability: durability, sealGrace: sealGrace)
    }

    /// Whether `<directory>/<name>/` holds a table (its layout file).
    public func holdsTable(named name: String) -> Bool { FileSystem.exists(directory + "/" + name + "/schema") }

    /// Opens a trades table with its continuous bars (`<directory>/bars/`).
    package func openTrades(_ schema: RecordSchema, options: TableOptions) throws -> (
        trades: EngineTable, bars: TradeBars
    ) {
        let layout = try prepare(schema, options: options)
        return try TradeBars.open(
            directory: directory + "/bars", tradesDirectory: directory + "/" + schema.name, tradesSchema: layout,
            durability: durability, sealGrace: sealGrace)
    }

    public func close() throws {}

    /// The engine layout of `schema`, checked against (or recorded as) the table's stored layout.
    private func prepare(_ schema: RecordSchema, options: TableOptions) throws -> TableSchema {
        func refuse(_ error: any Error) -> StrataError { StrataError(.invalidArgument, "\(error)") }
        let layout: TableSchema
        do {
            layout = try TableSchema(
                record: schema, partitionDuration: options.partitionDuration, absentValues: options.absentValues)
        } catch {
            throw refuse(error)
        }
        let tableDirectory = directory + "/" + schema.name
        let layoutPath = tableDirectory + "/schema"
        if FileSystem.exists(layoutPath) {
            let text = String(
                decoding: try FileDescriptor(path: layoutPath, flags: O_RDONLY).readAll(), as: UTF8.self)
            guard let stored = Self.storedLayout(text, name: schema.name) else {
                throw StrataError(.corruptFile, "unreadable table layout", path: layoutPath)
            }
            let added: [SchemaColumn]
            do {
                added = try schema.evolution(from: stored)
            } catch {
                throw refuse(error)
            }
            // Added columns (optional, at the end): files and WAL frames written before read
            // them as absent. The layout now names them.
            if !added.isEmpty || Self.layoutText(stored) != Self.layoutText(schema) {
                try FileSystem.writeAtomically(layoutPath, chunks: [Array(Self.layoutText(schema).utf8)])
            }
        } else {
            try FileSystem.createDirectory(tableDirectory)
            try FileSystem.writeAtomically(layoutPath, chunks: [Array(Self.layoutText(schema).utf8)])
        }
        return layout
    }
}
