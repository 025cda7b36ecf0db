#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A tier's durable cursor: one small file, `strata-cursor 1 <position> <crc32c>\n`, replaced
/// atomically (temporary file, `fsync`, `rename`, `fsync` of the directory), so after a crash it
/// holds the previous or the new position, never a torn one.
public struct CursorFile: Sendable {
    public let path: String

    public init(path: String) { self.path = path }

    /// The stored position; 0 when there is no file yet.
    /// - Throws: ``TierError`` `.corruptFile` for a file that is not a cursor or fails its
    ///   checksum, `.io` when it cannot be read.
    public func read() throws(TierError) -> UInt64 {
        guard access(path, F_OK) == 0 else { return 0 }
        let bytes = try CommitLog.readFile(path)
        let text = String(decoding: bytes, as: UTF8.self)
        let parts = text.split(separator: " ")
        guard text.hasSuffix("\n"), parts.count == 4, parts[0] == "strata-cursor", parts[1] == "1",
            let position = UInt64(parts[2]),
            let checksum = UInt32(parts[3].dropLast(), radix: 16),
            checksum == CRC32C.checksum(Array(parts[2].utf8))
        else {
            throw TierError(.corruptFile, "not a replication cursor: \(text.prefix(64).debugDescription)", path: path)
        }
        return position
    }

    /// Stores `position` durably.
    /// - Throws: ``TierError`` `.io`.
    public func write(_ position: UInt64) throws(TierError) {
        let digits = String(position)
        let text = "strata-cursor 1 \(digits) \(String(CRC32C.checksum(Array(digits.utf8)), radix: 16))\n"
        let temporary = path + ".tmp"
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard descriptor >= 0 else { throw TierError(.io, "cannot create: errno \(errno)", path: temporary) }
        do throws(TierError) {
            try CommitLog.writeAll(descriptor, Array(text.utf8), path: temporary)
            guard fsync(descriptor) == 0 else { throw TierError(.io, "fsync failed: errno \(errno)", path: temporary) }
        } catch {
            close(descriptor)
            throw error
        }
        close(descriptor)
        guard rename(temporary, path) == 0 else { throw TierError(.io, "cannot rename: errno \(errno)", path: path) }
        let directory = path.split(separator: "/", omittingEmptySubsequences: false).dropLast().joined(separator: "/")
        try CommitLog.syncDirectory(directory.isEmpty ? "." : directory)
    }
}
