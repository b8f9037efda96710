import BreachClockServer
import BreachClockStore
import BreachClockTestSupport
import BreachClockWebhooks
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import Testing

/// A server on a fresh SQLite file, with an editor key and a viewer key.
struct TestServer {
    let folder: URL
    let database: String
    let editorKey: String
    let viewerKey: String
    let adminKey: String

    static func make() async throws -> TestServer {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("bc-server-\(UUID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let database = folder.appendingPathComponent("breachclock.sqlite").path
        let store = try IncidentStore(path: database)
        let editor = try await store.createKey(name: "test editor", role: .editor, actor: "test")
        let viewer = try await store.createKey(name: "test viewer", role: .viewer, actor: "test")
        let admin = try await store.createKey(name: "test admin", role: .admin, actor: "test")
        return TestServer(folder: folder, database: database, editorKey: editor.key, viewerKey: viewer.key, adminKey: admin.key)
    }

    /// The tests' receivers listen on 127.0.0.1, so it is allowlisted unless a test says otherwise.
    func app(
        clock: @escaping @Sendable () -> Date = { Date(timeIntervalSince1970: 1_772_600_000) },
        webhookAllow: [AddressPolicy.Network] = [AddressPolicy.Network("127.0.0.1/32")!]
    ) async throws -> some ApplicationProtocol {
        var logger = Logger(label: "test")
        logger.logLevel = .warning
        return try await ServerApplication.build(
            configuration: ServerConfiguration(
                port: 0, databasePath: database, rulesDirectory: Paths.jurisdictions, webhookAllowlist: webhookAllow,
                sendsWebhooks: false),
            calculator: try RealRules.calculator(), clock: clock, logger: logger)
    }

    func remove() { try? FileManager.default.removeItem(at: folder) }

    func headers(_ key: String, _ extra: HTTPFields = [:]) -> HTTPFields {
        var fields = extra
        fields[.authorization] = "Bearer \(key)"
        if fields[.contentType] == nil { fields[.contentType] = "application/json" }
        return fields
    }
}

extension TestResponse {
    var text: String { String(buffer: body) }
    var object: [String: Any] { (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any] ?? [:] }
}

func body(_ text: String) -> ByteBuffer { ByteBuffer(string: text) }

let incidentBody = """
    {"title": "Payroll export", "facts": {"timezone": "America/Los_Angeles",
     "events": {"discoveredAt": "2026-03-02T10:00:00-08:00"},
     "data": {"elements": ["name", "ssn"]}, "riskOfHarm": "likely", "affected": {"US-CA": 480}}}
    """

@Suite struct ServerTests {
    @Test func healthAndAuthentication() async throws {
        let server = try await TestServer.make()
        defer { server.remove() }
        try await server.app().test(.router) { client in
            try await client.execute(uri: "/healthz", method: .get) { #expect($0.status == .ok) }
            try await client.execute(uri: "/v1/jurisdictions", method: .get) { response in
                #expect(response.status == .unauthorized)
                #expect(response.headers[.contentType] == "application/problem+json")
            }
            try await client.execute(uri: "/v1/jurisdictions", method: .get, headers: server.headers("bck_wrong")) {
                #expect($0.status == .unauthorized)
            }
            try await client.execute(uri: "/v1/jurisdictions", method: .get, headers: server.headers(server.viewerKey)) { response in
                #expect(response.status == .ok)
                #expect((response.object["jurisdictions"] as? [Any])?.count ?? 0 >= 55)
            }
            // Viewers read; they cannot change incidents.
            try await client.execute(uri: "/v1/incidents", method: .post, headers: server.headers(server.viewerKey), body: body(incidentBody)) {
                #expect($0.status == .forbidden)
            }
        }
    }

    /// The stateless what-if follows the contract; invalid facts get a 422 naming each field (contract § 4).
    @Test func assessmentsAndProblems() async throws {
        let server = try await TestServer.make()
        defer { server.remove() }
        try await server.app().test(.router) { client in
            let facts =
                #"{"events": {"discoveredAt": "2026-03-02T10:00:00-08:00"}, "data": {"elements": ["name", "ssn"]}, "affected": {"US-CA": 501}}"#
            try await client.execute(uri: "/v1/assessments", method: .post, headers: server.headers(server.viewerKey), body: body(facts)) {
                response in
                #expect(response.status == .ok)
                #expect(response.object["contract"] as? Int == 1)
                // Cal. Civ. Code § 1798.82(a)(1): 30 days from 2 March 2026 (UTC here).
                #expect(response.text.contains(#""dueDate":"2026-04-01""#))
            }
            let bad = #"{"events": {"discoveredAt": "soon"}, "data": {"elements": ["name"]}, "affected": {"US-XX": 1}, "extra": 1}"#
            try await client.execute(uri: "/v1/assessments", method: .post, headers: server.headers(server.viewerKey), body: body(bad)) { response in
                #expect(response.status == .unprocessableContent)
                #expect(response.headers[.contentType] == "application/problem+json")
                let fields = (response.object["errors"] as? [[String: String]] ?? []).compactMap { $0["field"] }
                #expect(Set(fields) == ["events.discoveredAt", "affected.US-XX", "extra"])
                #expect(!response.text.contains("/work/"))
            }
            let huge = String(repeating: " ", count: 300_000) + "{}"
            try await client.execute(uri: "/v1/assessments", method: .post, headers: server.headers(server.viewerKey), body: body(huge)) {
                #expect($0.status == .contentTooLarge)
            }
        }
    }

    /// Recomputation on PATCH keeps its history and says why: crossing California's "more than 500"
    /// (Cal. Civ. Code § 1798.82(f)) adds the AG obligation. A stale If-Match is refused with 412.
    @Test func patchRecomputesWithHistoryAndConcurrency() async throws {
        let server = try await TestServer.make()
        defer { server.remove() }
        try await server.app().test(.router) { client in
            let created = try await client.execute(
                uri: "/v1/incidents", method: .post, headers: server.headers(server.editorKey),
                body: body(incidentBody))
            #expect(created.status == .created)
            #expect(created.headers[.eTag] == "\"1\"")
            let id = try #require(created.object["id"] as? String)
            let firstIDs = ((created.object["assessment"] as? [String: Any])?["obligations"] as? [[String: Any]] ?? []).compactMap {
                $0["id"] as? String
            }
            #expect(firstIDs == ["US-CA/individuals"])

            let patch = #"{"facts": {"affected": {"US-CA": 620}}}"#
            let patched = try await client.execute(
                uri: "/v1/incidents/\(id)", method: .patch,
                headers: server.headers(server.editorKey, [.ifMatch: "\"1\""]), body: body(patch))
            #expect(patched.status == .ok)
            #expect(patched.headers[.eTag] == "\"2\"")
            #expect(patched.text.contains(#""id":"US-CA/regulator""#))

            let stale = try await client.execute(
                uri: "/v1/incidents/\(id)", method: .patch,
                headers: server.headers(server.editorKey, [.ifMatch: "\"1\""]), body: body(patch))
            #expect(stale.status == .preconditionFailed)

            let history = try await client.execute(uri: "/v1/incidents/\(id)/history", method: .get, headers: server.headers(server.viewerKey))
            let revisions = try #require(history.object["revisions"] as? [[String: Any]])
            #expect(revisions.count == 2)
            let changes = revisions[1]["changes"] as? [String] ?? []
            #expect(changes.contains("affected.US-CA rose from 480 to 620"))
            #expect(changes.contains { $0.hasPrefix("US-CA/regulator added: 620 residents is more than 500") })
        }
    }

    /// Recording the residents' notice fixes the AG's deadline: 15 calendar days after it (SB 446).
    @Test func noticesDecisionsCloseAndAudit() async throws {
        let server = try await TestServer.make()
        defer { server.remove() }
        try await server.app().test(.router) { client in
            let created = try await client.execute(
                uri: "/v1/incidents", method: .post, headers: server.headers(server.editorKey),
                body: body(incidentBody.replacingOccurrences(of: "480", with: "900")))
            let id = try #require(created.object["id"] as? String)
            let notice = #"{"obligation": "US-CA/individuals", "sentAt": "2026-03-20T09:00:00-07:00", "method": "mail", "reference": "batch 1"}"#
            let noticed = try await client.execute(
                uri: "/v1/incidents/\(id)/notices", method: .post,
                headers: server.headers(server.editorKey, [.ifMatch: "\"1\""]), body: body(notice))
            #expect(noticed.status == .created)
            #expect(noticed.text.contains(#""dueDate":"2026-04-04""#))

            let unknown = #"{"obligation": "US-ZZ/nothing", "sentAt": "2026-03-20", "method": "mail"}"#
            try await client.execute(
                uri: "/v1/incidents/\(id)/notices", method: .post, headers: server.headers(server.editorKey, [.ifMatch: "\"2\""]),
                body: body(unknown)
            ) {
                #expect($0.status == .unprocessableContent)
            }
            let noRationale = #"{"kind": "notice", "obligation": "US-CA/regulator", "outcome": "not-required", "owner": "counsel"}"#
            try await client.execute(
                uri: "/v1/incidents/\(id)/decisions", method: .post, headers: server.headers(server.editorKey, [.ifMatch: "\"2\""]),
                body: body(noRationale)
            ) { response in
                #expect(response.status == .unprocessableContent)
                #expect(response.text.contains("rationale"))
            }
            let finding = #"{"kind": "risk-of-harm", "outcome": "unlikely", "rationale": "data encrypted at rest; key in HSM", "owner": "counsel"}"#
            try await client.execute(
                uri: "/v1/incidents/\(id)/decisions", method: .post, headers: server.headers(server.editorKey, [.ifMatch: "\"2\""]),
                body: body(finding)
            ) { #expect($0.status == .created) }

            try await client.execute(uri: "/v1/incidents/\(id)/calendar.ics", method: .get, headers: server.headers(server.viewerKey)) { response in
                #expect(response.status == .ok)
                #expect(response.text.hasPrefix("BEGIN:VCALENDAR"))
            }
            try await client.execute(uri: "/v1/incidents/\(id)/close", method: .post, headers: server.headers(server.editorKey, [.ifMatch: "\"3\""]))
            {
                #expect($0.object["status"] as? String == "closed")
            }
            try await client.execute(uri: "/v1/incidents/\(id)/audit", method: .get, headers: server.headers(server.viewerKey)) { response in
                let actions = (response.object["entries"] as? [[String: Any]] ?? []).compactMap { $0["action"] as? String }
                // Closing records the incident's closed phase too (issue 15).
                #expect(actions == ["incident.create", "notice.record", "decision.record", "incident.close", "incident.phase"])
                // Every before/after is a JSON document of its own.
                for entry in response.object["entries"] as? [[String: Any]] ?? [] { #expect(entry["after"] is [String: Any]) }
            }
            try await client.execute(uri: "/v1/incidents?status=closed", method: .get, headers: server.headers(server.viewerKey)) { response in
                #expect((response.object["incidents"] as? [Any])?.count == 1)
            }
            try await client.execute(uri: "/metrics", method: .get) { response in
                #expect(response.text.contains("breachclock_http_requests_total"))
                #expect(response.text.contains("breachclock_open_incidents 0"))
            }
        }
        let verification = try await IncidentStore(path: server.database).verifyAudit()
        #expect(verification.firstBreak == nil)
        #expect(verification.lines == 8)  // three keys, create, notice, decision, close, the closed phase
    }

    /// Many PATCHes at once from the same revision: exactly one wins, every other gets 412, nothing is lost.
    @Test func parallelPatchesLoseNothing() async throws {
        let server = try await TestServer.make()
        defer { server.remove() }
        try await server.app().test(.router) { client in
            let created = try await client.execute(
                uri: "/v1/incidents", method: .post, headers: server.headers(server.editorKey),
                body: body(incidentBody))
            let id = try #require(created.object["id"] as? String)
            let statuses = try await withThrowingTaskGroup(of: HTTPResponse.Status.self) { group in
                for count in 0..<16 {
                    group.addTask {
                        let patch = "{\"facts\": {\"affected\": {\"US-CA\": \(1000 + count)}}}"
                        return try await client.execute(
                            uri: "/v1/incidents/\(id)", method: .patch,
                            headers: server.headers(server.editorKey, [.ifMatch: "\"1\""]), body: body(patch)
                        ).status
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(statuses.filter { $0 == .ok }.count == 1)
            #expect(statuses.filter { $0 == .preconditionFailed }.count == 15)
            try await client.execute(uri: "/v1/incidents/\(id)", method: .get, headers: server.headers(server.viewerKey)) {
                #expect($0.object["revision"] as? Int == 2)
            }
        }
    }
}

/// Admins manage keys through the API: a new key works at once and is shown only when created; a
/// revoked key stops working at once; nobody but an admin reaches these routes.
@Suite struct KeyRouteTests {
    @Test func adminsCreateListAndRevokeKeys() async throws {
        let server = try await TestServer.make()
        defer { server.remove() }
        try await server.app().test(.router) { client in
            for key in [server.viewerKey, server.editorKey] {
                try await client.execute(uri: "/v1/keys", method: .get, headers: server.headers(key)) { #expect($0.status == .forbidden) }
            }
            let created = try await client.execute(
                uri: "/v1/keys", method: .post, headers: server.headers(server.adminKey),
                body: body(#"{"name": "ci reader", "role": "viewer"}"#))
            #expect(created.status == .created)
            let key = try #require(created.object["key"] as? String)
            let id = try #require(created.object["id"] as? String)
            #expect(key.hasPrefix("bck_"))
            try await client.execute(uri: "/v1/jurisdictions", method: .get, headers: server.headers(key)) { #expect($0.status == .ok) }

            let listed = try await client.execute(uri: "/v1/keys", method: .get, headers: server.headers(server.adminKey))
            let names = (listed.object["keys"] as? [[String: Any]] ?? []).compactMap { $0["name"] as? String }
            #expect(names.contains("ci reader"))
            #expect(!listed.text.contains(key), "a key is shown only when it is created")

            try await client.execute(uri: "/v1/keys/\(id)", method: .delete, headers: server.headers(server.adminKey)) {
                #expect($0.status == .noContent)
            }
            try await client.execute(uri: "/v1/jurisdictions", method: .get, headers: server.headers(key)) { #expect($0.status == .unauthorized) }
            try await client.execute(uri: "/v1/keys/key_missing", method: .delete, headers: server.headers(server.adminKey)) {
                #expect($0.status == .notFound)
            }
            try await client.execute(
                uri: "/v1/keys", method: .post, headers: server.headers(server.adminKey),
                body: body(#"{"name": "x", "role": "owner", "extra": 1}"#)
            ) { response in
                #expect(response.status == .unprocessableContent)
                #expect(response.text.contains("extra"))
            }
        }
        let actions = try await IncidentStore(path: server.database).verifyAudit()
        #expect(actions.firstBreak == nil)
    }
}

/// The audit chain detects an edited line even when someone bypasses the append-only triggers.
@Suite struct AuditChainTests {
    @Test func tamperingIsDetected() async throws {
        let server = try await TestServer.make()
        defer { server.remove() }
        let store = try IncidentStore(path: server.database)
        #expect(try await store.verifyAudit().firstBreak == nil)
        // The triggers refuse edits…
        let sqlite = "/usr/bin/sqlite3"
        if FileManager.default.isExecutableFile(atPath: sqlite) {
            let refused = try runProcess(sqlite, [server.database, "UPDATE audit_log SET actor = 'mallory' WHERE seq = 1;"])
            #expect(refused != 0)
        }
        // …and a forged line is still caught by the hash chain.
        try await store.tamperForTesting(seq: 2, actor: "mallory")
        let result = try await store.verifyAudit()
        #expect(result.firstBreak?.seq == 2)
    }
}

func runProcess(_ path: String, _ arguments: [String]) throws -> Int32 {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: path)
    process.arguments = arguments
    process.standardError = FileHandle.nullDevice
    try process.run()
    process.waitUntilExit()
    return process.terminationStatus
}
