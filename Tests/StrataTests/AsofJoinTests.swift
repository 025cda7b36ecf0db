import Foundation
import Strata
import StrataTestSupport
import Testing

/// The ASOF join (issue 13) against a naive model — for each left row, scan every right row and
/// keep the newest at or before it (the last stored among equal times), within the tolerance —
/// on random data: few distinct times (ties between and within sides), several symbols, sides
/// empty for some symbols, tolerances at the very gaps of the data and one off them, windows
/// starting before, inside and after the data, pages split every 1, 2, 3, 7 or 64 rows, hourly
/// partitions sealed, late rows merged in, and paging by cursor laid end to end.
@Suite struct AsofJoinTests {
    static let hour: Int64 = 3_600_000_000_000
    static let base: Int64 = 1_719_792_000_000_000_000

    static let fills = declared {
        try RecordSchema(
            name: "fills",
            columns: [
                SchemaColumn("ts", .timestamp), SchemaColumn("symbol", .symbol), SchemaColumn("id", .int64),
                SchemaColumn("px", .decimal(scale: 4)),
            ],
            timestamp: "ts", partitioning: .every(nanoseconds: hour))
    }

    static let marks = declared {
        try RecordSchema(
            name: "marks",
            columns: [
                SchemaColumn("at", .timestamp), SchemaColumn("symbol", .symbol), SchemaColumn("seq", .int64),
                SchemaColumn("bid", .decimal(scale: 4), rules: ColumnRules(required: false)),
                SchemaColumn("venue", .text, rules: ColumnRules(maximumLength: 16)), SchemaColumn("firm", .bool),
            ],
            timestamp: "at", partitioning: .every(nanoseconds: hour))
    }

    static func declared(_ build: () throws -> RecordSchema) -> RecordSchema {
        do {
            return try build()
        } catch {
            preconditionFailure("test schema: \(error)")
        }
    }

    static func configuration() -> StrataStore.Configuration {
        var configuration = StrataStore.Configuration(
            durability: .osBuffered, validation: ValidationRules(window: .fixed(earliest: .min, latest: .max)),
            aggregates: false, maintenanceInterval: nil)
        configuration.tables = [fills, marks]
        return configuration
    }

    /// A right row as the model sees it.
    struct Mark: Equatable {
        var time: Int64
        var seq: Int64
        var bid: Int64?
        var venue: String
        var firm: Bool
    }

    /// A joined row: the left id, and the right row's values (nil: none qualified).
    struct Joined: Equatable, CustomStringConvertible {
        var id: Int64
        var mark: Mark?
        var description: String { "\(id)→\(mark.map { "\($0.seq)@\($0.time)" } ?? "nil")" }
    }

    /// The model: every right row scanned for each left row.
    static func model(left: [(time: Int64, id: Int64)], right: [Mark], tolerance: Int64?) -> [Joined] {
        left.map { row in
            var best: Mark?
            for mark in right where mark.time <= row.time {
                if best == nil || mark.time >= best!.time { best = mark }  // >=: the last stored of a time wins
            }
            if let found = best, let tolerance, row.time - found.time > tolerance { best = nil }
            return Joined(id: row.id, mark: best)
        }
    }

    /// The join's batches as joined rows.
    /// A batch not shaped as the join's answer should be.
    struct ShapeError: Error, CustomStringConvertible {
        var description: String
    }

    /// The join's batches as joined rows (callable off the test's task: it throws, never records).
    static func joined(_ batches: [ColumnarBatch], prefix: String = "marks_") throws -> [Joined] {
        var rows: [Joined] = []
        for batch in batches {
            guard let ids = batch["id"], let times = batch[prefix + "ts"], let seqs = batch[prefix + "seq"],
                let bids = batch[prefix + "bid"], let venues = batch[prefix + "venue"],
                let firms = batch[prefix + "firm"], batch["\(prefix)symbol"] == nil, batch["\(prefix)at"] == nil,
                case .int64(let id) = ids.values, case .timestamps(let time) = times.values,
                case .int64(let seq) = seqs.values, case .decimals(let bid, 4) = bids.values,
                case .strings(let venue) = venues.values, case .bool(let firm) = firms.values
            else {
                throw ShapeError(description: "unexpected columns: \(batch.columns.map { "\($0.name) \($0.values)" })")
            }
            for row in 0..<batch.count {
                guard times.isPresent(row) else {
                    if seqs.isPresent(row) || venues.isPresent(row) || firms.isPresent(row) {
                        throw ShapeError(description: "row \(row): no right timestamp but right values")
                    }
                    rows.append(Joined(id: id[row], mark: nil))
                    continue
                }
                rows.append(
                    Joined(
                        id: id[row],
                        mark: Mark(
                            time: time[row], seq: seq[row], bid: bids.isPresent(row) ? bid[row] : nil,
                            venue: venue[row], firm: firm[row])))
            }
        }
        return rows
    }

    static func all(_ pages: AsofPages) throws -> [ColumnarBatch] {
        var pages = pages
        var batches: [ColumnarBatch] = []
        while let batch = try pages.next() { batches.append(batch) }
        return batches
    }

    @Test(arguments: [1, 2, 3, 4, 5] as [UInt64])
    func joinEqualsTheNaiveModel(seed: UInt64) async throws {
        var random = SplitMix64(seed: seed)
        let directory = makeTemporaryDirectory("strata-asof")
        defer { removeTree(directory) }
        let store = try StrataStore.open(directory: directory, configuration: Self.configuration())
        defer { try? store.close() }
        let fills = try #require(store.table(named: "fills"))
        let marks = try #require(store.table(named: "marks"))
        let symbols: [Symbol] = ["AAA", "BBB", "CCC", "DDD"]  // DDD: no marks; CCC: no fills
        // Few distinct times over three hours: ties within and between the sides.
        func time() -> Int64 { Self.base + Int64(random.next() % 60) * (3 * Self.hour / 60) + Int64(random.next() % 2) }
        var id: Int64 = 0
        var seq: Int64 = 0
        func fillRows(_ count: Int) -> [Row] {
            (0..<count).map { _ in
                id += 1
                let symbol = [symbols[0], symbols[1], symbols[3]][Int(random.next() % 3)]
                return Row(
                    symbol: symbol,
                    [
                        "ts": .timestamp(Timestamp(nanoseconds: time())), "id": .integer(id),
                        "px": .decimal(ExactAmount(mantissa: Int128(random.next() % 100_000) + 1, scale: 4)),
                    ])
            }
        }
        func markRows(_ count: Int) -> [Row] {
            (0..<count).map { _ in
                seq += 1
                var fields: [String: FieldValue] = [
                    "at": .timestamp(Timestamp(nanoseconds: time())), "seq": .integer(seq),
                    "venue": .text(["X", "NYSE", "ARCA", "Q"][Int(random.next() % 4)]), "firm": .bool(seq % 3 == 0),
                ]
                if random.next() % 5 != 0 {
                    fields["bid"] = .decimal(ExactAmount(mantissa: Int128(random.next() % 100_000) + 1, scale: 4))
                }
                return Row(symbol: symbols[Int(random.next() % 3)], fields)
            }
        }
        _ = try await fills.append(fillRows(300))
        _ = try await marks.append(markRows(200))
        _ = store.compact(now: .max)  // sealed hours
        _ = try await fills.append(fillRows(200))  // late rows, merged over the sealed ones
        _ = try await marks.append(markRows(200))
        // The comparisons run on a thread of their own: seconds of work that would otherwise hold
        // one of the few threads of the cooperative pool the suite's in-process servers need.
        let outcome = try await onThread { try Self.compare(fills, marks, symbols: symbols) }
        #expect(outcome.failures.count == 0, "\(outcome.failures.count) failures: \(outcome.failures.prefix(3))")
        // The comparisons were not vacuous: rows with and without a right row, some at its very time.
        #expect(outcome.rows > 10_000 && outcome.matched > 1_000 && outcome.rows - outcome.matched > 1_000)
        #expect(outcome.exact > 100, "\(outcome)")
    }

    /// What the comparisons of one seed found.
    struct Outcome: Sendable {
        var failures: [String] = []
        var rows = 0
        var matched = 0
        var exact = 0
    }

    /// Every symbol's join over windows × tolerances × page sizes against the model.
    static func compare(_ fills: DynamicTable, _ marks: DynamicTable, symbols: [Symbol]) throws -> Outcome {
        var outcome = Outcome()
        let everything = (from: Timestamp(nanoseconds: .min + 1), to: Timestamp.max)
        for symbol in symbols {
            let leftRows = try Self.all(
                fills.asofJoin(marks, symbol: symbol, from: everything.from, to: everything.to, batchRows: 1_000))
            // The sides as stored (the right in the order the table reads it: the last stored of a time last).
            let left = try Self.joined(leftRows).map { (time: Int64(0), id: $0.id) }
            var storedLeft: [(time: Int64, id: Int64)] = []
            var storedRight: [Mark] = []
            var leftPages = fills.rangeBatches(symbol: symbol, from: everything.from, to: everything.to)
            while let batch = try leftPages.next() {
                guard case .timestamps(let times) = batch["ts"]?.values, case .int64(let ids) = batch["id"]?.values
                else { continue }
                storedLeft += zip(times, ids).map { (time: $0, id: $1) }
            }
            if left.map(\.id) != storedLeft.map(\.id) { outcome.failures.append("\(symbol): the left rows differ") }
            var rightPages = marks.rangeBatches(symbol: symbol, from: everything.from, to: everything.to)
            while let batch = try rightPages.next() {
                let renamed = ColumnarBatch(
                    count: batch.count,
                    columns: [ColumnarColumn(name: "id", values: .int64(Array(repeating: 0, count: batch.count)))]
                        + batch.columns.enumerated().filter { $0.offset != 1 }.map { index, column in
                            var column = column
                            column.name = "marks_" + (index == 0 ? "ts" : column.name)
                            if case .dictionary(let indices, let values) = column.values {
                                column.values = .strings(StringColumn(indices.map { values[Int($0)] }))
                            }
                            return column
                        })
                storedRight += try Self.joined([renamed]).compactMap(\.mark)
            }
            // Tolerances: none, 0, and the gaps of the data themselves and one either side.
            var gaps: [Int64] = []
            for row in storedLeft.prefix(40) {
                if let mark = storedRight.last(where: { $0.time <= row.time }) { gaps.append(row.time - mark.time) }
            }
            let tolerances: [Int64?] =
                [nil, 0, 1] + gaps.prefix(4).flatMap { [$0 - 1, $0, $0 + 1] }.map(Optional.some)
            let times = storedLeft.map(\.time).sorted()
            let windows: [(Int64, Int64)] =
                [(.min + 1, .max), (Self.base - 1, Self.base + Self.hour), (Self.base + 4 * Self.hour, .max)]
                + (times.isEmpty
                    ? []
                    : [
                        (times[times.count / 3], times[2 * times.count / 3]),
                        (times[times.count / 2], times[times.count / 2] + 1),
                    ])
            for (from, to) in windows {
                let inWindow = storedLeft.filter { $0.time >= from && $0.time < to }
                for tolerance in tolerances {
                    if let tolerance, tolerance < 0 { continue }
                    let expected = Self.model(left: inWindow, right: storedRight, tolerance: tolerance)
                    for batchRows in [1, 2, 3, 7, 64] {
                        let pages = try fills.asofJoin(
                            marks, symbol: symbol, from: Timestamp(nanoseconds: from), to: Timestamp(nanoseconds: to),
                            tolerance: tolerance, batchRows: batchRows)
                        let batches = try Self.all(pages)
                        if !batches.allSatisfy({ $0.count <= batchRows }) {
                            outcome.failures.append("pages of more than \(batchRows) rows")
                        }
                        let got = try Self.joined(batches)
                        outcome.rows += got.count
                        outcome.matched += got.count { $0.mark != nil }
                        outcome.exact += zip(got, inWindow).count { $0.mark?.time == $1.time }
                        guard got != expected else { continue }
                        outcome.failures.append(
                            "\(symbol) [\(from), \(to)) tolerance \(String(describing: tolerance)) pages of \(batchRows): \(got.count) rows, \(expected.count) expected; first difference \(String(describing: zip(got, expected).first { $0 != $1 }))"
                        )
                    }
                }
            }
        }
        return outcome
    }

    /// Paging by cursor (what the API's JSON answer does): pages laid end to end are the join.
    @Test func pagesByCursorLaidEndToEndAreTheJoin() async throws {
        let directory = makeTemporaryDirectory("strata-asof-paging")
        defer { removeTree(directory) }
        let store = try StrataStore.open(directory: directory, configuration: Self.configuration())
        defer { try? store.close() }
        let fills = try #require(store.table(named: "fills"))
        let marks = try #require(store.table(named: "marks"))
        // Runs of fills at one nanosecond, so that cursors skip rows at a time.
        _ = try await fills.append(
            (0..<90).map { index in
                Row(
                    symbol: "AAA",
                    [
                        "ts": .timestamp(Timestamp(nanoseconds: Self.base + Int64(index / 10) * 1_000)),
                        "id": .integer(Int64(index)), "px": FieldValue.decimal("1.5")!,
                    ])
            })
        _ = try await marks.append(
            (0..<30).map { index in
                Row(
                    symbol: "AAA",
                    [
                        "at": .timestamp(Timestamp(nanoseconds: Self.base - 500 + Int64(index / 2) * 700)),
                        "seq": .integer(Int64(index)), "venue": .text("V\(index)"), "firm": .bool(true),
                    ])
            })
        let reader = try store.asofReader("fills", "left")
        let right = try store.asofReader("marks", "right")
        let from = Timestamp(nanoseconds: Self.base)
        let to = Timestamp(nanoseconds: Self.base + 1_000_000)
        let whole = try Self.joined(
            Self.all(
                reader.asofJoin(right, symbol: "AAA", from: from, to: to, tolerance: 900, prefix: nil, batchRows: 64)))
        #expect(whole.count == 90)
        for limit in [1, 4, 10, 11, 89, 90] {
            var cursor: RangeCursor?
            var paged: [Joined] = []
            repeat {
                var pages = try reader.asofJoin(
                    right, symbol: "AAA", from: from, to: to, tolerance: 900, prefix: nil, batchRows: 3, limit: limit,
                    after: cursor)
                var batches: [ColumnarBatch] = []
                while let batch = try pages.next() { batches.append(batch) }
                paged += try Self.joined(batches)
                cursor = pages.cursor
            } while cursor != nil && paged.count <= 90
            #expect(paged == whole, "limit \(limit)")
        }
    }

    /// Trades and quotes (a book side per row): the right side's levels, renamed, from the quote
    /// prevailing at each trade; the quote before the window's start is found.
    @Test func tradesWithTheirPrevailingQuotes() async throws {
        let directory = makeTemporaryDirectory("strata-asof-quotes")
        defer { removeTree(directory) }
        let store = try StrataStore.open(directory: directory, configuration: Self.configuration())
        defer { try? store.close() }
        let size = try #require(Quantity(integer: 3))
        func trade(_ id: Int64, _ second: Int64) throws -> Trade {
            Trade(
                symbol: "IBM", timestamp: Timestamp(nanoseconds: Self.base + second * 1_000_000_000), tradeID: id,
                price: try Price("185.5"), quantity: size, isBuyerMaker: false)
        }
        func quote(_ second: Int64, bid: String, ask: String?) throws -> Quote {
            Quote(
                symbol: "IBM", timestamp: Timestamp(nanoseconds: Self.base + second * 1_000_000_000),
                bids: [DepthLevel(price: try Price(bid), size: size)],
                asks: try ask.map { [DepthLevel(price: try Price($0), size: size)] } ?? [])
        }
        try await store.quotes.append([
            quote(-7_200, bid: "180", ask: "181"), quote(10, bid: "185.4", ask: nil),
            quote(20, bid: "185.41", ask: "185.6"),
        ])
        try await store.trades.append([trade(1, 5), trade(2, 10), trade(3, 15), trade(4, 31)])
        let from = Timestamp(nanoseconds: Self.base)
        var pages = try store.asofJoin(
            left: "trades", right: "quotes", symbol: "IBM", from: from, to: from.advanced(by: Self.hour),
            tolerance: 10_000_000_000)
        let batch = try #require(try pages.next())
        #expect(try pages.next() == nil)
        #expect(
            batch.columns.map(\.name) == [
                "ts_ns", "symbol", "trade_id", "price", "qty", "is_buyer_maker", "quotes_ts", "quotes_bids",
                "quotes_asks",
            ])
        guard case .levels(let bids) = batch["quotes_bids"]?.values,
            case .levels(let asks) = batch["quotes_asks"]?.values
        else {
            Issue.record("no levels")
            return
        }
        #expect(bids.levelColumns.first?.price == "quotes_bid_px_0")
        // Trade 1 (5 s): the quote 2 h before is older than 10 s: absent. Trade 2 (10 s): the quote at 10 s,
        // no ask. Trade 3 (15 s): the same. Trade 4 (31 s): the quote at 20 s, 11 s old: absent.
        #expect(batch["quotes_ts"]?.present == [false, true, true, false])
        #expect(try bids.prices == [Price("185.4").mantissa, Price("185.4").mantissa])
        #expect(asks.levels(of: 1).isEmpty && asks.levels(of: 2).isEmpty)
        // Without a tolerance the quote before the window prevails for trade 1.
        var any = try store.trades.asofJoin(store.quotes, symbol: "IBM", from: from, to: from.advanced(by: Self.hour))
        let all = try #require(try any.next())
        guard case .levels(let prevailing) = all["quotes_bids"]?.values else { return }
        #expect(all["quotes_ts"]?.present == nil)
        #expect(try prevailing.prices.first == Price("180").mantissa)
        #expect(try prevailing.prices.last == Price("185.41").mantissa)
    }

    @Test func badArgumentsAreRefusedNamingTheParameter() async throws {
        let directory = makeTemporaryDirectory("strata-asof-errors")
        defer { removeTree(directory) }
        let store = try StrataStore.open(directory: directory, configuration: Self.configuration())
        defer { try? store.close() }
        let t = Timestamp(nanoseconds: Self.base)
        func message(_ body: () throws -> AsofPages) -> String {
            do {
                _ = try body()
                return "no error"
            } catch let error as StrataError {
                #expect(error.code == .invalidArgument)
                return error.message
            } catch {
                return "\(error)"
            }
        }
        #expect(
            message { try store.asofJoin(left: "fils", right: "marks", symbol: "A", from: t, to: t.advanced(by: 1)) }
                .hasPrefix("left: no table 'fils' (tables: trades"))
        #expect(
            message { try store.asofJoin(left: "fills", right: "mark", symbol: "A", from: t, to: t.advanced(by: 1)) }
                .hasPrefix("right: no table 'mark'"))
        #expect(
            message { try store.asofJoin(left: "fills", right: "marks", symbol: "A", from: t, to: t) }
                .hasPrefix("to: must be after from"))
        #expect(
            message {
                try store.asofJoin(
                    left: "fills", right: "marks", symbol: "A", from: t, to: t.advanced(by: 1), tolerance: -1)
            } == "tolerance: must be 0 or more nanoseconds, got -1")
        #expect(
            message {
                try store.asofJoin(
                    left: "fills", right: "marks", symbol: "A", from: t, to: t.advanced(by: 1), batchRows: 0)
            } == "batchRows: must be at least 1, got 0")
        // A prefix that makes a right column a left one's name.
        #expect(
            message {
                try store.asofJoin(
                    left: "fills", right: "fills", symbol: "A", from: t, to: t.advanced(by: 1), prefix: "")
            }.hasPrefix("prefix: the right column 'ts'"))
        // A self-join with the default prefix is fine.
        #expect(
            message { try store.asofJoin(left: "fills", right: "fills", symbol: "A", from: t, to: t.advanced(by: 1)) }
                == "no error")
    }

    @Test func durationsAsText() {
        #expect(DurationText.nanoseconds("500ms") == 500_000_000)
        #expect(DurationText.nanoseconds("1s") == 1_000_000_000)
        #expect(DurationText.nanoseconds("2m") == 120_000_000_000)
        #expect(DurationText.nanoseconds("250us") == 250_000)
        #expect(DurationText.nanoseconds("7ns") == 7)
        #expect(DurationText.nanoseconds("1500") == 1_500)
        #expect(DurationText.nanoseconds("0") == 0)
        #expect(DurationText.nanoseconds("-1") == nil)
        #expect(DurationText.nanoseconds("-1s") == nil)
        #expect(DurationText.nanoseconds("1x") == nil)
        #expect(DurationText.nanoseconds("ms") == nil)
        #expect(DurationText.nanoseconds("9999999999d") == nil)
    }
}
