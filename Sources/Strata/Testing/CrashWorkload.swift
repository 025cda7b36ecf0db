/// The deterministic workload of the crash tests, shared by the writer process and the test
/// that verifies what survived.
///
/// Batch `n` has 100 rows over 4 symbols: 95 in time order (ids `n·100 …`, 100 ms apart, so a
/// one-minute partition fills every 6 batches and seals while the writer runs) and, from batch
/// 20 on, 5 late rows into a partition sealed earlier (ids `10_000_000 + n·10 …`).
public enum CrashWorkload {
    public static let base = Timestamp(nanoseconds: 1_700_000_000_000_000_000)
    static let step: Int64 = 100_000_000  // 100 ms
    public static let symbols: [Symbol] = ["CRASH0", "CRASH1", "CRASH2", "CRASH3"]

    /// One-minute partitions that seal after 20 s of newer data; every batch is fsynced.
    public static let configuration = StrataStore.Configuration(
        durability: .fsyncEachBatch,
        validation: ValidationRules(window: .fixed(earliest: .min, latest: .max)),
        partitionDuration: 60 * Timestamp.nanosecondsPerSecond,
        sealGrace: 20 * Timestamp.nanosecondsPerSecond)

    /// The rows of batch `n`.
    public static func batch(_ n: Int) -> [Trade] {
        var rows: [Trade] = []
        rows.reserveCapacity(100)
        for i in 0..<95 {
            let sequence = Int64(n) * 100 + Int64(i)
            rows.append(
                Trade(
                    symbol: symbols[i % 4], timestamp: base.advanced(by: sequence * step), tradeID: sequence,
                    price: Price(mantissa: 100_000_000 + sequence), quantity: Quantity(mantissa: 1 + Int64(i)),
                    isBuyerMaker: i % 2 == 0))
        }
        if n >= 20 {
            for j in 0..<5 {
                let sequence = Int64(n - 20) * 100 + Int64(j)
                rows.append(
                    Trade(
                        symbol: symbols[j % 4], timestamp: base.advanced(by: sequence * step + 1),
                        tradeID: 10_000_000 + Int64(n) * 10 + Int64(j),
                        price: Price(mantissa: 200_000_000), quantity: Quantity(mantissa: 7), isBuyerMaker: false))
            }
        }
        return rows
    }
}
