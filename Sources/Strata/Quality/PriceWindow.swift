/// The last prices of one symbol and column, kept both in arrival order (a ring, to know which
/// to drop) and sorted (for the median): adding one is a binary search and a short move, the
/// median two reads. Prices are fixed-point mantissas, so the median is exact.
struct PriceWindow: Sendable {
    private var ring: [Int64] = []
    private var sorted: [Int64] = []
    private var next = 0
    let capacity: Int

    init(capacity: Int) { self.capacity = capacity }

    var count: Int { ring.count }

    /// Twice the median (the sum of the two middle prices, or twice the middle one): exact
    /// without halving a mantissa.
    var doubledMedian: Int128 {
        let middle = sorted.count / 2
        return sorted.count % 2 == 1
            ? Int128(sorted[middle]) * 2 : Int128(sorted[middle - 1]) + Int128(sorted[middle])
    }

    /// Whether `price` is more than `basisPoints` of the median away from it:
    /// `|2·price − 2·median| · 10 000 > basisPoints · 2·median`, in 128-bit integers.
    func deviates(_ price: Int64, basisPoints: Int64) -> Bool {
        let median = doubledMedian
        let distance = Int128(price) * 2 - median
        return distance.magnitude * 10_000 > UInt128(basisPoints) * median.magnitude
    }

    mutating func add(_ price: Int64) {
        if ring.count < capacity {
            ring.append(price)
        } else {
            let oldest = ring[next]
            sorted.remove(at: Self.position(of: oldest, in: sorted))
            ring[next] = price
            next = (next + 1) % capacity
        }
        sorted.insert(price, at: Self.position(of: price, in: sorted))
    }

    /// The first index whose price is not below `price`.
    private static func position(of price: Int64, in sorted: [Int64]) -> Int {
        var low = 0
        var high = sorted.count
        while low < high {
            let middle = (low + high) / 2
            if sorted[middle] < price { low = middle + 1 } else { high = middle }
        }
        return low
    }
}
