#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Nanoseconds on the monotonic clock (`clock_gettime(CLOCK_MONOTONIC)`).
@inline(__always)
func monotonicNanoseconds() -> Int64 {
    var spec = timespec()
    clock_gettime(CLOCK_MONOTONIC, &spec)
    return Int64(spec.tv_sec) &* 1_000_000_000 &+ Int64(spec.tv_nsec)
}

/// Repeated timings of one operation, in nanoseconds.
struct Samples: Sendable {
    var nanoseconds: [Int64]

    var sorted: [Int64] { nanoseconds.sorted() }
    var median: Int64 { percentile(50) }
    var p99: Int64 { percentile(99) }
    var minimum: Int64 { nanoseconds.min() ?? 0 }

    /// The nearest-rank percentile.
    func percentile(_ p: Double) -> Int64 {
        let values = sorted
        guard !values.isEmpty else { return 0 }
        let rank = Int((p / 100 * Double(values.count)).rounded(.up)) - 1
        return values[min(values.count - 1, max(0, rank))]
    }

    var summary: String {
        "median \(formatDuration(median)), p99 \(formatDuration(p99)), min \(formatDuration(minimum)) over \(nanoseconds.count) runs"
    }
}

/// Runs `body` `warmup` times untimed, then `runs` times timed, one by one.
func measure(warmup: Int, runs: Int, _ body: () async throws -> Void) async rethrows -> Samples {
    for _ in 0..<warmup { try await body() }
    var samples: [Int64] = []
    samples.reserveCapacity(runs)
    for _ in 0..<runs {
        let start = monotonicNanoseconds()
        try await body()
        samples.append(monotonicNanoseconds() - start)
    }
    return Samples(nanoseconds: samples)
}

/// Synchronous twin of ``measure(warmup:runs:_:)``.
func measureSync(warmup: Int, runs: Int, _ body: () throws -> Void) rethrows -> Samples {
    for _ in 0..<warmup { try body() }
    var samples: [Int64] = []
    samples.reserveCapacity(runs)
    for _ in 0..<runs {
        let start = monotonicNanoseconds()
        try body()
        samples.append(monotonicNanoseconds() - start)
    }
    return Samples(nanoseconds: samples)
}

// MARK: - Formatting

func formatDuration(_ nanoseconds: Int64) -> String {
    let ns = Double(nanoseconds)
    if ns < 1_000 { return "\(nanoseconds) ns" }
    if ns < 1_000_000 { return fixed(ns / 1_000, 1) + " µs" }
    if ns < 1_000_000_000 { return fixed(ns / 1_000_000, 2) + " ms" }
    return fixed(ns / 1_000_000_000, 2) + " s"
}

func formatRate(_ perSecond: Double, unit: String = "rows/s") -> String {
    if perSecond >= 1_000_000 { return fixed(perSecond / 1_000_000, 2) + " M " + unit }
    if perSecond >= 1_000 { return fixed(perSecond / 1_000, 1) + " k " + unit }
    return fixed(perSecond, 0) + " " + unit
}

func formatBytes(_ bytes: Int64) -> String {
    let b = Double(bytes)
    let kib = 1024.0
    let mib = kib * 1024
    let gib = mib * 1024
    if b >= gib { return fixed(b / gib, 2) + " GiB" }
    if b >= mib { return fixed(b / mib, 1) + " MiB" }
    if b >= kib { return fixed(b / kib, 1) + " KiB" }
    return "\(bytes) B"
}

func formatCount(_ value: Int) -> String {
    var digits = String(value.magnitude)
    var groups: [Substring] = []
    while digits.count > 3 {
        groups.insert(digits.suffix(3), at: 0)
        digits.removeLast(3)
    }
    groups.insert(Substring(digits), at: 0)
    return (value < 0 ? "-" : "") + groups.joined(separator: ",")
}

/// `value` with exactly `decimals` fractional digits (no Foundation formatting needed).
func fixed(_ value: Double, _ decimals: Int) -> String {
    guard value.isFinite else { return "\(value)" }
    var scale = 1.0
    for _ in 0..<decimals { scale *= 10 }
    let scaled = (abs(value) * scale).rounded()
    let integer = Int64(scaled / scale)
    let fraction = Int64(scaled - Double(integer) * scale)
    var text = (value < 0 && scaled != 0 ? "-" : "") + String(integer)
    if decimals > 0 {
        let digits = String(fraction)
        text += "." + String(repeating: "0", count: max(0, decimals - digits.count)) + digits
    }
    return text
}

/// `text` padded with spaces to `width` (left-aligned), or right-aligned when `right`.
func pad(_ text: String, _ width: Int, right: Bool = false) -> String {
    let padding = String(repeating: " ", count: max(0, width - text.count))
    return right ? padding + text : text + padding
}

/// Prints a line straight to standard output (unbuffered, so progress shows through a pipe).
func say(_ text: String) {
    var line = text + "\n"
    line.withUTF8 { bytes in
        var offset = 0
        while offset < bytes.count {
            let written = write(1, bytes.baseAddress! + offset, bytes.count - offset)
            if written <= 0 { return }
            offset += written
        }
    }
}
