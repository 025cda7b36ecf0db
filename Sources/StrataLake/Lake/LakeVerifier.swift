public import StrataCore
import StrataEngine

/// Checks a lake directory: every file of every table's manifest exists, has the listed size
/// and CRC-32C, and (Parquet) reads whole with the listed row count; files no manifest lists and
/// temporary files left by a crash are reported too.
public struct LakeVerifier: Sendable {
    /// One problem found.
    public struct Problem: Sendable, Equatable, CustomStringConvertible {
        public enum Kind: String, Sendable {
            case missing, size, checksum, rows, unreadable, unlisted, manifest
        }

        public var kind: Kind
        /// The file, relative to the lake's root.
        public var path: String
        public var detail: String

        public var description: String { "\(path): \(kind.rawValue): \(detail)" }
    }

    /// What a check found.
    public struct Report: Sendable {
        public var files = 0
        public var rows = 0
        public var bytes = 0
        public var problems: [Problem] = []

        public var isClean: Bool { problems.isEmpty }
    }

    public let root: String
    /// The schemas of the tables, by name: a Parquet file is read whole against its table's
    /// columns; a table without one is checked by size and checksum only.
    public let schemas: [String: RecordSchema]

    public init(root: String, schemas: [RecordSchema]) {
        self.root = root
        var byName: [String: RecordSchema] = [:]
        for schema in schemas { byName[schema.name] = schema }
        self.schemas = byName
    }

    /// Checks every table of the lake.
    public func verify() -> Report {
        var report = Report()
        let reader = LakeReader(root: root)
        for table in reader.tables() {
            let directory = LakeReader.tableDirectory(root: root, table: table)
            let manifest: LakeManifest
            do {
                manifest = try reader.manifest(table: table)
            } catch {
                report.problems.append(Problem(kind: .manifest, path: "table=\(table)", detail: error.message))
                continue
            }
            let layout = schemas[table].map(LakeTableLayout.init(schema:))
            var listed: Set<String> = []
            for entry in manifest.entries {
                listed.insert(entry.path)
                let shown = "table=\(table)/\(entry.path)"
                report.files += 1
                let bytes: [UInt8]?
                do {
                    bytes = try LakeFileSystem.read(directory + "/" + entry.path)
                } catch {
                    report.problems.append(Problem(kind: .unreadable, path: shown, detail: error.message))
                    continue
                }
                guard let bytes else {
                    report.problems.append(Problem(kind: .missing, path: shown, detail: "listed in the manifest"))
                    continue
                }
                report.bytes += bytes.count
                guard bytes.count == entry.bytes else {
                    report.problems.append(
                        Problem(
                            kind: .size, path: shown, detail: "\(bytes.count) bytes, the manifest says \(entry.bytes)"))
                    continue
                }
                let checksum = bytes.withUnsafeBytes { CRC32C.checksum($0) }
                guard checksum == entry.checksum else {
                    report.problems.append(
                        Problem(
                            kind: .checksum, path: shown,
                            detail:
                                "CRC-32C \(String(checksum, radix: 16)), the manifest says \(String(entry.checksum, radix: 16))"
                        ))
                    continue
                }
                guard entry.path.hasSuffix(".parquet"), let layout else {
                    report.rows += entry.rows
                    continue
                }
                do {
                    let batches = try LakeReader.batches(
                        bytes, layout: layout, path: shown, symbol: nil, range: .min..<Int64.max)
                    let rows = batches.reduce(0) { $0 + $1.count }
                    report.rows += rows
                    if rows != entry.rows {
                        report.problems.append(
                            Problem(kind: .rows, path: shown, detail: "\(rows) rows, the manifest says \(entry.rows)"))
                    }
                } catch {
                    report.problems.append(Problem(kind: .unreadable, path: shown, detail: error.message))
                }
            }
            for date in LakeFileSystem.list(directory) ?? [] where date.hasPrefix("date=") {
                for name in LakeFileSystem.list(directory + "/" + date) ?? [] where !listed.contains(date + "/" + name)
                {
                    let temporary = name.hasPrefix(".") && name.hasSuffix(".tmp")
                    report.problems.append(
                        Problem(
                            kind: .unlisted, path: "table=\(table)/\(date)/\(name)",
                            detail: temporary
                                ? "a temporary file left by an interrupted export" : "not in the manifest"))
                }
            }
        }
        return report
    }
}
