import BreachClockCalculator
import BreachClockServer
import BreachClockStore
import BreachClockTestSupport
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

/// Triage and the incident's life (issue 15 §2): an alert arrives at the intake, is triaged into an
/// incident without retyping, moves through its phases with its severity changes, and its times are
/// computed; an event left untriaged past the limit is a finding and an `event.untriaged` message,
/// cancelled by its disposition.
@Suite struct TriageTests {
    static func instant(_ text: String) -> Date { ZonedTime.parse(text, in: ZonedTime.utc)! }

    @Test func anAlertBecomesAnIncidentAndItsTimesAreComputed() async throws {
        let server = try await TestServer.make()
        defer { server.remove() }
        let clock = SimulatedClock(Self.instant("2026-03-02T17:00:00Z"))
        try await server.app(clock: { clock.now }).test(.router) { client in
            let programme = try String(contentsOf: Paths.root.appendingPathComponent("Examples/programme.yaml"), encoding: .utf8)
            _ = try await client.execute(
                uri: "/v1/programme", method: .put, headers: server.headers(server.editorKey, [.contentType: "application/yaml"]),
                body: body(programme))
            let alert =
                #"{"source": "SIEM rule PORTAL-AUTH-001", "summary": "Mass download from the patient portal", "severity": "SEV2", "detectedAt": "2026-03-02T16:30:00Z", "details": {"rule": 1, "hits": 4021}}"#
            let received = try await client.execute(uri: "/v1/events", method: .post, headers: server.headers(server.editorKey), body: body(alert))
            #expect(received.status == .created)
            let id = try #require(received.object["id"] as? String)
            // The record shows which key delivered it: the alert reached the service, named.
            #expect((received.object["receivedBy"] as? String)?.hasSuffix("(test editor)") == true)
            #expect(received.object["triageDueAt"] as? String == "2026-03-03T17:00:00.000Z")  // 24 hours, the example's limit
            try await client.execute(uri: "/v1/events/\(id)", method: .get, headers: server.headers(server.viewerKey)) {
                #expect($0.object["received"] as? String == alert)
            }
            // A breach needs the rest of the facts; discovery defaults to when the event was detected.
            let breach =
                #"{"disposition": "breach", "rationale": "Records of 400 Texas patients confirmed in the download", "incident": {"facts": {"timezone": "America/Chicago", "entity": {"role": "owner", "sectors": []}, "data": {"elements": ["name", "ssn"], "encrypted": false}, "riskOfHarm": "likely", "affected": {"US-TX": 400}}}}"#
            clock.set(Self.instant("2026-03-02T18:15:00Z"))
            let disposed = try await client.execute(
                uri: "/v1/events/\(id)/disposition", method: .post, headers: server.headers(server.editorKey), body: body(breach))
            #expect(disposed.status == .ok, "\(disposed.text)")
            let incident = try #require(disposed.object["incident"] as? String)
            try await client.execute(uri: "/v1/incidents/\(incident)", method: .get, headers: server.headers(server.viewerKey)) { response in
                #expect(response.object["title"] as? String == "Mass download from the patient portal")
                #expect(response.text.contains(#""discoveredAt":"2026-03-02T10:30:00-06:00""#))
            }
            try await client.execute(
                uri: "/v1/events/\(id)/disposition", method: .post, headers: server.headers(server.editorKey),
                body: body(#"{"disposition": "false-positive", "rationale": "again"}"#)
            ) { #expect($0.status == .conflict) }
            // Severity raised with its reason; then contained, and a phase out of order refused.
            try await client.execute(
                uri: "/v1/incidents/\(incident)/severity", method: .post, headers: server.headers(server.editorKey),
                body: body(#"{"severity": "SEV1", "reason": "Personal information confirmed exposed"}"#)
            ) { #expect($0.status == .created) }
            try await client.execute(
                uri: "/v1/incidents/\(incident)/severity", method: .post, headers: server.headers(server.editorKey),
                body: body(#"{"severity": "SEV9", "reason": "typo"}"#)
            ) { #expect($0.status == .unprocessableContent) }
            try await client.execute(
                uri: "/v1/incidents/\(incident)/phases", method: .post, headers: server.headers(server.editorKey),
                body: body(#"{"phase": "contained", "at": "2026-03-02T15:00:00Z"}"#)
            ) { #expect($0.status == .conflict && $0.text.contains("contained cannot be before detected (2026-03-02T16:30:00.000Z)")) }
            clock.set(Self.instant("2026-03-03T02:00:00Z"))
            let life = try await client.execute(
                uri: "/v1/incidents/\(incident)/phases", method: .post, headers: server.headers(server.editorKey),
                body: body(#"{"phase": "contained", "note": "Portal sessions revoked"}"#))
            #expect(life.status == .created)
            // Detected 16:30, triaged 18:15 (1 h 45 min), contained 02:00 the next day (9 h 30 min).
            #expect(life.object["timeToTriageSeconds"] as? Int == 6_300)
            #expect(life.object["timeToContainSeconds"] as? Int == 34_200)
            #expect((life.object["severity"] as? [[String: Any]])?.compactMap { $0["severity"] as? String } == ["SEV2", "SEV1"])
            // Closing the incident is its closed phase.
            clock.set(Self.instant("2026-03-10T12:00:00Z"))
            try await client.execute(
                uri: "/v1/incidents/\(incident)/close", method: .post, headers: server.headers(server.editorKey, [.ifMatch: "*"])
            ) { #expect($0.status == .ok) }
            try await client.execute(uri: "/v1/incidents/\(incident)/lifecycle", method: .get, headers: server.headers(server.viewerKey)) {
                let phases = ($0.object["phases"] as? [[String: Any]] ?? []).compactMap { $0["phase"] as? String }
                #expect(phases == ["detected", "triaged", "contained", "closed"])
            }
            let times = try await client.execute(
                uri: "/v1/response-times?from=2026-03-01&to=2026-03-31", method: .get, headers: server.headers(server.viewerKey))
            #expect((times.object["triage"] as? [String: Any])?["medianSeconds"] as? Int == 6_300)
            #expect((times.object["contain"] as? [String: Any])?["count"] as? Int == 1)
            // The same figures through the CLI, and the event's disposition.
            let cli = await runCLI(["response-times", "--from", "2026-03-01", "--to", "2026-03-31", "--db", server.database])
            #expect(cli.out == times.text + "\n")
            let events = await runCLI(["events", "list", "--db", server.database])
            #expect(events.out.contains("SIEM rule PORTAL-AUTH-001: Mass download from the patient portal  [breach by key:"))
        }
        #expect(try await IncidentStore(path: server.database).verifyAudit().problems.isEmpty)
    }

    /// An event untriaged at its limit: a finding from then on, and an `event.untriaged` message planned
    /// for that moment, which its disposition cancels.
    @Test func untriagedEventsAreFindingsAndMessages() async throws {
        let server = try await TestServer.make()
        defer { server.remove() }
        let clock = SimulatedClock(Self.instant("2026-12-03T10:00:00Z"))
        let store = try IncidentStore(path: server.database, clock: { clock.now })
        let hook = try await store.createWebhook(
            url: "http://127.0.0.1:9/hook", format: "json", incidentID: nil, events: ["event.untriaged"],
            secret: "whsec_dGVzdHRlc3R0ZXN0dGVzdHRlc3R0ZXN0",
            actor: "t")
        await store.close()
        try await server.app(clock: { clock.now }).test(.router) { client in
            let programme = try String(contentsOf: Paths.root.appendingPathComponent("Examples/programme.yaml"), encoding: .utf8)
            _ = try await client.execute(
                uri: "/v1/programme", method: .put, headers: server.headers(server.editorKey, [.contentType: "application/yaml"]),
                body: body(programme))
            let first = try await client.execute(
                uri: "/v1/events", method: .post, headers: server.headers(server.editorKey),
                body: body(#"{"source": "GuardDuty", "summary": "Unusual API calls"}"#))
            let second = try await client.execute(
                uri: "/v1/events", method: .post, headers: server.headers(server.editorKey),
                body: body(#"{"source": "GuardDuty", "summary": "Port scan"}"#))
            let firstID = try #require(first.object["id"] as? String)
            let secondID = try #require(second.object["id"] as? String)
            func untriaged(_ asOf: String) async throws -> [String] {
                let response = try await client.execute(
                    uri: "/v1/programme/findings?asOf=\(asOf)", method: .get, headers: server.headers(server.viewerKey))
                return (response.object["findings"] as? [[String: Any]] ?? []).filter { $0["kind"] as? String == "event.untriaged" }
                    .compactMap { $0["subject"] as? String }
            }
            // Due 4 December at 10:00: not a finding on the 3rd, a finding on the 4th.
            #expect(try await untriaged("2026-12-03") == [])
            #expect(try await untriaged("2026-12-04") == [firstID, secondID].sorted())
            try await client.execute(
                uri: "/v1/events/\(firstID)/disposition", method: .post, headers: server.headers(server.editorKey),
                body: body(#"{"disposition": "false-positive", "rationale": "A scheduled backup job"}"#)
            ) { #expect($0.status == .ok) }
            #expect(try await untriaged("2026-12-04") == [secondID])
            try await client.execute(
                uri: "/v1/events/\(secondID)/disposition", method: .post, headers: server.headers(server.editorKey),
                body: body(#"{"disposition": "incident", "rationale": "Needs facts"}"#)
            ) { response in
                #expect(response.status == .unprocessableContent)
                #expect(response.text.contains("incident"))
            }
        }
        let after = try IncidentStore(path: server.database)
        let messages = try await after.deliveries(webhookID: hook.id).reduce(into: [String: String]()) { $0[$1.incidentID] = $1.state }
        #expect(messages.count == 2)
        #expect(messages.values.sorted() == ["cancelled", "planned"])
        #expect(try await after.verifyAudit().problems.isEmpty)
        await after.close()
    }
}
