import Logging
import NIOCore
import Strata
import StrataImport
import StrataLineProtocol
import Synchronization

/// Where the server keeps the lines it refuses: a write refused with 400 is answered as before
/// (nothing of the request stored) and its refused line goes to the table's quarantine
/// (`<data>/quarantine/<table>.csv`, ``Quarantine``) with the request id as its source
/// (`http request <id>`, the `errorId` of the answer), its line number in the body, the reason
/// and the line protocol's precision, so `strata quarantine replay` stores it once corrected.
/// A line that did not parse goes to the table its measurement names; one that names no table
/// of the store to `quarantine/ilp-unmapped.csv`.
///
/// Only the refused line is kept: the other lines of the request were not refused for what they
/// hold, and the client was told the request failed (it sends them again). A body over the
/// limit (413) or a store that cannot write (503) quarantines nothing: those are not the line's fault.
///
/// Over TCP, a line that parses but does not map or breaks a rule is kept the same way, with the
/// source `tcp connection <id>` and its line number within the connection; a line that does not
/// parse is logged only (the stream parser keeps no text of it).
final class RefusedLines: Sendable {
    /// The quarantine of lines that map to no table.
    static let unmapped = "ilp-unmapped"

    private let directory: String
    private let mapping: LineMapping
    private let quarantines = Mutex<[String: Quarantine]>([:])

    /// - Parameters:
    ///   - dataDirectory: the store's directory.
    ///   - mapping: what names a line's table when the line did not parse (its measurement).
    init(dataDirectory: String, mapping: LineMapping) {
        directory = dataDirectory
        self.mapping = mapping
    }

    /// Quarantines line `error.line` of `body` if the error is the line's (a 400 naming it).
    /// - Returns: the quarantine file written, or nil when nothing was quarantined.
    @discardableResult
    func keep(
        _ error: WriteError, body: ByteBuffer, precision: LineProtocol.Precision, requestID: String, logger: Logger
    ) -> String? {
        guard error.status == 400, let number = error.line, number >= 1,
            let raw = Self.line(number, of: body)
        else { return nil }
        return keep(
            raw, line: number, table: error.table, reason: error.code + ": " + error.message,
            source: "http request " + requestID, precision: precision, logger: logger)
    }

    /// Quarantines one refused line, in the quarantine of `table` (or of the table its
    /// measurement names, or ``unmapped``), synced before it returns.
    /// - Returns: the quarantine file written, or nil if it could not be (logged).
    @discardableResult
    func keep(
        _ raw: String, line number: Int, table: String?, reason: String, source: String,
        precision: LineProtocol.Precision, logger: Logger
    ) -> String? {
        let name = table ?? mapping.table(ofLine: raw) ?? Self.unmapped
        let quarantine = quarantines.withLock { open in
            if let known = open[name] { return known }
            let made = Quarantine(dataDirectory: directory, table: name)
            open[name] = made
            return made
        }
        do {
            try quarantine.add([
                Quarantine.Entry(
                    quarantinedAt: WallClock.now().iso8601, source: source, line: number, reason: reason, raw: raw,
                    format: .lineProtocol(precision: precision.rawValue))
            ])
            try quarantine.sync()
            return quarantine.path
        } catch {
            // The answer (400, or the connection's close) still goes out; the operator sees why
            // the line was not kept.
            logger.error("cannot quarantine a refused ILP line", metadata: ["error": "\(error)"])
            return nil
        }
    }

    /// Line `number` (1-based) of `body`, without its terminator.
    static func line(_ number: Int, of body: ByteBuffer) -> String? {
        body.withUnsafeReadableBytes { bytes -> String? in
            var line = 1
            var start = 0
            for index in 0...bytes.count {
                guard index == bytes.count || bytes[index] == UInt8(ascii: "\n") else { continue }
                if line == number {
                    var end = index
                    if end > start, bytes[end - 1] == UInt8(ascii: "\r") { end -= 1 }
                    return String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<end]), as: UTF8.self)
                }
                line += 1
                start = index + 1
            }
            return nil
        }
    }
}
