/// SplitMix64 (Steele, Lea & Flood 2014): a small, fast, seeded pseudo-random generator.
///
/// The same seed gives the same sequence on every platform and Swift version, so synthetic
/// workloads and randomized tests are reproducible from a printed seed. Not for cryptography.
///
/// ```swift
/// var random = SplitMix64(seed: 42)
/// let n = Int.random(in: 0..<100, using: &random)
/// ```
public struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
