import BreachClockApplication
import BreachClockCalculator
import BreachClockJSON
import BreachClockReports
import BreachClockRules
import BreachClockStore
import BreachClockWebhooks
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import Synchronization

/// The HTTP API (see `openapi.yaml`). Handlers read the request, call `IncidentService`, and write JSON.
struct Routes {
    let service: IncidentService
    /// The store on either engine, for what the API reads and changes beside incidents (keys,
    /// webhooks, the audit log, metrics).
    let store: IncidentStore
    let metrics: ServerMetrics
    /// The authenticated keys the middleware remembers; revoking a key through the API clears it.
    let keys: KeyCache
    /// The console's sessions the same way; revoking a key clears them too (a session acts as its key).
    let sessions: CredentialCache<WebSession>
    let clock: @Sendable () -> Date
    let openAPI: String
    /// Where webhooks may be sent: literal addresses in a subscription's URL are checked when it is made.
    var addressPolicy = AddressPolicy()
    /// Exercises running step by step or at a speed through the API.
    let exercises = ExerciseSessions()

    var rulebook: Rulebook { service.calculator.rulebook }

    /// Registers every route; returns them as `METHOD /path/{param}` (a test checks each is in the OpenAPI document).
    @discardableResult
    func register(on router: Router<ServerContext>) -> [String] {
        let router = RecordingRouter(router: router)
        router.get("/healthz") { _, _ in
            Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: Self.healthyBody))
        }
        router.get("/readyz") { _, _ in
            try await store.ping()
            return try Self.json(StatusBody(status: "ready", rules: rulebook.digest))
        }
        router.get("/metrics") { _, _ in
            let text = try await metrics.exposition(store: store, now: clock())
            return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4"], body: .init(byteBuffer: ByteBuffer(string: text)))
        }
        router.get("/openapi.yaml") { _, _ in
            Response(status: .ok, headers: [.contentType: "application/yaml"], body: .init(byteBuffer: ByteBuffer(string: openAPI)))
        }
        router.post("/v1/assessments") { request, context in
            let node = try await Self.document(request, context)
            let (_, assessment) = try service.assess(node)
            let body = assessment.withJSONBytes { ByteBuffer(bytes: $0) }
            return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: body))
        }
        router.post("/v1/incidents") { request, context in
            let node = try await Self.document(request, context)
            let incident = try await service.create(body: node, actor: Self.actor(context))
            var response = Self.incidentResponse(incident, status: .created)
            response.headers[.location] = "/v1/incidents/\(incident.id)"
            return response
        }
        router.get("/v1/incidents") { request, _ in
            let query = request.uri.queryParameters
            var status: IncidentStatus? = nil
            if let text = query.get("status") {
                guard let value = IncidentStatus(rawValue: text) else { throw ServiceError.invalid("status", "expected open or closed") }
                status = value
            }
            var dueBefore: Date? = nil
            if let text = query.get("dueBefore") {
                guard let date = ZonedTime.parse(text, in: ZonedTime.utc) else {
                    throw ServiceError.invalid("dueBefore", "expected an RFC 3339 instant or a date")
                }
                dueBefore = date
            }
            let limit =
                try query.get("limit").map { text -> Int in
                    guard let value = Int(text), (1...200).contains(value) else { throw ServiceError.invalid("limit", "expected 1 to 200") }
                    return value
                } ?? 50
            let cursor = try query.get("cursor").map { text -> Int in
                guard let value = Int(text) else { throw ServiceError.invalid("cursor", "not a cursor this API returned") }
                return value
            }
            let page = try await store.incidents(status: status, dueBefore: dueBefore, limit: limit, after: cursor)
            return try Self.json(IncidentPageBody(incidents: page.incidents.map(IncidentSummaryBody.init), next: page.next.map(String.init)))
        }
        router.get("/v1/incidents/:id") { _, context in
            guard let incident = try await store.incident(id: try context.parameters.require("id")) else { throw Problem.notFound }
            return Self.incidentResponse(incident)
        }
        router.patch("/v1/incidents/:id") { request, context in
            let node = try await Self.document(request, context)
            let incident = try await service.patch(
                id: try context.parameters.require("id"), ifMatch: try Self.ifMatch(request),
                body: node, actor: Self.actor(context))
            return Self.incidentResponse(incident)
        }
        router.get("/v1/incidents/:id/history") { _, context in
            let id = try await existingIncident(context)
            let history = try await store.history(id: id)
            return Self.json(
                embedding:
                    .object([
                        (
                            "revisions",
                            .array(
                                history.map { revision in
                                    .object([
                                        ("revision", .int(revision.revision)),
                                        ("computedAt", .string(Self.instant(revision.computedAt))),
                                        ("rulesDigest", .string(revision.rulesDigest)),
                                        ("changes", .array(revision.changes.map(OrderedJSON.string))),
                                        ("assessment", .raw(revision.assessmentJSON)),
                                    ])
                                })
                        )
                    ]))
        }
        router.post("/v1/incidents/:id/notices") { request, context in
            let node = try await Self.document(request, context)
            let incident = try await service.recordNotice(
                id: try context.parameters.require("id"), ifMatch: try Self.ifMatch(request),
                body: node, actor: Self.actor(context))
            return Self.incidentResponse(incident, status: .created)
        }
        router.get("/v1/incidents/:id/notices") { _, context in
            let id = try await existingIncident(context)
            return try Self.json(NoticeListBody(try await store.notices(incidentID: id)))
        }
        router.post("/v1/incidents/:id/decisions") { request, context in
            let node = try await Self.document(request, context)
            let incident = try await service.recordDecision(
                id: try context.parameters.require("id"), ifMatch: try Self.ifMatch(request),
                body: node, actor: Self.actor(context), now: clock())
            return Self.incidentResponse(incident, status: .created)
        }
        router.get("/v1/incidents/:id/decisions") { _, context in
            let id = try await existingIncident(context)
            return try Self.json(DecisionListBody(try await store.decisions(incidentID: id)))
        }
        router.post("/v1/incidents/:id/close") { request, context in
            let incident = try await service.close(
                id: try context.parameters.require("id"), ifMatch: try Self.ifMatch(request),
                actor: Self.actor(context))
            try await Self.recordClosedPhase(incident, store: store, actor: Self.actor(context), logger: context.logger)
            return Self.incidentResponse(incident)
        }
        router.get("/v1/incidents/:id/calendar.ics") { _, context in
            guard let incident = try await store.incident(id: try context.parameters.require("id")) else { throw Problem.notFound }
            return try Self.calendarResponse(incident, service: service, now: clock())
        }
        router.get("/v1/incidents/:id/audit") { _, context in
            let id = try await existingIncident(context)
            return Self.json(
                embedding:
                    .object([
                        (
                            "entries",
                            .array(
                                try await store.audit(incidentID: id).map { entry in
                                    .object([
                                        ("seq", .int(entry.seq)), ("at", .string(Self.instant(entry.at))), ("actor", .string(entry.actor)),
                                        ("action", .string(entry.action)), ("before", entry.before.map(OrderedJSON.raw) ?? .null),
                                        ("after", entry.after.map(OrderedJSON.raw) ?? .null), ("hash", .string(entry.hash)),
                                    ])
                                })
                        )
                    ]))
        }
        router.get("/v1/jurisdictions") { _, _ in
            try Self.json(
                JurisdictionListBody(
                    rulesDigest: rulebook.digest,
                    jurisdictions: rulebook.rules.map { rule in
                        .init(
                            code: rule.code, name: rule.name, law: rule.law, reviewed: rule.reviewed.description,
                            versions: rule.versions.map(\.effective.description))
                    }))
        }
        router.get("/v1/jurisdictions/:code") { request, context in
            guard let rule = rulebook.rule(code: try context.parameters.require("code")) else { throw Problem.notFound }
            let today = ZonedTime.civilDate(of: clock(), in: ZonedTime.utc)
            let date =
                try request.uri.queryParameters.get("asOf").map { text -> CivilDate in
                    guard let date = CivilDate(iso: text) else { throw ServiceError.invalid("asOf", "expected a date YYYY-MM-DD") }
                    return date
                } ?? today
            return try Self.json(RuleDescription(rule, on: date))
        }
        registerWebhooks(on: router)
        registerKeys(on: router)
        registerProgramme(on: router)
        registerTriage(on: router)
        return router.table.routes
    }

    // MARK: Helpers

    /// The `{id}` of the path, once it is known to name an incident (404 otherwise).
    func existingIncident(_ context: ServerContext) async throws -> String {
        let id = try context.parameters.require("id")
        guard try await store.incident(id: id) != nil else { throw Problem.notFound }
        return id
    }

    /// The request's body as a parsed document: its media type checked (415), its size bounded (413)
    /// and its content parsed within `DocumentLimits.body` (400).
    static func document(_ request: Request, _ context: ServerContext) async throws -> DocumentNode {
        let format = try IncidentService.bodyFormat(contentType: request.headers[.contentType])
        let buffer = try await request.body.collect(upTo: context.maxUploadSize)
        return try IncidentService.parse(Array(buffer.readableBytesView), format: format)
    }

    static func actor(_ context: ServerContext) -> String {
        context.apiKey.map { "key:\($0.id) (\($0.name))" } ?? "anonymous"
    }

    /// The revisions `If-Match` accepts (RFC 9110 section 13.1.1): nil for `*` (any current revision),
    /// else the strong entity-tags that name a revision (a weak tag never matches, since If-Match
    /// compares strongly). A missing header is a 428 (every change must say what it changes from);
    /// a malformed one is a 400.
    static func ifMatch(_ request: Request) throws -> Set<Int>? {
        guard let value = request.headers[values: .ifMatch].joined(separator: ",").nilIfBlank else {
            throw Problem(
                .preconditionRequired, "If-Match required",
                detail: "Send If-Match with the ETag of the incident as you last read it (GET /v1/incidents/{id}), e.g. If-Match: \"3\".")
        }
        guard let tags = EntityTags.parse(value) else {
            throw Problem(.badRequest, "Malformed If-Match", detail: "Send * or the ETag you received, e.g. \"3\".")
        }
        if tags.isAny { return nil }
        return Set(tags.strong.compactMap { Int($0) })
    }

    /// Instants in API responses: RFC 3339 UTC with milliseconds, as stored.
    static func instant(_ date: Date) -> String { IncidentStore.timestamp(date) }

    /// `/healthz`'s answer, encoded once: probes and load balancers ask for it all the time.
    static let healthyBody = ByteBuffer(data: (try? JSONEncoder.breachclock.encode(StatusBody(status: "ok"))) ?? Data())

    /// An answer encoded by `JSONEncoder.breachclock`.
    static func json(_ value: some Encodable, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) throws -> Response {
        var headers = headers
        headers[.contentType] = "application/json"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(data: try JSONEncoder.breachclock.encode(value))))
    }

    /// An answer that embeds stored JSON text verbatim (see `APIResponses.swift`), written by `JSONWriter`.
    static func json(embedding value: OrderedJSON, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) -> Response {
        var headers = headers
        headers[.contentType] = "application/json"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: value.bytes())))
    }

    static func incidentJSON(_ incident: StoredIncident) -> OrderedJSON {
        var members: [(String, OrderedJSON)] = [
            ("id", .string(incident.id)), ("title", .string(incident.title)), ("status", .string(incident.status.rawValue)),
            ("revision", .int(incident.revision)), ("createdAt", .string(instant(incident.createdAt))),
            ("updatedAt", .string(instant(incident.updatedAt))),
        ]
        if let closedAt = incident.closedAt { members.append(("closedAt", .string(instant(closedAt)))) }
        members += [("facts", .raw(incident.factsJSON)), ("assessment", .raw(incident.assessmentJSON))]
        return .object(members)
    }

    /// An incident's deadlines as an iCalendar file (the API's and the console's calendar link).
    static func calendarResponse(_ incident: StoredIncident, service: IncidentService, now: Date) throws -> Response {
        let facts = try service.storedFacts(incident).facts
        let text = CalendarRenderer(assessment: service.calculator.assess(facts), generatedAt: now, calendarID: incident.id).render()
        return Response(status: .ok, headers: [.contentType: "text/calendar; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    /// Closing is the incident's closed phase too (unless a responder recorded it already); the API
    /// and the console both close through here.
    static func recordClosedPhase(_ incident: StoredIncident, store: IncidentStore, actor: String, logger: Logger) async throws {
        guard let closedAt = incident.closedAt, try await !store.phases(incidentID: incident.id).contains(where: { $0.phase == .closed }) else {
            return
        }
        do {
            _ = try await store.recordPhase(incidentID: incident.id, phase: .closed, at: closedAt, note: nil, actor: actor)
        } catch StoreError.rejected(let why) {
            logger.warning("the closed phase was not recorded", metadata: ["incident": "\(incident.id)", "why": "\(why)"])
        }
    }

    static func incidentResponse(_ incident: StoredIncident, status: HTTPResponse.Status = .ok) -> Response {
        json(embedding: incidentJSON(incident), status: status, headers: [.eTag: "\"\(incident.revision)\""])
    }
}

/// Registers routes on a Hummingbird router and remembers them.
final class RecordingRouter: @unchecked Sendable {
    let router: Router<ServerContext>
    let table = RouteTable()

    init(router: Router<ServerContext>) { self.router = router }

    typealias Handler = @Sendable (Request, ServerContext) async throws -> Response

    private func record(_ method: String, _ path: String) {
        let documented = path.split(separator: "/").map { $0.hasPrefix(":") ? "{\($0.dropFirst())}" : String($0) }.joined(separator: "/")
        table.routes.append("\(method) /\(documented)")
    }

    func get(_ path: String, _ handler: @escaping Handler) {
        record("GET", path)
        router.get(RouterPath(path), use: handler)
    }

    func post(_ path: String, _ handler: @escaping Handler) {
        record("POST", path)
        router.post(RouterPath(path), use: handler)
    }

    func patch(_ path: String, _ handler: @escaping Handler) {
        record("PATCH", path)
        router.patch(RouterPath(path), use: handler)
    }

    func put(_ path: String, _ handler: @escaping Handler) {
        record("PUT", path)
        router.put(RouterPath(path), use: handler)
    }

    func delete(_ path: String, _ handler: @escaping Handler) {
        record("DELETE", path)
        router.delete(RouterPath(path), use: handler)
    }
}

/// The routes registered, as `METHOD /path/{param}`; filled at start-up, read-only afterwards.
final class RouteTable: Sendable {
    private let stored = Mutex<[String]>([])

    var routes: [String] {
        get { stored.withLock { $0 } }
        set { stored.withLock { $0 = newValue } }
    }

    /// The methods served at a concrete path (`/v1/incidents/inc_1`), HEAD with each GET; empty when
    /// no route has that path.
    func methods(forPath path: String) -> [String] {
        let segments = path.split(separator: "/", omittingEmptySubsequences: true)
        var methods: [String] = []
        for route in self.routes {
            let parts = route.split(separator: " ", maxSplits: 1)
            guard parts.count == 2 else { continue }
            let template = parts[1].split(separator: "/", omittingEmptySubsequences: true)
            guard template.count == segments.count,
                zip(template, segments).allSatisfy({ $0.hasPrefix("{") || $0 == $1 })
            else { continue }
            methods.append(String(parts[0]))
            if parts[0] == "GET" { methods.append("HEAD") }
        }
        return methods
    }
}
