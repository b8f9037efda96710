import BreachClockCalculator
import BreachClockJSON
import BreachClockProgramme
import BreachClockRules
import BreachClockStore
import BreachClockWebhooks
import Foundation

/// Triage and the incident's life (issue 15, CC7.2–CC7.4): events from monitoring arrive at an
/// intake, each gets a disposition with who, when and why, and one that is an incident or a breach
/// becomes an incident without retyping; incidents move through phases and change severity with a
/// reason; time-to-triage and time-to-contain are computed from those records.
public struct TriageService: Sendable {
    public let incidents: IncidentService
    public let store: IncidentStore
    let clock: @Sendable () -> Date

    public init(incidents: IncidentService, store: IncidentStore, clock: @escaping @Sendable () -> Date = Date.init) {
        self.incidents = incidents
        self.store = store
        self.clock = clock
    }

    public static let dispositions = ["false-positive", "security-event", "incident", "breach"]

    /// `POST /v1/events`: `{"source", "summary", "detectedAt"?, "severity"?, "details"?}`; `text` is the
    /// body as it arrived, kept verbatim.
    public func receive(body: DocumentNode, text: String, actor: String) async throws -> StoredSecurityEvent {
        let fields = try IncidentService.fields(body, allowed: ["source", "summary", "detectedAt", "severity", "details"])
        let source = try IncidentService.text(fields["source"], "source", required: true, maxLength: 200)!
        let summary = try IncidentService.text(fields["summary"], "summary", required: true, maxLength: 1_000)!
        let severity = try IncidentService.text(fields["severity"], "severity", required: false, maxLength: 64)
        let now = clock()
        let detectedAt = try IncidentService.instant(fields["detectedAt"], "detectedAt", zone: ZonedTime.utc, required: false) ?? now
        if detectedAt > now.addingTimeInterval(300) { throw ServiceError.invalid("detectedAt", "is in the future") }
        let hours = try await ProgrammeService(store: store, clock: clock).newestProgramme()?.programme.triageWithinHours ?? 24
        return try await store.receiveEvent(
            source: source, summary: summary, severity: severity, detectedAt: detectedAt, details: text, triageWithin: Double(hours) * 3_600,
            actor: actor,
            plan: { webhooks, event in
                let message = WebhookEvent(
                    type: .eventUntriaged, incidentID: event.id, incidentTitle: "\(event.summary) (from \(event.source))", timeZone: ZonedTime.utc,
                    at: event.triageDueAt)
                return webhooks.filter { $0.wants(message.type.rawValue, incident: event.id) }.map { hook in
                    PlannedDelivery(
                        webhookID: hook.id, incidentID: event.id, obligationID: nil, event: message.type.rawValue, dueAt: event.triageDueAt,
                        payload: message.payloadJSON())
                }
            })
    }

    /// `POST /v1/events/{id}/disposition`: `{"disposition", "rationale", "incident"?: {"title"?, "facts"}}`.
    /// An `incident` or `breach` needs `incident.facts`, whose `events.discoveredAt` defaults to when
    /// the event was detected; the incident is created, and its detected and triaged phases recorded.
    public func dispose(eventID: String, body: DocumentNode, actor: String) async throws -> StoredSecurityEvent {
        let fields = try IncidentService.fields(body, allowed: ["disposition", "rationale", "incident"])
        let disposition = try IncidentService.text(fields["disposition"], "disposition", required: true)!
        guard Self.dispositions.contains(disposition) else {
            throw ServiceError.invalid("disposition", "expected one of: \(Self.dispositions.joined(separator: ", "))")
        }
        let rationale = try IncidentService.text(fields["rationale"], "rationale", required: true, maxLength: 5_000)!
        guard let event = try await store.securityEvent(id: eventID) else { throw StoreError.notFound }
        if let done = event.disposition { throw ServiceError(.conflict, "Already triaged", detail: "the event's disposition is \(done)") }
        let becomesIncident = disposition == "incident" || disposition == "breach"
        var incidentID: String?
        if becomesIncident {
            guard let node = fields["incident"], !node.isNull else {
                throw ServiceError.invalid("incident", "required for an \(disposition): {\"facts\": {…}} (title defaults to the event's summary)")
            }
            let incident = try IncidentService.fields(node, allowed: ["title", "facts"])
            guard let facts = incident["facts"] else { throw ServiceError.invalid("incident.facts", "required") }
            let here = SourceLocation(file: "event", line: 0, column: 0)
            func scalar(_ text: String) -> DocumentNode { .scalar(text, plain: false, at: here) }
            let defaults: DocumentNode = .mapping(
                [
                    (
                        key: "events", keyAt: here,
                        value: .mapping(
                            [(key: "discoveredAt", keyAt: here, value: scalar(RFC3339.text(event.detectedAt, offsetSeconds: 0)))], at: here)
                    )
                ],
                at: here)
            let title = incident["title"] ?? scalar(event.summary)
            let created = try await incidents.create(
                body: .mapping(
                    [(key: "title", keyAt: here, value: title), (key: "facts", keyAt: here, value: defaults.merging(patch: facts))], at: here),
                actor: actor)
            incidentID = created.id
        } else if let node = fields["incident"], !node.isNull {
            throw ServiceError.invalid("incident", "only an incident or a breach becomes an incident")
        }
        let disposed: StoredSecurityEvent
        do {
            disposed = try await store.disposeEvent(id: eventID, disposition: disposition, rationale: rationale, incidentID: incidentID, actor: actor)
        } catch StoreError.rejected(let why) {
            throw ServiceError(.conflict, "Already triaged", detail: why)
        }
        if let incidentID {
            _ = try await store.recordPhase(incidentID: incidentID, phase: .detected, at: event.detectedAt, note: "event \(event.id)", actor: actor)
            let triagedAt = max(disposed.disposedAt ?? clock(), event.detectedAt)
            _ = try await store.recordPhase(incidentID: incidentID, phase: .triaged, at: triagedAt, note: rationale, actor: actor)
            if let severity = event.severity {
                _ = try await store.recordSeverity(incidentID: incidentID, severity: severity, reason: "as the event arrived", actor: actor)
            }
        }
        return disposed
    }

    /// `POST /v1/incidents/{id}/phases`: `{"phase", "at"?, "note"?}`.
    public func recordPhase(incidentID: String, body: DocumentNode, actor: String) async throws -> [StoredPhase] {
        let fields = try IncidentService.fields(body, allowed: ["phase", "at", "note"])
        let name = try IncidentService.text(fields["phase"], "phase", required: true)!
        guard let phase = IncidentPhase(rawValue: name) else {
            throw ServiceError.invalid("phase", "expected one of: \(IncidentPhase.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        let now = clock()
        let at = try IncidentService.instant(fields["at"], "at", zone: ZonedTime.utc, required: false) ?? now
        if at > now.addingTimeInterval(300) { throw ServiceError.invalid("at", "is in the future") }
        let note = try IncidentService.text(fields["note"], "note", required: false, maxLength: 5_000)
        do {
            return try await store.recordPhase(incidentID: incidentID, phase: phase, at: at, note: note, actor: actor)
        } catch StoreError.rejected(let why) {
            throw ServiceError(.conflict, "Phase refused", detail: why)
        }
    }

    /// `POST /v1/incidents/{id}/severity`: `{"severity", "reason"}`.
    public func recordSeverity(incidentID: String, body: DocumentNode, actor: String) async throws -> [StoredSeverityChange] {
        let fields = try IncidentService.fields(body, allowed: ["severity", "reason"])
        let severity = try IncidentService.text(fields["severity"], "severity", required: true, maxLength: 64)!
        let reason = try IncidentService.text(fields["reason"], "reason", required: true, maxLength: 5_000)!
        if let programme = try await ProgrammeService(store: store, clock: clock).newestProgramme()?.programme,
            !programme.severities.contains(where: { $0.id == severity })
        {
            throw ServiceError.invalid("severity", "not a severity of the programme (\(programme.severities.map(\.id).joined(separator: ", ")))")
        }
        return try await store.recordSeverity(incidentID: incidentID, severity: severity, reason: reason, actor: actor)
    }

    /// An incident's life: phases, severity changes, the event it came from, and its two times.
    public struct Lifecycle: Sendable, Encodable {
        public struct Phase: Sendable, Encodable {
            public var phase: String
            public var at: String
            public var recordedBy: String
            public var note: String?
        }

        public struct Severity: Sendable, Encodable {
            public var severity: String
            public var reason: String
            public var at: String
            public var recordedBy: String
        }

        public var incidentID: String
        public var event: String?
        public var phases: [Phase]
        public var severity: [Severity]
        /// From detected to triaged, and from detected to contained; nil until both are recorded.
        public var timeToTriageSeconds: Int?
        public var timeToContainSeconds: Int?
    }

    public func lifecycle(incidentID: String) async throws -> Lifecycle? { try await Self.lifecycle(incidentID: incidentID, store: store) }

    public static func lifecycle(incidentID: String, store: IncidentStore) async throws -> Lifecycle? {
        guard try await store.incident(id: incidentID) != nil else { return nil }
        let phases = try await store.phases(incidentID: incidentID)
        func seconds(_ from: IncidentPhase, _ to: IncidentPhase) -> Int? {
            guard let start = phases.first(where: { $0.phase == from })?.at, let end = phases.first(where: { $0.phase == to })?.at else { return nil }
            return Int(end.timeIntervalSince(start).rounded(.down))
        }
        return Lifecycle(
            incidentID: incidentID, event: try await store.securityEvent(incidentID: incidentID)?.id,
            phases: phases.map { .init(phase: $0.phase.rawValue, at: IncidentStore.timestamp($0.at), recordedBy: $0.recordedBy, note: $0.note) },
            severity: try await store.severities(incidentID: incidentID).map {
                .init(severity: $0.severity, reason: $0.reason, at: IncidentStore.timestamp($0.at), recordedBy: $0.recordedBy)
            }, timeToTriageSeconds: seconds(.detected, .triaged), timeToContainSeconds: seconds(.detected, .contained))
    }

    /// Time-to-triage and time-to-contain over the incidents detected in `from`…`to` (UTC days, both included).
    public struct ResponseTimes: Sendable, Encodable {
        public struct Figures: Sendable, Encodable {
            public var count: Int
            public var medianSeconds: Int?
            public var meanSeconds: Int?
            public var longestSeconds: Int?

            init(_ values: [Int]) {
                let sorted = values.sorted()
                count = sorted.count
                longestSeconds = sorted.last
                meanSeconds = sorted.isEmpty ? nil : sorted.reduce(0, +) / sorted.count
                if sorted.isEmpty {
                    medianSeconds = nil
                } else if sorted.count % 2 == 1 {
                    medianSeconds = sorted[sorted.count / 2]
                } else {
                    medianSeconds = (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
                }
            }
        }

        public var from: String
        public var to: String
        public var incidents: [Lifecycle]
        public var triage: Figures
        public var contain: Figures
        /// Incidents detected in the period with no detected phase recorded are not measured; said here.
        public var notMeasured: [String]
    }

    public func responseTimes(from: CivilDate, to: CivilDate) async throws -> ResponseTimes {
        try await Self.responseTimes(from: from, to: to, store: store)
    }

    public static func responseTimes(from: CivilDate, to: CivilDate, store: IncidentStore) async throws -> ResponseTimes {
        let start = ZonedTime.instant(from, secondsIntoDay: 0, in: ZonedTime.utc)
        let end = ZonedTime.instant(to.adding(days: 1), secondsIntoDay: 0, in: ZonedTime.utc)
        var lifecycles: [Lifecycle] = []
        var notMeasured: [String] = []
        var cursor: Int?
        repeat {
            let page = try await store.incidents(status: nil, dueBefore: nil, limit: 200, after: cursor)
            for incident in page.incidents {
                let phases = try await store.phases(incidentID: incident.id)
                guard let detected = phases.first(where: { $0.phase == .detected })?.at else {
                    if incident.createdAt >= start && incident.createdAt < end { notMeasured.append(incident.id) }
                    continue
                }
                guard detected >= start && detected < end, let life = try await lifecycle(incidentID: incident.id, store: store) else { continue }
                lifecycles.append(life)
            }
            cursor = page.next
        } while cursor != nil
        return ResponseTimes(
            from: from.description, to: to.description, incidents: lifecycles, triage: .init(lifecycles.compactMap(\.timeToTriageSeconds)),
            contain: .init(lifecycles.compactMap(\.timeToContainSeconds)), notMeasured: notMeasured)
    }
}
