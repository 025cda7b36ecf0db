public import Strata

/// What a crash campaign exercises: a durability policy, or a phase of the engine's life that
/// the writer drives continuously so that random kills land inside it.
public enum CrashMode: String, CaseIterable, Sendable {
    /// Appends under `.fsyncEachBatch`, with a compaction every 7 batches.
    case fsync
    /// Appends under `.groupCommit(milliseconds: 10)`; `flush()` every 8 batches (`durable N`).
    case group
    /// Appends under `.osBuffered`, never synced by the writer.
    case os
    /// Every batch fills a partition; a compaction after each one seals it.
    case seal
    /// Half of every batch is late rows for partitions sealed earlier; a compaction after each
    /// batch merges them into a new generation of the sealed file.
    case compaction
    /// Every batch fills a partition; after each, a seal and a retention run that drops the
    /// partitions older than one minute.
    case retention
    /// One open partition with a large WAL: the campaign kills the writer while it replays it.
    case recovery

    /// The phase the campaign aims its kills at.
    public var targetPhase: String? {
        switch self {
        case .fsync, .group, .os: nil
        case .seal: "seal"
        case .compaction: "compaction"
        case .retention: "retention"
        case .recovery: "recovery"
        }
    }
}

/// The deterministic workload of the crash campaigns, shared by the writer process and the test
/// that verifies what survived.
///
/// Batch `n` holds ``rowsPerBatch`` rows over 4 symbols, a pure function of `n` and the mode: first
/// ``inOrderRows`` rows in time order (``step`` apart), then, from batch ``lateLag`` on,
/// ``lateRows`` late rows whose times fall in batch `n - lateLag`'s span. Row `i` of batch `n` has
/// trade id `n·1000 + i`, so an id names its batch and its row.
public struct CrashWorkload: Sendable {
    public static let base = Timestamp(nanoseconds: 1_700_000_000_000_000_000)
    public static let symbols: [Symbol] = ["CRASH0", "CRASH1", "CRASH2", "CRASH3"]
    /// Ids of batch `n` are `n·idsPerBatch + i`.
    public static let idsPerBatch = 1_000

    public let mode: CrashMode
    public let inOrderRows: Int
    public let lateRows: Int
    public let lateLag: Int
    /// Nanoseconds between in-order rows.
    public let step: Int64
    public let configuration: StrataStore.Configuration

    public init(mode: CrashMode) {
        self.mode = mode
        let second = Timestamp.nanosecondsPerSecond
        let rules = ValidationRules(window: .fixed(earliest: .min, latest: .max))
        let hour = 3_600 * second
        var durability = Durability.fsyncEachBatch
        var partition = 60 * second
        var grace = 20 * second
        var retention: RetentionPolicy?
        switch mode {
        case .fsync, .group, .os:
            // 9.5 s of data a batch: a one-minute partition fills every ~6 batches and seals
            // (by the data, in the background, and at the writer's compactions).
            (inOrderRows, lateRows, lateLag, step) = (95, 5, 20, 100_000_000)
            durability =
                mode == .fsync ? .fsyncEachBatch : mode == .group ? .groupCommit(milliseconds: 10) : .osBuffered
        case .seal:
            // One minute of data a batch, one partition.
            (inOrderRows, lateRows, lateLag, step) = (100, 0, 0, 600_000_000)
            (partition, grace) = (60 * second, hour)
        case .compaction:
            (inOrderRows, lateRows, lateLag, step) = (50, 50, 24, 100_000_000)
            (partition, grace) = (60 * second, hour)
            durability = .groupCommit(milliseconds: 5)
        case .retention:
            // Ten seconds of data a batch, one partition (bars are not checked: no stored
            // timeframe divides a 10 s partition).
            (inOrderRows, lateRows, lateLag, step) = (100, 0, 0, 100_000_000)
            (partition, grace) = (10 * second, hour)
            durability = .osBuffered
            retention = RetentionPolicy(maximumAge: ["trades": 60 * second])
        case .recovery:
            // One day partition that never seals: everything stays in the WAL.
            (inOrderRows, lateRows, lateLag, step) = (1_000, 0, 0, 1_000_000)
            (partition, grace) = (Timestamp.nanosecondsPerDay, 365 * Timestamp.nanosecondsPerDay)
            durability = .osBuffered
        }
        configuration = StrataStore.Configuration(
            durability: durability, validation: rules, partitionDuration: partition, sealGrace: grace,
            aggregates: true, retention: retention, maintenanceInterval: nil)
    }

    /// Rows in batch `n`.
    public func rowCount(_ n: Int) -> Int { inOrderRows + (n >= lateLag && lateRows > 0 ? lateRows : 0) }

    /// Row `i` of batch `n` (`i < rowCount(n)`).
    public func row(batch n: Int, index i: Int) -> Trade {
        let id = Int64(n) * Int64(Self.idsPerBatch) + Int64(i)
        if i < inOrderRows {
            let sequence = Int64(n) * Int64(inOrderRows) + Int64(i)
            return Trade(
                symbol: Self.symbols[i % 4], timestamp: Self.base.advanced(by: sequence * step), tradeID: id,
                price: Price(mantissa: 100_000_000 + sequence), quantity: Quantity(mantissa: 1 + Int64(i)),
                isBuyerMaker: i % 2 == 0)
        }
        let j = i - inOrderRows
        let sequence = Int64(n - lateLag) * Int64(inOrderRows) + Int64(j * inOrderRows / lateRows)
        return Trade(
            symbol: Self.symbols[j % 4], timestamp: Self.base.advanced(by: sequence * step + 1), tradeID: id,
            price: Price(mantissa: 200_000_000 + Int64(j)), quantity: Quantity(mantissa: 7), isBuyerMaker: false)
    }

    /// The rows of batch `n`.
    public func batch(_ n: Int) -> [Trade] { (0..<rowCount(n)).map { row(batch: n, index: $0) } }

    /// The batch and row index a trade id names, if it could be one of this workload's.
    public func locate(_ id: Int64) -> (batch: Int, index: Int)? {
        guard id >= 0 else { return nil }
        let (n, i) = id.quotientAndRemainder(dividingBy: Int64(Self.idsPerBatch))
        guard i < rowCount(Int(n)) else { return nil }
        return (Int(n), Int(i))
    }

    /// The partition (index) of a timestamp.
    public func partition(of timestamp: Timestamp) -> Int64 {
        let width = configuration.partitionDuration
        let t = timestamp.nanoseconds
        return t >= 0 ? t / width : (t - width + 1) / width
    }

    /// The largest timestamp of batch `n`.
    public func newestTimestamp(batch n: Int) -> Timestamp { row(batch: n, index: inOrderRows - 1).timestamp }
}
