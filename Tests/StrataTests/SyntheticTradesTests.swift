import Foundation
import Strata
import StrataCore
import StrataTestSupport
import StrataWorkload
import Testing

@Suite("SyntheticTrades")
struct SyntheticTradesTests {
    static let sample = SyntheticTrades(configuration: .init(rows: 200_000))

    @Test func sameSeedGivesTheSameRows() {
        let a = Array(SyntheticTrades(configuration: .init(rows: 20_000, seed: 99)))
        let b = Array(SyntheticTrades(configuration: .init(rows: 20_000, seed: 99)))
        #expect(a.count == 20_000)
        #expect(a == b)
    }

    @Test func differentSeedsGiveDifferentRows() {
        let a = Array(SyntheticTrades(configuration: .init(rows: 1_000, seed: 1)))
        let b = Array(SyntheticTrades(configuration: .init(rows: 1_000, seed: 2)))
        #expect(a != b)
    }

    @Test func theStandardWorkloadIsPinned() throws {
        // The benchmark's figures are comparable across commits only while the rows stay the same:
        // a change here changes the standard workload, and BENCHMARKS.md must say so.
        var iterator = SyntheticTrades().makeIterator()
        let first = iterator.next()!
        #expect(first.symbol == "SYM001")
        #expect(first.timestamp.nanoseconds == 1_767_571_200_000_066_000)
        #expect(first.tradeID == 230_259_494)
        #expect(first.price == (try Price("7552.62")))
        #expect(first.quantity == (try Quantity("2.484")))
        #expect(first.isBuyerMaker == false)
        var fingerprint: UInt64 = 0
        for _ in 1..<10_000 {
            let trade = iterator.next()!
            for value in [trade.timestamp.nanoseconds, trade.tradeID, trade.price.mantissa, trade.quantity.mantissa] {
                fingerprint = (fingerprint ^ UInt64(bitPattern: value)) &* 0x100_0000_01B3
            }
        }
        #expect(fingerprint == 4_622_910_935_273_011_998)
    }

    @Test func rowsAreInTimeOrderInsideTheDayAtMicrosecondGranularity() {
        let day = SyntheticTrades.Configuration.standardDay.nanoseconds
        var previous = Int64.min
        var count = 0
        for trade in Self.sample {
            let ns = trade.timestamp.nanoseconds
            #expect(ns >= previous)
            previous = ns
            count += 1
            guard ns >= day, ns < day + Timestamp.nanosecondsPerDay, ns % 1_000 == 0 else {
                Issue.record("timestamp \(trade.timestamp) outside the day or not whole microseconds")
                return
            }
        }
        #expect(count == 200_000)
    }

    @Test func arrivalsSpreadOverTheWholeDay() {
        // Poisson arrivals conditioned on the count: every hour gets about 1/24 of the rows.
        let day = SyntheticTrades.Configuration.standardDay.nanoseconds
        var perHour = [Int](repeating: 0, count: 24)
        for trade in Self.sample {
            perHour[Int((trade.timestamp.nanoseconds - day) / 3_600_000_000_000)] += 1
        }
        let expected = 200_000.0 / 24
        for count in perHour { #expect(abs(Double(count) - expected) < expected * 0.05) }
    }

    @Test func popularityIsZipfWithExponentOne() {
        var counts: [Symbol: Int] = [:]
        for trade in Self.sample { counts[trade.symbol, default: 0] += 1 }
        #expect(counts.count == 100)
        let share0 = Double(counts[SyntheticTrades.symbol(rank: 0)]!) / 200_000
        #expect(abs(share0 - 0.1928) < 0.005)
        #expect(abs(Self.sample.expectedShare(rank: 0) - 0.1928) < 0.0005)
        let share1 = Double(counts[SyntheticTrades.symbol(rank: 1)]!) / 200_000
        #expect(abs(share1 - share0 / 2) < 0.005)
        let share9 = Double(counts[SyntheticTrades.symbol(rank: 9)]!) / 200_000
        #expect(abs(share9 - share0 / 10) < 0.002)
        // The tail: ranks 50 ... 99 hold about 13 % together.
        let tail = (50..<100).reduce(0) { $0 + counts[SyntheticTrades.symbol(rank: $1)]! }
        #expect(abs(Double(tail) / 200_000 - 0.133) < 0.01)
    }

    @Test func tradeIDsCountUpByOnePerSymbol() {
        var last: [Symbol: Int64] = [:]
        for trade in Self.sample {
            if let previous = last[trade.symbol], trade.tradeID != previous + 1 {
                Issue.record("\(trade.symbol): id \(trade.tradeID) after \(previous)")
                return
            }
            last[trade.symbol] = trade.tradeID
        }
    }

    @Test func pricesAndQuantitiesAreOnTheirGrids() {
        let tick = Price(mantissa: 1_000_000).mantissa
        let lot = Quantity(mantissa: 100_000).mantissa
        var buyerMaker = 0
        var quantities: [Int64] = []
        for trade in Self.sample {
            guard trade.price.mantissa > 0, trade.price.mantissa % tick == 0, trade.quantity.mantissa >= lot,
                trade.quantity.mantissa % lot == 0
            else {
                Issue.record("off grid: \(trade)")
                return
            }
            if trade.isBuyerMaker { buyerMaker += 1 }
            quantities.append(trade.quantity.mantissa)
        }
        #expect(abs(Double(buyerMaker) / 200_000 - 0.5) < 0.01)
        // Skewed sizes: the mean is well above the median.
        quantities.sort()
        let median = Double(quantities[quantities.count / 2])
        let mean = Double(quantities.reduce(0, +)) / Double(quantities.count)
        #expect(mean > median * 1.3)
    }

    @Test func pricesWalkOneFixedStepAtATime() {
        var last: [Symbol: Int64] = [:]
        var step: [Symbol: Int64] = [:]
        var unchanged = 0
        var moves = 0
        for trade in Self.sample {
            if let previous = last[trade.symbol] {
                let move = abs(trade.price.mantissa - previous)
                if move == 0 {
                    unchanged += 1
                } else {
                    moves += 1
                    // Each symbol moves by its own constant step (about 1 bp of its start price).
                    let expected = step[trade.symbol, default: move]
                    if move != expected {
                        Issue.record("\(trade.symbol) moved \(move), its step is \(expected)")
                        return
                    }
                    step[trade.symbol] = move
                    #expect(Double(move) < Double(previous) * 0.01)
                }
            }
            last[trade.symbol] = trade.price.mantissa
        }
        #expect(abs(Double(unchanged) / Double(unchanged + moves) - 0.5) < 0.02)
    }

    @Test func everyRowPassesTheStandardValidation() throws {
        let rules = ValidationRules.standard
        let window = rules.timestampWindow()
        for trade in Self.sample { try rules.validate(trade, window: window) }
    }

    @Test(arguments: [1, 7, 10_000, 30_000])
    func batchesConcatenateToTheSequence(size: Int) {
        let workload = SyntheticTrades(configuration: .init(rows: 25_000, seed: 5))
        let batches = Array(workload.batches(of: size))
        #expect(batches.count == (25_000 + size - 1) / size)
        #expect(batches.dropLast().allSatisfy { $0.count == size })
        #expect(Array(batches.joined()) == Array(workload))
    }

    @Test func emptyAndTinyWorkloads() {
        #expect(Array(SyntheticTrades(configuration: .init(rows: 0))).isEmpty)
        let one = Array(SyntheticTrades(configuration: .init(rows: 1, symbols: 1)))
        #expect(one.count == 1)
        #expect(one[0].symbol == SyntheticTrades.symbol(rank: 0))
    }

    @Test func symbolNames() {
        #expect(SyntheticTrades.symbol(rank: 0).name == "SYM000")
        #expect(SyntheticTrades.symbol(rank: 50).name == "SYM050")
        #expect(SyntheticTrades.symbol(rank: 999).name == "SYM999")
        #expect(
            SyntheticTrades(configuration: .init(symbols: 3)).symbols.map(\.name) == ["SYM000", "SYM001", "SYM002"])
    }

    @Test func csvHasTheHeaderAndRoundTripsExactly() throws {
        let workload = SyntheticTrades(configuration: .init(rows: 5_000, seed: 11))
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("synthetic-\(UUID()).csv").path
        defer { removeTree(path) }
        let bytes = try workload.writeCSV(to: path)
        let text = try String(contentsOfFile: path, encoding: .utf8)
        #expect(text.utf8.count == bytes)
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.first == "ts_ns,symbol,trade_id,price,qty,is_buyer_maker")
        #expect(lines.last == "")
        lines = Array(lines.dropFirst().dropLast())
        let trades = Array(workload)
        #expect(lines.count == trades.count)
        for (line, trade) in zip(lines, trades) {
            let fields = line.split(separator: ",").map(String.init)
            #expect(fields.count == 6)
            #expect(Int64(fields[0]) == trade.timestamp.nanoseconds)
            #expect(fields[1] == trade.symbol.name)
            #expect(Int64(fields[2]) == trade.tradeID)
            #expect(try Price(fields[3]) == trade.price)
            #expect(fields[3] == trade.price.description)
            #expect(try Quantity(fields[4]) == trade.quantity)
            #expect(fields[5] == (trade.isBuyerMaker ? "true" : "false"))
        }
    }

    @Test func csvToAnUnwritablePathThrowsAnIOError() {
        #expect(throws: StrataError.self) {
            try SyntheticTrades(configuration: .init(rows: 10)).writeCSV(to: "/nonexistent-dir/x.csv")
        }
    }
}
