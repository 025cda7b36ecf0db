/// What a request may do, decided by its bearer token.
public enum Access: Int, Sendable, Comparable {
    /// No valid token.
    case none = 0
    /// A read-only token: queries, stats, metrics.
    case read = 1
    /// A read-write token: everything, including ILP writes.
    case write = 2

    public static func < (lhs: Access, rhs: Access) -> Bool { lhs.rawValue < rhs.rawValue }
}
