import Hummingbird
import NIOCore

/// Building the server's responses: JSON bodies and the error shape every route shares.
enum Responses {
    /// A JSON response.
    static func json(_ value: JSON, status: HTTPResponse.Status = .ok) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "application/json; charset=utf-8"
        return Response(
            status: status, headers: headers, body: .init(byteBuffer: value.buffer()))
    }

    /// Raw bytes with a content type.
    static func bytes(_ bytes: [UInt8], contentType: String) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = contentType
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    /// `{"code","message","line","errorId"}` (`line` only when the error is about one line,
    /// `parameter` only when it is about one query parameter, `field` only when it is about one
    /// member of a JSON body; `details` — an order's status, a job's id — before `errorId`).
    static func error(
        status: HTTPResponse.Status, code: String, message: String, line: Int? = nil, parameter: String? = nil,
        field: String? = nil, details: [(String, JSON)] = [], context: StrataRequestContext
    ) -> Response {
        var members: [(String, JSON)] = [("code", .string(code)), ("message", .string(message))]
        if let line { members.append(("line", .int(line))) }
        if let parameter { members.append(("parameter", .string(parameter))) }
        if let field { members.append(("field", .string(field))) }
        members += details
        members.append(("errorId", .string(context.requestID)))
        return json(.object(members), status: status)
    }
}
