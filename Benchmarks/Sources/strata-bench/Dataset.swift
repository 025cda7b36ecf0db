import Strata
import StrataWorkload

/// The standard workload, generated once and kept in memory so that Strata and SQLite ingest the
/// same rows and neither pays for generation inside its timings; plus the answers the queries
/// must give, computed from the generator itself.
struct Dataset: Sendable {
    let workload: SyntheticTrades
    let batches: [[Trade]]
    let symbols: [Symbol]
    /// Rows per symbol rank.
    let counts: [Int]
    /// Σ quantity mantissas per symbol rank (scale 8).
    let quantitySums: [Int128]
    let generationNanoseconds: Int64

    /// W2: the most popular symbol over one hour in the middle of the day.
    let w2Symbol: Symbol
    let w2From: Timestamp
    let w2To: Timestamp
    let w2ExpectedRows: Int

    /// W3: the latest 1 000 trades of the rank-50 symbol (or the least popular, if fewer symbols).
    let w3Symbol: Symbol
    let w3Limit = 1_000
    let w3ExpectedRows: Int
    /// The newest trade id of the W3 symbol (the first row `latest` returns).
    let w3NewestID: Int64

    var rows: Int { workload.configuration.rows }

    static let batchSize = 10_000

    init(configuration: SyntheticTrades.Configuration) {
        let start = monotonicNanoseconds()
        workload = SyntheticTrades(configuration: configuration)
        let symbolCount = workload.configuration.symbols
        symbols = workload.symbols
        let day = workload.configuration.day.nanoseconds
        let hour: Int64 = 3_600_000_000_000
        w2Symbol = symbols[0]
        w2From = Timestamp(nanoseconds: day + 12 * hour)
        w2To = Timestamp(nanoseconds: day + 13 * hour)
        let w3Rank = min(50, symbolCount - 1)
        w3Symbol = symbols[w3Rank]

        var counts = [Int](repeating: 0, count: symbolCount)
        var sums = [Int128](repeating: 0, count: symbolCount)
        var w2Rows = 0
        var w3Newest: Int64 = -1
        var batches: [[Trade]] = []
        batches.reserveCapacity(workload.batches(of: Dataset.batchSize).underestimatedCount)
        for batch in workload.batches(of: Dataset.batchSize) {
            for trade in batch {
                let rank = Dataset.rank(of: trade.symbol)
                counts[rank] += 1
                sums[rank] += Int128(trade.quantity.mantissa)
                if rank == 0, trade.timestamp >= w2From, trade.timestamp < w2To { w2Rows += 1 }
                if rank == w3Rank { w3Newest = trade.tradeID }
            }
            batches.append(batch)
        }
        self.batches = batches
        self.counts = counts
        self.quantitySums = sums
        w2ExpectedRows = w2Rows
        w3ExpectedRows = min(1_000, counts[w3Rank])
        w3NewestID = w3Newest
        generationNanoseconds = monotonicNanoseconds() - start
    }

    /// The rank of a `SYMnnn` symbol, read from its digits.
    static func rank(of symbol: Symbol) -> Int {
        var rank = 0
        for byte in symbol.name.utf8.dropFirst(3) { rank = rank * 10 + Int(byte &- 0x30) }
        return rank
    }
}
