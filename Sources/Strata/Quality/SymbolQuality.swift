/// How many times a rule was checked, failed, and how many of its failures were counted without
/// a finding (over the per-minute budget).
public struct QualityCount: Sendable, Hashable {
    public var checked = 0
    public var failed = 0
    /// Failures beyond ``QualitySettings/maxFindingsPerMinute``: counted, not written.
    public var suppressed = 0
    public var passed: Int { checked - failed }

    public init(checked: Int = 0, failed: Int = 0, suppressed: Int = 0) {
        self.checked = checked
        self.failed = failed
        self.suppressed = suppressed
    }

    static func + (lhs: Self, rhs: Self) -> Self {
        QualityCount(
            checked: lhs.checked + rhs.checked, failed: lhs.failed + rhs.failed,
            suppressed: lhs.suppressed + rhs.suppressed)
    }
}

/// What the monitor remembers of one symbol of one table: its counts, and what the next rows
/// are judged against.
struct SymbolQuality: Sendable {
    /// Per rule (``QualityRule/allCases`` order).
    var counts = [QualityCount](repeating: QualityCount(), count: QualityRule.allCases.count)
    /// Per rule: the wall-clock minute of the findings budget and the findings written in it.
    var budget = [(minute: Int64, used: Int)](repeating: (.min, 0), count: QualityRule.allCases.count)
    /// One window per price column of the table.
    var prices: [PriceWindow]
    /// The newest row time seen (`.min`: none yet).
    var newest = Int64.min
    /// When the last row arrived, by the wall clock (`.min`: none since the store opened).
    var lastSeen = Int64.min
    /// When the stale rule was last counted (at most once a minute).
    var lastStaleCheck = Int64.min
    /// The symbol is stale now (one finding per silence).
    var stale = false
    /// Recent keys of a last-wins table (a ring and a set).
    var keys: Set<Int64> = []
    var keyRing: [Int64] = []
    var keyNext = 0

    init(priceColumns: Int, window: Int) {
        prices = Array(repeating: PriceWindow(capacity: window), count: priceColumns)
    }

    /// Remembers `key`; returns whether it was already among the last `window` keys.
    mutating func remember(key: Int64, window: Int) -> Bool {
        guard window > 0 else { return false }
        if keys.contains(key) { return true }
        if keyRing.count < window {
            keyRing.append(key)
        } else {
            keys.remove(keyRing[keyNext])
            keyRing[keyNext] = key
            keyNext = (keyNext + 1) % window
        }
        keys.insert(key)
        return false
    }

    /// Counts one check of `rule`; for a failure, whether a finding may be written (the minute's
    /// budget), else counts it as suppressed.
    mutating func count(_ rule: QualityRule, failed: Bool, now: Int64, budget limit: Int) -> Bool {
        let index = rule.index
        counts[index].checked += 1
        guard failed else { return false }
        counts[index].failed += 1
        let minute = floorDivide(now, 60_000_000_000)
        if budget[index].minute != minute { budget[index] = (minute, 0) }
        guard budget[index].used < limit else {
            counts[index].suppressed += 1
            return false
        }
        budget[index].used += 1
        return true
    }
}

extension QualityRule {
    /// The rule's place in ``allCases``.
    var index: Int {
        switch self {
        case .priceJump: 0
        case .backwards: 1
        case .gap: 2
        case .stale: 3
        case .duplicate: 4
        case .crossed: 5
        }
    }
}
