import BreachClockProgramme
import BreachClockRules
import BreachClockStore
import BreachClockStoreTestSupport
import BreachClockTestSupport
import Foundation
import Testing

/// The programme's revisions, exercises and action items (issue 15), on both engines: stored once,
/// kept in the audit chain, and an edit made behind the service's back is caught by `audit verify`.
@Suite struct ProgrammeStoreTests {
    static let t0 = Date(timeIntervalSince1970: 1_796_300_000)

    @Test(arguments: Engine.allCases)
    func importingTheSameFileTwiceStoresOneRevision(_ engine: Engine) async throws {
        let database = try await FreshDatabase.make(engine)
        defer { database.remove() }
        let store = try await database.store(clock: { Self.t0 })
        let first = try await store.importProgramme(source: "organisation: A\n", format: "yaml", actor: "ana")
        let again = try await store.importProgramme(source: "organisation: A\n", format: "yaml", actor: "ben")
        let second = try await store.importProgramme(source: "organisation: B\n", format: "yaml", actor: "ben")
        #expect(first.changed && !again.changed && second.changed)
        #expect(again.revision == first.revision)
        let revisions = try await store.programmeRevisions()
        #expect(revisions.map(\.revision) == [1, 2])
        #expect(revisions.map(\.importedBy) == ["ana", "ben"])
        // The digest is SHA-256 of the text as written: `printf 'organisation: A\n' | sha256sum`.
        #expect(revisions[0].digest == "45357f905e1cc8adbacca7e189dd32e49339519c13bea3e365fcb363ee29bfd4")
        #expect(try await store.audit().map(\.action) == ["programme.import", "programme.import"])
        #expect(try await store.verifyAudit().problems.isEmpty)
        await store.close()
    }

    @Test(arguments: Engine.allCases)
    func anExercisesLogIsRecordedOnceAndItsItemsCarryOver(_ engine: Engine) async throws {
        let database = try await FreshDatabase.make(engine)
        defer { database.remove() }
        let store = try await database.store(clock: { Self.t0 })
        let exercise = try await store.saveExercise(
            id: "exr_1", name: "Drill", startsAt: "2026-03-02T15:00:00Z", scenario: "exercise: Drill\n", record: "{}", actor: "cli")
        #expect(try await store.exercise(id: "exr_1") == exercise)
        let items = [
            ExerciseLog.ActionItem(title: "Fix contacts", owner: "ana", due: CivilDate(iso: "2026-12-15")!, changes: "people/ana"),
            ExerciseLog.ActionItem(title: "Fix runbook", owner: "ben", due: CivilDate(iso: "2026-12-01")!, changes: nil),
        ]
        let opened = try await store.recordExerciseLog(id: "exr_1", log: "{\"attendance\":[]}", actionItems: items, actor: "cli")
        #expect(opened.map(\.status) == ["open", "open"])
        await #expect(throws: StoreError.rejected("the exercise's log is already recorded")) {
            _ = try await store.recordExerciseLog(id: "exr_1", log: "{}", actionItems: [], actor: "cli")
        }
        await #expect(throws: StoreError.notFound) {
            _ = try await store.recordExerciseLog(id: "exr_none", log: "{}", actionItems: [], actor: "cli")
        }
        // By due date: the runbook item (1 December) first.
        #expect(try await store.actionItems(openOnly: true).map(\.title) == ["Fix runbook", "Fix contacts"])
        let closed = try await store.closeActionItem(id: opened[1].id, resolution: "Runbook updated", actor: "ben")
        #expect(closed.status == "done" && closed.resolution == "Runbook updated")
        await #expect(throws: StoreError.rejected("the action item is already closed")) {
            _ = try await store.closeActionItem(id: opened[1].id, resolution: "again", actor: "ben")
        }
        #expect(try await store.actionItems(openOnly: true).map(\.title) == ["Fix contacts"])
        #expect(try await store.actionItems(openOnly: false).count == 2)
        #expect(try await store.audit().map(\.action) == ["exercise.run", "exercise.log", "action-item.close"])
        #expect(try await store.verifyAudit().problems.isEmpty)
        await store.close()
    }

    /// Each edit made straight in the database, and what `audit verify` says of it.
    static let tampering: [(String, String)] = [
        ("UPDATE programme_revision SET source = 'organisation: Evil\n'", "programme revision 1: its text is not the one the audit log records"),
        ("UPDATE exercise SET record = '{\"steps\":[]}'", "exercise exr_1 record: its record is not the one the audit log records"),
        ("UPDATE exercise SET log = '{\"attendance\":[1]}'", "exercise exr_1 log: its log is not the one the audit log records"),
        ("DELETE FROM programme_revision", "programme revision 1: the audit log imported it but its row is gone"),
        (
            "INSERT INTO programme_revision VALUES (2, '2026-01-01T00:00:00.000Z', 'x', 'd', 'yaml', 'organisation: X')",
            "programme revision 2: no audit line imported it",
        ),
    ]

    @Test(arguments: Engine.allCases, tampering)
    func editsBehindTheServicesBackAreCaught(_ engine: Engine, tamper: (sql: String, problem: String)) async throws {
        let database = try await FreshDatabase.make(engine)
        defer { database.remove() }
        let store = try await database.store(clock: { Self.t0 })
        _ = try await store.importProgramme(source: "organisation: A\n", format: "yaml", actor: "ana")
        _ = try await store.saveExercise(id: "exr_1", name: "Drill", startsAt: "2026-03-02T15:00:00Z", scenario: "x", record: "{}", actor: "cli")
        _ = try await store.recordExerciseLog(id: "exr_1", log: "{\"attendance\":[]}", actionItems: [], actor: "cli")
        #expect(try await store.verifyAudit().problems.isEmpty)
        try await store.engine.write { db in try await db.execute(tamper.sql) }
        let problems = try await store.verifyAudit().problems.map(\.description)
        #expect(problems.contains { $0.hasPrefix(tamper.problem) }, "\(problems)")
        await store.close()
    }
}

/// Triage and the incident's life in the store (issue 15 §2), on both engines.
@Suite struct TriageStoreTests {
    static let t0 = Date(timeIntervalSince1970: 1_796_300_000)

    @Test(arguments: Engine.allCases)
    func eventsPhasesAndSeverity(_ engine: Engine) async throws {
        let database = try await FreshDatabase.make(engine)
        defer { database.remove() }
        let store = try await database.store(clock: { Self.t0 })
        let event = try await store.receiveEvent(
            source: "SIEM", summary: "Odd logins", severity: "SEV2", detectedAt: Self.t0.addingTimeInterval(-600), details: "{\"a\":1}",
            triageWithin: 3_600, actor: "key:k1")
        #expect(try await store.securityEvents(untriagedOnly: true).map(\.id) == [event.id])
        #expect(try await store.securityEvent(id: event.id) == event)
        let incident = try await store.createIncident(title: "from an event", change: storeChange("a"), actor: "t")
        let disposed = try await store.disposeEvent(id: event.id, disposition: "incident", rationale: "real", incidentID: incident.id, actor: "ana")
        #expect(disposed.disposition == "incident" && disposed.incidentID == incident.id)
        await #expect(throws: StoreError.rejected("the event already has a disposition (incident)")) {
            _ = try await store.disposeEvent(id: event.id, disposition: "breach", rationale: "again", incidentID: nil, actor: "ana")
        }
        #expect(try await store.securityEvents(untriagedOnly: true).isEmpty)
        #expect(try await store.securityEvent(incidentID: incident.id)?.id == event.id)
        _ = try await store.recordPhase(incidentID: incident.id, phase: .detected, at: Self.t0.addingTimeInterval(-600), note: nil, actor: "ana")
        _ = try await store.recordPhase(
            incidentID: incident.id, phase: .contained, at: Self.t0.addingTimeInterval(3_600), note: "isolated", actor: "ana")
        // Triaged after contained: refused; twice: refused.
        await #expect(throws: StoreError.self) {
            _ = try await store.recordPhase(incidentID: incident.id, phase: .triaged, at: Self.t0.addingTimeInterval(7_200), note: nil, actor: "ana")
        }
        await #expect(throws: StoreError.rejected("the incident's detected phase is already recorded")) {
            _ = try await store.recordPhase(incidentID: incident.id, phase: .detected, at: Self.t0, note: nil, actor: "ana")
        }
        let phases = try await store.recordPhase(incidentID: incident.id, phase: .triaged, at: Self.t0, note: nil, actor: "ana")
        #expect(phases.map(\.phase) == [.detected, .triaged, .contained])
        _ = try await store.recordSeverity(incidentID: incident.id, severity: "SEV2", reason: "as reported", actor: "ana")
        let changes = try await store.recordSeverity(incidentID: incident.id, severity: "SEV1", reason: "data confirmed", actor: "ben")
        #expect(changes.map(\.severity) == ["SEV2", "SEV1"] && changes.map(\.seq) == [1, 2])
        let received = try await store.securityEvents(receivedFrom: Self.t0, before: Self.t0.addingTimeInterval(1))
        #expect(received.map(\.id) == [event.id])
        #expect(try await store.verifyAudit().problems.isEmpty)
        await store.close()
    }
}
