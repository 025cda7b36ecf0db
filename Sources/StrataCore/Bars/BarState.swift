/// An OHLCV accumulator for one bucket, exact and independent of arrival order.
///
/// Open and close are chosen by (time, trade id): the open is the trade with the smallest key,
/// the close the one with the largest, so adding trades in any order — or merging two partial
/// bars of the same bucket — gives the same bar. Sums are `Int128`, so they never overflow in
/// practice. `count == 0` marks an empty bucket.
package struct BarState: Sendable, Equatable {
    package var start: Int64
    package var open: Int64 = 0
    package var high: Int64 = 0
    package var low: Int64 = 0
    package var close: Int64 = 0
    package var volume: Int128 = 0
    package var notional: Int128 = 0
    package var count: Int64 = 0
    package var openTime: Int64 = 0
    package var openID: Int64 = 0
    package var closeTime: Int64 = 0
    package var closeID: Int64 = 0

    package init(start: Int64) { self.start = start }

    package var isEmpty: Bool { count == 0 }

    /// Adds one trade.
    @inline(__always)
    package mutating func add(time: Int64, id: Int64, price: Int64, quantity: Int64) {
        if count == 0 {
            open = price
            high = price
            low = price
            close = price
            openTime = time
            openID = id
            closeTime = time
            closeID = id
        } else {
            if price > high { high = price }
            if price < low { low = price }
            if time < openTime || (time == openTime && id < openID) {
                open = price
                openTime = time
                openID = id
            }
            if time > closeTime || (time == closeTime && id >= closeID) {
                close = price
                closeTime = time
                closeID = id
            }
        }
        volume &+= Int128(quantity)
        notional &+= Int128(price) &* Int128(quantity)
        count &+= 1
    }

    /// Folds another bar of the same (or a finer, contained) bucket into this one.
    package mutating func merge(_ other: BarState) {
        guard other.count > 0 else { return }
        guard count > 0 else {
            let start = self.start
            self = other
            self.start = start
            return
        }
        if other.high > high { high = other.high }
        if other.low < low { low = other.low }
        if other.openTime < openTime || (other.openTime == openTime && other.openID < openID) {
            open = other.open
            openTime = other.openTime
            openID = other.openID
        }
        if other.closeTime > closeTime || (other.closeTime == closeTime && other.closeID >= closeID) {
            close = other.close
            closeTime = other.closeTime
            closeID = other.closeID
        }
        volume &+= other.volume
        notional &+= other.notional
        count &+= other.count
    }

    /// Rolls time-ordered bars into buckets of `width` aligned to `offset` (both nanoseconds).
    package static func rollUp(_ bars: [BarState], width: Int64, offset: Int64 = 0) -> [BarState] {
        var out: [BarState] = []
        for bar in bars where !bar.isEmpty {
            let bucket = floorDiv(bar.start - offset, width) * width + offset
            if out.last?.start == bucket {
                out[out.count - 1].merge(bar)
            } else {
                var state = BarState(start: bucket)
                state.merge(bar)
                out.append(state)
            }
        }
        return out
    }

    /// Merges two lists of bars sorted by start: equal starts are combined.
    package static func combine(_ a: [BarState], _ b: [BarState]) -> [BarState] {
        if a.isEmpty { return b }
        if b.isEmpty { return a }
        var out: [BarState] = []
        out.reserveCapacity(a.count + b.count)
        var i = 0
        var j = 0
        while i < a.count || j < b.count {
            if j == b.count || (i < a.count && a[i].start < b[j].start) {
                out.append(a[i])
                i += 1
            } else if i == a.count || b[j].start < a[i].start {
                out.append(b[j])
                j += 1
            } else {
                var merged = a[i]
                merged.merge(b[j])
                out.append(merged)
                i += 1
                j += 1
            }
        }
        return out
    }

    package static func floorDiv(_ a: Int64, _ b: Int64) -> Int64 {
        let q = a / b
        return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q
    }
}
