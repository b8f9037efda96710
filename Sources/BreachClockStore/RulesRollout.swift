import Foundation

extension IncidentStore {
    /// Takes the recompute of open incidents for a newly deployed rules `digest`. True for exactly one
    /// instance: the first to record the digest, or a later one when the first started more than
    /// `staleAfter` ago and never finished (it crashed; recomputing is idempotent, so taking over is safe).
    public func beginRulesRollout(digest: String, instance: String, now: Date, staleAfter: TimeInterval = 600) async throws -> Bool {
        try await engine.write { db in
            let inserted = try await db.query(
                """
                INSERT INTO rules_rollout (digest, started_at, instance) VALUES (?, ?, ?)
                ON CONFLICT (digest) DO NOTHING RETURNING digest
                """, [digest, Self.text(now), instance])
            if !inserted.isEmpty { return true }
            let taken = try await db.query(
                """
                UPDATE rules_rollout SET started_at = ?, instance = ? WHERE digest = ? AND finished_at IS NULL AND started_at < ?
                RETURNING digest
                """, [Self.text(now), instance, digest, Self.text(now.addingTimeInterval(-staleAfter))])
            return !taken.isEmpty
        }
    }

    /// Records that the rollout of `digest` is done, and how many incidents it recomputed.
    public func finishRulesRollout(digest: String, recomputed: Int, now: Date) async throws {
        try await engine.write { db in
            try await db.execute("UPDATE rules_rollout SET finished_at = ?, recomputed = ? WHERE digest = ?", [Self.text(now), recomputed, digest])
        }
    }

    /// The rollouts recorded, newest first: digest, instance, when it started and finished, how many incidents moved.
    public func rulesRollouts() async throws -> [(digest: String, instance: String, startedAt: Date, finishedAt: Date?, recomputed: Int?)] {
        try await engine.read { db in
            try await db.query("SELECT * FROM rules_rollout ORDER BY started_at DESC").map { row in
                (try row["digest"], try row["instance"], try row.date("started_at"), try row.optionalDate("finished_at"), try row["recomputed"])
            }
        }
    }

    /// Open incidents whose current assessment was computed with rules other than `digest`, in
    /// creation order; `after` is the cursor of the previous page.
    public func incidentsNotComputed(with digest: String, limit: Int, after cursor: Int?) async throws -> (ids: [String], next: Int?) {
        let position = engine.dialect.incidentPosition
        return try await engine.read { db in
            let rows = try await db.query(
                """
                SELECT i.id, i.\(position) AS page_position FROM incident i
                JOIN assessment a ON a.incident_id = i.id AND a.revision = i.revision
                WHERE i.status = 'open' AND a.rules_digest <> ? AND i.\(position) > ? ORDER BY i.\(position) LIMIT ?
                """, [digest, cursor ?? 0, limit + 1])
            let page = rows.prefix(limit)
            return (try page.map { try $0["id"] }, rows.count > limit ? try page.last?["page_position"] : nil)
        }
    }
}
