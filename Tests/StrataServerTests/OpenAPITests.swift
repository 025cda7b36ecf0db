import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Strata
import StrataServer
import Testing

@Suite struct OpenAPITests {
    /// Every (method, path) the router serves is in `openapi.json`, and every one described there
    /// is routed.
    @Test func documentMatchesTheRouter() async throws {
        let directory = makeTemporaryDirectory()
        defer { removeTree(directory) }
        let store = try StrataStore.open(directory: directory, configuration: .init(maintenanceInterval: nil))
        defer { try? store.close() }
        let router = StrataServer.makeRouter(store: store, configuration: testConfiguration(), metrics: ServerMetrics())
        let routed = Set(router.routes.map { "\($0.method.rawValue) \($0.path)" })
        #expect(routed.count > 10)

        let app = Application(router: router)
        let document = try await app.test(.router) { client in
            try await client.get("/openapi.json", authorization: nil).json
        }
        #expect(document["openapi"] as? String == "3.0.3")
        let paths = try #require(document["paths"] as? [String: [String: Any]])
        var described = Set<String>()
        for (path, operations) in paths {
            for method in operations.keys { described.insert("\(method.uppercased()) \(path)") }
        }
        #expect(
            routed.subtracting(described).isEmpty, "routed but not described: \(routed.subtracting(described).sorted())"
        )
        #expect(
            described.subtracting(routed).isEmpty, "described but not routed: \(described.subtracting(routed).sorted())"
        )
    }
}
