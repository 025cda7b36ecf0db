import Hummingbird
import Strata

/// A query parameter that is missing or malformed: a 400 naming it.
struct ParameterError: Error, Sendable {
    var parameter: String
    var message: String
}

/// Typed access to a request's query parameters; every error names the parameter.
struct QueryParameters {
    let parameters: Hummingbird.Parameters

    init(_ request: Request) { parameters = request.uri.queryParameters }

    func optional(_ name: String) -> String? { parameters.get(name) }

    func required(_ name: String) throws(ParameterError) -> String {
        guard let value = optional(name), !value.isEmpty else {
            throw ParameterError(parameter: name, message: "\(name): required parameter is missing")
        }
        return value
    }

    func symbol() throws(ParameterError) -> Symbol {
        let name = try required("symbol")
        guard Symbol.isValid(name) else {
            throw ParameterError(parameter: "symbol", message: "symbol: invalid symbol '\(name)'")
        }
        return Symbol(unchecked: name)
    }

    /// An integer in `range`, or `default` when absent.
    func integer(_ name: String, default value: Int, range: ClosedRange<Int>) throws(ParameterError) -> Int {
        guard let text = optional(name) else { return value }
        guard let number = Int(text), range.contains(number) else {
            throw ParameterError(
                parameter: name,
                message: "\(name): expected an integer in \(range.lowerBound)...\(range.upperBound), got '\(text)'")
        }
        return number
    }

    /// ISO-8601 or epoch nanoseconds.
    func timestamp(_ name: String) throws(ParameterError) -> Timestamp {
        let text = try required(name)
        do {
            return try Timestamp(parsing: text, field: name)
        } catch {
            throw ParameterError(
                parameter: name, message: "\(name): expected ISO-8601 or epoch nanoseconds, got '\(text)'")
        }
    }
}
