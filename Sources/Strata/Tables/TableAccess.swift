/// What every table of a store — typed (``StrataTable``) or dynamic (``DynamicTable``) — writes
/// and reads through: the store's symbol limits before an append, the incident ledger after a
/// write the disk refused or a read that met a damaged block.
final class TableAccess: Sendable {
    let table: any BackendTable
    let rules: ValidationRules
    let incidents: IncidentLog
    /// The store's symbol limits (``StrataStore/Configuration/maxNewSymbolsPerAppend``…).
    let limits: (perAppend: Int?, perTable: Int?)

    init(
        table: any BackendTable, rules: ValidationRules, incidents: IncidentLog,
        limits: (perAppend: Int?, perTable: Int?)
    ) {
        self.table = table
        self.rules = rules
        self.incidents = incidents
        self.limits = limits
    }

    var name: String { table.name }

    /// Appends an encoded, validated batch: refused whole past the symbol limits; a failed write
    /// keeps health degraded until one succeeds.
    func append(_ encoded: ColumnBatch) throws -> AppendReport {
        try checkSymbolLimits(encoded.symbols)
        do {
            let report = try table.append(encoded)
            incidents.writeSucceeded(table: name)
            return report
        } catch let error as StrataError where error.code == .io || error.code == .corruptFile {
            // The disk refused (full, failing, fsync lost): health says so until a write succeeds.
            incidents.writeFailed(table: name, error: error)
            throw error
        }
    }

    /// Refuses an append that would add more new symbols than the store's limits allow.
    private func checkSymbolLimits(_ symbols: [String]) throws {
        guard limits.perAppend != nil || limits.perTable != nil else { return }
        let census = table.symbolCensus(symbols)
        guard census.new > 0 else { return }
        if let limit = limits.perAppend, census.new > limit {
            throw StrataError(
                .limitExceeded,
                "\(name): the batch adds \(census.new) symbols the table has never stored; at most \(limit) per append (maxNewSymbolsPerAppend; on the server ilp.maxNewSymbolsPerRequest)"
            )
        }
        if let limit = limits.perTable, census.known + census.new > limit {
            throw StrataError(
                .limitExceeded,
                "\(name): the table holds \(census.known) symbols and the batch adds \(census.new); at most \(limit) per table (maxSymbolsPerTable; on the server ilp.maxSymbolsPerTable)"
            )
        }
    }

    /// Runs a read, recording a damaged block it meets as an incident (health shows it until an
    /// operator acknowledges it) before the error reaches the caller.
    func reading<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as StrataError where error.code == .corruptFile {
            incidents.record(
                Incident(
                    kind: .readCorruption, time: WallClock.now(), table: name, path: error.path,
                    detail: error.message + (error.offset.map { " (offset \($0))" } ?? "")))
            throw error
        }
    }
}
