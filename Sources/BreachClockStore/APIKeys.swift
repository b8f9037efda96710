import BreachClockCalculator
import BreachClockJSON
import Crypto
import Foundation

extension IncidentStore {
    /// The hash a cache may use as the key's identity (the same as stored; never the key itself).
    public static func hashForCache(_ key: String) -> String { keyHash(key) }

    /// The SHA-256 of a key, hex: what is stored. Keys are 32 random bytes, so a fast hash is enough.
    static func keyHash(_ key: String) -> String {
        Hex.encode(SHA256.hash(data: Array(key.utf8)))
    }

    /// Creates a key and returns it with its record; the key itself is shown once and never stored.
    public func createKey(name: String, role: APIRole, actor: String) async throws -> (key: String, record: StoredAPIKey) {
        var generator = SystemRandomNumberGenerator()
        let secret = (0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) }
        let key =
            "bck_"
            + Data(secret).base64EncodedString().replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
        let id = Self.newID("key")
        let now = clock()
        try await engine.write { db in
            try await db.execute(
                "INSERT INTO api_key (id, name, role, secret_hash, created_at) VALUES (?, ?, ?, ?, ?)",
                [id, name, role.rawValue, Self.keyHash(key), Self.text(now)])
            // The secret's hash goes into the log too, so that swapping a row's hash for an attacker's own
            // key (taking over its role) shows in `audit verify`. It is the hash already stored, never the key.
            let after = try JSONEncoder.text(KeyCreatedLine(id: id, name: name, role: role.rawValue, secretHash: Self.keyHash(key)))
            try await AuditChain.append(db, at: now, actor: actor, action: "key.create", incidentID: nil, before: nil, after: after)
        }
        return (key, StoredAPIKey(id: id, name: name, role: role, createdAt: now, revokedAt: nil))
    }

    /// The active key with this secret, if any.
    public func authenticate(key: String) async throws -> StoredAPIKey? {
        let hash = Self.keyHash(key)
        return try await engine.read { db in
            try await db.queryOne("SELECT * FROM api_key WHERE secret_hash = ? AND revoked_at IS NULL", [hash]).map(Self.apiKey)
        }
    }

    static func apiKey(_ row: SQLRow) throws -> StoredAPIKey {
        let role: String = try row["role"]
        guard let role = APIRole(rawValue: role) else { throw UnreadableColumn(column: "role", found: role) }
        return StoredAPIKey(
            id: try row["id"], name: try row["name"], role: role, createdAt: try row.date("created_at"),
            revokedAt: try row.optionalDate("revoked_at"))
    }

    public func keys() async throws -> [StoredAPIKey] {
        try await engine.read { db in try await db.query("SELECT * FROM api_key ORDER BY created_at, id").map(Self.apiKey) }
    }

    /// Revokes a key; revoking twice is harmless.
    public func revokeKey(id: String, actor: String) async throws {
        let now = clock()
        try await engine.write { db in
            guard try await db.queryOne("SELECT id FROM api_key WHERE id = ?", [id]) != nil else { throw StoreError.notFound }
            try await db.execute("UPDATE api_key SET revoked_at = coalesce(revoked_at, ?) WHERE id = ?", [Self.text(now), id])
            try await AuditChain.append(
                db, at: now, actor: actor, action: "key.revoke", incidentID: nil, before: nil,
                after: try JSONEncoder.text(IdentifierLine(id: id)))
        }
    }
}
