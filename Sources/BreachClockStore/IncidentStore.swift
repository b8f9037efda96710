import BreachClockCalculator
import BreachClockRules
import Crypto
import Foundation
import GRDB

/// Incidents, their assessment history, notices, decisions, API keys and the audit chain, in SQLite
/// (WAL mode through a GRDB `DatabasePool`). Every change and its audit line are written in one
/// transaction; an incident change also checks the revision the caller saw (optimistic concurrency).
public final class IncidentStore: Sendable {
    let pool: DatabasePool
    let clock: @Sendable () -> Date

    /// How a connection's commits reach the disk.
    public enum Durability: Sendable {
        /// Each commit is synced (SQLite's `synchronous = FULL`): nothing committed is lost, even to
        /// a power cut. Incidents, notices, keys and the audit chain are written this way.
        case full
        /// Commits survive a crash of the process (`kill -9`) but not necessarily a power cut
        /// (`synchronous = NORMAL` in WAL mode). For the dispatcher's outbox bookkeeping only: losing
        /// a claim or an attempt's record to a power cut means a message is sent again, which
        /// at-least-once delivery allows, never a message lost. It spares a disk sync per claim and
        /// per batch of attempts, which on a slow disk is most of a delivery's cost.
        case outbox
    }

    /// Opens (creating if needed) the database at `path` and applies pending migrations.
    public init(path: String, clock: @escaping @Sendable () -> Date = Date.init, durability: Durability = .full) throws {
        var configuration = Configuration()
        configuration.busyMode = .timeout(10)
        if durability == .outbox {
            configuration.prepareDatabase { db in try db.execute(sql: "PRAGMA synchronous = NORMAL") }
        }
        pool = try DatabasePool(path: path, configuration: configuration)
        self.clock = clock
        try StoreMigrations.migrator().migrate(pool)
    }

    // MARK: Time and ids

    static let utc = TimeZone(identifier: "UTC")!

    /// Instants are stored as RFC 3339 UTC with milliseconds, which sort as text.
    public static func timestamp(_ date: Date) -> String { text(date) }

    static func text(_ date: Date) -> String {
        let millis = Int((date.timeIntervalSince1970 * 1000).rounded(.down))
        let seconds = Date(timeIntervalSince1970: Double(millis / 1000))
        var base = ZonedTime.rfc3339(seconds, in: utc)
        base.removeLast()  // Z
        let fraction = String(millis % 1000 + 1000).dropFirst()
        return base + "." + fraction + "Z"
    }

    static func date(_ text: String) -> Date {
        ZonedTime.parse(text, in: utc) ?? Date(timeIntervalSince1970: 0)
    }

    /// A random id with a prefix: `inc_9f2c…`.
    public static func newID(_ prefix: String) -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<12).map { _ in UInt8.random(in: 0...255, using: &generator) }
        return prefix + "_" + bytes.map { $0 < 16 ? "0" + String($0, radix: 16) : String($0, radix: 16) }.joined()
    }

    // MARK: Incidents

    /// Creates an incident with its first assessment (revision 1).
    public func createIncident(id: String = newID("inc"), title: String, change: IncidentChange, actor: String) async throws -> StoredIncident {
        let now = clock()
        return try await pool.write { db in
            try db.execute(
                sql: "INSERT INTO incident (id, title, status, facts, revision, created_at, updated_at) VALUES (?, ?, 'open', ?, 1, ?, ?)",
                arguments: [id, title, change.factsJSON, Self.text(now), Self.text(now)])
            try Self.saveAssessment(db, id: id, revision: 1, at: now, change: change)
            if let plan = change.plan { try Self.replan(db, incidentID: id, reason: "superseded at revision 1", plan: plan) }
            let after = Self.snapshot(title: title, status: .open, factsJSON: change.factsJSON)
            try AuditChain.append(db, at: now, actor: actor, action: "incident.create", incidentID: id, before: nil, after: after)
            return try Self.fetchIncident(db, id: id)!
        }
    }

    /// Changes an incident. `change` sees the incident as it stands inside the write transaction and
    /// returns the new state, or nil when nothing would change (no revision is made then, and the
    /// incident is returned as it is). The current revision must be one of `expectedRevisions` (from
    /// `If-Match`; nil accepts any).
    public func updateIncident(
        id: String, expectedRevisions: Set<Int>?, actor: String, _ change: @Sendable (StoredIncident) throws -> IncidentChange?
    ) async throws -> StoredIncident {
        let now = clock()
        return try await pool.write { db in
            guard let current = try Self.fetchIncident(db, id: id) else { throw StoreError.notFound }
            if let expectedRevisions, !expectedRevisions.contains(current.revision) {
                throw StoreError.conflict(currentRevision: current.revision)
            }
            guard let update = try change(current) else { return current }
            let revision = current.revision + 1
            let title = update.title ?? current.title
            let status = update.status ?? current.status
            let closedAt: Date? = status == .closed ? (current.closedAt ?? now) : nil
            try db.execute(
                sql: "UPDATE incident SET title = ?, status = ?, facts = ?, revision = ?, updated_at = ?, closed_at = ? WHERE id = ?",
                arguments: [title, status.rawValue, update.factsJSON, revision, Self.text(now), closedAt.map(Self.text), id])
            try Self.saveAssessment(db, id: id, revision: revision, at: now, change: update)
            if let plan = update.plan {
                let reason = if let notice = update.notice {
                    "notice to \(notice.obligationID) recorded at revision \(revision)"
                } else if status == .closed {
                    "incident closed at revision \(revision)"
                } else {
                    "the incident changed at revision \(revision)"
                }
                try Self.replan(db, incidentID: id, reason: reason, plan: plan)
            }
            if let notice = update.notice {
                try db.execute(
                    sql: """
                        INSERT INTO notice (id, incident_id, obligation_id, sent_at, method, reference, recorded_at, recorded_by)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                        """,
                    arguments: [notice.id, id, notice.obligationID, Self.text(notice.sentAt), notice.method, notice.reference,
                        Self.text(now), actor])
            }
            if let decision = update.decision {
                try db.execute(
                    sql: """
                        INSERT INTO decision (id, incident_id, kind, obligation_id, outcome, rationale, owner, decided_at, recorded_at, recorded_by)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                        """,
                    arguments: [decision.id, id, decision.kind, decision.obligationID, decision.outcome, decision.rationale,
                        decision.owner, Self.text(decision.decidedAt), Self.text(now), actor])
            }
            let before = Self.snapshot(title: current.title, status: current.status, factsJSON: current.factsJSON)
            var extra: [(String, OrderedJSON)] = []
            if let notice = update.notice { extra.append(("notice", .string(notice.obligationID))) }
            if let decision = update.decision {
                extra.append(("decision", .object([("kind", .string(decision.kind)), ("outcome", .string(decision.outcome)),
                    ("rationale", decision.rationale.map(OrderedJSON.string) ?? .null), ("owner", .string(decision.owner))])))
            }
            let after = Self.snapshot(title: title, status: status, factsJSON: update.factsJSON, extra: extra)
            try AuditChain.append(db, at: now, actor: actor, action: update.action, incidentID: id, before: before, after: after)
            return try Self.fetchIncident(db, id: id)!
        }
    }

    /// What the audit log keeps of an incident's state: `{"title", "status", "facts", …extra}`.
    static func snapshot(title: String, status: IncidentStatus, factsJSON: String, extra: [(String, OrderedJSON)] = []) -> String {
        OrderedJSON.object([("title", .string(title)), ("status", .string(status.rawValue)), ("facts", .raw(factsJSON))] + extra)
            .serialized(pretty: false)
    }

    static func saveAssessment(_ db: Database, id: String, revision: Int, at: Date, change: IncidentChange) throws {
        let changes = String(decoding: try JSONSerialization.data(withJSONObject: change.changes, options: [.withoutEscapingSlashes]), as: UTF8.self)
        try db.execute(
            sql: "INSERT INTO assessment (incident_id, revision, computed_at, rules_digest, assessment, changes) VALUES (?, ?, ?, ?, ?, ?)",
            arguments: [id, revision, Self.text(at), change.rulesDigest, change.assessmentJSON, changes])
        try db.execute(sql: "DELETE FROM obligation_due WHERE incident_id = ?", arguments: [id])
        for entry in change.dueIndex {
            try db.execute(
                sql: "INSERT INTO obligation_due (incident_id, obligation_id, kind, due, satisfied) VALUES (?, ?, ?, ?, ?)",
                arguments: [id, entry.obligationID, entry.kind, entry.due.map(Self.text), entry.satisfied])
        }
    }

    static func fetchIncident(_ db: Database, id: String) throws -> StoredIncident? {
        guard let row = try Row.fetchOne(db, sql: """
            SELECT i.*, a.assessment FROM incident i JOIN assessment a ON a.incident_id = i.id AND a.revision = i.revision
            WHERE i.id = ?
            """, arguments: [id])
        else { return nil }
        return incident(row)
    }

    static func incident(_ row: Row) -> StoredIncident {
        StoredIncident(
            id: row["id"], title: row["title"], status: IncidentStatus(rawValue: row["status"]) ?? .open, revision: row["revision"],
            factsJSON: row["facts"], assessmentJSON: row["assessment"], createdAt: date(row["created_at"]),
            updatedAt: date(row["updated_at"]), closedAt: (row["closed_at"] as String?).map(date))
    }

    public func incident(id: String) async throws -> StoredIncident? {
        try await pool.read { db in try Self.fetchIncident(db, id: id) }
    }

    /// Incidents in creation order, filtered; `after` is the cursor returned with the previous page.
    public func incidents(status: IncidentStatus?, dueBefore: Date?, limit: Int, after cursor: Int?) async throws
        -> (incidents: [StoredIncident], next: Int?)
    {
        try await pool.read { db in
            var conditions = ["1 = 1"]
            var arguments: [any DatabaseValueConvertible] = []
            if let status {
                conditions.append("i.status = ?")
                arguments.append(status.rawValue)
            }
            if let dueBefore {
                conditions.append("EXISTS (SELECT 1 FROM obligation_due d WHERE d.incident_id = i.id AND d.satisfied = 0 AND d.due IS NOT NULL AND d.due < ?)")
                arguments.append(Self.text(dueBefore))
            }
            if let cursor {
                conditions.append("i.rowid > ?")
                arguments.append(cursor)
            }
            arguments.append(limit + 1)
            let rows = try Row.fetchAll(db, sql: """
                SELECT i.rowid AS position, i.*, a.assessment FROM incident i
                JOIN assessment a ON a.incident_id = i.id AND a.revision = i.revision
                WHERE \(conditions.joined(separator: " AND ")) ORDER BY i.rowid LIMIT ?
                """, arguments: StatementArguments(arguments))
            let page = rows.prefix(limit)
            let next: Int? = rows.count > limit ? page.last?["position"] : nil
            return (page.map(Self.incident), next)
        }
    }

    /// Every assessment of the incident, oldest first.
    public func history(id: String) async throws -> [AssessmentRevision] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM assessment WHERE incident_id = ? ORDER BY revision", arguments: [id]).map { row in
                let changesText: String = row["changes"]
                let changes = (try? JSONSerialization.jsonObject(with: Data(changesText.utf8))) as? [String] ?? []
                return AssessmentRevision(revision: row["revision"], computedAt: Self.date(row["computed_at"]),
                    rulesDigest: row["rules_digest"], changes: changes, assessmentJSON: row["assessment"])
            }
        }
    }

    public func notices(incidentID: String) async throws -> [StoredNotice] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM notice WHERE incident_id = ? ORDER BY sent_at, id", arguments: [incidentID]).map { row in
                StoredNotice(id: row["id"], incidentID: row["incident_id"], obligationID: row["obligation_id"], sentAt: Self.date(row["sent_at"]),
                    method: row["method"], reference: row["reference"], recordedAt: Self.date(row["recorded_at"]), recordedBy: row["recorded_by"])
            }
        }
    }

    public func decisions(incidentID: String) async throws -> [StoredDecision] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM decision WHERE incident_id = ? ORDER BY decided_at, id", arguments: [incidentID]).map { row in
                StoredDecision(id: row["id"], incidentID: row["incident_id"], kind: row["kind"], obligationID: row["obligation_id"],
                    outcome: row["outcome"], rationale: row["rationale"], owner: row["owner"], decidedAt: Self.date(row["decided_at"]),
                    recordedAt: Self.date(row["recorded_at"]), recordedBy: row["recorded_by"])
            }
        }
    }

    /// Counts of open incidents and of current obligations by deadline kind (for metrics).
    public func statistics() async throws -> (openIncidents: Int, obligationsByKind: [String: Int]) {
        try await pool.read { db in
            let open = try Int.fetchOne(db, sql: "SELECT count(*) FROM incident WHERE status = 'open'") ?? 0
            var kinds: [String: Int] = [:]
            for row in try Row.fetchAll(db, sql: """
                SELECT d.kind, count(*) AS n FROM obligation_due d JOIN incident i ON i.id = d.incident_id
                WHERE i.status = 'open' AND d.satisfied = 0 GROUP BY d.kind
                """) {
                kinds[row["kind"]] = row["n"]
            }
            return (open, kinds)
        }
    }

    /// The outbox by state: `due` (planned and due now: waiting for a dispatcher), `scheduled`
    /// (planned for later), `sending` (in flight), `delivered`, `failed` and `cancelled`. Every state
    /// is listed, with 0 where there is none, so that a dashboard sees a series from the start.
    public func outboxStatistics(now: Date) async throws -> [(state: String, count: Int)] {
        try await pool.read { db in
            var counts: [String: Int] = [:]
            for row in try Row.fetchAll(db, sql: """
                SELECT CASE WHEN state = 'planned' AND next_attempt_at <= ? THEN 'due'
                            WHEN state = 'planned' THEN 'scheduled' ELSE state END AS bucket, count(*) AS n
                FROM webhook_delivery GROUP BY bucket
                """, arguments: [Self.text(now)]) {
                counts[row["bucket"]] = row["n"]
            }
            return ["due", "scheduled", "sending", "delivered", "failed", "cancelled"].map { ($0, counts[$0] ?? 0) }
        }
    }

    /// Whether the database answers (for readiness).
    public func ping() async throws {
        _ = try await pool.read { db in try Int.fetchOne(db, sql: "SELECT 1") }
    }
}
