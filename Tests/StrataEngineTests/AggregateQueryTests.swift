import Foundation
import StrataCore
import Testing

@testable import StrataEngine

/// A row of the aggregate test schema: every numeric column type, two decimal scales.
struct AggregateTestRow: Hashable, CustomStringConvertible {
    var symbol: String
    var ts: Int64
    var id: Int64
    /// decimal(scale: 8)
    var price: Int64
    /// decimal(scale: 4)
    var qty: Int64
    /// float64: multiples of 0.25, so every sum is exact in any order.
    var score: Double
    /// int8
    var level: Int64
    var flag: Bool

    var description: String { "\(symbol)@\(ts)#\(id)" }

    static let schemaColumns = [
        ColumnSpec("ts", .timestamp), ColumnSpec("id", .int64), ColumnSpec("price", .decimal(scale: 8)),
        ColumnSpec("qty", .decimal(scale: 4)), ColumnSpec("score", .float64), ColumnSpec("level", .int8),
        ColumnSpec("flag", .bool),
    ]

    static func schema(partitionDuration: Int64, writeMode: TableSchema.WriteMode = .append) -> TableSchema {
        TableSchema(
            name: "agg", columns: schemaColumns, dedupKey: writeMode == .append ? "id" : nil,
            partitionDuration: partitionDuration, writeMode: writeMode)
    }

    /// The lane value of column `c`.
    func lane(_ c: Int) -> Int64 {
        switch c {
        case 0: ts
        case 1: id
        case 2: price
        case 3: qty
        case 4: Int64(bitPattern: score.bitPattern)
        case 5: level
        default: flag ? 1 : 0
        }
    }

    static func batch(_ rows: [AggregateTestRow]) -> ColumnBatch {
        var names: [String] = []
        var ids: [String: UInt32] = [:]
        var batch = ColumnBatch(columnCount: schemaColumns.count, capacity: rows.count)
        for row in rows {
            if ids[row.symbol] == nil {
                ids[row.symbol] = UInt32(names.count)
                names.append(row.symbol)
            }
            batch.symbolIndex.append(ids[row.symbol]!)
            for c in 0..<schemaColumns.count { batch.columns[c].append(row.lane(c)) }
        }
        batch.symbols = names
        return batch
    }
}

/// The reference model: rows per symbol in time order (ties in arrival order), duplicates of
/// (symbol, partition, id) refused; aggregates computed by brute force over them.
struct AggregateReference {
    let partitionDuration: Int64
    var rows: [String: [AggregateTestRow]] = [:]
    var keys: Set<String> = []

    static func floorDiv(_ a: Int64, _ b: Int64) -> Int128 {
        let (q, r) = Int128(a).quotientAndRemainder(dividingBy: Int128(b))
        return r < 0 ? q - 1 : q
    }

    mutating func append(_ batch: [AggregateTestRow]) -> Int {
        var stored = 0
        for row in batch {
            let key = "\(row.symbol)|\(Self.floorDiv(row.ts, partitionDuration))|\(row.id)"
            guard keys.insert(key).inserted else { continue }
            var list = rows[row.symbol, default: []]
            let position = list.lastIndex { $0.ts <= row.ts }.map { $0 + 1 } ?? 0
            list.insert(row, at: position)
            rows[row.symbol] = list
            stored += 1
        }
        return stored
    }

    static func column(_ name: String) -> Int { AggregateTestRow.schemaColumns.firstIndex { $0.name == name }! }

    static func typed(_ value: Int128, column: Int) -> EngineTable.AggregateValue {
        if case .decimal(let scale) = AggregateTestRow.schemaColumns[column].type {
            return .decimal(mantissa: value, scale: scale)
        }
        return .integer(value)
    }

    static func value(_ row: AggregateTestRow, column: Int) -> EngineTable.AggregateValue {
        if column == 4 { return .float(row.score) }
        return typed(Int128(row.lane(column)), column: column)
    }

    /// The answer computed the plainest way.
    func aggregate(_ request: EngineTable.AggregateRequest) -> [EngineTable.AggregateRow] {
        struct Key: Hashable {
            var symbol: String?
            var bucket: Int64?
        }
        var groups: [Key: [AggregateTestRow]] = [:]
        if !request.groupBySymbol && request.bucketWidth == nil { groups[Key()] = [] }
        // Symbol by symbol in name order, each in storage order.
        for symbol in rows.keys.sorted() where request.symbols?.contains(symbol) ?? true {
            for row in rows[symbol]! where row.ts >= request.from && row.ts < request.to {
                let bucket = request.bucketWidth.map {
                    Int64(clamping: Self.floorDiv(row.ts, $0) * Int128($0))
                }
                groups[Key(symbol: request.groupBySymbol ? symbol : nil, bucket: bucket), default: []].append(row)
            }
        }
        return groups.keys.sorted { a, b in
            (a.symbol ?? "", a.bucket ?? 0) < (b.symbol ?? "", b.bucket ?? 0)
        }.map { key in
            let members = groups[key]!
            let values = request.functions.map { function -> EngineTable.AggregateValue in
                switch function {
                case .count:
                    return .integer(Int128(members.count))
                case .sum(let name):
                    let c = Self.column(name)
                    guard !members.isEmpty else { return .absent }
                    if c == 4 { return .float(members.reduce(0.0) { $0 + $1.score }) }
                    return Self.typed(members.reduce(Int128(0)) { $0 + Int128($1.lane(c)) }, column: c)
                case .min(let name), .max(let name):
                    let c = Self.column(name)
                    let isMin: Bool
                    if case .min = function { isMin = true } else { isMin = false }
                    guard !members.isEmpty else { return .absent }
                    if c == 4 {
                        let scores = members.map(\.score)
                        return .float(isMin ? scores.min()! : scores.max()!)
                    }
                    let lanes = members.map { $0.lane(c) }
                    return Self.typed(Int128(isMin ? lanes.min()! : lanes.max()!), column: c)
                case .first(let name):
                    var best: AggregateTestRow? = nil
                    for row in members where best == nil || row.ts < best!.ts { best = row }
                    return best.map { Self.value($0, column: Self.column(name)) } ?? .absent
                case .last(let name):
                    var best: AggregateTestRow? = nil
                    for row in members where best == nil || row.ts >= best!.ts { best = row }
                    return best.map { Self.value($0, column: Self.column(name)) } ?? .absent
                case .vwap(let priceName, let quantityName):
                    let p = Self.column(priceName)
                    let q = Self.column(quantityName)
                    let numerator = members.reduce(Int128(0)) { $0 + Int128($1.lane(p)) * Int128($1.lane(q)) }
                    let denominator = members.reduce(Int128(0)) { $0 + Int128($1.lane(q)) }
                    guard denominator != 0 else { return .absent }
                    return Self.typed(Self.halfEven(numerator, denominator), column: p)
                }
            }
            return EngineTable.AggregateRow(symbol: key.symbol, bucketStart: key.bucket, values: values)
        }
    }

    /// n / d rounded to the nearest integer, ties to even, by comparing remainders' doubles.
    static func halfEven(_ n: Int128, _ d: Int128) -> Int128 {
        // Work with a positive denominator; floor division, then step up where the rest says so.
        let (num, den) = d < 0 ? (-n, -d) : (n, d)
        var q = num / den
        if num % den != 0 && num < 0 { q -= 1 }  // floor
        let rest = num - q * den  // 0 <= rest < den
        if rest * 2 > den || (rest * 2 == den && q % 2 != 0) { q += 1 }
        return q
    }
}

@Suite struct AggregateQueryTests {
    static let symbols = ["AAA", "BBB", "CCC", "DDD"]
    static let partitionDuration: Int64 = 10_000

    /// Every function over every column type it accepts.
    static let functions: [EngineTable.AggregateFunction] = [
        .count, .sum(column: "price"), .sum(column: "qty"), .sum(column: "score"), .sum(column: "level"),
        .sum(column: "id"), .min(column: "price"), .max(column: "price"), .min(column: "qty"),
        .max(column: "score"), .min(column: "score"), .min(column: "level"), .max(column: "level"),
        .first(column: "price"), .last(column: "price"), .first(column: "score"), .last(column: "level"),
        .first(column: "qty"), .last(column: "id"), .vwap(price: "price", quantity: "qty"),
        .vwap(price: "level", quantity: "qty"),
    ]

    /// Functions whole sealed blocks answer from their statistics (all but the float64 sum):
    /// no column here is also read by first, last or VWAP.
    static let statisticsFunctions: [EngineTable.AggregateFunction] = [
        .count, .sum(column: "price"), .sum(column: "qty"), .sum(column: "level"), .sum(column: "id"),
        .min(column: "price"), .max(column: "price"), .min(column: "qty"), .max(column: "qty"),
        .min(column: "level"), .max(column: "level"), .min(column: "id"), .max(column: "id"), .sum(column: "score"),
    ]

    static let widths: [Int64] = [1, 7, 333, 1_000, 2_500, 10_000, 15_000, 86_400_000_000_000]

    static func randomRow(symbol: String, ts: Int64, id: Int64, random: inout SeededRandom) -> AggregateTestRow {
        let big = Int.random(in: 0..<10, using: &random) == 0
        return AggregateTestRow(
            symbol: symbol, ts: ts, id: id,
            price: big
                ? Int64.random(in: (Int64.max / 4)...(Int64.max / 2), using: &random)
                : Int64.random(in: 1...10_000_000_000, using: &random),
            qty: Int64.random(in: -50...5_000_000, using: &random),
            score: Double(Int.random(in: -4_000...4_000, using: &random)) * 0.25,
            level: Int64.random(in: -128...127, using: &random), flag: Bool.random(using: &random))
    }

    /// Random requests against the model: every grouping, ranges, symbol sets and widths.
    func check(
        _ table: EngineTable, _ model: AggregateReference, clock: (low: Int64, high: Int64), queries: Int,
        random: inout SeededRandom, context: String
    ) throws {
        for q in 0..<queries {
            var from: Int64
            var to: Int64
            switch Int.random(in: 0..<5, using: &random) {
            case 0: (from, to) = (.min, .max)
            case 1:
                from = Int64.random(in: (clock.low - 100)...(clock.high + 100), using: &random)
                to = from
            default:
                from = Int64.random(in: (clock.low - 100)...(clock.high + 100), using: &random)
                to = from + Int64.random(in: 1...40_000, using: &random)
            }
            var symbols: [String]? = nil
            if Bool.random(using: &random) {
                symbols = Self.symbols.filter { _ in Bool.random(using: &random) }
                if Int.random(in: 0..<4, using: &random) == 0 { symbols!.append("ZZZ") }  // never stored
                if let some = symbols!.first, Bool.random(using: &random) { symbols!.append(some) }  // named twice
            }
            let width = Self.widths.randomElement(using: &random)!
            // Every function, the functions block statistics answer, and count alone (whole
            // sealed blocks answered from the index).
            for grouping in 0..<12 {
                let functions = [Self.functions, Self.statisticsFunctions, [.count]][grouping / 4]
                let request = EngineTable.AggregateRequest(
                    functions: functions, symbols: symbols, from: from, to: to,
                    groupBySymbol: grouping & 1 != 0,
                    bucketWidth: grouping & 2 != 0 ? width : nil)
                let got = try table.aggregate(request)
                let expected = model.aggregate(request)
                if got != expected {
                    let n = Swift.min(got.count, expected.count)
                    let i = (0..<n).first { got[$0] != expected[$0] } ?? n
                    let gotRow = i < got.count ? "\(got[i])" : "-"
                    let expectedRow = i < expected.count ? "\(expected[i])" : "-"
                    let message: String =
                        "\(context) query \(q) grouping \(grouping) \(request): \(got.count) rows, expected "
                        + "\(expected.count); first difference at \(i): \(gotRow) vs \(expectedRow)"
                    Issue.record(Comment(rawValue: message))
                    return
                }
            }
        }
    }

    /// Appends (in order, late into open and sealed partitions, negative times, re-sent
    /// duplicates, dense runs that fill several sealed blocks), seals, compactions and reopens;
    /// after each phase every aggregate equals the brute-force answer over the model's rows.
    @Test(arguments: [11, 12, 13, 14] as [UInt64])
    func matchesBruteForceOverTheReferenceModel(seed: UInt64) throws {
        var random = SeededRandom(seed: seed)
        let directory = TemporaryDirectory.inMemory("strata-aggregate")
        defer { directory.cleanup() }
        let schema = AggregateTestRow.schema(partitionDuration: Self.partitionDuration)
        var table = try EngineTable(directory: directory.path, schema: schema, durability: .osBuffered, sealGrace: 500)
        var model = AggregateReference(partitionDuration: Self.partitionDuration)
        let start: Int64 = -35_000
        var clock = start
        var nextID: Int64 = 0
        var history: [AggregateTestRow] = []
        for step in 0..<60 {
            let action = Int.random(in: 0..<100, using: &random)
            switch action {
            case 0..<60:
                var batch: [AggregateTestRow] = []
                for _ in 0..<Int.random(in: 1...80, using: &random) {
                    let kind = Int.random(in: 0..<100, using: &random)
                    if kind < 8, let old = history.randomElement(using: &random) {
                        batch.append(old)  // an exact re-send: refused by the dedup key
                        continue
                    }
                    var ts: Int64
                    if kind < 25 {
                        ts = max(start, clock - Int64.random(in: 0...25_000, using: &random))  // late
                    } else {
                        clock += Int64.random(in: 0...60, using: &random)
                        ts = clock
                    }
                    if Int.random(in: 0..<10, using: &random) == 0, let last = batch.last { ts = last.ts }  // ties
                    nextID += 1
                    batch.append(
                        Self.randomRow(
                            symbol: Self.symbols.randomElement(using: &random)!, ts: ts, id: nextID, random: &random))
                }
                _ = model.append(batch)
                _ = try table.append(AggregateTestRow.batch(batch))
                history.append(contentsOf: batch)
            case 60..<70:
                // A dense run of one symbol: several full blocks once sealed.
                let symbol = Self.symbols.randomElement(using: &random)!
                var batch: [AggregateTestRow] = []
                for _ in 0..<Int.random(in: 1_100...2_600, using: &random) {
                    clock += Int64.random(in: 0...2, using: &random)
                    nextID += 1
                    batch.append(Self.randomRow(symbol: symbol, ts: clock, id: nextID, random: &random))
                }
                _ = model.append(batch)
                _ = try table.append(AggregateTestRow.batch(batch))
                history.append(contentsOf: batch.prefix(20))
            case 70..<85:
                let report = table.compact(now: Timestamp(nanoseconds: Int64.random(in: start...clock, using: &random)))
                #expect(report.errors.isEmpty, "seed \(seed) step \(step): \(report)")
            case 85..<93:
                try table.close()
                table = try EngineTable(
                    directory: directory.path, schema: schema, durability: .osBuffered, sealGrace: 500)
            default:
                break
            }
            if step % 3 == 0 || action >= 70 {
                try check(
                    table, model, clock: (start, clock), queries: 3, random: &random,
                    context: "seed \(seed) step \(step)")
            }
        }
        // Everything sealed and compacted, then reopened.
        #expect(table.compact(now: Timestamp(nanoseconds: Int64.max)).errors.isEmpty)
        try table.close()
        table = try EngineTable(directory: directory.path, schema: schema, durability: .osBuffered, sealGrace: 500)
        try check(table, model, clock: (start, clock), queries: 6, random: &random, context: "seed \(seed) final")
        try table.close()
    }

    func makeTable(_ directory: TemporaryDirectory, writeMode: TableSchema.WriteMode = .append) throws -> EngineTable {
        try EngineTable(
            directory: directory.path,
            schema: AggregateTestRow.schema(partitionDuration: Self.partitionDuration, writeMode: writeMode),
            durability: .osBuffered, sealGrace: 500)
    }

    func row(_ symbol: String, _ ts: Int64, _ id: Int64, price: Int64 = 1, qty: Int64 = 1) -> AggregateTestRow {
        AggregateTestRow(symbol: symbol, ts: ts, id: id, price: price, qty: qty, score: 0.5, level: 1, flag: false)
    }

    /// Σ of mantissas far beyond Int64, in memory and sealed: exact.
    @Test func decimalSumsBeyondInt64AreExact() throws {
        let directory = TemporaryDirectory.inMemory("strata-aggregate")
        defer { directory.cleanup() }
        let table = try makeTable(directory)
        defer { try? table.close() }
        let mantissa = Int64.max / 10_000
        let rows = (0..<30_000).map { i in row("BIG", Int64(i), Int64(i), price: mantissa - Int64(i), qty: mantissa) }
        _ = try table.append(AggregateTestRow.batch(rows))
        let expectedPrice = rows.reduce(Int128(0)) { $0 + Int128($1.price) }
        let expectedQty = Int128(mantissa) * 30_000
        #expect(expectedQty > Int128(Int64.max) * 2)
        let request = EngineTable.AggregateRequest(
            functions: [.count, .sum(column: "price"), .sum(column: "qty"), .vwap(price: "price", quantity: "qty")],
            from: .min, to: .max)
        for phase in ["memory", "sealed"] {
            let got = try table.aggregate(request)
            #expect(
                got == [
                    .init(
                        symbol: nil, bucketStart: nil,
                        values: [
                            .integer(30_000), .decimal(mantissa: expectedPrice, scale: 8),
                            .decimal(mantissa: expectedQty, scale: 4),
                            .decimal(
                                mantissa: AggregateReference.halfEven(
                                    rows.reduce(Int128(0)) { $0 + Int128($1.price) * Int128($1.qty) }, expectedQty),
                                scale: 8),
                        ])
                ], "\(phase)")
            #expect(table.compact(now: Timestamp(nanoseconds: Int64.max)).errors.isEmpty)
        }
    }

    /// Bad requests are typed errors naming the column or the argument.
    @Test func badRequestsNameWhatIsWrong() throws {
        let directory = TemporaryDirectory.inMemory("strata-aggregate")
        defer { directory.cleanup() }
        let table = try makeTable(directory)
        defer { try? table.close() }
        func message(_ request: EngineTable.AggregateRequest) -> String? {
            do {
                _ = try table.aggregate(request)
                return nil
            } catch let error as StrataError {
                #expect(error.code == .invalidArgument)
                return error.message
            } catch {
                return "unexpected \(error)"
            }
        }
        #expect(message(.init(functions: [.sum(column: "nope")], from: 0, to: 1))?.contains("nope") == true)
        #expect(message(.init(functions: [.min(column: "flag")], from: 0, to: 1))?.contains("flag") == true)
        #expect(message(.init(functions: [.max(column: "ts")], from: 0, to: 1))?.contains("ts") == true)
        #expect(
            message(.init(functions: [.vwap(price: "score", quantity: "qty")], from: 0, to: 1))?.contains("score")
                == true)
        #expect(
            message(.init(functions: [.count], from: 0, to: 1, bucketWidth: 0))?.contains("bucket width") == true)
        #expect(
            message(.init(functions: [.count], from: 0, to: 1, bucketWidth: -5))?.contains("bucket width") == true)
        #expect(message(.init(functions: [.count], from: 2, to: 1))?.contains("from") == true)
    }

    /// No rows: one row of count 0 and absent values without grouping; no rows with grouping.
    @Test func emptyAnswers() throws {
        let directory = TemporaryDirectory.inMemory("strata-aggregate")
        defer { directory.cleanup() }
        let table = try makeTable(directory)
        defer { try? table.close() }
        let functions: [EngineTable.AggregateFunction] = [
            .count, .sum(column: "qty"), .min(column: "price"), .first(column: "score"),
            .vwap(price: "price", quantity: "qty"),
        ]
        let none = EngineTable.AggregateRow(
            symbol: nil, bucketStart: nil, values: [.integer(0), .absent, .absent, .absent, .absent])
        #expect(try table.aggregate(.init(functions: functions, from: .min, to: .max)) == [none])
        _ = try table.append(AggregateTestRow.batch([row("AAA", 5, 1, qty: 0)]))
        #expect(try table.aggregate(.init(functions: functions, from: 6, to: 9)) == [none])
        #expect(try table.aggregate(.init(functions: functions, from: 5, to: 5)) == [none])
        #expect(try table.aggregate(.init(functions: functions, symbols: ["ZZZ"], from: .min, to: .max)) == [none])
        #expect(try table.aggregate(.init(functions: functions, from: 6, to: 9, groupBySymbol: true)).isEmpty)
        #expect(try table.aggregate(.init(functions: functions, from: 6, to: 9, bucketWidth: 3)).isEmpty)
        // Zero quantity: VWAP absent, the rest present.
        let zero = try table.aggregate(.init(functions: functions, from: .min, to: .max))
        #expect(
            zero[0].values == [
                .integer(1), .decimal(mantissa: 0, scale: 4), .decimal(mantissa: 1, scale: 8), .float(0.5), .absent,
            ])
    }

    /// Rows of equal time: first and last follow storage order — sealed rows before late rows
    /// of the overlay, arrival order in memory — and symbol name order between symbols.
    @Test func firstAndLastBreakTiesAsRangeOrdersRows() throws {
        let directory = TemporaryDirectory.inMemory("strata-aggregate")
        defer { directory.cleanup() }
        let table = try makeTable(directory)
        defer { try? table.close() }
        _ = try table.append(AggregateTestRow.batch([row("BBB", 100, 1, price: 10), row("BBB", 100, 2, price: 11)]))
        #expect(table.compact(now: Timestamp(nanoseconds: Int64.max)).errors.isEmpty)
        _ = try table.append(AggregateTestRow.batch([row("BBB", 100, 3, price: 12), row("AAA", 100, 4, price: 20)]))
        _ = try table.append(AggregateTestRow.batch([row("AAA", 100, 5, price: 21), row("CCC", 99, 6, price: 30)]))
        let request = EngineTable.AggregateRequest(
            functions: [.first(column: "price"), .last(column: "price")], from: 100, to: 101, groupBySymbol: true)
        let rows = try table.aggregate(request)
        #expect(
            rows.map(\.values) == [
                [.decimal(mantissa: 20, scale: 8), .decimal(mantissa: 21, scale: 8)],
                [.decimal(mantissa: 10, scale: 8), .decimal(mantissa: 12, scale: 8)],
            ])
        let range = try table.range(symbol: "BBB", from: 100, to: 101)
        #expect(range.columns[2] == [10, 11, 12])
        // All symbols in one group: AAA's rows come before BBB's.
        let all = try table.aggregate(.init(functions: request.functions, from: 100, to: 101, bucketWidth: 1))
        #expect(all.map(\.values) == [[.decimal(mantissa: 20, scale: 8), .decimal(mantissa: 12, scale: 8)]])
    }

    /// Replace-by-timestamp tables: a rewritten row counts once, with its newest values.
    @Test func replacedRowsCountOnce() throws {
        let directory = TemporaryDirectory.inMemory("strata-aggregate")
        defer { directory.cleanup() }
        let table = try makeTable(directory, writeMode: .replaceByTimestamp)
        defer { try? table.close() }
        _ = try table.append(AggregateTestRow.batch([row("AAA", 100, 1, price: 10), row("AAA", 200, 2, price: 5)]))
        #expect(table.compact(now: Timestamp(nanoseconds: Int64.max)).errors.isEmpty)
        _ = try table.append(AggregateTestRow.batch([row("AAA", 100, 3, price: 7)]))
        let rows = try table.aggregate(
            .init(functions: [.count, .sum(column: "price"), .first(column: "price")], from: .min, to: .max))
        #expect(rows[0].values == [.integer(2), .decimal(mantissa: 12, scale: 8), .decimal(mantissa: 7, scale: 8)])
    }

    /// The engine's rounding is ``Bar/vwap``'s, on values where it matters (exact halves).
    @Test func vwapRoundsAsBars() throws {
        var random = SeededRandom(seed: 99)
        for _ in 0..<2_000 {
            let numerator = Int128(Int64.random(in: -1_000_000...1_000_000, using: &random))
            let denominator = Int128(Int64.random(in: 1...64, using: &random)) * (Bool.random(using: &random) ? 1 : -1)
            let bar = Bar(
                symbol: "AAA", timeframe: .oneMinute, start: .zero, open: .zero, high: .zero, low: .zero, close: .zero,
                volume: Volume(mantissa: denominator), notional: Notional(mantissa: numerator), tradeCount: 1)
            #expect(
                try AggregateAccumulator.roundedQuotient(numerator, denominator) == Int128(bar.vwap!.mantissa),
                "\(numerator) / \(denominator)")
            #expect(AggregateReference.halfEven(numerator, denominator) == Int128(bar.vwap!.mantissa))
        }
    }

    /// Buckets that end exactly at, just before or just after a sealed block's edges: a block is
    /// taken whole only when all its rows share one bucket.
    @Test(arguments: [1, 2, 512, 1_023, 1_024, 1_025, 2_048, 3_000] as [Int64])
    func bucketEdgesInsideSealedBlocks(width: Int64) throws {
        let directory = TemporaryDirectory.inMemory("strata-aggregate")
        defer { directory.cleanup() }
        let table = try makeTable(directory)
        defer { try? table.close() }
        var model = AggregateReference(partitionDuration: Self.partitionDuration)
        let rows = (0..<3_000).map { i in row("AAA", Int64(i), Int64(i), price: Int64(i) * 3, qty: Int64(i % 7)) }
        _ = model.append(rows)
        _ = try table.append(AggregateTestRow.batch(rows))
        #expect(table.compact(now: Timestamp(nanoseconds: Int64.max)).errors.isEmpty)
        for functions in [[.count], Self.functions] as [[EngineTable.AggregateFunction]] {
            for (from, to) in [(Int64.min, Int64.max), (0, 1_024), (1, 2_999), (1_024, 2_048)] {
                let request = EngineTable.AggregateRequest(
                    functions: functions, from: from, to: to, groupBySymbol: true, bucketWidth: width)
                #expect(try table.aggregate(request) == model.aggregate(request), "[\(from), \(to)) width \(width)")
            }
        }
    }

    /// A damaged block or partition in the range is an error naming the file, as for `range`;
    /// other partitions still answer.
    @Test func damageInTheRangeThrows() throws {
        let directory = TemporaryDirectory()
        defer { directory.cleanup() }
        let table = try EngineTable(directory: directory.path, schema: testSchema(), durability: .fsyncEachBatch)
        let early = (0..<50).map { TestRow(symbol: "AAA", ts: Int64($0) * 10, id: Int64($0), value: 5, flag: false) }
        let late = (0..<50).map {
            TestRow(symbol: "AAA", ts: 1_000 + Int64($0) * 10, id: 100 + Int64($0), value: 6, flag: true)
        }
        try table.append(makeBatch(early + late))
        #expect(table.compact(now: Timestamp(nanoseconds: 10_000)).sealed.count == 2)
        try table.close()
        let file = directory.path + "/partitions/p0.g1.col"
        let original = try Data(contentsOf: URL(fileURLWithPath: file))
        let sum = EngineTable.AggregateRequest(functions: [.count, .sum(column: "value")], from: 5, to: 2_000)
        let laterOnly = EngineTable.AggregateRequest(
            functions: [.count, .sum(column: "value")], from: 1_000, to: 2_000)
        for offset in [40, original.count - 30] {  // inside the first block; in the footer
            var bytes = original
            bytes[offset] ^= 0x01
            try bytes.write(to: URL(fileURLWithPath: file))
            let reopened = try EngineTable(directory: directory.path, schema: testSchema(), durability: .fsyncEachBatch)
            defer { try? reopened.close() }
            do {
                _ = try reopened.aggregate(sum)
                Issue.record("damage at \(offset) not reported")
            } catch let error as StrataError {
                #expect(error.code == .corruptFile)
                #expect(error.path == file)
            }
            #expect(
                try reopened.aggregate(laterOnly)[0].values == [.integer(50), .decimal(mantissa: 300, scale: 8)])
        }
    }

    /// `summarize` is count and sum through the aggregate path, over any column.
    @Test func summarizeAgreesWithAggregate() throws {
        let directory = TemporaryDirectory.inMemory("strata-aggregate")
        defer { directory.cleanup() }
        let table = try makeTable(directory)
        defer { try? table.close() }
        var rows: [AggregateTestRow] = []
        for i in 0..<3_000 {
            let symbol = i % 3 == 0 ? "AAA" : "BBB"
            rows.append(row(symbol, Int64(i) * 7, Int64(i), qty: Int64(i)))
        }
        _ = try table.append(AggregateTestRow.batch(rows))
        #expect(table.compact(now: Timestamp(nanoseconds: 15_000)).errors.isEmpty)
        let summaries = try table.summarize(column: "qty")
        let aggregate = try table.aggregate(
            .init(functions: [.count, .sum(column: "qty")], from: .min, to: .max, groupBySymbol: true))
        #expect(summaries.count == 2)
        for (summary, row) in zip(summaries, aggregate) {
            #expect(row.symbol == summary.symbol)
            #expect(row.values == [.integer(Int128(summary.rows)), .decimal(mantissa: summary.sum, scale: 4)])
        }
        #expect(try table.summarize(column: "flag").map(\.rows) == [1_000, 2_000])
    }
}
