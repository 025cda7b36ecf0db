public import StrataCore
import StrataEngine
import StrataWire

/// Writes a table's files into a lake directory in hive layout and keeps its manifest:
/// `<lake>/table=<name>/date=<YYYY-MM-DD>/part-<N>.parquet` (or `.csv`), N counting up per date.
///
/// Each file is published atomically (a hidden `.part-N.parquet.tmp`, fsync, rename, fsync of
/// the directory), then the manifest, itself published atomically, lists it. Opening a writer
/// recovers from a crash: temporary files are removed, and a published file the manifest does
/// not list yet (a crash between the two renames) is checked — read whole, its rows counted —
/// and added to the manifest, or removed if it cannot be read.
public final class LakeTableWriter {
    /// The files' format.
    public enum Format: String, Sendable, CaseIterable {
        case parquet, csv

        var fileExtension: String { "." + rawValue }
    }

    public let root: String
    public let layout: LakeTableLayout
    public let format: Format
    public private(set) var manifest: LakeManifest
    public var configuration = ParquetWriter.Configuration()

    /// `<root>/table=<name>`.
    public var tableDirectory: String { LakeReader.tableDirectory(root: root, table: layout.schema.name) }

    /// Opens (creating) the table's directory in `root` and recovers it (see the type's summary).
    /// - Throws: ``LakeError`` for an unreadable manifest or a file system failure.
    public init(root: String, schema: RecordSchema, format: Format = .parquet) throws(LakeError) {
        self.root = root
        layout = LakeTableLayout(schema: schema)
        self.format = format
        let directory = LakeReader.tableDirectory(root: root, table: schema.name)
        try LakeFileSystem.makeDirectories(directory)
        manifest = try LakeReader.manifest(tableDirectory: directory)
        try recover()
    }

    /// A file being written: rows go in with ``write(_:)``; ``publish()`` makes it visible.
    public final class File {
        let writer: LakeTableWriter
        let date: String
        let relativePath: String
        let temporary: String
        private let output: LakeFileSystem.Output
        private var parquet: ParquetWriter?
        private var csv: ColumnarCSVWriter?
        private var pending: [UInt8] = []
        private var crc: UInt32 = 0
        private var bytes = 0
        private(set) var rows = 0
        private var first = Timestamp.max
        private var last = Timestamp.min
        private var symbols: Set<String> = []

        init(writer: LakeTableWriter, date: String, part: Int) throws(LakeError) {
            self.writer = writer
            self.date = date
            relativePath = "date=\(date)/part-\(part)\(writer.format.fileExtension)"
            let directory = writer.tableDirectory + "/date=\(date)"
            try LakeFileSystem.makeDirectories(directory)
            temporary = LakeFileSystem.temporaryPath(for: writer.tableDirectory + "/" + relativePath)
            output = try LakeFileSystem.Output(creating: temporary)
            switch writer.format {
            case .parquet: parquet = ParquetWriter(layout: writer.layout, configuration: writer.configuration)
            case .csv: csv = ColumnarCSVWriter()
            }
        }

        /// Appends `batch` (the table's columns, one symbol, rows by time) as a row group.
        public func write(_ batch: ColumnarBatch) throws(LakeError) {
            guard batch.count > 0 else { return }
            if parquet != nil {
                try parquet!.write(batch)
                pending = parquet!.takePending()
            } else {
                csv!.write(batch, to: &pending)
            }
            try flush()
            rows += batch.count
            if case .timestamps(let times)? = batch.columns.first?.values, let low = times.min(), let high = times.max()
            {
                first = min(first, Timestamp(nanoseconds: low))
                last = max(last, Timestamp(nanoseconds: high))
            }
            if case .dictionary(let indices, let values)? = batch["symbol"]?.values {
                for index in Set(indices) where index >= 0 && Int(index) < values.count {
                    symbols.insert(values[Int(index)])
                }
            }
        }

        private func flush() throws(LakeError) {
            guard !pending.isEmpty else { return }
            try output.write(pending)
            crc = pending.withUnsafeBytes { CRC32C.checksum($0, continuing: crc) }
            bytes += pending.count
            pending.removeAll(keepingCapacity: true)
        }

        /// Finishes the file, publishes it and lists it in the manifest (published too).
        /// - Returns: the manifest's entry for the file.
        @discardableResult
        public func publish() throws(LakeError) -> LakeManifest.Entry {
            if parquet != nil {
                parquet!.finish(metadata: [("strata.date", date)])
                pending = parquet!.takePending()
            }
            try flush()
            try output.finish()
            try LakeFileSystem.publish(temporary, as: writer.tableDirectory + "/" + relativePath)
            let entry = LakeManifest.Entry(
                path: relativePath, rows: rows, bytes: bytes, checksum: crc, first: rows > 0 ? first : .zero,
                last: rows > 0 ? last : .zero, symbols: symbols.sorted())
            try writer.add(entry)
            return entry
        }

        /// Drops the file (nothing was published).
        public func discard() { LakeFileSystem.remove(temporary) }
    }

    /// Starts a file in `date=<date>` (`YYYY-MM-DD`), the next part number there.
    public func startFile(date: String) throws(LakeError) -> File {
        let prefix = "date=\(date)/part-"
        var next = 0
        let existing =
            manifest.entries.map(\.path)
            + (LakeFileSystem.list(tableDirectory + "/date=\(date)") ?? []).map {
                "date=\(date)/" + $0
            }
        for path in existing where path.hasPrefix(prefix) {
            let number = path.dropFirst(prefix.count).prefix { $0.isNumber }
            if let part = Int(number) { next = max(next, part + 1) }
        }
        return try File(writer: self, date: date, part: next)
    }

    /// Removes the files at `paths` (relative to the table's directory): first from the manifest
    /// (published atomically), then from the disk. Paths neither lists nor holds are ignored, so
    /// a removal a crash interrupted is finished by calling it again.
    func remove(paths: [String]) throws(LakeError) {
        let doomed = Set(paths)
        if manifest.entries.contains(where: { doomed.contains($0.path) }) {
            manifest.entries.removeAll { doomed.contains($0.path) }
            try LakeFileSystem.writeAtomically(
                Array(manifest.text.utf8), to: tableDirectory + "/" + LakeManifest.fileName)
        }
        var removed = false
        for path in paths {
            let full = tableDirectory + "/" + path
            LakeFileSystem.remove(LakeFileSystem.temporaryPath(for: full))
            if LakeFileSystem.exists(full) {
                LakeFileSystem.remove(full)
                removed = true
            }
        }
        if removed, let first = paths.first { try LakeFileSystem.syncDirectory(of: tableDirectory + "/" + first) }
    }

    private func add(_ entry: LakeManifest.Entry) throws(LakeError) {
        manifest.entries.append(entry)
        try LakeFileSystem.writeAtomically(
            Array(manifest.text.utf8), to: tableDirectory + "/" + LakeManifest.fileName)
    }

    /// Removes temporary files and adopts (or removes) published files the manifest lacks.
    private func recover() throws(LakeError) {
        LakeFileSystem.remove(LakeFileSystem.temporaryPath(for: tableDirectory + "/" + LakeManifest.fileName))
        let listed = Set(manifest.entries.map(\.path))
        for dateDirectory in LakeFileSystem.list(tableDirectory) ?? [] where dateDirectory.hasPrefix("date=") {
            for name in LakeFileSystem.list(tableDirectory + "/" + dateDirectory) ?? [] {
                let path = tableDirectory + "/" + dateDirectory + "/" + name
                if name.hasPrefix("."), name.hasSuffix(".tmp") {
                    LakeFileSystem.remove(path)
                    continue
                }
                let relative = dateDirectory + "/" + name
                guard !listed.contains(relative), name.hasSuffix(format.fileExtension) else { continue }
                if let entry = try? LakeReader.describe(path: path, relative: relative, layout: layout, format: format)
                {
                    try add(entry)
                } else {
                    LakeFileSystem.remove(path)
                }
            }
        }
    }
}
