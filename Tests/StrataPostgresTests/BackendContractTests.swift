import Foundation
import StrataCore
import StrataEngine
import StrataPostgres
import Testing

/// One contract, every backend: the same appends (with duplicates under each key mode, equal
/// times, rows over three days) on the embedded engine (a temporary directory) and on
/// PostgreSQL, then the same reads — range, latest, latest before, last time, symbols, spans,
/// aggregates, summaries, stats' counts, retention — must give identical answers.
@Suite(.enabled(if: PostgresTestServer.enabled, "PostgreSQL unreachable at \(PostgresTestServer.url)"))
struct BackendContractTests {
    /// The table kinds of the contract.
    enum Kind: String, CaseIterable, Sendable {
        /// The built-in trades: keep-first on trade_id, no absent values.
        case trades
        /// A user-defined table, keep-first on `id`.
        case keepFirst
        /// A user-defined table, last-wins on `id` (a key's newest row may move in time).
        case lastWins
        /// A user-defined table, last-wins on its timestamp.
        case lastWinsByTime
        /// A user-defined table without a key.
        case appendOnly
    }

    static let day: Int64 = 86_400_000_000_000
    static let base: Int64 = 1_719_792_000_000_000_000  // 2024-07-01

    static func schema(_ kind: Kind) throws -> RecordSchema {
        if kind == .trades { return .trades }
        let key: RecordKey? =
            switch kind {
            case .keepFirst: RecordKey("id", policy: .keepFirst)
            case .lastWins: RecordKey("id", policy: .lastWins)
            case .lastWinsByTime: RecordKey("ts", policy: .lastWins)
            default: nil
            }
        return try RecordSchema(
            name: "ticks_\(kind.rawValue.lowercased())",
            columns: [
                SchemaColumn("ts", .timestamp), SchemaColumn("symbol", .symbol), SchemaColumn("id", .int64),
                SchemaColumn("price", .decimal(scale: 4)),
                SchemaColumn("note", .text, rules: ColumnRules(required: false)),
                SchemaColumn("flag", .bool, rules: ColumnRules(required: false)),
                SchemaColumn("score", .float64, rules: ColumnRules(required: false)),
                SchemaColumn("level", .int8, rules: ColumnRules(required: false)),
                SchemaColumn("qty", .decimal(scale: 8)),
            ],
            timestamp: "ts", key: key)
    }

    static func options(_ kind: Kind) -> TableOptions { TableOptions(absentValues: kind != .trades) }

    /// Batch `number`: rows of three symbols over three days, out of order, equal times, and
    /// repeats of earlier ids — at the same time, at another time the same day, another day.
    static func batch(_ kind: Kind, number: Int, schema: RecordSchema) -> ColumnBatch {
        var random = SplitMix64(seed: UInt64(number) * 7919 + 17)
        let lanes = schema.storageColumns
        let symbols = ["AAPL", "BTCUSDT", "ETH-USD"]
        var batch = ColumnBatch(columnCount: lanes.count)
        batch.symbols = symbols
        var rows: [(time: Int64, id: Int64, symbol: UInt32)] = []
        for i in 0..<120 {
            let id = Int64(number * 1000 + i)
            let symbol = UInt32(random.next() % 3)
            var time = base + Int64(random.next() % 3) * day + Int64(random.next() % 400) * 1_000_000_000
            if i % 11 == 5, let previous = rows.last { time = previous.time }  // equal times
            rows.append((time, id, symbol))
        }
        // Repeats: same key and time; same key, same day, later; same key, the next day.
        for (k, i) in [3, 17, 40, 77, 101].enumerated() {
            var repeated = rows[i]
            if k % 3 == 1 { repeated.time += 1_000_000 }
            if k % 3 == 2 { repeated.time += day }
            rows.append(repeated)
        }
        if number > 0 { rows.append((base + 50_000_000_000, Int64(3), 0)) }  // a key of batch 0
        for (n, row) in rows.enumerated() {
            batch.symbolIndex.append(row.symbol)
            for (c, column) in lanes.enumerated() {
                let absent = n % 4 == 3 && !column.rules.required && kind != .trades
                var lane: Int64
                switch column.name {
                case "ts", "ts_ns": lane = row.time
                case "id", "trade_id": lane = row.id
                case "price": lane = 10_000 + Int64(random.next() % 90_000) * (kind == .trades ? 10_000 : 1)
                case "qty": lane = 1 + Int64(random.next() % 5_000_000)
                case "note":
                    lane = batch.texts.append(n % 5 == 0 ? "" : "tab\there, \\ and ünïcode №\(n)\nline two")
                case "flag", "is_buyer_maker": lane = Int64(n % 2)
                case "score": lane = Int64(bitPattern: (Double(n) / 8 - 3).bitPattern)
                case "level": lane = Int64(n % 10) - 5
                default: lane = 0
                }
                if absent { lane = column.kind.absentLane }
                batch.columns[c].append(lane)
            }
        }
        return batch
    }

    /// A row set as text, column by column (texts resolved), for comparison.
    static func rows(_ set: RowSet, _ schema: RecordSchema) -> [[String]] {
        let lanes = schema.storageColumns
        return (0..<set.count).map { row in
            lanes.enumerated().map { c, column in
                let lane = set.columns[c][row]
                if column.kind == .text { return lane < 0 ? "<absent>" : set.texts.string(lane) }
                return "\(lane)"
            }
        }
    }

    /// Everything asked of a table, as comparable values.
    struct Answers: Equatable, CustomStringConvertible {
        var reports: [AppendReport] = []
        var reads: [String: [[String]]] = [:]
        var lastTimes: [String: Int64?] = [:]
        var symbols: [String] = []
        var spans: [SymbolSpan] = []
        var aggregates: [[ColumnAggregate.Row]] = []
        var summaries: [[ColumnSummary]] = []
        /// What `stats()` counts, before and after the drop (compared with the rows reads see).
        var statsRows = 0
        var statsRowsAfterDrop = 0
        /// Rows a full range read returns per symbol, before and after the drop.
        var rangeRows: [String: Int] = [:]
        var rangeRowsAfterDrop: [String: Int] = [:]
        var dropped: [Int64] = []
        var droppedRows = 0
        var symbolsAfterDrop: [String] = []
        var spansAfterDrop: [SymbolSpan] = []
        var census: [Int] = []

        var description: String {
            "reports \(reports), symbols \(symbols), spans \(spans), rows \(statsRows), dropped \(dropped) (\(droppedRows) rows), aggregates \(aggregates), summaries \(summaries)"
        }
    }

    static func answers(_ table: any BackendTable, _ kind: Kind, _ schema: RecordSchema) throws -> Answers {
        var answers = Answers()
        for number in 0..<3 { answers.reports.append(try table.append(batch(kind, number: number, schema: schema))) }
        let ends: [Int64] = [base - 1, base + 120 * 1_000_000_000, base + day + 1, base + 3 * day]
        for symbol in ["AAPL", "BTCUSDT", "ETH-USD", "NONE"] {
            answers.reads["range \(symbol)"] = rows(
                try table.range(symbol: symbol, from: .min, to: .max, limit: .max), schema)
            answers.reads["range3 \(symbol)"] = rows(
                try table.range(symbol: symbol, from: base + day / 2, to: base + 2 * day, limit: 3), schema)
            answers.reads["latest \(symbol)"] = rows(try table.latest(symbol: symbol, limit: 7), schema)
            for end in ends {
                answers.reads["before \(end) \(symbol)"] = rows(
                    try table.latest(symbol: symbol, limit: 4, before: end), schema)
            }
            answers.lastTimes[symbol] = try table.lastTimestamp(symbol: symbol)
        }
        answers.symbols = table.symbols()
        answers.spans = try table.symbolSpans()
        let census = table.symbolCensus(["AAPL", "NEW1", "NEW2"])
        answers.census = [census.new, census.known]
        let numeric = kind == .trades ? ["price", "qty", "trade_id"] : ["price", "qty", "id", "level"]
        var functions: [ColumnAggregate.Function] = [.count, .vwap(price: "price", quantity: "qty")]
        for column in numeric {
            functions += [.sum(column: column), .min(column: column), .max(column: column)]
            functions += [.first(column: column), .last(column: column)]
        }
        if kind != .trades { functions += [.min(column: "score"), .max(column: "score"), .first(column: "score")] }
        let requests = [
            ColumnAggregate.Request(functions: functions, from: .min, to: .max),
            ColumnAggregate.Request(functions: functions, from: base, to: base + day, groupBySymbol: true),
            ColumnAggregate.Request(
                functions: functions, symbols: ["AAPL", "ETH-USD", "AAPL"], from: base + 100, to: .max,
                groupBySymbol: true, bucketWidth: 3_600_000_000_000),
            ColumnAggregate.Request(functions: functions, from: base, to: .max, bucketWidth: day / 2),
            ColumnAggregate.Request(functions: functions, from: base, to: base),
        ]
        for request in requests { answers.aggregates.append(try table.aggregate(request)) }
        for column in ["price", kind == .trades ? "trade_id" : "id"] {
            answers.summaries.append(try table.summarize(column: column))
        }
        answers.statsRows = table.stats().rows
        for symbol in answers.symbols {
            answers.rangeRows[symbol] = try table.range(symbol: symbol, from: .min, to: .max, limit: .max).count
        }
        let dropped = try table.dropPartitions(endingAtOrBefore: base + day + 5)
        answers.dropped = dropped.partitions.map(\.nanoseconds)
        answers.droppedRows = dropped.rows
        answers.statsRowsAfterDrop = table.stats().rows
        answers.symbolsAfterDrop = table.symbols()
        answers.spansAfterDrop = try table.symbolSpans()
        for symbol in answers.symbolsAfterDrop {
            answers.rangeRowsAfterDrop[symbol] = try table.range(symbol: symbol, from: .min, to: .max, limit: .max)
                .count
        }
        return answers
    }

    @Test(arguments: Kind.allCases)
    func sameAnswersOnEveryBackend(_ kind: Kind) async throws {
        let schema = try Self.schema(kind)
        let directory = NSTemporaryDirectory() + "strata-contract-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let embedded = EmbeddedBackend(directory: directory, durability: .osBuffered, sealGrace: 1_000_000_000)
        let engineTable = try embedded.openTable(schema, options: Self.options(kind))
        let expected = try Self.answers(engineTable, kind, schema)
        try engineTable.close()

        let configuration = try PostgresTestServer.configuration("contract_\(kind.rawValue.lowercased())")
        let backend = try PostgresBackend(configuration: configuration)
        do {
            let table = try backend.openTable(schema, options: Self.options(kind))
            let actual = try Self.answers(table, kind, schema)
            #expect(actual.reports == expected.reports)
            for key in expected.reads.keys.sorted() {
                #expect(actual.reads[key] == expected.reads[key], "\(key)")
            }
            #expect(actual.lastTimes == expected.lastTimes)
            #expect(actual.symbols == expected.symbols)
            #expect(actual.rangeRows == expected.rangeRows)
            #expect(actual.rangeRowsAfterDrop == expected.rangeRowsAfterDrop)
            // PostgreSQL's counts are the rows its reads return.
            #expect(
                actual.spans.map { [$0.symbol: $0.rows] }
                    == actual.rangeRows.sorted { $0.key < $1.key }.map { [$0.key: $0.value] })
            #expect(actual.statsRows == actual.rangeRows.values.reduce(0, +))
            #expect(actual.statsRowsAfterDrop == actual.rangeRowsAfterDrop.values.reduce(0, +))
            #expect(actual.droppedRows == actual.statsRows - actual.statsRowsAfterDrop)
            // The engine's counts of a last-wins table are not the rows its reads return: stats
            // subtract overwrites from every version ever stored (dropped ones too), and a
            // replace-by-timestamp table's spans count the rows a later write of the same time
            // shadows. Known differences of the engine, kept visible here.
            let engineCountsDiffer = kind == .lastWinsByTime || kind == .lastWins
            withKnownIssue("the engine's counts of last-wins tables", isIntermittent: true) {
                // The engine counts the rows of the dropped files, not the late rows dropped with
                // them; a last-wins table's dropped files hold every version sealed into them, how
                // many depending on when the engine sealed (its grace period against the load).
                #expect(actual.droppedRows >= expected.droppedRows)
                #expect(actual.spans == expected.spans)
                #expect(actual.spansAfterDrop == expected.spansAfterDrop)
                #expect(actual.statsRows == expected.statsRows)
                #expect(actual.statsRowsAfterDrop == expected.statsRowsAfterDrop)
            } when: {
                engineCountsDiffer
            }
            #expect(actual.census == expected.census)
            for (a, e) in zip(actual.aggregates, expected.aggregates) { #expect(a == e) }
            #expect(actual.summaries == expected.summaries)
            #expect(actual.dropped == expected.dropped)
            #expect(actual.symbolsAfterDrop == expected.symbolsAfterDrop)
            try table.close()
        } catch {
            try? backend.close()
            await PostgresTestServer.drop(configuration)
            throw error
        }
        try backend.close()
        await PostgresTestServer.drop(configuration)
    }
}
