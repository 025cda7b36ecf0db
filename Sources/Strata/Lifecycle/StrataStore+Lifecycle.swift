import StrataCore
import Synchronization

extension StrataStore {
    /// Applies the retention policy: drops the sealed partitions of each table that end before
    /// `min(newest data, now) - maximum age`.
    ///
    /// Using the smaller of the newest data and the wall clock means a stray future-dated row
    /// never makes younger partitions look old.
    /// - Returns: what was dropped; failures are in ``RetentionReport/errors``.
    @discardableResult
    public func applyRetention(now: Timestamp = WallClock.now()) -> RetentionReport {
        var report = RetentionReport()
        for table in allTables {
            guard let age = retention.maximumAge[table.name], let newest = table.newestTimestamp else {
                continue
            }
            let reference = min(newest, now)
            let cutoff = reference.advanced(by: -age)
            do {
                try snapshotBeforeDropping(table.name)
                let dropped = try table.dropPartitions(endingAtOrBefore: cutoff.nanoseconds)
                report.entries.append(.init(table: table.name, cutoff: cutoff, dropped: dropped))
            } catch {
                report.errors.append(asStrataError(error))
            }
        }
        return report
    }

    /// Drops, on demand, every sealed partition that ends at or before `olderThan` (never later
    /// than now) in `tables` (all tables by default).
    @discardableResult
    public func purge(olderThan: Timestamp, tables: [String]? = nil, now: Timestamp = WallClock.now())
        -> RetentionReport
    {
        let cutoff = min(olderThan, now)
        return drop(allTables.filter { tables?.contains($0.name) ?? true }.map { ($0, cutoff) })
    }

    /// Events of a keyed state (orders, jobs, anomalies) are dropped only behind a snapshot: one
    /// is written now, covering every event so far, so that the state still rebuilds from it and
    /// the events after it once old partitions are gone.
    /// - Throws: ``StrataError`` when the snapshot cannot be written (nothing is dropped then).
    private func snapshotBeforeDropping(_ table: String) throws(StrataError) {
        guard let records = openedRecords, records.snapshotBeforeDropping(table) == false else { return }
        throw StrataError(
            .io, "\(table): no partition dropped, as the snapshot its state would rebuild from could not be written")
    }

    /// Drops, in each table, the sealed partitions ending at or before its cutoff.
    private func drop(_ cutoffs: [(any BackendTable, Timestamp)]) -> RetentionReport {
        var report = RetentionReport()
        for (table, cutoff) in cutoffs {
            do {
                try snapshotBeforeDropping(table.name)
                let dropped = try table.dropPartitions(endingAtOrBefore: cutoff.nanoseconds)
                report.entries.append(.init(table: table.name, cutoff: cutoff, dropped: dropped))
            } catch {
                report.errors.append(asStrataError(error))
            }
        }
        return report
    }

    /// One run of the lifecycle jobs: seal by the data and the clock, merge late rows, derive
    /// bars, apply retention. The scheduler calls it every ``Configuration/maintenanceInterval``.
    @discardableResult
    public func maintain(now: Timestamp = WallClock.now()) -> MaintenanceRun {
        let started = WallClock.now()
        let compaction = compact(now: now)
        let retention = applyRetention(now: now)
        let cold = configuration.cold?.janitorEnabled == true ? moveToCold(now: now) : []
        let run = MaintenanceRun(
            started: started, durationNanoseconds: WallClock.now().nanoseconds - started.nanoseconds,
            compaction: compaction, retention: retention, cold: cold)
        history.withLock { history in
            history.latest = run
            history.count += 1
            // Idle runs are not kept, so a busy scheduler cannot push real work out of the history.
            guard run.didWork || !run.errors.isEmpty else { return }
            history.runs.append(run)
            if history.runs.count > 100 { history.runs.removeFirst(history.runs.count - 100) }
        }
        return run
    }

    /// The last maintenance runs that did something or failed (at most 100), oldest first.
    public var maintenanceHistory: [MaintenanceRun] { history.withLock { $0.runs } }

    /// The most recent maintenance run, idle or not, and how many have run since opening.
    public var latestMaintenance: (run: MaintenanceRun?, count: Int) {
        history.withLock { ($0.latest, $0.count) }
    }

    func asStrataError(_ error: any Error) -> StrataError {
        (error as? StrataError) ?? StrataError(.io, "\(error)", path: directory)
    }
}
