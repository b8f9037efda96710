import BreachClockApplication
import BreachClockCalculator
import BreachClockLoader
import BreachClockRules
import BreachClockStore
import BreachClockWebhooks
import Foundation
import HTTPTypes
import Hummingbird
import Mustache
import NIOCore

/// The web console (issue 16): server-rendered HTML at `/console`, signed in by a session cookie
/// minted from an API key or a one-time login link, acting with that key's role. Every form carries
/// the session's CSRF token; user text is escaped by the templates.
struct Console: Sendable {
    let service: IncidentService
    let store: IncidentStore
    /// Sessions read in the last few seconds (as the API's keys are), so a page does not cost a
    /// database read to find who is asking.
    let sessions: CredentialCache<WebSession>
    let clock: @Sendable () -> Date
    /// Pages rendered before, by their view (shared by every copy of the console).
    let memo = RenderMemo()
    /// How long a session lasts.
    static let sessionLifetime: TimeInterval = 8 * 3_600
    static let cookie = "bc_session"
    /// Forms are small: a notice's fields.
    static let maxFormBytes = 16 * 1024

    // MARK: Rendering

    static func page(title: String, body: String, session: WebSession? = nil, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:])
        -> Response
    {
        html(layout(title: title, body: body, session: session), status: status, headers: headers)
    }

    /// What the layout shows around a page's body.
    struct Layout: Hashable {
        var title: String
        var body: String
        var signedIn: Bool
        var csrf: String
        var keyName: String
        var role: String
        var isAdmin: Bool

        init(title: String, body: String, session: WebSession?) {
            self.title = title
            self.body = body
            signedIn = session != nil
            csrf = session?.csrf ?? ""
            keyName = session?.key.name ?? ""
            role = session?.key.role.rawValue ?? ""
            isAdmin = session?.key.role == .admin
        }
    }

    /// A page's body in the layout (navigation, sign-out, styles, the countdown script).
    static func layout(title: String, body: String, session: WebSession?) -> String {
        ConsoleTemplates.library.render(tree(Layout(title: title, body: body, session: session)), withTemplate: "layout")
            ?? "<!doctype html><title>breachclock</title><p>The page could not be drawn.</p>"
    }

    /// A whole page as the response, with the headers every console page carries.
    static func html(_ html: String, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) -> Response {
        var headers = headers
        headers[.contentType] = "text/html; charset=utf-8"
        headers[.cacheControl] = "no-store"
        headers[HTTPField.Name("Content-Security-Policy")!] =
            "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
        headers[HTTPField.Name("X-Content-Type-Options")!] = "nosniff"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: html)))
    }

    static func render(_ view: Any, _ template: String) -> String { ConsoleTemplates.library.render(tree(view), withTemplate: template) ?? "" }

    /// The view as dictionaries and arrays, reflected once. swift-mustache looks a name up in a struct
    /// by reflecting all of its members each time (`Mirror` per lookup); in a dictionary it is one hash
    /// lookup. Converting first made the incident page 4x faster (scripts/bench-console.py; measured
    /// in the closing note of issue 16). Absent optionals are left out, so they read as false.
    static func tree(_ value: Any) -> Any {
        switch value {
        case is String, is Int, is Bool, is Double: return value
        default: break
        }
        let mirror = Mirror(reflecting: value)
        switch mirror.displayStyle {
        case .optional:
            return mirror.children.first.map { tree($0.value) } ?? Optional<Any>.none as Any
        case .collection, .set:
            return mirror.children.map { tree($0.value) }
        case .struct, .class:
            // A view that names its members for swift-mustache itself is used as it is.
            if let parent = value as? any MustacheParent { return parent }
            var members: [String: Any] = [:]
            for child in mirror.children {
                guard let label = child.label else { continue }
                let inner = Mirror(reflecting: child.value)
                if inner.displayStyle == .optional && inner.children.isEmpty { continue }
                members[label] = tree(child.value)
            }
            return members
        case .dictionary:
            var members: [String: Any] = [:]
            for child in mirror.children {
                let pair = Array(Mirror(reflecting: child.value).children)
                if pair.count == 2, let key = pair[0].value as? String { members[key] = tree(pair[1].value) }
            }
            return members
        default:
            return value
        }
    }

    /// A form without the session's CSRF token, or with another.
    static func forgedForm(_ session: WebSession) -> Response {
        problem(.forbidden, "Refused", "The form's security token is missing or wrong; reload the page and try again.", session: session)
    }

    /// A form sent with the revision the page was drawn at, after someone else changed the incident.
    static func changedMeanwhile(_ session: WebSession) -> Response {
        problem(.conflict, "The incident changed", "Someone changed it since you opened the page; reload it and try again.", session: session)
    }

    static func redirect(_ location: String, headers: HTTPFields = [:]) -> Response {
        var headers = headers
        headers[.location] = location
        return Response(status: .seeOther, headers: headers)
    }

    static func problem(_ status: HTTPResponse.Status, _ heading: String, _ detail: String, session: WebSession?) -> Response {
        struct View {
            var heading: String
            var detail: String
        }
        return page(title: heading, body: render(View(heading: heading, detail: detail), "problem"), session: session, status: status)
    }

    // MARK: Sessions and forms

    static func token(_ request: Request) -> String? {
        guard let header = request.headers[.cookie] else { return nil }
        for part in header.split(separator: ";") {
            let pair = part.trimmingCharacters(in: .whitespaces).split(separator: "=", maxSplits: 1)
            if pair.count == 2, pair[0] == cookie { return String(pair[1]) }
        }
        return nil
    }

    func session(_ request: Request) async throws -> WebSession? {
        guard let token = Self.token(request) else { return nil }
        let now = clock()
        guard let session = try await sessions.value(for: token, load: { try await store.session(token: $0) }), session.expiresAt > now else {
            return nil
        }
        return session
    }

    /// `Set-Cookie` for a session: HttpOnly, SameSite=Strict, the console's path; Secure behind TLS.
    static func cookieHeader(_ token: String, maxAge: Int, request: Request) -> String {
        // `serve` speaks plain HTTP; TLS ends at a proxy, which says so.
        let secure = request.headers[HTTPField.Name("X-Forwarded-Proto")!]?.lowercased() == "https"
        return "\(cookie)=\(token); Path=/console; HttpOnly; SameSite=Strict; Max-Age=\(maxAge)" + (secure ? "; Secure" : "")
    }

    /// The fields of an `application/x-www-form-urlencoded` body (at most `maxFormBytes`).
    static func form(_ request: Request) async throws -> [String: String] {
        let buffer = try await request.body.collect(upTo: maxFormBytes)
        var components = URLComponents()
        components.percentEncodedQuery = String(decoding: buffer.readableBytesView, as: UTF8.self).replacingOccurrences(of: "+", with: "%20")
        var fields: [String: String] = [:]
        for item in components.queryItems ?? [] where fields[item.name] == nil { fields[item.name] = item.value ?? "" }
        return fields
    }

    /// Compares in constant time, so the CSRF token cannot be guessed byte by byte.
    static func same(_ a: String, _ b: String) -> Bool { constantTimeEqual(Array(a.utf8), Array(b.utf8)) }

    // MARK: Routes

    /// Registers the console's routes straight on the router (they are pages, not part of the API's document).
    func register(on router: Router<ServerContext>) {
        registerForms(on: router)
        registerReference(on: router)
        registerProgramme(on: router)
        router.get("/console") { _, _ in Self.redirect("/console/incidents") }
        router.get("/console/sign-in") { request, _ in
            if try await session(request) != nil { return Self.redirect("/console/incidents") }
            return Self.page(title: "Sign in", body: Self.render([String: String](), "sign-in"))
        }
        router.post("/console/sign-in") { request, _ in
            let fields = try await Self.form(request)
            guard let key = fields["key"]?.trimmingCharacters(in: .whitespaces), !key.isEmpty, let found = try await store.authenticate(key: key)
            else {
                return Self.page(
                    title: "Sign in", body: Self.render(["error": "That API key is unknown or revoked."], "sign-in"), status: .unauthorized)
            }
            return try await startSession(keyID: found.id, via: "api-key", request: request)
        }
        router.get("/console/login/:token") { request, context in
            guard let keyID = try await store.redeemLoginLink(token: try context.parameters.require("token")) else {
                return Self.page(
                    title: "Sign in", body: Self.render(["error": "That login link is unknown, used or expired."], "sign-in"), status: .unauthorized)
            }
            return try await startSession(keyID: keyID, via: "login-link", request: request)
        }
        router.post("/console/sign-out") { request, _ in
            let fields = try await Self.form(request)
            guard let token = Self.token(request), let session = try await session(request) else {
                return Self.redirect("/console/sign-in")
            }
            guard Self.same(fields["csrf"] ?? "", session.csrf) else { return Self.forgedForm(session) }
            try await store.endSession(token: token)
            sessions.forget(token)
            return Self.redirect("/console/sign-in", headers: [.setCookie: Self.cookieHeader("", maxAge: 0, request: request)])
        }
        router.get("/console/incidents") { request, _ in
            guard let session = try await session(request) else { return Self.redirect("/console/sign-in") }
            return try await incidentsPage(request, session: session)
        }
        router.get("/console/incidents/:id") { request, context in
            guard let session = try await session(request) else { return Self.redirect("/console/sign-in") }
            guard let (incident, activity) = try await store.incidentWithActivity(id: try context.parameters.require("id")) else {
                return Self.problem(.notFound, "Not found", "There is no such incident.", session: session)
            }
            // A fixed message by code: a page never repeats text from its address.
            let messages = [
                "notice": "Notice recorded.", "decision": "Decision recorded.", "facts": "Facts changed; the deadlines were computed again.",
                "closed": "Incident closed.",
            ]
            let message = request.uri.queryParameters.get("recorded").flatMap { messages[String($0)] }
            return try await incidentPage(incident, activity: activity, session: session, message: message)
        }
        router.get("/console/incidents/:id/calendar.ics") { request, context in
            guard try await session(request) != nil else { return Self.redirect("/console/sign-in") }
            guard let incident = try await store.incident(id: try context.parameters.require("id")) else { throw Problem.notFound }
            return try Routes.calendarResponse(incident, service: service, now: clock())
        }
        router.post("/console/incidents/:id/notices") { request, context in
            let id = try context.parameters.require("id")
            let fields = try await Self.form(request)
            let checked = try await editor(request, fields: fields, needing: "Recording a notice")
            guard let session = checked.session, checked.refusal == nil else { return checked.refusal! }
            let here = SourceLocation(file: "form", line: 0, column: 0)
            var entries: [(key: String, keyAt: SourceLocation, value: DocumentNode)] = []
            for name in ["obligation", "sentAt", "method", "reference"] {
                if let value = fields[name], !value.isEmpty {
                    entries.append((key: name, keyAt: here, value: .scalar(value, plain: false, at: here)))
                }
            }
            do {
                _ = try await service.recordNotice(
                    id: id, ifMatch: fields["revision"].flatMap(Int.init).map { [$0] }, body: .mapping(entries, at: here),
                    actor: Self.actor(session))
            } catch let error as ServiceError {
                return Self.problem(.unprocessableContent, "The notice was not recorded", Self.describe(error), session: session)
            } catch StoreError.conflict {
                return Self.changedMeanwhile(session)
            } catch StoreError.notFound {
                return Self.problem(.notFound, "Not found", "There is no such incident.", session: session)
            }
            return Self.redirect("/console/incidents/\(id)?recorded=notice")
        }
    }

    /// A signed-in editor whose form carries the session's CSRF token, or the page that refuses
    /// (`what` names the action in the refusal of a role below editor).
    func editor(_ request: Request, fields: [String: String], needing what: String = "This") async throws -> (
        session: WebSession?, refusal: Response?
    ) {
        guard let session = try await session(request) else { return (nil, Self.redirect("/console/sign-in")) }
        guard Self.same(fields["csrf"] ?? "", session.csrf) else { return (session, Self.forgedForm(session)) }
        guard session.key.role >= .editor else {
            return (
                session,
                Self.problem(
                    .forbidden, "Not allowed", "\(what) needs the editor role; this key is a \(session.key.role.rawValue).", session: session)
            )
        }
        return (session, nil)
    }

    /// A YAML or JSON text from a form, parsed within the body limits (JSON when it opens with `{`).
    static func document(_ text: String) throws(ServiceError) -> DocumentNode {
        let format: DocumentFormat = text.drop { $0.isWhitespace }.first == "{" ? .json : .yaml
        return try IncidentService.parse(Array(text.utf8), format: format)
    }

    static func describe(_ error: ServiceError) -> String {
        error.errors.isEmpty ? (error.detail ?? error.title) : error.errors.map { "\($0.field): \($0.message)" }.joined(separator: "; ")
    }

    static func actor(_ session: WebSession) -> String { "key:\(session.key.id) (\(session.key.name))" }

    static let exampleFacts = """
        timezone: America/New_York
        events:
          discoveredAt: 2026-03-02T14:00:00-05:00
        entity: { role: owner, sectors: [] }
        data: { elements: [name, ssn], encrypted: false }
        riskOfHarm: likely
        affected: { US-NY: 40 }
        """

    func registerForms(on router: Router<ServerContext>) {
        router.get("/console/incidents/new") { request, _ in
            guard let session = try await session(request) else { return Self.redirect("/console/sign-in") }
            return Self.page(
                title: "New incident",
                body: Self.render(["csrf": session.csrf, "facts": Self.exampleFacts, "title": ""], "new-incident"), session: session)
        }
        router.post("/console/incidents") { request, _ in
            let fields = try await Self.form(request)
            let checked = try await editor(request, fields: fields)
            guard let session = checked.session, checked.refusal == nil else { return checked.refusal! }
            let title = fields["title"] ?? ""
            let factsText = fields["facts"] ?? ""
            let here = SourceLocation(file: "form", line: 0, column: 0)
            do {
                let facts = try Self.document(factsText)
                let created = try await service.create(
                    body: .mapping(
                        [(key: "title", keyAt: here, value: .scalar(title, plain: false, at: here)), (key: "facts", keyAt: here, value: facts)],
                        at: here), actor: Self.actor(session))
                return Self.redirect("/console/incidents/\(created.id)")
            } catch let error as ServiceError {
                return Self.page(
                    title: "New incident",
                    body: Self.render(
                        ["csrf": session.csrf, "facts": factsText, "title": title, "error": "Not opened. \(Self.describe(error))"], "new-incident"),
                    session: session, status: .unprocessableContent)
            }
        }
        router.post("/console/incidents/:id/decisions") { request, context in
            let id = try context.parameters.require("id")
            let fields = try await Self.form(request)
            let checked = try await editor(request, fields: fields)
            guard let session = checked.session, checked.refusal == nil else { return checked.refusal! }
            let parts = (fields["decision"] ?? "").split(separator: "/", maxSplits: 1).map(String.init)
            let here = SourceLocation(file: "form", line: 0, column: 0)
            var entries: [(key: String, keyAt: SourceLocation, value: DocumentNode)] = []
            if parts.count == 2 {
                entries.append((key: "kind", keyAt: here, value: .scalar(parts[0], plain: false, at: here)))
                entries.append((key: "outcome", keyAt: here, value: .scalar(parts[1], plain: false, at: here)))
            }
            for name in ["obligation", "owner", "rationale"] {
                if let value = fields[name], !value.isEmpty {
                    entries.append((key: name, keyAt: here, value: .scalar(value, plain: false, at: here)))
                }
            }
            do {
                _ = try await service.recordDecision(
                    id: id, ifMatch: fields["revision"].flatMap(Int.init).map { [$0] }, body: .mapping(entries, at: here),
                    actor: Self.actor(session), now: clock())
            } catch let error as ServiceError {
                return Self.problem(.unprocessableContent, "The decision was not recorded", Self.describe(error), session: session)
            } catch StoreError.conflict {
                return Self.changedMeanwhile(session)
            }
            return Self.redirect("/console/incidents/\(id)?recorded=decision")
        }
        router.post("/console/incidents/:id/close") { request, context in
            let id = try context.parameters.require("id")
            let fields = try await Self.form(request)
            let checked = try await editor(request, fields: fields)
            guard let session = checked.session, checked.refusal == nil else { return checked.refusal! }
            do {
                let incident = try await service.close(
                    id: id, ifMatch: fields["revision"].flatMap(Int.init).map { [$0] }, actor: Self.actor(session))
                try await Routes.recordClosedPhase(incident, store: store, actor: Self.actor(session), logger: context.logger)
            } catch let error as ServiceError {
                return Self.problem(.conflict, "The incident was not closed", Self.describe(error), session: session)
            } catch StoreError.conflict {
                return Self.changedMeanwhile(session)
            }
            return Self.redirect("/console/incidents/\(id)?recorded=closed")
        }
        router.post("/console/incidents/:id/facts") { request, context in
            let id = try context.parameters.require("id")
            let fields = try await Self.form(request)
            let checked = try await editor(request, fields: fields)
            guard let session = checked.session, checked.refusal == nil else { return checked.refusal! }
            guard let incident = try await store.incident(id: id) else {
                return Self.problem(.notFound, "Not found", "There is no such incident.", session: session)
            }
            let patchText = fields["facts"] ?? ""
            do {
                let patch = try Self.document(patchText)
                if fields["action"] == "save" {
                    let here = SourceLocation(file: "form", line: 0, column: 0)
                    _ = try await service.patch(
                        id: id, ifMatch: fields["revision"].flatMap(Int.init).map { [$0] },
                        body: .mapping([(key: "facts", keyAt: here, value: patch)], at: here),
                        actor: Self.actor(session))
                    return Self.redirect("/console/incidents/\(id)?recorded=facts")
                }
                // The what-if preview: the same computation as a save, without the write.
                let stored = try service.storedFacts(incident)
                let (facts, assessment) = try service.assess(stored.node.merging(patch: patch), fieldPrefix: "facts")
                let change = service.change(
                    incidentID: incident.id, title: incident.title, facts: facts, assessment: assessment, previous: incident, action: "preview")
                return try await incidentPage(incident, session: session, message: nil, preview: change.changes, patchText: patchText)
            } catch let error as ServiceError {
                return Self.problem(.unprocessableContent, "The facts were not changed", Self.describe(error), session: session)
            } catch StoreError.conflict {
                return Self.changedMeanwhile(session)
            }
        }
    }

    func startSession(keyID: String, via: String, request: Request) async throws -> Response {
        let started = try await store.startSession(keyID: keyID, lifetime: Self.sessionLifetime, via: via)
        return Self.redirect(
            "/console/incidents", headers: [.setCookie: Self.cookieHeader(started.token, maxAge: Int(Self.sessionLifetime), request: request)])
    }
}
