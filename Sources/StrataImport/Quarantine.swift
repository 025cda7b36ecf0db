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
/// with the columns `quarantined_at,source,line,reason,raw`: the time (ISO-8601 UTC), where the row
/// came from (a file path), its 1-based line number, the reason (field, value and rule) and the
/// row as received. Fields are quoted as RFC 4180 says (a field with a comma, a quote or a line
/// break is wrapped in double quotes, quotes doubled), so the file is itself valid CSV.
/// The directory and the file (with its header line) are created on first use; later runs append.
///
/// ```swift
/// let quarantine = Quarantine(dataDirectory: "./strata-data", table: "trades")
/// try quarantine.add(rejections, source: "trades.csv")
/// print(quarantine.count, quarantine.path)
/// ```
///
/// Safe to share between tasks: writes are serialised by a lock.
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
    public static let header = "quarantined_at,source,line,reason,raw"

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
    ///   - source: where they came from (the input file's path).
    ///   - time: the quarantine time to record.
    /// - Throws: ``StrataError`` (`.io`) if the directory or the file cannot be created or written.
    public func add(_ rejections: [CSVRejection], source: String, at time: Timestamp = WallClock.now()) throws {
        guard !rejections.isEmpty else { return }
        var text = ""
        let stamp = time.iso8601
        for rejection in rejections {
            text +=
                Quarantine.csvField(stamp) + "," + Quarantine.csvField(source) + "," + String(rejection.line) + ","
                + Quarantine.csvField(rejection.reason) + "," + Quarantine.csvField(rejection.raw) + "\n"
        }
        try state.withLock { state in
            if state.fd < 0 { state.fd = try openFile() }
            try write(text, to: state.fd)
            state.count += rejections.count
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
