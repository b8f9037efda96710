import BreachClockJSON
import Foundation

/// A signed-in console session: the key it acts as, and its CSRF token.
public struct WebSession: Sendable {
    public var key: StoredAPIKey
    /// Sent with every form and compared (in constant time) with what the form posts back.
    public var csrf: String
    public var expiresAt: Date
}

/// `session.start` / `session.end` / `login-link.create` audit lines: the key, never a token.
struct SessionLine: Codable, Sendable {
    var key: String
    var via: String?
}

extension IncidentStore {
    /// 32 random bytes, base64url: a session token, a CSRF token, a login link.
    static func newToken() -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) }
        return Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    /// Starts a session for an active key, valid for `lifetime`; returns the token (shown once, kept as a hash).
    public func startSession(keyID: String, lifetime: TimeInterval, via: String) async throws -> (token: String, session: WebSession) {
        let now = clock()
        let token = Self.newToken()
        let csrf = Self.newToken()
        let expires = now.addingTimeInterval(lifetime)
        let key = try await engine.write { db -> StoredAPIKey in
            guard let row = try await db.queryOne("SELECT * FROM api_key WHERE id = ? AND revoked_at IS NULL", [keyID]) else {
                throw StoreError.notFound
            }
            try await db.execute(
                "INSERT INTO web_session (token_hash, key_id, csrf, created_at, expires_at) VALUES (?, ?, ?, ?, ?)",
                [Self.keyHash(token), keyID, csrf, Self.text(now), Self.text(expires)])
            try await AuditChain.append(
                db, at: now, actor: "key:\(keyID)", action: "session.start", incidentID: nil, before: nil,
                after: try JSONEncoder.text(SessionLine(key: keyID, via: via)))
            return try Self.apiKey(row)
        }
        return (token, WebSession(key: key, csrf: csrf, expiresAt: Self.date(Self.text(expires))))
    }

    /// The session for a token: not ended, not expired, and its key not revoked.
    public func session(token: String) async throws -> WebSession? {
        let now = clock()
        return try await engine.read { db in
            guard
                let row = try await db.queryOne(
                    """
                    SELECT s.csrf, s.expires_at, k.* FROM web_session s JOIN api_key k ON k.id = s.key_id
                    WHERE s.token_hash = ? AND s.ended_at IS NULL AND s.expires_at > ? AND k.revoked_at IS NULL
                    """, [Self.keyHash(token), Self.text(now)])
            else { return nil }
            return WebSession(key: try Self.apiKey(row), csrf: try row["csrf"], expiresAt: try row.date("expires_at"))
        }
    }

    /// Ends a session (signing out); ending twice is harmless.
    public func endSession(token: String) async throws {
        let now = clock()
        try await engine.write { db in
            guard let row = try await db.queryOne("SELECT key_id FROM web_session WHERE token_hash = ? AND ended_at IS NULL", [Self.keyHash(token)])
            else { return }
            try await db.execute("UPDATE web_session SET ended_at = ? WHERE token_hash = ?", [Self.text(now), Self.keyHash(token)])
            try await AuditChain.append(
                db, at: now, actor: "key:\(try row["key_id"] as String)", action: "session.end", incidentID: nil, before: nil,
                after: try JSONEncoder.text(SessionLine(key: try row["key_id"])))
        }
    }

    /// A one-time login link for a key, valid for `lifetime`; returns its token (shown once).
    public func createLoginLink(keyID: String, lifetime: TimeInterval, actor: String) async throws -> String {
        let now = clock()
        let token = Self.newToken()
        try await engine.write { db in
            guard try await db.queryOne("SELECT id FROM api_key WHERE id = ? AND revoked_at IS NULL", [keyID]) != nil else {
                throw StoreError.notFound
            }
            try await db.execute(
                "INSERT INTO login_link (token_hash, key_id, created_at, expires_at) VALUES (?, ?, ?, ?)",
                [Self.keyHash(token), keyID, Self.text(now), Self.text(now.addingTimeInterval(lifetime))])
            try await AuditChain.append(
                db, at: now, actor: actor, action: "login-link.create", incidentID: nil, before: nil,
                after: try JSONEncoder.text(SessionLine(key: keyID)))
        }
        return token
    }

    /// Uses a login link once: the key it signs in as, or nil (unknown, used, expired, or its key revoked).
    public func redeemLoginLink(token: String) async throws -> String? {
        let now = clock()
        return try await engine.write { db in
            guard
                let row = try await db.queryOne(
                    """
                    UPDATE login_link SET used_at = ? WHERE token_hash = ? AND used_at IS NULL AND expires_at > ?
                    AND key_id IN (SELECT id FROM api_key WHERE revoked_at IS NULL) RETURNING key_id
                    """, [Self.text(now), Self.keyHash(token), Self.text(now)])
            else { return nil }
            return try row["key_id"] as String
        }
    }
}
