import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Strata
import StrataServer
import StrataTestSupport
import Testing

@Suite struct OpenAPITests {
    /// Every (method, path) the router serves is in `openapi.json`, and every one described there
    /// is routed.
    @Test func documentMatchesTheRouter() async throws {
        let (routed, document) = try await served()
        #expect(routed.count > 10)
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

    /// Every operation describes its success (200, 204 or 101 for the WebSocket), and every
    /// `$ref` names a component the document has.
    @Test func operationsSucceedAndReferencesResolve() async throws {
        let (_, document) = try await served()
        let paths = try #require(document["paths"] as? [String: [String: [String: Any]]])
        for (path, operations) in paths {
            for (method, operation) in operations {
                let responses = operation["responses"] as? [String: Any] ?? [:]
                #expect(
                    !Set(responses.keys).isDisjoint(with: ["200", "204", "101"]),
                    "\(method) \(path) describes no success: \(responses.keys.sorted())")
            }
        }

        var references: [String] = []
        func collect(_ value: Any) {
            if let object = value as? [String: Any] {
                if let reference = object["$ref"] as? String { references.append(reference) }
                object.values.forEach(collect)
            } else if let array = value as? [Any] {
                array.forEach(collect)
            }
        }
        collect(document)
        #expect(Set(references).count >= 8, "\(Set(references).sorted())")
        for reference in Set(references) {
            let parts = reference.split(separator: "/").map(String.init)
            #expect(parts.count == 4 && parts[0] == "#" && parts[1] == "components", "\(reference)")
            let section = (document["components"] as? [String: Any])?[parts[2]] as? [String: Any]
            #expect(section?[parts[3]] != nil, "\(reference) does not resolve")
        }
    }

    /// The (method, path) of every route the router has, and the document it serves.
    private func served() async throws -> (routes: Set<String>, document: [String: Any]) {
        let directory = makeTemporaryDirectory()
        defer { removeTree(directory) }
        let store = try StrataStore.open(directory: directory, configuration: .init(maintenanceInterval: nil))
        defer { try? store.close() }
        let router = StrataServer.makeRouter(store: store, configuration: testConfiguration(), metrics: ServerMetrics())
        let routes = Set(router.routes.map { "\($0.method.rawValue) \($0.path)" })
        let document = try await Application(router: router).test(.router) { client in
            try await client.get("/openapi.json", authorization: nil).json
        }
        return (routes, document)
    }
}
