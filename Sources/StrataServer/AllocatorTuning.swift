import CStrataSupport
import Foundation

extension StrataServer {
    /// The C allocator's mmap threshold while serving: every answer buffer below it comes from
    /// the heap (32 MiB, the most glibc accepts).
    static let answerMmapThreshold = 32 << 20
    /// Freed heap memory kept for the next answers instead of being returned to the system.
    static let answerTrimThreshold = 256 << 20

    /// Tunes the process's C allocator for serving answers; returns whether it did. Call it once,
    /// at the start of a process whose main work is serving (`strata serve` does), not from a
    /// library embedding the server.
    ///
    /// Why: each bulk answer (an Arrow or CSV range) reads and encodes pages of megabytes: the
    /// engine's lanes, the encoded batch, the network buffer. glibc serves blocks above its mmap
    /// threshold (128 KiB at start, then raised by what is freed, per arena) with fresh mappings,
    /// unmaps them when freed, and trims freed heap beyond its trim threshold, so an answer paid
    /// the kernel's page faults for every megabyte it touched (BENCHMARKS.md, "Arrow and CSV
    /// answers": half of a 120k-row answer's time in `clear_page_erms`). With fixed thresholds the
    /// pages freed by one answer serve the next: the process keeps up to its answers' peak working
    /// set (tens of MiB per allocator arena) instead of returning it after each request.
    ///
    /// Left alone when `GLIBC_TUNABLES` already sets glibc's malloc thresholds (an operator's
    /// choice wins), and a no-op on a C library without them.
    @discardableResult
    public static func tuneAllocatorForServing(environment: [String: String]? = nil) -> Bool {
        let environment = environment ?? ProcessInfo.processInfo.environment
        if let tunables = environment["GLIBC_TUNABLES"], tunables.contains("glibc.malloc.") { return false }
        return strata_set_allocator_thresholds(answerMmapThreshold, answerTrimThreshold) == 1
    }
}
