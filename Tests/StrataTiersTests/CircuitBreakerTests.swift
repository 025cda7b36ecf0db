import StrataCore
import StrataTiers
import Testing

/// A random source that always draws the same word: `0` gives the shortest jittered delay,
/// `UInt64.max` the longest.
private struct ConstantRandom: RandomNumberGenerator {
    var word: UInt64
    mutating func next() -> UInt64 { word }
}

@Suite struct CircuitBreakerTests {
    static let small = CircuitBreaker.Configuration(
        failureThreshold: 3, windowSize: 4, minimumCalls: 3, failureRatePercent: 50, baseBackoff: 100,
        maximumBackoff: 800, probeTimeout: 1_000)

    static let events: [CircuitBreaker.Event] = [
        .callRequested, .succeeded(.normal), .failed(.normal), .succeeded(.probe), .failed(.probe), .timePassed,
    ]
    static let steps: [Int64] = [0, 60, 1_000]

    private struct Node {
        var breaker: CircuitBreaker
        var now: Int64
        /// Probes handed out whose outcome was not reported yet (from the caller's side).
        var probesOutstanding: Int

        /// What decides the breaker's future: its state with times relative to `now` (it only
        /// compares differences), without the lifetime counters.
        var key: [Int64] {
            let b = breaker
            var key: [Int64] = [
                Int64(b.consecutiveFailures), Int64(b.windowBits), Int64(b.windowCount), Int64(b.openings),
                b.currentBackoff, Int64(probesOutstanding),
            ]
            switch b.state {
            case .closed: key += [0]
            case .open(let retryAt): key += [1, max(-1, retryAt - now)]
            case .halfOpen(let startedAt): key += [2, startedAt.map { now - $0 } ?? -1]
            }
            return key
        }
    }

    /// Every event at every time step from every reachable state, breadth first to `depth`, with
    /// the invariants checked on each transition.
    @Test(arguments: [UInt64(0), UInt64.max])
    func exhaustiveTransitionsKeepTheInvariants(randomWord: UInt64) throws {
        let depth = 12
        var random = ConstantRandom(word: randomWord)
        let start = Node(breaker: try CircuitBreaker(configuration: Self.small), now: 0, probesOutstanding: 0)
        var seen: Set<[Int64]> = [start.key]
        var frontier = [start]
        var transitions = 0
        var statesVisited: Set<String> = []
        for _ in 0..<depth {
            var next: [Node] = []
            for node in frontier {
                for step in Self.steps {
                    for event in Self.events {
                        var after = node
                        after.now += step
                        let action = after.breaker.handle(event, now: after.now, using: &random)
                        transitions += 1
                        checkInvariants(before: node, after: &after, event: event, action: action)
                        statesVisited.insert("\(after.breaker.state)".prefix(6).description)
                        if seen.insert(after.key).inserted { next.append(after) }
                    }
                }
            }
            frontier = next
        }
        #expect(transitions > 2_000)
        #expect(seen.count > 100)
        #expect(statesVisited.count == 3)  // closed, open, halfOp(en)
    }

    private func checkInvariants(
        before: Node, after: inout Node, event: CircuitBreaker.Event, action: CircuitBreaker.Action
    ) {
        let b = before.breaker
        let a = after.breaker
        let now = after.now
        let config = Self.small
        // Only a closed breaker allows ordinary calls.
        if action == .allow { require(b.state == .closed && a.state == .closed) }
        // An open breaker before its time never lets anything through.
        if case .open(let retryAt) = b.state, now < retryAt {
            require(action != .allow && action != .probe)
            if event == .callRequested { require(action == .reject(retryAfter: retryAt - now)) }
        }
        // A probe is handed out only when none is outstanding, and the breaker then waits for it.
        if action == .probe {
            require(after.probesOutstanding == 0 || probeExpired(before, now: now))
            require(a.state == .halfOpen(probeStartedAt: now))
            after.probesOutstanding = 1
        }
        if case .succeeded(.probe) = event { after.probesOutstanding = 0 }
        if case .failed(.probe) = event { after.probesOutstanding = 0 }
        if case .halfOpen(let startedAt) = a.state, startedAt == nil { after.probesOutstanding = 0 }
        if case .open = a.state { after.probesOutstanding = 0 }
        require(after.probesOutstanding <= 1)
        // Rejections always say when to come back, and never later than the longest delay.
        if case .reject(let retryAfter) = action {
            require(retryAfter > 0)
            require(retryAfter <= max(config.maximumBackoff, config.probeTimeout))
            require(event == .callRequested)
        }
        // Only a successful probe closes a breaker that was not closed.
        if b.state != .closed && a.state == .closed {
            require(event == .succeeded(.probe))
            if case .halfOpen(let startedAt) = b.state {
                require(startedAt != nil)
            } else {
                Issue.record("closed from \(b.state)")
            }
            require(a.openings == 0 && a.windowCount == 0)
        }
        // Opening: the delay is the nominal one, jittered into [nominal/2, nominal], bounded, and
        // the nominal delays grow with consecutive openings.
        if a.timesOpened > b.timesOpened {
            require(a.timesOpened == b.timesOpened + 1)
            let nominal = a.nominalBackoff(opening: a.openings - 1)
            require(a.currentBackoff >= nominal / 2 && a.currentBackoff <= nominal)
            require(nominal <= config.maximumBackoff)
            if a.openings >= 2 { require(nominal >= a.nominalBackoff(opening: a.openings - 2)) }
            require(a.state == .open(retryAt: now + a.currentBackoff))
            let fromClosed = b.state == .closed
            if fromClosed {
                require(event == .failed(.normal) || event == .failed(.probe))
                require(
                    b.consecutiveFailures + 1 >= config.failureThreshold
                        || (a.windowCount >= config.minimumCalls
                            && a.windowFailures * 100 >= config.failureRatePercent * a.windowCount)
                )
            } else {
                require(event == .failed(.probe) || probeExpired(before, now: now))
                require(a.openings == b.openings + 1)
            }
        } else {
            require(a.openings == b.openings || a.state == .closed)
        }
        // Closed to anything else only by opening.
        if b.state == .closed && a.state != .closed { require(a.timesOpened == b.timesOpened + 1) }
        // Stale outcomes while open change nothing.
        if case .open(let retryAt) = b.state, now < retryAt, event != .callRequested, event != .timePassed {
            require(a == b)
        }
        require(a.consecutiveFailures < config.failureThreshold)
        require(a.windowCount <= config.windowSize && a.windowFailures <= a.windowCount)
    }

    /// A cheap check for the exhaustive search (millions of calls): records an issue only when false.
    private func require(_ condition: Bool, sourceLocation: SourceLocation = #_sourceLocation) {
        if !condition { Issue.record("invariant broken", sourceLocation: sourceLocation) }
    }

    private func probeExpired(_ node: Node, now: Int64) -> Bool {
        if case .halfOpen(let startedAt?) = node.breaker.state { return now - startedAt >= Self.small.probeTimeout }
        return false
    }

    @Test func opensAfterConsecutiveFailuresAndRejectsUntilTheBackoffPasses() throws {
        var breaker = try CircuitBreaker(configuration: Self.small)
        var random = ConstantRandom(word: 0)
        for i in 0..<2 {
            #expect(breaker.handle(.callRequested, now: Int64(i), using: &random) == .allow)
            _ = breaker.handle(.failed(.normal), now: Int64(i), using: &random)
            #expect(breaker.state == .closed)
        }
        _ = breaker.handle(.failed(.normal), now: 10, using: &random)
        #expect(breaker.state == .open(retryAt: 60))  // 100 nominal, jitter drawn at its lowest: 50
        #expect(breaker.handle(.callRequested, now: 20, using: &random) == .reject(retryAfter: 40))
        #expect(breaker.snapshot(now: 20).state == .open)
        #expect(breaker.snapshot(now: 20).retryAfter == 40)
        #expect(breaker.handle(.callRequested, now: 60, using: &random) == .probe)
        #expect(breaker.handle(.callRequested, now: 61, using: &random) == .reject(retryAfter: 999))
        _ = breaker.handle(.succeeded(.normal), now: 62, using: &random)  // stale: not the probe
        #expect(breaker.state == .halfOpen(probeStartedAt: 60))
        _ = breaker.handle(.succeeded(.probe), now: 63, using: &random)
        #expect(breaker.state == .closed)
        #expect(breaker.handle(.callRequested, now: 64, using: &random) == .allow)
        #expect(breaker.snapshot(now: 64).timesOpened == 1)
        #expect(breaker.snapshot(now: 64).rejectedCalls == 2)
    }

    @Test func failedProbesDoubleTheDelayUpToTheMaximum() throws {
        var breaker = try CircuitBreaker(configuration: Self.small)
        var random = ConstantRandom(word: .max)
        var now: Int64 = 0
        for _ in 0..<3 { _ = breaker.handle(.failed(.normal), now: now, using: &random) }
        var delays: [Int64] = []
        for _ in 0..<6 {
            delays.append(breaker.currentBackoff)
            guard case .open(let retryAt) = breaker.state else {
                Issue.record("not open: \(breaker.state)")
                return
            }
            now = retryAt
            #expect(breaker.handle(.callRequested, now: now, using: &random) == .probe)
            _ = breaker.handle(.failed(.probe), now: now, using: &random)
        }
        #expect(delays == [100, 200, 400, 800, 800, 800])
    }

    @Test func theFailureRateOpensWithoutConsecutiveFailures() throws {
        var config = Self.small
        config.failureThreshold = 10
        config.windowSize = 10
        config.minimumCalls = 4
        config.failureRatePercent = 50
        var breaker = try CircuitBreaker(configuration: config)
        var random = SplitMix64(seed: 7)
        // success, failure, success, failure: 2 of 4 = 50 %.
        for (i, failed) in [false, true, false].enumerated() {
            _ = breaker.handle(failed ? .failed(.normal) : .succeeded(.normal), now: Int64(i), using: &random)
        }
        #expect(breaker.state == .closed)
        _ = breaker.handle(.failed(.normal), now: 3, using: &random)
        guard case .open(let retryAt) = breaker.state else {
            Issue.record("not open: \(breaker.state)")
            return
        }
        #expect(retryAt >= 3 + 50 && retryAt <= 3 + 100)
    }

    @Test func anUnreportedProbeTimesOutAndReopens() throws {
        var breaker = try CircuitBreaker(configuration: Self.small)
        var random = ConstantRandom(word: 0)
        for _ in 0..<3 { _ = breaker.handle(.failed(.normal), now: 0, using: &random) }
        _ = breaker.handle(.timePassed, now: 50, using: &random)
        #expect(breaker.state == .halfOpen(probeStartedAt: nil))
        #expect(breaker.handle(.callRequested, now: 50, using: &random) == .probe)
        _ = breaker.handle(.timePassed, now: 1_050, using: &random)
        #expect(breaker.state == .open(retryAt: 1_050 + 100))  // second opening: 200 nominal, 100 drawn
        #expect(breaker.openings == 2)
    }

    @Test func badConfigurationsNameTheField() {
        var config = CircuitBreaker.Configuration()
        config.windowSize = 65
        #expect(throws: CircuitBreakerConfigurationError(field: "windowSize", value: 65, rule: "between 1 and 64")) {
            try CircuitBreaker(configuration: config)
        }
        config = .init(baseBackoff: 10, maximumBackoff: 5)
        #expect(throws: CircuitBreakerConfigurationError.self) { try CircuitBreaker(configuration: config) }
        config = .init(failureThreshold: 0)
        #expect(throws: CircuitBreakerConfigurationError.self) { try CircuitBreaker(configuration: config) }
    }

    @Test func randomLongRunsKeepTheInvariants() throws {
        for seed in UInt64(1)...50 {
            var random = SplitMix64(seed: seed)
            var node = Node(breaker: try CircuitBreaker(configuration: Self.small), now: 0, probesOutstanding: 0)
            for _ in 0..<2_000 {
                let event = Self.events[Int.random(in: 0..<Self.events.count, using: &random)]
                var after = node
                after.now += Int64.random(in: 0...300, using: &random)
                let action = after.breaker.handle(event, now: after.now, using: &random)
                checkInvariants(before: node, after: &after, event: event, action: action)
                node = after
            }
        }
    }
}
