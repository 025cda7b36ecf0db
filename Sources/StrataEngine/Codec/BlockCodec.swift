import StrataCore
/// Encoding of one column of one block (up to ``BlockCodec/blockRows`` values) in a sealed file.
///
/// Each block picks, per column, the smallest of three transforms followed by frame-of-reference
/// bit-packing with a common divisor:
///
/// - `identity`: the values themselves (prices of an illiquid symbol, booleans);
/// - `delta`: differences between neighbours (prices of a liquid symbol, timestamps);
/// - `deltaOfDelta`: differences of differences (regular timestamps, sequential trade ids → 0 bits).
///
/// The residuals `r` are stored as `(r - min) / gcd` in `bits` bits each, so quantities on a lot
/// size of 0.001 or microsecond timestamps in nanosecond lanes lose their constant factor.
/// All arithmetic wraps, so any Int64 sequence round-trips exactly.
///
/// Layout: `u8 transform, u8 bits, u16 reserved, u32 count, [i64 first], [i64 firstDelta],
/// i64 base, u64 divisor, u64 words[⌈(count - k)·bits / 64⌉]` (little-endian; `k` = residuals
/// consumed by the transform's header).
public enum BlockCodec {
    /// Rows per block: small enough that "latest 1,000" decodes one or two blocks.
    public static let blockRows = 1024

    enum Transform: UInt8 { case identity = 0, delta = 1, deltaOfDelta = 2 }

    public struct CorruptBlock: Error, CustomStringConvertible {
        public let reason: String
        public var description: String { reason }
    }

    /// Appends the encoding of `values` to `out`.
    public static func encode(_ values: UnsafeBufferPointer<Int64>, into out: inout ByteWriter) {
        let n = values.count
        // Choose the transform by the width it would need.
        var best = Transform.identity
        var bestPlan = plan(values, transform: .identity)
        if n >= 2 {
            let deltaPlan = plan(values, transform: .delta)
            if deltaPlan.bits < bestPlan.bits {
                best = .delta
                bestPlan = deltaPlan
            }
        }
        if n >= 3 && bestPlan.bits > 0 {
            let dodPlan = plan(values, transform: .deltaOfDelta)
            if dodPlan.bits < bestPlan.bits {
                best = .deltaOfDelta
                bestPlan = dodPlan
            }
        }
        out.write(best.rawValue)
        out.write(UInt8(bestPlan.bits))
        out.write(UInt16(0))
        out.write(UInt32(n))
        var previous: Int64 = 0
        var previousDelta: Int64 = 0
        switch best {
        case .identity: break
        case .delta:
            out.write(values[0])
        case .deltaOfDelta:
            out.write(values[0])
            out.write(values[1] &- values[0])
        }
        out.write(bestPlan.base)
        out.write(bestPlan.divisor)
        // Pack the residuals.
        let bits = bestPlan.bits
        guard bits > 0 else { return }
        var word: UInt64 = 0
        var used = 0
        let first: Int
        switch best {
        case .identity: first = 0
        case .delta: first = 1; previous = values[0]
        case .deltaOfDelta: first = 2; previous = values[1]; previousDelta = values[1] &- values[0]
        }
        for i in first..<n {
            let residual: Int64
            switch best {
            case .identity: residual = values[i]
            case .delta:
                residual = values[i] &- previous
                previous = values[i]
            case .deltaOfDelta:
                let delta = values[i] &- previous
                residual = delta &- previousDelta
                previous = values[i]
                previousDelta = delta
            }
            let q = UInt64(bitPattern: residual &- bestPlan.base) / bestPlan.divisor
            word |= q << UInt64(used)
            if used + bits >= 64 {
                out.write(word)
                let consumed = 64 - used
                word = consumed < 64 ? q >> UInt64(consumed) : 0
                used = used + bits - 64
            } else {
                used += bits
            }
        }
        if used > 0 { out.write(word) }
    }

    private struct Plan { var bits: Int; var base: Int64; var divisor: UInt64 }

    private static func plan(_ values: UnsafeBufferPointer<Int64>, transform: Transform) -> Plan {
        let n = values.count
        let first = transform == .identity ? 0 : (transform == .delta ? 1 : 2)
        guard n > first else { return Plan(bits: 0, base: 0, divisor: 1) }
        // Pass 1: min and max of residuals.
        var minimum = Int64.max
        var maximum = Int64.min
        forEachResidual(values, transform) { r in
            if r < minimum { minimum = r }
            if r > maximum { maximum = r }
        }
        let span = UInt64(bitPattern: maximum &- minimum)
        if span == 0 { return Plan(bits: 0, base: minimum, divisor: 1) }
        // Pass 2: common divisor of (r - min); stops caring once it reaches 1.
        var divisor: UInt64 = 0
        forEachResidual(values, transform) { r in
            guard divisor != 1 else { return }
            let u = UInt64(bitPattern: r &- minimum)
            if u != 0 && (divisor == 0 || u % divisor != 0) { divisor = gcd(divisor, u) }
        }
        let top = span / divisor
        return Plan(bits: 64 - top.leadingZeroBitCount, base: minimum, divisor: divisor)
    }

    @inline(__always)
    private static func forEachResidual(
        _ values: UnsafeBufferPointer<Int64>, _ transform: Transform, _ body: (Int64) -> Void
    ) {
        let n = values.count
        switch transform {
        case .identity:
            for i in 0..<n { body(values[i]) }
        case .delta:
            for i in 1..<n { body(values[i] &- values[i - 1]) }
        case .deltaOfDelta:
            for i in 2..<n { body((values[i] &- values[i - 1]) &- (values[i - 1] &- values[i - 2])) }
        }
    }

    private static func gcd(_ a: UInt64, _ b: UInt64) -> UInt64 {
        var (x, y) = (a, b)
        while y != 0 { (x, y) = (y, x % y) }
        return x
    }

    /// The number of values in an encoded block column, read from its header.
    public static func count(of chunk: UnsafeRawBufferPointer) throws(CorruptBlock) -> Int {
        guard chunk.count >= 8 else { throw CorruptBlock(reason: "block shorter than its header") }
        return Int(UInt32(littleEndian: chunk.loadUnaligned(fromByteOffset: 4, as: UInt32.self)))
    }

    /// Decodes a block column into `out`, which must have room for its count.
    /// - Returns: the number of values written.
    /// - Throws: ``CorruptBlock`` if the bytes are not a valid encoding (never traps).
    @discardableResult
    public static func decode(_ chunk: UnsafeRawBufferPointer, into out: UnsafeMutablePointer<Int64>, capacity: Int)
        throws(CorruptBlock) -> Int
    {
        var reader = ByteReader(chunk)
        do {
            guard let transform = Transform(rawValue: try reader.readUInt8()) else {
                throw CorruptBlock(reason: "unknown block transform")
            }
            let bits = Int(try reader.readUInt8())
            _ = try reader.readUInt16()
            let n = Int(try reader.readUInt32())
            guard bits <= 64, n <= capacity else { throw CorruptBlock(reason: "impossible block header") }
            var first = 0
            var start: Int64 = 0
            var startDelta: Int64 = 0
            switch transform {
            case .identity: break
            case .delta:
                start = try reader.readInt64()
                first = 1
            case .deltaOfDelta:
                start = try reader.readInt64()
                startDelta = try reader.readInt64()
                first = 2
            }
            guard n >= first else { throw CorruptBlock(reason: "block too short for its transform") }
            let base = try reader.readInt64()
            let divisor = try reader.readUInt64()
            let residualCount = n - first
            let wordCount = (residualCount * bits + 63) / 64
            let packed = try reader.readBytes(wordCount * 8)
            guard reader.remaining == 0 else { throw CorruptBlock(reason: "trailing bytes after block") }
            // Residuals first, into out[first...].
            if bits == 0 {
                for i in first..<n { out[i] = base }
            } else if transform == .delta {
                // The common case for timestamps and prices: unpack and prefix-sum in one pass.
                out[0] = start
                unpack(
                    packed, bits: bits, base: base, divisor: divisor, into: out + 1, count: residualCount,
                    runningFrom: start)
                return n
            } else {
                unpack(packed, bits: bits, base: base, divisor: divisor, into: out + first, count: residualCount)
            }
            // Undo the transform.
            switch transform {
            case .identity: break
            case .delta:
                out[0] = start
                for i in 1..<n { out[i] = out[i - 1] &+ out[i] }
            case .deltaOfDelta:
                out[0] = start
                if n > 1 { out[1] = start &+ startDelta }
                var delta = startDelta
                for i in 2..<n {
                    delta = delta &+ out[i]
                    out[i] = out[i - 1] &+ delta
                }
            }
            return n
        } catch is ByteReader.OutOfBounds {
            throw CorruptBlock(reason: "block shorter than its header says")
        } catch let error as CorruptBlock {
            throw error
        } catch {
            throw CorruptBlock(reason: "\(error)")
        }
    }

    /// Unpacks `count` residuals of `bits` bits and maps them to `base + q × divisor`.
    ///
    /// For widths up to 56 bits every value lies within the 8 bytes starting at its first byte, so
    /// one unaligned load and a shift read it without a data-dependent branch; only the last few
    /// values, whose 8-byte window would run past the buffer, take the two-word path.
    @inline(__always)
    private static func unpack(
        _ packed: UnsafeRawBufferPointer, bits: Int, base: Int64, divisor: UInt64,
        into out: UnsafeMutablePointer<Int64>,
        count: Int, runningFrom running: Int64? = nil
    ) {
        // With `running`, each output is the previous output plus the residual (delta decoding).
        var previous = running ?? 0
        let accumulate = running != nil
        let mask: UInt64 = bits == 64 ? .max : (1 << UInt64(bits)) - 1
        guard let start = packed.baseAddress else { return }
        let size = packed.count
        var bitPosition = 0
        var i = 0
        if bits <= 56 {
            while i < count {
                let byteOffset = bitPosition >> 3
                if byteOffset + 8 > size { break }
                let word = UInt64(littleEndian: (start + byteOffset).loadUnaligned(as: UInt64.self))
                let value = base &+ Int64(bitPattern: ((word >> UInt64(bitPosition & 7)) & mask) &* divisor)
                if accumulate {
                    previous = previous &+ value
                    out[i] = previous
                } else {
                    out[i] = value
                }
                bitPosition &+= bits
                i &+= 1
            }
        }
        while i < count {
            let wordIndex = bitPosition >> 6
            let shift = bitPosition & 63
            var q =
                UInt64(littleEndian: packed.loadUnaligned(fromByteOffset: wordIndex * 8, as: UInt64.self))
                >> UInt64(shift)
            if shift + bits > 64 {
                let next = UInt64(
                    littleEndian: packed.loadUnaligned(fromByteOffset: (wordIndex + 1) * 8, as: UInt64.self))
                q |= next << UInt64(64 - shift)
            }
            let value = base &+ Int64(bitPattern: (q & mask) &* divisor)
            if accumulate {
                previous = previous &+ value
                out[i] = previous
            } else {
                out[i] = value
            }
            bitPosition &+= bits
            i &+= 1
        }
    }
}
