import ArgumentParser
import Strata
import StrataWire

#if canImport(Glibc)
    import Glibc
#endif

/// `--format` of the commands that read rows (`query latest|range|aggregate`, `bars`): the table,
/// CSV and JSON every command prints, and Arrow, an IPC stream for data tools (to `--output` or
/// a pipe).
enum QueryFormat: String, ExpressibleByArgument, CaseIterable {
    case table, csv, json, arrow

    /// Written by ``ColumnarOutput``: Arrow, and CSV (the server's `format=csv` answer, the same bytes).
    var columnar: ColumnarEncoder.Format? {
        switch self {
        case .arrow: .arrow
        case .csv: .csv
        case .table, .json: nil
        }
    }

    /// Printed by ``Renderer``.
    var rendered: OutputFormat {
        switch self {
        case .table: .table
        case .json: .json
        case .csv, .arrow: .csv
        }
    }
}

/// Writes a columnar answer (``ColumnarEncoder``: the server's Arrow and CSV) batch by batch to
/// standard output or a file, so a range of any size leaves in the memory of a page.
struct ColumnarOutput {
    private var encoder: ColumnarEncoder
    private let fd: Int32
    private let path: String?
    private var buffer: [UInt8] = []

    /// - Throws: ``CLIError`` for Arrow to a terminal (binary: `--output FILE` or a pipe), or a
    ///   file that cannot be created.
    init(_ format: ColumnarEncoder.Format, output path: String?, table: String?) throws {
        encoder = ColumnarEncoder(format, table: table)
        self.path = path
        if let path {
            let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
            guard fd >= 0 else {
                throw CLIError("--output: cannot create \(path): \(String(cString: strerror(errno)))")
            }
            self.fd = fd
        } else {
            guard format != .arrow || isatty(STDOUT_FILENO) != 1 else {
                throw CLIError("--format arrow writes binary: give --output FILE or pipe it (| python3 …)")
            }
            fd = STDOUT_FILENO
        }
    }

    mutating func write(_ batch: ColumnarBatch) throws {
        try encoder.write(batch, to: &buffer)
        try flush()
    }

    /// Ends the answer (`empty` names the columns when no batch was written) and closes the file.
    mutating func finish(schemaOf empty: ColumnarBatch) throws {
        encoder.finish(schemaOf: empty, to: &buffer)
        try flush()
        if path != nil { close(fd) }
    }

    private mutating func flush() throws {
        var offset = 0
        while offset < buffer.count {
            let written = buffer.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + offset, $0.count - offset) }
            if written < 0, errno == EINTR { continue }
            guard written > 0 else {
                throw CLIError("cannot write \(path ?? "standard output"): \(String(cString: strerror(errno)))")
            }
            offset += written
        }
        buffer.removeAll(keepingCapacity: true)
    }
}
