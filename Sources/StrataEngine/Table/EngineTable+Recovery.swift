import StrataCore
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

extension EngineTable {
    /// Loads sealed partitions, then replays the WAL, skipping what is damaged.
    ///
    /// - Sealed files: leftover `*.tmp` files (a crash before publication) are removed; of several
    ///   generations of one partition the newest readable one is used and older ones removed. A
    ///   newest generation that cannot be read is reported and kept, and its partition marked
    ///   damaged (an older generation would silently lack rows).
    /// - WAL: frames are applied in order; rows already in a sealed file (sequence ≤ the file's
    ///   included-through sequence) are skipped. Damage never costs intact data: a frame that is
    ///   torn, fails its checksum or does not decode is skipped, replay resynchronises on the
    ///   next wholly valid frame and goes on, and later segments replay normally. Each stretch
    ///   skipped is saved to `corrupt/`, cut from the segment and reported as a ``WALCut``: a
    ///   *torn tail* when it runs to the end of the newest segment with nothing valid after it
    ///   (what a crash during a write leaves: never acknowledged under `fsyncEachBatch`), otherwise
    ///   *damage* (acknowledged data lost: ``TableRecovery/isDamaged``).
    /// - A segment header whose magic or version is garbage is damage too (its frames are still
    ///   replayed); a version that is plausibly a newer format refuses to open (see
    ///   ``WALSegmentVersion``).
    static func recover(
        schema: TableSchema, partitionDirectory: String, walDirectory: String, corruptDirectory: String,
        observer: (any TableObserver)?, wal: WALWriter, fileSystem: any FileSystemOperations, into state: inout State,
        report: inout TableRecovery
    ) throws {
        // Sealed partitions.
        var generations: [Int64: [(generation: Int, name: String)]] = [:]
        for name in try fileSystem.list(partitionDirectory) {
            if name.hasSuffix(".tmp") {
                try fileSystem.remove(partitionDirectory + "/" + name)
            } else if let parsed = PartitionFileFormat.parseFileName(name) {
                generations[parsed.partition, default: []].append((parsed.generation, name))
            }
        }
        let (dropped, droppedDamage) = try readDropped(
            directory: FileSystem.directory(of: partitionDirectory), fileSystem: fileSystem)
        state.dropped = dropped
        // New sequences must stay above every recorded drop, or replay would skip their rows.
        state.sequence = max(state.sequence, dropped.values.max() ?? 0)
        if let droppedDamage { report.damagedFiles.append(droppedDamage) }
        for (partition, files) in generations.sorted(by: { $0.key < $1.key }) {
            let ordered = files.sorted { $0.generation > $1.generation }
            let newest = ordered[0]
            let path = partitionDirectory + "/" + newest.name
            let file: SealedPartition
            do {
                file = try SealedPartition(
                    path: path, generation: newest.generation, schema: schema, fileSystem: fileSystem)
                guard file.partition == partition else {
                    throw StrataError(
                        .corruptFile, "file name says partition \(partition), footer says \(file.partition)", path: path
                    )
                }
            } catch let error as StrataError {
                report.damagedFiles.append(error)
                state.partitions[partition] = PartitionState(
                    index: partition, damagedPath: path, error: error.description, columnCount: schema.columns.count)
                state.registerPartition(partition)
                continue
            }
            if let droppedAt = dropped[partition], file.includedThrough <= droppedAt {
                // Retention recorded the drop, then stopped (a crash, an I/O error) before removing
                // the files: finish it, or the partition would come back without its late rows.
                for generation in ordered { try fileSystem.remove(partitionDirectory + "/" + generation.name) }
                continue
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
            report.sealedPartitions += 1
            for older in ordered.dropFirst() { try fileSystem.remove(partitionDirectory + "/" + older.name) }
        }
        // WAL replay. Which sequence each sealed file includes, captured once: holding a copy of
        // `state.partitions` across applies would make every apply copy the lanes it touches.
        var sealedThrough: [Int64: UInt64] = [:]
        for (index, partition) in state.partitions {
            if let file = partition.sealedFile { sealedThrough[index] = file.includedThrough }
        }
        for name in try fileSystem.list(walDirectory) where name.hasSuffix(".tmp") {
            try fileSystem.remove(walDirectory + "/" + name)  // a rewrite cut short by a crash
        }
        let segmentNames = try fileSystem.list(walDirectory).filter {
            $0.hasSuffix(".wal") && UInt64($0.dropLast(4)) != nil
        }
        // A large log is bulk work: pre-fault the memory it fills (64 MiB and up).
        let logBytes = segmentNames.reduce(Int64(0)) { $0 + fileSystem.fileSize(walDirectory + "/" + $1) }
        let bulk = logBytes >= 64 << 20
        var segments: [WALWriter.Segment] = []
        var lastSequence: UInt64 = 0
        for (position, name) in segmentNames.enumerated() {
            let path = walDirectory + "/" + name
            let number = UInt64(name.dropLast(4))!
            let newest = position == segmentNames.count - 1
            let mapped = try MappedFile(path: path, fileSystem: fileSystem)
            let bytes = mapped.bytes
            var segment = WALWriter.Segment(
                number: number, path: path, touched: [], maxSequence: 0, bytes: Int64(bytes.count))
            var cuts: [WALCut] = []
            // The header. A segment shorter than its header, or whose header is all zeros, is the
            // newest segment torn while being created (a crash) — or damage anywhere else.
            var headerDamage: String?
            if bytes.count < WALFormat.segmentHeaderSize {
                headerDamage = "WAL segment \(name) is shorter than its header (\(bytes.count) bytes)"
            } else if Array(bytes[0..<8]) != WALFormat.segmentMagic {
                headerDamage = "WAL segment \(name) has a bad magic number"
            } else {
                let version = UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: 8, as: UInt32.self))
                switch WALSegmentVersion.classify(version) {
                case .supported: break
                case .newer:
                    throw StrataError(
                        .unsupportedFormat,
                        "WAL format version \(version) is not supported (this build writes \(WALFormat.formatVersion))",
                        path: path)
                case .garbled:
                    headerDamage = "WAL segment \(name) has a garbled format version (\(version))"
                }
            }
            if let headerDamage {
                cuts.append(
                    WALCut(
                        kind: .damage, segment: name, offset: 0,
                        bytes: Int64(min(bytes.count, WALFormat.segmentHeaderSize)), frames: 0, rows: 0,
                        framesWithUnknownRows: 0, reason: headerDamage))
            }
            // The frames (after a damaged header too: the frames behind it may be intact).
            var kept: [Range<Int>] = []
            if bytes.count > WALFormat.segmentHeaderSize {
                let pipeline = FramePipeline(
                    segment: mapped, from: WALFormat.segmentHeaderSize, schema: schema, after: lastSequence)
                scanning: while true {
                    switch pipeline.next() {
                    case .end:
                        break scanning
                    case .damaged(let reason, let offset, let resume):
                        let end = resume ?? bytes.count
                        let census = WALFormat.census(bytes, offset..<end, schema: schema)
                        // Only the end of the log may be torn by a crash: the newest segment, with
                        // no valid frame after the damage. Anything else is damage to acknowledged data.
                        let torn = newest && resume == nil
                        cuts.append(
                            WALCut(
                                kind: torn ? .tornTail : .damage, segment: name, offset: Int64(offset),
                                bytes: Int64(end - offset), frames: census.frames, rows: census.rows,
                                framesWithUnknownRows: census.framesWithUnknownRows,
                                reason: "\(name) at offset \(offset): \(reason)"))
                        if resume == nil { break scanning }
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
                        segment.maxSequence = max(segment.maxSequence, sequence)
                        segment.touched.formUnion(touchedPartitions(frame.batch, schema: schema))
                        state.sequence = max(state.sequence, sequence)
                        lastSequence = max(lastSequence, sequence)
                        if let last = kept.last, last.upperBound == offset {
                            kept[kept.count - 1] = last.lowerBound..<next
                        } else {
                            kept.append(offset..<next)
                        }
                    }
                }
            }
            if headerDamage != nil && newest && kept.isEmpty
                && (bytes.count < WALFormat.segmentHeaderSize
                    || bytes.prefix(WALFormat.segmentHeaderSize).allSatisfy { $0 == 0 })
            {
                // A crash while the newest segment was being created: nothing was acknowledged in it.
                cuts[0].kind = .tornTail
            }
            guard !cuts.isEmpty else {
                report.segmentsReplayed += 1
                segments.append(segment)
                continue
            }
            // Cut what could not be replayed; its bytes go to corrupt/ first.
            let stamp = WallClock.now().nanoseconds
            try fileSystem.createDirectory(corruptDirectory)
            if headerDamage != nil && kept.isEmpty {
                // Nothing in it is usable: the whole segment moves to corrupt/.
                let saved = corruptDirectory + "/" + name + ".\(stamp)"
                try fileSystem.rename(path, to: saved)
                try fileSystem.syncDirectory(walDirectory)
                for i in cuts.indices { cuts[i].savedAs = saved }
            } else {
                for i in cuts.indices where cuts[i].bytes > 0 && !(headerDamage != nil && cuts[i].offset == 0) {
                    let range = Int(cuts[i].offset)..<Int(cuts[i].offset + cuts[i].bytes)
                    let saved =
                        corruptDirectory + "/" + name
                        + (cuts[i].kind == .tornTail ? ".tail.\(stamp)" : ".at\(range.lowerBound).\(stamp)")
                    try fileSystem.writeAtomically(saved, chunks: [Array(bytes[range])])
                    cuts[i].savedAs = saved
                }
                if headerDamage == nil && cuts.count == 1 && cuts[0].kind == .tornTail {
                    // The usual crash: cut the torn tail off in place.
                    let file = try fileSystem.open(path, flags: O_WRONLY)
                    try file.truncate(to: cuts[0].offset)
                    try file.sync()
                    segment.bytes = cuts[0].offset
                } else {
                    // Damage inside the segment: rewrite it with only its valid frames (atomically),
                    // so that the next open does not meet the damage again.
                    if headerDamage != nil {
                        let saved = corruptDirectory + "/" + name + ".\(stamp)"
                        try fileSystem.writeAtomically(saved, chunks: [Array(bytes)])
                        for i in cuts.indices where cuts[i].offset == 0 { cuts[i].savedAs = saved }
                    }
                    var chunks = [WALFormat.segmentHeader()]
                    for range in kept { chunks.append(Array(bytes[range])) }
                    try fileSystem.writeAtomically(path, chunks: chunks)
                    segment.bytes = Int64(chunks.reduce(0) { $0 + $1.count })
                }
                report.segmentsReplayed += 1
                segments.append(segment)
            }
            report.walCuts += cuts
        }
        wal.adopt(segments)
        if fileSystem.isDirectory(corruptDirectory) {
            report.quarantinedFiles = try fileSystem.list(corruptDirectory).filter { !$0.hasSuffix(".tmp") }
        }
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

    /// The `dropped` file: one `partition sequence` pair a line. A damaged line is skipped and
    /// reported (the error): at worst a dropped partition's rows come back from the WAL, which
    /// beats a table that cannot open.
    static func readDropped(directory: String, fileSystem: any FileSystemOperations) throws -> (
        [Int64: UInt64], StrataError?
    ) {
        let path = directory + "/dropped"
        guard fileSystem.exists(path) else { return ([:], nil) }
        let text = String(decoding: try fileSystem.open(path, flags: O_RDONLY).readAll(), as: UTF8.self)
        var dropped: [Int64: UInt64] = [:]
        var damage: StrataError?
        for (number, line) in text.split(separator: "\n").enumerated() {
            let fields = line.split(separator: " ")
            guard fields.count == 2, let partition = Int64(fields[0]), let sequence = UInt64(fields[1]),
                sequence <= UInt64(Int64.max)
            else {
                damage =
                    damage ?? StrataError(.corruptFile, "line \(number + 1) is not 'partition sequence'", path: path)
                continue
            }
            dropped[partition] = sequence
        }
        return (dropped, damage)
    }
}
