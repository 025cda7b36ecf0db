public import StrataCore
import StrataEngine
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Something an operator must see: data cut or a file found damaged when the store opened, a
/// damaged block met by a read, a write the disk refused.
///
/// Damage is loud and stays loud: an incident is kept — in the store's `incidents` file, so a
/// restart does not hide it — until an operator acknowledges it (``StrataStore/acknowledgeIncidents()``,
/// `strata incidents --acknowledge`, `POST /api/v1/incidents/acknowledge`). While any is open,
/// the store's health is degraded and names it. A failing write path is different: it is a
/// condition, not an event, and is shown only while it lasts (see ``StoreHealth/writeFailures``).
public struct Incident: Sendable, Hashable, CustomStringConvertible {
    public enum Kind: String, Sendable, CaseIterable {
        /// Recovery cut bytes (and the rows in them) from a damaged WAL.
        case recoveryCut = "recovery_cut"
        /// A file could not be read when the store opened; its partition is fenced off.
        case damagedFile = "damaged_file"
        /// A read met a damaged block (checksum mismatch, undecodable data).
        case readCorruption = "read_corruption"
    }

    public var kind: Kind
    /// When it was found.
    public var time: Timestamp
    public var table: String
    /// The file concerned, if one.
    public var path: String?
    /// What happened, in words (rows and bytes cut, the checksum that failed…).
    public var detail: String

    public init(kind: Kind, time: Timestamp, table: String, path: String?, detail: String) {
        self.kind = kind
        self.time = time
        self.table = table
        self.path = path
        self.detail = detail
    }

    public var description: String {
        "\(time.iso8601) \(kind.rawValue) \(table)\(path.map { " \($0)" } ?? ""): \(detail)"
    }
}

/// The store's health: every table's write path, the open incidents and the failing writes.
public struct StoreHealth: Sendable {
    public var tables: [TableHealth]
    /// Incidents not yet acknowledged, oldest first.
    public var incidents: [Incident]
    /// Tables whose last append failed (the disk is full, the WAL cannot be written), with when
    /// and why; cleared by the table's next successful append.
    public var writeFailures: [String: (time: Timestamp, error: StrataError)]

    /// Every table takes writes and nothing is waiting for an operator.
    public var isHealthy: Bool { tables.allSatisfy(\.isHealthy) && incidents.isEmpty && writeFailures.isEmpty }
    public var isClosed: Bool { tables.contains(where: \.isClosed) }
}

/// The store's incident ledger and write-failure state (shared by its tables).
///
/// The `incidents` file holds one incident a line: `time_ns<TAB>kind<TAB>table<TAB>path<TAB>detail`
/// (tabs, newlines and backslashes in the fields escaped); acknowledging appends the lines to
/// `incidents.acknowledged` and empties it.
final class IncidentLog: Sendable {
    private struct State {
        var open: [Incident] = []
        var failures: [String: (time: Timestamp, error: StrataError)] = [:]
    }

    let path: String
    private let state = Mutex(State())

    /// Loads the open incidents of the store in `directory`.
    init(directory: String) throws {
        path = directory + "/incidents"
        guard FileSystem.exists(path) else { return }
        let text = String(decoding: try FileDescriptor(path: path, flags: O_RDONLY).readAll(), as: UTF8.self)
        let incidents = text.split(separator: "\n").compactMap(Self.parse)
        state.withLock { $0.open = incidents }
    }

    var open: [Incident] { state.withLock { $0.open } }
    var writeFailures: [String: (time: Timestamp, error: StrataError)] { state.withLock { $0.failures } }

    /// Records `incident` unless the same one (kind, table, path, detail) is already open; the
    /// ledger file is rewritten atomically. A ledger that cannot be written does not stop the
    /// store: the incident is still in memory (and so in health).
    func record(_ incident: Incident) {
        let lines: String? = state.withLock { state in
            guard
                !state.open.contains(where: {
                    $0.kind == incident.kind && $0.table == incident.table && $0.path == incident.path
                        && $0.detail == incident.detail
                })
            else { return nil }
            state.open.append(incident)
            return state.open.map(Self.line).joined()
        }
        if let lines { try? FileSystem.writeAtomically(path, chunks: [Array(lines.utf8)]) }
    }

    /// Acknowledges every open incident: moved to `incidents.acknowledged`.
    /// - Returns: how many there were.
    func acknowledge() throws -> Int {
        try state.withLock { state in
            guard !state.open.isEmpty else { return 0 }
            let archive = path + ".acknowledged"
            var previous: [UInt8] = []
            if FileSystem.exists(archive) { previous = try FileDescriptor(path: archive, flags: O_RDONLY).readAll() }
            try FileSystem.writeAtomically(archive, chunks: [previous, Array(state.open.map(Self.line).joined().utf8)])
            try FileSystem.writeAtomically(path, chunks: [])
            let count = state.open.count
            state.open = []
            return count
        }
    }

    func writeFailed(table: String, error: StrataError) {
        state.withLock { $0.failures[table] = (WallClock.now(), error) }
    }

    func writeSucceeded(table: String) {
        // The common path: one lock, nothing to do.
        state.withLock { state in
            if !state.failures.isEmpty { state.failures[table] = nil }
        }
    }

    private static func line(_ incident: Incident) -> String {
        [
            String(incident.time.nanoseconds), incident.kind.rawValue, escape(incident.table),
            escape(incident.path ?? ""), escape(incident.detail),
        ].joined(separator: "\t") + "\n"
    }

    private static func parse(_ line: Substring) -> Incident? {
        let fields = line.split(separator: "\t", omittingEmptySubsequences: false)
        guard fields.count == 5, let time = Int64(fields[0]), let kind = Incident.Kind(rawValue: String(fields[1]))
        else { return nil }
        let path = unescape(fields[3])
        return Incident(
            kind: kind, time: Timestamp(nanoseconds: time), table: unescape(fields[2]),
            path: path.isEmpty ? nil : path, detail: unescape(fields[4]))
    }

    static func escape(_ text: String) -> String {
        var out = ""
        for character in text {
            switch character {
            case "\\": out += "\\\\"
            case "\t": out += "\\t"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            default: out.append(character)
            }
        }
        return out
    }

    static func unescape(_ text: Substring) -> String {
        var out = ""
        var escaped = false
        for character in text {
            if escaped {
                switch character {
                case "t": out += "\t"
                case "n": out += "\n"
                case "r": out += "\r"
                default: out.append(character)
                }
                escaped = false
            } else if character == "\\" {
                escaped = true
            } else {
                out.append(character)
            }
        }
        return out
    }
}

extension StrataStore {
    /// Health of every table, the open incidents and the failing writes.
    public func condition() -> StoreHealth {
        StoreHealth(tables: health(), incidents: incidents.open, writeFailures: incidents.writeFailures)
    }

    /// Incidents not yet acknowledged, oldest first.
    public var openIncidents: [Incident] { incidents.open }

    /// Acknowledges every open incident (an operator has seen them): health stops reporting them;
    /// they stay in the `incidents.acknowledged` file of the directory.
    /// - Returns: how many were acknowledged.
    @discardableResult
    public func acknowledgeIncidents() throws -> Int { try incidents.acknowledge() }

    /// Records what recovery cut or could not read (called once, at open).
    func recordRecoveryIncidents() {
        let now = WallClock.now()
        for table in recovery.tables {
            // A torn tail (the end of the newest segment after a crash) is how a log ends when a
            // process dies mid-write: reported in the recovery report, not an incident. Damage in
            // the log's middle is acknowledged data cut: an incident.
            for cut in table.walDamage {
                let rows =
                    cut.framesWithUnknownRows > 0
                    ? "at least \(cut.rows) rows (\(cut.framesWithUnknownRows) frames unreadable)" : "\(cut.rows) rows"
                incidents.record(
                    Incident(
                        kind: .recoveryCut, time: now, table: table.table, path: cut.segment,
                        detail:
                            "cut \(cut.frames) damaged WAL frames, \(rows), \(cut.bytes) bytes at offset \(cut.offset)"
                            + (cut.savedAs.map { " (kept as \($0))" } ?? "") + ": \(cut.reason)"))
            }
            for damaged in table.damagedFiles {
                incidents.record(
                    Incident(
                        kind: .damagedFile, time: now, table: table.table, path: damaged.path,
                        detail: damaged.message))
            }
        }
    }
}

extension StrataStore {
    /// Reads every sealed block of every table (checksums, decoding, row counts) and reports what
    /// is damaged; each damaged block found becomes an incident.
    public func verify() throws -> [TableVerification] {
        let reports = try allTables.map { try $0.verify() }
        let now = WallClock.now()
        for report in reports {
            let found =
                report.unreadablePartitions.map { (Incident.Kind.damagedFile, $0) }
                + report.damagedBlocks.map { (Incident.Kind.readCorruption, $0) }
            for (kind, problem) in found {
                incidents.record(
                    Incident(
                        kind: kind, time: now, table: report.table, path: problem.path,
                        detail: problem.message + (problem.offset.map { " (offset \($0))" } ?? "")))
            }
        }
        return reports
    }
}
