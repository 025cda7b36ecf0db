import Testing

@testable import StrataEngine

@Suite struct LaneTests {
    /// Random appends, gathers, truncations and copies across chunk boundaries, checked against
    /// a plain array; copies must not see each other's later writes.
    @Test(arguments: [1, 2, 3] as [UInt64])
    func behavesLikeAnArray(seed: UInt64) {
        var random = SeededRandom(seed: seed)
        var lane = Lane()
        var model: [Int64] = []
        var snapshots: [(Lane, [Int64])] = []
        for _ in 0..<300 {
            switch Int.random(in: 0..<10, using: &random) {
            case 0..<4:
                let source = (0..<Int.random(in: 0...5_000, using: &random)).map { _ in
                    Int64.random(in: .min ... .max, using: &random)
                }
                let picks = source.indices.shuffled(using: &random)
                source.withUnsafeBufferPointer { s in
                    picks.withUnsafeBufferPointer { lane.append(gathering: s, at: $0) }
                }
                model.append(contentsOf: picks.map { source[$0] })
            case 4..<7:
                let values = (0..<Int.random(in: 0...70_000, using: &random)).map { Int64($0) }
                values.withUnsafeBufferPointer { lane.append(contentsOf: $0) }
                model.append(contentsOf: values)
            case 7:
                let keep = Int.random(in: 0...model.count, using: &random)
                lane.truncate(to: keep)
                model.removeLast(model.count - keep)
            case 8:
                snapshots.append((lane, model))
            default:
                lane.append(42)
                model.append(42)
            }
            #expect(lane.count == model.count)
        }
        #expect(Array(lane) == model)
        #expect(lane.array == model)
        for (copy, expected) in snapshots {
            #expect(copy.array == expected, "a copy changed after the original was mutated")
        }
        if model.count > 10 {
            var piece: [Int64] = []
            lane.copy(3..<(model.count - 2), into: &piece)
            #expect(piece == Array(model[3..<(model.count - 2)]))
        }
    }
}
