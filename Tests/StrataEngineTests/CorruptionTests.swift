import Foundation
import StrataCore
import Testing

@testable import StrataEngine

/// Damaged files: a torn WAL tail, flipped bytes in the WAL, flipped bytes in a sealed file.
@Suite struct CorruptionTests {
    /// Appends `batches` batches of 10 rows (ids 10b…10b+9) one per partition-ish, closes.
    func populate(_ dir: String, batches: Int, firstID: Int64 = 0) throws -> [[TestRow]] {
        let table = try EngineTable(directory: dir, schema: testSchema(), durability: .fsyncEachBatch)
        var written: [[TestRow]] = []
        for b in 0..<batches {
            let rows = (0..<10).map { i -> TestRow in
                let id = firstID + Int64(b * 10 + i)
                return TestRow(
                    symbol: i % 2 == 0 ? "AAA" : "BBB", ts: id * 7, id: id, value: id * 100, flag: i % 3 == 0)
            }
            try table.append(makeBatch(rows))
            written.append(rows)
        }
        try table.close()
        return written
    }

    func allRows(_ table: EngineTable) throws -> [TestRow] {
        try ["AAA", "BBB"].flatMap { rows(try table.range(symbol: $0, from: .min, to: .max), symbol: $0) }.sorted()
    }

    func walSegments(_ dir: String) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: dir + "/wal").filter { $0.hasSuffix(".wal") }.sorted().map {
            dir + "/wal/" + $0
        }
    }

    @Test(arguments: [1, 5, 11, 40, 200])
    func tornWALTailIsCutAndReported(cut: Int) throws {
        let directory = TemporaryDirectory()
        defer { directory.cleanup() }
        let written = try populate(directory.path, batches: 20)
        // Tear the last frame: drop `cut` bytes from the end of the segment that holds the data.
        let segment = try walSegments(directory.path).first { FileSystem.fileSize($0) > 16 }!
        let size = FileSystem.fileSize(segment)
        let handle = try FileDescriptor(path: segment, flags: O_WRONLY)
        try handle.truncate(to: size - Int64(cut))
        let table = try EngineTable(directory: directory.path, schema: testSchema(), durability: .fsyncEachBatch)
        defer { try? table.close() }
        #expect(table.recovery.truncationReason != nil)
        #expect(table.recovery.bytesTruncated > 0)
        // Every batch but the torn last one is there, exactly once.
        #expect(try allRows(table) == written.dropLast().flatMap { $0 }.sorted())
        // The cut bytes are kept for inspection.
        let kept = try FileManager.default.contentsOfDirectory(atPath: directory.path + "/corrupt")
        #expect(kept.contains { $0.contains(".tail.") })
        // And the table keeps working: the next append lands after the cut.
        let more = (0..<3).map {
            TestRow(symbol: "AAA", ts: 10_000 + Int64($0), id: 9_000 + Int64($0), value: 1, flag: false)
        }
        try table.append(makeBatch(more))
        try table.close()
        let reopened = try EngineTable(directory: directory.path, schema: testSchema(), durability: .fsyncEachBatch)
        defer { try? reopened.close() }
        #expect(reopened.recovery.truncationReason == nil)
        #expect(try allRows(reopened) == (written.dropLast().flatMap { $0 } + more).sorted())
    }

    /// The offset of each frame of a segment (walking the lengths).
    func frameOffsets(_ bytes: Data) -> [Int] {
        var offsets: [Int] = []
        var offset = 16
        while offset + 12 <= bytes.count {
            offsets.append(offset)
            let length = (4..<8).reduce(0) { $0 | Int(bytes[offset + $1]) << (8 * ($1 - 4)) }
            offset += 12 + length
        }
        return offsets
    }

    /// Flips a byte of frame `frame` of `segment`: `inPayloadHeader` hits the payload's symbol
    /// count (the frame no longer parses), otherwise the last byte (a column value: it parses).
    func flip(frame: Int, of segment: String, inPayloadHeader: Bool) throws {
        var bytes = try Data(contentsOf: URL(fileURLWithPath: segment))
        let offsets = frameOffsets(bytes)
        let target =
            inPayloadHeader ? offsets[frame] + 30 : (frame + 1 < offsets.count ? offsets[frame + 1] : bytes.count) - 1
        bytes[target] ^= 0x5A
        try bytes.write(to: URL(fileURLWithPath: segment))
    }

    func open(_ directory: TemporaryDirectory) throws -> EngineTable {
        try EngineTable(directory: directory.path, schema: testSchema(), durability: .fsyncEachBatch)
    }

    @Test(arguments: [0, 3, 8, 12, 18])
    func flippedByteInWALCostsOnlyThatFrame(frameIndex: Int) throws {
        for inPayloadHeader in [false, true] {
            let directory = TemporaryDirectory()
            defer { directory.cleanup() }
            let written = try populate(directory.path, batches: 20)
            let segment = try walSegments(directory.path).first { FileSystem.fileSize($0) > 16 }!
            try flip(frame: frameIndex, of: segment, inPayloadHeader: inPayloadHeader)
            let table = try open(directory)
            let recovery = table.recovery
            #expect(recovery.truncationReason?.contains("checksum") == true)
            // Every other batch is there, exactly once; the damaged one is gone.
            var expected = written
            expected.remove(at: frameIndex)
            #expect(try allRows(table) == expected.flatMap { $0 }.sorted())
            // Reported loudly, precisely.
            #expect(recovery.isDamaged)
            #expect(recovery.tornTail == nil)
            #expect(recovery.walDamage.count == 1)
            #expect(recovery.framesLost == 1)
            #expect(recovery.rowsLost == (inPayloadHeader ? 0 : 10))
            #expect(recovery.framesLostWithUnknownRows == (inPayloadHeader ? 1 : 0))
            #expect(recovery.framesReplayed == 19)
            let cut = try #require(recovery.walDamage.first)
            #expect(cut.bytes > 12)
            #expect(cut.savedAs.map { FileManager.default.fileExists(atPath: $0) } == true)
            // Appends after such a recovery work and survive another reopen; nothing twice.
            let more = (0..<4).map {
                TestRow(symbol: "BBB", ts: 5_000 + Int64($0), id: 7_000 + Int64($0), value: 3, flag: true)
            }
            try table.append(makeBatch(more))
            try table.close()
            let reopened = try open(directory)
            defer { try? reopened.close() }
            #expect(reopened.recovery.walCuts.isEmpty, "the damage was cut once: \(reopened.recovery)")
            #expect(!reopened.recovery.isDamaged)
            #expect(try allRows(reopened) == (expected.flatMap { $0 } + more).sorted())
        }
    }

    /// After frames were skipped, the WAL's bookkeeping (partitions touched, highest sequence)
    /// must still keep a segment until everything in it is sealed.
    @Test func sealingAfterSkippedFramesKeepsUnsealedRows() throws {
        let directory = TemporaryDirectory()
        defer { directory.cleanup() }
        let written = try populate(directory.path, batches: 20)  // partitions 0 and 1
        let segment = try walSegments(directory.path).first { FileSystem.fileSize($0) > 16 }!
        try flip(frame: 3, of: segment, inPayloadHeader: false)
        var expected = written
        expected.remove(at: 3)
        do {
            let table = try open(directory)
            let report = table.compact(now: Timestamp(nanoseconds: 1_000))  // seals partition 0 only
            #expect(report.sealed.count == 1 && report.errors.isEmpty)
            try table.close()
        }
        let table = try open(directory)
        defer { try? table.close() }
        #expect(try allRows(table) == expected.flatMap { $0 }.sorted())
        #expect(table.recovery.walCuts.isEmpty)
    }

    @Test func damagedLastFrameOfTheLogIsATornTail() throws {
        let directory = TemporaryDirectory()
        defer { directory.cleanup() }
        let written = try populate(directory.path, batches: 20)
        let segment = try walSegments(directory.path).first { FileSystem.fileSize($0) > 16 }!
        try flip(frame: 19, of: segment, inPayloadHeader: false)
        let table = try open(directory)
        defer { try? table.close() }
        #expect(!table.recovery.isDamaged)
        #expect(table.recovery.tornTail?.frames == 1)
        #expect(try allRows(table) == written.dropLast().flatMap { $0 }.sorted())
    }

    /// Damage in an older segment costs neither the frames after it nor the next segment.
    @Test func damageInAnOlderSegmentSparesLaterSegments() throws {
        let directory = TemporaryDirectory()
        defer { directory.cleanup() }
        let first = try populate(directory.path, batches: 10)
        let second = try populate(directory.path, batches: 10, firstID: 100)
        let segments = try walSegments(directory.path).filter { FileSystem.fileSize($0) > 16 }
        #expect(segments.count == 2)
        try flip(frame: 4, of: segments[0], inPayloadHeader: false)
        let table = try open(directory)
        defer { try? table.close() }
        var expected = first
        expected.remove(at: 4)
        #expect(try allRows(table) == (expected + second).flatMap { $0 }.sorted())
        #expect(table.recovery.framesLost == 1 && table.recovery.rowsLost == 10)
        #expect(table.recovery.framesReplayed == 19)
        #expect(FileManager.default.fileExists(atPath: segments[1]), "an intact segment stays in place")
    }

    /// A garbled version number is damage (the segment's frames are still replayed); a small
    /// newer version is a newer format, refused.
    @Test(arguments: [0xA5A5_A5A4, 0, 256, UInt32.max] as [UInt32])
    func garbledWALVersionIsDamageNotAnUnopenableStore(version: UInt32) throws {
        let directory = TemporaryDirectory()
        defer { directory.cleanup() }
        let first = try populate(directory.path, batches: 5)
        let second = try populate(directory.path, batches: 5, firstID: 100)
        let segments = try walSegments(directory.path).filter { FileSystem.fileSize($0) > 16 }
        var bytes = try Data(contentsOf: URL(fileURLWithPath: segments[0]))
        for i in 0..<4 { bytes[8 + i] = UInt8(truncatingIfNeeded: version >> (8 * UInt32(i))) }
        try bytes.write(to: URL(fileURLWithPath: segments[0]))
        let table = try open(directory)
        #expect(table.recovery.isDamaged)
        #expect(table.recovery.walDamage.first?.reason.contains("version") == true)
        #expect(table.recovery.framesLost == 0, "the header alone was damaged")
        #expect(try allRows(table) == (first + second).flatMap { $0 }.sorted())
        let kept = try FileManager.default.contentsOfDirectory(atPath: directory.path + "/corrupt")
        #expect(kept.contains { $0.hasPrefix(URL(fileURLWithPath: segments[0]).lastPathComponent) })
        try table.close()
        let reopened = try open(directory)
        defer { try? reopened.close() }
        #expect(!reopened.recovery.isDamaged)
        #expect(try allRows(reopened) == (first + second).flatMap { $0 }.sorted())
    }

    @Test(arguments: [2, 3, 255] as [UInt32])
    func newerWALVersionIsRefused(version: UInt32) throws {
        let directory = TemporaryDirectory()
        defer { directory.cleanup() }
        _ = try populate(directory.path, batches: 3)
        let segment = try walSegments(directory.path).first { FileSystem.fileSize($0) > 16 }!
        var bytes = try Data(contentsOf: URL(fileURLWithPath: segment))
        bytes[8] = UInt8(version)
        try bytes.write(to: URL(fileURLWithPath: segment))
        let error = #expect(throws: StrataError.self) { _ = try open(directory) }
        #expect(error?.code == .unsupportedFormat)
    }

    @Test func damagedWALMagicKeepsTheSegmentsFrames() throws {
        let directory = TemporaryDirectory()
        defer { directory.cleanup() }
        let first = try populate(directory.path, batches: 5)
        let second = try populate(directory.path, batches: 5, firstID: 100)
        let segments = try walSegments(directory.path).filter { FileSystem.fileSize($0) > 16 }
        var bytes = try Data(contentsOf: URL(fileURLWithPath: segments[0]))
        bytes[2] ^= 0xFF
        try bytes.write(to: URL(fileURLWithPath: segments[0]))
        let table = try open(directory)
        defer { try? table.close() }
        #expect(table.recovery.isDamaged && table.recovery.framesLost == 0)
        #expect(try allRows(table) == (first + second).flatMap { $0 }.sorted())
    }

    /// The newest segment torn while it was being created (a crash): not damage.
    @Test(arguments: [0, 7, 15])
    func tornHeaderOfNewestSegmentIsATornTail(length: Int) throws {
        let directory = TemporaryDirectory()
        defer { directory.cleanup() }
        let written = try populate(directory.path, batches: 5)
        let newest = directory.path + "/wal/0000000000000009.wal"
        try Data(WALFormat.segmentHeader().prefix(length)).write(to: URL(fileURLWithPath: newest))
        let table = try open(directory)
        defer { try? table.close() }
        #expect(!table.recovery.isDamaged, "\(table.recovery)")
        #expect(table.recovery.tornTail != nil)
        #expect(try allRows(table) == written.flatMap { $0 }.sorted())
    }

    @Test func flippedByteInSealedFileIsAnErrorNamingTheFile() throws {
        let directory = TemporaryDirectory()
        defer { directory.cleanup() }
        // Two partitions (ts 0…999 and 1000…1999): damage one, the other stays readable.
        let table = try EngineTable(directory: directory.path, schema: testSchema(), durability: .fsyncEachBatch)
        let early = (0..<50).map { TestRow(symbol: "AAA", ts: Int64($0) * 10, id: Int64($0), value: 5, flag: false) }
        let late = (0..<50).map {
            TestRow(symbol: "AAA", ts: 1_000 + Int64($0) * 10, id: 100 + Int64($0), value: 6, flag: true)
        }
        try table.append(makeBatch(early + late))
        let report = table.compact(now: Timestamp(nanoseconds: 10_000))
        #expect(report.errors.isEmpty && report.sealed.count == 2)
        try table.close()
        let file = directory.path + "/partitions/p0.g1.col"
        var bytes = try Data(contentsOf: URL(fileURLWithPath: file))
        bytes[40] ^= 0xFF  // inside the first block
        try bytes.write(to: URL(fileURLWithPath: file))

        let reopened = try EngineTable(directory: directory.path, schema: testSchema(), durability: .fsyncEachBatch)
        defer { try? reopened.close() }
        #expect(throws: StrataError.self) { try reopened.range(symbol: "AAA", from: 0, to: 1_000) }
        do {
            _ = try reopened.range(symbol: "AAA", from: 0, to: 1_000)
        } catch let error as StrataError {
            #expect(error.code == .corruptFile)
            #expect(error.path == file)
            #expect(error.message.contains("checksum"))
        }
        // The other partition is intact.
        #expect(rows(try reopened.range(symbol: "AAA", from: 1_000, to: 2_000), symbol: "AAA") == late)
        #expect(rows(try reopened.latest(symbol: "AAA", limit: 10), symbol: "AAA") == Array(late.suffix(10).reversed()))
    }

    @Test func damagedFooterMarksPartitionDamagedAndStoreStillOpens() throws {
        let directory = TemporaryDirectory()
        defer { directory.cleanup() }
        let table = try EngineTable(directory: directory.path, schema: testSchema(), durability: .fsyncEachBatch)
        let early = (0..<50).map { TestRow(symbol: "AAA", ts: Int64($0) * 10, id: Int64($0), value: 5, flag: false) }
        let late = (0..<50).map {
            TestRow(symbol: "AAA", ts: 1_000 + Int64($0) * 10, id: 100 + Int64($0), value: 6, flag: true)
        }
        try table.append(makeBatch(early + late))
        _ = table.compact(now: Timestamp(nanoseconds: 10_000))
        try table.close()
        let file = directory.path + "/partitions/p0.g1.col"
        var bytes = try Data(contentsOf: URL(fileURLWithPath: file))
        bytes[bytes.count - 30] ^= 0x01  // in the footer
        try bytes.write(to: URL(fileURLWithPath: file))

        let reopened = try EngineTable(directory: directory.path, schema: testSchema(), durability: .fsyncEachBatch)
        defer { try? reopened.close() }
        #expect(reopened.recovery.damagedFiles.count == 1)
        #expect(reopened.recovery.damagedFiles.first?.path == file)
        #expect(reopened.health.damagedPartitions == 1)
        #expect(throws: StrataError.self) { try reopened.range(symbol: "AAA", from: 0, to: 500) }
        #expect(rows(try reopened.range(symbol: "AAA", from: 1_000, to: 2_000), symbol: "AAA") == late)
        // Writes into the damaged partition are kept (overlay + WAL), not dropped.
        try reopened.append(makeBatch([TestRow(symbol: "AAA", ts: 5, id: 999, value: 1, flag: false)]))
        #expect(reopened.stats().rows == 51)
        #expect(FileManager.default.fileExists(atPath: file), "a damaged file is never deleted")
    }

    @Test func truncatedSealedFileIsReported() throws {
        let directory = TemporaryDirectory()
        defer { directory.cleanup() }
        _ = try populate(directory.path, batches: 5)
        let table = try EngineTable(directory: directory.path, schema: testSchema(), durability: .fsyncEachBatch)
        _ = table.compact(now: Timestamp(nanoseconds: 1_000_000))
        try table.close()
        let file = directory.path + "/partitions/p0.g1.col"
        let handle = try FileDescriptor(path: file, flags: O_WRONLY)
        try handle.truncate(to: FileSystem.fileSize(file) / 2)
        let reopened = try EngineTable(directory: directory.path, schema: testSchema(), durability: .fsyncEachBatch)
        defer { try? reopened.close() }
        #expect(reopened.recovery.damagedFiles.first?.code == .corruptFile)
        #expect(reopened.recovery.damagedFiles.first?.description.contains("p0.g1.col") == true)
    }
}

@Suite struct WALReplayRegressionTests {
    /// A batch whose dictionary names symbols no row uses is valid; replay once took such a
    /// frame for corruption and cut the WAL there, losing every later batch.
    @Test func unusedDictionaryNamesSurviveReplay() throws {
        let directory = TemporaryDirectory()
        defer { directory.cleanup() }
        var batch = makeBatch([TestRow(symbol: "AAA", ts: 1, id: 1, value: 1, flag: false)])
        batch.symbols += ["BBB", "CCC"]
        let later = makeBatch([TestRow(symbol: "BBB", ts: 2, id: 2, value: 2, flag: true)])
        do {
            let table = try EngineTable(directory: directory.path, schema: testSchema(), durability: .fsyncEachBatch)
            try table.append(batch)
            try table.append(later)
            try table.close()
        }
        let table = try EngineTable(directory: directory.path, schema: testSchema(), durability: .fsyncEachBatch)
        defer { try? table.close() }
        #expect(table.recovery.truncationReason == nil)
        #expect(table.stats().rows == 2)
        #expect(rows(try table.range(symbol: "BBB", from: .min, to: .max), symbol: "BBB").map(\.id) == [2])
    }
}
