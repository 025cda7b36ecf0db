import ArgumentParser
import Strata
import StrataLake
import StrataServer

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// `--data DIR`: where the store lives.
struct DataDirectoryOptions: ParsableArguments {
    @Option(name: .customLong("data"), help: "The data directory (default: $STRATA_DATA, else ./strata-data).")
    var data: String?

    @Option(
        name: .customLong("config"),
        help:
            "A JSON configuration file, as strata serve reads (default: $STRATA_CONFIG): its user-defined tables are opened."
    )
    var config: String?

    /// How a command opens the store: the store's settings of `--config` (else `$STRATA_CONFIG`)
    /// and the `STRATA_…` variables, read as `strata serve` reads them (durability, aggregates,
    /// retention, symbol limits, the declared tables), with no background maintenance.
    /// - Parameter defaultDurability: when neither the file nor `STRATA_DURABILITY` sets one.
    func storeConfiguration(defaultDurability: Durability) throws -> StrataStore.Configuration {
        var path = config
        if path == nil, let value = getenv("STRATA_CONFIG"), value.pointee != 0 { path = String(cString: value) }
        var configuration: StrataStore.Configuration
        do {
            let settings = try StoreSettings.load(file: path, environment: ServeCommand.environment())
            configuration = settings.configuration(defaultDurability: defaultDurability)
            // The lake block: reads of moved partitions are answered from the lake.
            configuration.cold = LakeColdTier(settings: settings.lake)
        } catch {
            throw CLIError(error.description)
        }
        configuration.maintenanceInterval = nil
        return configuration
    }

    /// The directory: `--data`, else `$STRATA_DATA`, else `./strata-data`.
    var directory: String {
        if let data { return data }
        if let value = getenv("STRATA_DATA"), value.pointee != 0 { return String(cString: value) }
        return "./strata-data"
    }

    /// Opens an existing store (for reading commands): a missing directory is an error rather than
    /// a new empty store.
    /// - Parameter configuration: instead of the one the options and environment give.
    func openExisting(configuration: StrataStore.Configuration? = nil) throws -> StrataStore {
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
            directory: directory, configuration: try configuration ?? storeConfiguration(defaultDurability: .osBuffered)
        )
    }
}

/// The `--table` option's help: the built-in tables by their catalog names.
let tableHelp =
    "The table: \(RecordSchema.builtIn.map(\.name).joined(separator: ", ")) or a user-defined table of --config."
