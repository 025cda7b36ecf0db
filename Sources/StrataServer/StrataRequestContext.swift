public import Hummingbird

/// The request context of every Strata server route: Hummingbird's core storage plus the
/// request's correlation id and what its token may do.
public struct StrataRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The correlation id (the client's `X-Request-Id`, or one generated), echoed in the response,
    /// logged as `request_id` and reported as `errorId` in error bodies.
    public var requestID: String = ""
    /// What the request's token allows (set by ``AuthMiddleware``).
    public var access: Access = .none

    public init(source: Source) {
        coreContext = .init(source: source)
    }
}
