import StrataCore
import Testing

@testable import StrataEngine

/// The reference model: what a correct table answers, written as plainly as possible.
/// Rows of a symbol ordered by time, ties in arrival order; a row whose (symbol, partition, id)
/// was stored before is a duplicate.
struct ReferenceTable {
    let partitionDuration: Int64
    var rows: [String: [TestRow]] = [:]
    var keys: Set<String> = []
    var duplicates = 0

    mutating func append(_ batch: [TestRow]) -> (stored: Int, duplicates: Int) {
        var stored = 0
        var dups = 0
        for row in batch {
            let partition =
                row.ts >= 0 ? row.ts / partitionDuration : (row.ts - partitionDuration + 1) / partitionDuration
            let key = "\(row.symbol)|\(partition)|\(row.id)"
            if keys.contains(key) {
                dups += 1
                continue
            }
            keys.insert(key)
            var list = rows[row.symbol, default: []]
            // Insert after every row with ts <= row.ts (stable by arrival).
            let position = list.lastIndex { $0.ts <= row.ts }.map { $0 + 1 } ?? 0
            list.insert(row, at: position)
            rows[row.symbol] = list
            stored += 1
        }
        duplicates += dups
        return (stored, dups)
    }

    func range(_ symbol: String, _ from: Int64, _ to: Int64) -> [TestRow] {
        (rows[symbol] ?? []).filter { $0.ts >= from && $0.ts < to }
    }

    func latest(_ symbol: String, _ limit: Int) -> [TestRow] {
        Array((rows[symbol] ?? []).suffix(limit).reversed())
    }

    var count: Int { rows.values.reduce(0) { $0 + $1.count } }
}

@Suite struct EnginePropertyTests {
    static let symbols = ["AAA", "BBB", "CCC", "DDD"]

    /// Random appends (in order, late into open and sealed partitions, duplicates, across many
    /// partition boundaries), seals, compactions, reopenings, and queries: every answer must
    /// equal the reference model's. Even seeds add a text column (values repeated from a few, so
    /// sealed blocks use dictionaries, or distinct and long, so they use offsets). Seeds 3, 4, 7
    /// and 8 reopen the table once with two optional columns added (int64 and text): rows stored
    /// before read them as absent; later rows have values or not.
    @Test(arguments: [1, 2, 3, 4, 5, 6, 7, 8] as [UInt64])
    func matchesReferenceModel(seed: UInt64) throws {
        var random = SeededRandom(seed: seed)
        let directory = TemporaryDirectory("strata-prop")
        defer { directory.cleanup() }
        let text = seed.isMultiple(of: 2)
        var schema = testSchema(partitionDuration: 1_000, text: text)
        var added = false
        let addsColumns = seed % 4 == 3 || seed % 4 == 0
        let commonNotes = ["", "buy", "Ünïcödé ✓ 📈", "a headline, with a comma"]
        func note(_ id: Int64, using random: inout SeededRandom) -> String? {
            guard text else { return nil }
            if Bool.random(using: &random) { return commonNotes.randomElement(using: &random)! }
            return "note \(id) " + String(repeating: "é", count: Int.random(in: 0...120, using: &random))
        }
        var table = try EngineTable(directory: directory.path, schema: schema, durability: .osBuffered, sealGrace: 500)
        var model = ReferenceTable(partitionDuration: 1_000)
        var clock: Int64 = 0
        var nextID: Int64 = 0
        var history: [TestRow] = []

        for step in 0..<120 {
            let action = Int.random(in: 0..<100, using: &random)
            switch action {
            case 0..<70:
                // A batch: mostly advancing time, some late rows, some duplicates.
                var batch: [TestRow] = []
                for _ in 0..<Int.random(in: 1...60, using: &random) {
                    let kind = Int.random(in: 0..<100, using: &random)
                    if kind < 10, let old = history.randomElement(using: &random) {
                        batch.append(old)  // an exact re-send
                    } else {
                        var ts: Int64
                        if kind < 25 {
                            // Late, maybe into sealed partitions.
                            ts = max(0, clock - Int64.random(in: 0...3_000, using: &random))
                        } else {
                            clock += Int64.random(in: 0...40, using: &random)
                            ts = clock
                        }
                        if Int.random(in: 0..<50, using: &random) == 0 { ts = clock }  // equal timestamps
                        nextID += Int64.random(in: 1...3, using: &random)
                        let id = Int.random(in: 0..<20, using: &random) == 0 ? nextID - 10 : nextID  // out-of-order ids
                        batch.append(
                            TestRow(
                                symbol: Self.symbols.randomElement(using: &random)!, ts: ts, id: id,
                                value: Int64.random(in: -1_000_000...1_000_000, using: &random),
                                flag: Bool.random(using: &random), note: note(id, using: &random),
                                extra: added && Bool.random(using: &random)
                                    ? Int64.random(in: -1_000...1_000, using: &random) : nil,
                                label: added && Bool.random(using: &random) ? "label \(id)" : nil))
                    }
                }
                let expected = model.append(batch)
                let report = try table.append(makeBatch(batch, schema: schema))
                #expect(
                    report.stored == expected.stored && report.duplicates == expected.duplicates,
                    "seed \(seed) step \(step)")
                history.append(contentsOf: batch)
            case 70..<78:
                let report = table.compact(now: Timestamp(nanoseconds: Int64.random(in: 0...clock, using: &random)))
                #expect(report.errors.isEmpty, "seed \(seed) step \(step): \(report)")
            case 78..<84:
                try table.close()
                if addsColumns && !added && step > 30 {
                    schema = testSchema(partitionDuration: 1_000, text: text, added: true)
                    added = true
                }
                table = try EngineTable(
                    directory: directory.path, schema: schema, durability: .osBuffered, sealGrace: 500)
                #expect(table.recovery.truncationReason == nil, "seed \(seed) step \(step)")
            default:
                break
            }
            // Queries after every step.
            for symbol in Self.symbols {
                let from = Int64.random(in: -100...(clock + 100), using: &random)
                let to = from + Int64.random(in: 0...3_000, using: &random)
                let got = rows(try table.range(symbol: symbol, from: from, to: to), symbol: symbol, schema: schema)
                #expect(
                    got == model.range(symbol, from, to), "range seed \(seed) step \(step) \(symbol) [\(from),\(to))")
                let limit = Int.random(in: 0...150, using: &random)
                let latest = rows(try table.latest(symbol: symbol, limit: limit), symbol: symbol, schema: schema)
                #expect(latest == model.latest(symbol, limit), "latest seed \(seed) step \(step) \(symbol) \(limit)")
                #expect(
                    try table.lastTimestamp(symbol: symbol) == model.rows[symbol]?.map(\.ts).max(),
                    "last seed \(seed) step \(step)")
            }
            let stats = table.stats()
            #expect(stats.rows == model.count, "rows seed \(seed) step \(step)")
            #expect(stats.duplicatesSkipped == model.duplicates, "duplicates seed \(seed) step \(step)")
        }
        // Everything sealed and compacted, then reopened: still the same.
        let final = table.compact(now: Timestamp(nanoseconds: Int64.max))
        #expect(final.errors.isEmpty)
        try table.close()
        table = try EngineTable(directory: directory.path, schema: schema, durability: .osBuffered, sealGrace: 500)
        #expect(
            table.recovery.rowsReplayed == 0,
            "everything sealed: nothing to replay: \(table.recovery) \(final) \(table.health)")
        for symbol in Self.symbols {
            #expect(
                rows(try table.range(symbol: symbol, from: .min, to: .max), symbol: symbol, schema: schema)
                    == model.range(symbol, .min, .max))
        }
        let sums = try table.summarize(column: "value")
        for summary in sums {
            #expect(summary.sum == (model.rows[summary.symbol] ?? []).reduce(Int128(0)) { $0 + Int128($1.value) })
            #expect(summary.rows == model.rows[summary.symbol]?.count)
        }
        if added {
            // Aggregates over an added optional column skip the rows without a value.
            let extras = try table.aggregate(
                EngineTable.AggregateRequest(
                    functions: [
                        .count, .sum(column: "extra"), .max(column: "extra"), .first(column: "extra"),
                        .last(column: "extra"),
                    ], from: .min, to: .max, groupBySymbol: true))
            for row in extras {
                let all = model.rows[row.symbol!] ?? []
                let present = all.compactMap(\.extra)
                func value(_ v: Int64?) -> EngineTable.AggregateValue { v.map { .integer(Int128($0)) } ?? .absent }
                #expect(row.values[0] == .integer(Int128(all.count)), "seed \(seed): count")
                #expect(
                    row.values[1]
                        == (present.isEmpty ? .absent : .integer(present.reduce(Int128(0)) { $0 + Int128($1) })),
                    "seed \(seed): sum")
                #expect(row.values[2] == value(present.max()), "seed \(seed): max")
                #expect(row.values[3] == value(present.first), "seed \(seed): first")
                #expect(row.values[4] == value(present.last), "seed \(seed): last")
            }
        }
        try table.close()
    }
}

/// Replace-by-timestamp tables (bars): the newest write of a (symbol, timestamp) wins, in memory,
/// across sealed files and their late overlays, through compaction and reopening.
@Suite struct ReplaceModePropertyTests {
    @Test(arguments: [21, 22, 23] as [UInt64])
    func lastWriteWins(seed: UInt64) throws {
        var random = SeededRandom(seed: seed)
        let directory = TemporaryDirectory("strata-replace")
        defer { directory.cleanup() }
        let schema = TableSchema(
            name: "r", columns: [ColumnSpec("ts", .timestamp), ColumnSpec("v", .int64)], partitionDuration: 1_000,
            writeMode: .replaceByTimestamp)
        var table = try EngineTable(directory: directory.path, schema: schema, durability: .osBuffered, sealGrace: 500)
        var model: [String: [Int64: Int64]] = [:]
        var version: Int64 = 0
        for step in 0..<150 {
            let action = Int.random(in: 0..<10, using: &random)
            switch action {
            case 0..<7:
                var batch = ColumnBatch(columnCount: 2)
                batch.symbols = ["A", "B"]
                for _ in 0..<Int.random(in: 1...40, using: &random) {
                    let symbol = UInt32.random(in: 0...1, using: &random)
                    let ts = Int64.random(in: 0...5_000, using: &random) / 10 * 10  // collisions on purpose
                    version += 1
                    batch.symbolIndex.append(symbol)
                    batch.columns[0].append(ts)
                    batch.columns[1].append(version)
                    model[batch.symbols[Int(symbol)], default: [:]][ts] = version
                }
                try table.append(batch)
            case 7:
                let report = table.compact(now: Timestamp(nanoseconds: Int64.random(in: 0...6_000, using: &random)))
                #expect(report.errors.isEmpty, "seed \(seed) step \(step): \(report)")
            case 8:
                try table.close()
                table = try EngineTable(
                    directory: directory.path, schema: schema, durability: .osBuffered, sealGrace: 500)
                #expect(table.recovery.truncationReason == nil, "seed \(seed) step \(step): \(table.recovery)")
            default:
                break
            }
            for symbol in ["A", "B"] {
                let got = try table.range(symbol: symbol, from: .min, to: .max)
                let expected = (model[symbol] ?? [:]).sorted { $0.key < $1.key }
                #expect(got.columns[0] == expected.map(\.key), "seed \(seed) step \(step) \(symbol): timestamps")
                #expect(got.columns[1] == expected.map(\.value), "seed \(seed) step \(step) \(symbol): newest values")
                let latest = try table.latest(symbol: symbol, limit: 5)
                #expect(
                    latest.columns[1] == Array(expected.suffix(5).reversed().map(\.value)),
                    "seed \(seed) step \(step) latest")
            }
        }
        try table.close()
    }
}

/// Last-wins by key (upserts): the newest write of a (symbol, id) replaces the earlier one,
/// whatever its time (so a key moves between partitions), with text values, across seals,
/// compactions and reopenings; every read answers the model's current rows.
@Suite struct LastWinsPropertyTests {
    static let symbols = ["AAA", "BBB"]

    @Test(arguments: [31, 32, 33, 34] as [UInt64])
    func newestWriteOfAKeyWins(seed: UInt64) throws {
        var random = SeededRandom(seed: seed)
        let directory = TemporaryDirectory("strata-lastwins")
        defer { directory.cleanup() }
        let schema = TableSchema(
            name: "actions",
            columns: [
                ColumnSpec("ts", .timestamp), ColumnSpec("id", .int64), ColumnSpec("value", .decimal(scale: 8)),
                ColumnSpec("flag", .bool), ColumnSpec("note", .text),
            ], partitionDuration: 1_000, writeMode: .replaceByKey, upsertKey: "id")
        #expect(schema.versionIndex == 5 && schema.writtenColumnCount == 5)
        var table = try EngineTable(directory: directory.path, schema: schema, durability: .osBuffered, sealGrace: 500)
        var model: [String: [Int64: TestRow]] = [:]
        var writes = 0
        func current(_ symbol: String) -> [TestRow] {
            // Time order; equal times in write order of their newest version (the model keeps
            // the write counter in `value`'s low digits is not needed: ties are broken by id below).
            (model[symbol] ?? [:]).values.sorted { ($0.ts, $0.id) < ($1.ts, $1.id) }
        }
        func read(_ set: RowSet, _ symbol: String) -> [TestRow] {
            StrataEngineTests.rows(set, symbol: symbol, schema: schema).sorted { ($0.ts, $0.id) < ($1.ts, $1.id) }
        }
        for step in 0..<120 {
            switch Int.random(in: 0..<10, using: &random) {
            case 0..<7:
                var rows: [TestRow] = []
                for _ in 0..<Int.random(in: 1...30, using: &random) {
                    writes += 1
                    let row = TestRow(
                        symbol: Self.symbols.randomElement(using: &random)!,
                        ts: Int64.random(in: 0...4_000, using: &random), id: Int64.random(in: 0..<40, using: &random),
                        value: Int64(writes), flag: Bool.random(using: &random),
                        note: Bool.random(using: &random) ? "rev \(writes)" : ["split", "dividend"][writes % 2])
                    rows.append(row)
                    model[row.symbol, default: [:]][row.id] = row
                }
                try table.append(makeBatch(rows, text: true))
            case 7:
                let report = table.compact(now: Timestamp(nanoseconds: Int64.random(in: 0...5_000, using: &random)))
                #expect(report.errors.isEmpty, "seed \(seed) step \(step): \(report)")
            case 8:
                try table.close()
                table = try EngineTable(
                    directory: directory.path, schema: schema, durability: .osBuffered, sealGrace: 500)
            default:
                break
            }
            for symbol in Self.symbols {
                let expected = current(symbol)
                #expect(
                    read(try table.range(symbol: symbol, from: .min, to: .max), symbol) == expected,
                    "seed \(seed) step \(step) \(symbol)")
                let from = Int64.random(in: 0...4_000, using: &random)
                let to = from + Int64.random(in: 0...1_500, using: &random)
                #expect(
                    read(try table.range(symbol: symbol, from: from, to: to), symbol)
                        == expected.filter { $0.ts >= from && $0.ts < to }, "window seed \(seed) step \(step)")
                let latest = StrataEngineTests.rows(
                    try table.latest(symbol: symbol, limit: 3), symbol: symbol, schema: schema)
                #expect(
                    latest.map(\.ts) == Array(expected.map(\.ts).suffix(3).reversed()),
                    "latest seed \(seed) step \(step)")
                #expect(try table.lastTimestamp(symbol: symbol) == expected.last?.ts)
            }
            let sums = try table.aggregate(
                EngineTable.AggregateRequest(
                    functions: [.count, .sum(column: "value")], from: .min, to: .max, groupBySymbol: true))
            for row in sums {
                let expected = current(row.symbol!)
                #expect(row.values[0] == .integer(Int128(expected.count)), "count seed \(seed) step \(step)")
                #expect(
                    row.values[1] == .decimal(mantissa: expected.reduce(Int128(0)) { $0 + Int128($1.value) }, scale: 8))
            }
            let stats = table.stats()
            let currentRows = model.values.reduce(0) { $0 + $1.count }
            #expect(
                stats.rows == currentRows && stats.overwrites == writes - currentRows, "stats seed \(seed) step \(step)"
            )
            #expect(try table.symbolSpans().map(\.rows) == Self.symbols.compactMap { model[$0]?.count })
        }
        try table.close()
    }
}
