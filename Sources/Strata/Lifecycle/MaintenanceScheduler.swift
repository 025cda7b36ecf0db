import Dispatch
import StrataEngine
import Synchronization

/// Runs the store's lifecycle jobs on a timer: seal what is over, merge late rows, retention.
///
/// Each run is recorded (``StrataStore/maintenanceHistory``): when, how long, what it did and
/// what failed.
final class MaintenanceScheduler: Sendable {
    /// `@unchecked Sendable`: a dispatch source is thread-safe; the box only moves it across
    /// the mutex.
    private final class TimerBox: @unchecked Sendable {
        let source: any DispatchSourceTimer
        init(_ source: any DispatchSourceTimer) { self.source = source }
    }

    private let timer = Mutex<TimerBox?>(nil)

    func start(every interval: Duration, store: StrataStore) {
        let nanoseconds = max(
            1_000_000,
            Int(interval.components.seconds) * 1_000_000_000 + Int(interval.components.attoseconds / 1_000_000_000))
        let source = DispatchSource.makeTimerSource(queue: DispatchQueue(label: "strata.scheduler"))
        source.schedule(
            deadline: .now() + .nanoseconds(nanoseconds), repeating: .nanoseconds(nanoseconds),
            leeway: .milliseconds(100))
        source.setEventHandler { [weak store] in
            BackgroundPriority.lowered { _ = store?.maintain(now: WallClock.now()) }
        }
        source.resume()
        let box = TimerBox(source)
        timer.withLock { $0 = box }
    }

    func stop() {
        timer.withLock { timer in
            timer?.source.cancel()
            timer = nil
        }
    }
}

/// One run of the store's lifecycle jobs.
public struct MaintenanceRun: Sendable, CustomStringConvertible {
    public var started: Timestamp
    public var durationNanoseconds: Int64
    public var compaction: CompactionReport
    public var retention: RetentionReport
    /// What the cold tier's janitor moved, per table (empty without a cold tier or its janitor).
    public var cold: [ColdMoveReport] = []

    public var errors: [StrataError] { compaction.errors + retention.errors + cold.flatMap(\.errors) }

    /// Whether the run sealed, merged or dropped anything.
    public var didWork: Bool {
        compaction.tables.contains { !$0.sealed.isEmpty || !$0.compacted.isEmpty }
            || retention.entries.contains { !$0.dropped.partitions.isEmpty } || cold.contains { $0.didWork }
    }

    public var description: String {
        "maintenance at \(started) took \(durationNanoseconds / 1_000_000) ms\n\(compaction)\n\(retention)"
            + cold.map { "\n\($0)" }.joined()
    }
}

/// What a retention run (or a purge) dropped, per table.
public struct RetentionReport: Sendable, CustomStringConvertible {
    public struct Entry: Sendable {
        public var table: String
        /// Partitions ending at or before this were eligible.
        public var cutoff: Timestamp
        public var dropped: DroppedPartitions
    }

    public var entries: [Entry] = []
    public var errors: [StrataError] = []

    public var description: String {
        var lines = entries.map { entry in
            "\(entry.table): dropped \(entry.dropped.partitions.count) partitions (\(entry.dropped.rows) rows, \(entry.dropped.bytes) bytes) ending at or before \(entry.cutoff)"
        }
        lines += errors.map { "ERROR: \($0)" }
        return lines.isEmpty ? "retention: nothing to drop" : lines.joined(separator: "\n")
    }
}

/// The runs a store remembers.
struct MaintenanceHistory {
    var runs: [MaintenanceRun] = []
    var latest: MaintenanceRun?
    var count = 0
}
