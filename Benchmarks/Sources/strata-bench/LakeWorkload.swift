import Foundation
import Strata
import StrataLake
import StrataWorkload

/// LAKE (issue 12): the standard workload's trades (`--lake-rows`, one day, 100 symbols) exported
/// to Parquet by `StrataLake` (rows/s, bytes per trade), against pyarrow writing the same rows
/// with its defaults (Snappy, dictionaries, statistics) in the same run; then DuckDB's query time
/// on Strata's files against DuckDB on pyarrow's (a GROUP BY symbol over everything, and one
/// symbol's rows, which row-group statistics let it skip to). Only with `--only LAKE`.
struct LakeWorkload {
    let report: Report
    let directory: String

    func run(options: Options) async throws {
        let rows = options.lakeRows
        report.section(
            "LAKE: Parquet export of \(formatCount(rows)) trades (one day, 100 symbols) vs pyarrow on the same rows; DuckDB on both"
        )
        try makeEmptyDirectory(directory)
        let store = try StrataStore.open(
            directory: directory + "/store",
            configuration: .init(
                durability: .osBuffered, validation: ValidationRules(window: .fixed(earliest: .min, latest: .max)),
                aggregates: false, maintenanceInterval: nil))
        defer { try? store.close() }
        for batch in SyntheticTrades(configuration: .init(rows: rows, seed: options.seed)).batches(of: 100_000) {
            try await store.trades.append(batch)
        }
        _ = store.compact(now: .max)

        var times: [Int64] = []
        var last: LakeExport.Summary?
        for run in 0..<3 {
            let begin = monotonicNanoseconds()
            last = try LakeExport(store: store, root: directory + "/lake-\(run)").export(
                table: "trades", from: .min, to: .max)
            times.append(monotonicNanoseconds() - begin)
        }
        guard let summary = last else { return }
        let strata = times.sorted()[1]
        if summary.rows != rows { report.fail("LAKE: exported \(summary.rows) rows, \(rows) stored") }
        let verified = LakeVerifier(root: directory + "/lake-1", schemas: [.trades]).verify()
        if !verified.isClean || verified.rows != rows {
            report.fail("LAKE: verify: \(verified.rows) rows, \(verified.problems.prefix(3))")
        }
        let strataRate = Double(rows) / (Double(strata) / 1e9)
        let strataBytes = Double(summary.bytes) / Double(rows)
        report.line(
            "Strata: \(formatBytes(Int64(summary.bytes))) in \(summary.files.count) files in \(formatDuration(strata)) (median of 3: \(times.map(formatDuration).joined(separator: ", "))), \(formatCount(Int(strataRate))) rows/s, \(fixed(strataBytes, 2)) bytes/trade"
        )

        let python = absolutePath(options.python)
        guard FileManager.default.isExecutableFile(atPath: python) else {
            report.skip("LAKE: Strata vs pyarrow", reason: "no Python at \(options.python) (--python)")
            return
        }
        _ = try LakeExport(store: store, root: directory + "/csv", format: .csv).export(
            table: "trades", from: .min, to: .max)
        let (status, output) = AsofWorkload.run([
            python, absolutePath("peers/lake_pyarrow.py"), directory + "/csv/table=trades/**/*.csv",
            directory + "/pyarrow", directory + "/lake-1/table=trades/**/*.parquet", "3",
        ])
        guard status == 0, let line = output.split(separator: "\n").last,
            let answer = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
            let writes = answer["write_seconds"] as? [Double], let bytes = answer["bytes"] as? Int,
            let duckdb = answer["duckdb_seconds"] as? [String: [Double]]
        else {
            report.fail("LAKE: the pyarrow peer failed (exit \(status)): \(output.suffix(500))")
            return
        }
        if answer["rows"] as? Int != rows { report.fail("LAKE: pyarrow read \(answer["rows"] ?? "?") rows") }
        if answer["answers_equal"] as? Bool != true {
            report.fail("LAKE: DuckDB answers differ between Strata's files and pyarrow's")
        }
        let pyarrow = Int64(writes.sorted()[1] * 1e9)
        let pyarrowRate = Double(rows) / (Double(pyarrow) / 1e9)
        let pyarrowBytes = Double(bytes) / Double(rows)
        report.line(
            "pyarrow \(answer["pyarrow"] ?? "?") write_table: \(formatBytes(Int64(bytes))) (\(answer["row_groups"] ?? "?") row groups) in \(formatDuration(pyarrow)), \(formatCount(Int(pyarrowRate))) rows/s, \(fixed(pyarrowBytes, 2)) bytes/trade (the table already in memory, sorted)"
        )
        report.add(
            "LAKE export: Strata vs pyarrow",
            "\(formatCount(Int(strataRate))) vs \(formatCount(Int(pyarrowRate))) rows/s; \(fixed(strataBytes, 2)) vs \(fixed(pyarrowBytes, 2)) bytes/trade"
        )
        for query in ["group_by_symbol", "one_symbol"] {
            guard let ours = duckdb[query + "_strata"], let theirs = duckdb[query + "_pyarrow"] else { continue }
            let a = ours.sorted()[ours.count / 2]
            let b = theirs.sorted()[theirs.count / 2]
            report.add(
                "LAKE DuckDB \(query): Strata's files vs pyarrow's",
                "\(formatDuration(Int64(a * 1e9))) vs \(formatDuration(Int64(b * 1e9))) (DuckDB \(answer["duckdb"] ?? "?"), median of 3)"
            )
        }
    }
}
