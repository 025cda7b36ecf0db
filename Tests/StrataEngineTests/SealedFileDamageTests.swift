import Foundation
import StrataCore
import Testing

@testable import StrataEngine

/// Every field of a sealed partition file set to extremes, the file cut at many lengths, random
/// bit flips: the table opens, the other partitions stay readable, the damaged one is fenced off
/// and reported, and a query touching it throws `.corruptFile` naming the file. Nothing traps.
@Suite(.serialized) struct SealedFileDamageTests {
    /// One table of three sealed partitions; `p1` (the middle one) is the victim.
    final class Fixture {
        let directory = TemporaryDirectory.inMemory("strata-sealed-damage")
        let schema = testSchema(partitionDuration: 1_000)
        var expected: [String: [TestRow]] = [:]
        let victim: String
        let pristine: [UInt8]

        init() throws {
            let table = try EngineTable(directory: directory.path, schema: schema, durability: .osBuffered)
            var all: [TestRow] = []
            // p0: a few rows; p1: two blocks of AAA and one of BBB; p2: a few rows.
            for i in 0..<40 {
                all.append(TestRow(symbol: "AAA", ts: Int64(i) * 20, id: Int64(i), value: 5, flag: false))
            }
            for i in 0..<1_500 {
                all.append(
                    TestRow(
                        symbol: "AAA", ts: 1_000 + Int64(i) / 2, id: 1_000 + Int64(i), value: Int64(i) * 3 - 700,
                        flag: i % 3 == 0))
            }
            for i in 0..<20 {
                all.append(
                    TestRow(symbol: "BBB", ts: 1_000 + Int64(i) * 40, id: 5_000 + Int64(i), value: 9, flag: true))
            }
            for i in 0..<30 {
                all.append(
                    TestRow(symbol: "BBB", ts: 2_000 + Int64(i) * 30, id: 9_000 + Int64(i), value: -4, flag: true))
            }
            try table.append(makeBatch(all))
            let report = table.compact(now: Timestamp(nanoseconds: 1_000_000))
            #expect(report.errors.isEmpty && report.sealed.count == 3)
            try table.close()
            for row in all { expected[row.symbol, default: []].append(row) }
            for key in expected.keys { expected[key]!.sort() }
            victim = directory.path + "/partitions/p1.g1.col"
            pristine = try [UInt8](Data(contentsOf: URL(fileURLWithPath: victim)))
        }

        deinit { directory.cleanup() }

        func expectedRows(_ symbol: String, _ from: Int64, _ to: Int64) -> [TestRow] {
            (expected[symbol] ?? []).filter { $0.ts >= from && $0.ts < to }
        }

        enum Outcome { case reportedDamaged, openedIntact, openedUnverified }

        /// Writes `bytes` as the victim, opens the table, checks everything a damaged file owes,
        /// and restores the pristine file.
        /// - Parameter crafted: the file may hold plausible but wrong data (checksums recomputed),
        ///   so rows read from it are not compared.
        @discardableResult
        func check(
            _ bytes: [UInt8], _ label: String, mustBeReported: Bool, crafted: Bool = false,
            sourceLocation: SourceLocation = #_sourceLocation
        ) throws -> Outcome {
            try Data(bytes).write(to: URL(fileURLWithPath: victim))
            defer { try? Data(pristine).write(to: URL(fileURLWithPath: victim)) }
            let table: EngineTable
            do {
                table = try EngineTable(directory: directory.path, schema: schema, durability: .osBuffered)
            } catch {
                Issue.record("\(label): the table did not open: \(error)", sourceLocation: sourceLocation)
                return .openedUnverified
            }
            defer { try? table.close() }
            // The other partitions are intact.
            for symbol in ["AAA", "BBB"] {
                for (from, to) in [(Int64(0), Int64(1_000)), (2_000, 3_000)] {
                    let got = rows(try table.range(symbol: symbol, from: from, to: to), symbol: symbol)
                    #expect(
                        got == expectedRows(symbol, from, to), "\(label): \(symbol) [\(from), \(to))",
                        sourceLocation: sourceLocation)
                }
            }
            #expect(
                rows(try table.latest(symbol: "BBB", limit: 5), symbol: "BBB")
                    == Array(expectedRows("BBB", 2_000, 3_000).suffix(5).reversed()), "\(label): latest",
                sourceLocation: sourceLocation)
            _ = table.stats()
            let reported = table.recovery.damagedFiles.contains { $0.path == victim }
            if mustBeReported {
                #expect(reported, "\(label): not reported: \(table.recovery)", sourceLocation: sourceLocation)
                #expect(table.recovery.isDamaged, "\(label)", sourceLocation: sourceLocation)
                #expect(table.health.damagedPartitions == 1, "\(label)", sourceLocation: sourceLocation)
            }
            // A query touching the victim: its rows, or a typed error naming the file.
            var intact = true
            for symbol in ["AAA", "BBB"] {
                do {
                    let got = rows(try table.range(symbol: symbol, from: 1_000, to: 2_000), symbol: symbol)
                    if got != expectedRows(symbol, 1_000, 2_000) {
                        intact = false
                        #expect(crafted, "\(label): wrong rows read without an error", sourceLocation: sourceLocation)
                    }
                    _ = try table.latest(symbol: symbol, limit: 2_000)
                    _ = try table.summarize(column: "value")
                } catch let error as StrataError {
                    intact = false
                    #expect(error.code == .corruptFile, "\(label): \(error)", sourceLocation: sourceLocation)
                    #expect(error.path == victim, "\(label): \(error)", sourceLocation: sourceLocation)
                }
            }
            if reported {
                #expect(!intact, "\(label): a reported partition answered", sourceLocation: sourceLocation)
                return .reportedDamaged
            }
            return intact ? .openedIntact : .openedUnverified
        }
    }

    /// A field of the file: where it is and how wide.
    struct Field {
        var name: String
        var offset: Int
        var width: Int
        var inFooter: Bool
    }

    /// Walks the layout of ``PartitionFileFormat`` and lists every numeric field.
    static func fields(of bytes: [UInt8]) -> (fields: [Field], footerStart: Int) {
        func load(_ offset: Int, _ width: Int) -> UInt64 {
            (0..<width).reduce(UInt64(0)) { $0 | UInt64(bytes[offset + $1]) << (8 * UInt64($1)) }
        }
        var fields = [
            Field(name: "header magic", offset: 0, width: 8, inFooter: false),
            Field(name: "header version", offset: 8, width: 4, inFooter: false),
            Field(name: "header reserved", offset: 12, width: 4, inFooter: false),
        ]
        let trailer = bytes.count - 24
        fields += [
            Field(name: "trailer footer offset", offset: trailer, width: 8, inFooter: false),
            Field(name: "trailer footer length", offset: trailer + 8, width: 4, inFooter: false),
            Field(name: "trailer footer crc", offset: trailer + 12, width: 4, inFooter: false),
            Field(name: "trailer magic", offset: trailer + 16, width: 8, inFooter: false),
        ]
        let footerStart = Int(load(trailer, 8))
        var at = footerStart
        func field(_ name: String, _ width: Int) -> UInt64 {
            fields.append(Field(name: name, offset: at, width: width, inFooter: true))
            defer { at += width }
            return load(at, width)
        }
        let columns = Int(field("column count", 2))
        // Version 2 keeps statistics of int64 (2), decimal (3) and int8 (6) columns.
        var statisticsColumns: [Int] = []
        for c in 0..<columns {
            let type = field("column \(c) type", 1)
            if load(8, 4) >= 2 && [2, 3, 6].contains(type) { statisticsColumns.append(c) }
            _ = field("column \(c) scale", 1)
            at += Int(field("column \(c) name length", 2))
        }
        for name in ["partition", "duration", "included through", "duplicates", "rows"] { _ = field(name, 8) }
        let symbols = Int(field("symbol count", 4))
        for s in 0..<symbols {
            at += Int(field("symbol \(s) name length", 2))
            _ = field("symbol \(s) rows", 4)
            _ = field("symbol \(s) min ts", 8)
            _ = field("symbol \(s) max ts", 8)
            let blocks = Int(field("symbol \(s) block count", 4))
            for b in 0..<blocks {
                _ = field("symbol \(s) block \(b) rows", 4)
                _ = field("symbol \(s) block \(b) first ts", 8)
                _ = field("symbol \(s) block \(b) last ts", 8)
                for c in 0..<columns {
                    _ = field("symbol \(s) block \(b) column \(c) offset", 8)
                    _ = field("symbol \(s) block \(b) column \(c) length", 4)
                    _ = field("symbol \(s) block \(b) column \(c) crc", 4)
                }
                for c in statisticsColumns {
                    for part in ["sum low", "sum high", "min", "max"] {
                        _ = field("symbol \(s) block \(b) column \(c) \(part)", 8)
                    }
                }
            }
        }
        precondition(at == trailer, "the test's view of the format is out of date")
        return (fields, footerStart)
    }

    /// 0, all ones, the signed maximum and minimum of the width, and the value plus one.
    static func extremes(_ bytes: [UInt8], _ field: Field) -> [(String, [UInt8])] {
        let original = Array(bytes[field.offset..<(field.offset + field.width)])
        var plusOne = original
        for i in 0..<field.width {
            plusOne[i] &+= 1
            if plusOne[i] != 0 { break }
        }
        let zero = [UInt8](repeating: 0, count: field.width)
        let ones = [UInt8](repeating: 0xFF, count: field.width)
        let signedMax = [UInt8](repeating: 0xFF, count: field.width - 1) + [0x7F]
        let signedMin = [UInt8](repeating: 0, count: field.width - 1) + [0x80]
        return [("0", zero), ("0xFF…", ones), ("max", signedMax), ("min", signedMin), ("+1", plusOne)].filter {
            $0.1 != original
        }
    }

    static func recomputeFooterCRC(_ bytes: inout [UInt8], footerStart: Int) {
        let trailer = bytes.count - 24
        let crc = bytes[footerStart..<trailer].withUnsafeBytes { CRC32C.checksum($0) }
        for i in 0..<4 { bytes[trailer + 12 + i] = UInt8(truncatingIfNeeded: crc >> (8 * UInt32(i))) }
    }

    @Test func everyFieldAtExtremesIsFencedOff() throws {
        let fixture = try Fixture()
        let (fields, footerStart) = Self.fields(of: fixture.pristine)
        #expect(fields.count > 60)
        var reported = 0
        for field in fields {
            for (valueName, value) in Self.extremes(fixture.pristine, field) {
                var bytes = fixture.pristine
                bytes.replaceSubrange(field.offset..<(field.offset + field.width), with: value)
                let label = "\(field.name) = \(valueName)"
                // As damage: the footer checksum no longer matches, or a header/trailer check fails.
                let outcome = try fixture.check(bytes, label, mustBeReported: field.name != "header reserved")
                if outcome == .reportedDamaged { reported += 1 }
                // As a crafted file whose footer checksum agrees: validation and decoding must
                // still stop every impossible value with a typed error.
                if field.inFooter {
                    Self.recomputeFooterCRC(&bytes, footerStart: footerStart)
                    try fixture.check(bytes, label + " (crc recomputed)", mustBeReported: false, crafted: true)
                }
            }
        }
        #expect(reported > 250)
    }

    /// Statistics that no block can have — min above max, a sum outside rows × [min, max] — are
    /// damage even when the footer checksum agrees: the partition is fenced off.
    @Test func impossibleStatisticsAreFencedOff() throws {
        let fixture = try Fixture()
        let (fields, footerStart) = Self.fields(of: fixture.pristine)
        func value(_ bytes: [UInt8], _ field: Field) -> Int64 {
            Int64(bitPattern: (0..<8).reduce(UInt64(0)) { $0 | UInt64(bytes[field.offset + $1]) << (8 * UInt64($1)) })
        }
        func set(_ bytes: inout [UInt8], _ field: Field, _ value: Int64) {
            for i in 0..<8 {
                bytes[field.offset + i] = UInt8(truncatingIfNeeded: UInt64(bitPattern: value) >> (8 * UInt64(i)))
            }
        }
        let statistics = fields.filter { $0.name.hasSuffix(" sum low") }
        #expect(statistics.count == 6)  // AAA: two blocks, BBB: one; columns id and value
        var checked = 0
        for low in statistics {
            let prefix = String(low.name.dropLast(" sum low".count))
            let high = fields.first { $0.name == prefix + " sum high" }!
            let min = fields.first { $0.name == prefix + " min" }!
            let max = fields.first { $0.name == prefix + " max" }!
            let (mn, mx) = (value(fixture.pristine, min), value(fixture.pristine, max))
            var cases: [(String, [UInt8])] = []
            var bytes = fixture.pristine
            set(&bytes, min, mx &+ 1)  // min above max
            cases.append(("min above max", bytes))
            bytes = fixture.pristine
            set(&bytes, high, value(bytes, high) &+ 1)  // Σ + 2^64: beyond rows × max
            cases.append(("sum high + 1", bytes))
            bytes = fixture.pristine
            set(&bytes, high, value(bytes, high) &- 1)  // Σ − 2^64: below rows × min
            cases.append(("sum high − 1", bytes))
            if mn < mx {
                bytes = fixture.pristine
                set(&bytes, max, mn)  // max lowered to min: Σ now above rows × max
                cases.append(("max lowered to min", bytes))
            }
            for (label, var bytes) in cases {
                try fixture.check(bytes, "\(prefix): \(label)", mustBeReported: true)
                Self.recomputeFooterCRC(&bytes, footerStart: footerStart)
                try fixture.check(bytes, "\(prefix): \(label) (crc recomputed)", mustBeReported: true)
                checked += 1
            }
        }
        #expect(checked >= 20)
    }

    @Test func truncatedAtManyLengthsIsFencedOff() throws {
        let fixture = try Fixture()
        let size = fixture.pristine.count
        var lengths = Set(0..<64)
        lengths.formUnion(stride(from: 64, to: size, by: max(1, size / 150)))
        lengths.formUnion(max(0, size - 130)..<size)
        lengths.insert(size / 2)
        lengths.insert(size - 100)
        for length in lengths.sorted() {
            try fixture.check(
                Array(fixture.pristine.prefix(length)), "cut to \(length) of \(size)", mustBeReported: true)
        }
    }

    @Test func footerOffsetOfAllOnesIsFencedOff() throws {
        let fixture = try Fixture()
        var bytes = fixture.pristine
        let trailer = bytes.count - 24
        for i in 0..<8 { bytes[trailer + i] = 0xFF }
        try fixture.check(bytes, "footer offset 0xFF×8", mustBeReported: true)
    }

    @Test func randomBitFlipsAreFencedOffOrHarmless() throws {
        let fixture = try Fixture()
        var random = SeededRandom(seed: 0x5EA1)
        var outcomes: [Fixture.Outcome: Int] = [:]
        for flip in 0..<300 {
            var bytes = fixture.pristine
            let position = Int.random(in: 0..<bytes.count, using: &random)
            bytes[position] ^= 1 << UInt8.random(in: 0..<8, using: &random)
            // Only the header's reserved bytes are not covered by a check.
            let covered = !(12..<16).contains(position)
            let outcome = try fixture.check(
                bytes, "flip \(flip) at \(position)", mustBeReported: false, crafted: !covered)
            outcomes[outcome, default: 0] += 1
            if covered { #expect(outcome != .openedIntact, "flip \(flip) at \(position) went unnoticed") }
        }
        #expect(outcomes[.reportedDamaged, default: 0] > 0)
    }
}
