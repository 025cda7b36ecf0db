import ArgumentParser
import Strata

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// `--data DIR`: where the store lives.
struct DataDirectoryOptions: ParsableArguments {
    @Option(name: .customLong("data"), help: "The data directory (default: $STRATA_DATA, else ./strata-data).")
    var data: String?

    /// The directory: `--data`, else `$STRATA_DATA`, else `./strata-data`.
    var directory: String {
        if let data { return data }
        if let value = getenv("STRATA_DATA"), value.pointee != 0 { return String(cString: value) }
        return "./strata-data"
    }

    /// Opens an existing store (for reading commands): a missing directory is an error rather than
    /// a new empty store.
    func openExisting() throws -> StrataStore {
        var info = stat()
        guard stat(directory, &info) == 0 else {
            let code = errno
            throw CLIError(
                "no Strata store at \(directory): \(String(cString: strerror(code))) (set --data or STRATA_DATA)")
        }
        guard (info.st_mode & S_IFMT) == S_IFDIR else {
            throw CLIError("no Strata store at \(directory): not a directory")
        }
        guard access(directory + "/STRATA", F_OK) == 0 else {
            throw CLIError(
                "no Strata store at \(directory): the directory has no STRATA marker (set --data or STRATA_DATA)")
        }
        return try StrataStore.open(
            directory: directory, configuration: .init(durability: .osBuffered, maintenanceInterval: nil))
    }
}

/// The tables a command can work on.
enum TableName: String, ExpressibleByArgument, CaseIterable {
    case trades, aggtrades, quotes
}
