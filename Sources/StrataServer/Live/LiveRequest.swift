import Hummingbird
import Strata

/// A live feed channel: what a WebSocket connection can subscribe to.
enum LiveChannel: String, Sendable, CaseIterable {
    case trades
    case aggtrades
    case quotes
    case bars1m = "bars_1m"
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
    init(_ request: Request) throws(ParameterError) {
        let query = QueryParameters(request)
        let names = Self.list(try query.required("channel"))
        var channels: [LiveChannel] = []
        for name in names {
            guard let channel = LiveChannel(rawValue: name) else {
                throw ParameterError(
                    parameter: "channel",
                    message: "channel: expected trades, aggtrades, quotes or bars_1m (comma-separated), got '\(name)'")
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
