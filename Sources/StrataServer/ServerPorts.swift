import Synchronization

/// The ports the server listens on, reported once every listener is up (port 0 in the
/// configuration means "any free port", so tests and tools learn the real ones here).
public struct ServerPorts: Sendable, Hashable {
    /// The HTTP listener (ILP over HTTP, JSON API, metrics, health).
    public var http: Int
    /// The ILP-over-TCP listener, or `nil` when it is not started.
    public var ilpTCP: Int?

    public init(http: Int, ilpTCP: Int?) {
        self.http = http
        self.ilpTCP = ilpTCP
    }
}

/// Collects each listener's port and calls back once with all of them.
final class ServerPortsCollector: Sendable {
    private struct State {
        var http: Int?
        var ilpTCP: Int?
        var reported = false
    }

    private let expectsILPTCP: Bool
    private let state = Mutex(State())
    private let callback: @Sendable (ServerPorts) async -> Void

    init(expectsILPTCP: Bool, callback: @escaping @Sendable (ServerPorts) async -> Void) {
        self.expectsILPTCP = expectsILPTCP
        self.callback = callback
    }

    func http(_ port: Int) async { await report { $0.http = port } }
    func ilpTCP(_ port: Int) async { await report { $0.ilpTCP = port } }

    private func report(_ update: @Sendable (inout State) -> Void) async {
        let ports = state.withLock { state -> ServerPorts? in
            update(&state)
            guard !state.reported, let http = state.http, state.ilpTCP != nil || !expectsILPTCP else { return nil }
            state.reported = true
            return ServerPorts(http: http, ilpTCP: state.ilpTCP)
        }
        if let ports { await callback(ports) }
    }
}
