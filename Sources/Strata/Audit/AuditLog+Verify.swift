import StrataCore
import StrataEngine

#if canImport(Glibc)
    import Glibc
#endif

/// What ``AuditLog/verify(directory:)`` found: the lines checked and the first break, if any.
public struct AuditVerification: Sendable, Hashable, CustomStringConvertible {
    /// Where the chain first breaks.
    public struct Break: Sendable, Hashable, CustomStringConvertible {
        public enum Kind: String, Sendable, Hashable {
            /// A line's content changed: the next line's `prev` (or `audit.head`) does not match it.
            case altered
            /// Lines are missing: `seq` jumps forward.
            case deleted
            /// A line is out of place: `seq` repeats or goes back.
            case insertedOrReordered
            /// A line is not one the log writes (unreadable start, no newline-separated JSON).
            case malformed
            /// Lines were cut from the end: `audit.head` names a later line than the files hold.
            case truncated
            /// A file of the sequence is missing.
            case missingFile
        }

        public var kind: Kind
        /// The file (name) and 1-based line where the break shows.
        public var file: String
        public var line: Int
        public var detail: String

        public var description: String { "\(file):\(line): \(kind.rawValue): \(detail)" }
    }

    public var files = 0
    public var lines = 0
    public var firstBreak: Break?
    public var isIntact: Bool { firstBreak == nil }

    public var description: String {
        "\(files) files, \(lines) lines checked: " + (firstBreak.map { "BROKEN at \($0)" } ?? "intact")
    }
}

extension AuditLog {
    /// Reads every file in order and checks each line's sequence number and link to the line
    /// before, and the last line against `audit.head`; stops at the first break.
    /// - Throws: ``StrataError`` `.io` if the directory or a file cannot be read.
    public static func verify(directory: String) throws -> AuditVerification {
        var report = AuditVerification()
        let numbers = try files(in: directory)
        var expected: Int64 = 1
        var previous = SHA256.Digest.zero
        var previousPlace: (file: String, line: Int)?
        func fail(_ kind: AuditVerification.Break.Kind, _ file: String, _ line: Int, _ detail: String)
            -> AuditVerification
        {
            report.firstBreak = .init(kind: kind, file: file, line: line, detail: detail)
            return report
        }
        for (index, number) in numbers.enumerated() {
            let name = fileName(number)
            if let first = numbers.first, number != first + index {
                return fail(.missingFile, name, 1, "\(fileName(first + index)) is missing")
            }
            report.files += 1
            let fileLines = try lines(directory + "/" + name)
            for (offset, line) in fileLines.enumerated() {
                let place = offset + 1
                guard let header = AuditLine(line) else {
                    return fail(.malformed, name, place, "the line does not start as the audit log writes lines")
                }
                if header.sequence > expected,
                    let later = fileLines[(offset + 1)...].firstIndex(where: { AuditLine($0)?.sequence == expected })
                {
                    return fail(
                        .insertedOrReordered, name, place,
                        "seq \(header.sequence) where seq \(expected) was due; seq \(expected) is at line \(later + 1): lines reordered"
                    )
                }
                if header.sequence > expected {
                    return fail(
                        .deleted, name, place,
                        "seq \(header.sequence) follows seq \(expected - 1): \(header.sequence - expected) lines missing"
                    )
                }
                if header.sequence < expected {
                    return fail(
                        .insertedOrReordered, name, place,
                        "seq \(header.sequence) where seq \(expected) was due")
                }
                if header.previous != previous {
                    let before = previousPlace.map { "\($0.file):\($0.line)" } ?? "the start of the log"
                    return fail(
                        .altered, name, place,
                        "prev does not match the line before (\(before)): that line was altered, or this one's link")
                }
                previous = SHA256.hash(line)
                previousPlace = (name, place)
                expected += 1
                report.lines += 1
            }
        }
        let headPath = directory + "/audit.head"
        if FileSystem.exists(headPath) {
            let text = String(decoding: try FileDescriptor(path: headPath, flags: O_RDONLY).readAll(), as: UTF8.self)
            let parts = text.split(whereSeparator: \.isWhitespace)
            let last = previousPlace ?? (numbers.last.map(fileName) ?? "audit.head", 0)
            guard parts.count == 2, let sequence = Int64(parts[0]), let hash = SHA256.Digest(hex: parts[1]) else {
                return fail(.malformed, "audit.head", 1, "unreadable head")
            }
            if sequence > expected - 1 {
                return fail(
                    .truncated, last.file, last.line,
                    "audit.head names seq \(sequence), the files end at seq \(expected - 1)")
            }
            if sequence == expected - 1, hash != previous {
                return fail(.altered, last.file, last.line, "the last line does not match audit.head")
            }
        }
        return report
    }
}

extension AuditLog {
    /// The log's lines in order (across files), each with its sequence number, time and kind,
    /// for reading back with filters (`strata audit read`). Lines the log did not write are
    /// skipped: run ``verify(directory:)`` to find them.
    public static func lines(directory: String, from: Timestamp = .min, to: Timestamp = .max) throws
        -> [AuditRecord]
    {
        var records: [AuditRecord] = []
        for number in try files(in: directory) {
            for line in try lines(directory + "/" + fileName(number)) {
                guard let header = AuditLine(line), header.time >= from, header.time < to else { continue }
                records.append(
                    AuditRecord(
                        sequence: header.sequence, time: header.time, line: String(decoding: line, as: UTF8.self)))
            }
        }
        return records
    }
}

/// One line of the audit log as read back.
public struct AuditRecord: Sendable, Hashable {
    public var sequence: Int64
    public var time: Timestamp
    /// The whole line: one JSON object.
    public var line: String
}
