import StrataCore
import Testing

@testable import StrataEngine

@Suite struct LaneTests {
    /// A lane holding a few values holds a few values' worth of memory: a new symbol used to cost
    /// a 64K-value chunk per column (a resident page each, ~200 KiB with the bar tables). The
    /// first chunk starts small and doubles, moving its values, up to a full chunk; a copy taken
    /// while it is small keeps its own values.
    @Test func smallLanesStaySmallAndGrowThroughEveryCapacity() {
        var lane = Lane()
        lane.append(7)
        #expect(lane.chunks.count == 1)
        #expect(lane.chunks[0].capacity == Lane.firstCapacity)
        var model: [Int64] = [7]
        var snapshots: [(Lane, [Int64])] = []
        var next: Int64 = 8
        while model.count < Lane.chunkSize * 2 + 100 {
            let n = model.count < 200 ? 1 : Int(next % 3_001)
            for _ in 0..<n {
                lane.append(next)
                model.append(next)
                next += 1
            }
            if model.count.nonzeroBitCount == 1 || model.count % 9_999 == 0 { snapshots.append((lane, model)) }
            #expect(lane.chunks.dropLast().allSatisfy { $0.capacity == Lane.chunkSize })
        }
        #expect(lane.array == model)
        for (snapshot, expected) in snapshots { #expect(snapshot.array == expected) }
        // A bulk append sizes the first chunk for what it brings, rounded up to a power of two.
        var bulk = Lane()
        let values = (0..<1_000).map(Int64.init)
        values.withUnsafeBufferPointer { bulk.append(contentsOf: $0) }
        #expect(bulk.chunks[0].capacity == 1_024)
        #expect(bulk.array == values)
    }

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

    /// Full chunks come from the process-wide reserve, faulted in outside the table's lock, and go
    /// back to it dirty when a lane is dropped: a lane built on recycled memory reads only what it
    /// wrote, copies keep their values, and the reserve never holds more than its limit.
    @Test func recycledChunksHoldOnlyWhatTheNewLaneWrote() {
        ChunkReserve.refill()
        #expect(ChunkReserve.count > 0)
        do {
            var old = Lane()
            for i in 0..<(Lane.chunkSize * 3) { old.append(-Int64(i) - 1) }
            #expect(old.chunks.count == 3)
        }  // its chunks go back to the reserve (or are unmapped past the limit)
        #expect(ChunkReserve.count <= ChunkReserve.retainedLimit)
        var lane = Lane()
        var model: [Int64] = []
        for i in 0..<(Lane.chunkSize * 2 + 777) {
            lane.append(Int64(i))
            model.append(Int64(i))
        }
        let copy = lane
        lane.set(5, 42)
        lane.truncate(to: Lane.chunkSize + 3)
        lane.append(9)
        #expect(copy.array == model)
        var expected = Array(model[0..<(Lane.chunkSize + 3)])
        expected[5] = 42
        expected.append(9)
        #expect(lane.array == expected)
    }
}
