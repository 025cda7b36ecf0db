public import StrataEngine

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
    /// Table name (`trades`, `aggtrades`, `quotes`, `bars_1m`, `bars_5m`, `bars_15m`, `bars_1h`,
    /// `bars_1d`) → maximum age in nanoseconds. Tables not listed keep everything.
    public var maximumAge: [String: Int64]

    public init(maximumAge: [String: Int64] = [:]) { self.maximumAge = maximumAge }

    /// Keeps everything (the default).
    public static let keepEverything = RetentionPolicy()

    /// The table names a policy may name.
    public static let tableNames = [
        "trades", "aggtrades", "quotes", "bars_1m", "bars_5m", "bars_15m", "bars_1h", "bars_1d",
    ]

    /// Parses `table=age[,table=age…]` (also separated by spaces or new lines); ages are
    /// `<n>d`, `<n>h`, `<n>m` or `<n>w`.
    /// - Throws: ``ValidationError`` naming the entry.
    public init(parsing text: String) throws {
        var ages: [String: Int64] = [:]
        for entry in text.split(whereSeparator: { $0 == "," || $0 == " " || $0 == "\n" }) where !entry.isEmpty {
            let parts = entry.split(separator: "=", maxSplits: 1)
            guard parts.count == 2, RetentionPolicy.tableNames.contains(String(parts[0])) else {
                throw ValidationError(
                    field: "retention", value: String(entry), rule: .malformed,
                    detail: "expected table=age with table one of \(RetentionPolicy.tableNames.joined(separator: ", "))"
                )
            }
            let age: Timeframe
            do { age = try Timeframe(String(parts[1])) } catch {
                throw ValidationError(
                    field: "retention.\(parts[0])", value: String(parts[1]), rule: .malformed,
                    detail: "an age such as 30d, 12h, 90m, 52w")
            }
            ages[String(parts[0])] = age.nanoseconds
        }
        maximumAge = ages
    }

    /// `trades=30d,bars_1m=90d` (the form ``init(parsing:)`` reads).
    public var description: String {
        maximumAge.sorted { $0.key < $1.key }.map { name, age in
            "\(name)=\(Timeframe(minutes: Int(age / 60_000_000_000)).map(\.description) ?? "\(age)ns")"
        }.joined(separator: ",")
    }

    /// The policy saved in a data directory (`retention` file), if any.
    static func load(directory: String) throws -> RetentionPolicy? {
        let path = directory + "/retention"
        guard FileSystem.exists(path) else { return nil }
        let text = String(decoding: try FileDescriptor(path: path, flags: O_RDONLY).readAll(), as: UTF8.self)
        return try RetentionPolicy(parsing: text)
    }

    /// Saves the policy in a data directory, where ``StrataStore/open(directory:configuration:)`` finds it.
    public func save(directory: String) throws {
        try FileSystem.writeAtomically(directory + "/retention", chunks: [Array((description + "\n").utf8)])
    }
}
