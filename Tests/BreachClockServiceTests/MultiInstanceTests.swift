import BreachClockCalculator
import BreachClockStore
import BreachClockStoreTestSupport
import BreachClockTestSupport
import BreachClockWebhooks
import Foundation
import HTTPTypes
import Testing

/// Three real `breachclock serve` processes on one PostgreSQL database, as behind a load balancer.
@Suite(.serialized, SystemTests.enabled) struct MultiInstanceTests {
    static let binary = CrashTests.binary

    /// Keys for the tests, made on the database before the instances start.
    struct Setup {
        let database: FreshDatabase
        let store: IncidentStore
        let editorKey: String
    }

    func setUp() async throws -> Setup {
        try #require(FileManager.default.isExecutableFile(atPath: Self.binary), "build the executable first (scripts/test does)")
        let database = try await FreshDatabase.make(.postgres)
        let store = try await database.store()
        let editor = try await store.createKey(name: "editor", role: .editor, actor: "test")
        return Setup(database: database, store: store, editorKey: editor.key)
    }

    func instances(_ count: Int, on database: FreshDatabase, extra: [String] = []) async throws -> [ListeningServer] {
        var started: [ListeningServer] = []
        for _ in 0..<count { started.append(try await ListeningServer.start(binary: Self.binary, database: database.location, extra: extra)) }
        return started
    }

    @Test func parallelPatchesOverInstancesHaveOneWinner() async throws {
        let setup = try await setUp()
        defer { setup.database.remove() }
        let servers = try await instances(3, on: setup.database)
        let created = try await servers[0].request("POST", "/v1/incidents", key: setup.editorKey, body: incidentBody)
        #expect(created.status == 201)
        let id = try #require(created.object["id"] as? String)
        // Thirty PATCHes holding ETag "1", ten to each instance, all at once.
        let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
            for index in 0..<30 {
                let server = servers[index % 3]
                group.addTask {
                    try await server.request(
                        "PATCH", "/v1/incidents/\(id)", key: setup.editorKey,
                        body: #"{"facts": {"affected": {"US-CA": \#(600 + index)}}}"#, headers: ["If-Match": "\"1\""]
                    ).status
                }
            }
            return try await group.reduce(into: [Int]()) { $0.append($1) }
        }
        #expect(statuses.filter { $0 == 200 }.count == 1)
        #expect(statuses.filter { $0 == 412 }.count == 29)
        let after = try await servers[2].request("GET", "/v1/incidents/\(id)", key: setup.editorKey)
        #expect(after.object["revision"] as? Int == 2)
        for server in servers { #expect(try server.stop() == 0) }
        #expect(try runProcess(Self.binary, ["audit", "verify", "--db", setup.database.location]) == 0)
    }

    /// Plans `count` messages due now to one receiver, runs `instances`, and returns what arrived.
    func deliver(count: Int, instances count3: Int, killOneAfter killAt: Int?) async throws -> (planned: Set<String>, received: [String]) {
        let setup = try await setUp()
        defer { setup.database.remove() }
        return try await Receiver.with { receiver, port in
            var random = SystemRandomNumberGenerator()
            let hook = try await setup.store.createWebhook(
                url: "http://127.0.0.1:\(port)/hook", format: "json", incidentID: nil,
                events: ["obligation.reminder"], secret: WebhookSigner.newSecret(using: &random), actor: "test")
            let event = WebhookEvent(
                type: .reminder, incidentID: "inc_many", incidentTitle: "many instances", timeZone: ZonedTime.utc,
                at: Date())
            let payload = event.payloadJSON()
            let planned = Set(
                try await setup.store.enqueue(
                    all: (0..<count).map { _ in
                        PlannedDelivery(
                            webhookID: hook.id, incidentID: "inc_many", obligationID: nil, event: "obligation.reminder", dueAt: Date(),
                            payload: payload)
                    }))
            func receivedIDs() async -> [String] { await receiver.received.compactMap { $0.headers[HTTPField.Name("webhook-id")!] } }
            // A short lease only where an instance is killed: a claim waiting behind the per-host cap
            // on a busy debug build can outlive a 2 s lease, and another instance would send it again.
            let lease = killAt == nil ? "60" : "2"
            var servers = try await instances(count3, on: setup.database, extra: ["--webhook-allow", "127.0.0.1", "--webhook-rescue-after", lease])
            if let killAt {
                await receiver.setDelay(.milliseconds(20))
                let started = await CrashTests().waitUntil(seconds: 60) { await receiver.received.count >= killAt }
                #expect(started)
                let victim = servers.removeFirst()
                kill(victim.process.processIdentifier, SIGKILL)
                victim.process.waitUntilExit()
                #expect(Set(await receivedIDs()).count < count, "the kill came after everything was delivered; the test proves nothing")
            }
            let complete = await CrashTests().waitUntil(seconds: 240) { Set(await receivedIDs()).count >= count }
            let delivered = Set(await receivedIDs()).count
            #expect(complete, "delivered \(delivered) of \(count)")
            for server in servers { #expect(try server.stop() == 0) }
            #expect(try runProcess(Self.binary, ["audit", "verify", "--db", setup.database.location]) == 0)
            return (planned, await receivedIDs())
        }
    }

    @Test func tenThousandRemindersDueAtOnceArriveOverThreeInstances() async throws {
        let started = ContinuousClock.now
        let (planned, received) = try await deliver(count: 10_000, instances: 3, killOneAfter: nil)
        print("multi-instance delivery took \(ContinuousClock.now - started) including start-up")
        #expect(Set(received) == planned, "lost: \(planned.subtracting(received).count) of \(planned.count)")
        // At least once: a message sent twice carries its id again. Claims are disjoint, so with no crash there are none.
        let duplicates = received.count - Set(received).count
        print("multi-instance delivery: \(received.count) requests for \(planned.count) messages, \(duplicates) duplicates")
        #expect(duplicates == 0)
    }

    @Test func sigkillOfOneInstanceMidDeliveryLosesNothing() async throws {
        let (planned, received) = try await deliver(count: 1_000, instances: 3, killOneAfter: 100)
        #expect(Set(received) == planned, "lost: \(planned.subtracting(received).count) of \(planned.count)")
        #expect(Set(received).subtracting(planned).isEmpty)  // every duplicate is a redelivery of a planned message, same id
        print("multi-instance SIGKILL: \(received.count) requests for \(planned.count) messages, \(received.count - Set(received).count) duplicates")
    }

    /// A key revoked through one instance stops working on the others within the key cache's
    /// lifetime (2 s, `ServerConfiguration.keyCacheLifetime`): each instance reads the database again then.
    @Test func aKeyRevokedOnOneInstanceStopsOnTheOthersWithinTwoSeconds() async throws {
        let setup = try await setUp()
        defer { setup.database.remove() }
        let admin = try await setup.store.createKey(name: "admin", role: .admin, actor: "test")
        let viewer = try await setup.store.createKey(name: "viewer", role: .viewer, actor: "test")
        let servers = try await instances(2, on: setup.database)
        // The second instance has the key cached.
        #expect(try await servers[1].request("GET", "/v1/incidents", key: viewer.key).status == 200)
        #expect(try await servers[0].request("DELETE", "/v1/keys/\(viewer.record.id)", key: admin.key).status == 204)
        let revoked = ContinuousClock.now
        var refusedAfter: Duration?
        while ContinuousClock.now - revoked < .seconds(5) {
            if try await servers[1].request("GET", "/v1/incidents", key: viewer.key).status == 401 {
                refusedAfter = ContinuousClock.now - revoked
                break
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        let after = try #require(refusedAfter, "the revoked key still worked on the other instance after 5 s")
        #expect(after <= .milliseconds(2_500))
        for server in servers { #expect(try server.stop() == 0) }
    }

    /// A new rules database deployed to two instances at once: open incidents computed with other
    /// rules are recomputed once (one new revision, not one per instance), the history says the rules
    /// moved the deadline, and subscribers get `deadline.changed`.
    @Test func aRulesRolloutRecomputesOpenIncidentsOnce() async throws {
        let setup = try await setUp()
        defer { setup.database.remove() }
        let hook = try await setup.store.createWebhook(
            url: "http://127.0.0.1:9/hook", format: "json", incidentID: nil,
            events: ["deadline.changed"], secret: "whsec_rollout", actor: "test")
        let first = try await instances(1, on: setup.database)[0]
        let created = try await first.request("POST", "/v1/incidents", key: setup.editorKey, body: incidentBody)
        let id = try #require(created.object["id"] as? String)
        #expect(try first.stop() == 0)
        // As if computed by older rules: another digest, and the first dated deadline a day earlier.
        try await setup.store.engine.write { db in
            let row = try #require(try await db.queryOne("SELECT assessment FROM assessment WHERE incident_id = ?", [id]))
            var text: String = try row["assessment"]
            let digest = try #require(text.range(of: #""rulesDigest":"sha256:[0-9a-f]+""#, options: .regularExpression))
            text.replaceSubrange(digest, with: #""rulesDigest":"sha256:0ld""#)
            let due = try #require(text.range(of: #""dueDate":"\d{4}-\d{2}-\d{2}""#, options: .regularExpression))
            text.replaceSubrange(due, with: #""dueDate":"2000-01-01""#)
            try await db.execute("UPDATE assessment SET assessment = ?, rules_digest = 'sha256:0ld' WHERE incident_id = ?", [text, id])
            // The first instance ran those older rules.
            try await db.execute("UPDATE rules_rollout SET digest = 'sha256:0ld'")
        }
        let both = try await instances(2, on: setup.database)
        let recomputed = await CrashTests().waitUntil(seconds: 30) { (try? await setup.store.history(id: id).count) == 2 }
        #expect(recomputed)
        try await Task.sleep(for: .seconds(1))
        let history = try await setup.store.history(id: id)
        #expect(history.count == 2, "one recompute, not one per instance")
        let changes = history.last?.changes ?? []
        #expect(changes.first?.hasPrefix("rules changed from sha256:0ld to sha256:") == true)
        #expect(changes.contains { $0.hasPrefix("rules changed: ") && $0.contains("deadline changed from due 2000-01-01") })
        let rollouts = try await setup.store.rulesRollouts().filter { $0.digest != "sha256:0ld" }
        #expect(rollouts.count == 1)
        #expect(rollouts.first?.recomputed == 1)
        #expect(try await setup.store.deliveries(webhookID: hook.id).contains { $0.event == "deadline.changed" })
        for server in both { #expect(try server.stop() == 0) }
        #expect(try runProcess(Self.binary, ["audit", "verify", "--db", setup.database.location]) == 0)
    }
}
