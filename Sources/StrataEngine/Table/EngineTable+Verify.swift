public import StrataCore
import Synchronization

extension EngineTable {
    /// Reads every block of every sealed partition — every column chunk's checksum, every
    /// decoding, every block's row count and statistics against the index — and reports what is
    /// damaged. A
    /// damaged block does not stop the check: the rest is still read.
    public func verify() throws -> TableVerification {
        var report = TableVerification(table: schema.name)
        let (files, damaged) = try state.withLock { state throws -> ([SealedPartition], [StrataError]) in
            try ensureOpen(state)
            var files: [SealedPartition] = []
            var damaged: [StrataError] = []
            for index in state.partitions.keys.sorted() {
                let partition = state.partitions[index]!
                if case .damaged(let path, let error) = partition.base {
                    damaged.append(StrataError(.corruptFile, "partition unreadable: \(error)", path: path))
                }
                if let file = partition.sealedFile { files.append(file) }
            }
            return (files, damaged)
        }
        report.unreadablePartitions = damaged
        for file in files {
            report.sealedPartitions += 1
            let columns = Array(0..<file.columnCount)
            let buffers = columns.map { _ in UnsafeMutablePointer<Int64>.allocate(capacity: BlockCodec.blockRows) }
            defer { for buffer in buffers { buffer.deallocate() } }
            for name in file.symbols.keys.sorted() {
                let entry = file.symbols[name]!
                for block in entry.blocks.indices {
                    do {
                        try file.decode(entry, block: block, columns: columns, into: buffers)
                        try file.verifyStatistics(entry, block: block, decoded: buffers)
                        report.blocksChecked += 1
                        report.rowsChecked += entry.blocks[block].rows
                    } catch let error as StrataError {
                        report.damagedBlocks.append(error)
                    }
                }
            }
        }
        return report
    }
}

extension EngineTable {
    /// How many of `names` the table has never stored, and how many symbols it holds: what a
    /// symbol limit is checked against before an append.
    public func symbolCensus(_ names: [String]) -> (new: Int, known: Int) {
        state.withLock { state in
            var new = 0
            for name in names where state.symbolIDs[name] == nil { new += 1 }
            return (new, state.symbolNames.count)
        }
    }
}
