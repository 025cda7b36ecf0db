/// The figures of one run, printed as they come and again as the final table.
final class Report {
    /// One line of the final table.
    struct Figure {
        var name: String
        var value: String
        var target: String
        /// nil: informational, no target.
        var pass: Bool?
        /// Why there is no value (skipped, failed).
        var note: String?
    }

    private(set) var figures: [Figure] = []
    private(set) var failures: [String] = []

    /// Prints a section heading.
    func section(_ title: String) {
        say("")
        say("== \(title)")
    }

    /// Prints one indented detail line.
    func line(_ text: String) { say("   \(text)") }

    func add(_ name: String, _ value: String, target: String = "", pass: Bool? = nil) {
        figures.append(Figure(name: name, value: value, target: target, pass: pass))
        line("\(name): \(value)" + (target.isEmpty ? "" : "  (target \(target): \(verdict(pass)))"))
    }

    func skip(_ name: String, target: String = "", reason: String) {
        figures.append(Figure(name: name, value: "—", target: target, pass: nil, note: reason))
        line("\(name): skipped (\(reason))")
    }

    /// Records a check that went wrong (wrong row count, wrong sum, a workload that threw).
    func fail(_ message: String) {
        failures.append(message)
        line("FAILED: \(message)")
    }

    private func verdict(_ pass: Bool?) -> String {
        switch pass {
        case true: "PASS"
        case false: "MISS"
        case nil: "—"
        }
    }

    func printTable() {
        section(
            "Summary (ratios are Strata ÷ SQLite for speeds and SQLite ÷ Strata for times: > 1 means Strata is better)")
        let nameWidth = max(28, figures.map(\.name.count).max() ?? 0)
        let valueWidth = max(18, figures.map(\.value.count).max() ?? 0)
        let targetWidth = max(14, figures.map(\.target.count).max() ?? 0)
        let header =
            pad("figure", nameWidth) + "  " + pad("value", valueWidth) + "  " + pad("target", targetWidth) + "  result"
        say(header)
        say(String(repeating: "-", count: header.count + 4))
        for figure in figures {
            var result = verdict(figure.pass)
            if let note = figure.note { result = "skipped: \(note)" }
            say(
                pad(figure.name, nameWidth) + "  " + pad(figure.value, valueWidth) + "  "
                    + pad(figure.target, targetWidth) + "  " + result)
        }
        let judged = figures.compactMap(\.pass)
        say("")
        say("targets met: \(judged.filter { $0 }.count) of \(judged.count)")
        if !failures.isEmpty {
            say("CHECKS FAILED (\(failures.count)):")
            for failure in failures { say("  - \(failure)") }
        } else {
            say("all correctness checks passed")
        }
    }
}
