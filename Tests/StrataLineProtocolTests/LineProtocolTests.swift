import StrataLineProtocol
import Testing

@Suite struct LineProtocolTests {
    @Test func moduleLinks() { _ = LineProtocol.self }
}
