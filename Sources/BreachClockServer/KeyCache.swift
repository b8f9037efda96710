import BreachClockStore
import Foundation

/// Remembers authenticated API keys for a few seconds, so that a busy client does not cost a database
/// read per request. A key revoked by another process stops working here within `lifetime` (2 s by default). Keys are held
/// only as their SHA-256 hashes.
final class KeyCache: @unchecked Sendable {
    private let lock = NSLock()
    private var entries: [String: (key: StoredAPIKey?, expires: ContinuousClock.Instant)] = [:]
    let lifetime: Duration

    init(lifetime: Duration = .seconds(2)) { self.lifetime = lifetime }

    /// The key for `secret`, from the cache or from `store`. Unknown keys are cached too (as nil), so a
    /// flood of bad keys does not reach the database either.
    func authenticate(_ secret: String, store: IncidentStore) async throws -> StoredAPIKey? {
        let hash = IncidentStore.hashForCache(secret)
        let now = ContinuousClock.now
        if let hit = lock.withLock({ entries[hash] }), hit.expires > now { return hit.key }
        let found = try await store.authenticate(key: secret)
        lock.withLock {
            if entries.count > 10_000 { entries.removeAll() }
            entries[hash] = (found, now + lifetime)
        }
        return found
    }

    /// Drops every remembered key, so the next request of each reads the database (after a revocation).
    func forgetAll() {
        lock.withLock { entries.removeAll() }
    }
}
