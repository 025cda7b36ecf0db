import Strata
import StrataImport
import Synchronization

/// A one-line progress bar on standard error, redrawn at most ten times a second.
/// Only created when standard error is a terminal.
final class ProgressBar: Sendable {
    private struct State {
        var lastDraw: ContinuousClock.Instant?
        var drawn = false
    }
    private let state = Mutex(State())
    private let clock = ContinuousClock()
    private let started = ContinuousClock().now

    func update(_ progress: CSVImporter.Progress) {
        let now = clock.now
        let shouldDraw = state.withLock { state -> Bool in
            if let last = state.lastDraw, now - last < .milliseconds(100) { return false }
            state.lastDraw = now
            state.drawn = true
            return true
        }
        guard shouldDraw else { return }
        let elapsed = now - started
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        let rate = seconds > 0 ? Int(Double(progress.rows) / seconds) : 0
        var line = "\r"
        if let total = progress.totalBytes, total > 0 {
            let fraction = min(1, Double(progress.bytesRead) / Double(total))
            let width = 30
            let filled = Int(fraction * Double(width))
            line += "[" + String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled) + "] "
            line += "\(Int(fraction * 100))% "
        }
        line += "\(progress.rows) rows, \(rate) rows/s   "
        Terminal.writeError(line)
    }

    /// Clears the bar's line.
    func finish() {
        if state.withLock({ $0.drawn }) { Terminal.writeError("\r\u{1B}[K") }
    }
}
