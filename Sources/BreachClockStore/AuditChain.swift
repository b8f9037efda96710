import Crypto
import Foundation

/// The append-only audit log, hash-chained: each line's hash covers its fields and the previous
/// line's hash, so an edited, inserted or deleted line breaks the chain from there on. SQLite
/// triggers also refuse UPDATE and DELETE on the table. The chain alone cannot show lines removed
/// from its end, or a rewrite whose hashes were recomputed: signed checkpoints (`AuditCheckpoint`)
/// do, and `IncidentStore.verifyAudit` checks them.
public enum AuditChain {
    /// The hash before the first line.
    public static let genesis = String(repeating: "0", count: 64)

    /// The hash of one line: SHA-256 over its fields, length-prefixed so that no two lines collide by concatenation.
    public static func hash(
        prev: String, seq: Int, at: String, actor: String, action: String, incidentID: String?,
        before: String?, after: String?
    ) -> String {
        var hasher = SHA256()
        for field in [prev, String(seq), at, actor, action, incidentID ?? "\u{0}", before ?? "\u{0}", after ?? "\u{0}"] {
            let bytes = Array(field.utf8)
            hasher.update(data: Data(String(bytes.count).utf8 + [0x3A]))
            hasher.update(data: Data(bytes))
        }
        return Hex.encode(hasher.finalize())
    }

    /// Appends a line inside the caller's transaction, as its last write: it takes the chain's lock
    /// first (`SQLDialect.auditLock`, held until the commit), so no other writer reads the same head.
    static func append(_ db: any SQLSession, at date: Date, actor: String, action: String, incidentID: String?, before: String?, after: String?)
        async throws
    {
        if let lock = db.dialect.auditLock { try await db.execute(lock) }
        let last = try await db.queryOne("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1")
        let seq = (try last?["seq"] as Int? ?? 0) + 1
        let prev: String = try last?["hash"] ?? genesis
        let at = IncidentStore.text(date)
        let hash = hash(prev: prev, seq: seq, at: at, actor: actor, action: action, incidentID: incidentID, before: before, after: after)
        try await db.execute(
            "INSERT INTO audit_log (seq, at, actor, action, incident_id, before, after, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [seq, at, actor, action, incidentID, before, after, prev, hash])
    }
}

extension IncidentStore {
    /// The audit lines, all or one incident's, oldest first.
    public func audit(incidentID: String? = nil) async throws -> [AuditEntry] {
        try await engine.read { db in
            let rows =
                if let incidentID {
                    try await db.query("SELECT * FROM audit_log WHERE incident_id = ? ORDER BY seq", [incidentID])
                } else {
                    try await db.query("SELECT * FROM audit_log ORDER BY seq")
                }
            return try rows.map { row in
                AuditEntry(
                    seq: try row["seq"], at: try row.date("at"), actor: try row["actor"], action: try row["action"],
                    incidentID: try row["incident_id"], before: try row["before"], after: try row["after"], prevHash: try row["prev_hash"],
                    hash: try row["hash"])
            }
        }
    }
}

extension IncidentStore {
    /// Rewrites an audit line behind the triggers' back, as an attacker with file access could.
    /// Only for tests of `verifyAudit`; never called by the application.
    public func tamperForTesting(seq: Int, actor: String) async throws {
        let dropGuard = engine.dialect.dropAuditGuard
        try await engine.write { db in
            try await db.execute(dropGuard)
            try await db.execute("UPDATE audit_log SET actor = ? WHERE seq = ?", [actor, seq])
        }
    }
}
