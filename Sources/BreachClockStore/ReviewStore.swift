import BreachClockJSON
import BreachClockProgramme
import Foundation

/// A closed incident's post-incident review as recorded (the computed figures are not stored: they
/// are read again from the record whenever the review is shown).
public struct StoredReview: Sendable, Equatable {
    public var incidentID: String
    /// `PostIncidentReview.Input` as JSON.
    public var review: String
    public var recordedAt: Date
    public var recordedBy: String
}

/// A message planned for an incident, with where it went: what a review and an evidence bundle list.
public struct IncidentDelivery: Sendable, Equatable {
    public var id: String
    public var webhookID: String
    /// The receiver's host only: a Slack or Teams URL is itself a credential.
    public var host: String
    public var event: String
    public var obligationID: String?
    public var dueAt: Date
    /// `planned`, `sending`, `delivered`, `failed` or `cancelled`.
    public var state: String
    public var deliveredAt: Date?
    public var attempts: Int
}

/// `review.record`'s audit line.
struct ReviewLine: Codable, Sendable {
    var digest: String
    var actionItems: [String]
}

extension IncidentStore {
    /// Records the review of a closed incident, once, and opens its action items.
    public func recordReview(
        incidentID: String, review: String, actionItems: [ExerciseLog.ActionItem], actor: String, plan: ActionItemPlan? = nil
    ) async throws -> [ActionItemState] {
        let now = clock()
        return try await engine.write { db in
            guard let row = try await db.queryOne("SELECT status FROM incident WHERE id = ?", [incidentID]) else { throw StoreError.notFound }
            guard try row["status"] as String == "closed" else { throw StoreError.rejected("the incident is still open: close it before its review") }
            if try await db.queryOne("SELECT incident_id FROM incident_review WHERE incident_id = ?", [incidentID]) != nil {
                throw StoreError.rejected("the incident's review is already recorded")
            }
            try await db.execute(
                "INSERT INTO incident_review (incident_id, review, recorded_at, recorded_by) VALUES (?, ?, ?, ?)",
                [incidentID, review, Self.text(now), actor])
            var items: [ActionItemState] = []
            for item in actionItems {
                let state = ActionItemState(
                    id: Self.newID("act"), exerciseID: nil, incidentID: incidentID, title: item.title, owner: item.owner,
                    due: item.due.description, changes: item.changes, status: "open", closedAt: nil, resolution: nil)
                try await db.execute(
                    """
                    INSERT INTO action_item (id, incident_id, title, owner, due, changes, status, created_at)
                    VALUES (?, ?, ?, ?, ?, ?, 'open', ?)
                    """,
                    [state.id, incidentID, state.title, state.owner, state.due, state.changes, Self.text(now)])
                items.append(state)
            }
            try await Self.planActionItems(db, items, plan)
            try await AuditChain.append(
                db, at: now, actor: actor, action: "review.record", incidentID: incidentID, before: nil,
                after: try JSONEncoder.text(ReviewLine(digest: Self.sha256(review), actionItems: items.map(\.id))))
            return items
        }
    }

    public func review(incidentID: String) async throws -> StoredReview? {
        try await engine.read { db in
            try await db.queryOne("SELECT * FROM incident_review WHERE incident_id = ?", [incidentID]).map { row in
                StoredReview(
                    incidentID: try row["incident_id"], review: try row["review"], recordedAt: try row.date("recorded_at"),
                    recordedBy: try row["recorded_by"])
            }
        }
    }

    /// The action items a review opened.
    public func actionItems(incidentID: String) async throws -> [ActionItemState] {
        try await engine.read { db in
            try await db.query("SELECT * FROM action_item WHERE incident_id = ? ORDER BY due, id", [incidentID]).map(Self.actionItem)
        }
    }

    /// Every message planned for an incident, by due time.
    public func deliveries(incidentID: String) async throws -> [IncidentDelivery] {
        try await engine.read { db in
            try await db.query(
                """
                SELECT d.id, d.webhook_id, w.url, d.event, d.obligation_id, d.due_at, d.state, d.delivered_at, d.attempts
                FROM webhook_delivery d JOIN webhook w ON w.id = d.webhook_id WHERE d.incident_id = ? ORDER BY d.due_at, d.id
                """, [incidentID]
            ).map { row in
                let url: String = try row["url"]
                return IncidentDelivery(
                    id: try row["id"], webhookID: try row["webhook_id"], host: URLComponents(string: url)?.host?.lowercased() ?? "?",
                    event: try row["event"], obligationID: try row["obligation_id"], dueAt: try row.date("due_at"), state: try row["state"],
                    deliveredAt: try row.optionalDate("delivered_at"), attempts: try row["attempts"])
            }
        }
    }
}
