import BreachClockApplication
import BreachClockCalculator
import BreachClockRules
import BreachClockStore
import Foundation
import HTTPTypes
import Hummingbird

/// An event from monitoring as the API shows it.
struct SecurityEventBody: Encodable {
    var id: String
    var source: String
    var summary: String
    var severity: String?
    var detectedAt: String
    var receivedAt: String
    var receivedBy: String
    var triageDueAt: String
    var disposition: String?
    var disposedAt: String?
    var disposedBy: String?
    var rationale: String?
    var incident: String?
    /// The alert as it arrived, verbatim.
    var received: String?

    init(_ event: StoredSecurityEvent, withBody: Bool = false) {
        id = event.id
        source = event.source
        summary = event.summary
        severity = event.severity
        detectedAt = IncidentStore.timestamp(event.detectedAt)
        receivedAt = IncidentStore.timestamp(event.receivedAt)
        receivedBy = event.receivedBy
        triageDueAt = IncidentStore.timestamp(event.triageDueAt)
        disposition = event.disposition
        disposedAt = event.disposedAt.map(IncidentStore.timestamp)
        disposedBy = event.disposedBy
        rationale = event.rationale
        incident = event.incidentID
        received = withBody ? event.details : nil
    }
}

struct SecurityEventListBody: Encodable {
    var events: [SecurityEventBody]
}

extension Routes {
    /// `/v1/events` (the intake from monitoring and triage), incidents' phases and severity, and response times.
    func registerTriage(on router: RecordingRouter) {
        let triage = TriageService(incidents: service, store: store, clock: clock)
        router.post("/v1/events") { request, context in
            let body = try await Self.rawDocument(request, context)
            let node = try IncidentService.parse(Array(body.text.utf8), format: body.format)
            let event = try await triage.receive(body: node, text: body.text, actor: Self.actor(context))
            return try Self.json(SecurityEventBody(event), status: .created, headers: [.location: "/v1/events/\(event.id)"])
        }
        router.get("/v1/events") { request, _ in
            let status = request.uri.queryParameters.get("status")
            guard status == nil || status == "untriaged" || status == "all" else {
                throw ServiceError.invalid("status", "expected untriaged or all")
            }
            let events = try await store.securityEvents(untriagedOnly: status == "untriaged", limit: 1_000)
            return try Self.json(SecurityEventListBody(events: events.map { SecurityEventBody($0) }))
        }
        router.get("/v1/events/:id") { _, context in
            guard let event = try await store.securityEvent(id: try context.parameters.require("id")) else { throw Problem.notFound }
            return try Self.json(SecurityEventBody(event, withBody: true))
        }
        router.post("/v1/events/:id/disposition") { request, context in
            let node = try await Self.document(request, context)
            let event = try await triage.dispose(eventID: try context.parameters.require("id"), body: node, actor: Self.actor(context))
            return try Self.json(SecurityEventBody(event))
        }
        router.post("/v1/incidents/:id/phases") { request, context in
            let node = try await Self.document(request, context)
            let id = try await existingIncident(context)
            _ = try await triage.recordPhase(incidentID: id, body: node, actor: Self.actor(context))
            guard let life = try await triage.lifecycle(incidentID: id) else { throw Problem.notFound }
            return try Self.json(life, status: .created)
        }
        router.post("/v1/incidents/:id/severity") { request, context in
            let node = try await Self.document(request, context)
            let id = try await existingIncident(context)
            _ = try await triage.recordSeverity(incidentID: id, body: node, actor: Self.actor(context))
            guard let life = try await triage.lifecycle(incidentID: id) else { throw Problem.notFound }
            return try Self.json(life, status: .created)
        }
        router.get("/v1/incidents/:id/lifecycle") { _, context in
            guard let life = try await triage.lifecycle(incidentID: try context.parameters.require("id")) else { throw Problem.notFound }
            return try Self.json(life)
        }
        router.get("/v1/response-times") { request, _ in
            guard let from = try Self.day(request, "from") else { throw ServiceError.invalid("from", "required: YYYY-MM-DD") }
            let to = try Self.day(request, "to") ?? ZonedTime.civilDate(of: clock(), in: ZonedTime.utc)
            guard from <= to else { throw ServiceError.invalid("to", "is before from") }
            return try Self.json(try await triage.responseTimes(from: from, to: to))
        }
    }
}
