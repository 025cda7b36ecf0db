import Foundation
import StrataCore
import Testing

@Suite("Timestamp")
struct TimestampTests {
    static let units = Timestamp.EpochUnit.allCases

    @Test func nanosecondsPerUnit() {
        #expect(Timestamp.EpochUnit.seconds.nanosecondsPerUnit == 1_000_000_000)
        #expect(Timestamp.EpochUnit.milliseconds.nanosecondsPerUnit == 1_000_000)
        #expect(Timestamp.EpochUnit.microseconds.nanosecondsPerUnit == 1_000)
        #expect(Timestamp.EpochUnit.nanoseconds.nanosecondsPerUnit == 1)
        #expect(Timestamp.EpochUnit.allCases.map(\.rawValue) == ["s", "ms", "us", "ns"])
        #expect(Timestamp.EpochUnit(rawValue: "ms") == .milliseconds)
    }

    @Test func constants() {
        #expect(Timestamp.zero.nanoseconds == 0)
        #expect(Timestamp.min.nanoseconds == .min)
        #expect(Timestamp.max.nanoseconds == .max)
        #expect(Timestamp.nanosecondsPerSecond == 1_000_000_000)
        #expect(Timestamp.nanosecondsPerDay == 86_400_000_000_000)
    }

    @Test func epochConstructionIsExact() throws {
        let t = try #require(Timestamp(epoch: 1_719_878_281_500, unit: .milliseconds))
        #expect(t.nanoseconds == 1_719_878_281_500_000_000)
        #expect(Timestamp(epoch: 1_719_878_281, unit: .seconds)?.nanoseconds == 1_719_878_281_000_000_000)
        #expect(Timestamp(epoch: -1, unit: .microseconds)?.nanoseconds == -1_000)
        #expect(Timestamp(epoch: .min, unit: .nanoseconds) == .min)
        #expect(Timestamp(epoch: .max, unit: .nanoseconds) == .max)
    }

    @Test func epochConstructionOverflowIsNil() {
        // Int64 nanoseconds hold ±9_223_372_036.854775807 seconds.
        #expect(Timestamp(epoch: 9_223_372_036, unit: .seconds) != nil)
        #expect(Timestamp(epoch: 9_223_372_037, unit: .seconds) == nil)
        #expect(Timestamp(epoch: -9_223_372_036, unit: .seconds) != nil)
        #expect(Timestamp(epoch: -9_223_372_037, unit: .seconds) == nil)
        #expect(Timestamp(epoch: 9_223_372_036_855, unit: .milliseconds) == nil)
        #expect(Timestamp(epoch: 9_223_372_036_854_776, unit: .microseconds) == nil)
        for unit in Self.units where unit != .nanoseconds {
            #expect(Timestamp(epoch: .max, unit: unit) == nil)
            #expect(Timestamp(epoch: .min, unit: unit) == nil)
        }
    }

    @Test(arguments: units)
    func epochRoundsTowardNegativeInfinity(unit: Timestamp.EpochUnit) {
        var random = SplitMix64(seed: 0xE90C + UInt64(unit.nanosecondsPerUnit))
        let edges: [Int64] = [0, 1, -1, 999, -999, 1_000, -1_000, 1_000_000_001, -1_000_000_001, .min, .max, .min + 1]
        let values = edges + (0..<2_000).map { _ in Int64.random(in: .min ... .max, using: &random) }
        let perUnit = Int128(unit.nanosecondsPerUnit)
        for ns in values {
            let exact = Int128(ns)
            var expected = exact / perUnit
            if expected * perUnit > exact { expected -= 1 }
            #expect(Int128(Timestamp(nanoseconds: ns).epoch(in: unit)) == expected, "\(ns) in \(unit)")
        }
    }

    @Test(arguments: units)
    func epochRoundTrip(unit: Timestamp.EpochUnit) throws {
        var random = SplitMix64(seed: 0xAB + UInt64(unit.nanosecondsPerUnit))
        let limit = Int64.max / unit.nanosecondsPerUnit
        for _ in 0..<1_000 {
            let count = Int64.random(in: -limit...limit, using: &random)
            let t = try #require(Timestamp(epoch: count, unit: unit))
            #expect(t.epoch(in: unit) == count)
        }
    }

    @Test func ordering() {
        let values: [Int64] = [.max, 0, -1, .min, 1, 1_719_878_281_500_000_000, -86_400]
        let sorted = values.map(Timestamp.init(nanoseconds:)).sorted()
        #expect(sorted.map(\.nanoseconds) == values.sorted())
        #expect(Timestamp.min < Timestamp.zero && Timestamp.zero < Timestamp.max)
        #expect(Timestamp(nanoseconds: 5) == Timestamp(nanoseconds: 5))
        #expect(Set([Timestamp(nanoseconds: 5), Timestamp(nanoseconds: 5)]).count == 1)
    }

    @Test func advancedSaturates() {
        #expect(Timestamp(nanoseconds: 10).advanced(by: 5).nanoseconds == 15)
        #expect(Timestamp(nanoseconds: 10).advanced(by: -15).nanoseconds == -5)
        #expect(Timestamp.max.advanced(by: 1) == .max)
        #expect(Timestamp(nanoseconds: .max - 10).advanced(by: .max) == .max)
        #expect(Timestamp.min.advanced(by: -1) == .min)
        #expect(Timestamp(nanoseconds: .min + 10).advanced(by: .min) == .min)
        #expect(Timestamp.min.advanced(by: .max).nanoseconds == -1)
        #expect(Timestamp.max.advanced(by: .min).nanoseconds == -1)
        #expect(Timestamp.max.advanced(by: 0) == .max)
    }

    @Test func floorKnownValues() {
        let minute: Int64 = 60 * 1_000_000_000
        #expect(
            Timestamp(nanoseconds: 1_719_878_281_500_000_000).floor(toMultipleOf: minute).nanoseconds
                == 1_719_878_280_000_000_000)
        #expect(
            Timestamp(nanoseconds: 1_719_878_280_000_000_000).floor(toMultipleOf: minute).nanoseconds
                == 1_719_878_280_000_000_000)
        // Before 1970 a bucket still starts at or before the time, never after it.
        #expect(Timestamp(nanoseconds: -1).floor(toMultipleOf: 1_000_000_000).nanoseconds == -1_000_000_000)
        #expect(Timestamp(nanoseconds: -1_000_000_000).floor(toMultipleOf: 1_000_000_000).nanoseconds == -1_000_000_000)
        #expect(Timestamp(nanoseconds: -1_500_000_000).floor(toMultipleOf: 1_000_000_000).nanoseconds == -2_000_000_000)
        #expect(
            Timestamp(nanoseconds: -1).floor(toMultipleOf: Timestamp.nanosecondsPerDay).nanoseconds == -Timestamp
                .nanosecondsPerDay)
        #expect(Timestamp.zero.floor(toMultipleOf: minute) == .zero)
        #expect(Timestamp.max.floor(toMultipleOf: 1) == .max)
        #expect(Timestamp.min.floor(toMultipleOf: 1) == .min)
    }

    static let widths: [Int64] = [
        1, 7, 1_000, 1_000_000, 1_000_000_000, 60_000_000_000, 3_600_000_000_000, 86_400_000_000_000,
        7 * 86_400_000_000_000,
    ]

    @Test(arguments: widths)
    func floorMatchesReference(width: Int64) {
        var random = SplitMix64(seed: UInt64(width))
        let edges: [Int64] = [0, 1, -1, width, -width, width - 1, -width + 1, .min, .min + 1, .max, .max - 1]
        for ns in edges + (0..<2_000).map({ _ in Int64.random(in: .min ... .max, using: &random) }) {
            let exact = Int128(ns)
            var start = exact / Int128(width)
            if start * Int128(width) > exact { start -= 1 }
            start *= Int128(width)
            let result = Timestamp(nanoseconds: ns).floor(toMultipleOf: width)
            // A bucket starting before the representable range saturates at Timestamp.min.
            let expected = Int64(exactly: start) ?? .min
            #expect(result.nanoseconds == expected, "floor(\(ns), \(width))")
            #expect(result.nanoseconds <= ns)
        }
    }

    @Test func codableIsTheNanosecondNumber() throws {
        for ns: Int64 in [0, -1, .min, .max, 1_719_878_281_500_000_000] {
            let data = try JSONEncoder().encode([Timestamp(nanoseconds: ns)])
            #expect(String(decoding: data, as: UTF8.self) == "[\(ns)]")
            #expect(try JSONDecoder().decode([Timestamp].self, from: data) == [Timestamp(nanoseconds: ns)])
        }
        #expect(throws: DecodingError.self) { try JSONDecoder().decode([Timestamp].self, from: Data("[\"x\"]".utf8)) }
    }
}
