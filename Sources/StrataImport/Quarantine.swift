public import StrataCore
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Where rejected input goes, so that nothing is dropped silently.
///
/// Rows that fail parsing or validation are appended to `<data directory>/quarantine/<table>.csv`
/// with the columns `quarantined_at,source,line,reason,raw,format`: the time (ISO-8601 UTC), where
/// the row came from (a file path, or the server's request or connection id), its 1-based line
/// number there, the reason (field, value and rule), the row as received, and how to read it
/// again (``QuarantineFormat``: the source's header line, its fixed symbol, or the line
/// protocol's precision). Fields are quoted as RFC 4180 says (a field with a comma, a quote or a
/// line break is wrapped in double quotes, quotes doubled), so the file is itself valid CSV.
/// The directory and the file (with its header line) are created on first use; later runs
/// append. A file of an earlier version (five columns, no `format`) is rewritten with the column
/// (empty for its rows) before the first row is added.
///
/// The file is meant to be edited: correct a row's `raw` field and `strata quarantine replay`
/// reads every row again under its format, stores those that now pass and keeps the rest, with
/// their new reasons (``entries()``, ``replaceEntries(_:)``).
///
/// ```swift
/// let quarantine = Quarantine(dataDirectory: "./strata-data", table: "trades")
/// try quarantine.add(rejections, source: "trades.csv", format: .csv(header: nil, symbol: nil))
/// print(quarantine.count, quarantine.path)
/// ```
///
/// Safe to share between tasks: writes are serialised by a lock. One process writes a store's
/// quarantine at a time (the store's lock).
public final class Quarantine: Sendable {
    /// The quarantine file's path.
    public let path: String
    /// The quarantine directory.
    public let directory: String

    private struct State {
        var fd: Int32 = -1
        var count = 0
    }
    private let state = Mutex(State())

    /// The header line of a quarantine file.
    public static let header = "quarantined_at,source,line,reason,raw,format"
    /// The header line of files written before the `format` column.
    static let headerWithoutFormat = "quarantined_at,source,line,reason,raw"

    /// One quarantined row.
    public struct Entry: Sendable, Hashable {
        /// When it was quarantined (ISO-8601 UTC, as written).
        public var quarantinedAt: String
        /// Where it came from: a file path, `http request <id>`, `tcp connection <id>`.
        public var source: String
        /// Its 1-based line number in the source.
        public var line: Int
        /// Why it was refused (the latest reason, after a replay).
        public var reason: String
        /// The row as received (or as corrected by hand).
        public var raw: String
        /// How to read `raw` again; nil for rows quarantined before formats were recorded.
        public var format: QuarantineFormat?

        public init(
            quarantinedAt: String, source: String, line: Int, reason: String, raw: String, format: QuarantineFormat?
        ) {
            self.quarantinedAt = quarantinedAt
            self.source = source
            self.line = line
            self.reason = reason
            self.raw = raw
            self.format = format
        }

        /// The entry as one line of the file (with its terminator).
        var csvLine: String {
            [quarantinedAt, source, String(line), reason, raw, format?.description ?? ""].map(CSVField.quoted)
                .joined(separator: ",") + "\n"
        }
    }

    /// The tables of `dataDirectory` with a quarantine file, sorted.
    public static func tables(inDataDirectory dataDirectory: String) -> [String] {
        let directory = Quarantine(dataDirectory: dataDirectory, table: "_").directory
        let names = (try? directoryNames(directory)) ?? []
        return names.filter { $0.hasSuffix(".csv") && !$0.hasPrefix(".") }.map { String($0.dropLast(4)) }.sorted()
    }

    /// A quarantine for `table` in the data directory. Nothing is created until a row is added.
    /// - Parameters:
    ///   - dataDirectory: the store's directory.
    ///   - table: the table's name (any table of the store's catalog).
    public init(dataDirectory: String, table: String) {
        directory = (dataDirectory.hasSuffix("/") ? String(dataDirectory.dropLast()) : dataDirectory) + "/quarantine"
        path = directory + "/" + table + ".csv"
    }

    deinit {
        state.withLock { state in
            if state.fd >= 0 { close(state.fd) }
        }
    }

    /// Rows quarantined through this instance.
    public var count: Int { state.withLock { $0.count } }

    /// Appends rejected rows.
    /// - Parameters:
    ///   - rejections: the rows, with line numbers and reasons.
    ///   - source: where they came from (the input file's path, the request's id).
    ///   - format: how their raw lines are read again (nil: unknown).
    ///   - time: the quarantine time to record.
    /// - Throws: ``StrataError`` (`.io`) if the directory or the file cannot be created or written.
    public func add(
        _ rejections: [CSVRejection], source: String, format: QuarantineFormat?, at time: Timestamp = WallClock.now()
    ) throws {
        let stamp = time.iso8601
        try add(
            rejections.map {
                Entry(
                    quarantinedAt: stamp, source: source, line: $0.line, reason: $0.reason, raw: $0.raw, format: format)
            })
    }

    /// Appends rows as they are.
    /// - Throws: ``StrataError`` (`.io`) if the directory or the file cannot be created or written.
    public func add(_ entries: [Entry]) throws {
        guard !entries.isEmpty else { return }
        let text = entries.map(\.csvLine).joined()
        try state.withLock { state in
            if state.fd < 0 { state.fd = try openFile() }
            try write(text, to: state.fd)
            state.count += entries.count
        }
    }

    /// Every row of the file, in order (none if there is no file).
    /// - Throws: ``StrataError``: `.io` if the file cannot be read, `.corruptFile` if it is not a
    ///   quarantine file (its header or a row's fields), naming the line.
    public func entries() throws -> [Entry] {
        try state.withLock { _ in try readEntries() }
    }

    /// Replaces the file's rows with `entries` atomically (a temporary file, synced, renamed
    /// over it); no entries removes the file.
    /// - Throws: ``StrataError`` (`.io`) if the file cannot be written or renamed.
    public func replaceEntries(_ entries: [Entry]) throws {
        try state.withLock { state in
            if state.fd >= 0 {
                close(state.fd)
                state.fd = -1
            }
            try rewrite(entries)
        }
    }

    private func readEntries() throws -> [Entry] {
        guard let text = try FileText.read(path) else { return [] }
        let records = CSVRecords.parse(text)
        guard let header = records.first?.fields.joined(separator: ",") else { return [] }
        let hasFormat: Bool
        switch header {
        case Quarantine.header: hasFormat = true
        case Quarantine.headerWithoutFormat: hasFormat = false
        default:
            throw StrataError(
                .corruptFile, "\(path): line 1 is not a quarantine header (\(Quarantine.header))", path: path)
        }
        var entries: [Entry] = []
        for record in records.dropFirst() {
            let fields = record.fields
            guard fields.count == (hasFormat ? 6 : 5), let line = Int(fields[2]) else {
                throw StrataError(
                    .corruptFile,
                    "\(path): line \(record.line) has \(fields.count) fields, expected \(hasFormat ? 6 : 5) (\(hasFormat ? Quarantine.header : Quarantine.headerWithoutFormat))",
                    path: path)
            }
            var format: QuarantineFormat?
            if hasFormat, !fields[5].isEmpty {
                guard let parsed = QuarantineFormat(fields[5]) else {
                    throw StrataError(
                        .corruptFile, "\(path): line \(record.line): unknown format \"\(fields[5])\"", path: path)
                }
                format = parsed
            }
            entries.append(
                Entry(
                    quarantinedAt: fields[0], source: fields[1], line: line, reason: fields[3], raw: fields[4],
                    format: format))
        }
        return entries
    }

    private func rewrite(_ entries: [Entry]) throws {
        if entries.isEmpty {
            if unlink(path) != 0, errno != ENOENT {
                let code = errno
                throw StrataError(
                    .io, "cannot remove \(path): \(String(cString: strerror(code)))", path: path, errno: code)
            }
            return
        }
        let temporary = path + ".tmp"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        if fd < 0 {
            let code = errno
            throw StrataError(
                .io, "cannot create \(temporary): \(String(cString: strerror(code)))", path: temporary, errno: code)
        }
        do {
            try write(Quarantine.header + "\n" + entries.map(\.csvLine).joined(), to: fd)
            if fsync(fd) != 0 {
                let code = errno
                throw StrataError(
                    .io, "cannot sync \(temporary): \(String(cString: strerror(code)))", path: temporary, errno: code)
            }
            close(fd)
        } catch {
            close(fd)
            unlink(temporary)
            throw error
        }
        if rename(temporary, path) != 0 {
            let code = errno
            unlink(temporary)
            throw StrataError(
                .io, "cannot rename \(temporary): \(String(cString: strerror(code)))", path: path, errno: code)
        }
        let directoryFD = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if directoryFD >= 0 {
            _ = fsync(directoryFD)
            close(directoryFD)
        }
    }

    /// Flushes the quarantine file to stable storage (if it was opened).
    /// - Throws: ``StrataError`` (`.io`) if `fsync` fails.
    public func sync() throws {
        try state.withLock { state in
            guard state.fd >= 0 else { return }
            if fsync(state.fd) != 0 {
                let code = errno
                throw StrataError(
                    .io, "cannot sync \(path): \(String(cString: strerror(code)))", path: path, errno: code)
            }
        }
    }

    /// `text` as one CSV field (``CSVField/quoted(_:)``).
    /// - Parameter text: the field.
    /// - Returns: the field ready to join with commas.
    public static func csvField(_ text: String) -> String { CSVField.quoted(text) }

    private func openFile() throws -> Int32 {
        if mkdir(directory, 0o755) != 0, errno != EEXIST {
            let code = errno
            throw StrataError(
                .io, "cannot create quarantine directory \(directory): \(String(cString: strerror(code)))",
                path: directory, errno: code)
        }
        let fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        if fd < 0 {
            let code = errno
            throw StrataError(.io, "cannot open \(path): \(String(cString: strerror(code)))", path: path, errno: code)
        }
        var info = stat()
        if fstat(fd, &info) == 0, info.st_size == 0 {
            do { try write(Quarantine.header + "\n", to: fd) } catch {
                close(fd)
                throw error
            }
        } else if try FileText.startsWithLine(path, Quarantine.headerWithoutFormat) {
            // A file of the version before formats: rewritten with the column, then appended to.
            close(fd)
            try rewrite(try readEntries())
            return try openFile()
        }
        return fd
    }

    private func write(_ text: String, to fd: Int32) throws {
        var text = text
        try text.withUTF8 { bytes in
            var offset = 0
            while offset < bytes.count {
                let written = systemWrite(fd, bytes.baseAddress! + offset, bytes.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    let code = errno
                    throw StrataError(
                        .io, "cannot write \(path): \(String(cString: strerror(code)))", path: path, errno: code)
                }
                offset += written
            }
        }
    }
}

#if canImport(Glibc)
    private let systemWrite = Glibc.write
#elseif canImport(Darwin)
    private let systemWrite = Darwin.write
#endif
