public import StrataCore
import StrataEngine
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// An append-only NDJSON audit trail whose every line carries the SHA-256 of the line before
/// (issue 9): trades and order events as they were acknowledged, verifiable by anyone with the
/// files (`AuditLog.verify(directory:)`, `strata audit verify`).
///
/// ```
/// {"seq":1,"prev":"0000…0000","ts_ns":"1719878281500000000","kind":"trade","symbol":"BTCUSDT",…}
/// {"seq":2,"prev":"<sha256 of line 1>","ts_ns":"…","kind":"order","order":42,"status":"filled",…}
/// ```
///
/// - Files `audit-000001.ndjson`, `audit-000002.ndjson`… rotate when one would pass
///   ``Configuration/maximumFileBytes`` or a line's UTC day differs from the file's first line's
///   (with ``Configuration/rotateDaily``); the chain runs across files.
/// - `audit.head` holds the last line's sequence number and hash, so a removed or altered last
///   line is found too (each append rewrites it).
/// - Verification reports the first break with its file and line: a line altered (the next
///   line's `prev` does not match it, or `audit.head` does not), lines deleted (a gap in `seq`),
///   a line inserted or reordered (`seq` out of order), a file missing, lines cut from the end.
public final class AuditLog: Sendable {
    public struct Configuration: Sendable {
        /// A file is not grown past this size (a single longer line still gets a file of its own).
        public var maximumFileBytes: Int64
        /// Start a new file when the UTC day of the lines changes.
        public var rotateDaily: Bool
        /// `fdatasync` the file after each append (the store's durability decides).
        public var syncEachAppend: Bool

        public init(maximumFileBytes: Int64 = 64 << 20, rotateDaily: Bool = true, syncEachAppend: Bool = false) {
            self.maximumFileBytes = maximumFileBytes
            self.rotateDaily = rotateDaily
            self.syncEachAppend = syncEachAppend
        }
    }

    /// One line given to ``append(_:)``: its time, kind and members (a JSON object's text).
    public struct Entry: Sendable {
        public var time: Timestamp
        public var kind: String
        /// The record's members as a JSON object, e.g. `{"symbol":"BTCUSDT","price":"64000.5"}`.
        public var object: String

        public init(time: Timestamp, kind: String, object: String) {
            self.time = time
            self.kind = kind
            self.object = object
        }
    }

    private struct State {
        var file: FileDescriptor?
        var fileNumber: Int
        var fileBytes: Int64
        var fileDay: Int64?
        var sequence: Int64
        var previous: SHA256.Digest
        var closed = false
    }

    public let directory: String
    public let configuration: Configuration
    private let state: Mutex<State>

    /// Opens (or creates) the log in `directory`, continuing the chain where the files end.
    /// - Throws: ``StrataError`` `.io`; `.corruptFile` if the last file's last line cannot be read
    ///   back (run ``verify(directory:)`` to see why).
    public init(directory: String, configuration: Configuration = Configuration()) throws {
        self.directory = directory
        self.configuration = configuration
        try FileSystem.createDirectory(directory)
        let files = try Self.files(in: directory)
        var state = State(fileNumber: 1, fileBytes: 0, sequence: 0, previous: .zero)
        if let last = files.last {
            let path = directory + "/" + Self.fileName(last)
            let lines = try Self.lines(path)
            state.fileNumber = last
            state.fileBytes = FileSystem.fileSize(path)
            if let line = lines.last {
                guard let head = AuditLine(line) else {
                    throw StrataError(.corruptFile, "the audit log's last line is not one it wrote", path: path)
                }
                state.sequence = head.sequence
                state.previous = SHA256.hash(line)
                state.fileDay = lines.first.flatMap(AuditLine.init).map { Self.day($0.time) }
            }
        }
        self.state = Mutex(state)
    }

    /// Appends `entries` in order and returns the sequence number of the last.
    @discardableResult
    public func append(_ entries: [Entry]) throws -> Int64 {
        try state.withLock { state in
            if state.closed { throw StrataError(.closed, "the audit log is closed", path: directory) }
            var pending: [UInt8] = []
            for entry in entries {
                var line = Array("{\"seq\":\(state.sequence + 1),\"prev\":\"\(state.previous.hex)\",".utf8)
                line += Array("\"ts_ns\":\"\(entry.time.nanoseconds)\",\"kind\":".utf8)
                line += Array(JSONText.quoted(entry.kind).utf8)
                let members = entry.object.utf8.dropFirst().dropLast()
                guard entry.object.utf8.first == UInt8(ascii: "{"), entry.object.utf8.last == UInt8(ascii: "}"),
                    !members.contains(UInt8(ascii: "\n"))
                else {
                    throw StrataError(.invalidArgument, "an audit entry's object must be one line of JSON object text")
                }
                if !members.isEmpty { line += [UInt8(ascii: ",")] + members }
                line.append(UInt8(ascii: "}"))
                let day = Self.day(entry.time)
                let filled = state.fileBytes + Int64(pending.count)
                let rotate =
                    filled > 0
                    && (filled + Int64(line.count + 1) > configuration.maximumFileBytes
                        || (configuration.rotateDaily && state.fileDay != nil && state.fileDay != day))
                if rotate {
                    try write(&state, pending)
                    pending.removeAll()
                    try state.file?.sync()
                    state.file = nil
                    state.fileNumber += 1
                    state.fileBytes = 0
                    state.fileDay = nil
                }
                if state.fileDay == nil { state.fileDay = day }
                state.previous = SHA256.hash(line)
                state.sequence += 1
                pending += line
                pending.append(UInt8(ascii: "\n"))
            }
            try write(&state, pending)
            if configuration.syncEachAppend { try state.file?.sync() }
            try FileSystem.writeAtomically(
                directory + "/audit.head", chunks: [Array("\(state.sequence) \(state.previous.hex)\n".utf8)])
            return state.sequence
        }
    }

    /// Syncs and closes; later appends fail with `.closed`.
    public func close() throws {
        try state.withLock { state in
            try state.file?.sync()
            state.file = nil
            state.closed = true
        }
    }

    private func write(_ state: inout State, _ bytes: [UInt8]) throws {
        guard !bytes.isEmpty else { return }
        if state.file == nil {
            state.file = try FileDescriptor(
                path: directory + "/" + Self.fileName(state.fileNumber), flags: O_WRONLY | O_CREAT | O_APPEND)
        }
        try state.file!.write(bytes)
        state.fileBytes += Int64(bytes.count)
    }

    // MARK: - Files

    static func fileName(_ number: Int) -> String {
        let digits = String(number)
        return "audit-" + String(repeating: "0", count: max(0, 6 - digits.count)) + digits + ".ndjson"
    }

    /// The numbers of the log's files, ascending.
    static func files(in directory: String) throws -> [Int] {
        try FileSystem.list(directory).compactMap { name -> Int? in
            guard name.hasPrefix("audit-"), name.hasSuffix(".ndjson") else { return nil }
            return Int(name.dropFirst("audit-".count).dropLast(".ndjson".count))
        }.sorted()
    }

    /// A file's lines, without their newlines (a last line without one is included).
    static func lines(_ path: String) throws -> [ArraySlice<UInt8>] {
        let bytes = try FileDescriptor(path: path, flags: O_RDONLY).readAll()
        var lines = bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
        if lines.last?.isEmpty == true { lines.removeLast() }
        return lines
    }

    static func day(_ time: Timestamp) -> Int64 {
        let day = Timestamp.nanosecondsPerDay
        let q = time.nanoseconds / day
        return time.nanoseconds % day != 0 && time.nanoseconds < 0 ? q - 1 : q
    }
}

/// What the writer puts at the start of every line: `{"seq":N,"prev":"<hex>","ts_ns":"T",`.
struct AuditLine {
    var sequence: Int64
    var previous: SHA256.Digest
    var time: Timestamp

    init?(_ line: some Collection<UInt8>) {
        let text = String(decoding: line, as: UTF8.self)
        guard text.hasPrefix("{\"seq\":"), let comma = text.firstIndex(of: ",") else { return nil }
        guard let sequence = Int64(text[text.index(text.startIndex, offsetBy: 7)..<comma]) else { return nil }
        let rest = text[text.index(after: comma)...]
        guard rest.hasPrefix("\"prev\":\""), rest.count > 8 + 64 + 2 else { return nil }
        let hexStart = rest.index(rest.startIndex, offsetBy: 8)
        let hexEnd = rest.index(hexStart, offsetBy: 64)
        guard let previous = SHA256.Digest(hex: rest[hexStart..<hexEnd]) else { return nil }
        let afterHash = rest[hexEnd...]
        guard afterHash.hasPrefix("\",\"ts_ns\":\"") else { return nil }
        let timeStart = afterHash.index(afterHash.startIndex, offsetBy: 11)
        guard let timeEnd = afterHash[timeStart...].firstIndex(of: "\""),
            let nanoseconds = Int64(afterHash[timeStart..<timeEnd])
        else { return nil }
        self.sequence = sequence
        self.previous = previous
        self.time = Timestamp(nanoseconds: nanoseconds)
    }
}
