import BreachClockStore
import BreachClockWebhooks
import Foundation
import Logging
import ServiceLifecycle

/// Sends the outbox: claims due messages, renders and signs them, sends them through libcurl, records
/// every attempt and what follows (delivered, retry at, failed, subscription disabled). At least once:
/// a message claimed by a worker that died is returned to the queue after `rescueAfter`, and a
/// redelivery keeps its `webhook-id`.
public final class WebhookDispatcher: Service, Sendable {
    let store: IncidentStore
    let transport: CurlTransport
    let policy: RetryPolicy
    let clock: @Sendable () -> Date
    let random: @Sendable () -> Double
    let worker: String
    let logger: Logger
    /// Messages claimed at once.
    let batchSize: Int
    /// A claim older than this is taken to be a dead worker's (one attempt takes 15 s at most).
    let rescueAfter: TimeInterval

    public init(store: IncidentStore, transport: CurlTransport, policy: RetryPolicy = RetryPolicy(),
        clock: @escaping @Sendable () -> Date = Date.init, random: @escaping @Sendable () -> Double = { Double.random(in: 0..<1) },
        logger: Logger, batchSize: Int = 500, rescueAfter: TimeInterval = 60)
    {
        self.store = store
        self.transport = transport
        self.policy = policy
        self.clock = clock
        self.random = random
        self.worker = IncidentStore.newID("wrk")
        self.logger = logger
        self.batchSize = batchSize
        self.rescueAfter = rescueAfter
    }

    public func run() async throws {
        defer { transport.shutdown() }
        try await cancelWhenGracefulShutdown { [self] in
            var lastRescue = Date.distantPast
            while !Task.isCancelled {
                if clock().timeIntervalSince(lastRescue) > 10 {
                    lastRescue = clock()
                    let rescued = (try? await store.rescueStuck(claimedBefore: clock().addingTimeInterval(-rescueAfter))) ?? 0
                    if rescued > 0 { logger.notice("returned stuck webhook messages to the queue", metadata: ["count": "\(rescued)"]) }
                }
                let sent = (try? await runOnce()) ?? 0
                if sent == 0 { try? await Task.sleep(for: .milliseconds(100)) }
            }
        }
    }

    /// Claims one batch of due messages and sends them all at once; returns how many.
    @discardableResult
    public func runOnce() async throws -> Int {
        let batch = try await store.claimDue(now: clock(), limit: batchSize, worker: worker)
        let records = await withTaskGroup(of: IncidentStore.AttemptRecord.self) { group in
            for delivery in batch { group.addTask { await self.deliver(delivery) } }
            return await group.reduce(into: []) { $0.append($1) }
        }
        do {
            try await store.recordAttempts(records)
        } catch {
            // The claims stay; the rescuer returns the messages to the queue and they are sent again (at least once).
            logger.error("could not record webhook attempts", metadata: ["count": "\(records.count)"])
        }
        return batch.count
    }

    /// Sends one message and says what follows; the batch's results are recorded together.
    func deliver(_ delivery: ClaimedDelivery) async -> IncidentStore.AttemptRecord {
        let attempt = delivery.attempts + 1
        let now = clock()
        guard let format = WebhookFormat(rawValue: delivery.webhook.format), let event = WebhookEvent(payload: delivery.payload, at: now) else {
            return IncidentStore.AttemptRecord(deliveryID: delivery.id, webhookID: delivery.webhook.id, attempt: attempt, startedAt: now,
                duration: .zero, status: nil, error: "unreadable message", update: .failed(reason: "unreadable message"))
        }
        let request = format.request(url: delivery.webhook.url, event: event, messageID: delivery.id, secret: delivery.webhook.secret)
        let outcome = await transport.send(request)
        let decision = policy.decide(after: outcome.result, attempt: attempt, now: clock(), random: random())
        var status: Int? = nil
        var error: String? = nil
        switch outcome.result {
        case .response(let code, _):
            status = code
            if !(200..<300).contains(code) { error = "HTTP \(code)" }
        case .transportError(_, let message): error = message
        case .blockedByPolicy(let why): error = "blocked by policy: \(why)"
        }
        let update: DeliveryUpdate
        switch decision {
        case .delivered: update = .delivered
        case .retry(let at): update = .retry(at: at)
        case .giveUp(let reason): update = .failed(reason: reason)
        case .disable(let reason): update = .disableWebhook(reason: reason)
        }
        // Log the host only: a Slack or Teams URL is itself a credential.
        logger.debug("webhook attempt", metadata: ["delivery": "\(delivery.id)", "host": "\(URLComponents(string: delivery.webhook.url)?.host ?? "?")",
            "attempt": "\(attempt)", "status": "\(status.map(String.init) ?? "-")"])
        return IncidentStore.AttemptRecord(deliveryID: delivery.id, webhookID: delivery.webhook.id, attempt: attempt, startedAt: now,
            duration: outcome.duration, status: status, error: error, update: update)
    }
}
