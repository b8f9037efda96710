import BreachClockCalculator
import BreachClockProgramme
import BreachClockRules
import BreachClockStore
import BreachClockTestSupport
import BreachClockWebhooks
import Foundation
import HTTPTypes
import Testing

/// A tabletop exercise end to end (issue 15): the example scenario runs on a simulated clock through
/// the CLI, with the real calculator, planner and dispatcher sending real HTTP through libcurl to a
/// local receiver; every message is marked EXERCISE and signed; none reaches the production
/// subscription in the same database; the log opens action items; the report is a golden file; and
/// `programme check` finds the exercise and the overdue item at their boundaries.
@Suite struct ExerciseEndToEndTests {
    static let secret = "whsec_" + Data((0..<32).map { UInt8($0) }).base64EncodedString()

    /// The example scenario, sending to `port` with its secret from `EXERCISE_SECRET`.
    static func scenario(port: Int) throws -> String {
        let text = try String(contentsOf: Paths.root.appendingPathComponent("Examples/exercise.yaml"), encoding: .utf8)
        return text.replacingOccurrences(of: "http://127.0.0.1:8099/hook", with: "http://127.0.0.1:\(port)/hook")
            .replacingOccurrences(of: "# secretFrom: EXERCISE_WEBHOOK_SECRET", with: "secretFrom: EXERCISE_SECRET")
    }

    /// Ids and the real time of the run, which change from run to run, replaced by stable names.
    static func normalised(_ text: String) -> String {
        var text = text
        var names: [String: String] = [:]
        for pattern in ["exr_[0-9a-f]{24}", "act_[0-9a-f]{24}", "20[0-9]{2}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z(?=\\. Exercise)"] {
            let regex = try! NSRegularExpression(pattern: pattern)
            for match in regex.matches(in: text, range: NSRange(text.startIndex..., in: text)) {
                let found = String(text[Range(match.range, in: text)!])
                if names[found] == nil {
                    names[found] = "<\(pattern.prefix(3) == "20[" ? "run-at" : String(pattern.prefix(3)) + "-\(names.count + 1)")>"
                }
            }
        }
        for (found, name) in names { text = text.replacingOccurrences(of: found, with: name) }
        return text
    }

    @Test func theExampleExerciseRunsEndToEnd() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("bc-exercise-\(UUID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let database = folder.appendingPathComponent("main.sqlite").path
        try await Receiver.with { receiver, port in
            // A production subscription to the same receiver, in the database the exercise is stored in.
            let store = try IncidentStore(path: database)
            let production = try await store.createWebhook(
                url: "http://127.0.0.1:\(port)/hook", format: "json", incidentID: nil, events: WebhookEventType.allCases.map(\.rawValue),
                secret: Self.secret, actor: "test")
            await store.close()
            let scenario = folder.appendingPathComponent("exercise.yaml")
            try Self.scenario(port: port).write(to: scenario, atomically: true, encoding: .utf8)

            let run = await runCLI(
                ["exercise", "run", scenario.path, "--db", database, "--webhook-allow", "127.0.0.1", "--rules", Paths.jurisdictions.path],
                environment: ["EXERCISE_SECRET": Self.secret])
            #expect(run.code == 0, "\(run.err)")
            let id = try #require(run.out.firstMatch(of: /exercise (exr_[0-9a-f]+) stored/)?.1).description
            #expect(run.out.contains("exercise \(id) stored: 5 steps, 8 messages sent (8 delivered)"))

            // Eight messages, each signed with the exercise's secret, at the real time, and marked EXERCISE.
            let received = await receiver.received
            #expect(received.count == 8)
            var types: [String] = []
            for message in received {
                let header = { (name: String) in message.headers[HTTPField.Name(name)!] }
                try WebhookSigner(secret: Self.secret)!.verify(
                    id: header("webhook-id"), timestamp: header("webhook-timestamp"), signatures: header("webhook-signature"),
                    body: message.body, now: Date())
                let body = try #require(try JSONSerialization.jsonObject(with: Data(message.body)) as? [String: Any])
                let data = try #require(body["data"] as? [String: Any])
                #expect((data["exercise"] as? [String: String]) == ["marking": "EXERCISE", "name": "Ransomware at the payroll provider"])
                types.append(body["type"] as! String)
            }
            #expect(types.filter { $0 == "obligation.reminder" }.count == 2)
            // The production subscription was never asked to send anything.
            let after = try IncidentStore(path: database)
            #expect(try await after.deliveries(webhookID: production.id).isEmpty)

            // The log: the programme first, so that its people are checked.
            let imported = await runCLI(["programme", "import", Paths.root.appendingPathComponent("Examples/programme.yaml").path, "--db", database])
            #expect(imported.code == 0, "\(imported.err)")
            let logged = await runCLI(["exercise", "log", id, Paths.root.appendingPathComponent("Examples/exercise-log.yaml").path, "--db", database])
            #expect(logged.code == 0, "\(logged.err)")
            #expect(logged.out.contains("logged exercise \(id): 2 action items"))
            let again = await runCLI(["exercise", "log", id, Paths.root.appendingPathComponent("Examples/exercise-log.yaml").path, "--db", database])
            #expect(again.code == 2 && again.err.contains("the exercise's log is already recorded"))

            let report = await runCLI(["exercise", "report", id, "--db", database])
            #expect(report.code == 0)
            try expectGolden(Self.normalised(report.out), "exercise-report.md")
            let json = await runCLI(["exercise", "report", id, "--db", database, "--format", "json"])
            let parsed = try #require(try JSONSerialization.jsonObject(with: Data(json.out.utf8)) as? [String: Any])
            let decisions = try #require(parsed["decisions"] as? [[String: Any]])
            // Decided at T+8h against a deadline at T+72h: 64 hours before it.
            #expect(decisions.first?["secondsBeforeDeadline"] as? Int == 64 * 3_600)
            #expect(parsed["marking"] as? String == "EXERCISE")
            #expect(try await after.actionItems(openOnly: true).count == 2)
            await after.close()
        }
    }

    @Test func aLogNamingSomeoneOutsideTheProgrammeIsRefused() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("bc-exercise-\(UUID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let database = folder.appendingPathComponent("main.sqlite").path
        let store = try IncidentStore(path: database)
        _ = try await store.saveExercise(id: "exr_1", name: "Drill", startsAt: "2026-03-02T15:00:00Z", scenario: "x", record: "{}", actor: "t")
        await store.close()
        _ = await runCLI(["programme", "import", Paths.root.appendingPathComponent("Examples/programme.yaml").path, "--db", database])
        let log = folder.appendingPathComponent("log.yaml")
        try "attendance: [{ person: zed, attended: true }]\n".write(to: log, atomically: true, encoding: .utf8)
        let result = await runCLI(["exercise", "log", "exr_1", log.path, "--db", database])
        #expect(result.code == 2)
        #expect(result.err.contains("attendance[0].person: no person with id `zed` in the programme"))
        let unknown = await runCLI(["exercise", "log", "exr_none", log.path, "--db", database])
        #expect(unknown.code == 2 && unknown.err.contains("no exercise with id exr_none"))
    }

    /// `programme check --db`: an exercise run on 3 December 2026 counts until 2 December 2027; an
    /// item due 15 December 2026 is late from the 16th; without --db the exercises are not checked,
    /// and the command says so.
    @Test(arguments: [
        ("2026-12-15", 0, [String]()), ("2026-12-16", 1, ["action-item.overdue"]),
        ("2027-12-02", 1, ["contact.stale", "role.stale", "action-item.overdue"]),
        ("2027-12-03", 1, ["contact.stale", "role.stale", "exercise.none", "action-item.overdue"]),
    ])
    func programmeCheckWithExercises(asOf: String, code: Int32, kinds: [String]) async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("bc-check-\(UUID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let database = folder.appendingPathComponent("main.sqlite").path
        let runAt = ZonedTime.parse("2026-12-03T10:00:00Z", in: ZonedTime.utc)!
        let store = try IncidentStore(path: database, clock: { runAt })
        _ = try await store.importProgramme(
            source: try String(contentsOf: Paths.root.appendingPathComponent("Examples/programme.yaml"), encoding: .utf8), format: "yaml",
            actor: "t")
        _ = try await store.saveExercise(id: "exr_1", name: "Drill", startsAt: "2026-03-02T15:00:00Z", scenario: "x", record: "{}", actor: "t")
        _ = try await store.recordExerciseLog(
            id: "exr_1", log: "{}",
            actionItems: [ExerciseLog.ActionItem(title: "Fix", owner: "ana", due: CivilDate(iso: "2026-12-15")!, changes: nil)],
            actor: "t")
        await store.close()
        let result = await runCLI(["programme", "check", "--db", database, "--as-of", asOf, "--format", "json"])
        #expect(result.code == code, "\(result.err)")
        let parsed = try #require(try JSONSerialization.jsonObject(with: Data(result.out.utf8)) as? [String: Any])
        let found = Set((parsed["findings"] as? [[String: String]] ?? []).compactMap { $0["kind"] })
        #expect(found == Set(kinds))
        let fileOnly = await runCLI(["programme", "check", Paths.root.appendingPathComponent("Examples/programme.yaml").path, "--as-of", asOf])
        #expect(fileOnly.err.contains("exercises and action items were not checked"))
    }
}
