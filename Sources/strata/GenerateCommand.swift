import ArgumentParser
import Strata

/// `strata generate`: a synthetic trades CSV (placeholder until SyntheticTrades lands).
struct GenerateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Write a synthetic trades CSV (ts_ns,symbol,trade_id,price,qty,is_buyer_maker).")

    @Option(help: "Rows to write.")
    var rows: Int

    @Option(help: "The output file.")
    var out: String

    @Option(help: "The random seed.")
    var seed: UInt64 = 42

    @Option(help: "How many symbols.")
    var symbols: Int = 100

    func run() async throws {
        throw CLIError("generate is not available in this build yet")
    }
}
