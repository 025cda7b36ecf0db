import Foundation
import StrataClickHouse
import StrataCore
import StrataTestSupport
import StrataTiers
import Testing

/// DDL from the catalog for every schema kind — the built-in tables, the trading records' and
/// every example table of `Docs/examples` — created in the real server, with their rows stored
/// exactly (absent values as NULL, text with tabs, quotes and newlines, decimals at every scale).
@Suite(TestClickHouse.sharedServer) struct ClickHouseSchemaTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path

    struct Document: Decodable { var tables: [RecordSchema] }

    /// Every schema of the catalog: built-in, trading records, the examples' declared tables.
    static func everySchema() throws -> [RecordSchema] {
        let directory = root + "/Docs/examples/tables"
        let files = try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasSuffix(".json") }
        let declared = try files.sorted().flatMap { file in
            try JSONDecoder().decode(
                Document.self, from: Data(contentsOf: URL(fileURLWithPath: directory + "/" + file))
            )
            .tables
        }
        return RecordSchema.builtIn + RecordSchema.tradingRecords + declared
    }

    /// Three rows of `schema` with a value of every kind (optional columns absent in row 1).
    static func rows(_ schema: RecordSchema, position: UInt64) -> (LogEntry, [[String]]) {
        let storage = schema.storageColumns
        var batch = ColumnBatch(columnCount: storage.count)
        batch.symbols = ["SYM-1", "b/2"]
        var expected: [[String]] = []
        for row in 0..<3 {
            batch.symbolIndex.append(UInt32(row % 2))
            var fields: [String] = []
            var lane = 0
            for column in schema.columns {
                if column.kind == .symbol {
                    fields.append(batch.symbols[row % 2])
                    continue
                }
                defer { lane += 1 }
                if !column.rules.required && row == 1 {
                    batch.columns[lane].append(column.kind.absentLane)
                    fields.append("\\N")
                    continue
                }
                let r = Int64(row)
                switch column.kind {
                case .timestamp:
                    let value = 1_700_000_000_123_456_789 + r * 61_000_000_001
                    batch.columns[lane].append(value)
                    fields.append(String(value))
                case .int64:
                    batch.columns[lane].append(r * 7 - 3)
                    fields.append(String(r * 7 - 3))
                case .int8:
                    batch.columns[lane].append(r + 1)
                    fields.append(String(r + 1))
                case .decimal(let scale):
                    let mantissa = (r == 2 ? -1 : 1) * (123_456_789 + r)
                    batch.columns[lane].append(mantissa)
                    fields.append(Self.decimalText(mantissa, scale: scale))
                case .float64:
                    batch.columns[lane].append(Int64(bitPattern: (0.25 * Double(row + 1)).bitPattern))
                    fields.append(["0.25", "0.5", "0.75"][row])
                case .bool:
                    batch.columns[lane].append(r % 2)
                    fields.append(String(r % 2))
                case .text:
                    let text = "row \(row)\ttab 'quote' \\ \"dq\"\nline é"
                    batch.columns[lane].append(batch.texts.append(text))
                    fields.append(text)
                case .symbol: break
                }
            }
            expected.append(fields + [String(position)])
        }
        return (LogEntry(position: position, committedAt: 42, batch: batch), expected)
    }

    static func decimalText(_ mantissa: Int64, scale: Int) -> String {
        let digits = String(mantissa.magnitude)
        let sign = mantissa < 0 ? "-" : ""
        guard scale > 0 else { return sign + digits }
        let padded = String(repeating: "0", count: max(0, scale + 1 - digits.count)) + digits
        return sign + padded.dropLast(scale) + "." + padded.suffix(scale)
    }

    @Test func everySchemaKindIsCreatedAndKeepsItsRowsExactly() async throws {
        let schemas = try Self.everySchema()
        #expect(schemas.count >= 19)
        let client = try await TestClickHouse.client("schemas")
        let tier = ClickHouseTier(client: client, configuration: .init(tables: schemas))
        try await tier.prepare()
        let version = try await client.version()
        for schema in schemas {
            let layout = ClickHouseTableLayout(schema: schema, version: version)
            // The columns and their types, as the server describes them.
            let described = try await client.rows(
                "DESCRIBE TABLE \(layout.qualifiedName(database: client.configuration.database))")
            let expectedTypes =
                schema.columns.map { [$0.name, layout.columnType($0)] } + [
                    ["_position", "UInt64"], ["_time", "DateTime"],
                ]
            #expect(
                described.map { [$0[0], Self.normalize($0[1])] }
                    == expectedTypes.map { [$0[0], Self.normalize($0[1])] },
                "\(schema.name)")
            // Partitioned by month, ordered by (symbol, time).
            let create = try await client.query(
                "SHOW CREATE TABLE \(layout.qualifiedName(database: client.configuration.database))")
            #expect(create.contains("PARTITION BY toYYYYMM("), "\(schema.name)")
            #expect(
                create.contains("ORDER BY (\(schema.symbolColumn.name), \(schema.timestamp))"),
                "\(schema.name): \(create)")
            let (entry, expected) = Self.rows(schema, position: 1)
            try await tier.apply(table: schema.name, entries: [entry])
            let columns = (schema.columns.map { ClickHouseSQL.quote(identifier: $0.name) } + ["_position"])
                .map { $0 }.joined(separator: ", ")
            let stored = try await client.rows(
                "SELECT \(columns) FROM \(layout.qualifiedName(database: client.configuration.database)) ORDER BY \(ClickHouseSQL.quote(identifier: schema.timestamp))"
            )
            #expect(stored == expected, "\(schema.name)")
            #expect(try await tier.appliedPosition(table: schema.name) == 1)
        }
        let views = try await client.rows(
            "SELECT name FROM system.tables WHERE database = '\(client.configuration.database)' AND engine = 'MaterializedView' ORDER BY name"
        )
        // Bars for the tables with trades' shape: trades and aggregated trades, five timeframes each.
        #expect(
            views.map { $0[0] }.sorted()
                == ["aggtrades", "trades"].flatMap { table in
                    ["1m", "5m", "15m", "1h", "1d"].map { "\(table)_bars_\($0)_mv" }
                }.sorted())
        await TestClickHouse.dispose(client)
    }

    /// `Decimal(18, 8)` and `Decimal64(8)` name one type.
    static func normalize(_ type: String) -> String {
        var type = type
        for scale in 0...18 {
            type = type.replacingOccurrences(of: "Decimal(18, \(scale))", with: "Decimal64(\(scale))")
        }
        return type
    }

    /// On a server with codecs (19.10 and later) the DDL writes them; 18.16's has none.
    @Test func codecsAndLowCardinalityFollowTheServerVersion() {
        let new = ClickHouseTableLayout(schema: .trades, version: ClickHouseVersion([23, 8, 2]))
        let statement = new.createStatement(database: "db")
        #expect(statement.contains("`ts_ns` Int64 CODEC(DoubleDelta, LZ4)"))
        #expect(statement.contains("`price` Decimal64(8) CODEC(Delta, LZ4)"))
        #expect(statement.contains("`symbol` LowCardinality(String)"))
        #expect(statement.contains("_position UInt64 CODEC(DoubleDelta, LZ4)"))
        let old = ClickHouseTableLayout(schema: .trades, version: ClickHouseVersion([18, 16, 1]))
        let oldStatement = old.createStatement(database: "db")
        #expect(!oldStatement.contains("CODEC") && !oldStatement.contains("LowCardinality"))
        #expect(oldStatement.contains("ORDER BY (`symbol`, `ts_ns`)"))
        let signals = ClickHouseTableLayout(schema: .signalHistory, version: ClickHouseVersion([23, 8]))
        #expect(signals.createStatement(database: "db").contains("`confidence` Float64 CODEC(Gorilla, LZ4)"))
        #expect(signals.createStatement(database: "db").contains("`price` Nullable(Decimal64(8)) CODEC(Delta, LZ4)"))
    }
}
