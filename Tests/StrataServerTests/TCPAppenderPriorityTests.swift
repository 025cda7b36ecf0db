import Foundation
import NIOCore
import NIOPosix
import StrataEngine
import Testing

@testable import StrataServer

/// The ILP/TCP appender holds a table's state lock while it applies a batch, so it must run at
/// normal priority: a niced holder kept latest-100 waiting for milliseconds in the soak. Linux
/// gives a new thread its creator's nice value, so what matters is where the appender is created.
@Suite struct TCPAppenderPriorityTests {
    @Test func appenderCreatedAtNormalPriorityStaysThereWhenNicedLoopsSubmit() async throws {
        let normal = BackgroundPriority.currentNiceness()
        let appender = TCPAppender()
        let loops = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let loop = loops.next()
        try await loop.submit { IngestPriority.lower() }.get()
        let loopNiceness = try await loop.submit { BackgroundPriority.currentNiceness() }.get()
        let appenderNiceness = try await loop.flatSubmit { appender.niceness(on: loop) }.get()
        #expect(appenderNiceness == normal)
        #if os(Linux)
            #expect(loopNiceness == max(normal, IngestPriority.niceness))
        #endif
        await appender.shutdown()
        try await loops.shutdownGracefully()
    }

    /// Why the service creates its appender before it lowers its loops: created from a niced
    /// thread (as the lazily created appender was, on the first append), the thread stays niced.
    @Test func appenderCreatedOnNicedThreadInheritsItsPriority() async throws {
        #if os(Linux)
            let loops = MultiThreadedEventLoopGroup(numberOfThreads: 1)
            let loop = loops.next()
            let appender = try await loop.submit { () -> TCPAppender in
                IngestPriority.lower()
                return TCPAppender()
            }.get()
            let niceness = try await appender.niceness(on: loop).get()
            #expect(niceness >= IngestPriority.niceness)
            await appender.shutdown()
            try await loops.shutdownGracefully()
        #endif
    }
}
