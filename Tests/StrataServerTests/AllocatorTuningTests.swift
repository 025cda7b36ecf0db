import StrataServer
import Testing

/// `strata serve` fixes the C allocator's thresholds (so answers reuse freed heap pages instead
/// of faulting fresh ones in), unless the operator set glibc's malloc tunables.
@Suite struct AllocatorTuningTests {
    @Test func tunesUnlessGlibcTunablesSetMalloc() {
        #expect(!StrataServer.tuneAllocatorForServing(environment: ["GLIBC_TUNABLES": "glibc.malloc.arena_max=2"]))
        #if canImport(Glibc)
            #expect(StrataServer.tuneAllocatorForServing(environment: [:]))
            #expect(StrataServer.tuneAllocatorForServing(environment: ["GLIBC_TUNABLES": "glibc.pthread.rseq=0"]))
        #endif
    }
}
