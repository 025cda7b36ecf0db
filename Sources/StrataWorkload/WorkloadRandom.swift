// The pseudo-random number generator behind the synthetic workloads: seeded, deterministic on
// every platform and Swift version (no Foundation or system randomness), and fast.

import StrataCore

/// xoshiro256** 1.0 (Blackman & Vigna 2018), seeded through ``SplitMix64`` as its authors advise.
///
/// `RandomNumberGenerator` conformance lets the standard library's `random(in:using:)` draw from
/// it, but the workload generators use the explicit helpers below, whose results are fixed by
/// this file alone (the standard library's algorithms may change between releases).
struct Xoshiro256StarStar: RandomNumberGenerator {
    private var s0: UInt64, s1: UInt64, s2: UInt64, s3: UInt64

    init(seed: UInt64) {
        var mixer = SplitMix64(seed: seed)
        s0 = mixer.next()
        s1 = mixer.next()
        s2 = mixer.next()
        s3 = mixer.next()
    }

    @inline(__always)
    mutating func next() -> UInt64 {
        let result = ((s1 &* 5) << 7 | (s1 &* 5) >> 57) &* 9
        let t = s1 << 17
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        s3 = s3 << 45 | s3 >> 19
        return result
    }

    /// A uniform double in [0, 1) with 53 random bits.
    @inline(__always)
    mutating func nextUnit() -> Double { Double(next() >> 11) * 0x1.0p-53 }

    /// A uniform double in (0, 1]: safe to take the logarithm of.
    @inline(__always)
    mutating func nextOpenUnit() -> Double { Double((next() >> 11) + 1) * 0x1.0p-53 }

    /// A uniform integer in `0..<bound` (Lemire's multiply-shift; the bias is below 2^-40 for
    /// the small bounds used here, irrelevant for a workload).
    @inline(__always)
    mutating func next(below bound: Int) -> Int {
        Int(truncatingIfNeeded: next().multipliedFullWidth(by: UInt64(bound)).high)
    }
}
