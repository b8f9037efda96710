import BreachClockApplication
import BreachClockCalculator
import BreachClockProgramme
import BreachClockServer
import BreachClockStore
import BreachClockTestSupport
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import Testing

/// The programme's messages (issue 15): an action item's reminder on its due date, cancelled when it
/// is closed; `programme.stale` once a day per subscription while findings remain; the findings in /metrics.
@Suite struct ProgrammeMessagesTests {
    static func instant(_ text: String) -> Date { ZonedTime.parse(text, in: ZonedTime.utc)! }

    static func store(_ folder: URL, clock: SimulatedClock) async throws -> (IncidentStore, StoredWebhook) {
        let store = try IncidentStore(path: folder.appendingPathComponent("db.sqlite").path, clock: { clock.now })
        let hook = try await store.createWebhook(
            url: "http://127.0.0.1:9/hook", format: "json", incidentID: nil, events: ["programme.stale", "action-item.due"],
            secret: "whsec_dGVzdHRlc3R0ZXN0dGVzdHRlc3R0ZXN0", actor: "t")
        let programme = try String(contentsOf: Paths.root.appendingPathComponent("Examples/programme.yaml"), encoding: .utf8)
        _ = try await store.importProgramme(source: programme, format: "yaml", actor: "t")
        return (store, hook)
    }

    static func folder() throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("bc-messages-\(UUID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return folder
    }

    @Test func actionItemsAreRemindedOnTheirDueDateUnlessClosed() async throws {
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let clock = SimulatedClock(Self.instant("2026-12-03T10:00:00Z"))
        let (store, hook) = try await Self.store(folder, clock: clock)
        _ = try await store.saveExercise(id: "exr_1", name: "Drill", startsAt: "2026-03-02T15:00:00Z", scenario: "x", record: "{}", actor: "t")
        let log = """
            actionItems:
              - { title: Update the runbook, owner: chloe, due: 2026-12-15 }
              - { title: Already late, owner: ana, due: 2026-11-01 }
            """
        let result = try await ProgrammeService(store: store, clock: { clock.now }).recordLog(
            exerciseID: "exr_1", body: try IncidentService.parse(Array(log.utf8), format: .yaml), actor: "t")
        let deliveries = try await store.deliveries(webhookID: hook.id).sorted { $0.dueAt < $1.dueAt }
        #expect(deliveries.map(\.event) == ["action-item.due", "action-item.due"])
        // The late item now; the other at the start of its due date.
        #expect(deliveries.map(\.dueAt) == [Self.instant("2026-12-03T10:00:00Z"), Self.instant("2026-12-15T00:00:00Z")])
        let upcoming = try #require(result.items.first { $0.title == "Update the runbook" })
        _ = try await store.closeActionItem(id: upcoming.id, resolution: "Done early", actor: "t")
        let after = try await store.deliveries(webhookID: hook.id).reduce(into: [String: String]()) { $0[$1.incidentID] = $1.state }
        #expect(after[upcoming.id] == "cancelled")
        #expect(after.values.filter { $0 == "planned" }.count == 1)
        await store.close()
    }

    @Test func staleProgrammesAreAnnouncedOnceADay() async throws {
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let clock = SimulatedClock(Self.instant("2026-12-03T10:00:00Z"))
        let (store, hook) = try await Self.store(folder, clock: clock)
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        let watch = ProgrammeWatch(store: store, clock: { clock.now }, logger: logger)
        // No exercise was ever run: a finding, announced once today.
        #expect(await watch.check() == 1)
        #expect(await watch.check() == 0)
        clock.set(Self.instant("2026-12-04T10:00:00Z"))
        #expect(await watch.check() == 1)
        let messages = try await store.deliveries(webhookID: hook.id).filter { $0.event == "programme.stale" }
        #expect(messages.count == 2)
        // With an exercise run today, the example programme has no finding until 29 December: nothing more.
        _ = try await store.saveExercise(id: "exr_1", name: "Drill", startsAt: "2026-03-02T15:00:00Z", scenario: "x", record: "{}", actor: "t")
        clock.set(Self.instant("2026-12-05T10:00:00Z"))
        #expect(await watch.check() == 0)
        await store.close()
    }

    @Test func findingsAreInTheMetrics() async throws {
        let server = try await TestServer.make()
        defer { server.remove() }
        let store = try IncidentStore(path: server.database)
        let programme = try String(contentsOf: Paths.root.appendingPathComponent("Examples/programme.yaml"), encoding: .utf8)
        _ = try await store.importProgramme(source: programme, format: "yaml", actor: "t")
        await store.close()
        try await server.app(clock: { Self.instant("2026-12-30T10:00:00Z") }).test(.router) { client in
            let text = try await client.execute(uri: "/metrics", method: .get).text
            // 30 December: Eli's contact and role are stale (reviewed 30 September), and no exercise was run.
            #expect(text.contains(#"breachclock_programme_findings{kind="exercise.none"} 1"#))
            #expect(text.contains(#"breachclock_programme_findings{kind="contact.stale"} 1"#))
            #expect(text.contains(#"breachclock_programme_findings{kind="system.no-detection"} 0"#))
        }
    }
}
