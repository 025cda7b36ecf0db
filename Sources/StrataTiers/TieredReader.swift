public import StrataCore
import Synchronization

/// A tier that can answer reads, and says when it cannot answer **fully** (`nil`): a cache
/// holding the last 1,000 rows cannot answer a range from yesterday.
public protocol ReadableTier: Sendable {
    var name: String { get }
    /// The newest `limit` rows of `symbol`, newest first, or `nil` when the tier cannot answer fully.
    func answerLatest(table: String, symbol: String, limit: Int) async throws -> RowSet?
    /// Rows with `from <= time < to`, oldest first, at most `limit`, or `nil` when the tier
    /// cannot answer fully.
    func answerRange(table: String, symbol: String, from: Int64, to: Int64, limit: Int) async throws -> RowSet?
}

extension MemoryTier: ReadableTier {
    public func answerLatest(table: String, symbol: String, limit: Int) async throws -> RowSet? {
        latest(table: table, symbol: symbol, limit: limit)
    }

    public func answerRange(table: String, symbol: String, from: Int64, to: Int64, limit: Int) async throws -> RowSet? {
        range(table: table, symbol: symbol, from: from, to: to, limit: limit)
    }
}

/// A composite's read path: the tiers in order (memory, then Redis…), then the system of record,
/// which always answers. A read is answered by the first tier that can answer it fully; a tier
/// that fails is counted and skipped (a read never fails because a cache does). Hits, misses and
/// errors per tier for metrics.
public final class TieredReader: Sendable {
    public let tiers: [any ReadableTier]
    public let systemOfRecord: any ReadableTier
    private let counters: Mutex<[String: TierReadCounts]>

    public init(tiers: [any ReadableTier], systemOfRecord: any ReadableTier) {
        self.tiers = tiers
        self.systemOfRecord = systemOfRecord
        counters = Mutex(
            Dictionary(uniqueKeysWithValues: (tiers + [systemOfRecord]).map { ($0.name, TierReadCounts()) }))
    }

    /// The newest `limit` rows and the tier that answered.
    /// - Throws: what the system of record throws (the tiers' failures are counted, not thrown).
    public func latest(table: String, symbol: String, limit: Int) async throws -> (rows: RowSet, tier: String) {
        try await first { try await $0.answerLatest(table: table, symbol: symbol, limit: limit) }
    }

    /// Rows of a range and the tier that answered.
    public func range(table: String, symbol: String, from: Int64, to: Int64, limit: Int) async throws -> (
        rows: RowSet, tier: String
    ) {
        try await first { try await $0.answerRange(table: table, symbol: symbol, from: from, to: to, limit: limit) }
    }

    private func first(_ read: (any ReadableTier) async throws -> RowSet?) async throws -> (rows: RowSet, tier: String)
    {
        if let answer = await fromTiers(read) { return answer }
        guard let rows = try await read(systemOfRecord) else {
            throw TierError(.unavailable, "the system of record \(systemOfRecord.name) did not answer")
        }
        countSystemOfRecord()
        return (rows, systemOfRecord.name)
    }

    /// The answer of the first tier (not the system of record) that answers fully, or `nil` when
    /// none does (the caller then reads the system of record, and calls ``countSystemOfRecord()``):
    /// for a caller that reads the system of record its own way (a paged range).
    public func fromTiers(_ read: (any ReadableTier) async throws -> RowSet?) async -> (rows: RowSet, tier: String)? {
        for tier in tiers {
            do {
                if let rows = try await read(tier) {
                    counters.withLock { $0[tier.name, default: .init()].hits += 1 }
                    return (rows, tier.name)
                }
                counters.withLock { $0[tier.name, default: .init()].misses += 1 }
            } catch {
                counters.withLock { $0[tier.name, default: .init()].errors += 1 }
            }
        }
        return nil
    }

    /// Counts a read the system of record answered.
    public func countSystemOfRecord() {
        counters.withLock { $0[systemOfRecord.name, default: .init()].hits += 1 }
    }

    /// Hits, misses and errors per tier, by name.
    public var counts: [String: TierReadCounts] { counters.withLock { $0 } }
}

/// One tier's read figures.
public struct TierReadCounts: Sendable, Hashable, Codable {
    public var hits = 0
    public var misses = 0
    public var errors = 0

    public init(hits: Int = 0, misses: Int = 0, errors: Int = 0) {
        self.hits = hits
        self.misses = misses
        self.errors = errors
    }
}
