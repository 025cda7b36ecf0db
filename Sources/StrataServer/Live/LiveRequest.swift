import Hummingbird
import Strata

/// A live feed channel: what a WebSocket connection can subscribe to — any table of the store's
/// catalog, built-in or declared, by its name or an alias, and the trades' 1-minute bars.
enum LiveChannel: Hashable, Sendable {
    /// A table, by its catalog name.
    case table(String)
    case bars1m

    static let barsName = "bars_1m"

    /// The name the channel is known by in messages.
    var rawValue: String {
        switch self {
        case .table(let name): name
        case .bars1m: Self.barsName
        }
    }

    /// The channels of `store`: its tables in catalog order, then the bars.
    static func all(in store: StrataStore) -> [LiveChannel] {
        store.readers.map { .table($0.name) } + [.bars1m]
    }

    /// The channel `name` names in `store`, if any.
    init?(_ name: String, store: StrataStore) {
        if name == Self.barsName {
            self = .bars1m
        } else if let table = store.reader(named: name) {
            self = .table(table.name)
        } else {
            return nil
        }
    }
}

/// The subscription a connection asks for in its URL:
/// `/api/v1/live?channel=trades,bars_1m&symbols=BTCUSDT,ETHUSDT`.
struct LiveRequest: Sendable {
    /// Most symbols one connection may name.
    static let maximumSymbols = 1_000

    var channels: [LiveChannel]
    /// `nil`: every symbol.
    var symbols: [Symbol]?

    /// - Throws: ``ParameterError`` naming the parameter.
    init(_ request: Request, store: StrataStore) throws(ParameterError) {
        let query = QueryParameters(request)
        let names = Self.list(try query.required("channel"))
        var channels: [LiveChannel] = []
        for name in names {
            guard let channel = LiveChannel(name, store: store) else {
                let known = LiveChannel.all(in: store).map(\.rawValue).joined(separator: ", ")
                throw ParameterError(
                    parameter: "channel",
                    message: "channel: expected one or more of \(known) (comma-separated), got '\(name)'")
            }
            if !channels.contains(channel) { channels.append(channel) }
        }
        guard !channels.isEmpty else {
            throw ParameterError(parameter: "channel", message: "channel: required parameter is missing")
        }
        self.channels = channels
        guard let text = query.optional("symbols") else {
            symbols = nil
            return
        }
        var symbols: [Symbol] = []
        for name in Self.list(text) {
            guard Symbol.isValid(name) else {
                throw ParameterError(parameter: "symbols", message: "symbols: invalid symbol '\(name)'")
            }
            symbols.append(Symbol(unchecked: name))
        }
        guard !symbols.isEmpty, symbols.count <= Self.maximumSymbols else {
            throw ParameterError(
                parameter: "symbols",
                message: "symbols: expected 1...\(Self.maximumSymbols) comma-separated symbols (omit it for all)")
        }
        self.symbols = symbols
    }

    private static func list(_ text: String) -> [String] {
        text.split(separator: ",").map { String($0.filter { $0 != " " }) }.filter { !$0.isEmpty }
    }
}
