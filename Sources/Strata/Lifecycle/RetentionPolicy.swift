import StrataEngine

#if canImport(Glibc)
    import Glibc
#endif

/// How long each table keeps its data, e.g. raw trades 30 days, 1m bars 90 days, 1h bars a
/// year, 1d bars 7 years.
///
/// Ages are measured back from the table's newest data, but never from later than the wall
/// clock, so one stray future-dated row cannot make a table look old; only whole sealed
/// partitions that *end* before the cutoff are dropped.
///
/// ```swift
/// let policy = try RetentionPolicy(parsing: "trades=30d,bars_1m=90d,bars_1h=365d,bars_1d=2555d")
/// policy.maximumAge["trades"]   // 30 days in nanoseconds
/// ```
public struct RetentionPolicy: Sendable, Hashable, CustomStringConvertible {
    /// Table name (a built-in table, a bar table `bars_1m` … `bars_1d`, or a user-defined table)
    /// → maximum age in nanoseconds. Tables not listed keep everything.
    public var maximumAge: [String: Int64]

    public init(maximumAge: [String: Int64] = [:]) { self.maximumAge = maximumAge }

    /// Keeps everything (the default).
    public static let keepEverything = RetentionPolicy()

    /// The table names every store has: the built-in tables, then the bar tables.
    public static var tableNames: [String] { RecordSchema.builtIn.map(\.name) + TradeBars.tableNames }

    /// Parses `table=age[,table=age…]` (also separated by spaces or new lines); ages are
    /// `<n>m`, `<n>h`, `<n>d`, `<n>w` or `<n>y` (365 days).
    /// - Parameter tables: the user-defined tables a policy may also name.
    /// - Throws: ``ValidationError`` naming the entry.
    public init(parsing text: String, tables: [String] = []) throws {
        let known = RetentionPolicy.tableNames + tables
        var ages: [String: Int64] = [:]
        for entry in text.split(whereSeparator: { $0 == "," || $0 == " " || $0 == "\n" }) where !entry.isEmpty {
            let parts = entry.split(separator: "=", maxSplits: 1)
            guard parts.count == 2, known.contains(String(parts[0])) else {
                throw ValidationError(
                    field: "retention", value: String(entry), rule: .malformed,
                    detail: "expected table=age with table one of \(known.joined(separator: ", "))")
            }
            guard let age = RetentionPolicy.parseAge(String(parts[1])) else {
                throw ValidationError(
                    field: "retention.\(parts[0])", value: String(parts[1]), rule: .malformed,
                    detail: "an age such as 30d, 12h, 90m, 52w, 7y (at most 200 years)")
            }
            ages[String(parts[0])] = age
        }
        maximumAge = ages
    }

    /// `trades=30d,bars_1m=90d` (the form ``init(parsing:)`` reads).
    public var description: String {
        maximumAge.sorted { $0.key < $1.key }.map { "\($0.key)=\(RetentionPolicy.formatAge($0.value))" }
            .joined(separator: ",")
    }

    static let units: [(suffix: Character, nanoseconds: Int64)] = [
        ("y", 365 * 86_400_000_000_000), ("w", 7 * 86_400_000_000_000), ("d", 86_400_000_000_000),
        ("h", 3_600_000_000_000), ("m", 60_000_000_000),
    ]

    /// `<n>m|h|d|w|y` (a year is 365 days) in nanoseconds, or nil.
    public static func parseAge(_ text: String) -> Int64? {
        guard let suffix = text.lowercased().last, let unit = units.first(where: { $0.suffix == suffix }),
            let count = Int64(text.dropLast()), count > 0, count <= 200 * 365 * 86_400_000_000_000 / unit.nanoseconds
        else { return nil }
        return count * unit.nanoseconds
    }

    /// The largest unit that divides the age exactly (`30d`, `12h`, `7y`).
    static func formatAge(_ age: Int64) -> String {
        for unit in units where age % unit.nanoseconds == 0 { return "\(age / unit.nanoseconds)\(unit.suffix)" }
        return "\(max(1, age / 60_000_000_000))m"
    }

    /// The policy saved in a data directory (`retention` file), if any.
    static func load(directory: String, tables: [String]) throws -> RetentionPolicy? {
        let path = directory + "/retention"
        guard FileSystem.exists(path) else { return nil }
        let text = String(decoding: try FileDescriptor(path: path, flags: O_RDONLY).readAll(), as: UTF8.self)
        return try RetentionPolicy(parsing: text, tables: tables)
    }

    /// Saves the policy in a data directory, where ``StrataStore/open(directory:configuration:)`` finds it.
    public func save(directory: String) throws {
        try FileSystem.writeAtomically(directory + "/retention", chunks: [Array((description + "\n").utf8)])
    }
}
