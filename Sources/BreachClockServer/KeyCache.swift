import BreachClockStore
import Foundation
import Synchronization

/// Remembers authenticated API keys for a few seconds, so that a busy client does not cost a database
/// read per request. A key revoked by another process stops working here within `lifetime` (2 s by default). Keys are held
/// only as their SHA-256 hashes.
final class KeyCache: Sendable {
    private let entries = Mutex<[String: (key: StoredAPIKey?, expires: ContinuousClock.Instant)]>([:])
    let lifetime: Duration
    /// Past this many remembered keys the cache starts again empty, so a flood of made-up keys cannot
    /// grow it without bound.
    let capacity: Int

    init(lifetime: Duration = .seconds(2), capacity: Int = 10_000) {
        self.lifetime = lifetime
        self.capacity = capacity
    }

    /// The key for `secret`, from the cache or from `store`. Unknown keys are cached too (as nil), so a
    /// flood of bad keys does not reach the database either.
    func authenticate(_ secret: String, store: IncidentStore) async throws -> StoredAPIKey? {
        let hash = IncidentStore.hashForCache(secret)
        let now = ContinuousClock.now
        if let hit = entries.withLock({ $0[hash] }), hit.expires > now { return hit.key }
        let found = try await store.authenticate(key: secret)
        entries.withLock { entries in
            if entries.count >= capacity { entries.removeAll() }
            entries[hash] = (found, now + lifetime)
        }
        return found
    }

    /// Drops every remembered key, so the next request of each reads the database (after a revocation).
    func forgetAll() {
        entries.withLock { $0.removeAll() }
    }
}
