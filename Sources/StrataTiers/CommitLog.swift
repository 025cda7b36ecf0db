public import StrataCore
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// One table's replication log: the committed batches, in commit order, that the replicator
/// feeds the tiers from (see Docs/Tiers.md for why this is a log of its own and not the
/// engine's WAL).
///
/// Segment files `<first position, 20 digits>.log` in one directory: an 8-byte header
/// `STRATLOG`, then frames — u32 magic `SLOG`, u32 payload length, u32 CRC-32C of the payload,
/// the payload (``LogEntryCodec``). An append is written with `write(2)` and, with
/// `syncEachAppend`, `fdatasync`ed before it returns; a segment is synced before the next one
/// starts, so only the newest segment can end in a torn frame, which opening truncates.
/// ``release(through:)`` deletes closed segments whose every entry is at or below the position
/// (the newest segment is never deleted: its name carries the next position across restarts).
public final class CommitLog: Sendable {
    /// Where and how the log is written.
    public struct Configuration: Sendable {
        public var directory: String
        /// The storage lanes that hold text references (their values are written as text).
        public var textLanes: [Int]
        /// Start a new segment past this size.
        public var segmentBytes: Int
        /// `fdatasync` each append before it returns (the store's fsync policy).
        public var syncEachAppend: Bool

        public init(directory: String, textLanes: [Int] = [], segmentBytes: Int = 64 << 20, syncEachAppend: Bool = true)
        {
            self.directory = directory
            self.textLanes = textLanes
            self.segmentBytes = segmentBytes
            self.syncEachAppend = syncEachAppend
        }
    }

    /// Where one entry lies.
    struct Located: Sendable {
        var segment: UInt64
        var offset: Int
        var length: Int
        var rows: Int
        var committedAt: Int64
    }

    struct Segment: Sendable {
        var first: UInt64
        var descriptor: Int32
        var bytes: Int
        var path: String
    }

    struct State: Sendable {
        var segments: [Segment] = []
        /// Entries after `released`, in order.
        var index: [Located] = []
        var released: UInt64 = 0
        var failure: TierError?
    }

    static let header: [UInt8] = Array("STRATLOG".utf8)
    static let frameMagic: UInt32 = 0x474F_4C53  // "SLOG" little-endian
    static let frameHeader = 12

    public let configuration: Configuration
    private let state: Mutex<State>

    /// Opens (or creates) the log in `configuration.directory`, recovering its entries.
    /// - Throws: ``TierError`` `.io` when the directory or a file cannot be used, `.corruptFile`
    ///   when a closed segment is damaged or the positions are not contiguous.
    public init(configuration: Configuration) throws(TierError) {
        self.configuration = configuration
        var state = State()
        try Self.makeDirectory(configuration.directory)
        var names: [UInt64] = []
        if let entries = try? directoryNames(configuration.directory) {
            for name in entries {
                if name.hasSuffix(".log"), let first = UInt64(name.dropLast(4)) { names.append(first) }
            }
        }
        names.sort()
        for (i, first) in names.enumerated() {
            let path = Self.path(configuration.directory, first)
            let bytes = try Self.readFile(path)
            var offset = Self.header.count
            guard bytes.count >= offset, Array(bytes[0..<offset]) == Self.header else {
                if i == names.count - 1 && bytes.count < offset {
                    // A segment whose header was never completely written: rewrite it.
                    try Self.writeNew(path)
                    state.segments.append(try Self.openAppend(path, first: first, bytes: Self.header.count))
                    if state.index.isEmpty { state.released = first - 1 }
                    continue
                }
                throw TierError(.corruptFile, "replication log segment without its header", path: path)
            }
            if state.index.isEmpty && state.segments.isEmpty { state.released = first - 1 }
            let expected = state.released + UInt64(state.index.count) + 1
            guard first == expected else {
                throw TierError(
                    .corruptFile, "replication log segment starts at \(first), expected \(expected)", path: path)
            }
            while offset < bytes.count {
                guard let (located, next) = Self.frame(in: bytes, at: offset, segment: first),
                    Self.position(bytes, located) == state.released + UInt64(state.index.count) + 1
                else { break }
                state.index.append(located)
                offset = next
            }
            if offset < bytes.count {
                guard i == names.count - 1 else {
                    throw TierError(.corruptFile, "replication log segment damaged at offset \(offset)", path: path)
                }
                guard truncate(path, off_t(offset)) == 0 else {
                    throw TierError(.io, "cannot truncate a torn replication log frame: errno \(errno)", path: path)
                }
            }
            state.segments.append(try Self.openAppend(path, first: first, bytes: offset))
        }
        if state.segments.isEmpty {
            let path = Self.path(configuration.directory, 1)
            try Self.writeNew(path)
            state.segments.append(try Self.openAppend(path, first: 1, bytes: Self.header.count))
            try Self.syncDirectory(configuration.directory)
        }
        self.state = Mutex(state)
    }

    deinit {
        state.withLock { state in
            for segment in state.segments { close(segment.descriptor) }
            state.segments = []
        }
    }

    /// The newest position (0 when nothing was ever appended).
    public var lastPosition: UInt64 { state.withLock { $0.released + UInt64($0.index.count) } }
    /// Entries at or below this position were released (deleted or about to be).
    public var releasedPosition: UInt64 { state.withLock { $0.released } }
    /// The failure that stopped the log, if any (health shows it: entries after it are missing).
    public var failure: TierError? { state.withLock { $0.failure } }

    /// The retained entries' sizes, oldest first, for ``ReplicationCursors/restore(_:)``.
    public func retainedEntries() -> [ReplicationCursors.Entry] {
        state.withLock { state in
            state.index.enumerated().map { i, located in
                ReplicationCursors.Entry(
                    position: state.released + UInt64(i) + 1, rows: located.rows, bytes: located.length,
                    committedAt: located.committedAt)
            }
        }
    }

    /// Appends `batch` as the next entry.
    /// - Returns: the entry's size for ``ReplicationCursors/commit(rows:bytes:at:)``.
    /// - Throws: ``TierError`` `.io`; a failed write or sync fails the log for good (what the
    ///   kernel kept is unknown), and every later append throws it too.
    public func append(_ batch: ColumnBatch, committedAt: Int64) throws(TierError) -> ReplicationCursors.Entry {
        try state.withLock { (state) throws(TierError) -> ReplicationCursors.Entry in
            if let failure = state.failure { throw failure }
            let position = state.released + UInt64(state.index.count) + 1
            var payload: [UInt8] = []
            LogEntryCodec.encode(
                LogEntry(position: position, committedAt: committedAt, batch: batch),
                textLanes: configuration.textLanes,
                into: &payload)
            var frame: [UInt8] = []
            frame.reserveCapacity(Self.frameHeader + payload.count)
            for value in [Self.frameMagic, UInt32(payload.count), CRC32C.checksum(payload)] {
                withUnsafeBytes(of: value.littleEndian) { frame.append(contentsOf: $0) }
            }
            frame += payload
            var segment = state.segments[state.segments.count - 1]
            do throws(TierError) {
                try Self.writeAll(segment.descriptor, frame, path: segment.path)
                if configuration.syncEachAppend { try Self.sync(segment.descriptor, path: segment.path) }
            } catch {
                state.failure = error
                throw error
            }
            state.index.append(
                Located(
                    segment: segment.first, offset: segment.bytes + Self.frameHeader, length: payload.count,
                    rows: batch.count, committedAt: committedAt))
            segment.bytes += frame.count
            state.segments[state.segments.count - 1] = segment
            if segment.bytes >= configuration.segmentBytes {
                do throws(TierError) {
                    try Self.sync(segment.descriptor, path: segment.path)
                    let path = Self.path(configuration.directory, position + 1)
                    try Self.writeNew(path)
                    state.segments.append(try Self.openAppend(path, first: position + 1, bytes: Self.header.count))
                    try Self.syncDirectory(configuration.directory)
                } catch {
                    state.failure = error
                    throw error
                }
            }
            return ReplicationCursors.Entry(
                position: position, rows: batch.count, bytes: payload.count, committedAt: committedAt)
        }
    }

    /// Makes every append durable (for logs that do not sync each append).
    public func sync() throws(TierError) {
        try state.withLock { (state) throws(TierError) in
            guard let last = state.segments.last else { return }
            try Self.sync(last.descriptor, path: last.path)
        }
    }

    /// Entries `from...through`, in order.
    /// - Throws: ``TierError`` `.rebuildNeeded` when some were released, `.io`/`.corruptFile`.
    public func read(from: UInt64, through: UInt64) throws(TierError) -> [LogEntry] {
        try state.withLock { (state) throws(TierError) -> [LogEntry] in
            guard from > state.released else {
                throw TierError(.rebuildNeeded, "replication log entries \(from)... were released")
            }
            let last = state.released + UInt64(state.index.count)
            guard through <= last else { return [] }
            var entries: [LogEntry] = []
            for position in from...max(from, through) where position <= through {
                let located = state.index[Int(position - state.released - 1)]
                guard let segment = state.segments.first(where: { $0.first == located.segment }) else {
                    throw TierError(.corruptFile, "replication log segment \(located.segment) missing")
                }
                var bytes = [UInt8](repeating: 0, count: located.length)
                let read = bytes.withUnsafeMutableBytes {
                    pread(segment.descriptor, $0.baseAddress, located.length, off_t(located.offset))
                }
                guard read == located.length else {
                    throw TierError(
                        .io, "cannot read replication log entry \(position): errno \(errno)", path: segment.path)
                }
                guard let entry = LogEntryCodec.decode(bytes[...], textLanes: configuration.textLanes),
                    entry.position == position
                else {
                    throw TierError(
                        .corruptFile, "replication log entry \(position) does not decode", path: segment.path)
                }
                entries.append(entry)
            }
            return entries
        }
    }

    /// Forgets entries at or below `through` and deletes the closed segments holding only them.
    public func release(through: UInt64) throws(TierError) {
        try state.withLock { (state) throws(TierError) in
            let last = state.released + UInt64(state.index.count)
            let through = min(through, last)
            guard through > state.released else { return }
            state.index.removeFirst(Int(through - state.released))
            state.released = through
            var removed = false
            while state.segments.count > 1, state.segments[1].first <= through + 1 {
                let segment = state.segments.removeFirst()
                close(segment.descriptor)
                guard unlink(segment.path) == 0 else {
                    throw TierError(
                        .io, "cannot delete a released replication log segment: errno \(errno)", path: segment.path)
                }
                removed = true
            }
            if removed { try Self.syncDirectory(configuration.directory) }
        }
    }

    // MARK: - Files

    static func path(_ directory: String, _ first: UInt64) -> String {
        let digits = String(first)
        return directory + "/" + String(repeating: "0", count: max(0, 20 - digits.count)) + digits + ".log"
    }

    /// The frame at `offset`, or `nil` when it is torn or its checksum fails.
    static func frame(in bytes: [UInt8], at offset: Int, segment: UInt64) -> (Located, Int)? {
        guard bytes.count - offset >= frameHeader else { return nil }
        func u32(_ at: Int) -> UInt32 {
            UInt32(bytes[at]) | UInt32(bytes[at + 1]) << 8 | UInt32(bytes[at + 2]) << 16 | UInt32(bytes[at + 3]) << 24
        }
        guard u32(offset) == frameMagic else { return nil }
        let length = Int(u32(offset + 4))
        let start = offset + frameHeader
        guard length >= 26, bytes.count - start >= length,
            CRC32C.checksum(bytes[start..<start + length]) == u32(offset + 8)
        else { return nil }
        var committedAt: Int64 = 0
        for i in 0..<8 { committedAt |= Int64(bytes[start + 8 + i]) << (8 * Int64(i)) }
        let rows = Int(u32(start + 16))
        return (
            Located(segment: segment, offset: start, length: length, rows: rows, committedAt: committedAt),
            start + length
        )
    }

    static func position(_ bytes: [UInt8], _ located: Located) -> UInt64 {
        var value: UInt64 = 0
        for i in 0..<8 { value |= UInt64(bytes[located.offset + i]) << (8 * UInt64(i)) }
        return value
    }

    static func makeDirectory(_ path: String) throws(TierError) {
        var prefix = path.hasPrefix("/") ? "" : "."
        for part in path.split(separator: "/") {
            prefix += "/" + part
            if mkdir(prefix, 0o755) != 0 && errno != EEXIST {
                throw TierError(.io, "cannot create directory: errno \(errno)", path: prefix)
            }
        }
    }

    static func readFile(_ path: String) throws(TierError) -> [UInt8] {
        let descriptor = open(path, O_RDONLY)
        guard descriptor >= 0 else { throw TierError(.io, "cannot open: errno \(errno)", path: path) }
        defer { close(descriptor) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let count = chunk.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 { throw TierError(.io, "cannot read: errno \(errno)", path: path) }
            if count == 0 { return bytes }
            bytes += chunk[0..<count]
        }
    }

    static func writeNew(_ path: String) throws(TierError) {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard descriptor >= 0 else { throw TierError(.io, "cannot create: errno \(errno)", path: path) }
        defer { close(descriptor) }
        try writeAll(descriptor, header, path: path)
        try sync(descriptor, path: path)
    }

    static func openAppend(_ path: String, first: UInt64, bytes: Int) throws(TierError) -> Segment {
        let descriptor = open(path, O_RDWR | O_APPEND)
        guard descriptor >= 0 else { throw TierError(.io, "cannot open: errno \(errno)", path: path) }
        return Segment(first: first, descriptor: descriptor, bytes: bytes, path: path)
    }

    static func writeAll(_ descriptor: Int32, _ bytes: [UInt8], path: String) throws(TierError) {
        var done = 0
        while done < bytes.count {
            let count = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress! + done, $0.count - done) }
            if count < 0 {
                if errno == EINTR { continue }
                throw TierError(.io, "cannot write: errno \(errno)", path: path)
            }
            done += count
        }
    }

    static func sync(_ descriptor: Int32, path: String) throws(TierError) {
        guard fdatasync(descriptor) == 0 else { throw TierError(.io, "fdatasync failed: errno \(errno)", path: path) }
    }

    static func syncDirectory(_ path: String) throws(TierError) {
        let descriptor = open(path, O_RDONLY | O_DIRECTORY)
        guard descriptor >= 0 else { throw TierError(.io, "cannot open directory: errno \(errno)", path: path) }
        defer { close(descriptor) }
        guard fsync(descriptor) == 0 else {
            throw TierError(.io, "fsync of directory failed: errno \(errno)", path: path)
        }
    }
}
