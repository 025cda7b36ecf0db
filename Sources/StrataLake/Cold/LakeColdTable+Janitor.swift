import Strata
import StrataCore
import Synchronization

extension LakeColdTable {
    /// Finishes or undoes the moves a crash interrupted (see the type's summary), then publishes
    /// the moved ones to readers.
    func resolve(_ journal: ColdJournal, report: inout ColdMoveReport) throws(LakeError) {
        let writer = try LakeTableWriter(root: root, schema: schema)
        for move in journal.moves.values.sorted(by: { $0.id < $1.id }) {
            switch move.state {
            case .moved, .abandoned, .verified: continue
            case .dropping:
                if let dropped = hot.droppedSequence(index: move.index), dropped >= move.tableSequence {
                    var done = move
                    done.state = .moved
                    try journal.record(done)
                    report.resumed += 1
                } else {
                    try abandon(move, journal: journal, writer: writer)
                    report.undone += 1
                }
            case .copying:
                try abandon(move, journal: journal, writer: writer)
                report.undone += 1
            }
        }
        publish(journal)
    }

    /// Removes a move's files (the manifest's lines, then the files) and records it abandoned.
    func abandon(_ move: ColdMove, journal: ColdJournal, writer: LakeTableWriter) throws(LakeError) {
        try writer.remove(paths: move.files)
        var given = move
        given.state = .abandoned
        try journal.record(given)
    }

    func move(now: Timestamp) -> ColdMoveReport {
        var report = ColdMoveReport(table: schema.name)
        janitor.withLock { journal in
            do throws(LakeError) {
                // Interrupted moves first (after a failed run), inside an odd generation.
                sequenceLock.add(1, ordering: .acquiringAndReleasing)
                defer { sequenceLock.add(1, ordering: .acquiringAndReleasing) }
                try resolve(journal, report: &report)
            } catch {
                report.errors.append(error.strataError(context: "\(schema.name): the cold tier's janitor"))
                return
            }
            do throws(LakeError) {
                guard let age = hotRetention, let newest = hot.newestTimestamp else { return }
                let cutoff = min(newest, now).advanced(by: -age).nanoseconds
                let writer = try LakeTableWriter(root: root, schema: schema)
                for partition in hot.partitions() where partition.end <= cutoff {
                    guard partition.lateRows == 0 else {
                        report.deferred.append(Timestamp(nanoseconds: partition.start))
                        continue
                    }
                    do throws(LakeError) {
                        try transfer(partition, journal: journal, writer: writer, report: &report)
                    } catch {
                        report.errors.append(error.strataError(context: "\(schema.name): moving a partition"))
                    }
                }
            } catch {
                report.errors.append(error.strataError(context: "\(schema.name): the cold tier's janitor"))
            }
        }
        return report
    }

    /// Moves one partition: copy (or the verified copy of an interrupted run), read back and
    /// compare, then drop from the hot table inside an odd generation.
    private func transfer(
        _ partition: HotPartitions.Partition, journal: ColdJournal, writer: LakeTableWriter,
        report: inout ColdMoveReport
    ) throws(LakeError) {
        var move: ColdMove
        if let verified = journal.moves.values.first(where: { $0.state == .verified && $0.index == partition.index }) {
            guard verified.version == partition.version else {
                try abandon(verified, journal: journal, writer: writer)
                report.undone += 1
                try transfer(partition, journal: journal, writer: writer, report: &report)
                return
            }
            move = verified
            move.tableSequence = partition.tableSequence
            report.resumed += 1
        } else {
            move = try copy(partition, journal: journal, writer: writer, report: &report)
            guard move.state == .verified else { return }
        }
        // The drop, inside an odd generation: no read sees the partition in both tiers or neither.
        sequenceLock.add(1, ordering: .acquiringAndReleasing)
        defer { sequenceLock.add(1, ordering: .acquiringAndReleasing) }
        move.state = .dropping
        try journal.record(move)
        let outcome: HotPartitions.DropOutcome
        do {
            outcome = try hot.drop(partition)
        } catch {
            // Whether the drop happened is in the hot table's drop record.
            if let dropped = hot.droppedSequence(index: move.index), dropped >= move.tableSequence {
                outcome = .dropped(rows: move.rows)
            } else {
                try abandon(move, journal: journal, writer: writer)
                report.errors.append(StrataError(.io, "\(schema.name): the hot partition was not dropped: \(error)"))
                return
            }
        }
        switch outcome {
        case .dropped:
            move.state = .moved
            try journal.record(move)
            publish(journal)
            report.moved.append(Timestamp(nanoseconds: partition.start))
            report.rows += move.rows
        case .changed, .absent:
            try abandon(move, journal: journal, writer: writer)
            report.deferred.append(Timestamp(nanoseconds: partition.start))
        }
    }

    /// Writes the partition's rows to the lake (a file per UTC day it covers), reads them back
    /// and compares them with the hot rows; the move returned is `verified`, or `abandoned` (its
    /// files removed) if the copy differs.
    private func copy(
        _ partition: HotPartitions.Partition, journal: ColdJournal, writer: LakeTableWriter,
        report: inout ColdMoveReport
    ) throws(LakeError) -> ColdMove {
        let day = Timestamp.nanosecondsPerDay
        var days: [Range<Int64>] = []
        var start = partition.start
        while start < partition.end {
            let dayEnd = (LakeExport.floorDiv(start, day) + 1) * day
            days.append(start..<min(dayEnd, partition.end))
            start = min(dayEnd, partition.end)
        }
        var files: [LakeTableWriter.File] = []
        for span in days { files.append(try writer.startFile(date: LakeExport.date(span.lowerBound))) }
        var move = ColdMove(
            id: journal.nextID, state: .copying, index: partition.index, start: partition.start, end: partition.end,
            version: partition.version, tableSequence: partition.tableSequence, files: files.map(\.relativePath),
            rows: 0, digest: "", symbols: [])
        do throws(LakeError) {
            try journal.record(move)
        } catch {
            for file in files { file.discard() }
            throw error
        }
        // The hot rows, digested as they are written.
        var hotDigest = RowDigest(schema: schema)
        var spans: [SymbolSpan] = []
        do throws(LakeError) {
            for (file, span) in zip(files, days) {
                for symbol in partition.symbols {
                    let rows: RowSet
                    do {
                        rows = try hot.rows(symbol: symbol, from: span.lowerBound, to: span.upperBound)
                    } catch {
                        throw LakeError(.io, "reading the hot partition: \(error)")
                    }
                    guard rows.count > 0 else { continue }
                    hotDigest.add(rows, symbol: symbol)
                    let times = rows.columns[schema.timestampLane]
                    spans.append(SymbolSpan(symbol: symbol, rows: rows.count, first: times.first!, last: times.last!))
                    let batchRows = 262_144
                    var offset = 0
                    while offset < rows.count {
                        let end = min(rows.count, offset + batchRows)
                        var slice = RowSet(columns: rows.columns.map { Array($0[offset..<end]) })
                        slice.texts = rows.texts
                        try file.write(ColumnarLayout(schema: schema).batch(slice, symbol: Symbol(unchecked: symbol)))
                        offset = end
                    }
                }
                let entry = try file.publish()
                report.bytes += entry.bytes
            }
        } catch {
            for file in files { file.discard() }
            try abandon(move, journal: journal, writer: writer)
            throw error
        }
        // Read back: every file whole, decoded as reads decode it, digested.
        var copyDigest = RowDigest(schema: schema)
        for file in move.files {
            let path = tableDirectory + "/" + file
            for batch in try LakeReader.readFile(path, layout: layout) {
                guard case .dictionary(let indices, let values)? = batch["symbol"]?.values, let first = indices.first
                else { continue }
                copyDigest.add(try decoder.rows(batch), symbol: values[Int(first)])
            }
        }
        guard hotDigest.rows == partition.rows else {
            // Late rows reached the partition while it was copied: it moves after compaction.
            try abandon(move, journal: journal, writer: writer)
            report.deferred.append(Timestamp(nanoseconds: partition.start))
            move.state = .abandoned
            return move
        }
        guard copyDigest == hotDigest else {
            try abandon(move, journal: journal, writer: writer)
            report.errors.append(
                StrataError(
                    .corruptFile,
                    "\(schema.name): the lake's copy of the partition at \(Timestamp(nanoseconds: partition.start)) differs from the hot rows (\(copyDigest.rows) rows read back, \(hotDigest.rows) hot, \(partition.rows) in the partition); it stays hot"
                ))
            move.state = .abandoned
            return move
        }
        move.state = .verified
        move.rows = hotDigest.rows
        move.digest = hotDigest.value
        move.symbols = spans.reduce(into: [String: SymbolSpan]()) { merged, span in
            if let known = merged[span.symbol] {
                merged[span.symbol] = SymbolSpan(
                    symbol: span.symbol, rows: known.rows + span.rows, first: min(known.first, span.first),
                    last: max(known.last, span.last))
            } else {
                merged[span.symbol] = span
            }
        }.values.sorted { $0.symbol < $1.symbol }
        try journal.record(move)
        return move
    }
}
