import Foundation
import Strata
import StrataTestSupport
import Testing

/// Bars against vendors' own bars built from the same trades (see shared/data/README.md).
@Suite(SharedData.required) struct BarsRealDataTests {
    /// Databento CME ESU4: the 4 one-minute bars covered by the trades file match exactly.
    @Test func databentoESMinuteBars() async throws {
        let base = sharedData + "/nautilus_trader_fixtures/csv/"
        let tradeLines = try String(
            contentsOfFile: base + "futures_trades_2024-07-01T23-58_2024-07-02T00-02.csv", encoding: .utf8
        )
        .split(separator: "\n").dropFirst()
        let symbol: Symbol = "ESU4"
        // Trades of one match event share a `sequence`; the id is sequence × 1000 + position in it.
        var seen: [Int64: Int64] = [:]
        let trades = try tradeLines.map { line -> Trade in
            let f = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            // ts_recv,ts_event,instrument_id,action,side,price,size,flags,sequence,ts_in_delta
            let sequence = Int64(f[8])!
            let position = seen[sequence, default: 0]
            seen[sequence] = position + 1
            return Trade(
                symbol: symbol, timestamp: Timestamp(nanoseconds: Int64(f[1])!), tradeID: sequence * 1_000 + position,
                price: try Price(f[5]), quantity: try Quantity(f[6]), isBuyerMaker: f[4] == "A")
        }
        #expect(trades.count == 120)
        let directory = temporaryStoreDirectory()
        defer { removeTree(directory) }
        let store = try StrataStore.open(directory: directory, configuration: testConfiguration())
        defer { try? store.close() }
        try await store.trades.append(trades)

        let vendor = try String(
            contentsOfFile: base + "futures_ohlcv-1m_2024-07-01T23-40_2024-07-02T00-10.csv", encoding: .utf8
        )
        .split(separator: "\n").dropFirst().map { $0.split(separator: ",").map(String.init) }.filter { $0[1] == "118" }
        let covered = try [
            "2024-07-01T23:58:00Z", "2024-07-01T23:59:00Z", "2024-07-02T00:00:00Z", "2024-07-02T00:01:00Z",
        ].map {
            try Timestamp(iso8601: $0)
        }
        for state in ["in memory", "sealed"] {
            if state == "sealed" { store.compact(now: .max) }
            let bars = try await store.bars(
                symbol: symbol, timeframe: .oneMinute, from: covered[0], to: covered[3].advanced(by: 60_000_000_000))
            #expect(bars.map(\.start) == covered, "\(state)")
            for bar in bars {
                let row = vendor.first { Int64($0[0]) == bar.start.nanoseconds }!
                #expect(bar.open == (try Price(row[2])), "\(state) \(bar.start)")
                #expect(bar.high == (try Price(row[3])), "\(state) \(bar.start)")
                #expect(bar.low == (try Price(row[4])), "\(state) \(bar.start)")
                #expect(bar.close == (try Price(row[5])), "\(state) \(bar.start)")
                #expect(bar.volume == Volume(try Quantity(row[6])), "\(state) \(bar.start)")
            }
            #expect(
                bars
                    == referenceBars(trades, symbol: symbol, timeframe: .oneMinute).filter {
                        covered.contains($0.start)
                    })
        }
    }

    /// Kraken XBTUSDT: every minute fully inside the trades' window matches Kraken's OHLC on open,
    /// high, low, close, volume and count, including the flat zero-volume minutes (carry-forward).
    @Test func krakenMinuteBars() async throws {
        let base = sharedData + "/nautilus_trader_fixtures/original/crates/adapters/kraken/test_data/"
        let symbol: Symbol = "XBTUSDT"
        let tradesJSON = try JSONSerialization.jsonObject(
            with: Data(contentsOf: URL(fileURLWithPath: base + "http_trades.json")))
        let rawTrades = ((tradesJSON as! [String: Any])["result"] as! [String: Any])["XBTUSDT"] as! [[Any]]
        let trades = try rawTrades.map { row -> Trade in
            let seconds = (row[2] as! NSNumber).doubleValue
            return Trade(
                symbol: symbol, timestamp: Timestamp(nanoseconds: Int64((seconds * 1_000_000).rounded()) * 1_000),
                tradeID: (row[6] as! NSNumber).int64Value, price: try Price(row[0] as! String),
                quantity: try Quantity(row[1] as! String), isBuyerMaker: (row[3] as! String) == "s")
        }
        #expect(trades.count == 1_000)
        let ohlcJSON = try JSONSerialization.jsonObject(
            with: Data(contentsOf: URL(fileURLWithPath: base + "http_ohlc.json")))
        let ohlc = ((ohlcJSON as! [String: Any])["result"] as! [String: Any])["XBTUSDT"] as! [[Any]]

        let directory = temporaryStoreDirectory()
        defer { removeTree(directory) }
        let store = try StrataStore.open(directory: directory, configuration: testConfiguration())
        defer { try? store.close() }
        // Arrival in two batches, the second one first: order of arrival must not matter.
        try await store.trades.append(Array(trades[500...]))
        try await store.trades.append(Array(trades[..<500]))

        let firstTrade = trades.map(\.timestamp).min()!
        let lastTrade = trades.map(\.timestamp).max()!
        let firstFull = firstTrade.floor(toMultipleOf: 60_000_000_000).advanced(by: 60_000_000_000)
        // Both captures end together, so the last minute is complete; the first is not.
        let endFull = lastTrade.floor(toMultipleOf: 60_000_000_000).advanced(by: 60_000_000_000)
        for state in ["in memory", "sealed"] {
            if state == "sealed" { store.compact(now: .max) }
            let bars = try await store.bars(
                symbol: symbol, timeframe: .oneMinute, from: firstFull, to: endFull, emptyBuckets: .carryForward)
            var compared = 0
            var withTrades = 0
            for row in ohlc {
                let start = Timestamp(nanoseconds: (row[0] as! NSNumber).int64Value * 1_000_000_000)
                guard start >= firstFull && start < endFull else { continue }
                let bar = bars.first { $0.start == start }
                #expect(bar != nil, "\(state): no bar at \(start)")
                guard let bar else { continue }
                compared += 1
                if bar.tradeCount > 0 { withTrades += 1 }
                #expect(bar.open == (try Price(row[1] as! String)), "\(state) open \(start)")
                #expect(bar.high == (try Price(row[2] as! String)), "\(state) high \(start)")
                #expect(bar.low == (try Price(row[3] as! String)), "\(state) low \(start)")
                #expect(bar.close == (try Price(row[4] as! String)), "\(state) close \(start)")
                #expect(bar.volume == Volume(try Quantity(row[6] as! String)), "\(state) volume \(start)")
                #expect(bar.tradeCount == (row[7] as! NSNumber).intValue, "\(state) count \(start)")
            }
            #expect(compared == bars.count, "\(state): every bar in the window was compared")
            #expect(withTrades >= 273, "\(state): \(withTrades) minutes with trades compared (the README verified 273)")
        }
    }
}
