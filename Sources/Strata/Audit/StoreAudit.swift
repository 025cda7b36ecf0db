import StrataCore

/// Where a store writes its audit trail, and how (``StrataStore/Configuration/audit``).
public struct AuditSettings: Sendable {
    /// The audit log's directory (``AuditLog``).
    public var directory: String
    /// Rotation and syncing of its files.
    public var log: AuditLog.Configuration

    public init(directory: String, log: AuditLog.Configuration = AuditLog.Configuration()) {
        self.directory = directory
        self.log = log
    }
}

/// The store's audit trail: trades and order events written to an ``AuditLog`` from the commit
/// path, after each append commits and before it returns, in commit order (the trades' table
/// tells it of each commit with its lock held; the orders' events come under the order table's
/// operation lock). A refused append writes nothing; rows dropped as duplicates are not written.
///
/// An audit line that cannot be written does not undo what the store committed: it is recorded
/// as an incident (health stays degraded until an operator acknowledges it).
final class StoreAudit: Sendable {
    let log: AuditLog
    let incidents: IncidentLog

    init(settings: AuditSettings, incidents: IncidentLog) throws {
        log = try AuditLog(directory: settings.directory, configuration: settings.log)
        self.incidents = incidents
    }

    /// A trade line per stored row of `commit` (a commit of the trades table).
    func tradesStored(_ commit: StoredCommit) {
        let batch = commit.batch
        let columns = RecordSchema.trades.storageColumns
        let timestamp = columns.firstIndex { $0.name == RecordSchema.trades.timestamp } ?? 0
        var entries: [AuditLog.Entry] = []
        entries.reserveCapacity(commit.stored)
        var nextSkipped = 0
        for row in 0..<batch.count {
            if nextSkipped < commit.skipped.count && commit.skipped[nextSkipped] == row {
                nextSkipped += 1
                continue
            }
            var object = "{\"symbol\":" + JSONText.quoted(batch.symbols[Int(batch.symbolIndex[row])])
            for (c, column) in columns.enumerated() where c != timestamp {
                let lane = batch.columns[c][row]
                object += "," + JSONText.quoted(column.name) + ":"
                switch column.kind {
                case .decimal(let scale): object += JSONText.quoted(ExactDecimal.format(Int128(lane), scale: scale))
                case .bool: object += lane != 0 ? "true" : "false"
                case .text: object += JSONText.quoted(batch.texts.string(lane))
                case .float64: object += "\(Double(bitPattern: UInt64(bitPattern: lane)))"
                default: object += String(lane)
                }
            }
            object += "}"
            entries.append(
                AuditLog.Entry(
                    time: Timestamp(nanoseconds: batch.columns[timestamp][row]), kind: "trade", object: object))
        }
        append(entries)
    }

    /// An order line per event row (in `seq` order), with the order's user and its status after
    /// (`next`: the registry after the rows' events; a removed order's line has the user its
    /// event row carries).
    func orderEvents(_ rows: [Row], next: OrderRegistry) {
        let skip: Set<String> = ["ts", "symbol", "seq", "order_id", "event"]
        let entries = rows.map { row -> AuditLog.Entry in
            let id = row["order_id"]?.integerValue ?? 0
            let after = next.order(id: id)
            var object = "{\"symbol\":" + JSONText.quoted(row.symbol.name)
            object += ",\"seq\":\(row["seq"]?.integerValue ?? 0),\"order\":\(id)"
            object += ",\"event\":" + JSONText.quoted(row["event"]?.textValue ?? "")
            for column in RecordSchema.orderEvents.storageColumns where !skip.contains(column.name) {
                guard let value = row[column.name] else { continue }
                object += "," + JSONText.quoted(column.name) + ":" + JSONText.quoted(value.description)
            }
            if row["user"] == nil, let user = after?.user {
                object += ",\"user\":" + JSONText.quoted(user)
            }
            object += ",\"status\":" + JSONText.quoted(after?.status.rawValue ?? "removed")
            if let after {
                object += ",\"filled_size\":" + JSONText.quoted(after.filledSize.description)
                if let average = after.averageFillPrice {
                    object += ",\"average_fill_price\":" + JSONText.quoted(average.description)
                }
            }
            object += "}"
            return AuditLog.Entry(time: row["ts"]?.timestampValue ?? .min, kind: "order", object: object)
        }
        append(entries)
    }

    private func append(_ entries: [AuditLog.Entry]) {
        guard !entries.isEmpty else { return }
        do {
            try log.append(entries)
        } catch {
            incidents.record(
                Incident(
                    kind: .damagedFile, time: WallClock.now(), table: "audit", path: log.directory,
                    detail: "\(entries.count) audit lines could not be written (\(error)); what they record is stored"))
        }
    }

    func close() throws { try log.close() }
}
