import Foundation
import GRDB
import Strata
import StrataEngine

/// TEXT: ingest of a news-like table with two text columns through the library — a declared
/// table (`news`: time, symbol, id, source, headline ~80 bytes, sentiment as float64; keep-first
/// id), appended in batches of 10,000 by both of `DynamicTable`'s paths, each into a fresh store:
/// columnar (`TableColumns`, the path the ≥ 1 M rows/s target applies to) first, then `Row`s —
/// and the same rows into SQLite in the same run (one `news` table, the index on `(symbol, ts)`,
/// one transaction per batch, a prepared INSERT).
///
/// The rows are generated, and each path's input built from them, before any clock starts;
/// every side is timed from the first batch to the last commit. Strata's stores are group-commit
/// durable, SQLite's WAL `synchronous=NORMAL`, as in W1.
struct TextIngest {
    let report: Report
    let directory: String

    static let target = 1_000_000.0
    static let batchRows = 10_000

    static let news = {
        do {
            return try RecordSchema(
                name: "news",
                columns: [
                    SchemaColumn("ts", .timestamp), SchemaColumn("symbol", .symbol), SchemaColumn("id", .int64),
                    SchemaColumn("source", .text, rules: ColumnRules(maximumLength: 64)),
                    SchemaColumn("headline", .text, rules: ColumnRules(maximumLength: 512)),
                    SchemaColumn("sentiment", .float64),
                ],
                timestamp: "ts", key: RecordKey("id"))
        } catch {
            preconditionFailure("the news schema: \(error)")
        }
    }()

    struct Item {
        var symbol: Symbol
        var ts: Int64
        var id: Int64
        var source: String
        var headline: String
        var sentiment: Double
    }

    /// Deterministic news-like rows: 50 symbols, 12 sources, headlines of about 80 bytes, all distinct.
    static func generate(rows: Int, start: Int64) -> [Item] {
        let symbols = (0..<50).map { Symbol(unchecked: "SYM\($0)") }
        let sources = [
            "Reuters", "Bloomberg", "Dow Jones", "AP", "CNBC", "MarketWatch", "Benzinga", "Seeking Alpha", "Barron's",
            "FT", "WSJ", "Nikkei",
        ]
        let verbs = ["beats", "misses", "raises", "cuts", "reaffirms", "withdraws"]
        let nouns = ["quarterly revenue estimates", "full-year guidance", "dividend", "buyback plan", "margin outlook"]
        var state: UInt64 = 0x5EED
        func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        return (0..<rows).map { i in
            let symbol = symbols[Int(next() % 50)]
            let headline =
                "\(symbol.name) \(verbs[Int(next() % 6)]) \(nouns[Int(next() % 5)]); shares move \(next() % 1000) bp in early trading, item \(i)"
            return Item(
                symbol: symbol, ts: start + Int64(i) * 1_000_000, id: Int64(i), source: sources[Int(next() % 12)],
                headline: headline, sentiment: Double(Int(next() % 2001) - 1000) / 1000)
        }
    }

    func run(options: Options) async throws {
        report.section("TEXT: news-like rows (two text columns, headline ~80 bytes) through the library, and SQLite")
        try makeEmptyDirectory(directory)
        let rows = options.textRows
        let start = WallClock.now().nanoseconds - 86_400_000_000_000
        let items = Self.generate(rows: rows, start: start)
        let headlineBytes = items.reduce(0) { $0 + $1.headline.utf8.count }
        report.line(
            "\(formatCount(rows)) rows, headlines \(headlineBytes / max(rows, 1)) bytes on average, batches of \(Self.batchRows)"
        )
        // The library's input, built before the clocks start (as SQLite's arguments are): the
        // same batches as `Row`s and as `TableColumns`.
        let slices = stride(from: 0, to: rows, by: Self.batchRows).map { items[$0..<min(rows, $0 + Self.batchRows)] }
        let rowBatches: [[Strata.Row]] = slices.map { slice in
            slice.map { item in
                Strata.Row(
                    symbol: item.symbol,
                    [
                        "ts": .timestamp(Timestamp(nanoseconds: item.ts)), "id": .integer(item.id),
                        "source": .text(item.source), "headline": .text(item.headline),
                        "sentiment": .float(item.sentiment),
                    ])
            }
        }
        let columnBatches: [TableColumns] = slices.map { slice in
            var batch = TableColumns(symbols: slice.map(\.symbol))
            batch["ts"] = .timestamps(slice.map { Timestamp(nanoseconds: $0.ts) })
            batch["id"] = .integers(slice.map(\.id))
            batch["source"] = .texts(slice.map(\.source))
            batch["headline"] = .texts(slice.map(\.headline))
            batch["sentiment"] = .floats(slice.map(\.sentiment))
            return batch
        }

        // Columnar first, so the path the target applies to gets no memory the other freed.
        guard
            let columnarRate = try await timeStrata(
                "columnar (TableColumns)", directory: directory + "/strata-columns", items: items,
                append: { table in for batch in columnBatches { try await table.append(batch) } }),
            let rowRate = try await timeStrata(
                "rows (Row)", directory: directory + "/strata-rows", items: items,
                append: { table in for batch in rowBatches { try await table.append(batch) } })
        else { return }

        var sqliteRate: Double?
        if !options.skipSQLite {
            let peer = try SQLiteNews(path: directory + "/news.sqlite")
            let sqliteStart = monotonicNanoseconds()
            for first in stride(from: 0, to: rows, by: Self.batchRows) {
                try peer.insert(items[first..<min(rows, first + Self.batchRows)])
            }
            let sqliteNanoseconds = monotonicNanoseconds() - sqliteStart
            let count = try peer.count()
            guard count == rows else {
                report.fail("TEXT: SQLite holds \(count) rows of \(rows)")
                return
            }
            sqliteRate = Double(rows) / (Double(sqliteNanoseconds) / 1e9)
            report.line("SQLite: \(formatDuration(sqliteNanoseconds)), \(formatRate(sqliteRate!))")
        }
        func ratio(_ rate: Double) -> String {
            sqliteRate.map { " (\(fixed(rate / $0, 1))× SQLite's \(formatRate($0)))" } ?? ""
        }
        report.line("the ≥ 1 M rows/s target applies to the columnar path (TableColumns)")
        report.add(
            "TEXT ingest, columnar (TableColumns)", formatRate(columnarRate) + ratio(columnarRate),
            target: "≥ 1 M rows/s", pass: columnarRate >= Self.target)
        report.add("TEXT ingest, rows (Row)", formatRate(rowRate) + ratio(rowRate))
        if !options.keepData { removeTree(directory) }
    }

    /// Appends the workload into a fresh store at `directory` by `append`, timed from the first
    /// batch to the last commit (the flush); checks the row count and the newest headline.
    /// - Returns: rows per second, or nil (a failure reported) if the check fails.
    private func timeStrata(
        _ path: String, directory: String, items: [Item], append: (DynamicTable) async throws -> Void
    ) async throws -> Double? {
        let store = try StrataStore.open(
            directory: directory,
            configuration: .init(
                durability: .groupCommit(milliseconds: 10), maintenanceInterval: nil, tables: [Self.news]))
        let table = try require(store.table(named: "news"), "the news table")
        let start = monotonicNanoseconds()
        try await append(table)
        try store.flush()
        let nanoseconds = monotonicNanoseconds() - start
        let stored = table.stats().rows
        let newest = items[items.count - 1]
        let sample = try await table.latest(symbol: newest.symbol, limit: 1).first
        try store.close()
        guard stored == items.count, sample?["headline"] == .text(newest.headline),
            sample?["sentiment"] == .float(newest.sentiment), sample?["id"] == .integer(newest.id)
        else {
            report.fail("TEXT: Strata (\(path)) stored \(stored) rows of \(items.count), or the newest row differs")
            return nil
        }
        let rate = Double(items.count) / (Double(nanoseconds) / 1e9)
        report.line("Strata, \(path): \(formatDuration(nanoseconds)), \(formatRate(rate)); check: all rows stored")
        return rate
    }

    private func require<T>(_ value: T?, _ what: String) throws -> T {
        guard let value else { throw BenchError("missing \(what)") }
        return value
    }
}

/// SQLite's side of TEXT: the same columns, text as TEXT, the sentiment as REAL.
final class SQLiteNews {
    let queue: DatabaseQueue

    init(path: String) throws {
        var configuration = GRDB.Configuration()
        configuration.prepareDatabase { db in try db.execute(sql: "PRAGMA synchronous = NORMAL") }
        queue = try DatabaseQueue(path: path, configuration: configuration)
        try queue.writeWithoutTransaction { db in
            _ = try String.fetchOne(db, sql: "PRAGMA journal_mode = WAL")
            try db.execute(
                sql: """
                    CREATE TABLE news (
                        symbol TEXT NOT NULL, ts INTEGER NOT NULL, id INTEGER NOT NULL,
                        source TEXT NOT NULL, headline TEXT NOT NULL, sentiment REAL NOT NULL
                    );
                    CREATE INDEX news_symbol_ts ON news (symbol, ts);
                    """)
        }
    }

    func insert(_ items: ArraySlice<TextIngest.Item>) throws {
        try queue.write { db in
            let statement = try db.cachedStatement(
                sql: "INSERT INTO news (symbol, ts, id, source, headline, sentiment) VALUES (?, ?, ?, ?, ?, ?)")
            for item in items {
                try statement.execute(arguments: [
                    item.symbol.name, item.ts, item.id, item.source, item.headline, item.sentiment,
                ])
            }
        }
    }

    func count() throws -> Int { try queue.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM news") ?? 0 } }
}
