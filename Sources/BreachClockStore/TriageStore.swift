import BreachClockJSON
import Foundation

/// A security event as it arrived from monitoring, and its disposition once triaged.
public struct StoredSecurityEvent: Sendable, Equatable {
    public var id: String
    /// The tool or rule that raised it (`SIEM rule PORTAL-AUTH-001`).
    public var source: String
    public var summary: String
    /// A severity id of the programme, as the alert or its sender put it.
    public var severity: String?
    public var detectedAt: Date
    public var receivedAt: Date
    /// The API key that delivered it: the record shows it reached a person or queue, not a void.
    public var receivedBy: String
    /// The alert's own JSON, verbatim.
    public var details: String?
    /// When leaving it untriaged becomes a finding (and an `event.untriaged` message).
    public var triageDueAt: Date
    /// `false-positive`, `security-event`, `incident` or `breach`; nil while untriaged.
    public var disposition: String?
    public var disposedAt: Date?
    public var disposedBy: String?
    public var rationale: String?
    /// The incident it became.
    public var incidentID: String?
}

/// The phases an incident moves through, in order.
public enum IncidentPhase: String, Sendable, CaseIterable, Comparable {
    case detected, triaged, contained, eradicated, recovered, closed

    public static func < (a: IncidentPhase, b: IncidentPhase) -> Bool {
        allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
    }
}

public struct StoredPhase: Sendable, Equatable {
    public var phase: IncidentPhase
    /// When it happened (given by the responder, or the event's times on promotion).
    public var at: Date
    public var recordedAt: Date
    public var recordedBy: String
    public var note: String?
}

public struct StoredSeverityChange: Sendable, Equatable {
    public var seq: Int
    public var severity: String
    public var reason: String
    public var at: Date
    public var recordedBy: String
}

/// Plans the `event.untriaged` message of a new event, given the active subscriptions.
public typealias SecurityEventPlan = @Sendable (_ webhooks: [StoredWebhook], _ event: StoredSecurityEvent) -> [PlannedDelivery]

/// The audit lines of triage and of an incident's life.
struct SecurityEventLine: Codable, Sendable {
    var id: String
    var source: String?
    var disposition: String?
    var rationale: String?
    var incident: String?
}

struct PhaseLine: Codable, Sendable {
    var phase: String
    var at: String
    var note: String?
}

struct SeverityLine: Codable, Sendable {
    var severity: String
    var reason: String
}

extension IncidentStore {
    /// Records an event from monitoring and plans its `event.untriaged` message for `triageDueAt`.
    public func receiveEvent(
        source: String, summary: String, severity: String?, detectedAt: Date, details: String?, triageWithin: TimeInterval, actor: String,
        plan: SecurityEventPlan? = nil
    ) async throws -> StoredSecurityEvent {
        let now = clock()
        let event = StoredSecurityEvent(
            id: Self.newID("evt"), source: source, summary: summary, severity: severity, detectedAt: Self.date(Self.text(detectedAt)),
            receivedAt: Self.date(Self.text(now)), receivedBy: actor, details: details,
            triageDueAt: Self.date(Self.text(now.addingTimeInterval(triageWithin))), disposition: nil, disposedAt: nil, disposedBy: nil,
            rationale: nil, incidentID: nil)
        try await engine.write { db in
            try await db.execute(
                """
                INSERT INTO security_event (id, source, summary, severity, detected_at, received_at, received_by, details, triage_due_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
                [
                    event.id, source, summary, severity, Self.text(event.detectedAt), Self.text(event.receivedAt), actor, details,
                    Self.text(event.triageDueAt),
                ])
            if let plan {
                let webhooks = try await db.query("SELECT * FROM webhook WHERE disabled_at IS NULL").map(Self.webhook)
                for delivery in plan(webhooks, event) { try await Self.insert(db, delivery, id: Self.newID("msg")) }
            }
            try await AuditChain.append(
                db, at: now, actor: actor, action: "event.receive", incidentID: nil, before: nil,
                after: try JSONEncoder.text(SecurityEventLine(id: event.id, source: source)))
        }
        return event
    }

    static func securityEvent(_ row: SQLRow) throws -> StoredSecurityEvent {
        StoredSecurityEvent(
            id: try row["id"], source: try row["source"], summary: try row["summary"], severity: try row["severity"],
            detectedAt: try row.date("detected_at"), receivedAt: try row.date("received_at"), receivedBy: try row["received_by"],
            details: try row["details"], triageDueAt: try row.date("triage_due_at"), disposition: try row["disposition"],
            disposedAt: try row.optionalDate("disposed_at"), disposedBy: try row["disposed_by"], rationale: try row["rationale"],
            incidentID: try row["incident_id"])
    }

    public func securityEvent(id: String) async throws -> StoredSecurityEvent? {
        try await engine.read { db in try await db.queryOne("SELECT * FROM security_event WHERE id = ?", [id]).map(Self.securityEvent) }
    }

    /// Events by arrival, newest first; only the untriaged ones with `untriagedOnly`; at most `limit`.
    public func securityEvents(untriagedOnly: Bool, limit: Int = 1_000) async throws -> [StoredSecurityEvent] {
        try await engine.read { db in
            try await db.query(
                "SELECT * FROM security_event" + (untriagedOnly ? " WHERE disposition IS NULL" : "") + " ORDER BY received_at DESC, id LIMIT ?",
                [limit]
            ).map(Self.securityEvent)
        }
    }

    /// Events received in `start..<end`, oldest first (the evidence of a period's triage).
    public func securityEvents(receivedFrom start: Date, before end: Date) async throws -> [StoredSecurityEvent] {
        try await engine.read { db in
            try await db.query(
                "SELECT * FROM security_event WHERE received_at >= ? AND received_at < ? ORDER BY received_at, id",
                [Self.text(start), Self.text(end)]
            ).map(Self.securityEvent)
        }
    }

    /// Gives an event its disposition, once; cancels its `event.untriaged` message.
    public func disposeEvent(id: String, disposition: String, rationale: String, incidentID: String?, actor: String) async throws
        -> StoredSecurityEvent
    {
        let now = clock()
        return try await engine.write { db in
            guard let row = try await db.queryOne("SELECT * FROM security_event WHERE id = ?", [id]) else { throw StoreError.notFound }
            var event = try Self.securityEvent(row)
            guard event.disposition == nil else { throw StoreError.rejected("the event already has a disposition (\(event.disposition!))") }
            try await db.execute(
                "UPDATE security_event SET disposition = ?, disposed_at = ?, disposed_by = ?, rationale = ?, incident_id = ? WHERE id = ?",
                [disposition, Self.text(now), actor, rationale, incidentID, id])
            try await db.execute(
                "UPDATE webhook_delivery SET state = 'cancelled', last_error = 'cancelled: the event was triaged' WHERE incident_id = ? AND state = 'planned'",
                [id])
            try await AuditChain.append(
                db, at: now, actor: actor, action: "event.dispose", incidentID: incidentID, before: nil,
                after: try JSONEncoder.text(SecurityEventLine(id: id, disposition: disposition, rationale: rationale, incident: incidentID)))
            event.disposition = disposition
            event.disposedAt = Self.date(Self.text(now))
            event.disposedBy = actor
            event.rationale = rationale
            event.incidentID = incidentID
            return event
        }
    }

    /// Records that an incident reached `phase` at `at`, once per phase, never before a phase it follows.
    public func recordPhase(incidentID: String, phase: IncidentPhase, at: Date, note: String?, actor: String) async throws -> [StoredPhase] {
        let now = clock()
        try await engine.write { db in
            guard try await db.queryOne("SELECT id FROM incident WHERE id = ?", [incidentID]) != nil else { throw StoreError.notFound }
            let existing = try await Self.phases(db, incidentID)
            if existing.contains(where: { $0.phase == phase }) {
                throw StoreError.rejected("the incident's \(phase.rawValue) phase is already recorded")
            }
            if let earlier = existing.first(where: { $0.phase < phase && $0.at > at }) {
                throw StoreError.rejected("\(phase.rawValue) cannot be before \(earlier.phase.rawValue) (\(Self.text(earlier.at)))")
            }
            if let later = existing.first(where: { $0.phase > phase && $0.at < at }) {
                throw StoreError.rejected("\(phase.rawValue) cannot be after \(later.phase.rawValue) (\(Self.text(later.at)))")
            }
            try await db.execute(
                "INSERT INTO incident_phase (incident_id, phase, at, recorded_at, recorded_by, note) VALUES (?, ?, ?, ?, ?, ?)",
                [incidentID, phase.rawValue, Self.text(at), Self.text(now), actor, note])
            try await AuditChain.append(
                db, at: now, actor: actor, action: "incident.phase", incidentID: incidentID, before: nil,
                after: try JSONEncoder.text(PhaseLine(phase: phase.rawValue, at: Self.text(at), note: note)))
        }
        return try await phases(incidentID: incidentID)
    }

    static func phases(_ db: any SQLSession, _ incidentID: String) async throws -> [StoredPhase] {
        try await db.query("SELECT * FROM incident_phase WHERE incident_id = ?", [incidentID]).map { row in
            let name: String = try row["phase"]
            guard let phase = IncidentPhase(rawValue: name) else { throw UnreadableColumn(column: "phase", found: name) }
            return StoredPhase(
                phase: phase, at: try row.date("at"), recordedAt: try row.date("recorded_at"), recordedBy: try row["recorded_by"],
                note: try row["note"])
        }.sorted { $0.phase < $1.phase }
    }

    public func phases(incidentID: String) async throws -> [StoredPhase] {
        try await engine.read { db in try await Self.phases(db, incidentID) }
    }

    /// Records a change of the incident's severity with its reason.
    public func recordSeverity(incidentID: String, severity: String, reason: String, actor: String) async throws -> [StoredSeverityChange] {
        let now = clock()
        try await engine.write { db in
            guard try await db.queryOne("SELECT id FROM incident WHERE id = ?", [incidentID]) != nil else { throw StoreError.notFound }
            let last = try await db.queryOne("SELECT max(seq) AS seq FROM incident_severity WHERE incident_id = ?", [incidentID])
            let seq = (try last?["seq"] as Int? ?? 0) + 1
            try await db.execute(
                "INSERT INTO incident_severity (incident_id, seq, severity, reason, at, recorded_by) VALUES (?, ?, ?, ?, ?, ?)",
                [incidentID, seq, severity, reason, Self.text(now), actor])
            try await AuditChain.append(
                db, at: now, actor: actor, action: "severity.change", incidentID: incidentID, before: nil,
                after: try JSONEncoder.text(SeverityLine(severity: severity, reason: reason)))
        }
        return try await severities(incidentID: incidentID)
    }

    public func severities(incidentID: String) async throws -> [StoredSeverityChange] {
        try await engine.read { db in
            try await db.query("SELECT * FROM incident_severity WHERE incident_id = ? ORDER BY seq", [incidentID]).map { row in
                StoredSeverityChange(
                    seq: try row["seq"], severity: try row["severity"], reason: try row["reason"], at: try row.date("at"),
                    recordedBy: try row["recorded_by"])
            }
        }
    }

    /// The event an incident came from, if any.
    public func securityEvent(incidentID: String) async throws -> StoredSecurityEvent? {
        try await engine.read { db in
            try await db.queryOne("SELECT * FROM security_event WHERE incident_id = ?", [incidentID]).map(Self.securityEvent)
        }
    }
}
