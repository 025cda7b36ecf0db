import Strata

/// The answers every engine must give on the standard workload, checked against the generator.
struct Checks {
    let dataset: Dataset
    let report: Report

    func range(_ rows: [Trade], engine: String) {
        let inOrder = zip(rows, rows.dropFirst()).allSatisfy { $0.timestamp <= $1.timestamp }
        let inside = rows.allSatisfy {
            $0.symbol == dataset.w2Symbol && $0.timestamp >= dataset.w2From && $0.timestamp < dataset.w2To
        }
        if rows.count != dataset.w2ExpectedRows || !inOrder || !inside {
            report.fail(
                "\(engine) W2 returned \(rows.count) rows (expected \(dataset.w2ExpectedRows)), in order: \(inOrder), in range: \(inside)"
            )
        } else {
            report.line("check: \(rows.count) rows, oldest first, all inside the hour — as generated")
        }
    }

    func latest(_ rows: [Trade], engine: String) {
        let newestFirst = zip(rows, rows.dropFirst()).allSatisfy {
            $0.timestamp >= $1.timestamp && $0.tradeID == $1.tradeID + 1
        }
        if rows.count != dataset.w3ExpectedRows || rows.first?.tradeID != dataset.w3NewestID || !newestFirst {
            report.fail(
                "\(engine) W3 returned \(rows.count) rows (expected \(dataset.w3ExpectedRows)), newest id \(rows.first?.tradeID ?? -1) (expected \(dataset.w3NewestID)), newest first with consecutive ids: \(newestFirst)"
            )
        } else {
            report.line(
                "check: \(rows.count) rows, newest first, ids consecutive down from \(dataset.w3NewestID) — as generated"
            )
        }
    }

    /// Counts must add up to N and each symbol's Σ qty must equal the generator's, exactly.
    func summaries(_ summaries: [(symbol: String, sum: Int128, rows: Int)], engine: String) {
        var mismatches: [String] = []
        var total = 0
        var seen = Set<Int>()
        for summary in summaries {
            total += summary.rows
            let rank = Dataset.rank(of: Symbol(unchecked: summary.symbol))
            guard dataset.counts.indices.contains(rank), summary.symbol == dataset.symbols[rank].name else {
                mismatches.append("unknown symbol \(summary.symbol)")
                continue
            }
            seen.insert(rank)
            if summary.rows != dataset.counts[rank] || summary.sum != dataset.quantitySums[rank] {
                mismatches.append(
                    "\(summary.symbol): \(summary.rows) rows Σ \(summary.sum), expected \(dataset.counts[rank]) rows Σ \(dataset.quantitySums[rank])"
                )
            }
        }
        if seen.count != dataset.symbols.count {
            mismatches.append("\(seen.count) symbols, expected \(dataset.symbols.count)")
        }
        if total != dataset.rows { mismatches.append("counts add up to \(total), expected \(dataset.rows)") }
        if mismatches.isEmpty {
            let grand = dataset.quantitySums.reduce(0, +)
            report.line(
                "check: \(summaries.count) symbols, counts add up to \(formatCount(total)), every Σ qty equals the generator's exactly (Σ all = \(Quantity.exactText(grand)))"
            )
        } else {
            report.fail("\(engine) W5: " + mismatches.prefix(5).joined(separator: "; "))
        }
    }
}
