/// How a quarantined line is read again: the `format` column of a quarantine file, so that a
/// corrected line replays under the layout it arrived in (`strata quarantine replay`).
///
/// As text: `csv` (the table's own header-less layout), `csv;symbol=BTCUSDT` (rows without a
/// symbol column), `csv;header=ts,price,qty` (read under that header line; always last, as it
/// may hold any character), or `ilp;precision=ms` (InfluxDB line protocol, timestamps in that unit).
///
/// ```swift
/// QuarantineFormat("csv;symbol=BTCUSDT;header=a,b")   // .csv(header: "a,b", symbol: "BTCUSDT")
/// QuarantineFormat.lineProtocol(precision: "ns").description   // "ilp;precision=ns"
/// ```
public enum QuarantineFormat: Sendable, Hashable, CustomStringConvertible {
    /// CSV: the header line the row is read under (`nil`: the table's own layout, no header) and
    /// the symbol of rows that carry none.
    case csv(header: String?, symbol: String?)
    /// InfluxDB line protocol; `precision` is the timestamps' unit (`ns`, `us`, `ms`, `s`, `m`, `h`).
    case lineProtocol(precision: String)

    /// Reads the text form; nil for anything else.
    public init?(_ text: String) {
        var parts = text.split(separator: ";", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
        let kind = parts.removeFirst()
        var rest = parts.first ?? ""
        var settings: [String: String] = [:]
        while !rest.isEmpty {
            if rest.hasPrefix("header=") {
                settings["header"] = String(rest.dropFirst("header=".count))
                break
            }
            let pair = rest.split(separator: ";", maxSplits: 1, omittingEmptySubsequences: false)
            let setting = pair[0].split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard setting.count == 2, settings[String(setting[0])] == nil else { return nil }
            settings[String(setting[0])] = String(setting[1])
            rest = pair.count == 2 ? String(pair[1]) : ""
        }
        switch kind {
        case "csv":
            guard Set(settings.keys).isSubset(of: ["header", "symbol"]) else { return nil }
            self = .csv(header: settings["header"], symbol: settings["symbol"])
        case "ilp":
            guard settings.count == 1, let precision = settings["precision"], !precision.isEmpty else { return nil }
            self = .lineProtocol(precision: precision)
        default:
            return nil
        }
    }

    public var description: String {
        switch self {
        case .csv(let header, let symbol):
            return "csv" + (symbol.map { ";symbol=" + $0 } ?? "") + (header.map { ";header=" + $0 } ?? "")
        case .lineProtocol(let precision):
            return "ilp;precision=" + precision
        }
    }
}
