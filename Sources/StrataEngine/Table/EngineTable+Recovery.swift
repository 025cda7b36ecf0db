import StrataCore
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

extension EngineTable {
    /// Loads sealed partitions, then replays the WAL up to its first damaged frame.
    ///
    /// - Sealed files: leftover `*.tmp` files (a crash before publication) are removed; of several
    ///   generations of one partition the newest readable one is used and older ones removed. A
    ///   newest generation that cannot be read is reported and kept, and its partition marked
    ///   damaged (an older generation would silently lack rows).
    /// - WAL: frames are applied in order; rows already in a sealed file (sequence ≤ the file's
    ///   included-through sequence) are skipped. At the first torn or corrupt frame the segment is
    ///   cut there; the cut bytes and any later segments are moved to `corrupt/` and reported.
    static func recover(
        schema: TableSchema, partitionDirectory: String, walDirectory: String, corruptDirectory: String,
        observer: (any TableObserver)?, wal: WALWriter, into state: inout State, report: inout TableRecovery
    ) throws {
        // Sealed partitions.
        var generations: [Int64: [(generation: Int, name: String)]] = [:]
        for name in try FileSystem.list(partitionDirectory) {
            if name.hasSuffix(".tmp") {
                try FileSystem.remove(partitionDirectory + "/" + name)
            } else if let parsed = PartitionFileFormat.parseFileName(name) {
                generations[parsed.partition, default: []].append((parsed.generation, name))
            }
        }
        for (partition, files) in generations {
            let ordered = files.sorted { $0.generation > $1.generation }
            let newest = ordered[0]
            let path = partitionDirectory + "/" + newest.name
            do {
                let file = try SealedPartition(path: path, generation: newest.generation, schema: schema)
                guard file.partition == partition else {
                    throw StrataError(
                        .corruptFile, "file name says partition \(partition), footer says \(file.partition)", path: path
                    )
                }
                var entry = PartitionState(index: partition, sealed: file, columnCount: schema.columns.count)
                entry.pendingDuplicates = 0
                state.partitions[partition] = entry
                state.registerPartition(partition)
                for name in file.symbols.keys.sorted() { _ = state.symbolID(name) }
                state.sequence = max(state.sequence, file.includedThrough)
                if let newestRow = file.symbols.values.map(\.maxTimestamp).max() {
                    state.newest = max(state.newest ?? newestRow, newestRow)
                }
                for older in ordered.dropFirst() { try FileSystem.remove(partitionDirectory + "/" + older.name) }
                report.sealedPartitions += 1
            } catch let error as StrataError {
                report.damagedFiles.append(error)
                state.partitions[partition] = PartitionState(
                    index: partition, damagedPath: path, error: error.description, columnCount: schema.columns.count)
                state.registerPartition(partition)
            }
        }

        state.dropped = try readDropped(directory: FileSystem.directory(of: partitionDirectory))
        let dropped = state.dropped
        // WAL replay. Which sequence each sealed file includes, captured once: holding a copy of
        // `state.partitions` across applies would make every apply copy the lanes it touches.
        var sealedThrough: [Int64: UInt64] = [:]
        for (index, partition) in state.partitions {
            if let file = partition.sealedFile { sealedThrough[index] = file.includedThrough }
        }
        let segmentNames = try FileSystem.list(walDirectory).filter { $0.hasSuffix(".wal") }
        // A large log is bulk work: pre-fault the memory it fills (64 MiB and up).
        let logBytes = segmentNames.reduce(Int64(0)) { $0 + FileSystem.fileSize(walDirectory + "/" + $1) }
        let bulk = logBytes >= 64 << 20
        var segments: [WALWriter.Segment] = []
        var stopped = false
        for name in segmentNames {
            let path = walDirectory + "/" + name
            guard let number = UInt64(name.dropLast(4)) else { continue }
            if stopped {
                try moveToCorrupt(path, name: name, corruptDirectory: corruptDirectory)
                continue
            }
            let mapped = try MappedFile(path: path)
            let bytes = mapped.bytes
            var segment = WALWriter.Segment(
                number: number, path: path, touched: [], maxSequence: 0, bytes: Int64(bytes.count))
            guard bytes.count >= WALFormat.segmentHeaderSize,
                Array(bytes[0..<8]) == WALFormat.segmentMagic
            else {
                // A segment torn while being created (or overwritten): nothing in it is usable.
                stopped = true
                report.truncationReason = "WAL segment \(name) has no valid header"
                report.bytesTruncated += Int64(bytes.count)
                try moveToCorrupt(path, name: name, corruptDirectory: corruptDirectory)
                continue
            }
            let version = UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: 8, as: UInt32.self))
            guard version == WALFormat.formatVersion else {
                throw StrataError(.unsupportedFormat, "WAL format version \(version) is not supported", path: path)
            }
            let pipeline = FramePipeline(segment: mapped, from: WALFormat.segmentHeaderSize, schema: schema)
            scanning: while true {
                switch pipeline.next() {
                case .end:
                    break scanning
                case .damaged(let reason, let offset):
                    stopped = true
                    report.truncationReason = "\(name) at offset \(offset): \(reason)"
                    report.bytesTruncated += Int64(bytes.count - offset)
                    do {
                        try cutSegment(path, name: name, at: offset, bytes: bytes, corruptDirectory: corruptDirectory)
                    } catch {
                        pipeline.cancel()
                        throw error
                    }
                    segment.bytes = Int64(offset)
                    break scanning
                case .frame(let frame, let offset, let next):
                    let sequence = frame.sequence
                    let applied =
                        frame.batch.count > 0
                        ? Applier(schema: schema, observer: observer, bulk: bulk).apply(
                            frame.batch, to: &state,
                            alreadySealed: { p in
                                (sealedThrough[p].map { $0 >= sequence } ?? false)
                                    || (dropped[p].map { $0 >= sequence } ?? false)
                            })
                        : AppendReport()
                    let skipped = frame.batch.count - applied.stored - applied.duplicates
                    report.rowsAlreadySealed += skipped
                    report.rowsReplayed += applied.stored + applied.duplicates
                    report.framesReplayed += 1
                    report.walBytesReplayed += Int64(next - offset)
                    segment.maxSequence = sequence
                    segment.touched.formUnion(touchedPartitions(frame.batch, schema: schema))
                    state.sequence = max(state.sequence, sequence)
                }
            }
            report.segmentsReplayed += 1
            segments.append(segment)
        }
        wal.adopt(segments)
    }

    private static func moveToCorrupt(_ path: String, name: String, corruptDirectory: String) throws {
        try FileSystem.createDirectory(corruptDirectory)
        try FileSystem.rename(path, to: corruptDirectory + "/" + name + ".\(WallClock.now().nanoseconds)")
    }

    /// Saves the bytes from `offset` on to `corrupt/` and truncates the segment there.
    private static func cutSegment(
        _ path: String, name: String, at offset: Int, bytes: UnsafeRawBufferPointer, corruptDirectory: String
    ) throws {
        try FileSystem.createDirectory(corruptDirectory)
        let tail = Array(bytes[offset...])
        try FileSystem.writeAtomically(
            corruptDirectory + "/" + name + ".tail.\(WallClock.now().nanoseconds)", chunks: [tail])
        let file = try FileDescriptor(path: path, flags: O_WRONLY)
        try file.truncate(to: Int64(offset))
        try file.sync()
    }

    /// Deletes WAL segments all of whose partitions are sealed with nothing pending (or dropped).
    static func removeObsoleteSegments(_ state: borrowing State, from wal: WALWriter) throws {
        let partitions = state.partitions
        let dropped = state.dropped
        try wal.removeSegments { segment in
            segment.touched.allSatisfy { p in
                if let sequence = dropped[p], sequence >= segment.maxSequence, partitions[p] == nil { return true }
                guard let partition = partitions[p], partition.isClean, let file = partition.sealedFile else {
                    return false
                }
                return file.includedThrough >= segment.maxSequence
            }
        }
    }

    /// The `dropped` file: one `partition sequence` pair a line.
    static func readDropped(directory: String) throws -> [Int64: UInt64] {
        let path = directory + "/dropped"
        guard FileSystem.exists(path) else { return [:] }
        let text = String(decoding: try FileDescriptor(path: path, flags: O_RDONLY).readAll(), as: UTF8.self)
        var dropped: [Int64: UInt64] = [:]
        for (number, line) in text.split(separator: "\n").enumerated() {
            let fields = line.split(separator: " ")
            guard fields.count == 2, let partition = Int64(fields[0]), let sequence = UInt64(fields[1]) else {
                throw StrataError(.corruptFile, "line \(number + 1) is not 'partition sequence'", path: path)
            }
            dropped[partition] = sequence
        }
        return dropped
    }
}
