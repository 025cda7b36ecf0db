import Strata

/// The standard workload as InfluxDB line protocol, built once in memory, as the server maps it
/// (Docs/Server.md):
///
///     trades,symbol=SYM000 price=64123.45,qty=0.015,trade_id=123i,side="buy" 1767571200123456000
///
/// `side="sell"` is `is_buyer_maker` (the buyer made the book), `"buy"` the buyer took it; prices
/// and quantities as exact shortest decimals; nanosecond timestamps.
struct ILPText: Sendable {
    let bytes: [UInt8]
    let lines: Int
    /// Byte offsets where the lines of each batch end: chunk `i` is batch `i`.
    let chunkEnds: [Int]

    init(batches: [[Trade]]) {
        lines = batches.reduce(0) { $0 + $1.count }
        let longestSymbol = batches.lazy.flatMap { $0 }.map(\.symbol.name.utf8.count).max() ?? 0
        // Longer than any line: fixed text 60 bytes, two decimals ≤ 21, two integers ≤ 20 each.
        let lineBound = 160 + longestSymbol
        var ends: [Int] = []
        ends.reserveCapacity(batches.count)
        bytes = [UInt8](unsafeUninitializedCapacity: lines * lineBound) { buffer, count in
            var writer = Writer(base: buffer.baseAddress!)
            for batch in batches {
                for trade in batch { writer.line(trade) }
                ends.append(writer.count)
            }
            count = writer.count
        }
        chunkEnds = ends
    }

    /// The byte range of chunk (batch) `index`.
    func chunk(_ index: Int) -> Range<Int> { (index == 0 ? 0 : chunkEnds[index - 1])..<chunkEnds[index] }

    private struct Writer {
        static let prefix = Array("trades,symbol=".utf8)
        static let price = Array(" price=".utf8)
        static let qty = Array(",qty=".utf8)
        static let tradeID = Array(",trade_id=".utf8)
        static let sell = Array("i,side=\"sell\" ".utf8)
        static let buy = Array("i,side=\"buy\" ".utf8)

        let base: UnsafeMutablePointer<UInt8>
        var count = 0

        mutating func line(_ trade: Trade) {
            append(Writer.prefix)
            for byte in trade.symbol.name.utf8 { append(byte) }
            append(Writer.price)
            decimal(trade.price.mantissa, scale: Price.scale)
            append(Writer.qty)
            decimal(trade.quantity.mantissa, scale: Quantity.scale)
            append(Writer.tradeID)
            integer(UInt64(trade.tradeID))
            append(trade.isBuyerMaker ? Writer.sell : Writer.buy)
            integer(UInt64(trade.timestamp.nanoseconds))
            append(0x0A)
        }

        @inline(__always)
        mutating func append(_ byte: UInt8) {
            base[count] = byte
            count += 1
        }

        @inline(__always)
        mutating func append(_ bytes: [UInt8]) {
            for byte in bytes { append(byte) }
        }

        /// Decimal digits of a non-negative integer.
        mutating func integer(_ value: UInt64) {
            var scratch: (UInt64, UInt64, UInt64) = (0, 0, 0)  // 24 bytes: UInt64.max has 20 digits
            var length = 0
            withUnsafeMutableBytes(of: &scratch) { digits in
                var value = value
                repeat {
                    digits[length] = UInt8(truncatingIfNeeded: value % 10) + 0x30
                    value /= 10
                    length += 1
                } while value > 0
            }
            withUnsafeBytes(of: &scratch) { digits in
                while length > 0 {
                    length -= 1
                    append(digits[length])
                }
            }
        }

        /// A non-negative mantissa at `scale` as the shortest exact decimal (`64123.45`, `3`).
        mutating func decimal(_ mantissa: Int64, scale: Int) {
            var unit: UInt64 = 1
            for _ in 0..<scale { unit *= 10 }
            let magnitude = UInt64(mantissa)
            integer(magnitude / unit)
            var fraction = magnitude % unit
            guard fraction > 0 else { return }
            var digits = scale
            while fraction % 10 == 0 {
                fraction /= 10
                digits -= 1
            }
            append(0x2E)
            var leading = unit / 10
            var remaining = digits
            // `digits` digits of `fraction`, zero-padded on the left.
            var scaled = fraction
            for _ in 0..<(scale - digits) { leading /= 10 }
            while remaining > 0 {
                let digit = scaled / leading
                append(UInt8(truncatingIfNeeded: digit) + 0x30)
                scaled %= leading
                leading /= 10
                remaining -= 1
            }
        }
    }
}
