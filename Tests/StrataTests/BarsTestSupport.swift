import Foundation
import Strata
import StrataTestSupport

/// The straightforward computation bars must equal: group the raw trades by bucket, order each
/// bucket by (time, trade id), take first/last/max/min/sums.
func referenceBars(_ trades: [Trade], symbol: Symbol, timeframe: Timeframe, offset: Int64 = 0) -> [Bar] {
    let width = timeframe.nanoseconds
    var buckets: [Int64: [Trade]] = [:]
    for trade in trades where trade.symbol == symbol {
        let t = trade.timestamp.nanoseconds - offset
        let start = (t >= 0 ? t / width : (t - width + 1) / width) * width + offset
        buckets[start, default: []].append(trade)
    }
    return buckets.keys.sorted().map { start in
        let rows = buckets[start]!.sorted { ($0.timestamp, $0.tradeID) < ($1.timestamp, $1.tradeID) }
        var volume: Int128 = 0
        var notional: Int128 = 0
        for row in rows {
            volume += Int128(row.quantity.mantissa)
            notional += Int128(row.price.mantissa) * Int128(row.quantity.mantissa)
        }
        return Bar(
            symbol: symbol, timeframe: timeframe, start: Timestamp(nanoseconds: start), open: rows.first!.price,
            high: rows.map(\.price).max()!, low: rows.map(\.price).min()!, close: rows.last!.price,
            volume: Volume(mantissa: volume), notional: Notional(mantissa: notional), tradeCount: rows.count)
    }
}

func temporaryStoreDirectory(_ label: String = "strata-bars") -> String {
    makeTemporaryDirectory(label)
}

/// Configuration for tests: no background scheduler, a wide validation window.
func testConfiguration(durability: Durability = .osBuffered, aggregates: Bool = true) -> StrataStore.Configuration {
    StrataStore.Configuration(
        durability: durability, validation: ValidationRules(window: .fixed(earliest: .min, latest: .max)),
        aggregates: aggregates, maintenanceInterval: nil)
}

/// The real-data fixtures (see ``SharedData``).
let sharedData = SharedData.directory
