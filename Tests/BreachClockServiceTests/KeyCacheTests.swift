import BreachClockStore
import BreachClockTestSupport
import Foundation
import HummingbirdTesting
import Testing

@testable import BreachClockServer

/// The API key cache (`KeyCache`): a key is read from the database once per lifetime, so a key
/// revoked behind its back (by another process) still works until then, and no longer after; a
/// revocation through this server's API drops it at once; unknown keys are cached too; the cache is
/// bounded. Real SQLite; the cache's clock is the system's monotonic clock, so lifetimes are either
/// long (a minute: never reached by a test) or very short (50 ms, waited out).
@Suite struct KeyCacheTests {
    /// A store on a fresh database and a key in it, for one test.
    func withKey(_ body: (IncidentStore, (key: String, record: StoredAPIKey)) async throws -> Void) async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("bc-keycache-\(UUID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let store = try IncidentStore(path: folder.appendingPathComponent("store.sqlite").path)
        try await body(store, try await store.createKey(name: "ci", role: .editor, actor: "test"))
    }

    /// Within its lifetime a remembered key is served from memory: revoked in the database directly
    /// (as the CLI in another process does), it still authenticates here. `forgetAll` then makes the
    /// next request read the database, which refuses it.
    @Test func aRememberedKeyIsServedWithinItsLifetime() async throws {
        try await withKey { store, created in
            let cache = KeyCache(lifetime: .seconds(60))
            let first = try await cache.authenticate(created.key, store: store)
            #expect(first?.id == created.record.id)
            #expect(first?.role == .editor)
            try await store.revokeKey(id: created.record.id, actor: "cli")
            #expect(try await store.authenticate(key: created.key) == nil, "the database no longer accepts it")
            #expect(try await cache.authenticate(created.key, store: store)?.id == created.record.id)
            cache.forgetAll()
            #expect(try await cache.authenticate(created.key, store: store) == nil)
        }
    }

    /// After its lifetime a remembered key is read again: a revocation made elsewhere takes effect
    /// without anything telling this cache. (50 ms lifetime, 150 ms wait.)
    @Test func aRememberedKeyIsForgottenAfterItsLifetime() async throws {
        try await withKey { store, created in
            let cache = KeyCache(lifetime: .milliseconds(50))
            #expect(try await cache.authenticate(created.key, store: store)?.id == created.record.id)
            try await store.revokeKey(id: created.record.id, actor: "cli")
            try await Task.sleep(for: .milliseconds(150))
            #expect(try await cache.authenticate(created.key, store: store) == nil)
        }
    }

    /// A key not (yet) in the database is remembered as unknown, so a flood of bad keys does not reach
    /// the database: a row added meanwhile is not seen until the entry expires or is forgotten.
    @Test func anUnknownKeyIsRememberedAsUnknown() async throws {
        try await withKey { store, _ in
            let cache = KeyCache(lifetime: .seconds(60))
            let secret = "bck_" + String(repeating: "u", count: 43)
            #expect(try await cache.authenticate(secret, store: store) == nil)
            // The row a key with this secret would have (the hash is what is stored, never the key).
            try await store.engine.write { db in
                try await db.execute(
                    "INSERT INTO api_key (id, name, role, secret_hash, created_at) VALUES (?, ?, ?, ?, ?)",
                    ["key_late", "late", "viewer", IncidentStore.hashForCache(secret), IncidentStore.timestamp(Date(timeIntervalSince1970: 0))])
            }
            #expect(try await store.authenticate(key: secret)?.id == "key_late")
            #expect(try await cache.authenticate(secret, store: store) == nil)
            cache.forgetAll()
            #expect(try await cache.authenticate(secret, store: store)?.id == "key_late")
        }
    }

    /// The cache does not grow without end: at its capacity (10,000 in the service; 16 here, so the
    /// test takes milliseconds) it starts again, so a key remembered before a flood of bad keys is
    /// read from the database again.
    @Test func theCacheIsBounded() async throws {
        try await withKey { store, created in
            let cache = KeyCache(lifetime: .seconds(60), capacity: 16)
            #expect(KeyCache().capacity == 10_000, "the service's bound")
            #expect(try await cache.authenticate(created.key, store: store)?.id == created.record.id)
            try await store.revokeKey(id: created.record.id, actor: "cli")
            #expect(try await cache.authenticate(created.key, store: store) != nil, "still remembered")
            // 16 distinct bad keys, in four concurrent streams (the order does not matter: every key
            // is new, so the cache reaches its bound on the last one whichever it is).
            try await withThrowingTaskGroup(of: Void.self) { group in
                for stream in 0..<4 {
                    group.addTask {
                        for index in stride(from: stream, to: 16, by: 4) {
                            _ = try await cache.authenticate("bck_flood_\(index)", store: store)
                        }
                    }
                }
                try await group.waitForAll()
            }
            #expect(try await cache.authenticate(created.key, store: store) == nil, "forgotten once the cache passed its bound")
        }
    }

    /// Through the API: `DELETE /v1/keys/{id}` stops that key at once on this server, although the
    /// cache (default lifetime, 2 s) had it; the other keys, dropped from the cache with it, are read
    /// again and keep working.
    @Test func revocationThroughTheAPIStopsTheKeyAtOnce() async throws {
        let server = try await TestServer.make()
        defer { server.remove() }
        let viewerID = try #require(try await IncidentStore(path: server.database).keys().first { $0.name == "test viewer" }?.id)
        try await server.app().test(.router) { client in
            for key in [server.viewerKey, server.editorKey] {
                try await client.execute(uri: "/v1/jurisdictions", method: .get, headers: server.headers(key)) { #expect($0.status == .ok) }
            }
            try await client.execute(uri: "/v1/keys/\(viewerID)", method: .delete, headers: server.headers(server.adminKey)) {
                #expect($0.status == .noContent)
            }
            try await client.execute(uri: "/v1/jurisdictions", method: .get, headers: server.headers(server.viewerKey)) {
                #expect($0.status == .unauthorized)
            }
            try await client.execute(uri: "/v1/jurisdictions", method: .get, headers: server.headers(server.editorKey)) {
                #expect($0.status == .ok)
            }
        }
    }
}
