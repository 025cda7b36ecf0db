/// A property a harness checks does not hold. The libFuzzer entry points trap with it (libFuzzer
/// then saves the input as a crash); the replay tests record it as a failure with the input.
public struct FuzzFailure: Error, CustomStringConvertible {
    public var harness: String
    public var message: String
    public var description: String { "\(harness): \(message)" }
}

/// Throws a ``FuzzFailure`` unless `condition` holds.
@inline(__always)
func check(_ condition: Bool, _ harness: String, _ message: @autoclosure () -> String) throws(FuzzFailure) {
    if !condition { throw FuzzFailure(harness: harness, message: message()) }
}

/// A small deterministic generator (SplitMix64) for choices a harness derives from its input.
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

    /// A seed from the bytes of an input (FNV-1a), so that a harness's choices are a function of it.
    public static func seed(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in bytes { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01B3 }
        return hash
    }
}
