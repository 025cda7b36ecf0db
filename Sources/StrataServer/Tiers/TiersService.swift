import ServiceLifecycle

/// Runs the tiers' replicators while the server runs; at shutdown (after the listeners drained,
/// before the store closes) stops them. What is committed and not applied stays in the logs.
struct TiersService: Service {
    let tiers: ServerTiers

    func run() async throws {
        tiers.start()
        try? await gracefulShutdown()
        await tiers.stop()
    }
}
