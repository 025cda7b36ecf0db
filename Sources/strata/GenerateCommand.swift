import ArgumentParser
import Strata
import StrataWorkload

/// `strata generate`: a synthetic trades CSV from ``SyntheticTrades``.
struct GenerateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Write a synthetic trades CSV (ts_ns,symbol,trade_id,price,qty,is_buyer_maker).",
        discussion: """
            The rows come from Strata's seeded workload generator: the same --seed, --rows and
            --symbols always give the same file. Ingest it with
            strata ingest --table trades --csv FILE.
            """
    )

    @Option(help: "Rows to write.")
    var rows: Int

    @Option(help: "The output file (replaced if it exists).")
    var out: String

    @Option(help: "The random seed (default: the standard workload's).")
    var seed: UInt64 = SyntheticTrades.Configuration.standard.seed

    @Option(help: "How many symbols (1 to 1000).")
    var symbols: Int = 100

    func validate() throws {
        if rows < 0 { throw ArgumentParser.ValidationError("--rows must be 0 or more") }
        if !(1...1000).contains(symbols) { throw ArgumentParser.ValidationError("--symbols must be 1 to 1000") }
    }

    func run() async throws {
        let clock = ContinuousClock()
        let started = clock.now
        let generator = SyntheticTrades(configuration: .init(rows: rows, symbols: symbols, seed: seed))
        let bytes = try generator.writeCSV(to: out)
        let elapsed = clock.now - started
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        Terminal.writeOutput(
            "wrote \(rows) trades (\(symbols) symbols, seed \(seed)) to \(out): \(bytes) bytes in "
                + "\(formatFixed(seconds, digits: 3)) s\n")
    }
}
