import StrataCore
import StrataTiers
import Testing

@Suite struct ReplicationCursorsTests {
    static let tiers = ["a", "b"]

    enum Step: Hashable, CaseIterable {
        case commitSmall, commitLarge
        case sendA, confirmA, failA, rebuildA
        case sendB, confirmB, failB, rebuildB

        var tier: String? {
            switch self {
            case .commitSmall, .commitLarge: nil
            case .sendA, .confirmA, .failA, .rebuildA: "a"
            default: "b"
            }
        }
    }

    /// The machine with a model of each tier: what it holds (highest contiguous position; a
    /// tier applies what it is sent idempotently, even when its confirmation is then lost).
    struct Node: Hashable {
        var cursors: ReplicationCursors
        var held: [String: UInt64]
        var sending: [String: ReplicationCursors.Batch]
    }

    /// Applies `step`, checking the invariants; `nil` when the step is not possible.
    static func apply(_ step: Step, to node: Node) -> Node? {
        var next = node
        let before = node.cursors
        var actions: [ReplicationCursors.Action] = []
        switch step {
        case .commitSmall, .commitLarge:
            actions = next.cursors.commit(rows: 1, bytes: step == .commitSmall ? 1 : 3, at: Int64(before.accepted))
            require(next.cursors.accepted == before.accepted + 1)
            // The log fits its limit after every commit, or nothing pins it.
            require(next.cursors.retainedBytes <= next.cursors.retentionLimitBytes)
        case .sendA, .sendB:
            let tier = step.tier!
            guard let batch = next.cursors.nextBatch(for: tier, maxRows: 2) else { return nil }
            // In order, after the cursor, with no gap in what the tier holds.
            require(batch.from == before.cursors[tier]!.applied + 1)
            require(batch.from <= next.held[tier]! + 1)
            require(batch.through >= batch.from && batch.through <= before.accepted)
            require(batch.rows == Int(batch.through - batch.from + 1) && batch.rows <= 2)
            require(batch.from > before.released)  // everything sent is still in the log
            next.held[tier] = max(next.held[tier]!, batch.through)  // the tier applies it (idempotently)
            next.sending[tier] = batch
        case .confirmA, .confirmB:
            let tier = step.tier!
            guard let batch = next.sending[tier] else { return nil }
            next.sending[tier] = nil
            actions = next.cursors.confirmed(tier, through: batch.through)
            if before.cursors[tier]!.inFlight == batch.through {
                require(actions.first == .persistCursor(tier: tier, position: batch.through))
            } else {
                require(actions.isEmpty)  // the tier was marked for a rebuild meanwhile
            }
        case .failA, .failB:
            let tier = step.tier!
            guard next.sending[tier] != nil else { return nil }
            next.sending[tier] = nil
            next.cursors.failed(tier)
        case .rebuildA, .rebuildB:
            let tier = step.tier!
            guard before.cursors[tier]!.rebuildNeeded else { return nil }
            next.sending[tier] = nil
            next.held[tier] = before.accepted  // rebuilt from the system of record
            actions = next.cursors.rebuilt(tier, through: before.accepted) ?? []
            require(actions.first == .persistCursor(tier: tier, position: before.accepted))
        }
        check(before: before, after: next.cursors, actions: actions, step: step, held: next.held)
        return next
    }

    static func check(
        before: ReplicationCursors, after: ReplicationCursors, actions: [ReplicationCursors.Action], step: Step,
        held: [String: UInt64]
    ) {
        for tier in tiers {
            let b = before.cursors[tier]!
            let a = after.cursors[tier]!
            // The cursor never runs ahead of what the tier holds, nor of the log.
            require(a.applied <= held[tier]!)
            require(a.applied <= after.accepted)
            // It moves only on a confirmation (forwards) or a rebuild.
            if a.applied != b.applied {
                require(step.tier == tier)
                require(a.applied > b.applied || step == .rebuildA || step == .rebuildB)
                require(actions.contains(.persistCursor(tier: tier, position: a.applied)))
            }
            // Marked for a rebuild only by a commit over the limit, and said so.
            if a.rebuildNeeded && !b.rebuildNeeded {
                require(step == .commitSmall || step == .commitLarge)
                require(actions.contains(.markRebuildNeeded(tier: tier)))
                require(before.retainedBytes + (step == .commitSmall ? 1 : 3) > before.retentionLimitBytes)
            }
            // Never silently skipped: a tier not marked finds every entry it lacks in the log.
            if !a.rebuildNeeded { require(a.applied >= after.released) }
            let status = after.status(of: tier, now: Int64(after.accepted) + 10)!
            if !a.rebuildNeeded {
                require(status.backlogRows == Int(after.accepted - a.applied))
                require((status.oldestUnappliedAge != nil) == (a.applied < after.accepted))
            }
        }
        // The log holds exactly released+1 ... accepted, and its byte count matches.
        require(after.retained.map(\.position) == Array((after.released + 1)..<(after.accepted + 1)))
        require(after.retainedBytes == after.retained.reduce(0) { $0 + $1.bytes })
        require(after.released >= before.released)
        for action in actions {
            if case .release(let through) = action {
                require(through <= after.released)
                for tier in tiers where !after.cursors[tier]!.rebuildNeeded {
                    require(after.cursors[tier]!.applied >= through)
                }
            }
        }
    }

    /// A cheap check for the exhaustive search: records an issue only when false.
    static func require(_ condition: Bool, sourceLocation: SourceLocation = #_sourceLocation) {
        if !condition { Issue.record("invariant broken", sourceLocation: sourceLocation) }
    }

    @Test func everyStepSequenceKeepsTheInvariants() {
        let start = Node(
            cursors: ReplicationCursors(accepted: 0, retentionLimitBytes: 6, cursors: ["a": 0, "b": 0]),
            held: ["a": 0, "b": 0], sending: [:])
        var seen: Set<Node> = [start]
        var frontier = [start]
        var transitions = 0
        var rebuilds = 0
        for _ in 0..<9 {
            var next: [Node] = []
            for node in frontier {
                for step in Step.allCases {
                    guard let after = Self.apply(step, to: node) else { continue }
                    transitions += 1
                    if after.cursors.cursors.values.contains(where: \.rebuildNeeded) { rebuilds += 1 }
                    if seen.insert(after).inserted { next.append(after) }
                }
            }
            frontier = next
        }
        #expect(transitions > 5_000)
        #expect(rebuilds > 0)
    }

    @Test func randomLongRunsKeepTheInvariants() {
        for seed in UInt64(1)...30 {
            var random = SplitMix64(seed: seed)
            var node = Node(
                cursors: ReplicationCursors(accepted: 0, retentionLimitBytes: 40, cursors: ["a": 0, "b": 0]),
                held: ["a": 0, "b": 0], sending: [:])
            for _ in 0..<3_000 {
                let step = Step.allCases[Int.random(in: 0..<Step.allCases.count, using: &random)]
                if let after = Self.apply(step, to: node) { node = after }
            }
            #expect(node.cursors.accepted > 100)
        }
    }

    @Test func aLaggingTierIsMarkedAndTheOtherKeepsGoing() {
        var cursors = ReplicationCursors(accepted: 0, retentionLimitBytes: 100, cursors: ["redis": 0, "memory": 0])
        for i in 0..<5 { _ = cursors.commit(rows: 10, bytes: 20, at: Int64(i)) }
        #expect(cursors.retainedBytes == 100)
        let batch = cursors.nextBatch(for: "memory", maxRows: 1_000)!
        #expect(batch == .init(from: 1, through: 5, rows: 50, bytes: 100))
        #expect(cursors.nextBatch(for: "memory", maxRows: 1_000) == nil)  // one batch in flight
        #expect(
            cursors.confirmed("memory", through: 5) == [.persistCursor(tier: "memory", position: 5)])
        #expect(cursors.status(of: "redis", now: 10)!.backlogBytes == 100)
        #expect(cursors.status(of: "redis", now: 10)!.oldestUnappliedAge == 10)
        let actions = cursors.commit(rows: 1, bytes: 5, at: 6)
        #expect(actions == [.markRebuildNeeded(tier: "redis"), .release(through: 5)])
        #expect(cursors.nextBatch(for: "redis", maxRows: 10) == nil)
        #expect(cursors.status(of: "redis", now: 10)!.rebuildNeeded)
        #expect(cursors.rebuilt("redis", through: 2) == nil)  // entries 3...5 are gone
        #expect(cursors.rebuilt("redis", through: 6) == [.persistCursor(tier: "redis", position: 6)])
        #expect(cursors.nextBatch(for: "memory", maxRows: 10)?.from == 6)
    }

    @Test func aFailedBatchIsSentAgainAndALateConfirmationMovesNothing() {
        var cursors = ReplicationCursors(accepted: 3, retentionLimitBytes: 1_000, cursors: ["redis": 1])
        #expect(cursors.cursors["redis"]?.applied == 1)
        cursors.restore(.init(position: 1, rows: 1, bytes: 1, committedAt: 0))
        #expect(cursors.retained.count == 1)
        var fresh = ReplicationCursors(accepted: 0, retentionLimitBytes: 1_000, cursors: ["redis": 0])
        for i in 0..<3 { _ = fresh.commit(rows: 2, bytes: 2, at: Int64(i)) }
        let first = fresh.nextBatch(for: "redis", maxRows: 3)!
        #expect(first.from == 1 && first.through == 1)  // a second entry would pass 3 rows
        fresh.failed("redis")
        #expect(fresh.confirmed("redis", through: 1).isEmpty)  // no longer in flight
        #expect(fresh.nextBatch(for: "redis", maxRows: 3) == first)
        #expect(fresh.confirmed("redis", through: 2).isEmpty)  // not the batch in flight
        #expect(fresh.confirmed("redis", through: 1).count == 2)  // persist, release
        #expect(fresh.released == 1)
    }
}
