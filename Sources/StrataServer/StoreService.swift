import Logging
import ServiceLifecycle
import Strata

/// Keeps the store open while the server runs; on graceful shutdown (after the HTTP server,
/// which is later in the service group, has drained) flushes the WAL and closes the store, so a
/// restart sees every acknowledged row.
struct StoreService: Service {
    let store: StrataStore
    let logger: Logger

    func run() async throws {
        try? await gracefulShutdown()
        do {
            try store.flush()
            try store.close()
            logger.info("store closed")
        } catch {
            logger.error("closing the store failed", metadata: ["error": "\(error)"])
            throw error
        }
    }
}
