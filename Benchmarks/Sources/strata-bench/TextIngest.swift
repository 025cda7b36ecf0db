import Foundation
import GRDB
import Strata
import StrataEngine

/// TEXT: ingest of a news-like table with two text columns through the library — a declared
/// table (`news`: time, symbol, id, source, headline ~80 bytes, sentiment as float64; keep-first
/// id), appended as `Row`s in batches of 10,000 — and the same rows into SQLite in the same run
/// (one `news` table, the index on `(symbol, ts)`, one transaction per batch, a prepared INSERT).
///
/// The rows are generated before either clock starts; both sides are timed from the first batch
/// to the last commit. Strata's store is group-commit durable, SQLite's WAL `synchronous=NORMAL`,
/// as in W1.
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
        // The library's input: `Row`s, built before the clock starts (as SQLite's arguments are).
        let batches: [[Strata.Row]] = stride(from: 0, to: rows, by: Self.batchRows).map { first in
            items[first..<min(rows, first + Self.batchRows)].map { item in
                Strata.Row(
                    symbol: item.symbol,
                    [
                        "ts": .timestamp(Timestamp(nanoseconds: item.ts)), "id": .integer(item.id),
                        "source": .text(item.source), "headline": .text(item.headline),
                        "sentiment": .float(item.sentiment),
                    ])
            }
        }

        let store = try StrataStore.open(
            directory: directory + "/strata",
            configuration: .init(
                durability: .groupCommit(milliseconds: 10), maintenanceInterval: nil, tables: [Self.news]))
        let table = try require(store.table(named: "news"), "the news table")
        let strataStart = monotonicNanoseconds()
        for batch in batches { try await table.append(batch) }
        try store.flush()
        let strataNanoseconds = monotonicNanoseconds() - strataStart
        let stored = table.stats().rows
        let sample = try await table.latest(symbol: items[rows - 1].symbol, limit: 1).first
        try store.close()
        guard stored == rows, sample?["headline"] == .text(items[rows - 1].headline) else {
            report.fail("TEXT: Strata stored \(stored) rows of \(rows), or the newest headline differs")
            return
        }
        let strataRate = Double(rows) / (Double(strataNanoseconds) / 1e9)
        report.line("Strata: \(formatDuration(strataNanoseconds)), \(formatRate(strataRate)); check: all rows stored")

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
        let ratio = sqliteRate.map { " (\(fixed(strataRate / $0, 1))× SQLite's \(formatRate($0)))" } ?? ""
        report.add(
            "TEXT ingest (news-like, library)", formatRate(strataRate) + ratio, target: "≥ 1 M rows/s",
            pass: strataRate >= Self.target)
        if !options.keepData { removeTree(directory) }
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
