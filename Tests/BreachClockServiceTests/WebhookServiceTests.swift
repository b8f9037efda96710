import BreachClockServer
import BreachClockStore
import BreachClockTestSupport
import BreachClockWebhooks
import Foundation
import HTTPTypes
import HummingbirdTesting
import Logging
import NIOCore
import Testing

/// A clock tests move by hand.
final class TestClock: @unchecked Sendable {
    private let lock = NSLock()
    private var current: Date
    init(_ start: Date) { current = start }
    var now: Date { lock.withLock { current } }
    func advance(to date: Date) { lock.withLock { current = date } }
    var function: @Sendable () -> Date { { self.now } }
}

/// Subscriptions, the outbox and the dispatcher together: real SQLite, real HTTP through libcurl to
/// a receiver in this process, a hand-driven clock.
@Suite(.serialized) struct WebhookServiceTests {
    /// 2 March 2026, 10:00 in Los Angeles: the incident below is discovered then.
    static let start = Date(timeIntervalSince1970: 1_772_474_400)

    func adminKey(_ server: TestServer) async throws -> String {
        try await IncidentStore(path: server.database).createKey(name: "admin", role: .admin, actor: "test").key
    }

    func dispatcher(_ server: TestServer, clock: TestClock) throws -> WebhookDispatcher {
        var options = CurlTransport.Options()
        options.policy = AddressPolicy(allowlist: [AddressPolicy.Network("127.0.0.1/32")!])
        var logger = Logger(label: "dispatcher")
        logger.logLevel = .critical
        return WebhookDispatcher(
            store: try IncidentStore(path: server.database, clock: clock.function), transport: CurlTransport(options: options),
            clock: clock.function, random: { 0.5 }, logger: logger)
    }

    /// Issue 12: a literal private or metadata address is refused when the subscription is made, with a
    /// 422 naming `url`, unless allowlisted; before, the first attempt found it and disabled the hook.
    /// A trailing-dot address and an IPv4-mapped spelling are not accepted URL hosts at all.
    @Test(arguments: [
        ("http://169.254.169.254/latest/meta-data", true), ("http://[::1]:8080/x", true), ("http://0.0.0.0/x", true),
        ("http://127.0.0.1./x", false), ("http://[::ffff:10.0.0.1]/x", false),
    ])
    func literalPrivateAddressesAreRefusedAtSubscription(url: String, allowable: Bool) async throws {
        let server = try await TestServer.make()
        defer { server.remove() }
        let admin = try await adminKey(server)
        try await server.app(webhookAllow: []).test(.router) { client in
            let response = try await client.execute(
                uri: "/v1/webhooks", method: .post, headers: server.headers(admin),
                body: ByteBuffer(string: #"{"url": "\#(url)"}"#))
            #expect(response.status == .unprocessableContent)
            #expect(response.text.contains("url") && (response.text.contains("allowlisted") || !allowable), "\(response.text)")
        }
        try await server.app(webhookAllow: [AddressPolicy.Network("0.0.0.0/0")!, AddressPolicy.Network("::/0")!]).test(.router) { client in
            let response = try await client.execute(
                uri: "/v1/webhooks", method: .post, headers: server.headers(admin),
                body: ByteBuffer(string: #"{"url": "\#(url)"}"#))
            #expect(response.status == (allowable ? .created : .unprocessableContent), "allowlisted: \(response.text)")
        }
    }

    @Test func subscriptionsAreForAdminsAndShowTheSecretOnce() async throws {
        let server = try await TestServer.make()
        defer { server.remove() }
        let admin = try await adminKey(server)
        try await server.app().test(.router) { client in
            let body = ByteBuffer(string: #"{"url": "https://hooks.example/breach", "format": "slack"}"#)
            try await client.execute(uri: "/v1/webhooks", method: .post, headers: server.headers(server.editorKey), body: body) {
                #expect($0.status == .forbidden)
            }
            let created = try await client.execute(uri: "/v1/webhooks", method: .post, headers: server.headers(admin), body: body)
            #expect(created.status == .created)
            let secret = try #require(created.object["secret"] as? String)
            #expect(secret.hasPrefix("whsec_"))
            try await client.execute(uri: "/v1/webhooks", method: .get, headers: server.headers(admin)) { response in
                #expect(!response.text.contains(secret))
                #expect((response.object["webhooks"] as? [Any])?.count == 1)
            }
            try await client.execute(
                uri: "/v1/webhooks", method: .post, headers: server.headers(admin),
                body: ByteBuffer(string: #"{"url": "ftp://files.example/x"}"#)
            ) { #expect($0.status == .unprocessableContent) }
            try await client.execute(
                uri: "/v1/webhooks", method: .post, headers: server.headers(admin),
                body: ByteBuffer(string: #"{"url": "https://x.example", "events": ["everything"]}"#)
            ) { response in
                #expect(response.status == .unprocessableContent)
                #expect(response.text.contains("events[0]"))
            }
        }
    }

    /// Reminders for California's 30-day deadline (Cal. Civ. Code § 1798.82(a)(1)): 72 h, 24 h and 4 h
    /// before, at half the window and at the deadline, signed and delivered in order; recording the
    /// notice stops the rest.
    @Test func remindersAreDeliveredAndStopWhenTheNoticeIsRecorded() async throws {
        let server = try await TestServer.make()
        defer { server.remove() }
        let admin = try await adminKey(server)
        let clock = TestClock(Self.start)
        try await Receiver.with { receiver, port in
            let dispatcher = try dispatcher(server, clock: clock)
            try await server.app(clock: clock.function).test(.router) { client in
                let hook = try await client.execute(
                    uri: "/v1/webhooks", method: .post, headers: server.headers(admin),
                    body: ByteBuffer(
                        string:
                            "{\"url\": \"http://127.0.0.1:\(port)/hook\", \"events\": [\"obligation.reminder\", \"obligation.overdue\", \"incident.created\"]}"
                    ))
                let hookID = try #require(hook.object["id"] as? String)
                let secret = try #require(hook.object["secret"] as? String)
                let created = try await client.execute(
                    uri: "/v1/incidents", method: .post, headers: server.headers(server.editorKey),
                    body: ByteBuffer(string: incidentBody))
                let id = try #require(created.object["id"] as? String)

                #expect(try await dispatcher.runOnce() == 1)  // incident.created, now
                // Due 2026-04-01T23:59:59-07:00: half the window (from discovery) falls on 17 March.
                let due = Date(timeIntervalSince1970: 1_775_113_199)
                // The clock jumps from discovery to 72 hours before the deadline: the half-window
                // reminder (17 March) and the 72-hour one are both due, and only the newer is sent.
                for time in [due.addingTimeInterval(-72 * 3600), due.addingTimeInterval(-24 * 3600)] {
                    clock.advance(to: time)
                    #expect(try await dispatcher.runOnce() == 1)
                }
                let received = await receiver.received
                #expect(received.count == 3)
                let types = received.compactMap { (try? JSONSerialization.jsonObject(with: Data($0.body))) as? [String: Any] }.compactMap {
                    $0["type"] as? String
                }
                #expect(types == ["incident.created", "obligation.reminder", "obligation.reminder"])
                for message in received {
                    let header = { (name: String) in message.headers[HTTPField.Name(name)!] }
                    // Each was sent at the simulated time of its own timestamp.
                    let sentAt = Date(timeIntervalSince1970: Double(header("webhook-timestamp") ?? "") ?? 0)
                    try WebhookSigner(secret: secret)!.verify(
                        id: header("webhook-id"), timestamp: header("webhook-timestamp"),
                        signatures: header("webhook-signature"), body: message.body, now: sentAt)
                }
                // The notice is recorded: the 4-hour reminder and the overdue messages are cancelled.
                _ = try await client.execute(
                    uri: "/v1/incidents/\(id)/notices", method: .post, headers: server.headers(server.editorKey, [.ifMatch: "*"]),
                    body: ByteBuffer(string: #"{"obligation": "US-CA/individuals", "sentAt": "2026-03-31T09:00:00-07:00", "method": "mail"}"#))
                clock.advance(to: due.addingTimeInterval(3 * 86_400))
                #expect(try await dispatcher.runOnce() == 0)
                try await client.execute(uri: "/v1/webhooks/\(hookID)/deliveries", method: .get, headers: server.headers(admin)) { response in
                    let deliveries = response.object["deliveries"] as? [[String: Any]] ?? []
                    let states = deliveries.compactMap { $0["state"] as? String }
                    #expect(states.filter { $0 == "delivered" }.count == 3)
                    #expect(!states.contains("planned"))
                    // Cancelled, not deleted: the 4-hour reminder and the overdue messages stay in the
                    // log and say why they were not sent; the half-window one says it was collapsed.
                    let errors = deliveries.filter { $0["state"] as? String == "cancelled" }.compactMap { $0["lastError"] as? String }
                    #expect(errors.filter { $0.contains("notice to US-CA/individuals recorded") }.count >= 2, "\(errors)")
                    #expect(errors.contains { $0.contains("collapsed") })
                }
            }
        }
    }

    /// A subscription's own schedule: one reminder 48 h before, none at half the window, no daily
    /// overdue messages (just one at the deadline); California's 30 days (Cal. Civ. Code § 1798.82(a)(1)).
    @Test func perSubscriptionSchedule() async throws {
        let server = try await TestServer.make()
        defer { server.remove() }
        let admin = try await adminKey(server)
        let clock = TestClock(Self.start)
        try await server.app(clock: clock.function).test(.router) { client in
            let request =
                #"{"url": "https://hooks.example/x", "events": ["obligation.reminder", "obligation.overdue"], "schedule": {"before": ["48h"], "halfWindow": false, "overdueEvery": null}}"#
            let hook = try await client.execute(uri: "/v1/webhooks", method: .post, headers: server.headers(admin), body: ByteBuffer(string: request))
            #expect(hook.status == .created)
            let hookID = try #require(hook.object["id"] as? String)
            #expect((hook.object["schedule"] as? [String: Any])?["before"] as? [String] == ["2d"])
            _ = try await client.execute(
                uri: "/v1/incidents", method: .post, headers: server.headers(server.editorKey), body: ByteBuffer(string: incidentBody))
            try await client.execute(uri: "/v1/webhooks/\(hookID)/deliveries", method: .get, headers: server.headers(admin)) { response in
                let planned = (response.object["deliveries"] as? [[String: Any]] ?? []).map { "\($0["event"] ?? "") \($0["dueAt"] ?? "")" }.sorted()
                #expect(planned == ["obligation.overdue 2026-04-02T06:59:59.000Z", "obligation.reminder 2026-03-31T06:59:59.000Z"])
            }
            try await client.execute(
                uri: "/v1/webhooks", method: .post, headers: server.headers(admin),
                body: ByteBuffer(string: #"{"url": "https://hooks.example/y", "schedule": {"before": ["soon"]}}"#)
            ) { response in
                #expect(response.status == .unprocessableContent)
                #expect(response.text.contains("schedule.before[0]"))
            }
        }
    }

    /// `breachclock webhooks test ID` sends a signed test message and prints the outcome.
    @Test func testCommandSendsASignedMessage() async throws {
        let server = try await TestServer.make()
        defer { server.remove() }
        let store = try IncidentStore(path: server.database)
        try await Receiver.with { receiver, port in
            var random = SystemRandomNumberGenerator()
            let secret = WebhookSigner.newSecret(using: &random)
            let hook = try await store.createWebhook(
                url: "http://127.0.0.1:\(port)/hook", format: "json", incidentID: nil, events: [],
                secret: secret, actor: "test")
            let blocked = await runCLI(["webhooks", "test", hook.id, "--db", server.database])
            #expect(blocked.code == 1)
            #expect(blocked.err.contains("blocked by policy"))
            let sent = await runCLI(["webhooks", "test", hook.id, "--db", server.database, "--webhook-allow", "127.0.0.1"])
            #expect(sent.code == 0, "\(sent.err)")
            #expect(sent.out.hasPrefix("delivered to 127.0.0.1: HTTP 204"))
            let message = try #require(await receiver.received.first)
            let header = { (name: String) in message.headers[HTTPField.Name(name)!] }
            try WebhookSigner(secret: secret)!.verify(
                id: header("webhook-id"), timestamp: header("webhook-timestamp"),
                signatures: header("webhook-signature"), body: message.body, now: Date())
            #expect(String(decoding: message.body, as: UTF8.self).contains("webhook.test"))
            // One path for sending (issue 12): both attempts are in the deliveries log, the blocked one
            // failed for good (a test message is not retried) and the other delivered under the same id
            // the receiver saw.
            let log = try await store.deliveries(webhookID: hook.id)
            #expect(log.map(\.state).sorted() == ["delivered", "failed"], "\(log.map(\.state))")
            #expect(log.first { $0.state == "delivered" }?.id == header("webhook-id"))
            #expect(log.allSatisfy { $0.attempts.count == 1 && $0.event == "webhook.test" })
            // 410 Gone disables the subscription, as for reminders; a disabled one is then respected.
            await receiver.setScript([(.gone, nil, "")])
            let gone = await runCLI(["webhooks", "test", hook.id, "--db", server.database, "--webhook-allow", "127.0.0.1"])
            #expect(gone.code != 0)
            #expect(gone.err.contains("now disabled"), "\(gone.err)")
            let disabled = await runCLI(["webhooks", "test", hook.id, "--db", server.database, "--webhook-allow", "127.0.0.1"])
            #expect(disabled.code != 0)
            #expect(disabled.err.contains("is disabled since") && disabled.err.contains("nothing was sent"), "\(disabled.err)")
            #expect(await receiver.received.count == 2)
        }
    }

    /// 503 is retried on the schedule (5 s for the second attempt) with the same webhook-id; 410 disables.
    @Test func retriesThenDisablesOnGone() async throws {
        let server = try await TestServer.make()
        defer { server.remove() }
        let admin = try await adminKey(server)
        let clock = TestClock(Self.start)
        try await Receiver.with { receiver, port in
            let dispatcher = try dispatcher(server, clock: clock)
            try await server.app(clock: clock.function).test(.router) { client in
                await receiver.setScript([(.serviceUnavailable, nil, ""), (.ok, nil, ""), (.gone, nil, "")])
                let hook = try await client.execute(
                    uri: "/v1/webhooks", method: .post, headers: server.headers(admin),
                    body: ByteBuffer(string: "{\"url\": \"http://127.0.0.1:\(port)/hook\", \"events\": [\"incident.created\", \"incident.closed\"]}"))
                let hookID = try #require(hook.object["id"] as? String)
                let created = try await client.execute(
                    uri: "/v1/incidents", method: .post, headers: server.headers(server.editorKey),
                    body: ByteBuffer(string: incidentBody))
                let id = try #require(created.object["id"] as? String)
                #expect(try await dispatcher.runOnce() == 1)  // 503
                clock.advance(to: Self.start.addingTimeInterval(4))
                #expect(try await dispatcher.runOnce() == 0)  // not yet: 5 s
                clock.advance(to: Self.start.addingTimeInterval(6))
                #expect(try await dispatcher.runOnce() == 1)  // 200
                let ids = await receiver.received.map { $0.headers[HTTPField.Name("webhook-id")!] }
                #expect(ids.count == 2 && ids[0] == ids[1])

                _ = try await client.execute(
                    uri: "/v1/incidents/\(id)/close", method: .post, headers: server.headers(server.editorKey, [.ifMatch: "*"]))
                #expect(try await dispatcher.runOnce() == 1)  // 410
                try await client.execute(uri: "/v1/webhooks/\(hookID)/deliveries", method: .get, headers: server.headers(admin)) { response in
                    let webhook = response.object["webhook"] as? [String: Any]
                    #expect((webhook?["disabledReason"] as? String)?.contains("410") == true)
                    let attempts = (response.object["deliveries"] as? [[String: Any]] ?? []).flatMap { $0["attempts"] as? [[String: Any]] ?? [] }
                    #expect(attempts.compactMap { $0["status"] as? Int }.sorted() == [200, 410, 503])
                }
            }
        }
    }

    /// A worker that dies after claiming (no attempt recorded) does not lose the message: the rescuer
    /// returns it and it is delivered with the same webhook-id.
    @Test func claimsOfADeadWorkerAreRescued() async throws {
        let server = try await TestServer.make()
        defer { server.remove() }
        let admin = try await adminKey(server)
        let clock = TestClock(Self.start)
        try await Receiver.with { receiver, port in
            try await server.app(clock: clock.function).test(.router) { client in
                _ = try await client.execute(
                    uri: "/v1/webhooks", method: .post, headers: server.headers(admin),
                    body: ByteBuffer(string: "{\"url\": \"http://127.0.0.1:\(port)/hook\", \"events\": [\"incident.created\"]}"))
                _ = try await client.execute(
                    uri: "/v1/incidents", method: .post, headers: server.headers(server.editorKey),
                    body: ByteBuffer(string: incidentBody))
            }
            let store = try IncidentStore(path: server.database, clock: clock.function)
            let claimed = try await store.claimDue(now: clock.now, limit: 10, worker: "dead-worker")
            #expect(claimed.count == 1)
            let dispatcher = try dispatcher(server, clock: clock)
            #expect(try await dispatcher.runOnce() == 0)  // claimed by the dead worker
            #expect(try await store.rescueStuck(claimedBefore: clock.now.addingTimeInterval(-60)) == 0)  // not stale yet
            clock.advance(to: Self.start.addingTimeInterval(61))
            #expect(try await store.rescueStuck(claimedBefore: clock.now.addingTimeInterval(-60)) == 1)
            #expect(try await dispatcher.runOnce() == 1)
            let ids = await receiver.received.map { $0.headers[HTTPField.Name("webhook-id")!] }
            #expect(ids == [claimed[0].id])
        }
    }
}
