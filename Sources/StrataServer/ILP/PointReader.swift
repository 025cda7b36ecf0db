import Strata
import StrataLineProtocol

/// Reads the typed fields of one ILP point, remembering which were used so that ``finish()``
/// can refuse the ones nobody asked for. Every error names the line and the field.
struct PointReader {
    let point: LineProtocol.Point
    private var used: [Bool]

    init(point: LineProtocol.Point) {
        self.point = point
        used = Array(repeating: false, count: point.fields.count)
    }

    /// The `symbol` tag.
    func symbol() throws(WriteError) -> Symbol {
        guard let name = point.tags.value(forKey: "symbol") else {
            throw error("missingTag", "symbol: missing tag (\(point.measurement),symbol=… is required)")
        }
        guard Symbol.isValid(name) else {
            throw error("invalidValue", "symbol: invalid symbol '\(name)'")
        }
        return Symbol(unchecked: name)
    }

    private mutating func field(_ keys: [String]) -> LineProtocol.Field? {
        for (index, field) in point.fields.enumerated() where keys.contains(where: { field.hasKey($0) }) {
            used[index] = true
            return field
        }
        return nil
    }

    /// A required decimal (price or quantity), parsed exactly from the field's text.
    mutating func decimal<D: FixedPointDecimal>(_ key: String) throws(WriteError) -> D {
        try decimal([key])
    }

    mutating func decimal<D: FixedPointDecimal>(_ keys: [String]) throws(WriteError) -> D {
        guard let value: D = try optionalDecimal(keys) else {
            throw error(
                "missingField",
                "\(keys[0]): missing field"
                    + (keys.count > 1 ? " (or \(keys.dropFirst().joined(separator: ", ")))" : ""))
        }
        return value
    }

    mutating func optionalDecimal<D: FixedPointDecimal>(_ key: String) throws(WriteError) -> D? {
        try optionalDecimal([key])
    }

    mutating func optionalDecimal<D: FixedPointDecimal>(_ keys: [String]) throws(WriteError) -> D? {
        guard let field = field(keys) else { return nil }
        let key = field.key
        guard field.isFinite else {
            throw error("invalidValue", "\(key): \(field.text) is not a finite number (prices and quantities must be)")
        }
        switch field.decimal(as: D.self) {
        case .success(let value): return value
        case .failure(let failure):
            let reason =
                switch failure {
                case .notANumber: "expected a decimal number, got \(field.kind)"
                case .notFinite: "not a finite number"
                case .tooPrecise: "more than \(D.scale) fractional digits"
                case .overflow: "too large"
                }
            throw error("invalidValue", "\(key): '\(field.text)': \(reason)")
        }
    }

    /// A required integer identifier: an `i` or `u` integer, or a float written with digits only.
    mutating func integer(_ key: String) throws(WriteError) -> Int64 {
        guard let field = field([key]) else { throw error("missingField", "\(key): missing field") }
        switch field.kind {
        case .integer, .unsigned, .float:
            if let value = Int64(field.text) { return value }
        default: break
        }
        throw error("invalidValue", "\(key): expected an integer, got '\(field.text)'")
    }

    mutating func optionalBool(_ key: String) throws(WriteError) -> Bool? {
        guard let field = field([key]) else { return nil }
        guard let value = field.booleanValue else {
            throw error("invalidValue", "\(key): expected a boolean, got '\(field.text)'")
        }
        return value
    }

    /// `side` (`buy`: the aggressor bought, so the seller was the maker; `sell`: the buyer was
    /// the maker) as a string field or tag, or the `is_buyer_maker` boolean.
    mutating func buyerMaker() throws(WriteError) -> Bool {
        if let flag = try optionalBool("is_buyer_maker") { return flag }
        let side: String
        if let field = field(["side"]) {
            guard field.kind == .string else {
                throw error("invalidValue", "side: expected \"buy\" or \"sell\", got \(field.text)")
            }
            side = field.text
        } else if let tag = point.tags.value(forKey: "side") {
            side = tag
        } else {
            throw error("missingField", "side: missing field (side=\"buy\"|\"sell\" or is_buyer_maker=true|false)")
        }
        switch side.lowercased() {
        case "buy": return false
        case "sell": return true
        default: throw error("invalidValue", "side: expected \"buy\" or \"sell\", got \"\(side)\"")
        }
    }

    /// Refuses fields and tags that the mapping does not use.
    func finish() throws(WriteError) {
        for (index, field) in point.fields.enumerated() where !used[index] {
            throw error("unknownField", "\(field.key): unknown field for measurement '\(point.measurement)'")
        }
        for tag in point.tags where !tag.hasKey("symbol") && !tag.hasKey("side") {
            throw error("unknownTag", "\(tag.key): unknown tag for measurement '\(point.measurement)'")
        }
    }

    private func error(_ code: String, _ message: String) -> WriteError {
        WriteError(code: code, message: message, line: point.line)
    }
}
