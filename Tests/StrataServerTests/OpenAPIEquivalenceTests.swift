// TEMPORARY: the generated document equals the hand-written one, as JSON values.
import Foundation
import Testing

@testable import StrataServer

@Suite struct OpenAPIEquivalenceTests {
    @Test func generatedEqualsLegacy() throws {
        let old = try JSONSerialization.jsonObject(with: Data(OpenAPILegacyDocument.text.utf8)) as! NSDictionary
        let new = try JSONSerialization.jsonObject(with: Data(OpenAPIDocument.bytes)) as! NSDictionary
        try Data(OpenAPIDocument.bytes).write(to: URL(fileURLWithPath: "/tmp/openapi-new.json"))
        if old != new {
            let options: JSONSerialization.WritingOptions = [.prettyPrinted, .sortedKeys]
            try JSONSerialization.data(withJSONObject: old, options: options).write(
                to: URL(fileURLWithPath: "/tmp/openapi-old.sorted.json"))
            try JSONSerialization.data(withJSONObject: new, options: options).write(
                to: URL(fileURLWithPath: "/tmp/openapi-new.sorted.json"))
        }
        #expect(old == new)
    }
}
