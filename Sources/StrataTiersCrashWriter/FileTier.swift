import StrataTiers

#if canImport(Glibc)
    import Glibc
#endif

/// A durable tier in a file, for the replicator's SIGKILL test: one line per log position it
/// holds, appended and fsynced before `apply` returns. It applies idempotently (positions at or
/// below its last are skipped) and refuses a gap, so the file shows exactly what reached it.
final class FileTier: ReplicaTier, @unchecked Sendable {
    // @unchecked: `last` and `descriptor` are used by the replicator's one loop for this tier.
    let name = "file"
    let path: String
    private var descriptor: Int32
    private var last: UInt64

    init(path: String) throws {
        self.path = path
        var text = ""
        if access(path, F_OK) == 0 {
            let bytes = try readAll(path)
            text = String(decoding: bytes, as: UTF8.self)
            // A line cut by a crash (never acknowledged) is dropped.
            if let end = text.lastIndex(of: "\n") {
                text = String(text[...end])
            } else {
                text = ""
            }
            _ = truncate(path, off_t(text.utf8.count))
        }
        last = text.split(separator: "\n").last.flatMap { UInt64($0) } ?? 0
        descriptor = open(path, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        guard descriptor >= 0 else { throw TierError(.io, "cannot open", path: path) }
    }

    func apply(table: String, entries: [LogEntry]) async throws {
        var text = ""
        var through = last
        for entry in entries where entry.position > through {
            guard entry.position == through + 1 else {
                throw TierError(.rebuildNeeded, "file tier: gap, holds \(through), sent \(entry.position)")
            }
            text += "\(entry.position)\n"
            through = entry.position
        }
        guard !text.isEmpty else { return }
        let bytes = Array(text.utf8)
        let written = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
        guard written == bytes.count, fsync(descriptor) == 0 else { throw TierError(.io, "cannot write", path: path) }
        last = through
    }
}

func readAll(_ path: String) throws -> [UInt8] {
    guard let file = fopen(path, "rb") else { throw TierError(.io, "cannot open", path: path) }
    defer { fclose(file) }
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 1 << 16)
    while true {
        let count = fread(&chunk, 1, chunk.count, file)
        if count == 0 { return bytes }
        bytes += chunk[0..<count]
    }
}
