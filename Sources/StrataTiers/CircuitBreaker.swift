/// A circuit breaker for one tier, as a value state machine: it is told events (a call is
/// requested, a call succeeded or failed, time passed) and returns what to do (allow the call,
/// make it the probe, reject it with a retry-after). It does no I/O and reads no clock: every
/// event carries `now` (monotonic nanoseconds, from the caller's clock), and the jitter of its
/// backoff comes from a random source the caller passes in.
///
/// - **closed**: calls are allowed. It opens after `failureThreshold` consecutive failures, or
///   when the failures among the last `windowSize` outcomes (at least `minimumCalls` of them)
///   reach `failureRatePercent`.
/// - **open** until `retryAt`: every call is rejected with the time left. The delay of the n-th
///   consecutive opening is `min(maximumBackoff, baseBackoff × 2ⁿ)` with "equal jitter": half of
///   it fixed, the other half drawn from the random source, so it lies in [delay/2, delay].
/// - **half-open** once `retryAt` passed: exactly one call is let through as the probe; every
///   other call is rejected until the probe's outcome. A successful probe closes the breaker (and
///   resets its window and backoff); a failed one (or a probe that reports nothing within
///   `probeTimeout`) opens it again with the next, longer delay.
///
/// Outcomes of calls allowed before the breaker opened (stale outcomes) change nothing while it
/// is open or half-open: only the probe's outcome decides.
///
/// ```swift
/// var breaker = CircuitBreaker(configuration: .init())
/// var random = SplitMix64(seed: 1)
/// switch breaker.handle(.callRequested, now: clock.now, using: &random) {
/// case .allow, .probe(let kind): …  // call the tier, then report .succeeded(kind) or .failed(kind)
/// case .reject(let retryAfter): …   // do not call; try again in retryAfter nanoseconds
/// case .none: break
/// }
/// ```
public struct CircuitBreaker: Sendable, Hashable {
    /// The breaker's thresholds and delays (times in nanoseconds).
    public struct Configuration: Sendable, Hashable {
        /// Consecutive failures that open a closed breaker.
        public var failureThreshold: Int
        /// Outcomes remembered for the failure rate.
        public var windowSize: Int
        /// Outcomes needed in the window before the rate can open the breaker.
        public var minimumCalls: Int
        /// Failures among the window's outcomes, in percent, that open the breaker.
        public var failureRatePercent: Int
        /// The delay of the first opening.
        public var baseBackoff: Int64
        /// The longest delay.
        public var maximumBackoff: Int64
        /// How long a probe may go unreported before it counts as failed.
        public var probeTimeout: Int64

        public init(
            failureThreshold: Int = 5, windowSize: Int = 20, minimumCalls: Int = 10, failureRatePercent: Int = 50,
            baseBackoff: Int64 = 100_000_000, maximumBackoff: Int64 = 30_000_000_000,
            probeTimeout: Int64 = 10_000_000_000
        ) {
            self.failureThreshold = failureThreshold
            self.windowSize = windowSize
            self.minimumCalls = minimumCalls
            self.failureRatePercent = failureRatePercent
            self.baseBackoff = baseBackoff
            self.maximumBackoff = maximumBackoff
            self.probeTimeout = probeTimeout
        }

        /// Checks the values, naming the first bad one.
        /// - Throws: ``CircuitBreakerConfigurationError``.
        public func validated() throws(CircuitBreakerConfigurationError) -> Configuration {
            func check(_ ok: Bool, _ field: String, _ value: some BinaryInteger, _ rule: String)
                throws(CircuitBreakerConfigurationError)
            {
                if !ok { throw CircuitBreakerConfigurationError(field: field, value: Int64(value), rule: rule) }
            }
            try check(failureThreshold >= 1, "failureThreshold", failureThreshold, "at least 1")
            try check(windowSize >= 1 && windowSize <= 64, "windowSize", windowSize, "between 1 and 64")
            try check(
                minimumCalls >= 1 && minimumCalls <= windowSize, "minimumCalls", minimumCalls,
                "between 1 and windowSize")
            try check(
                failureRatePercent >= 1 && failureRatePercent <= 100, "failureRatePercent", failureRatePercent,
                "between 1 and 100")
            try check(baseBackoff >= 1, "baseBackoff", baseBackoff, "at least 1 ns")
            try check(maximumBackoff >= baseBackoff, "maximumBackoff", maximumBackoff, "at least baseBackoff")
            try check(probeTimeout >= 1, "probeTimeout", probeTimeout, "at least 1 ns")
            return self
        }
    }

    /// Whether a call is an ordinary one or the half-open breaker's probe.
    public enum CallKind: Sendable, Hashable {
        case normal
        case probe
    }

    /// What the breaker is told.
    public enum Event: Sendable, Hashable {
        /// Someone wants to call the tier.
        case callRequested
        /// A call returned successfully.
        case succeeded(CallKind)
        /// A call failed.
        case failed(CallKind)
        /// Time passed (a timer fired).
        case timePassed
    }

    /// What the caller must do.
    public enum Action: Sendable, Hashable {
        /// Make the call (closed breaker); report its outcome as `.normal`.
        case allow
        /// Make the call as the only probe; report its outcome as `.probe`.
        case probe
        /// Do not call; the breaker will let a probe through in `retryAfter` nanoseconds (or, when
        /// a probe is in flight, when it reports).
        case reject(retryAfter: Int64)
        /// Nothing to do (an outcome or a tick was recorded).
        case none
    }

    /// The breaker's state.
    public enum State: Sendable, Hashable {
        case closed
        /// Rejecting calls until `retryAt`.
        case open(retryAt: Int64)
        /// Waiting for a probe (`probeStartedAt` is `nil` until one was let through).
        case halfOpen(probeStartedAt: Int64?)
    }

    public let configuration: Configuration
    public private(set) var state: State = .closed
    /// Consecutive failures while closed.
    public private(set) var consecutiveFailures = 0
    /// The window of recent outcomes: bit i is 1 for a failure (bit 0 the newest), `windowCount` valid.
    public private(set) var windowBits: UInt64 = 0
    public private(set) var windowCount = 0
    /// Consecutive openings without a successful probe (the backoff exponent).
    public private(set) var openings = 0
    /// Times the breaker opened, over its life (metrics).
    public private(set) var timesOpened = 0
    /// Calls rejected, over its life (metrics).
    public private(set) var rejectedCalls = 0
    /// The delay of the current opening, as drawn (for health).
    public private(set) var currentBackoff: Int64 = 0

    /// A breaker with `configuration` (checked: see ``Configuration/validated()``).
    /// - Throws: ``CircuitBreakerConfigurationError`` naming the bad field.
    public init(configuration: Configuration) throws(CircuitBreakerConfigurationError) {
        self.configuration = try configuration.validated()
    }

    /// Failures among the window's outcomes.
    public var windowFailures: Int { windowBits.nonzeroBitCount }

    /// The nominal (unjittered) delay of opening number `opening` (0-based).
    public func nominalBackoff(opening: Int) -> Int64 {
        let base = configuration.baseBackoff
        var delay = base
        for _ in 0..<min(opening, 62) {
            if delay >= configuration.maximumBackoff / 2 { return configuration.maximumBackoff }
            delay *= 2
        }
        return min(delay, configuration.maximumBackoff)
    }

    /// Handles one event at `now` (monotonic nanoseconds) and returns what to do.
    public mutating func handle<R: RandomNumberGenerator>(_ event: Event, now: Int64, using random: inout R) -> Action {
        expireProbe(now: now, using: &random)
        switch event {
        case .callRequested: return request(now: now)
        case .succeeded(let kind):
            succeed(kind)
            return .none
        case .failed(let kind):
            fail(kind, now: now, using: &random)
            return .none
        case .timePassed:
            if case .open(let retryAt) = state, now >= retryAt { state = .halfOpen(probeStartedAt: nil) }
            return .none
        }
    }

    private mutating func request(now: Int64) -> Action {
        switch state {
        case .closed: return .allow
        case .open(let retryAt):
            guard now >= retryAt else {
                rejectedCalls += 1
                return .reject(retryAfter: retryAt - now)
            }
            state = .halfOpen(probeStartedAt: now)
            return .probe
        case .halfOpen(let startedAt):
            guard let startedAt else {
                state = .halfOpen(probeStartedAt: now)
                return .probe
            }
            rejectedCalls += 1
            return .reject(retryAfter: max(1, startedAt + configuration.probeTimeout - now))
        }
    }

    private mutating func succeed(_ kind: CallKind) {
        switch (state, kind) {
        case (.closed, _):
            consecutiveFailures = 0
            record(failure: false)
        case (.halfOpen(let startedAt?), .probe):
            _ = startedAt
            close()
        default: break  // a stale outcome: only the probe decides
        }
    }

    private mutating func fail<R: RandomNumberGenerator>(_ kind: CallKind, now: Int64, using random: inout R) {
        switch (state, kind) {
        case (.closed, _):
            consecutiveFailures += 1
            record(failure: true)
            let c = configuration
            let rateReached =
                windowCount >= c.minimumCalls && windowFailures * 100 >= c.failureRatePercent * windowCount
            if consecutiveFailures >= c.failureThreshold || rateReached { open(now: now, using: &random) }
        case (.halfOpen(_?), .probe):
            open(now: now, using: &random)
        default: break
        }
    }

    /// A probe that reported nothing within `probeTimeout` counts as failed.
    private mutating func expireProbe<R: RandomNumberGenerator>(now: Int64, using random: inout R) {
        if case .halfOpen(let startedAt?) = state, now - startedAt >= configuration.probeTimeout {
            open(now: now, using: &random)
        }
    }

    private mutating func record(failure: Bool) {
        let size = configuration.windowSize
        let mask: UInt64 = size == 64 ? ~0 : (1 << UInt64(size)) - 1
        windowBits = ((windowBits << 1) | (failure ? 1 : 0)) & mask
        windowCount = min(size, windowCount + 1)
    }

    private mutating func open<R: RandomNumberGenerator>(now: Int64, using random: inout R) {
        let delay = nominalBackoff(opening: openings)
        let half = delay / 2
        // One draw, scaled onto 0...(delay - half) by a multiply-high (no rejection loop: a
        // random source that repeats a word cannot stall it).
        let span = UInt64(delay - half) + 1
        let jitter = Int64(random.next().multipliedFullWidth(by: span).high)
        currentBackoff = half + jitter
        state = .open(retryAt: now + currentBackoff)
        openings += 1
        timesOpened += 1
        consecutiveFailures = 0
    }

    private mutating func close() {
        state = .closed
        openings = 0
        consecutiveFailures = 0
        windowBits = 0
        windowCount = 0
        currentBackoff = 0
    }

    /// The state for health and metrics.
    public func snapshot(now: Int64) -> CircuitBreakerSnapshot {
        var snapshot = CircuitBreakerSnapshot(
            state: .closed, consecutiveFailures: consecutiveFailures, windowFailures: windowFailures,
            windowCalls: windowCount, timesOpened: timesOpened, rejectedCalls: rejectedCalls,
            currentBackoff: currentBackoff, retryAfter: nil)
        switch state {
        case .closed: break
        case .open(let retryAt):
            snapshot.state = .open
            snapshot.retryAfter = max(0, retryAt - now)
        case .halfOpen: snapshot.state = .halfOpen
        }
        return snapshot
    }
}

/// A circuit breaker's state as health and metrics show it.
public struct CircuitBreakerSnapshot: Sendable, Hashable, Codable {
    public enum State: String, Sendable, Hashable, Codable {
        case closed
        case open
        case halfOpen = "half-open"

        /// The metrics gauge value: 0 closed, 1 open, 2 half-open.
        public var gauge: Int {
            switch self {
            case .closed: 0
            case .open: 1
            case .halfOpen: 2
            }
        }
    }

    public var state: State
    public var consecutiveFailures: Int
    public var windowFailures: Int
    public var windowCalls: Int
    public var timesOpened: Int
    public var rejectedCalls: Int
    /// The delay of the current opening, in nanoseconds (0 when closed).
    public var currentBackoff: Int64
    /// When open: nanoseconds until a probe may be let through.
    public var retryAfter: Int64?
}

/// A circuit breaker configuration value that is out of range.
public struct CircuitBreakerConfigurationError: Error, Sendable, Hashable, CustomStringConvertible {
    public var field: String
    public var value: Int64
    public var rule: String

    public init(field: String, value: Int64, rule: String) {
        self.field = field
        self.value = value
        self.rule = rule
    }

    public var description: String { "circuit breaker: \(field) = \(value) must be \(rule)" }
}
