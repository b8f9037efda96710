import BreachClockCalculator
import BreachClockStore
import BreachClockTestSupport
import BreachClockWebhooks
import Foundation
import Logging
import Testing

@testable import BreachClockServer

/// The dispatcher's run loop (issue 12): a slow receiver holds back only its own messages, each
/// attempt is recorded as it ends, concurrency is capped per host, and reminders that fell due
/// together collapse into one. Real SQLite, real HTTP through libcurl to receivers in this process.
@Suite(.serialized) struct DispatcherTests {
    static let start = Date(timeIntervalSince1970: 1_772_474_400)

    func dispatcher(
        _ store: IncidentStore, clock: TestClock, limits: WebhookDispatcher.Limits = .init(), links: WebhookLinks = .init(),
        metrics: ServerMetrics? = nil
    ) -> WebhookDispatcher {
        var options = CurlTransport.Options()
        options.policy = AddressPolicy(allowlist: [AddressPolicy.Network("127.0.0.1/32")!])
        var logger = Logger(label: "dispatcher")
        logger.logLevel = .critical
        return WebhookDispatcher(
            store: store, transport: CurlTransport(options: options), clock: clock.function, random: { 0.5 },
            logger: logger, limits: limits, intervals: .init(poll: .milliseconds(20)), links: links, metrics: metrics)
    }

    func subscribe(_ store: IncidentStore, port: Int, format: String = "json") async throws -> StoredWebhook {
        var random = SystemRandomNumberGenerator()
        return try await store.createWebhook(
            url: "http://127.0.0.1:\(port)/hook", format: format, incidentID: nil,
            events: ["obligation.reminder", "obligation.overdue"], secret: WebhookSigner.newSecret(using: &random), actor: "test")
    }

    func reminder(_ hook: StoredWebhook, incident: String = "inc_test", obligation: String? = "US-CA/individuals", due: Date) -> PlannedDelivery {
        let event = WebhookEvent(
            type: .reminder, incidentID: incident, incidentTitle: "test", obligationID: obligation, jurisdiction: "US-CA",
            recipient: "Affected California residents", citation: "Cal. Civ. Code § 1798.82(a)", deadlineKind: "fixed",
            due: due.addingTimeInterval(86_400), deadlineText: "30 calendar days from discovery", timeZone: ZonedTime.utc, at: due)
        return PlannedDelivery(
            webhookID: hook.id, incidentID: incident, obligationID: obligation, event: "obligation.reminder", dueAt: due,
            payload: event.payloadJSON())
    }

    /// A fresh database on the test clock and a receiver on a free port, for one test.
    func withOutbox(_ body: @Sendable (IncidentStore, TestClock, Receiver, Int) async throws -> Void) async throws {
        let server = try await TestServer.make()
        defer { server.remove() }
        let clock = TestClock(Self.start)
        let store = try IncidentStore(path: server.database, clock: clock.function)
        try await Receiver.with { receiver, port in try await body(store, clock, receiver, port) }
    }

    /// Waits (up to `seconds`) for `condition`; the suite never sleeps a fixed time.
    func eventually(_ seconds: Double = 10, _ condition: () async throws -> Bool) async throws -> Bool {
        let limit = Date().addingTimeInterval(seconds)
        while Date() < limit {
            if try await condition() { return true }
            try await Task.sleep(for: .milliseconds(10))
        }
        return false
    }

    /// Before: while one message was in flight to a slow receiver, nothing new started, and results
    /// were saved when the whole batch ended. Now a message that falls due meanwhile for another
    /// subscription is sent and recorded while the slow one is still in flight.
    @Test func aSlowReceiverHoldsBackOnlyItsOwnMessages() async throws {
        try await withOutbox { store, clock, slow, slowPort in
            await slow.setDelay(.seconds(5))
            try await Receiver.with { fast, fastPort in
                let slowHook = try await subscribe(store, port: slowPort)
                let fastHook = try await subscribe(store, port: fastPort)
                _ = try await store.enqueue(reminder(slowHook, due: Self.start))
                let dispatcher = dispatcher(store, clock: clock)
                let running = Task { try await dispatcher.run() }
                defer { running.cancel() }
                #expect(try await eventually { await slow.inFlight == 1 })
                // Falls due while the slow one is in flight.
                let id = try await store.enqueue(reminder(fastHook, due: Self.start))
                #expect(
                    try await eventually {
                        try await store.deliveries(webhookID: fastHook.id).first { $0.id == id }?.state == "delivered"
                    })
                #expect(await slow.inFlight == 1, "the fast message was sent and recorded while the slow one was still in flight")
                #expect(try await store.deliveries(webhookID: slowHook.id).first?.state == "sending")
            }
        }
    }

    /// The rescue looks for dead workers' claims every 10 s, or every `rescueAfter` when shorter:
    /// with `--webhook-rescue-after 1` a claim was rescued up to 10 s late (the SIGKILL test waited
    /// 10 of its 11.5 s for it; now 2.4 s).
    @Test(arguments: [(60.0, 10.0), (10, 10), (1, 1), (3, 3)])
    func rescueRunsAsOftenAsAClaimCanExpire(rescueAfter: Double, every: Double) {
        #expect(WebhookDispatcher.Intervals(rescueAfter: rescueAfter).rescueEvery == every)
        #expect(WebhookDispatcher.Intervals(rescueEvery: 30, rescueAfter: rescueAfter).rescueEvery == 30)
    }

    /// At most `perHost` messages are in flight to one host; all are delivered.
    @Test func concurrencyIsCappedPerHost() async throws {
        try await withOutbox { store, clock, receiver, port in
            await receiver.setDelay(.milliseconds(200))
            let hook = try await subscribe(store, port: port)
            for index in 0..<8 { _ = try await store.enqueue(reminder(hook, incident: "inc_\(index)", due: Self.start)) }
            let dispatcher = dispatcher(store, clock: clock, limits: .init(inFlight: 64, perHost: 2))
            let running = Task { try await dispatcher.run() }
            defer { running.cancel() }
            #expect(try await eventually { await receiver.received.count == 8 })
            #expect(await receiver.mostInFlight == 2)
        }
    }

    /// After an outage, the reminders for one deadline that fell due meanwhile collapse into the
    /// newest; the others are cancelled, not sent, and say why. Another deadline's reminder is sent.
    @Test func remindersDueTogetherCollapseIntoOne() async throws {
        try await withOutbox { store, clock, receiver, port in
            let hook = try await subscribe(store, port: port)
            var ids: [String] = []
            for hours in [4.0, 24, 72] {
                ids.append(try await store.enqueue(reminder(hook, due: Self.start.addingTimeInterval(hours * 3600))))
            }
            let other = try await store.enqueue(reminder(hook, obligation: "US-CA/regulator", due: Self.start.addingTimeInterval(3600)))
            clock.advance(to: Self.start.addingTimeInterval(100 * 3600))
            #expect(try await dispatcher(store, clock: clock).runOnce() == 2)
            let deliveries = try await store.deliveries(webhookID: hook.id)
            let state = { (id: String) in deliveries.first { $0.id == id } }
            #expect(state(ids[2])?.state == "delivered")
            #expect(state(other)?.state == "delivered")
            for id in ids.prefix(2) {
                #expect(state(id)?.state == "cancelled")
                #expect(state(id)?.lastError?.contains("collapsed") == true)
            }
            #expect(await receiver.received.count == 2)
        }
    }

    /// Links are built when a message is sent, from the settings then: a JSON message (read by a
    /// program with an API key) links to the API resource; a chat message, read by a person who would
    /// get a 401 there, carries no link while there is no page a person can open.
    @Test func linksAreBuiltWhenSentAndLeftOutOfChat() async throws {
        try await withOutbox { store, clock, receiver, port in
            let json = try await subscribe(store, port: port)
            let slack = try await subscribe(store, port: port, format: "slack")
            _ = try await store.enqueue(reminder(json, due: Self.start))
            _ = try await store.enqueue(reminder(slack, due: Self.start))
            let links = WebhookLinks(publicURL: "https://breachclock.example")
            #expect(try await dispatcher(store, clock: clock, links: links).runOnce() == 2)
            let bodies = await receiver.received.map { String(decoding: $0.body, as: UTF8.self) }
            #expect(bodies.filter { $0.contains("https://breachclock.example/v1/incidents/inc_test") }.count == 1)
            #expect(bodies.filter { $0.contains("\"blocks\"") && !$0.contains("breachclock.example") }.count == 1, "\(bodies)")
        }
    }

    /// `/metrics` shows the outbox by state and the delivery lateness (issue 12).
    @Test func metricsShowTheOutbox() async throws {
        try await withOutbox { store, clock, receiver, port in
            await receiver.setScript([(.ok, nil, ""), (.internalServerError, nil, "")])
            let hook = try await subscribe(store, port: port)
            for index in 0..<3 {
                _ = try await store.enqueue(reminder(hook, incident: "inc_\(index)", due: Self.start.addingTimeInterval(Double(index) * 60)))
            }
            let metrics = ServerMetrics()
            let before = try await metrics.exposition(store: store, now: Self.start)
            #expect(before.contains(#"breachclock_webhook_outbox{state="due"} 1"#), "\(before)")
            #expect(before.contains(#"breachclock_webhook_outbox{state="scheduled"} 2"#))
            clock.advance(to: Self.start.addingTimeInterval(90))
            #expect(try await dispatcher(store, clock: clock, metrics: metrics).runOnce() == 2)
            let after = try await metrics.exposition(store: store, now: clock.now)
            #expect(after.contains(#"breachclock_webhook_outbox{state="delivered"} 1"#), "\(after)")
            #expect(after.contains(#"breachclock_webhook_outbox{state="scheduled"} 2"#), "one retry and one not yet due")
            #expect(after.contains(#"breachclock_webhook_attempts_total{outcome="delivered"} 1"#))
            #expect(after.contains(#"breachclock_webhook_attempts_total{outcome="retry"} 1"#))
            #expect(after.contains("breachclock_webhook_delivery_lateness_seconds_count 1"))
        }
    }
}
