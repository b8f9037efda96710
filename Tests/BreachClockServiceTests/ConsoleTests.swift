import BreachClockStore
import BreachClockTestSupport
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

@testable import BreachClockServer

/// The web console's HTML, in process (issue 16): sign-in and its cookie, escaping of user text,
/// CSRF and role refusals, recording a notice, signing out, and one-time login links.
@Suite struct ConsoleTests {
    static let form: HTTPFields = [.contentType: "application/x-www-form-urlencoded"]

    static func encoded(_ text: String) -> String { text.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "" }

    /// Signs in with `key`; returns the cookie pair (`bc_session=…`) and the Set-Cookie header.
    static func signIn(_ client: some TestClientProtocol, key: String) async throws -> (cookie: String, header: String) {
        let response = try await client.execute(
            uri: "/console/sign-in", method: .post, headers: form, body: ByteBuffer(string: "key=\(encoded(key))"))
        #expect(response.status == .seeOther)
        let header = try #require(response.headers[.setCookie])
        return (String(header.split(separator: ";")[0]), header)
    }

    /// The form's headers with a cookie or another field.
    static func formWith(_ name: HTTPField.Name, _ value: String) -> HTTPFields {
        var fields = form
        fields[name] = value
        return fields
    }

    static func csrf(_ html: String) -> String? {
        html.firstMatch(of: /name="csrf" value="([^"]+)"/).map { String($0.1) }
    }

    static let incident =
        #"{"title": "<script>alert(1)</script> & \"quotes\"", "facts": {"timezone": "America/Chicago", "events": {"discoveredAt": "2026-03-02T09:00:00-06:00"}, "entity": {"role": "owner", "sectors": []}, "data": {"elements": ["name", "ssn"], "encrypted": false}, "riskOfHarm": "likely", "affected": {"US-TX": 400}}}"#

    @Test func signInEscapingCSRFRolesAndSignOut() async throws {
        let server = try await TestServer.make()
        defer { server.remove() }
        let now = consoleInstant("2026-03-20T15:00:00Z")
        try await server.app(clock: { now }).test(.router) { client in
            // Not signed in: to the sign-in page. A wrong key: 401 and the form again.
            try await client.execute(uri: "/console/incidents", method: .get) {
                #expect($0.status == .seeOther && $0.headers[.location] == "/console/sign-in")
            }
            try await client.execute(uri: "/console/sign-in", method: .post, headers: Self.form, body: ByteBuffer(string: "key=bck_wrong")) {
                #expect($0.status == .unauthorized && $0.text.contains("unknown or revoked"))
            }
            let editor = try await Self.signIn(client, key: server.editorKey)
            #expect(editor.header.contains("HttpOnly") && editor.header.contains("SameSite=Strict") && editor.header.contains("Path=/console"))
            #expect(!editor.header.contains("Secure"))
            try await client.execute(
                uri: "/console/sign-in", method: .post, headers: Self.formWith(HTTPField.Name("X-Forwarded-Proto")!, "https"),
                body: ByteBuffer(string: "key=\(Self.encoded(server.viewerKey))")
            ) { #expect($0.headers[.setCookie]?.contains("; Secure") == true) }

            let created = try await client.execute(
                uri: "/v1/incidents", method: .post, headers: server.headers(server.editorKey), body: body(Self.incident))
            let id = try #require(created.object["id"] as? String)
            let list = try await client.execute(uri: "/console/incidents", method: .get, headers: [.cookie: editor.cookie])
            #expect(list.status == .ok)
            #expect(list.headers[.contentType] == "text/html; charset=utf-8")
            // The title stays text: escaped, never markup.
            #expect(list.text.contains("&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;quotes&quot;"))
            #expect(!list.text.contains("<script>alert(1)"))
            // Urgency in words beside the colour: Texas AG due 1 April, 12 days away.
            #expect(list.text.contains("On track"))
            let page = try await client.execute(uri: "/console/incidents/\(id)", method: .get, headers: [.cookie: editor.cookie])
            #expect(page.text.contains("<svg class=\"timeline-wide\" role=\"img\""))
            #expect(page.text.contains("<svg class=\"timeline-narrow\" role=\"img\""))
            #expect(page.text.contains("Tex. Bus. &amp; Com. Code § 521.053"))
            #expect(!page.text.contains("<script>alert(1)"))
            let csrf = try #require(Self.csrf(page.text))

            // A notice without the CSRF token, or with a wrong one: refused, nothing recorded.
            let notice = "obligation=US-TX%2Fregulator&sentAt=2026-03-20T10%3A00%3A00-05%3A00&method=form&revision=1"
            for token in ["", "&csrf=forged"] {
                try await client.execute(
                    uri: "/console/incidents/\(id)/notices", method: .post, headers: Self.formWith(.cookie, editor.cookie),
                    body: ByteBuffer(string: notice + token)
                ) { #expect($0.status == .forbidden) }
            }
            // A viewer, with its own valid token: refused for its role.
            let viewer = try await Self.signIn(client, key: server.viewerKey)
            let viewerPage = try await client.execute(uri: "/console/incidents/\(id)", method: .get, headers: [.cookie: viewer.cookie])
            #expect(!viewerPage.text.contains("Record the notice"))
            let viewerToken = try #require(Self.csrf(viewerPage.text))
            try await client.execute(
                uri: "/console/incidents/\(id)/notices", method: .post, headers: Self.formWith(.cookie, viewer.cookie),
                body: ByteBuffer(string: notice + "&csrf=\(Self.encoded(viewerToken))")
            ) { #expect($0.status == .forbidden && $0.text.contains("editor role")) }
            #expect(try await IncidentStore(path: server.database).notices(incidentID: id).isEmpty)
            // The editor with the token: recorded, then back to the page.
            try await client.execute(
                uri: "/console/incidents/\(id)/notices", method: .post, headers: Self.formWith(.cookie, editor.cookie),
                body: ByteBuffer(string: notice + "&csrf=\(Self.encoded(csrf))")
            ) { #expect($0.status == .seeOther && $0.headers[.location] == "/console/incidents/\(id)?recorded=notice") }
            #expect(try await IncidentStore(path: server.database).notices(incidentID: id).map(\.obligationID) == ["US-TX/regulator"])

            // Signing out ends the session.
            try await client.execute(
                uri: "/console/sign-out", method: .post, headers: Self.formWith(.cookie, editor.cookie),
                body: ByteBuffer(string: "csrf=\(Self.encoded(csrf))")
            ) { #expect($0.status == .seeOther) }
            try await client.execute(uri: "/console/incidents", method: .get, headers: [.cookie: editor.cookie]) {
                #expect($0.status == .seeOther && $0.headers[.location] == "/console/sign-in")
            }
        }
    }

    /// Sessions are remembered for a few seconds (as API keys are), yet one past its expiry stops at
    /// once, and revoking its key through the API ends it on this server at once too.
    @Test func aSessionEndsAtItsExpiryAndWhenItsKeyIsRevoked() async throws {
        let server = try await TestServer.make()
        defer { server.remove() }
        let start = consoleInstant("2026-03-20T08:00:00Z")
        let clock = TestClock(start)
        let store = try IncidentStore(path: server.database)
        let viewerID = try #require(try await store.keys().first { $0.name == "test viewer" }).id
        await store.close()
        try await server.app(clock: clock.function).test(.router) { client in
            let viewer = try await Self.signIn(client, key: server.viewerKey)
            clock.advance(to: start.addingTimeInterval(Console.sessionLifetime - 60))
            try await client.execute(uri: "/console/incidents", method: .get, headers: [.cookie: viewer.cookie]) { #expect($0.status == .ok) }
            clock.advance(to: start.addingTimeInterval(Console.sessionLifetime + 1))
            try await client.execute(uri: "/console/incidents", method: .get, headers: [.cookie: viewer.cookie]) {
                #expect($0.status == .seeOther && $0.headers[.location] == "/console/sign-in")
            }

            let again = try await Self.signIn(client, key: server.viewerKey)
            try await client.execute(uri: "/console/incidents", method: .get, headers: [.cookie: again.cookie]) { #expect($0.status == .ok) }
            try await client.execute(uri: "/v1/keys/\(viewerID)", method: .delete, headers: server.headers(server.adminKey)) {
                #expect($0.status == .noContent)
            }
            try await client.execute(uri: "/console/incidents", method: .get, headers: [.cookie: again.cookie]) {
                #expect($0.status == .seeOther && $0.headers[.location] == "/console/sign-in")
            }
        }
    }

    /// The incidents page: open first, by next deadline; the filters for open, overdue, closed and all.
    @Test func theIncidentListFiltersAndSortsByNextDeadline() async throws {
        let server = try await TestServer.make()
        defer { server.remove() }
        @Sendable func incident(_ title: String, discovered: String) -> String {
            #"{"title": "\#(title)", "facts": {"timezone": "America/Chicago", "events": {"discoveredAt": "\#(discovered)"}, "entity": {"role": "owner", "sectors": []}, "data": {"elements": ["name", "ssn"], "encrypted": false}, "riskOfHarm": "likely", "affected": {"US-TX": 400}}}"#
        }
        try await server.app(clock: { consoleInstant("2026-03-20T15:00:00Z") }).test(.router) { client in
            // Texas, 400 residents: the Attorney General within 30 days at 250 or more residents (Tex. Bus. & Com. Code
            // § 521.053(i) as amended by SB 768, 2023), the individuals within 60 (§ 521.053(b)); the list shows the earlier.
            // Alpha's is due on 1 April, bravo's was due on 1 February (overdue), charlie is closed.
            for (title, discovered) in [
                ("alpha", "2026-03-02T09:00:00-06:00"), ("bravo", "2026-01-02T09:00:00-06:00"), ("charlie", "2026-03-10T09:00:00-06:00"),
            ] {
                let created = try await client.execute(
                    uri: "/v1/incidents", method: .post, headers: server.headers(server.editorKey),
                    body: body(incident(title, discovered: discovered)))
                if title == "charlie" {
                    let id = try #require(created.object["id"] as? String)
                    try await client.execute(
                        uri: "/v1/incidents/\(id)/close", method: .post, headers: server.headers(server.editorKey, [.ifMatch: "\"1\""])
                    ) { #expect($0.status == .ok) }
                }
            }
            let viewer = try await Self.signIn(client, key: server.viewerKey)
            func listed(_ show: String?) async throws -> [String] {
                let page = try await client.execute(
                    uri: "/console/incidents" + (show.map { "?show=\($0)" } ?? ""), method: .get, headers: [.cookie: viewer.cookie])
                return page.text.matches(of: /<a href="\/console\/incidents\/inc_[^"]+">([a-z]+)<\/a>/).map { String($0.1) }
            }
            #expect(try await listed(nil) == ["bravo", "alpha"])
            #expect(try await listed("open") == ["bravo", "alpha"])
            #expect(try await listed("overdue") == ["bravo"])
            #expect(try await listed("closed") == ["charlie"])
            #expect(try await listed("all") == ["bravo", "alpha", "charlie"])
            let open = try await client.execute(uri: "/console/incidents", method: .get, headers: [.cookie: viewer.cookie])
            #expect(open.text.contains("OVERDUE") && open.text.contains("On track"))
            #expect(open.text.contains(#"aria-current="page">Open</a>"#))
        }
    }

    /// What counsel reads on the incident page and the incidents page, as golden files (the `<main>`
    /// element; ids, key ids and the CSRF token replaced by placeholders). California 1,200, Texas 300
    /// and New York 40 residents, discovered 2 March 2026 in New York, seen on 20 March; the notice to
    /// the Californians went out on 19 March, and counsel judged the risk of harm likely. The deadlines
    /// the file pins, from the rule files:
    /// - California's individuals within 30 calendar days (Cal. Civ. Code § 1798.82(a)(1), SB 446),
    ///   sent; its Attorney General, over 500 residents, within 15 calendar days of that notice:
    ///   3 April (§ 1798.82(f));
    /// - New York's individuals within 30 days of discovery: 1 April (N.Y. Gen. Bus. Law § 899-aa(2) as
    ///   amended by L.2024, S2659B);
    /// - Texas's Attorney General, 250 or more residents, within 30 days: 1 April (Tex. Bus. & Com. Code
    ///   § 521.053(i) as amended by SB 768); its individuals within 60 days: 1 May (§ 521.053(b)).
    @Test func theIncidentPageAndListAsGoldenFiles() async throws {
        let server = try await TestServer.make()
        defer { server.remove() }
        let incident =
            #"{"title": "Payroll export & vendor <mis>configuration", "facts": {"timezone": "America/New_York", "events": {"discoveredAt": "2026-03-02T14:00:00-05:00"}, "entity": {"role": "owner", "sectors": []}, "data": {"elements": ["name", "ssn"], "encrypted": false}, "riskOfHarm": "likely", "affected": {"US-CA": 1200, "US-TX": 300, "US-NY": 40}}}"#
        try await server.app(clock: { consoleInstant("2026-03-20T15:00:00Z") }).test(.router) { client in
            let created = try await client.execute(
                uri: "/v1/incidents", method: .post, headers: server.headers(server.editorKey), body: body(incident))
            let id = try #require(created.object["id"] as? String)
            let notice = #"{"obligation": "US-CA/individuals", "sentAt": "2026-03-19T09:00:00-07:00", "method": "mail", "reference": "batch 1"}"#
            try await client.execute(
                uri: "/v1/incidents/\(id)/notices", method: .post, headers: server.headers(server.editorKey, [.ifMatch: "\"1\""]),
                body: body(notice)
            ) { #expect($0.status == .created) }
            let decision = #"{"kind": "risk-of-harm", "outcome": "likely", "owner": "counsel", "rationale": "names with SSNs <unencrypted>"}"#
            try await client.execute(
                uri: "/v1/incidents/\(id)/decisions", method: .post, headers: server.headers(server.editorKey, [.ifMatch: "\"2\""]),
                body: body(decision)
            ) { #expect($0.status == .created) }
            let editor = try await Self.signIn(client, key: server.editorKey)
            let page = try await client.execute(uri: "/console/incidents/\(id)", method: .get, headers: [.cookie: editor.cookie])
            try expectGolden(Self.readable(page.text), "console-incident.html")
            let list = try await client.execute(uri: "/console/incidents?show=all", method: .get, headers: [.cookie: editor.cookie])
            try expectGolden(Self.readable(list.text), "console-incidents.html")
        }
    }

    /// A page's `<main>` with what changes from run to run replaced: incident ids, key ids, the CSRF token.
    static func readable(_ html: String) -> String {
        guard let start = html.range(of: "<main id=\"main\" tabindex=\"-1\">"), let end = html.range(of: "</main>") else { return html }
        return String(html[start.lowerBound..<end.upperBound])
            .replacing(/inc_[A-Za-z0-9]+/, with: "inc_ID")
            .replacing(/key_[A-Za-z0-9]+/, with: "key_ID")
            .replacing(/name="csrf" value="[^"]+"/, with: #"name="csrf" value="CSRF""#) + "\n"
    }

    @Test func aLoginLinkWorksOnce() async throws {
        let server = try await TestServer.make()
        defer { server.remove() }
        let store = try IncidentStore(path: server.database)
        let key = try #require(try await store.keys().first { $0.name == "test viewer" })
        await store.close()
        let made = await runCLI(["keys", "login-link", key.id, "--db", server.database, "--base-url", "https://console.example"])
        #expect(made.code == 0)
        let path = try #require(made.out.firstMatch(of: /https:\/\/console\.example(\/console\/login\/[A-Za-z0-9_-]+)/)?.1).description
        try await server.app().test(.router) { client in
            try await client.execute(uri: path, method: .get) {
                #expect($0.status == .seeOther && $0.headers[.setCookie] != nil)
            }
            try await client.execute(uri: path, method: .get) { #expect($0.status == .unauthorized) }
        }
        let unknown = await runCLI(["keys", "login-link", "key_none", "--db", server.database])
        #expect(unknown.code == 2)
    }
}

/// An instant from RFC 3339 text (tests only).
func consoleInstant(_ text: String) -> Date { ISO8601DateFormatter().date(from: text)! }

/// The console's forms (issue 16): open an incident, preview new facts without saving, save them,
/// record a decision, close it.
@Suite struct ConsoleFormTests {
    @Test func openPreviewSaveAndDecide() async throws {
        let server = try await TestServer.make()
        defer { server.remove() }
        try await server.app(clock: { consoleInstant("2026-03-20T15:00:00Z") }).test(.router) { client in
            let editor = try await ConsoleTests.signIn(client, key: server.editorKey)
            let form = try await client.execute(uri: "/console/incidents/new", method: .get, headers: [.cookie: editor.cookie])
            let csrf = try #require(ConsoleTests.csrf(form.text))
            let facts = """
                timezone: America/Chicago
                events: { discoveredAt: 2026-03-02T09:00:00-06:00 }
                entity: { role: owner, sectors: [] }
                data: { elements: [name, ssn], encrypted: false }
                riskOfHarm: likely
                affected: { US-TX: 200 }
                """
            let bad = try await client.execute(
                uri: "/console/incidents", method: .post, headers: ConsoleTests.formWith(.cookie, editor.cookie),
                body: ByteBuffer(string: "csrf=\(ConsoleTests.encoded(csrf))&title=Test&facts=\(ConsoleTests.encoded("affected: { US-XX: 1 }"))"))
            #expect(bad.status == .unprocessableContent && bad.text.contains("Not opened."))
            let opened = try await client.execute(
                uri: "/console/incidents", method: .post, headers: ConsoleTests.formWith(.cookie, editor.cookie),
                body: ByteBuffer(string: "csrf=\(ConsoleTests.encoded(csrf))&title=Payroll&facts=\(ConsoleTests.encoded(facts))"))
            #expect(opened.status == .seeOther)
            let location = try #require(opened.headers[.location])
            let id = String(location.dropFirst("/console/incidents/".count))
            // The preview says what would move and saves nothing.
            let patch = "affected: { US-TX: 4000 }"
            let preview = try await client.execute(
                uri: "/console/incidents/\(id)/facts", method: .post, headers: ConsoleTests.formWith(.cookie, editor.cookie),
                body: ByteBuffer(string: "csrf=\(ConsoleTests.encoded(csrf))&revision=1&action=preview&facts=\(ConsoleTests.encoded(patch))"))
            #expect(preview.text.contains("Preview: what these facts would change (not saved)"))
            #expect(preview.text.contains("affected.US-TX rose from 200 to 4000"))
            #expect(preview.text.contains("US-TX/regulator added"))
            #expect(try await IncidentStore(path: server.database).incident(id: id)?.revision == 1)
            try await client.execute(
                uri: "/console/incidents/\(id)/facts", method: .post, headers: ConsoleTests.formWith(.cookie, editor.cookie),
                body: ByteBuffer(string: "csrf=\(ConsoleTests.encoded(csrf))&revision=1&action=save&facts=\(ConsoleTests.encoded(patch))")
            ) { #expect($0.status == .seeOther) }
            #expect(try await IncidentStore(path: server.database).incident(id: id)?.revision == 2)
            // A stale revision is a conflict, not a silent overwrite.
            try await client.execute(
                uri: "/console/incidents/\(id)/facts", method: .post, headers: ConsoleTests.formWith(.cookie, editor.cookie),
                body: ByteBuffer(
                    string: "csrf=\(ConsoleTests.encoded(csrf))&revision=1&action=save&facts=\(ConsoleTests.encoded("riskOfHarm: high"))")
            ) { #expect($0.status == .conflict) }
            try await client.execute(
                uri: "/console/incidents/\(id)/decisions", method: .post, headers: ConsoleTests.formWith(.cookie, editor.cookie),
                body: ByteBuffer(
                    string: "csrf=\(ConsoleTests.encoded(csrf))&revision=2&decision=notice%2Fnot-required&obligation=US-TX%2Fregulator&owner=counsel")
            ) { #expect($0.status == .unprocessableContent && $0.text.contains("rationale")) }
            try await client.execute(
                uri: "/console/incidents/\(id)/decisions", method: .post, headers: ConsoleTests.formWith(.cookie, editor.cookie),
                body: ByteBuffer(
                    string: "csrf=\(ConsoleTests.encoded(csrf))&revision=2&decision=risk-of-harm%2Flikely&owner=counsel&rationale=SSNs%20taken")
            ) { #expect($0.status == .seeOther) }
            #expect(try await IncidentStore(path: server.database).decisions(incidentID: id).map(\.outcome) == ["likely"])

            // Closing: refused with a stale revision, then done; the closed phase is recorded, the
            // page says so and offers no more forms, and closing again is a conflict.
            try await client.execute(
                uri: "/console/incidents/\(id)/close", method: .post, headers: ConsoleTests.formWith(.cookie, editor.cookie),
                body: ByteBuffer(string: "csrf=\(ConsoleTests.encoded(csrf))&revision=2")
            ) { #expect($0.status == .conflict) }
            try await client.execute(
                uri: "/console/incidents/\(id)/close", method: .post, headers: ConsoleTests.formWith(.cookie, editor.cookie),
                body: ByteBuffer(string: "csrf=\(ConsoleTests.encoded(csrf))&revision=3")
            ) { #expect($0.status == .seeOther && $0.headers[.location] == "/console/incidents/\(id)?recorded=closed") }
            let store = try IncidentStore(path: server.database)
            #expect(try await store.incident(id: id)?.status == .closed)
            #expect(try await store.phases(incidentID: id).map(\.phase) == [.closed])
            let closed = try await client.execute(
                uri: "/console/incidents/\(id)?recorded=closed", method: .get, headers: [.cookie: editor.cookie])
            #expect(closed.text.contains("Incident closed.") && closed.text.contains("closed · revision 4"))
            #expect(!closed.text.contains("Close the incident") && !closed.text.contains("Record the notice"))
            try await client.execute(
                uri: "/console/incidents/\(id)/close", method: .post, headers: ConsoleTests.formWith(.cookie, editor.cookie),
                body: ByteBuffer(string: "csrf=\(ConsoleTests.encoded(csrf))&revision=4")
            ) { #expect($0.status == .conflict && $0.text.contains("already closed")) }
        }
    }
}

/// The console's reference pages (issue 16): a rule as of a date with its sources, and webhooks for admins only.
@Suite struct ConsoleReferenceTests {
    @Test func jurisdictionsAndWebhooks() async throws {
        let server = try await TestServer.make()
        defer { server.remove() }
        let store = try IncidentStore(path: server.database)
        _ = try await store.createWebhook(
            url: "https://hooks.slack.com/services/T000/B000/SECRETTOKEN", format: "slack", incidentID: nil, events: ["obligation.reminder"],
            secret: "whsec_dGVzdHRlc3R0ZXN0dGVzdHRlc3R0ZXN0", actor: "t")
        await store.close()
        try await server.app(clock: { consoleInstant("2026-03-20T15:00:00Z") }).test(.router) { client in
            let viewer = try await ConsoleTests.signIn(client, key: server.viewerKey)
            let list = try await client.execute(uri: "/console/jurisdictions", method: .get, headers: [.cookie: viewer.cookie])
            #expect(list.text.contains("<a href=\"/console/jurisdictions/US-TX\">US-TX</a>"))
            // Texas as of 2026: the Attorney General at 250 or more residents (Tex. Bus. & Com. Code § 521.053(i)),
            // the consumer reporting agencies past 10,000 people notified, and where the sources disagree.
            let texas = try await client.execute(uri: "/console/jurisdictions/US-TX?asOf=2026-03-20", method: .get, headers: [.cookie: viewer.cookie])
            #expect(texas.text.contains("residents &gt;= 250"))
            #expect(texas.text.contains("total &gt; 10000"))
            #expect(texas.text.contains("Where sources disagree"))
            try await client.execute(uri: "/console/jurisdictions/US-TX?asOf=yesterday", method: .get, headers: [.cookie: viewer.cookie]) {
                #expect($0.status == .unprocessableContent)
            }
            try await client.execute(uri: "/console/webhooks", method: .get, headers: [.cookie: viewer.cookie]) { #expect($0.status == .forbidden) }
            let admin = try await ConsoleTests.signIn(client, key: server.adminKey)
            let hooks = try await client.execute(uri: "/console/webhooks", method: .get, headers: [.cookie: admin.cookie])
            #expect(hooks.status == .ok && hooks.text.contains("hooks.slack.com (slack)"))
            // The URL is a credential: only its host is shown.
            #expect(!hooks.text.contains("SECRETTOKEN"))
        }
    }
}

/// The console's escaper escapes what swift-mustache's does (`< > & " '`), byte for byte elsewhere.
@Suite struct ConsoleEscapingTests {
    @Test(arguments: [
        ("plain text", "plain text"), ("<script>alert('x')</script>", "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;"),
        ("Tex. Bus. & Com. Code \"§\"", "Tex. Bus. &amp; Com. Code &quot;§&quot;"), ("e\u{301}<b>\u{1F600}", "e\u{301}&lt;b&gt;\u{1F600}"),
        ("", ""), ("&amp;", "&amp;amp;"),
    ])
    func consoleEscapesLikeMustache(text: String, escaped: String) {
        #expect(FastHTMLEscaping.escape(text) == escaped)
    }
}

/// The programme and exercises in the console (issue 16 with issue 15's features).
@Suite struct ConsoleProgrammeTests {
    @Test func programmeExercisesAndActionItems() async throws {
        let server = try await TestServer.make()
        defer { server.remove() }
        try await server.app(clock: { consoleInstant("2026-12-30T10:00:00Z") }).test(.router) { client in
            let viewer = try await ConsoleTests.signIn(client, key: server.viewerKey)
            try await client.execute(uri: "/console/programme", method: .get, headers: [.cookie: viewer.cookie]) {
                #expect($0.text.contains("No programme is imported yet"))
            }
            let programme = try String(contentsOf: Paths.root.appendingPathComponent("Examples/programme.yaml"), encoding: .utf8)
            _ = try await client.execute(
                uri: "/v1/programme", method: .put, headers: server.headers(server.editorKey, [.contentType: "application/yaml"]),
                body: body(programme))
            let page = try await client.execute(uri: "/console/programme", method: .get, headers: [.cookie: viewer.cookie])
            // 30 December: Eli's contact and role stale, and no exercise run.
            #expect(page.text.contains("<strong>contact.stale</strong> eli"))
            #expect(page.text.contains("<strong>exercise.none</strong>"))
            #expect(page.text.contains("<td>Incident commander</td><td>Ana Ruiz</td><td>Ben Okafor</td>"))
            let store = try IncidentStore(path: server.database)
            _ = try await store.saveExercise(
                id: "exr_1", name: "Drill <b>", startsAt: "2026-03-02T15:00:00Z", scenario: "x",
                record: #"{"name":"Drill <b>","ranFor":3600,"reminders":[],"startsAt":"2026-03-02T15:00:00Z","steps":[]}"#, actor: "t")
            await store.close()
            let log = try String(contentsOf: Paths.root.appendingPathComponent("Examples/exercise-log.yaml"), encoding: .utf8)
            _ = try await client.execute(
                uri: "/v1/exercises/exr_1/log", method: .post, headers: server.headers(server.editorKey, [.contentType: "application/yaml"]),
                body: body(log))
            let list = try await client.execute(uri: "/console/exercises", method: .get, headers: [.cookie: viewer.cookie])
            #expect(list.text.contains("Drill &lt;b&gt;"))
            // The outside counsel's number was due 15 December: overdue on the 30th.
            #expect(list.text.contains("<span class=\"urgency urgency-overdue\">OVERDUE</span> open"))
            let report = try await client.execute(uri: "/console/exercises/exr_1", method: .get, headers: [.cookie: viewer.cookie])
            #expect(report.text.contains("<strong>EXERCISE.</strong>"))
            #expect(report.text.contains("went-poorly: No one knew who the lead supervisory authority was"))

            // The evidence bundle from the console: viewers may not export (it writes to the audit log);
            // an editor's export verifies through the CLI.
            let evidence = try await client.execute(uri: "/console/evidence", method: .get, headers: [.cookie: viewer.cookie])
            #expect(evidence.text.contains("needs the editor role"))
            let editor = try await ConsoleTests.signIn(client, key: server.editorKey)
            let form = try await client.execute(uri: "/console/evidence", method: .get, headers: [.cookie: editor.cookie])
            let csrf = try #require(ConsoleTests.csrf(form.text))
            try await client.execute(
                uri: "/console/evidence", method: .post, headers: ConsoleTests.formWith(.cookie, editor.cookie),
                body: ByteBuffer(string: "csrf=\(ConsoleTests.encoded(csrf))&from=2026-12-31&to=2026-01-01")
            ) { #expect($0.status == .unprocessableContent) }
            let bundle = try await client.execute(
                uri: "/console/evidence", method: .post, headers: ConsoleTests.formWith(.cookie, editor.cookie),
                body: ByteBuffer(string: "csrf=\(ConsoleTests.encoded(csrf))&from=2026-01-01&to=2026-12-31"))
            #expect(bundle.status == .ok && bundle.headers[.contentType] == "application/zip")
            let zip = server.folder.appendingPathComponent("console-evidence.zip")
            try Data(buffer: bundle.body).write(to: zip)
            let verified = await runCLI(["evidence", "verify", zip.path, "--db", server.database])
            #expect(verified.code == 0, "\(verified.out)")
        }
    }
}
