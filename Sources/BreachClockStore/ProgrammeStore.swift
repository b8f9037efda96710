import BreachClockJSON
import BreachClockProgramme
import Crypto
import Foundation

/// One import of the programme file, kept whole as written: together they are its review history.
public struct StoredProgrammeRevision: Sendable, Equatable {
    public var revision: Int
    public var importedAt: Date
    public var importedBy: String
    /// SHA-256 of `source`, hex.
    public var digest: String
    /// `yaml` or `json`.
    public var format: String
    public var source: String
}

/// An exercise as stored: its scenario file, what its run produced, and the facilitator's log.
public struct StoredExercise: Sendable, Equatable {
    public var id: String
    public var name: String
    public var runAt: Date
    public var runBy: String
    /// T+0 on the simulated clock, RFC 3339.
    public var startsAt: String
    /// The scenario file as written.
    public var scenario: String
    /// `ExerciseRecord` as JSON.
    public var record: String
    /// `ExerciseLogLine` as JSON, once recorded.
    public var log: String?
    public var loggedAt: Date?
}

/// The programme's revisions, exercises and their action items.
public protocol ProgrammeRepository: Sendable {
    func importProgramme(source: String, format: String, actor: String) async throws -> (revision: StoredProgrammeRevision, changed: Bool)
    func programmeRevisions() async throws -> [StoredProgrammeRevision]
    func saveExercise(id: String, name: String, startsAt: String, scenario: String, record: String, actor: String) async throws
        -> StoredExercise
    func exercises() async throws -> [StoredExercise]
    func exercise(id: String) async throws -> StoredExercise?
    func recordExerciseLog(
        id: String, log: String, actionItems: [ExerciseLog.ActionItem], actor: String, plan: ActionItemPlan?
    ) async throws -> [ActionItemState]
    func actionItems(openOnly: Bool) async throws -> [ActionItemState]
    func closeActionItem(id: String, resolution: String, actor: String) async throws -> ActionItemState
}

/// Plans the messages for newly opened action items (their `action-item.due` reminders), given the
/// active subscriptions; run in the transaction that opens them.
public typealias ActionItemPlan = @Sendable (_ webhooks: [StoredWebhook], _ items: [ActionItemState]) -> [PlannedDelivery]

/// `programme.import`'s audit line: the revision and the digest of what was imported.
struct ProgrammeImportedLine: Codable, Sendable {
    var revision: Int
    var digest: String
}

/// `exercise.run`'s audit line, and `exercise.log`'s with the action items it opened.
struct ExerciseLine: Codable, Sendable {
    var id: String
    var name: String
    /// SHA-256 of the stored record (`exercise.run`) or log (`exercise.log`), hex.
    var recordDigest: String?
    var logDigest: String?
    var actionItems: [String]?
}

/// `action-item.close`'s audit line.
struct ActionItemClosedLine: Codable, Sendable {
    var id: String
    var resolution: String
}

extension IncidentStore: ProgrammeRepository {
    /// Stores the programme file as a new revision, unless it is the same text as the newest one
    /// (then `changed` is false and nothing is written: importing twice is harmless).
    public func importProgramme(source: String, format: String, actor: String) async throws -> (
        revision: StoredProgrammeRevision, changed: Bool
    ) {
        let digest = Self.sha256(source)
        let now = clock()
        return try await engine.write { db in
            let latest = try await db.queryOne("SELECT * FROM programme_revision ORDER BY revision DESC LIMIT 1").map(Self.programmeRevision)
            if let latest, latest.digest == digest { return (latest, false) }
            let revision = (latest?.revision ?? 0) + 1
            try await db.execute(
                "INSERT INTO programme_revision (revision, imported_at, imported_by, digest, format, source) VALUES (?, ?, ?, ?, ?, ?)",
                [revision, Self.text(now), actor, digest, format, source])
            try await AuditChain.append(
                db, at: now, actor: actor, action: "programme.import", incidentID: nil, before: nil,
                after: try JSONEncoder.text(ProgrammeImportedLine(revision: revision, digest: digest)))
            return (
                StoredProgrammeRevision(
                    revision: revision, importedAt: now, importedBy: actor, digest: digest, format: format, source: source), true
            )
        }
    }

    static func sha256(_ text: String) -> String { Hex.encode(SHA256.hash(data: Array(text.utf8))) }

    static func programmeRevision(_ row: SQLRow) throws -> StoredProgrammeRevision {
        StoredProgrammeRevision(
            revision: try row["revision"], importedAt: try row.date("imported_at"), importedBy: try row["imported_by"],
            digest: try row["digest"], format: try row["format"], source: try row["source"])
    }

    /// Every revision, oldest first.
    public func programmeRevisions() async throws -> [StoredProgrammeRevision] {
        try await engine.read { db in try await db.query("SELECT * FROM programme_revision ORDER BY revision").map(Self.programmeRevision) }
    }

    public func saveExercise(id: String, name: String, startsAt: String, scenario: String, record: String, actor: String) async throws
        -> StoredExercise
    {
        let now = clock()
        try await engine.write { db in
            try await db.execute(
                "INSERT INTO exercise (id, name, run_at, run_by, starts_at, scenario, record) VALUES (?, ?, ?, ?, ?, ?, ?)",
                [id, name, Self.text(now), actor, startsAt, scenario, record])
            try await AuditChain.append(
                db, at: now, actor: actor, action: "exercise.run", incidentID: nil, before: nil,
                after: try JSONEncoder.text(ExerciseLine(id: id, name: name, recordDigest: Self.sha256(record))))
        }
        return StoredExercise(
            id: id, name: name, runAt: Self.date(Self.text(now)), runBy: actor, startsAt: startsAt, scenario: scenario, record: record, log: nil,
            loggedAt: nil)
    }

    /// `date` as it reads back from the database (milliseconds), so a returned record equals a read one.
    static func date(_ text: String) -> Date { StoredTime.date(text) ?? Date(timeIntervalSince1970: 0) }

    static func exercise(_ row: SQLRow) throws -> StoredExercise {
        StoredExercise(
            id: try row["id"], name: try row["name"], runAt: try row.date("run_at"), runBy: try row["run_by"], startsAt: try row["starts_at"],
            scenario: try row["scenario"], record: try row["record"], log: try row["log"], loggedAt: try row.optionalDate("logged_at"))
    }

    /// Every exercise, in the order they were run.
    public func exercises() async throws -> [StoredExercise] {
        try await engine.read { db in try await db.query("SELECT * FROM exercise ORDER BY run_at, id").map(Self.exercise) }
    }

    public func exercise(id: String) async throws -> StoredExercise? {
        try await engine.read { db in try await db.queryOne("SELECT * FROM exercise WHERE id = ?", [id]).map(Self.exercise) }
    }

    /// Records the facilitator's log of an exercise, once, and opens its action items.
    public func recordExerciseLog(
        id: String, log: String, actionItems: [ExerciseLog.ActionItem], actor: String, plan: ActionItemPlan? = nil
    ) async throws -> [ActionItemState] {
        let now = clock()
        return try await engine.write { db in
            guard let row = try await db.queryOne("SELECT name, log FROM exercise WHERE id = ?", [id]) else { throw StoreError.notFound }
            let existing: String? = try row["log"]
            if existing != nil { throw StoreError.rejected("the exercise's log is already recorded") }
            try await db.execute("UPDATE exercise SET log = ?, logged_at = ? WHERE id = ?", [log, Self.text(now), id])
            var items: [ActionItemState] = []
            for item in actionItems {
                let state = ActionItemState(
                    id: Self.newID("act"), exerciseID: id, title: item.title, owner: item.owner, due: item.due.description,
                    changes: item.changes, status: "open", closedAt: nil, resolution: nil)
                try await db.execute(
                    "INSERT INTO action_item (id, exercise_id, title, owner, due, changes, status, created_at) VALUES (?, ?, ?, ?, ?, ?, 'open', ?)",
                    [state.id, id, state.title, state.owner, state.due, state.changes, Self.text(now)])
                items.append(state)
            }
            try await Self.planActionItems(db, items, plan)
            try await AuditChain.append(
                db, at: now, actor: actor, action: "exercise.log", incidentID: nil, before: nil,
                after: try JSONEncoder.text(
                    ExerciseLine(id: id, name: try row["name"], logDigest: Self.sha256(log), actionItems: items.map(\.id))))
            return items
        }
    }

    /// Inserts the planned reminders of newly opened items (the outbox names the item where it names an incident).
    static func planActionItems(_ db: any SQLSession, _ items: [ActionItemState], _ plan: ActionItemPlan?) async throws {
        guard let plan, !items.isEmpty else { return }
        let webhooks = try await db.query("SELECT * FROM webhook WHERE disabled_at IS NULL").map(webhook)
        for delivery in plan(webhooks, items) { try await insert(db, delivery, id: newID("msg")) }
    }

    static func actionItem(_ row: SQLRow) throws -> ActionItemState {
        ActionItemState(
            id: try row["id"], exerciseID: try row["exercise_id"], incidentID: try row["incident_id"], title: try row["title"],
            owner: try row["owner"], due: try row["due"],
            changes: try row["changes"], status: try row["status"], closedAt: try row["closed_at"], resolution: try row["resolution"])
    }

    /// Action items by due date, then id; only the open ones with `openOnly`.
    public func actionItems(openOnly: Bool) async throws -> [ActionItemState] {
        try await engine.read { db in
            try await db.query(
                "SELECT * FROM action_item" + (openOnly ? " WHERE status = 'open'" : "") + " ORDER BY due, id"
            ).map(Self.actionItem)
        }
    }

    /// Closes an open item with what was done; closing twice is refused (the first resolution stands).
    public func closeActionItem(id: String, resolution: String, actor: String) async throws -> ActionItemState {
        let now = clock()
        return try await engine.write { db in
            guard let row = try await db.queryOne("SELECT * FROM action_item WHERE id = ?", [id]) else { throw StoreError.notFound }
            var item = try Self.actionItem(row)
            guard item.status == "open" else { throw StoreError.rejected("the action item is already closed") }
            try await db.execute(
                "UPDATE action_item SET status = 'done', closed_at = ?, closed_by = ?, resolution = ? WHERE id = ?",
                [Self.text(now), actor, resolution, id])
            try await db.execute(
                "UPDATE webhook_delivery SET state = 'cancelled', last_error = 'cancelled: the action item was closed' WHERE incident_id = ? AND state = 'planned'",
                [id])
            try await AuditChain.append(
                db, at: now, actor: actor, action: "action-item.close", incidentID: nil, before: nil,
                after: try JSONEncoder.text(ActionItemClosedLine(id: id, resolution: resolution)))
            item.status = "done"
            item.closedAt = Self.text(now)
            item.resolution = resolution
            return item
        }
    }
}

/// `evidence.export`'s audit line: the SHA-256 of an exported bundle's manifest.
public struct EvidenceExportLine: Codable, Sendable {
    public var manifestSHA256: String
    public var from: String
    public var to: String
    public var files: Int
}

extension IncidentStore {
    /// Records an evidence bundle's manifest digest in the audit chain; returns the line's seq and hash.
    public func appendEvidenceExport(manifestSHA256: String, from: String, to: String, files: Int, actor: String) async throws
        -> (seq: Int, hash: String)
    {
        let now = clock()
        return try await engine.write { db in
            try await AuditChain.append(
                db, at: now, actor: actor, action: "evidence.export", incidentID: nil, before: nil,
                after: try JSONEncoder.text(EvidenceExportLine(manifestSHA256: manifestSHA256, from: from, to: to, files: files)))
            guard let row = try await db.queryOne("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1") else { throw StoreError.notFound }
            return (try row["seq"], try row["hash"])
        }
    }

    /// The audit line `seq`, if any.
    public func auditLine(seq: Int) async throws -> AuditEntry? {
        try await engine.read { db in
            try await db.queryOne("SELECT * FROM audit_log WHERE seq = ?", [seq]).map { row in
                AuditEntry(
                    seq: try row["seq"], at: try row.date("at"), actor: try row["actor"], action: try row["action"],
                    incidentID: try row["incident_id"], before: try row["before"], after: try row["after"], prevHash: try row["prev_hash"],
                    hash: try row["hash"])
            }
        }
    }
}

extension IncidentStore {
    /// The subscriptions that were sent (or are about to be sent) a `programme.stale` message for `day`.
    public func programmeAnnouncements(on day: String) async throws -> Set<String> {
        try await engine.read { db in
            Set(
                try await db.query(
                    "SELECT webhook_id FROM webhook_delivery WHERE incident_id = 'programme' AND event = 'programme.stale' AND obligation_id = ?",
                    [day]
                ).map { try $0["webhook_id"] as String })
        }
    }
}
