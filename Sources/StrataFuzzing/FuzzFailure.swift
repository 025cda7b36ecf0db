public import StrataCore

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

extension SplitMix64 {
    /// A seed from the bytes of an input (FNV-1a), so that a harness's choices are a function of it.
    public static func seed(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in bytes { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01B3 }
        return hash
    }
}
