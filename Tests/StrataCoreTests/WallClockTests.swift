import StrataCore
import Testing

@Suite("WallClock")
struct WallClockTests {
    @Test func nowIsPlausible() throws {
        let now = WallClock.now()
        // After 2024-01-01 and before 2100-01-01.
        #expect(now > (try Timestamp(iso8601: "2024-01-01")))
        #expect(now < (try Timestamp(iso8601: "2100-01-01")))
    }

    @Test func nowHasSubSecondResolutionAndDoesNotJumpBack() {
        var previous = WallClock.now()
        var sawFraction = false
        for _ in 0..<1_000 {
            let next = WallClock.now()
            #expect(next.nanoseconds >= previous.nanoseconds - 1_000_000_000)  // tolerate a small NTP slew
            if next.nanoseconds % 1_000_000_000 != 0 { sawFraction = true }
            previous = next
        }
        #expect(sawFraction)
    }
}
