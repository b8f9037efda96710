import BreachClockCalculator
import BreachClockJSON
import BreachClockRules
import Crypto
import Foundation

/// Incidents, their assessment history, notices, decisions, API keys, webhooks, the outbox and the
/// audit chain, on SQLite (`SQLiteEngine`, the embedded default) or PostgreSQL (`PostgresEngine`).
/// The logic is written once over `SQLEngine`; every change and its audit line are written in one
/// transaction. An incident change is computed before its transaction, which then compares and swaps
/// the revision (optimistic concurrency that holds across instances).
public final class IncidentStore: Sendable {
    public let engine: any SQLEngine
    let clock: @Sendable () -> Date
    /// Whether `clock` was given (tests); otherwise claims and leases use the database's clock.
    let clockInjected: Bool

    /// How a connection's commits reach the disk (SQLite; PostgreSQL's are the server's setting).
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

    /// Opens (creating if needed) the SQLite database at `path` and applies pending migrations.
    public convenience init(path: String, clock: (@Sendable () -> Date)? = nil, durability: Durability = .full) throws {
        self.init(engine: try SQLiteEngine(path: path, synchronousNormal: durability == .outbox), clock: clock)
    }

    /// A store on `engine`. Without `clock`, instants come from this host's clock and claims from the database's.
    public init(engine: any SQLEngine, clock: (@Sendable () -> Date)? = nil) {
        self.engine = engine
        self.clock = clock ?? Date.init
        clockInjected = clock != nil
    }

    /// Opens the database at `location` (SQLite or PostgreSQL) and applies pending migrations.
    public static func open(_ location: DatabaseLocation, clock: (@Sendable () -> Date)? = nil, durability: Durability = .full)
        async throws -> IncidentStore
    {
        switch location {
        case .sqlite(let path): return try IncidentStore(path: path, clock: clock, durability: durability)
        case .postgres(let settings): return IncidentStore(engine: try await PostgresEngine(settings), clock: clock)
        }
    }

    /// Closes the database's connections.
    public func close() async { await engine.close() }

    /// Now, for claims and leases: the injected clock in tests, else the database's clock, so that
    /// instances whose clocks differ agree on when a claim expired.
    public func leaseNow() async throws -> Date {
        clockInjected ? clock() : try await engine.now()
    }

    // MARK: Time and ids

    /// Instants are stored as RFC 3339 UTC with milliseconds, which sort as text.
    public static func timestamp(_ date: Date) -> String { StoredTime.text(date) }

    static func text(_ date: Date) -> String { StoredTime.text(date) }

    /// A random id with a prefix: `inc_9f2c…`.
    public static func newID(_ prefix: String) -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<12).map { _ in UInt8.random(in: 0...255, using: &generator) }
        return prefix + "_" + Hex.encode(bytes)
    }

    // MARK: Incidents

    /// Creates an incident with its first assessment (revision 1).
    public func createIncident(id: String = newID("inc"), title: String, change: IncidentChange, actor: String) async throws -> StoredIncident {
        let now = clock()
        return try await engine.write { db in
            try await db.execute(
                "INSERT INTO incident (id, title, status, facts, revision, created_at, updated_at) VALUES (?, ?, 'open', ?, 1, ?, ?)",
                [id, title, change.factsJSON, Self.text(now), Self.text(now)])
            try await Self.saveAssessment(db, id: id, revision: 1, at: now, change: change)
            if let plan = change.plan { try await Self.replan(db, incidentID: id, reason: "superseded at revision 1", plan: plan) }
            let after = Self.snapshot(title: title, status: .open, factsJSON: change.factsJSON)
            try await AuditChain.append(db, at: now, actor: actor, action: "incident.create", incidentID: id, before: nil, after: after)
            return try await Self.fetchIncident(db, id: id)!
        }
    }

    /// How many times a change is computed again after another writer won the race (without
    /// `If-Match`): each round one writer wins, so this bounds the writers racing on one incident.
    static let updateAttempts = 64

    /// Changes an incident. `change` sees the incident as it stands and returns the new state, or nil
    /// when nothing would change (no revision is made then, and the incident is returned as it is).
    /// The change is computed before the write transaction, which then swaps the revision only if it
    /// is still the one `change` saw. The current revision must be one of `expectedRevisions` (from
    /// `If-Match`): if another writer moved it first, that is a conflict. Without `If-Match`, the
    /// change is computed again on the newer state.
    public func updateIncident(
        id: String, expectedRevisions: Set<Int>?, actor: String, _ change: @Sendable (StoredIncident) throws -> IncidentChange?
    ) async throws -> StoredIncident {
        for _ in 0..<Self.updateAttempts {
            guard let current = try await incident(id: id) else { throw StoreError.notFound }
            if let expectedRevisions, !expectedRevisions.contains(current.revision) {
                throw StoreError.conflict(currentRevision: current.revision)
            }
            guard let update = try change(current) else { return current }
            if let stored = try await write(update, over: current, actor: actor) { return stored }
            if expectedRevisions != nil {
                let latest = try await incident(id: id)
                throw StoreError.conflict(currentRevision: latest?.revision ?? current.revision + 1)
            }
            // Lost the race: a short random pause spreads the losers out before they try again.
            try await Task.sleep(for: .microseconds(Int.random(in: 100...2_000)))
        }
        throw StoreError.busy
    }

    /// Writes `update` if the incident is still at `current`'s revision; nil when it is not.
    func write(_ update: IncidentChange, over current: StoredIncident, actor: String) async throws -> StoredIncident? {
        let now = clock()
        let id = current.id
        return try await engine.write { db -> StoredIncident? in
            let revision = current.revision + 1
            let title = update.title ?? current.title
            let status = update.status ?? current.status
            let closedAt: Date? = status == .closed ? (current.closedAt ?? now) : nil
            let swapped = try await db.query(
                "UPDATE incident SET title = ?, status = ?, facts = ?, revision = ?, updated_at = ?, closed_at = ? WHERE id = ? AND revision = ? RETURNING id",
                [title, status.rawValue, update.factsJSON, revision, Self.text(now), closedAt.map(Self.text), id, current.revision])
            guard !swapped.isEmpty else { return nil }
            try await Self.saveAssessment(db, id: id, revision: revision, at: now, change: update)
            if let plan = update.plan {
                let reason =
                    if let notice = update.notice {
                        "notice to \(notice.obligationID) recorded at revision \(revision)"
                    } else if status == .closed {
                        "incident closed at revision \(revision)"
                    } else {
                        "the incident changed at revision \(revision)"
                    }
                try await Self.replan(db, incidentID: id, reason: reason, plan: plan)
            }
            if let notice = update.notice {
                try await db.execute(
                    """
                    INSERT INTO notice (id, incident_id, obligation_id, sent_at, method, reference, recorded_at, recorded_by)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                    [notice.id, id, notice.obligationID, Self.text(notice.sentAt), notice.method, notice.reference, Self.text(now), actor])
            }
            if let decision = update.decision {
                try await db.execute(
                    """
                    INSERT INTO decision (id, incident_id, kind, obligation_id, outcome, rationale, owner, decided_at, recorded_at, recorded_by)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                    [
                        decision.id, id, decision.kind, decision.obligationID, decision.outcome, decision.rationale,
                        decision.owner, Self.text(decision.decidedAt), Self.text(now), actor,
                    ])
            }
            let before = Self.snapshot(title: current.title, status: current.status, factsJSON: current.factsJSON)
            var extra: [(String, OrderedJSON)] = []
            if let notice = update.notice { extra.append(("notice", .string(notice.obligationID))) }
            if let decision = update.decision {
                extra.append(
                    (
                        "decision",
                        .object([
                            ("kind", .string(decision.kind)), ("outcome", .string(decision.outcome)),
                            ("rationale", decision.rationale.map(OrderedJSON.string) ?? .null), ("owner", .string(decision.owner)),
                        ])
                    ))
            }
            let after = Self.snapshot(title: title, status: status, factsJSON: update.factsJSON, extra: extra)
            try await AuditChain.append(db, at: now, actor: actor, action: update.action, incidentID: id, before: before, after: after)
            return try await Self.fetchIncident(db, id: id)
        }
    }

    /// What the audit log keeps of an incident's state: `{"title", "status", "facts", …extra}`.
    static func snapshot(title: String, status: IncidentStatus, factsJSON: String, extra: [(String, OrderedJSON)] = []) -> String {
        OrderedJSON.object([("title", .string(title)), ("status", .string(status.rawValue)), ("facts", .raw(factsJSON))] + extra)
            .serialized(pretty: false)
    }

    static func saveAssessment(_ db: any SQLSession, id: String, revision: Int, at: Date, change: IncidentChange) async throws {
        let changes = String(decoding: try JSONEncoder.sortedCompact.encode(change.changes), as: UTF8.self)
        try await db.execute(
            "INSERT INTO assessment (incident_id, revision, computed_at, rules_digest, assessment, changes) VALUES (?, ?, ?, ?, ?, ?)",
            [id, revision, Self.text(at), change.rulesDigest, change.assessmentJSON, changes])
        try await db.execute("DELETE FROM obligation_due WHERE incident_id = ?", [id])
        for entry in change.dueIndex {
            try await db.execute(
                "INSERT INTO obligation_due (incident_id, obligation_id, kind, due, satisfied) VALUES (?, ?, ?, ?, ?)",
                [id, entry.obligationID, entry.kind, entry.due.map(Self.text), entry.satisfied])
        }
    }

    static func fetchIncident(_ db: any SQLSession, id: String) async throws -> StoredIncident? {
        guard
            let row = try await db.queryOne(
                """
                SELECT i.*, a.assessment FROM incident i JOIN assessment a ON a.incident_id = i.id AND a.revision = i.revision
                WHERE i.id = ?
                """, [id])
        else { return nil }
        return try incident(row)
    }

    static func incident(_ row: SQLRow) throws -> StoredIncident {
        let status: String = try row["status"]
        guard let status = IncidentStatus(rawValue: status) else { throw UnreadableColumn(column: "status", found: status) }
        return StoredIncident(
            id: try row["id"], title: try row["title"], status: status, revision: try row["revision"],
            factsJSON: try row["facts"], assessmentJSON: try row["assessment"], createdAt: try row.date("created_at"),
            updatedAt: try row.date("updated_at"), closedAt: try row.optionalDate("closed_at"))
    }

    public func incident(id: String) async throws -> StoredIncident? {
        try await engine.read { db in try await Self.fetchIncident(db, id: id) }
    }

    /// Incidents in creation order, filtered; `after` is the cursor returned with the previous page.
    public func incidents(status: IncidentStatus?, dueBefore: Date?, limit: Int, after cursor: Int?) async throws
        -> (incidents: [StoredIncident], next: Int?)
    {
        let position = engine.dialect.incidentPosition
        return try await engine.read { db in
            var conditions = ["1 = 1"]
            var arguments: [any SQLBindable] = []
            if let status {
                conditions.append("i.status = ?")
                arguments.append(status.rawValue)
            }
            if let dueBefore {
                conditions.append(
                    "EXISTS (SELECT 1 FROM obligation_due d WHERE d.incident_id = i.id AND d.satisfied = 0 AND d.due IS NOT NULL AND d.due < ?)")
                arguments.append(Self.text(dueBefore))
            }
            if let cursor {
                conditions.append("i.\(position) > ?")
                arguments.append(cursor)
            }
            arguments.append(limit + 1)
            let rows = try await db.query(
                """
                SELECT i.\(position) AS page_position, i.*, a.assessment FROM incident i
                JOIN assessment a ON a.incident_id = i.id AND a.revision = i.revision
                WHERE \(conditions.joined(separator: " AND ")) ORDER BY i.\(position) LIMIT ?
                """, arguments)
            let page = rows.prefix(limit)
            let next: Int? = rows.count > limit ? try page.last?["page_position"] : nil
            return (try page.map(Self.incident), next)
        }
    }

    /// What an incident's page lists beside its assessment, in one read: the notices, the decisions,
    /// each revision's changes (without the stored assessment, which the page does not show) and the
    /// incident's audit lines (without their before and after).
    public func activity(incidentID: String) async throws -> IncidentActivity {
        try await engine.read { db in try await Self.fetchActivity(db, incidentID: incidentID) }
    }

    /// The incident and its activity in one read (the console's incident page); nil if there is no such incident.
    public func incidentWithActivity(id: String) async throws -> (incident: StoredIncident, activity: IncidentActivity)? {
        try await engine.read { db in
            guard let incident = try await Self.fetchIncident(db, id: id) else { return nil }
            return (incident, try await Self.fetchActivity(db, incidentID: id))
        }
    }

    /// One statement for the four lists, not four: on SQLite each statement outside a transaction
    /// is a read of its own on GRDB's reader queue (a thread hop each), and separate statements were
    /// half of the console's incident page (scripts/bench-console.py). One statement also sees one
    /// snapshot. The parts share columns: `number` orders audit lines and revisions, `at` then `c4`
    /// notices and decisions.
    static func fetchActivity(_ db: any SQLSession, incidentID: String) async throws -> IncidentActivity {
        let rows = try await db.query(
            """
            SELECT 'audit' AS part, seq AS number, at, actor AS c1, action AS c2, CAST(NULL AS TEXT) AS c3, CAST(NULL AS TEXT) AS c4,
                CAST(NULL AS TEXT) AS c5, CAST(NULL AS TEXT) AS c6
                FROM audit_log WHERE incident_id = ?
            UNION ALL SELECT 'revision', revision, computed_at, changes, NULL, NULL, NULL, NULL, NULL FROM assessment WHERE incident_id = ?
            UNION ALL SELECT 'notice', NULL, sent_at, obligation_id, method, reference, id, NULL, NULL FROM notice WHERE incident_id = ?
            UNION ALL SELECT 'decision', NULL, decided_at, kind, outcome, obligation_id, id, owner, rationale FROM decision WHERE incident_id = ?
            ORDER BY part, number, at, c4
            """, [incidentID, incidentID, incidentID, incidentID])
        var activity = IncidentActivity(notices: [], decisions: [], revisions: [], audit: [])
        for row in rows {
            switch try row["part"] as String {
            case "audit":
                activity.audit.append(.init(seq: try row["number"], at: try row.date("at"), actor: try row["c1"], action: try row["c2"]))
            case "revision":
                let changesText: String = try row["c1"]
                activity.revisions.append(
                    .init(
                        revision: try row["number"], computedAt: try row.date("at"),
                        changes: try JSONDecoder().decode([String].self, from: Data(changesText.utf8))))
            case "notice":
                activity.notices.append(
                    .init(id: try row["c4"], obligationID: try row["c1"], sentAt: try row.date("at"), method: try row["c2"], reference: try row["c3"])
                )
            default:
                activity.decisions.append(
                    .init(
                        id: try row["c4"], kind: try row["c1"], obligationID: try row["c3"], outcome: try row["c2"], rationale: try row["c6"],
                        owner: try row["c5"], decidedAt: try row.date("at")))
            }
        }
        return activity
    }

    /// Every assessment of the incident, oldest first.
    public func history(id: String) async throws -> [AssessmentRevision] {
        try await engine.read { db in
            try await db.query("SELECT * FROM assessment WHERE incident_id = ? ORDER BY revision", [id]).map { row in
                let changesText: String = try row["changes"]
                let changes = try JSONDecoder().decode([String].self, from: Data(changesText.utf8))
                return AssessmentRevision(
                    revision: try row["revision"], computedAt: try row.date("computed_at"),
                    rulesDigest: try row["rules_digest"], changes: changes, assessmentJSON: try row["assessment"])
            }
        }
    }

    public func notices(incidentID: String) async throws -> [StoredNotice] {
        try await engine.read { db in
            try await db.query("SELECT * FROM notice WHERE incident_id = ? ORDER BY sent_at, id", [incidentID]).map { row in
                StoredNotice(
                    id: try row["id"], incidentID: try row["incident_id"], obligationID: try row["obligation_id"],
                    sentAt: try row.date("sent_at"), method: try row["method"], reference: try row["reference"],
                    recordedAt: try row.date("recorded_at"), recordedBy: try row["recorded_by"])
            }
        }
    }

    public func decisions(incidentID: String) async throws -> [StoredDecision] {
        try await engine.read { db in
            try await db.query("SELECT * FROM decision WHERE incident_id = ? ORDER BY decided_at, id", [incidentID]).map { row in
                StoredDecision(
                    id: try row["id"], incidentID: try row["incident_id"], kind: try row["kind"], obligationID: try row["obligation_id"],
                    outcome: try row["outcome"], rationale: try row["rationale"], owner: try row["owner"], decidedAt: try row.date("decided_at"),
                    recordedAt: try row.date("recorded_at"), recordedBy: try row["recorded_by"])
            }
        }
    }

    /// Counts of open incidents and of current obligations by deadline kind (for metrics).
    public func statistics() async throws -> (openIncidents: Int, obligationsByKind: [String: Int]) {
        try await engine.read { db in
            let open: Int = try await db.queryOne("SELECT count(*) AS n FROM incident WHERE status = 'open'")?["n"] ?? 0
            var kinds: [String: Int] = [:]
            for row in try await db.query(
                """
                SELECT d.kind, count(*) AS n FROM obligation_due d JOIN incident i ON i.id = d.incident_id
                WHERE i.status = 'open' AND d.satisfied = 0 GROUP BY d.kind
                """)
            {
                kinds[try row["kind"]] = try row["n"]
            }
            return (open, kinds)
        }
    }

    /// The outbox by state: `due` (planned and due now: waiting for a dispatcher), `scheduled`
    /// (planned for later), `sending` (in flight), `delivered`, `failed` and `cancelled`. Every state
    /// is listed, with 0 where there is none, so that a dashboard sees a series from the start.
    public func outboxStatistics(now: Date) async throws -> [(state: String, count: Int)] {
        try await engine.read { db in
            var counts: [String: Int] = [:]
            for row in try await db.query(
                """
                SELECT CASE WHEN state = 'planned' AND next_attempt_at <= ? THEN 'due'
                            WHEN state = 'planned' THEN 'scheduled' ELSE state END AS bucket, count(*) AS n
                FROM webhook_delivery GROUP BY 1
                """, [Self.text(now)])
            {
                counts[try row["bucket"]] = try row["n"]
            }
            return ["due", "scheduled", "sending", "delivered", "failed", "cancelled"].map { ($0, counts[$0] ?? 0) }
        }
    }

    /// Whether the database answers (for readiness).
    public func ping() async throws {
        _ = try await engine.read { db in try await db.query("SELECT 1 AS one") }
    }
}

extension JSONEncoder {
    /// Sorted keys, no slashes escaped: the stored form of JSON columns, stable byte for byte.
    static var sortedCompact: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }
}
