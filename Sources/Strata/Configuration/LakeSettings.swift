/// The `lake` block of the configuration: the Parquet lake as the store's cold tier.
///
/// | file key | variable | |
/// |---|---|---|
/// | `lake.directory` | `STRATA_LAKE_DIRECTORY` | the lake (no directory: no cold tier) |
/// | `lake.hotRetention` | `STRATA_LAKE_HOT_RETENTION` | `trades=7d,quotes=2d,*=30d`: how long rows stay hot per table (`*`: every other table) |
/// | `lake.janitor` | `STRATA_LAKE_JANITOR` | whether the store's maintenance moves partitions (default true) |
///
/// ```json
/// { "lake": { "directory": "/data/lake", "hotRetention": "trades=7d,*=30d", "janitor": true } }
/// ```
///
/// `Strata` only reads these; `StrataLake` makes the tier of them (`LakeColdTier(settings:)`),
/// which the server and the `strata` command give the store (``StrataStore/Configuration/cold``).
public struct LakeSettings: Sendable, Hashable {
    /// The lake directory; nil: no cold tier.
    public var directory: String?
    /// Per table, how long rows stay hot (nanoseconds).
    public var hotRetention: [String: Int64] = [:]
    /// The hot retention of every other table (`*=…`); nil: they stay hot.
    public var defaultHotRetention: Int64?
    /// Whether the store's maintenance runs the janitor.
    public var janitor = true
    /// The retention text read but not yet parsed, and its key.
    private var pending: (text: String, key: String)?

    public init() {}

    public static func == (a: LakeSettings, b: LakeSettings) -> Bool {
        a.directory == b.directory && a.hotRetention == b.hotRetention
            && a.defaultHotRetention == b.defaultHotRetention && a.janitor == b.janitor
            && a.pending?.text == b.pending?.text
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(directory)
        hasher.combine(hotRetention)
        hasher.combine(defaultHotRetention)
        hasher.combine(janitor)
    }

    /// The file's `lake` object.
    mutating func apply(_ value: JSONValue) throws(ConfigurationError) {
        try JSONReader(prefix: "lake.").object(value) { (key, value) throws(ConfigurationError) in
            let name = "lake." + key
            switch key {
            case "directory": directory = try JSONReader.string(value, key: name)
            case "hotRetention": pending = (try JSONReader.string(value, key: name), name)
            case "janitor": janitor = try JSONReader.bool(value, key: name)
            default: throw JSONReader.unknown(name)
            }
        }
    }

    /// One `STRATA_LAKE_…` variable; false if `variable` is none of them.
    mutating func apply(variable: String, value: String) throws(ConfigurationError) -> Bool {
        switch variable {
        case "STRATA_LAKE_DIRECTORY": directory = value.isEmpty ? nil : value
        case "STRATA_LAKE_HOT_RETENTION": pending = (value, variable)
        case "STRATA_LAKE_JANITOR": janitor = try StoreSettings.bool(value, key: variable)
        default: return false
        }
        return true
    }

    /// These settings with the hot retention `text` gives (`trades=7d,*=30d`).
    /// - Parameters:
    ///   - tables: the declared tables' names (besides the built-in ones).
    ///   - key: the key or option named by an error.
    /// - Throws: ``ConfigurationError`` naming `key` and the entry.
    public func withHotRetention(parsing text: String, tables: [String], key: String) throws(ConfigurationError)
        -> LakeSettings
    {
        var settings = self
        settings.pending = (text, key)
        try settings.finish(tables: tables)
        return settings
    }

    /// Parses the hot retention (it may name tables declared in the file).
    /// - Parameter tables: the declared tables' names.
    mutating func finish(tables: [String]) throws(ConfigurationError) {
        guard let (text, key) = pending else { return }
        pending = nil
        let known = RecordSchema.builtIn.map(\.name) + tables
        var ages: [String: Int64] = [:]
        var fallback: Int64?
        for entry in text.split(whereSeparator: { $0 == "," || $0 == " " || $0 == "\n" }) where !entry.isEmpty {
            let parts = entry.split(separator: "=", maxSplits: 1)
            guard parts.count == 2, parts[0] == "*" || known.contains(String(parts[0])) else {
                throw ConfigurationError(
                    key: key,
                    message:
                        "'\(entry)': expected table=age with table one of \((known + ["*"]).joined(separator: ", "))")
            }
            guard let age = RetentionPolicy.parseAge(String(parts[1])) else {
                throw ConfigurationError(
                    key: key, message: "'\(parts[1])' of \(parts[0]): an age such as 30d, 12h, 90m, 52w, 7y")
            }
            if parts[0] == "*" { fallback = age } else { ages[String(parts[0])] = age }
        }
        hotRetention = ages
        defaultHotRetention = fallback
    }
}
