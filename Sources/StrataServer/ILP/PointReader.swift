import Strata
import StrataLineProtocol

/// A field name the mapping knows, with a small code that ``PointReader`` compares instead of
/// the name's bytes.
struct FieldKey: Sendable {
    let code: UInt8
    let name: String

    static let price = FieldKey(code: 1, name: "price")
    static let qty = FieldKey(code: 2, name: "qty")
    static let amount = FieldKey(code: 3, name: "amount")
    static let quantity = FieldKey(code: 4, name: "quantity")
    static let tradeID = FieldKey(code: 5, name: "trade_id")
    static let side = FieldKey(code: 6, name: "side")
    static let isBuyerMaker = FieldKey(code: 7, name: "is_buyer_maker")
    static let aggTradeID = FieldKey(code: 8, name: "agg_trade_id")
    static let firstTradeID = FieldKey(code: 9, name: "first_trade_id")
    static let lastTradeID = FieldKey(code: 10, name: "last_trade_id")
    static let isBestMatch = FieldKey(code: 11, name: "is_best_match")
    /// `bid_px_N`, `bid_sz_N`, `ask_px_N`, `ask_sz_N` for N = 0…4: codes 16 + 8 × kind + N.
    static let bidPrices = depth(kind: 0, "bid_px_")
    static let bidSizes = depth(kind: 1, "bid_sz_")
    static let askPrices = depth(kind: 2, "ask_px_")
    static let askSizes = depth(kind: 3, "ask_sz_")

    /// The trade quantity's names, the first preferred in messages.
    static let tradeQuantity = [qty, amount, quantity]
    static let aggregatedQuantity = [qty, quantity, amount]

    private static func depth(kind: UInt8, _ prefix: String) -> [FieldKey] {
        (0..<UInt8(Quote.maximumDepth)).map { FieldKey(code: 16 + 8 * kind + $0, name: prefix + String($0)) }
    }

    /// The code of a field name, 0 for a name the mapping does not know.
    static func code(of key: UnsafeBufferPointer<UInt8>) -> UInt8 {
        func equals(_ name: StaticString) -> Bool {
            guard key.count == name.utf8CodeUnitCount else { return false }
            let bytes = name.utf8Start
            for index in 0..<key.count where key[index] != bytes[index] { return false }
            return true
        }
        switch key.count {
        case 3: return equals("qty") ? 2 : 0
        case 4: return equals("side") ? 6 : 0
        case 5: return equals("price") ? 1 : 0
        case 6: return equals("amount") ? 3 : 0
        case 8:
            if equals("quantity") { return 4 }
            if equals("trade_id") { return 5 }
            let level = key[7] &- UInt8(ascii: "0")
            guard level < UInt8(Quote.maximumDepth), key[6] == UInt8(ascii: "_") else { return 0 }
            let kind: UInt8
            if key[0] == UInt8(ascii: "b"), key[1] == UInt8(ascii: "i"), key[2] == UInt8(ascii: "d") {
                kind = 0
            } else if key[0] == UInt8(ascii: "a"), key[1] == UInt8(ascii: "s"), key[2] == UInt8(ascii: "k") {
                kind = 2
            } else {
                return 0
            }
            guard key[3] == UInt8(ascii: "_") else { return 0 }
            if key[4] == UInt8(ascii: "p"), key[5] == UInt8(ascii: "x") { return 16 + 8 * kind + level }
            if key[4] == UInt8(ascii: "s"), key[5] == UInt8(ascii: "z") { return 16 + 8 * (kind + 1) + level }
            return 0
        case 12: return equals("agg_trade_id") ? 8 : 0
        case 13: return equals("last_trade_id") ? 10 : equals("is_best_match") ? 11 : 0
        case 14: return equals("first_trade_id") ? 9 : equals("is_buyer_maker") ? 7 : 0
        default: return 0
        }
    }
}

/// Reads the typed fields of one ILP point, remembering which were used so that ``finish()``
/// can refuse the ones nobody asked for. Every error names the line and the field.
///
/// This is the TCP hot path (one reader per line): the field names are read once, into codes
/// (``FieldKey``), held inline for up to 32 fields with a bit mask of the used ones; lookups
/// compare codes, and no `String` is built except the symbol's and the texts of errors.
struct PointReader: ~Copyable {
    let point: LineProtocol.Point
    private let fields: LineProtocol.Fields
    private var codes = SIMD32<UInt8>()
    private var used: UInt64 = 0
    /// Codes and used flags of the fields past the first 32, on the rare line that has more.
    private var overflow: Overflow?

    private final class Overflow {
        var codes: [UInt8]
        var used: [Bool]

        init(count: Int) {
            codes = Array(repeating: 0, count: count)
            used = Array(repeating: false, count: count)
        }
    }

    /// Names of the `symbol` and `side` tags (renamed by a declared measurement).
    private let symbolTag: String
    private let sideTag: String

    init(point: LineProtocol.Point, renames: LineMapping.Renames? = nil) {
        self.point = point
        fields = point.fields
        symbolTag = renames?.symbolTag ?? "symbol"
        sideTag = renames?.sideTag ?? "side"
        let count = fields.count
        if count > 32 { overflow = Overflow(count: count - 32) }
        for index in 0..<count {
            let code = fields[index].withUnsafeKey { key in renames?.code(of: key) ?? FieldKey.code(of: key) }
            if index < 32 { codes[index] = code } else { overflow?.codes[index - 32] = code }
        }
    }

    /// The `symbol` tag.
    func symbol() throws(WriteError) -> Symbol {
        guard let tag = point.tags.first(key: symbolTag) else {
            throw error("missingTag", "\(symbolTag): missing tag (\(point.measurement),\(symbolTag)=… is required)")
        }
        let name = tag.withUnsafeValue { String(decoding: $0, as: UTF8.self) }
        guard Symbol.isValid(name) else { throw error("invalidValue", "symbol: invalid symbol '\(tag.value)'") }
        return Symbol(unchecked: name)
    }

    private func code(at index: Int) -> UInt8 { index < 32 ? codes[index] : overflow?.codes[index - 32] ?? 0 }

    private func isUsed(_ index: Int) -> Bool {
        index < 32 ? used & (1 << UInt64(index)) != 0 : overflow?.used[index - 32] ?? false
    }

    private mutating func field(_ key: FieldKey) -> LineProtocol.Field? {
        var index = 0
        while index < fields.count {
            if code(at: index) == key.code {
                if index < 32 { used |= 1 << UInt64(index) } else { overflow?.used[index - 32] = true }
                return fields[index]
            }
            index += 1
        }
        return nil
    }

    private mutating func field(_ keys: [FieldKey]) -> LineProtocol.Field? {
        for key in keys {
            if let field = field(key) { return field }
        }
        return nil
    }

    /// A required decimal (price or quantity), parsed exactly from the field's text.
    mutating func decimal<D: FixedPointDecimal>(_ key: FieldKey) throws(WriteError) -> D {
        try decimal([key])
    }

    /// The first of `keys` present (a quantity has several names).
    mutating func decimal<D: FixedPointDecimal>(_ keys: [FieldKey]) throws(WriteError) -> D {
        guard let field = field(keys) else {
            throw missing(
                keys.map(\.name),
                "\(keys[0].name): missing field"
                    + (keys.count > 1 ? " (or \(keys.dropFirst().map(\.name).joined(separator: ", ")))" : ""))
        }
        return try decimal(of: field)
    }

    mutating func optionalDecimal<D: FixedPointDecimal>(_ key: FieldKey) throws(WriteError) -> D? {
        guard let field = field(key) else { return nil }
        return try decimal(of: field)
    }

    private func decimal<D: FixedPointDecimal>(of field: LineProtocol.Field) throws(WriteError) -> D {
        switch field.decimal(as: D.self) {
        case .success(let value): return value
        case .failure(let failure): throw decimalError(field, failure, scale: D.scale)
        }
    }

    private func decimalError(_ field: LineProtocol.Field, _ failure: DecimalParser.Failure, scale: Int) -> WriteError {
        let key = field.key
        guard field.isFinite else {
            return error("invalidValue", "\(key): \(field.text) is not a finite number (prices and quantities must be)")
        }
        let reason =
            switch failure {
            case .notANumber: "expected a decimal number, got \(field.kind)"
            case .notFinite: "not a finite number"
            case .tooPrecise: "more than \(scale) fractional digits"
            case .overflow: "too large"
            }
        return error("invalidValue", "\(key): '\(field.text)': \(reason)")
    }

    /// A required integer identifier: an `i` or `u` integer, or a float written with digits only.
    mutating func integer(_ key: FieldKey) throws(WriteError) -> Int64 {
        guard let field = field(key) else { throw missing([key.name], "\(key.name): missing field") }
        switch field.kind {
        case .integer:
            if let value = field.integerValue { return value }
        case .unsigned, .float:
            if let value = field.withUnsafeText({ IntegerText.int64($0) }) { return value }
        default: break
        }
        throw error("invalidValue", "\(key.name): expected an integer, got '\(field.text)'")
    }

    mutating func optionalBool(_ key: FieldKey) throws(WriteError) -> Bool? {
        guard let field = field(key) else { return nil }
        guard let value = field.booleanValue else {
            throw error("invalidValue", "\(key.name): expected a boolean, got '\(field.text)'")
        }
        return value
    }

    /// `side` (`buy`: the aggressor bought, so the seller was the maker; `sell`: the buyer was
    /// the maker) as a string field or tag, or the `is_buyer_maker` boolean.
    mutating func buyerMaker() throws(WriteError) -> Bool {
        if let flag = try optionalBool(.isBuyerMaker) { return flag }
        if let field = field(.side) {
            guard field.kind == .string else {
                throw error("invalidValue", "side: expected \"buy\" or \"sell\", got \(field.text)")
            }
            if let isSell = field.withUnsafeText(Self.isSell) { return isSell }
            throw error("invalidValue", "side: expected \"buy\" or \"sell\", got \"\(field.text)\"")
        }
        if let tag = point.tags.first(key: sideTag) {
            if let isSell = tag.withUnsafeValue(Self.isSell) { return isSell }
            throw error("invalidValue", "side: expected \"buy\" or \"sell\", got \"\(tag.value)\"")
        }
        throw missing(
            ["side", "is_buyer_maker"], "side: missing field (side=\"buy\"|\"sell\" or is_buyer_maker=true|false)")
    }

    /// `buy` → false, `sell` → true (ASCII letters in any case), anything else → nil.
    private static func isSell(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool? {
        func matches(_ word: StaticString) -> Bool {
            guard bytes.count == word.utf8CodeUnitCount else { return false }
            let expected = word.utf8Start
            for index in 0..<bytes.count where bytes[index] | 0x20 != expected[index] { return false }
            return true
        }
        if matches("buy") { return false }
        if matches("sell") { return true }
        return nil
    }

    /// Refuses fields and tags that the mapping does not use.
    func finish() throws(WriteError) {
        for index in 0..<fields.count where !isUsed(index) {
            let field = fields[index]
            throw error("unknownField", "\(field.key): unknown field for measurement '\(point.measurement)'")
        }
        for tag in point.tags where !tag.hasKey(symbolTag) && !tag.hasKey(sideTag) {
            throw error("unknownTag", "\(tag.key): unknown tag for measurement '\(point.measurement)'")
        }
    }

    /// The error for a required field that is absent: when the line has a field this
    /// measurement does not know, that field is the likelier mistake (`sid="buy"` for `side`),
    /// so it is named — with the required name it is nearest to — rather than the missing one.
    private func missing(_ names: [String], _ message: String) -> WriteError {
        var unknown: [String] = []
        for index in 0..<fields.count where code(at: index) == 0 && !isUsed(index) { unknown.append(fields[index].key) }
        guard !unknown.isEmpty else { return error("missingField", message) }
        var best: (field: String, name: String, distance: Int)?
        for field in unknown {
            for name in names {
                let distance = editDistance(field, name)
                if distance < (best?.distance ?? Int.max) { best = (field, name, distance) }
            }
        }
        if let best, best.distance <= max(2, best.name.count / 3) {
            return error(
                "unknownField",
                "\(best.field): unknown field for measurement '\(point.measurement)'; did you mean \(best.name)? (\(message))"
            )
        }
        return error(
            "unknownField",
            "\(unknown[0]): unknown field for measurement '\(point.measurement)' (and \(message))")
    }

    private func error(_ code: String, _ message: String) -> WriteError {
        WriteError(code: code, message: message, line: point.line)
    }
}
