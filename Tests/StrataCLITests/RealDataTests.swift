import Strata
import StrataCore
import StrataImport
import StrataTestSupport
import Testing

/// The readers on real market data from `shared/data` (see its README), converted in the test
/// into Strata's layouts.
@Suite("Real data", SharedData.required)
struct RealDataTests {
    /// 2013-10-07 00:00 America/New_York (EDT, UTC-4) in epoch nanoseconds.
    static let leanMidnight: Int64 = 1_381_118_400_000_000_000

    static func lines(_ relativePath: String, limit: Int = .max) throws -> [Substring] {
        let path = sharedDataDirectory + "/" + relativePath
        let text = try #require(readFile(path), "missing shared data file \(path)")
        return Array(text.split(separator: "\n", omittingEmptySubsequences: true).prefix(limit))
    }

    /// LEAN prices are integers × 10000.
    static func leanPrice(_ field: Substring) throws -> String {
        try #require(Price(units: Int64(field)!, exponent: 4)).description
    }

    @Test func spyTradeTicks() throws {
        let source = try Self.lines("lean_spy_ibm_equity/csv/20131007_spy_Trade_Tick.csv", limit: 20_000)
        var csv = "ts_ns,symbol,trade_id,price,qty,is_buyer_maker\n"
        var volume: Int64 = 0
        for (index, line) in source.enumerated() {
            let fields = line.split(separator: ",", omittingEmptySubsequences: false)
            let ts = Self.leanMidnight + Int64(fields[0])! * 1_000_000
            volume += Int64(fields[2])!
            csv += "\(ts),SPY,\(index + 1),\(try Self.leanPrice(fields[1])),\(fields[2]),false\n"
        }
        let directory = makeTemporaryDirectory()
        defer { removeTree(directory) }
        writeText(directory + "/spy.csv", csv)
        let reader = try CSVReader(path: directory + "/spy.csv", format: TradeCSVFormat())
        let batch = try reader.readAll()
        #expect(reader.headerLine == 1)
        #expect(batch.rejections.isEmpty)
        #expect(batch.records.count == 20_000)
        let first = try #require(batch.records.first)
        #expect(first.price.description == "167.41")  // 1674100 / 10^4, exact
        #expect(first.timestamp.description == "2013-10-07T08:00:00.464Z")  // 04:00:00.464 New York
        #expect(batch.records.reduce(Int64(0)) { $0 + $1.quantity.mantissa } == volume * Quantity.unit)
        #expect(batch.lineNumbers.last == 20_001)
    }

    @Test func ibmQuoteTicksWithOneSidedUpdates() throws {
        let source = try Self.lines("lean_spy_ibm_equity/csv/20131007_ibm_Quote_Tick.csv", limit: 20_000)
        var csv = ""
        var bidOnly = 0
        var askOnly = 0
        for line in source {
            let f = line.split(separator: ",", omittingEmptySubsequences: false)
            let ts = Self.leanMidnight + Int64(f[0])! * 1_000_000
            // A one-sided update has 0,0 on the other side: an empty pair in Strata's layout.
            let bid = f[1] == "0" ? "," : "\(try Self.leanPrice(f[1])),\(f[2])"
            let ask = f[3] == "0" ? "," : "\(try Self.leanPrice(f[3])),\(f[4])"
            if f[1] == "0" { askOnly += 1 }
            if f[3] == "0" { bidOnly += 1 }
            csv += "\(ts),IBM,\(bid),\(ask)\n"
        }
        let batch = try CSVReader(text: csv, format: QuoteCSVFormat()).readAll()
        #expect(batch.rejections.isEmpty)
        #expect(batch.records.count == 20_000)
        #expect(batch.records.filter { $0.asks.isEmpty }.count == bidOnly)
        #expect(batch.records.filter { $0.bids.isEmpty }.count == askOnly)
        #expect(batch.records[1].bestBid == DepthLevel(price: try Price("180.01"), size: try Quantity("300")))
    }

    /// Databento CME trades → trades layout; the 4 ESU4 minutes the trades cover match the
    /// vendor's own one-minute bars exactly (README: verified naive aggregation).
    @Test func databentoFuturesTradesMatchVendorBars() throws {
        let source = try Self.lines("nautilus_trader_fixtures/csv/futures_trades_2024-07-01T23-58_2024-07-02T00-02.csv")
        var csv = ""
        for line in source.dropFirst() {
            let f = line.split(separator: ",", omittingEmptySubsequences: false)
            // side is the aggressor: A (sell aggressor) means the buyer was the maker.
            csv += "\(f[1]),ESU4,\(f[8]),\(f[5]),\(f[6]),\(f[4] == "A")\n"
        }
        let batch = try CSVReader(text: csv, format: TradeCSVFormat()).readAll()
        #expect(batch.rejections.isEmpty)
        #expect(batch.records.count == 120)

        struct Bar: Equatable {
            var open, high, low, close: Price
            var volume: Quantity
        }
        var bars: [Int64: Bar] = [:]
        for trade in batch.records {
            let minute = trade.timestamp.floor(toMultipleOf: 60_000_000_000).nanoseconds
            if var bar = bars[minute] {
                bar.high = max(bar.high, trade.price)
                bar.low = min(bar.low, trade.price)
                bar.close = trade.price
                bar.volume = try bar.volume.adding(trade.quantity)
                bars[minute] = bar
            } else {
                bars[minute] = Bar(
                    open: trade.price, high: trade.price, low: trade.price, close: trade.price, volume: trade.quantity)
            }
        }
        let vendor = try Self.lines(
            "nautilus_trader_fixtures/csv/futures_ohlcv-1m_2024-07-01T23-40_2024-07-02T00-10.csv")
        var compared = 0
        for line in vendor.dropFirst() {
            let f = line.split(separator: ",").map(String.init)
            guard f[1] == "118", let ours = bars[Int64(f[0])!] else { continue }
            let theirs = Bar(
                open: try Price(f[2]), high: try Price(f[3]), low: try Price(f[4]), close: try Price(f[5]),
                volume: try Quantity(f[6]))
            #expect(ours == theirs, "minute \(f[0])")
            compared += 1
        }
        #expect(compared == 4)
    }
}
