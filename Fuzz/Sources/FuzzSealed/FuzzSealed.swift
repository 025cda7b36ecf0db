// libFuzzer entry point of the Sealed harness (built by scripts/fuzz.sh with -sanitize=fuzzer).
import StrataFuzzing

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    do {
        try SealedHarness.fuzzOne(UnsafeRawBufferPointer(start: data, count: size))
    } catch {
        fatalError("\(error)")
    }
    return 0
}
