// strata-bench: the standard Strata workload and the SQLite peer, in one run.
//
//     cd Benchmarks && swift run -c release strata-bench [--rows N] [--only W1,W2,...] ...
//
// Everything runs in one detached task, off the main actor, so that the awaits on Strata's
// async API do not hop between executors inside the timings.
import Foundation
import Strata

let arguments = Array(CommandLine.arguments.dropFirst())
let options: Options
do {
    options = try Options.parse(arguments)
} catch {
    if let message = error.message {
        FileHandle.standardError.write(Data("strata-bench: \(message)\n\n".utf8))
        print(Options.usage)
        exit(2)
    }
    print(Options.usage)
    exit(0)
}

if let directory = options.recoveryOpen { exit(RecoveryChild.openAndReport(directory: directory)) }

let status = await Task.detached { await Bench(options: options).run() }.value
exit(status)
