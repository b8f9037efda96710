import BreachClockCalculator
import Crypto
import Foundation
import GRDB

extension IncidentStore {
    /// The hash a cache may use as the key's identity (the same as stored; never the key itself).
    public static func hashForCache(_ key: String) -> String { keyHash(key) }

    /// The SHA-256 of a key, hex: what is stored. Keys are 32 random bytes, so a fast hash is enough.
    static func keyHash(_ key: String) -> String {
        let digits: StaticString = "0123456789abcdef"
        var hex: [UInt8] = []
        hex.reserveCapacity(64)
        for byte in SHA256.hash(data: Array(key.utf8)) {
            hex.append(digits.utf8Start[Int(byte >> 4)])
            hex.append(digits.utf8Start[Int(byte & 0x0F)])
        }
        return String(decoding: hex, as: UTF8.self)
    }

    /// Creates a key and returns it with its record; the key itself is shown once and never stored.
    public func createKey(name: String, role: APIRole, actor: String) async throws -> (key: String, record: StoredAPIKey) {
        var generator = SystemRandomNumberGenerator()
        let secret = (0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) }
        let key = "bck_" + Data(secret).base64EncodedString().replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
        let id = Self.newID("key")
        let now = clock()
        try await pool.write { db in
            try db.execute(sql: "INSERT INTO api_key (id, name, role, secret_hash, created_at) VALUES (?, ?, ?, ?, ?)",
                arguments: [id, name, role.rawValue, Self.keyHash(key), Self.text(now)])
            // The secret's hash goes into the log too, so that swapping a row's hash for an attacker's own
            // key (taking over its role) shows in `audit verify`. It is the hash already stored, never the key.
            let after = OrderedJSON.object([("id", .string(id)), ("name", .string(name)), ("role", .string(role.rawValue)),
                ("secretHash", .string(Self.keyHash(key)))]).serialized(pretty: false)
            try AuditChain.append(db, at: now, actor: actor, action: "key.create", incidentID: nil, before: nil, after: after)
        }
        return (key, StoredAPIKey(id: id, name: name, role: role, createdAt: now, revokedAt: nil))
    }

    /// The active key with this secret, if any.
    public func authenticate(key: String) async throws -> StoredAPIKey? {
        let hash = Self.keyHash(key)
        return try await pool.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM api_key WHERE secret_hash = ? AND revoked_at IS NULL", arguments: [hash]).map(Self.apiKey)
        }
    }

    static func apiKey(_ row: Row) -> StoredAPIKey {
        StoredAPIKey(id: row["id"], name: row["name"], role: APIRole(rawValue: row["role"]) ?? .viewer,
            createdAt: date(row["created_at"]), revokedAt: (row["revoked_at"] as String?).map(date))
    }

    public func keys() async throws -> [StoredAPIKey] {
        try await pool.read { db in try Row.fetchAll(db, sql: "SELECT * FROM api_key ORDER BY created_at, id").map(Self.apiKey) }
    }

    /// Revokes a key; revoking twice is harmless.
    public func revokeKey(id: String, actor: String) async throws {
        let now = clock()
        try await pool.write { db in
            guard try Row.fetchOne(db, sql: "SELECT id FROM api_key WHERE id = ?", arguments: [id]) != nil else { throw StoreError.notFound }
            try db.execute(sql: "UPDATE api_key SET revoked_at = coalesce(revoked_at, ?) WHERE id = ?", arguments: [Self.text(now), id])
            try AuditChain.append(db, at: now, actor: actor, action: "key.revoke", incidentID: nil, before: nil,
                after: OrderedJSON.object([("id", .string(id))]).serialized(pretty: false))
        }
    }
}
