import Crypto
import Foundation
import GRDB

/// The append-only audit log, hash-chained: each line's hash covers its fields and the previous
/// line's hash, so an edited, inserted or deleted line breaks the chain from there on. SQLite
/// triggers also refuse UPDATE and DELETE on the table. The chain alone cannot show lines removed
/// from its end, or a rewrite whose hashes were recomputed: signed checkpoints (`AuditCheckpoint`)
/// do, and `IncidentStore.verifyAudit` checks them.
public enum AuditChain {
    /// The hash before the first line.
    public static let genesis = String(repeating: "0", count: 64)

    /// The hash of one line: SHA-256 over its fields, length-prefixed so that no two lines collide by concatenation.
    public static func hash(prev: String, seq: Int, at: String, actor: String, action: String, incidentID: String?,
        before: String?, after: String?) -> String
    {
        var hasher = SHA256()
        for field in [prev, String(seq), at, actor, action, incidentID ?? "\u{0}", before ?? "\u{0}", after ?? "\u{0}"] {
            let bytes = Array(field.utf8)
            hasher.update(data: Data(String(bytes.count).utf8 + [0x3A]))
            hasher.update(data: Data(bytes))
        }
        return hasher.finalize().map { $0 < 16 ? "0" + String($0, radix: 16) : String($0, radix: 16) }.joined()
    }

    /// Appends a line inside the caller's transaction.
    static func append(_ db: Database, at date: Date, actor: String, action: String, incidentID: String?, before: String?, after: String?) throws {
        let last = try Row.fetchOne(db, sql: "SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1")
        let seq = (last?["seq"] as Int? ?? 0) + 1
        let prev: String = last?["hash"] ?? genesis
        let at = IncidentStore.text(date)
        let hash = hash(prev: prev, seq: seq, at: at, actor: actor, action: action, incidentID: incidentID, before: before, after: after)
        try db.execute(
            sql: "INSERT INTO audit_log (seq, at, actor, action, incident_id, before, after, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            arguments: [seq, at, actor, action, incidentID, before, after, prev, hash])
    }
}

extension IncidentStore {
    /// The audit lines, all or one incident's, oldest first.
    public func audit(incidentID: String? = nil) async throws -> [AuditEntry] {
        try await pool.read { db in
            let rows = try incidentID.map {
                try Row.fetchAll(db, sql: "SELECT * FROM audit_log WHERE incident_id = ? ORDER BY seq", arguments: [$0])
            } ?? Row.fetchAll(db, sql: "SELECT * FROM audit_log ORDER BY seq")
            return rows.map { row in
                AuditEntry(seq: row["seq"], at: Self.date(row["at"]), actor: row["actor"], action: row["action"],
                    incidentID: row["incident_id"], before: row["before"], after: row["after"], prevHash: row["prev_hash"], hash: row["hash"])
            }
        }
    }
}

extension IncidentStore {
    /// Rewrites an audit line behind the triggers' back, as an attacker with file access could.
    /// Only for tests of `verifyAudit`; never called by the application.
    public func tamperForTesting(seq: Int, actor: String) async throws {
        try await pool.write { db in
            try db.execute(sql: "DROP TRIGGER audit_log_no_update")
            try db.execute(sql: "UPDATE audit_log SET actor = ? WHERE seq = ?", arguments: [actor, seq])
        }
    }
}
