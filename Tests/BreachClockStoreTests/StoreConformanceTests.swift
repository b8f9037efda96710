import BreachClockRules
import BreachClockStore
import BreachClockStoreTestSupport
import BreachClockTestSupport
import Foundation
import Testing

/// One suite, two engines: every test here runs on SQLite and on a real PostgreSQL, each with two
/// stores on one database (two pools, as two instances would have).
@Suite struct StoreConformanceTests {
    static let t0 = Date(timeIntervalSince1970: 1_780_000_000)

    @Test(arguments: Engine.allCases)
    func concurrentUpdatesWithIfMatchHaveOneWinner(_ engine: Engine) async throws {
        let database = try await FreshDatabase.make(engine)
        defer { database.remove() }
        let first = try await database.store()
        let second = try await database.store()
        let incident = try await first.createIncident(title: "race", change: storeChange("0"), actor: "test")
        // Sixteen writers, each holding ETag "1": exactly one may win, the others get 412's conflict.
        let outcomes = await withTaskGroup(of: Result<Int, StoreError>.self) { group in
            for index in 0..<16 {
                let store = index.isMultiple(of: 2) ? first : second
                group.addTask {
                    do {
                        let updated = try await store.updateIncident(id: incident.id, expectedRevisions: [1], actor: "w\(index)") { _ in
                            storeChange("\(index)")
                        }
                        return .success(updated.revision)
                    } catch let error as StoreError {
                        return .failure(error)
                    } catch {
                        return .failure(.rejected("\(error)"))
                    }
                }
            }
            return await group.reduce(into: []) { $0.append($1) }
        }
        let wins = outcomes.compactMap { try? $0.get() }
        #expect(wins == [2])
        #expect(outcomes.filter { if case .failure(.conflict(currentRevision: 2)) = $0 { true } else { false } }.count == 15)
        #expect(try await first.history(id: incident.id).count == 2)
        #expect(try await second.verifyAudit().problems.isEmpty)
    }

    @Test(arguments: Engine.allCases)
    func concurrentUpdatesWithoutIfMatchLoseNothing(_ engine: Engine) async throws {
        let database = try await FreshDatabase.make(engine)
        defer { database.remove() }
        let first = try await database.store()
        let second = try await database.store()
        let incident = try await first.createIncident(title: "race", change: storeChange("0"), actor: "test")
        // Without If-Match every writer's change lands, each computed again on the state it lost to.
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 1...12 {
                let store = index.isMultiple(of: 2) ? first : second
                group.addTask {
                    _ = try await store.updateIncident(id: incident.id, expectedRevisions: nil, actor: "w\(index)") { _ in storeChange("\(index)") }
                }
            }
            try await group.waitForAll()
        }
        let history = try await second.history(id: incident.id)
        #expect(history.map(\.revision) == Array(1...13))
        #expect(Set(history.dropFirst().flatMap(\.changes)) == Set((1...12).map { "marker \($0)" }))
        #expect(try await first.verifyAudit().problems.isEmpty)
    }

    @Test(arguments: Engine.allCases)
    func twoWorkersClaimDisjointSets(_ engine: Engine) async throws {
        let database = try await FreshDatabase.make(engine)
        defer { database.remove() }
        let first = try await database.store()
        let second = try await database.store()
        let hook = try await first.createWebhook(
            url: "http://127.0.0.1:9/x", format: "json", incidentID: nil, events: ["webhook.test"],
            secret: "whsec_test", actor: "test")
        var planned: Set<String> = []
        for index in 0..<300 {
            planned.insert(
                try await first.enqueue(
                    PlannedDelivery(
                        webhookID: hook.id, incidentID: "none", obligationID: nil, event: "webhook.test",
                        dueAt: Self.t0.addingTimeInterval(Double(index % 7)), payload: "{}")))
        }
        let now = Self.t0.addingTimeInterval(60)
        let claims = try await withThrowingTaskGroup(of: [String].self) { group in
            for (worker, store) in [("a", first), ("b", second)] {
                group.addTask {
                    var mine: [String] = []
                    while true {
                        let batch = try await store.claimDue(now: now, limit: 7, worker: worker)
                        if batch.isEmpty { return mine }
                        mine += batch.map(\.id)
                    }
                }
            }
            return try await group.reduce(into: [[String]]()) { $0.append($1) }
        }
        #expect(claims.count == 2)
        #expect(Set(claims[0]).isDisjoint(with: claims[1]))
        #expect(Set(claims[0] + claims[1]) == planned)
        #expect(claims[0].count + claims[1].count == 300)
    }

    @Test(arguments: Engine.allCases)
    func anExpiredLeaseRedeliversWithTheSameID(_ engine: Engine) async throws {
        let database = try await FreshDatabase.make(engine)
        defer { database.remove() }
        let store = try await database.store()
        let hook = try await store.createWebhook(
            url: "http://127.0.0.1:9/x", format: "json", incidentID: nil, events: ["webhook.test"],
            secret: "whsec_test", actor: "test")
        let id = try await store.enqueue(
            PlannedDelivery(
                webhookID: hook.id, incidentID: "none", obligationID: nil, event: "webhook.test",
                dueAt: Self.t0, payload: "{}"))
        let claimed = try await store.claimDue(now: Self.t0, limit: 10, worker: "crashes")
        #expect(claimed.map(\.id) == [id])
        // The lease has not run out: nothing to rescue, and nothing to claim.
        #expect(try await store.rescueStuck(claimedBefore: Self.t0.addingTimeInterval(-60)) == 0)
        #expect(try await store.claimDue(now: Self.t0.addingTimeInterval(30), limit: 10, worker: "other").isEmpty)
        // It has: the message returns to the queue with its id, and another worker sends it.
        #expect(try await store.rescueStuck(claimedBefore: Self.t0.addingTimeInterval(1)) == 1)
        let again = try await store.claimDue(now: Self.t0.addingTimeInterval(61), limit: 10, worker: "other")
        #expect(again.map(\.id) == [id])
        #expect(again.first?.attempts == 0)
    }

    @Test(arguments: Engine.allCases)
    func theAuditChainStaysLinearUnderTwoWriters(_ engine: Engine) async throws {
        let database = try await FreshDatabase.make(engine)
        defer { database.remove() }
        let first = try await database.store()
        let second = try await database.store()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for (index, store) in [first, second].enumerated() {
                group.addTask {
                    for n in 0..<20 {
                        if n.isMultiple(of: 2) {
                            _ = try await store.createKey(name: "k\(index)-\(n)", role: .viewer, actor: "writer \(index)")
                        } else {
                            _ = try await store.createIncident(title: "i\(index)-\(n)", change: storeChange("\(n)"), actor: "writer \(index)")
                        }
                    }
                }
            }
            try await group.waitForAll()
        }
        let lines = try await first.audit()
        #expect(lines.map(\.seq) == Array(1...40))
        #expect(zip(lines.dropFirst(), lines).allSatisfy { $0.prevHash == $1.hash })
        let verification = try await second.verifyAudit()
        #expect(verification.problems.isEmpty)
        #expect(verification.lines == 40)
    }

    @Test(arguments: Engine.allCases)
    func pagingIsStableWhileIncidentsArrive(_ engine: Engine) async throws {
        let database = try await FreshDatabase.make(engine)
        defer { database.remove() }
        let store = try await database.store()
        var created: [String] = []
        for n in 0..<25 { created.append(try await store.createIncident(title: "p\(n)", change: storeChange("\(n)"), actor: "t").id) }
        var seen: [String] = []
        var cursor: Int?
        var pages = 0
        repeat {
            let page = try await store.incidents(status: nil, dueBefore: nil, limit: 10, after: cursor)
            seen += page.incidents.map(\.id)
            cursor = page.next
            pages += 1
            // New incidents arriving between pages come after every one already listed.
            if pages == 1 { created.append(try await store.createIncident(title: "late", change: storeChange("late"), actor: "t").id) }
        } while cursor != nil
        #expect(seen == created)
        #expect(Set(seen).count == seen.count)
    }

    @Test(arguments: [(Engine.sqlite, Engine.postgres), (Engine.postgres, Engine.sqlite)])
    func exportAndImportMoveADatabaseWithItsAuditChain(_ from: Engine, _ to: Engine) async throws {
        let source = try await FreshDatabase.make(from)
        let target = try await FreshDatabase.make(to)
        defer {
            source.remove()
            target.remove()
        }
        let store = try await source.store()
        let incident = try await store.createIncident(title: "moved", change: storeChange("a"), actor: "t")
        _ = try await store.updateIncident(id: incident.id, expectedRevisions: [1], actor: "t") { _ in storeChange("b") }
        _ = try await store.createKey(name: "k", role: .admin, actor: "t")
        let hook = try await store.createWebhook(
            url: "http://127.0.0.1:9/x", format: "json", incidentID: nil, events: ["webhook.test"],
            secret: "whsec_test", actor: "t")
        _ = try await store.enqueue(
            PlannedDelivery(
                webhookID: hook.id, incidentID: incident.id, obligationID: nil, event: "webhook.test",
                dueAt: Self.t0, payload: "{\"x\":1}"))
        _ = try await store.importProgramme(source: "organisation: A\n", format: "yaml", actor: "t")
        _ = try await store.saveExercise(id: "exr_1", name: "Drill", startsAt: "2026-03-02T15:00:00Z", scenario: "x", record: "{}", actor: "t")
        _ = try await store.recordExerciseLog(
            id: "exr_1", log: "{}", actionItems: [.init(title: "Fix", owner: "ana", due: CivilDate(iso: "2026-12-15")!, changes: nil)],
            actor: "t")
        let lines = LinesBox()
        let exported = try await DatabaseTransfer.export(store) { lines.append($0) }
        let copy = try await target.store()
        let imported = try await DatabaseTransfer.importLines(into: copy, lines: lines.sequence())
        #expect(imported.map(\.1) == exported.map(\.1))
        let verification = try await copy.verifyAudit()
        #expect(verification.problems.isEmpty)
        #expect(verification.lines == 7)
        #expect(try await copy.programmeRevisions().map(\.digest) == (try await store.programmeRevisions().map(\.digest)))
        #expect(try await copy.actionItems(openOnly: true).map(\.title) == ["Fix"])
        #expect(try await copy.history(id: incident.id).map(\.revision) == [1, 2])
        #expect(try await copy.deliveries(webhookID: hook.id).count == 1)
        // Into a database that is not empty: refused, and nothing changes.
        await #expect(throws: DatabaseTransfer.ImportError.self) {
            _ = try await DatabaseTransfer.importLines(into: copy, lines: lines.sequence())
        }
        #expect(try await copy.audit().count == 7)
    }
}

/// Lines collected from an export, replayed as an import's input.
final class LinesBox: @unchecked Sendable {
    private let lock = NSLock()
    private var lines: [String] = []

    func append(_ line: String) { lock.withLock { lines.append(line) } }

    func sequence() -> AsyncThrowingStream<String, any Error> {
        let all = lock.withLock { lines }
        return AsyncThrowingStream { continuation in
            for line in all { continuation.yield(line) }
            continuation.finish()
        }
    }
}

/// The console's one-statement read of an incident's notices, decisions, revisions and audit lines
/// (`IncidentStore.activity`) agrees with the three separate reads, on both engines.
@Suite struct IncidentActivityTests {
    @Test(arguments: Engine.allCases)
    func activityMatchesTheSeparateReads(_ engine: Engine) async throws {
        let database = try await FreshDatabase.make(engine)
        defer { database.remove() }
        let store = try await database.store()
        let incident = try await store.createIncident(title: "activity", change: storeChange("0", action: "incident.create"), actor: "test")
        let other = try await store.createIncident(title: "another", change: storeChange("x", action: "incident.create"), actor: "test")
        // Notices recorded out of the order they were sent in, and one on another incident.
        let sent = [("US-TX/regulator", "2026-03-20T10:00:00Z", "ref-2"), ("US-CA/individuals", "2026-03-19T08:00:00Z", nil)]
        for (index, (obligation, at, reference)) in sent.enumerated() {
            var change = storeChange("\(index + 1)", action: "notice.record")
            change.notice = StoredNotice(
                id: "ntc_\(index)", incidentID: incident.id, obligationID: obligation, sentAt: ISO8601DateFormatter().date(from: at)!,
                method: "mail", reference: reference, recordedAt: Date(), recordedBy: "test")
            _ = try await store.updateIncident(id: incident.id, expectedRevisions: nil, actor: "test") { [change] _ in change }
        }
        var elsewhere = storeChange("y", action: "notice.record")
        elsewhere.notice = StoredNotice(
            id: "ntc_other", incidentID: other.id, obligationID: "US-NY/regulator", sentAt: Date(), method: "mail", reference: nil,
            recordedAt: Date(), recordedBy: "test")
        _ = try await store.updateIncident(id: other.id, expectedRevisions: nil, actor: "test") { [elsewhere] _ in elsewhere }

        // Two decisions, the later one recorded first.
        for (index, (kind, outcome, at)) in [("notice", "required", "2026-03-18T09:00:00Z"), ("risk-of-harm", "likely", "2026-03-05T09:00:00Z")]
            .enumerated()
        {
            var change = storeChange("d\(index)", action: "decision.record")
            change.decision = StoredDecision(
                id: "dec_\(index)", incidentID: incident.id, kind: kind, obligationID: index == 0 ? "US-TX/regulator" : nil, outcome: outcome,
                rationale: index == 0 ? "over 250 Texans" : nil, owner: "counsel", decidedAt: ISO8601DateFormatter().date(from: at)!,
                recordedAt: Date(), recordedBy: "test")
            _ = try await store.updateIncident(id: incident.id, expectedRevisions: nil, actor: "test") { [change] _ in change }
        }

        let activity = try await store.activity(incidentID: incident.id)
        let decisions = try await store.decisions(incidentID: incident.id)
        #expect(activity.decisions.map(\.id) == ["dec_1", "dec_0"])
        #expect(activity.decisions.map(\.id) == decisions.map(\.id))
        #expect(activity.decisions.map(\.kind) == decisions.map(\.kind))
        #expect(activity.decisions.map(\.outcome) == decisions.map(\.outcome))
        #expect(activity.decisions.map(\.obligationID) == decisions.map(\.obligationID))
        #expect(activity.decisions.map(\.rationale) == decisions.map(\.rationale))
        #expect(activity.decisions.map(\.owner) == decisions.map(\.owner))
        #expect(activity.decisions.map(\.decidedAt) == decisions.map(\.decidedAt))
        let notices = try await store.notices(incidentID: incident.id)
        #expect(activity.notices.map(\.obligationID) == ["US-CA/individuals", "US-TX/regulator"])
        #expect(activity.notices.map(\.obligationID) == notices.map(\.obligationID))
        #expect(activity.notices.map(\.sentAt) == notices.map(\.sentAt))
        #expect(activity.notices.map(\.reference) == notices.map(\.reference))
        #expect(activity.notices.map(\.id) == notices.map(\.id))
        let history = try await store.history(id: incident.id)
        #expect(activity.revisions.map(\.revision) == [1, 2, 3, 4, 5])
        #expect(activity.revisions.map(\.revision) == history.map(\.revision))
        #expect(activity.revisions.map(\.changes) == history.map(\.changes))
        #expect(activity.revisions.map(\.computedAt) == history.map(\.computedAt))
        let audit = try await store.audit(incidentID: incident.id)
        #expect(activity.audit.map(\.action) == ["incident.create", "notice.record", "notice.record", "decision.record", "decision.record"])
        #expect(activity.audit.map(\.seq) == audit.map(\.seq))
        #expect(activity.audit.map(\.actor) == audit.map(\.actor))
        #expect(activity.audit.map(\.at) == audit.map(\.at))

        let both = try #require(try await store.incidentWithActivity(id: incident.id))
        #expect(both.incident.revision == 5 && both.activity.audit.count == 5)
        #expect(try await store.incidentWithActivity(id: "inc_none") == nil)
    }
}
