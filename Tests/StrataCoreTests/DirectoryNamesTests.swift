import Foundation
import StrataCore
import Testing

/// `directoryNames`: every name, of every length up to the file system's 255 bytes (records of
/// every size in `readdir`'s buffer, across many buffer fills), and nothing else.
@Suite struct DirectoryNamesTests {
    @Test func everyNameOfEveryLengthIsListedOnce() throws {
        let directory = NSTemporaryDirectory() + "strata-directory-names-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: false)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var expected: Set<String> = []
        for index in 0..<3_000 {
            let length = 1 + (index * 37) % 255
            let stem = String(index)
            let name =
                stem
                + String(
                    repeating: index % 2 == 0 ? "x" : "é", count: max(0, length - stem.count) / (index % 2 == 0 ? 1 : 2)
                )
            guard !name.isEmpty, name.utf8.count <= 255, !expected.contains(name) else { continue }
            expected.insert(name)
            #expect(FileManager.default.createFile(atPath: directory + "/" + name, contents: nil))
        }
        let names = try directoryNames(directory)
        #expect(names.count == expected.count)
        #expect(Set(names) == expected)
        #expect(throws: DirectoryListingError.self) { try directoryNames(directory + "/missing") }
    }
}
