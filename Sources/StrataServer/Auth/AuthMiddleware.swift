import Hummingbird

/// Bearer-token authorization.
///
/// - `Authorization: Bearer <token>` or `Authorization: Token <token>` (what InfluxDB clients
///   send) on every route.
/// - Public routes (no token): `/ping`, `/health/live`, `/health/ready`, `/openapi.json`, and
///   `/settings` (the ILP versions Strata reads): QuestDB clients call it without a token, and a
///   401 there would fail their connection; a token, even a wrong one, changes nothing there.
/// - Writes need a write token: every request whose method is not `GET` or `HEAD` (ILP writes,
///   acknowledging incidents, creating and changing orders, jobs, signals and anomalies), and the
///   write paths (`/write`, `/api/v2/write`) whatever the method; reads a read or write token.
/// - 401 (with `WWW-Authenticate: Bearer`) without a valid token, 403 for a read token on a write
///   route. Off only when `auth.disabled` is set: then every request has write access.
struct AuthMiddleware: RouterMiddleware {
    typealias Context = StrataRequestContext
    let auth: ServerConfiguration.Auth

    /// Paths anyone may GET: probes, the API's description, and the console's page (which holds
    /// no data: it asks for a read token before it reads any).
    static let publicPaths: Set<String> = [
        "/ping", "/health/live", "/health/ready", "/openapi.json", "/settings", "/", "/console",
    ]
    static let writePaths: Set<String> = ["/write", "/api/v2/write", "/api/v1/incidents/acknowledge"]
    /// The methods a read token may use.
    static let readMethods: Set<HTTPRequest.Method> = [.get, .head]

    func handle(
        _ request: Request, context: StrataRequestContext,
        next: (Request, StrataRequestContext) async throws -> Response
    ) async throws -> Response {
        var context = context
        let path = request.uri.path
        if auth.disabled {
            context.access = .write
            return try await next(request, context)
        }
        context.access = access(request.headers[.authorization])
        if Self.publicPaths.contains(path) { return try await next(request, context) }
        let needed: Access =
            Self.writePaths.contains(path) || !Self.readMethods.contains(request.method) ? .write : .read
        if context.access == .none {
            let sent = request.headers[.authorization] != nil
            var response = Responses.error(
                status: .unauthorized, code: "unauthorized",
                message: sent
                    ? "the token was not recognised: check it against auth.readTokens / auth.writeTokens"
                    : "a token is required: Authorization: Bearer <token> (or Token <token>)", context: context)
            response.headers[.wwwAuthenticate] = "Bearer"
            return response
        }
        if context.access < needed {
            return Responses.error(
                status: .forbidden, code: "forbidden", message: "this token is read-only; \(path) needs a write token",
                context: context)
        }
        return try await next(request, context)
    }

    /// What the `Authorization` header's token allows.
    func access(_ header: String?) -> Access {
        guard let header else { return .none }
        let parts = header.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
        guard parts.count == 2, ["bearer", "token"].contains(parts[0].lowercased()) else { return .none }
        let token = parts[1].trimmingSpaces()
        if auth.writeTokens.contains(where: { Self.constantTimeEqual($0, token) }) { return .write }
        if auth.readTokens.contains(where: { Self.constantTimeEqual($0, token) }) { return .read }
        return .none
    }

    /// Compares without an early exit on the first differing byte (no timing oracle on tokens).
    static func constantTimeEqual(_ a: String, _ b: String) -> Bool {
        let a = Array(a.utf8)
        let b = Array(b.utf8)
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for index in a.indices { difference |= a[index] ^ b[index] }
        return difference == 0
    }
}

extension Substring {
    fileprivate func trimmingSpaces() -> String {
        String(drop { $0 == " " }.reversed().drop { $0 == " " }.reversed())
    }
}
