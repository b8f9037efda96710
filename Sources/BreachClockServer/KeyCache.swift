import BreachClockStore
import Foundation
import Synchronization

/// Remembers what a secret (an API key, a console session's token) stood for, for a few seconds, so
/// that a busy client does not cost a database read per request. A key revoked or a session ended by
/// another process stops working here within `lifetime` (2 s by default); this process forgets a
/// session as it ends it. Secrets are held only as their SHA-256 hashes.
final class CredentialCache<Value: Sendable>: Sendable {
    private let entries = Mutex<[String: (value: Value?, expires: ContinuousClock.Instant)]>([:])
    let lifetime: Duration
    /// Past this many remembered secrets the cache starts again empty, so a flood of made-up ones
    /// cannot grow it without bound.
    let capacity: Int

    init(lifetime: Duration = .seconds(2), capacity: Int = 10_000) {
        self.lifetime = lifetime
        self.capacity = capacity
    }

    /// What `secret` stands for, from the cache or from `load`. Unknown secrets are cached too (as
    /// nil), so a flood of bad ones does not reach the database either.
    func value(for secret: String, load: (String) async throws -> Value?) async throws -> Value? {
        let hash = IncidentStore.hashForCache(secret)
        let now = ContinuousClock.now
        if let hit = entries.withLock({ $0[hash] }), hit.expires > now { return hit.value }
        let found = try await load(secret)
        entries.withLock { entries in
            if entries.count >= capacity { entries.removeAll() }
            entries[hash] = (found, now + lifetime)
        }
        return found
    }

    /// Forgets one secret, so its next use reads the database (a session this process ended).
    func forget(_ secret: String) {
        let hash = IncidentStore.hashForCache(secret)
        _ = entries.withLock { $0.removeValue(forKey: hash) }
    }

    /// Drops everything remembered, so the next request of each reads the database (after a revocation).
    func forgetAll() {
        entries.withLock { $0.removeAll() }
    }
}

/// The API's keys.
typealias KeyCache = CredentialCache<StoredAPIKey>

extension CredentialCache where Value == StoredAPIKey {
    /// The key for `secret`, from the cache or from `store`.
    func authenticate(_ secret: String, store: IncidentStore) async throws -> StoredAPIKey? {
        try await value(for: secret) { try await store.authenticate(key: $0) }
    }
}
