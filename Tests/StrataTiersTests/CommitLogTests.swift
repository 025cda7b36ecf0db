import StrataCore
import StrataTestSupport
import StrataTiers
import Testing

#if canImport(Glibc)
    import Glibc
#endif

@Suite struct CommitLogTests {
    static let base: Int64 = 1_700_000_000_000_000_000

    @Test func entriesReadBackExactlyAcrossSegmentsAndRestarts() throws {
        let directory = makeTemporaryDirectory("strata-commitlog")
        defer { removeTree(directory) }
        let configuration = CommitLog.Configuration(
            directory: directory, textLanes: TickTable.textLanes, segmentBytes: 600, syncEachAppend: false)
        do {
            let log = try CommitLog(configuration: configuration)
            for i in 0..<20 {
                let entry = try log.append(
                    TickTable.batch(symbol: i % 2 == 0 ? "A" : "B", first: Int64(i * 3), count: 3, base: Self.base),
                    committedAt: Int64(i))
                #expect(entry.position == UInt64(i + 1) && entry.rows == 3)
            }
            try log.sync()
        }
        let log = try CommitLog(configuration: configuration)
        #expect(log.lastPosition == 20)
        let entries = try log.read(from: 4, through: 6)
        #expect(entries.map(\.position) == [4, 5, 6])
        #expect(entries[0].batch.symbols == ["B"])
        #expect(entries[0].batch.columns[1] == [9, 10, 11])
        #expect(entries[2].batch.columns[3].map { entries[2].batch.texts.string($0) } == ["n15", "n16", "n17"])
        #expect(entries[1].committedAt == 4)
        try log.release(through: 10)
        #expect(throws: TierError.self) { try log.read(from: 10, through: 11) }
        #expect(try log.read(from: 11, through: 11).first?.position == 11)
        let position = try log.append(
            TickTable.batch(symbol: "C", first: 0, count: 1, base: Self.base), committedAt: 99)
        #expect(position.position == 21)
        #expect(log.retainedEntries().map(\.position) == Array(11...21))
    }

    @Test func aTornTailIsTruncatedAndTheNextAppendContinues() throws {
        let directory = makeTemporaryDirectory("strata-commitlog")
        defer { removeTree(directory) }
        let configuration = CommitLog.Configuration(directory: directory, textLanes: TickTable.textLanes)
        do {
            let log = try CommitLog(configuration: configuration)
            for i in 0..<3 {
                _ = try log.append(
                    TickTable.batch(symbol: "A", first: Int64(i), count: 2, base: Self.base), committedAt: 0)
            }
        }
        // Cut the last frame in half.
        let path = directory + "/00000000000000000001.log"
        var info = stat()
        #expect(stat(path, &info) == 0)
        #expect(truncate(path, info.st_size - 20) == 0)
        let log = try CommitLog(configuration: configuration)
        #expect(log.lastPosition == 2)
        #expect(
            try log.append(TickTable.batch(symbol: "A", first: 7, count: 1, base: Self.base), committedAt: 0).position
                == 3)
        #expect(try log.read(from: 3, through: 3).first?.batch.columns[1] == [7])
    }

    @Test func cursorFilesRoundTripAndRefuseDamage() throws {
        let directory = makeTemporaryDirectory("strata-cursor")
        defer { removeTree(directory) }
        let file = CursorFile(path: directory + "/redis.cursor")
        #expect(try file.read() == 0)
        try file.write(42)
        #expect(try file.read() == 42)
        try file.write(43)
        #expect(try file.read() == 43)
        writeText(directory + "/redis.cursor", "strata-cursor 1 44 0\n")
        #expect(throws: TierError.self) { try file.read() }
    }
}
