import StrataCore
import Testing

@Suite("StrataError")
struct StrataErrorTests {
    @Test func codesAreDistinctAndNamed() {
        let codes: [StrataError.Code] = [
            .io, .corruptFile, .unsupportedFormat, .invalidArgument, .closed, .locked, .overflow, .validation,
        ]
        #expect(
            codes.map(\.name) == [
                "io", "corruptFile", "unsupportedFormat", "invalidArgument", "closed", "locked", "overflow",
                "validation",
            ])
        #expect(codes.map(\.description) == codes.map(\.name))
        #expect(Set(codes).count == codes.count)
    }

    @Test func descriptionAddsFileOffsetAndErrno() {
        #expect(StrataError(.closed, "store closed").description == "store closed")
        #expect(StrataError(.corruptFile, "bad crc", path: "/d/wal").description == "bad crc (file /d/wal)")
        #expect(
            StrataError(.corruptFile, "bad crc", path: "/d/wal", offset: 4096).description
                == "bad crc (file /d/wal, offset 4096)")
        #expect(
            StrataError(.io, "open failed", path: "/d/x", errno: 2).description == "open failed (file /d/x) [errno 2]")
        #expect(StrataError(.io, "fsync failed", errno: 5).description == "fsync failed [errno 5]")
    }

    @Test func carriesContext() {
        let validation = ValidationError(field: "price", value: "0", rule: .nonPositive, index: 4)
        let error = StrataError(.validation, "rejected", path: "p", offset: 1, errno: 3, validation: validation)
        #expect(error.code == .validation)
        #expect(error.message == "rejected")
        #expect(error.path == "p" && error.offset == 1 && error.errno == 3)
        #expect(error.validation == validation)
        #expect(error == StrataError(.validation, "rejected", path: "p", offset: 1, errno: 3, validation: validation))
        #expect(error != StrataError(.io, "rejected", path: "p", offset: 1, errno: 3, validation: validation))
    }

    @Test func canBeMatchedByCode() {
        do {
            throw StrataError(.locked, "in use")
        } catch let error as StrataError where error.code == .locked {
            #expect(error.message == "in use")
        } catch {
            Issue.record("unexpected \(error)")
        }
    }
}
