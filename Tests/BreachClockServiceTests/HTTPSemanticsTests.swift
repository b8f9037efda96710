import BreachClockServer
import BreachClockStore
import BreachClockTestSupport
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import Testing

/// HTTP as clients expect it (RFC 9110), and bodies read strictly (issue 9, sections 1 to 3).
@Suite struct HTTPSemanticsTests {
    /// Creates the standard incident; returns its id.
    func createIncident(_ client: some TestClientProtocol, _ server: TestServer) async throws -> String {
        let created = try await client.execute(
            uri: "/v1/incidents", method: .post, headers: server.headers(server.editorKey), body: body(incidentBody))
        #expect(created.status == .created)
        return try #require(created.object["id"] as? String)
    }

    @Test(arguments: [
        ("", HTTPResponse.Status.unsupportedMediaType),
        ("text/plain", .unsupportedMediaType),
        ("application/x-www-form-urlencoded", .unsupportedMediaType),
        ("application/json; charset=latin1", .unsupportedMediaType),
        ("application/json; charset=utf-8", .ok),
        ("Application/JSON", .ok),
        ("application/merge-patch+json", .ok),
    ])
    func bodiesNeedAJSONMediaType(contentType: String, status: HTTPResponse.Status) async throws {
        let server = try await TestServer.make()
        defer { server.remove() }
        let facts = #"{"events": {"discoveredAt": "2026-03-02"}, "data": {"elements": ["name", "ssn"]}, "affected": {"US-CA": 10}}"#
        try await server.app().test(.router) { client in
            var headers = server.headers(server.viewerKey)
            headers[.contentType] = contentType.isEmpty ? nil : contentType
            try await client.execute(uri: "/v1/assessments", method: .post, headers: headers, body: body(facts)) { response in
                #expect(response.status == status, "\(response.text)")
                if status == .unsupportedMediaType { #expect(response.text.contains("application/json")) }
            }
        }
    }

    /// YAML is read when declared, with the same limits: the 448-byte billion laughs grew the server
    /// to 2.35 GB before; now it is a 400 naming the limit.
    @Test func yamlOnlyWhenDeclaredAndBounded() async throws {
        let server = try await TestServer.make()
        defer { server.remove() }
        let yaml = "events: {discoveredAt: 2026-03-02}\ndata: {elements: [name, ssn]}\naffected: {US-CA: 10}\n"
        try await server.app().test(.router) { client in
            try await client.execute(
                uri: "/v1/assessments", method: .post,
                headers: server.headers(server.viewerKey, [.contentType: "application/yaml"]), body: body(yaml)
            ) { #expect($0.status == .ok) }
            try await client.execute(
                uri: "/v1/assessments", method: .post,
                headers: server.headers(server.viewerKey), body: body(yaml)
            ) { response in
                #expect(response.status == .badRequest)
                #expect(response.text.contains("Malformed JSON body"))
                #expect(!response.text.contains("YAML"))
            }
            try await client.execute(
                uri: "/v1/assessments", method: .post,
                headers: server.headers(server.viewerKey, [.contentType: "application/yaml"]), body: body(HostileDocuments.billionLaughs)
            ) { response in
                #expect(response.status == .badRequest)
                #expect(response.text.contains("values in one document"))
            }
        }
    }

    static let malformedBodies: [(bytes: [UInt8], expected: String)] = [
        (Array(HostileDocuments.nested15000.utf8), "nesting deeper than 32 levels"),
        (Array(#"{"title": "a"#.utf8) + [0xFF, 0xFE] + Array(#"", "facts": {}}"#.utf8), "not valid UTF-8"),
        (Array(#"{"title": "a\u0000b", "facts": {}}"#.utf8), "NUL"),
        (Array(#"{"title": "a", "title": "b", "facts": {}}"#.utf8), "duplicate key `title`"),
        (Array(#"{"title": "a", "facts": {"affected": {"US-CA": 01}}}"#.utf8), "leading zero"),
    ]

    @Test(arguments: malformedBodies)
    func malformedBodiesAre400(bytes: [UInt8], expected: String) async throws {
        let server = try await TestServer.make()
        defer { server.remove() }
        try await server.app().test(.router) { client in
            try await client.execute(
                uri: "/v1/incidents", method: .post, headers: server.headers(server.editorKey),
                body: ByteBuffer(bytes: bytes)
            ) { response in
                #expect(response.status == .badRequest)
                #expect(response.text.contains(expected), "\(response.text)")
            }
            // Nothing was stored.
            try await client.execute(uri: "/v1/incidents", method: .get, headers: server.headers(server.viewerKey)) { response in
                #expect((response.object["incidents"] as? [Any])?.isEmpty == true)
            }
        }
    }

    /// The overflow that killed the server from POST /v1/assessments, POST /v1/incidents and PATCH.
    @Test func overflowingCountsAre422() async throws {
        let server = try await TestServer.make()
        defer { server.remove() }
        let affected = #"{"US-CA": 9223372036854775807, "US-TX": 9223372036854775807}"#
        let facts = #"{"events": {"discoveredAt": "2026-03-02"}, "data": {"elements": ["name", "ssn"]}, "affected": \#(affected)}"#
        try await server.app().test(.router) { client in
            try await client.execute(uri: "/v1/assessments", method: .post, headers: server.headers(server.viewerKey), body: body(facts)) {
                response in
                #expect(response.status == .unprocessableContent)
                #expect(response.text.contains("affected.US-CA"))
            }
            try await client.execute(
                uri: "/v1/incidents", method: .post, headers: server.headers(server.editorKey),
                body: body(#"{"title": "x", "facts": \#(facts)}"#)
            ) { response in
                #expect(response.status == .unprocessableContent)
                #expect(response.text.contains("facts.affected.US-TX"))
            }
            let id = try await createIncident(client, server)
            try await client.execute(
                uri: "/v1/incidents/\(id)", method: .patch, headers: server.headers(server.editorKey, [.ifMatch: "\"1\""]),
                body: body(#"{"facts": {"affected": \#(affected)}}"#)
            ) { #expect($0.status == .unprocessableContent) }
            try await client.execute(uri: "/healthz", method: .get) { #expect($0.status == .ok) }
        }
    }

    @Test func textFieldsAreNotCoerced() async throws {
        let server = try await TestServer.make()
        defer { server.remove() }
        try await server.app().test(.router) { client in
            let body123 = incidentBody.replacingOccurrences(of: #""Payroll export""#, with: "123")
            try await client.execute(uri: "/v1/incidents", method: .post, headers: server.headers(server.editorKey), body: body(body123)) {
                response in
                #expect(response.status == .unprocessableContent)
                #expect(response.text.contains("expected text, found a number"))
            }
        }
    }

    @Test(arguments: [
        (#"{"kind": "vibes", "outcome": "likely", "owner": "counsel"}"#, "unknown decision kind `vibes`"),
        (#"{"kind": "risk-of-harm", "outcome": "maybe", "owner": "counsel"}"#, "outcome is one of: unlikely, likely, high"),
        (#"{"kind": "notice", "outcome": "not-required", "owner": "counsel"}"#, "must give its rationale"),
        (#"{"kind": "notice", "outcome": "perhaps", "owner": "counsel"}"#, "outcome is one of: required, not-required"),
    ])
    func decisionsTakeOnlyDocumentedKindsAndOutcomes(decision: String, expected: String) async throws {
        let server = try await TestServer.make()
        defer { server.remove() }
        try await server.app().test(.router) { client in
            let id = try await createIncident(client, server)
            try await client.execute(
                uri: "/v1/incidents/\(id)/decisions", method: .post,
                headers: server.headers(server.editorKey, [.ifMatch: "\"1\""]), body: body(decision)
            ) { response in
                #expect(response.status == .unprocessableContent)
                #expect(response.text.contains(expected), "\(response.text)")
            }
        }
    }

    /// If-Match per RFC 9110 section 13.1.1: required on every change (428), compared strongly, `*`
    /// for any revision, a stale one is 412 with the current ETag, a malformed one 400.
    @Test(arguments: [
        (nil as String?, HTTPResponse.Status.preconditionRequired),
        ("\"1\"", .ok),
        ("*", .ok),
        ("\"7\", \"1\"", .ok),
        ("W/\"1\"", .preconditionFailed),
        ("\"2\"", .preconditionFailed),
        ("1", .badRequest),
        ("\"1", .badRequest),
    ])
    func ifMatch(value: String?, status: HTTPResponse.Status) async throws {
        let server = try await TestServer.make()
        defer { server.remove() }
        try await server.app().test(.router) { client in
            let id = try await createIncident(client, server)
            var headers = server.headers(server.editorKey)
            headers[.ifMatch] = value
            try await client.execute(
                uri: "/v1/incidents/\(id)", method: .patch, headers: headers,
                body: body(#"{"facts": {"affected": {"US-CA": 620}}}"#)
            ) { response in
                #expect(response.status == status, "\(response.text)")
                if status == .preconditionFailed { #expect(response.headers[.eTag] == "\"1\"") }
            }
            // The other changes need it too.
            for path in ["/notices", "/decisions", "/close"] where value == nil {
                try await client.execute(
                    uri: "/v1/incidents/\(id)\(path)", method: .post, headers: server.headers(server.editorKey),
                    body: body(#"{"kind": "materiality", "outcome": "material", "owner": "counsel"}"#)
                ) {
                    #expect($0.status == .preconditionRequired, "\(path)")
                }
            }
        }
    }

    @Test func patchThatChangesNothingMakesNoRevisionAndTitlesAreDescribed() async throws {
        let server = try await TestServer.make()
        defer { server.remove() }
        try await server.app().test(.router) { client in
            let id = try await createIncident(client, server)
            try await client.execute(
                uri: "/v1/incidents/\(id)", method: .patch, headers: server.headers(server.editorKey, [.ifMatch: "\"1\""]),
                body: body(#"{"title": "Payroll export", "facts": {"affected": {"US-CA": 480}}}"#)
            ) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.eTag] == "\"1\"")
            }
            try await client.execute(
                uri: "/v1/incidents/\(id)", method: .patch, headers: server.headers(server.editorKey, [.ifMatch: "\"1\""]),
                body: body(#"{"title": "Payroll export (HR share)"}"#)
            ) { #expect($0.headers[.eTag] == "\"2\"") }
            try await client.execute(uri: "/v1/incidents/\(id)/history", method: .get, headers: server.headers(server.viewerKey)) { response in
                let revisions = response.object["revisions"] as? [[String: Any]] ?? []
                #expect(revisions.count == 2)
                #expect((revisions.last?["changes"] as? [String])?.first == #"title changed from "Payroll export" to "Payroll export (HR share)""#)
            }
        }
    }

    @Test func headMethodsAndBearer() async throws {
        let server = try await TestServer.make()
        defer { server.remove() }
        try await server.app().test(.router) { client in
            let id = try await createIncident(client, server)
            let get = try await client.execute(uri: "/v1/incidents/\(id)", method: .get, headers: server.headers(server.viewerKey))
            try await client.execute(uri: "/v1/incidents/\(id)", method: .head, headers: server.headers(server.viewerKey)) { response in
                #expect(response.status == .ok)
                #expect(response.body.readableBytes == 0)
                #expect(response.headers[.eTag] == get.headers[.eTag])
            }
            try await client.execute(uri: "/healthz", method: .head) { #expect($0.status == .ok) }
            try await client.execute(uri: "/v1/incidents/\(id)", method: .put, headers: server.headers(server.editorKey), body: body("{}")) {
                response in
                #expect(response.status == .methodNotAllowed)
                #expect(response.headers[.allow] == "GET, HEAD, PATCH")
            }
            try await client.execute(uri: "/v1/incidents", method: .delete, headers: server.headers(server.editorKey)) { response in
                #expect(response.status == .methodNotAllowed)
                #expect(response.headers[.allow] == "POST, GET, HEAD")
            }
            try await client.execute(uri: "/v1/nothing-here", method: .get, headers: server.headers(server.viewerKey)) {
                #expect($0.status == .notFound)
            }
            for scheme in ["bearer", "BEARER", "BeArEr"] {
                try await client.execute(uri: "/v1/jurisdictions", method: .get, headers: [.authorization: "\(scheme) \(server.viewerKey)"]) {
                    #expect($0.status == .ok, "\(scheme)")
                }
            }
        }
    }

    @Test func keysAreNotCachedAndTheirLocationResolves() async throws {
        let server = try await TestServer.make()
        defer { server.remove() }
        try await server.app().test(.router) { client in
            let created = try await client.execute(
                uri: "/v1/keys", method: .post, headers: server.headers(server.adminKey),
                body: body(#"{"name": "ci", "role": "viewer"}"#))
            #expect(created.status == .created)
            #expect(created.headers[.cacheControl] == "no-store")
            let location = try #require(created.headers[.location])
            try await client.execute(uri: location, method: .get, headers: server.headers(server.adminKey)) { response in
                #expect(response.status == .ok)
                #expect(response.object["name"] as? String == "ci")
                #expect(response.object["key"] == nil)
            }
        }
    }

    /// A key revoked by the CLI (another process, straight to the database) stops working within the
    /// key cache's lifetime, here set short.
    @Test func keyRevokedElsewhereStopsWithinTheBound() async throws {
        let server = try await TestServer.make()
        defer { server.remove() }
        var configuration = ServerConfiguration(port: 0, databasePath: server.database, rulesDirectory: Paths.jurisdictions, sendsWebhooks: false)
        configuration.keyCacheLifetime = .milliseconds(300)
        let app = try await ServerApplication.build(
            configuration: configuration, calculator: try RealRules.calculator(), logger: Logger(label: "test"))
        try await app.test(.router) { client in
            try await client.execute(uri: "/v1/jurisdictions", method: .get, headers: server.headers(server.viewerKey)) { #expect($0.status == .ok) }
            let store = try IncidentStore(path: server.database)
            let id = try #require(try await store.keys().first { $0.name == "test viewer" }?.id)
            try await store.revokeKey(id: id, actor: "cli")
            try await Task.sleep(for: .milliseconds(400))
            try await client.execute(uri: "/v1/jurisdictions", method: .get, headers: server.headers(server.viewerKey)) {
                #expect($0.status == .unauthorized)
            }
        }
    }

    @Test func deletedWebhookIsGone() async throws {
        let server = try await TestServer.make()
        defer { server.remove() }
        try await server.app().test(.router) { client in
            let created = try await client.execute(
                uri: "/v1/webhooks", method: .post, headers: server.headers(server.adminKey),
                body: body(#"{"url": "https://hooks.example.com/x", "format": "json"}"#))
            #expect(created.status == .created)
            #expect(created.headers[.cacheControl] == "no-store")
            let location = try #require(created.headers[.location])
            try await client.execute(uri: location, method: .get, headers: server.headers(server.adminKey)) { #expect($0.status == .ok) }
            try await client.execute(uri: location, method: .delete, headers: server.headers(server.adminKey)) { #expect($0.status == .noContent) }
            try await client.execute(uri: location, method: .get, headers: server.headers(server.adminKey)) { #expect($0.status == .notFound) }
            try await client.execute(uri: location + "/deliveries", method: .get, headers: server.headers(server.adminKey)) {
                #expect($0.status == .notFound)
            }
            try await client.execute(uri: location, method: .delete, headers: server.headers(server.adminKey)) { #expect($0.status == .notFound) }
            try await client.execute(uri: "/v1/webhooks", method: .get, headers: server.headers(server.adminKey)) { response in
                #expect((response.object["webhooks"] as? [Any])?.isEmpty == true)
            }
        }
    }

    /// `"1e18h"` crashed the server converting to Int; bad hosts were accepted (Schemathesis).
    @Test(arguments: [
        (#"{"url": "https://a.example", "schedule": {"before": ["1e18h"]}}"#, "schedule.before[0]"),
        (#"{"url": "https://a.example", "schedule": {"before": ["1e400h"]}}"#, "schedule.before[0]"),
        (#"{"url": "https://a.example", "schedule": {"overdueEvery": "400d"}}"#, "schedule.overdueEvery"),
        (#"{"url": "https://a.example", "schedule": {"before": ["1.5h"]}}"#, "schedule.before[0]"),
        (#"{"url": "HTTP://0*"}"#, "url"),
        (#"{"url": "https://-bad-.example"}"#, "url"),
        (#"{"url": "https://user:pw@a.example"}"#, "url"),
    ])
    func webhookSettingsAreBounded(request: String, field: String) async throws {
        let server = try await TestServer.make()
        defer { server.remove() }
        try await server.app().test(.router) { client in
            try await client.execute(uri: "/v1/webhooks", method: .post, headers: server.headers(server.adminKey), body: body(request)) { response in
                #expect(response.status == .unprocessableContent, "\(response.text)")
                #expect(response.text.contains(#""field":"\#(field)""#), "\(response.text)")
            }
            try await client.execute(uri: "/healthz", method: .get) { #expect($0.status == .ok) }
        }
    }

    @Test(arguments: ["https://hooks.example.com:8443/x?y=1", "http://[2001:db8::1]/hook", "https://192.0.2.10/h"])
    func webhookURLsThatAreFine(url: String) async throws {
        let server = try await TestServer.make()
        defer { server.remove() }
        try await server.app().test(.router) { client in
            try await client.execute(
                uri: "/v1/webhooks", method: .post, headers: server.headers(server.adminKey),
                body: body(#"{"url": "\#(url)", "schedule": {"before": ["48h", "90m"]}}"#)
            ) { #expect($0.status == .created, "\($0.text)") }
        }
    }

    /// The application on the server's database, its log kept in memory.
    func appLoggingTo(_ server: TestServer) async throws -> (some ApplicationProtocol, LogCapture) {
        let lines = LogCapture()
        let app = try await ServerApplication.build(
            configuration: ServerConfiguration(port: 0, databasePath: server.database, rulesDirectory: Paths.jurisdictions, sendsWebhooks: false),
            calculator: try RealRules.calculator(), logger: Logger(label: "test") { _ in lines.handler() })
        return (app, lines)
    }

    /// Request log lines name the key that made the request (they were always `-`).
    @Test func logLinesCarryTheKeyID() async throws {
        let server = try await TestServer.make()
        defer { server.remove() }
        let (app, lines) = try await appLoggingTo(server)
        let store = try IncidentStore(path: server.database)
        let viewerID = try #require(try await store.keys().first { $0.name == "test viewer" }?.id)
        try await app.test(.router) { client in
            try await client.execute(uri: "/v1/jurisdictions", method: .get, headers: server.headers(server.viewerKey)) { #expect($0.status == .ok) }
        }
        #expect(lines.records.contains { $0.message == "request" && $0.metadata["key_id"] == viewerID })
        #expect(!lines.records.contains { "\($0.metadata)".contains(server.viewerKey) })
    }

    /// An unexpected error is a 500 whose log line carries the error's message, not only its type
    /// (issue 14: the line said `type: DatabaseError` and nothing an operator could act on).
    @Test func unexpectedErrorsAreLoggedWithTheirMessage() async throws {
        let server = try await TestServer.make()
        defer { server.remove() }
        let (app, lines) = try await appLoggingTo(server)
        let store = try IncidentStore(path: server.database)
        try await store.engine.write { db in try await db.execute("ALTER TABLE incident RENAME TO incident_elsewhere") }
        try await app.test(.router) { client in
            try await client.execute(uri: "/v1/incidents", method: .get, headers: server.headers(server.viewerKey)) { response in
                #expect(response.status == .internalServerError)
                #expect(!response.text.contains("no such table"), "the client is told only the request id")
            }
        }
        let logged = lines.records.first { $0.message == "unexpected error" }
        #expect(logged?.metadata["error"]?.contains("no such table: incident") == true, "\(String(describing: logged))")
    }
}

/// Keeps log records in memory.
final class LogCapture: @unchecked Sendable {
    struct Record {
        var message: String
        var metadata: [String: String]
    }

    private let lock = NSLock()
    private var kept: [Record] = []
    var records: [Record] { lock.withLock { kept } }

    func handler() -> some LogHandler { Handler(capture: self) }

    struct Handler: LogHandler {
        let capture: LogCapture
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .info

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(
            level: Logger.Level, message: Logger.Message, metadata extra: Logger.Metadata?, source: String, file: String,
            function: String, line: UInt
        ) {
            let merged = metadata.merging(extra ?? [:]) { $1 }.mapValues { "\($0)" }
            capture.lock.withLock { capture.kept.append(Record(message: "\(message)", metadata: merged)) }
        }
    }
}
