import BreachClockServer
import BreachClockStore
import BreachClockTestSupport
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

/// The programme, exercises, action items and reviews through the API (issue 15), and the same data
/// read back through the CLI from the same database.
@Suite struct ProgrammeAPITests {
    static func example(_ name: String) throws -> String {
        try String(contentsOf: Paths.root.appendingPathComponent("Examples/\(name)"), encoding: .utf8)
    }

    static let yaml: HTTPFields = [.contentType: "application/yaml"]

    @Test func theProgrammeAndAnExerciseThroughTheAPIAndTheCLI() async throws {
        let server = try await TestServer.make()
        defer { server.remove() }
        try await Receiver.with { receiver, port in
            try await server.app().test(.router) { client in
                // Import: 201 the first time, 200 when the text is the newest revision's already.
                let programme = try Self.example("programme.yaml")
                let imported = try await client.execute(
                    uri: "/v1/programme", method: .put, headers: server.headers(server.editorKey, Self.yaml), body: body(programme))
                #expect(imported.status == .created)
                let sha = try #require((imported.object["programme"] as? [String: Any])?["sha256"] as? String)
                try await client.execute(
                    uri: "/v1/programme", method: .put, headers: server.headers(server.editorKey, Self.yaml), body: body(programme)
                ) { #expect($0.status == .ok && $0.object["changed"] as? Bool == false) }
                try await client.execute(
                    uri: "/v1/programme", method: .put, headers: server.headers(server.viewerKey, Self.yaml), body: body(programme)
                ) { #expect($0.status == .forbidden) }
                try await client.execute(
                    uri: "/v1/programme", method: .put, headers: server.headers(server.editorKey), body: body(#"{"organisation": "X"}"#)
                ) { response in
                    #expect(response.status == .unprocessableContent)
                    #expect(response.text.contains("missing required key `people`"))
                }
                try await client.execute(uri: "/v1/programme", method: .get, headers: server.headers(server.viewerKey)) { response in
                    #expect(response.object["source"] as? String == programme)
                    #expect(response.object["organisation"] as? String == "Example Health Co.")
                }
                // No exercise yet: a finding.
                try await client.execute(uri: "/v1/programme/findings?asOf=2026-12-03", method: .get, headers: server.headers(server.viewerKey)) {
                    let kinds = ($0.object["findings"] as? [[String: Any]] ?? []).compactMap { $0["kind"] as? String }
                    #expect(kinds == ["exercise.none"])
                }
                // The example exercise, to the local receiver.
                let scenario = try Self.example("exercise.yaml").replacingOccurrences(of: ":8099/", with: ":\(port)/")
                let run = try await client.execute(
                    uri: "/v1/exercises", method: .post, headers: server.headers(server.editorKey, Self.yaml), body: body(scenario))
                #expect(run.status == .created, "\(run.text)")
                let id = try #require(run.object["exerciseID"] as? String)
                #expect(await receiver.received.count == 8)
                let log = try Self.example("exercise-log.yaml")
                try await client.execute(
                    uri: "/v1/exercises/\(id)/log", method: .post, headers: server.headers(server.editorKey, Self.yaml), body: body(log)
                ) { response in
                    #expect(response.status == .created)
                    #expect(response.object["checkedAgainstProgramme"] as? Bool == true)
                    #expect((response.object["actionItems"] as? [Any])?.count == 2)
                }
                try await client.execute(
                    uri: "/v1/exercises/\(id)/log", method: .post, headers: server.headers(server.editorKey, Self.yaml), body: body(log)
                ) { #expect($0.status == .conflict) }
                let markdown = try await client.execute(uri: "/v1/exercises/\(id)/report.md", method: .get, headers: server.headers(server.viewerKey))
                #expect(markdown.text.hasPrefix("# After-action report: Ransomware at the payroll provider"))
                let items = try await client.execute(uri: "/v1/action-items?status=open", method: .get, headers: server.headers(server.viewerKey))
                let first = try #require((items.object["actionItems"] as? [[String: Any]])?.first?["id"] as? String)
                try await client.execute(
                    uri: "/v1/action-items/\(first)/close", method: .post, headers: server.headers(server.editorKey),
                    body: body(#"{"resolution": "Number added to the programme"}"#)
                ) { #expect($0.object["status"] as? String == "done") }
                try await client.execute(
                    uri: "/v1/action-items/\(first)/close", method: .post, headers: server.headers(server.editorKey),
                    body: body(#"{"resolution": "again"}"#)
                ) { #expect($0.status == .conflict) }

                // The same data through the CLI.
                let history = await runCLI(["programme", "history", "--db", server.database])
                #expect(history.out.contains("sha256 \(sha)"))
                let report = await runCLI(["exercise", "report", id, "--db", server.database])
                let again = try await client.execute(uri: "/v1/exercises/\(id)/report.md", method: .get, headers: server.headers(server.viewerKey))
                #expect(report.out == again.text)
                let open = await runCLI(["action-items", "list", "--open", "--db", server.database])
                #expect(open.out.split(separator: "\n").count == 1)
            }
        }
    }

    static let incident = """
        {"title": "Practice incident", "facts": {"timezone": "America/Los_Angeles",
         "events": {"discoveredAt": "2026-03-02T09:00:00-08:00"}, "entity": {"role": "owner", "sectors": []},
         "data": {"elements": ["name", "ssn"], "encrypted": false}, "riskOfHarm": "likely", "affected": {"US-TX": 400}}}
        """

    /// A practice incident closed with a review: Texas individuals noticed on time, the Attorney General
    /// late (Tex. Bus. & Com. Code § 521.053(i): 30 days for 250 or more residents).
    @Test func aClosedIncidentsReviewMeasuresEachDeadlineAgainstItsNotice() async throws {
        let server = try await TestServer.make()
        defer { server.remove() }
        try await server.app().test(.router) { client in
            let created = try await client.execute(
                uri: "/v1/incidents", method: .post, headers: server.headers(server.editorKey), body: body(Self.incident))
            let id = try #require(created.object["id"] as? String)
            let review = try Self.example("review.yaml")
            // No review yet: a 404 that says so, apart from the 404 of an incident that does not exist.
            for path in ["review", "review.md"] {
                try await client.execute(uri: "/v1/incidents/\(id)/\(path)", method: .get, headers: server.headers(server.viewerKey)) {
                    #expect($0.status == .notFound)
                    #expect($0.object["title"] as? String == "No review recorded", "\($0.text)")
                    #expect(($0.object["detail"] as? String)?.contains("is open: close it") == true, "\($0.text)")
                }
                try await client.execute(
                    uri: "/v1/incidents/inc_000000000000000000000000/\(path)", method: .get, headers: server.headers(server.viewerKey)
                ) {
                    #expect($0.status == .notFound && $0.object["title"] as? String == "Not found", "\($0.text)")
                }
            }
            try await client.execute(
                uri: "/v1/incidents/\(id)/review", method: .post, headers: server.headers(server.editorKey, Self.yaml), body: body(review)
            ) { #expect($0.status == .conflict && $0.text.contains("close it before its review")) }
            let notices = [
                (#"{"obligation": "US-TX/individuals", "sentAt": "2026-03-20T10:00:00-07:00", "method": "mail"}"#, 1),
                // Due 1 April 2026 23:59:59 in the incident's zone (Pacific, -07:00); filed on 3 April at
                // 10:00 Central (-05:00), 15:00 UTC: late by 1 day 8 hours (and a second).
                (#"{"obligation": "US-TX/regulator", "sentAt": "2026-04-03T10:00:00-05:00", "method": "form"}"#, 2),
            ]
            for (notice, revision) in notices {
                try await client.execute(
                    uri: "/v1/incidents/\(id)/notices", method: .post, headers: server.headers(server.editorKey, [.ifMatch: "\"\(revision)\""]),
                    body: body(notice)
                ) { #expect($0.status == .created, "\($0.text)") }
            }
            try await client.execute(uri: "/v1/incidents/\(id)/close", method: .post, headers: server.headers(server.editorKey, [.ifMatch: "\"3\""]))
            { #expect($0.status == .ok) }
            try await client.execute(uri: "/v1/incidents/\(id)/review.md", method: .get, headers: server.headers(server.viewerKey)) {
                #expect($0.status == .notFound && $0.text.contains("is closed but has no review yet"), "\($0.text)")
            }
            let recorded = try await client.execute(
                uri: "/v1/incidents/\(id)/review", method: .post, headers: server.headers(server.editorKey, Self.yaml), body: body(review))
            #expect(recorded.status == .created, "\(recorded.text)")
            let outcomes = (recorded.object["obligations"] as? [[String: Any]] ?? []).reduce(into: [String: String]()) {
                $0[$1["obligation"] as? String ?? ""] = $1["text"] as? String
            }
            #expect(outcomes["US-TX/individuals"]?.hasPrefix("met, 42 days") == true, "\(outcomes)")
            #expect(outcomes["US-TX/regulator"] == "late by 1 day 8 hours", "\(outcomes)")
            #expect((recorded.object["actionItems"] as? [Any])?.count == 2)
            try await client.execute(
                uri: "/v1/incidents/\(id)/review", method: .post, headers: server.headers(server.editorKey, Self.yaml), body: body(review)
            ) { #expect($0.status == .conflict) }
            let markdown = try await client.execute(uri: "/v1/incidents/\(id)/review.md", method: .get, headers: server.headers(server.viewerKey))
            #expect(markdown.text.contains("| US-TX/regulator |"))
            let cli = await runCLI(["review", "show", id, "--db", server.database])
            #expect(cli.out == markdown.text)

            // The period's evidence through the API verifies through the CLI.
            let bundle = try await client.execute(
                uri: "/v1/evidence", method: .post, headers: server.headers(server.editorKey),
                body: body(#"{"from": "2026-01-01", "to": "2026-12-31"}"#))
            #expect(bundle.status == .ok)
            #expect(bundle.headers[.contentType] == "application/zip")
            let zip = server.folder.appendingPathComponent("evidence.zip")
            try Data(buffer: bundle.body).write(to: zip)
            let verified = await runCLI(["evidence", "verify", zip.path, "--db", server.database])
            #expect(verified.code == 0, "\(verified.out)")
            try await client.execute(
                uri: "/v1/evidence", method: .post, headers: server.headers(server.editorKey),
                body: body(#"{"from": "2026-12-31", "to": "2026-01-01"}"#)
            ) { #expect($0.status == .unprocessableContent) }
        }
        let verification = try await IncidentStore(path: server.database).verifyAudit()
        #expect(verification.problems.isEmpty)
    }
}

/// Exercises through the API step by step and at a speed (issue 15 §3): the same run as the fast path.
@Suite struct ExerciseAPIPacingTests {
    @Test func stepByStepThenStored() async throws {
        let server = try await TestServer.make()
        defer { server.remove() }
        try await Receiver.with { receiver, port in
            try await server.app().test(.router) { client in
                let scenario = try ProgrammeAPITests.example("exercise.yaml").replacingOccurrences(of: ":8099/", with: ":\(port)/")
                let started = try await client.execute(
                    uri: "/v1/exercises?step=true", method: .post, headers: server.headers(server.editorKey, ProgrammeAPITests.yaml),
                    body: body(scenario))
                #expect(started.status == .accepted, "\(started.text)")
                let id = try #require(started.object["id"] as? String)
                #expect(started.object["at"] as? String == "T+0" && started.object["next"] as? String == "T+2h")
                // T+0 sent its messages; nothing more until the facilitator steps.
                let atStart = await receiver.received.count
                #expect(atStart == 2)
                var seen = ["T+0"]
                for _ in 0..<20 {
                    let stepped = try await client.execute(uri: "/v1/exercises/\(id)/step", method: .post, headers: server.headers(server.editorKey))
                    #expect(stepped.status == .ok)
                    if stepped.object["status"] as? String == "finished" { break }
                    seen.append(stepped.object["at"] as? String ?? "?")
                }
                // Each inject, and each reminder's moment: T+1d12h (half the GDPR window), T+2d (24 hours before).
                #expect(seen == ["T+0", "T+2h", "T+6h", "T+1d6h", "T+1d12h", "T+2d", "T+2d12h"])
                try await client.execute(uri: "/v1/exercises/\(id)/step", method: .post, headers: server.headers(server.editorKey)) {
                    #expect($0.status == .conflict)
                }
                let report = try await client.execute(uri: "/v1/exercises/\(id)", method: .get, headers: server.headers(server.viewerKey))
                #expect((report.object["steps"] as? [Any])?.count == 5)
                #expect((report.object["reminders"] as? [Any])?.count == 8)
                #expect(await receiver.received.count == 8)
            }
        }
    }

    @Test func atASpeedInTheBackground() async throws {
        let server = try await TestServer.make()
        defer { server.remove() }
        try await server.app().test(.router) { client in
            let scenario = try ProgrammeAPITests.example("exercise.yaml").replacingOccurrences(
                of: "webhooks:\n  - url: http://127.0.0.1:8099/hook\n    format: json\n", with: "")
            // Four simulated days at a million simulated seconds a second: about a third of a second.
            let started = try await client.execute(
                uri: "/v1/exercises?speed=1000000", method: .post, headers: server.headers(server.editorKey, ProgrammeAPITests.yaml),
                body: body(scenario))
            #expect(started.status == .accepted, "\(started.text)")
            let id = try #require(started.object["id"] as? String)
            try await client.execute(uri: "/v1/exercises/\(id)/step", method: .post, headers: server.headers(server.editorKey)) {
                #expect($0.status == .conflict)
            }
            var status = ""
            for _ in 0..<200 {
                status =
                    try await client.execute(uri: "/v1/exercises/\(id)/progress", method: .get, headers: server.headers(server.viewerKey))
                    .object["status"] as? String ?? ""
                if status != "running" { break }
                try await Task.sleep(for: .milliseconds(50))
            }
            #expect(status == "finished")
            let report = try await client.execute(uri: "/v1/exercises/\(id)", method: .get, headers: server.headers(server.viewerKey))
            #expect((report.object["steps"] as? [Any])?.count == 5)
            try await client.execute(
                uri: "/v1/exercises?speed=0.5", method: .post, headers: server.headers(server.editorKey, ProgrammeAPITests.yaml), body: body(scenario)
            ) { #expect($0.status == .unprocessableContent) }
        }
    }
}
