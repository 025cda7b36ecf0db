import StrataCore
import Synchronization

/// The quality rules applied to one table's commits, and what they remember per symbol.
///
/// ``observe(_:now:)`` runs on the write path (the table lock is held): per row a few integer
/// comparisons, one binary-search insert per price column, and nothing allocated unless a rule
/// fails. The calendar is consulted only when the wall time between two rows already exceeds
/// the gap interval.
final class TableQuality: Sendable {
    private struct State {
        var slots: [String: Int] = [:]
        var symbols: [String] = []
        var entries: [SymbolQuality] = []

        mutating func slot(of symbol: String, make: () -> SymbolQuality) -> Int {
            if let slot = slots[symbol] { return slot }
            slots[symbol] = entries.count
            symbols.append(symbol)
            entries.append(make())
            return entries.count - 1
        }
    }

    let profile: QualityProfile
    let settings: QualitySettings
    private let state = Mutex(State())

    /// Prices a window must hold before the band is checked.
    var minimumSamples: Int { min(8, settings.medianWindow) }

    init(profile: QualityProfile, settings: QualitySettings) {
        self.profile = profile
        self.settings = settings
    }

    private func makeEntry() -> SymbolQuality {
        SymbolQuality(priceColumns: profile.prices.count, window: settings.medianWindow)
    }

    /// Applies the row rules to one commit's rows (stored ones, and the duplicates it skipped).
    /// - Parameter now: the wall clock, nanoseconds (arrival time, and the findings budget).
    /// - Returns: the findings to write.
    func observe(_ commit: StoredCommit, now: Int64) -> [QualityFinding] {
        let batch = commit.batch
        let profile = profile
        let settings = settings
        let minimumSamples = minimumSamples
        let times = batch.columns[profile.timestampLane]
        var findings: [QualityFinding] = []
        state.withLock { state in
            var slots = [Int](repeating: -1, count: batch.symbols.count)
            var nextSkipped = 0
            for row in 0..<batch.count {
                let local = Int(batch.symbolIndex[row])
                if slots[local] < 0 { slots[local] = state.slot(of: batch.symbols[local], make: makeEntry) }
                let slot = slots[local]
                let skipped = nextSkipped < commit.skipped.count && commit.skipped[nextSkipped] == row
                if skipped { nextSkipped += 1 }
                let time = times[row]
                func fail(_ rule: QualityRule, _ value: ExactAmount, _ detail: () -> String) {
                    findings.append(
                        QualityFinding(
                            rule: rule, table: profile.table, symbol: Symbol(unchecked: batch.symbols[local]),
                            time: Timestamp(nanoseconds: time), value: value, detail: detail()))
                }
                if let key = profile.key {
                    let value = batch.columns[key.lane][row]
                    let duplicate =
                        skipped
                        || (key.lastWins && state.entries[slot].remember(key: value, window: settings.duplicateWindow))
                    if state.entries[slot].count(
                        .duplicate, failed: duplicate, now: now, budget: settings.maxFindingsPerMinute)
                    {
                        fail(.duplicate, ExactAmount(mantissa: Int128(value), scale: 0)) {
                            skipped
                                ? "key \(value) is already stored: the row was dropped"
                                : "key \(value) was written again within the last \(settings.duplicateWindow) keys"
                        }
                    }
                }
                if skipped { continue }
                state.entries[slot].lastSeen = now
                state.entries[slot].stale = false
                let newest = state.entries[slot].newest
                if newest != .min {
                    let behind = newest &- time
                    if state.entries[slot].count(
                        .backwards, failed: behind > settings.reorderToleranceNanoseconds, now: now,
                        budget: settings.maxFindingsPerMinute)
                    {
                        fail(.backwards, Self.seconds(behind)) {
                            "\(Self.seconds(behind)) s before the newest row of the symbol (\(Timestamp(nanoseconds: newest).iso8601))"
                        }
                    }
                    var trading: Int64 = 0
                    if time > newest && time &- newest > settings.gapNanoseconds {
                        trading = settings.calendar.tradingNanoseconds(
                            from: newest, to: time, cap: Self.longestMeasured)
                    }
                    if state.entries[slot].count(
                        .gap, failed: trading > settings.gapNanoseconds, now: now,
                        budget: settings.maxFindingsPerMinute)
                    {
                        fail(.gap, Self.seconds(trading)) {
                            "no row for \(Self.seconds(trading)) s of trading time since \(Timestamp(nanoseconds: newest).iso8601)"
                        }
                    }
                }
                state.entries[slot].newest = max(newest, time)
                for (index, column) in profile.prices.enumerated() {
                    let price = batch.columns[column.lane][row]
                    guard price > 0 else { continue }
                    if state.entries[slot].prices[index].count >= minimumSamples {
                        let window = state.entries[slot].prices[index]
                        let deviates = window.deviates(price, basisPoints: settings.priceBandBasisPoints)
                        if state.entries[slot].count(
                            .priceJump, failed: deviates, now: now, budget: settings.maxFindingsPerMinute)
                        {
                            fail(.priceJump, ExactAmount(mantissa: Int128(price), scale: column.scale)) {
                                Self.jumpDetail(price: price, column: column, window: window, settings: settings)
                            }
                        }
                    }
                    state.entries[slot].prices[index].add(price)
                }
                if let crossed = profile.crossed {
                    let (bid, ask) = crossed
                    let bidPrice = batch.columns[bid.lane][row]
                    let askPrice = batch.columns[ask.lane][row]
                    if bidPrice > 0 && askPrice > 0,
                        state.entries[slot].count(
                            .crossed,
                            failed: Int128(bidPrice) * Self.power(ask.scale) >= Int128(askPrice)
                                * Self.power(bid.scale),
                            now: now, budget: settings.maxFindingsPerMinute)
                    {
                        fail(.crossed, ExactAmount(mantissa: Int128(bidPrice), scale: bid.scale)) {
                            "bid \(ExactDecimal.format(Int128(bidPrice), scale: bid.scale)) >= ask \(ExactDecimal.format(Int128(askPrice), scale: ask.scale))"
                        }
                    }
                }
            }
        }
        return findings
    }

    /// Counts the stale rule of every symbol seen since the store opened (once a minute per
    /// symbol at most), and finds the symbols silent for longer than the stale interval of
    /// trading time (one finding per silence).
    func checkStale(now: Int64) -> [QualityFinding] {
        let settings = settings
        var findings: [QualityFinding] = []
        state.withLock { state in
            for slot in state.entries.indices {
                let lastSeen = state.entries[slot].lastSeen
                guard lastSeen != .min, now >= lastSeen,
                    state.entries[slot].lastStaleCheck == .min
                        || now - state.entries[slot].lastStaleCheck >= 60_000_000_000
                else { continue }
                state.entries[slot].lastStaleCheck = now
                let silence = settings.calendar.tradingNanoseconds(from: lastSeen, to: now, cap: Self.longestMeasured)
                let stale = silence > settings.staleNanoseconds
                let wasStale = state.entries[slot].stale
                state.entries[slot].stale = stale
                let budget = wasStale ? 0 : settings.maxFindingsPerMinute
                if state.entries[slot].count(.stale, failed: stale, now: now, budget: budget) {
                    findings.append(
                        QualityFinding(
                            rule: .stale, table: profile.table, symbol: Symbol(unchecked: state.symbols[slot]),
                            time: Timestamp(nanoseconds: now), value: Self.seconds(silence),
                            detail:
                                "no row for \(Self.seconds(silence)) s of trading time since \(Timestamp(nanoseconds: lastSeen).iso8601)"
                        ))
                } else if stale && wasStale {
                    // Counted as failed, with no second finding for the same silence.
                    state.entries[slot].counts[QualityRule.stale.index].suppressed -= 1
                }
            }
        }
        return findings
    }

    /// Every symbol's counts, sorted by symbol.
    func counts() -> [(symbol: String, counts: [QualityCount])] {
        state.withLock { state in
            state.symbols.indices.map { (state.symbols[$0], state.entries[$0].counts) }
        }.sorted { $0.symbol < $1.symbol }
    }

    /// Adds counts saved by an earlier run.
    func restore(symbol: String, rule: QualityRule, count: QualityCount) {
        state.withLock { state in
            let slot = state.slot(of: symbol, make: makeEntry)
            state.entries[slot].counts[rule.index] = state.entries[slot].counts[rule.index] + count
        }
    }

    // MARK: - Values

    /// The longest trading time a gap or silence is measured to (a year): the calendar's loop stays short.
    static let longestMeasured: Int64 = 366 * 86_400 * 1_000_000_000

    /// Nanoseconds as exact seconds.
    static func seconds(_ nanoseconds: Int64) -> ExactAmount {
        ExactAmount(mantissa: Int128(nanoseconds), scale: 9)
    }

    static func power(_ exponent: Int) -> Int128 {
        var value: Int128 = 1
        for _ in 0..<exponent { value *= 10 }
        return value
    }

    static func jumpDetail(
        price: Int64, column: QualityProfile.PriceLane, window: PriceWindow, settings: QualitySettings
    ) -> String {
        let doubled = window.doubledMedian
        let distance = (Int128(price) * 2 - doubled).magnitude
        let basisPoints = Int128(distance * 10_000 / doubled.magnitude)
        return "\(column.name) \(ExactDecimal.format(Int128(price), scale: column.scale)) is "
            + "\(ExactDecimal.format(basisPoints, scale: 2))% from the median "
            + "\(ExactDecimal.format(doubled * 5, scale: column.scale + 1)) of the last \(window.count) "
            + "(band \(ExactDecimal.format(Int128(settings.priceBandBasisPoints), scale: 2))%)"
    }
}
