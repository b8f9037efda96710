import BreachClockStore
import BreachClockWebhooks
import Foundation
import Logging
import ServiceLifecycle
import Synchronization

/// Sends the outbox: claims due messages, renders and signs them, sends them through libcurl, and
/// records each attempt as soon as it ends (delivered, retry at, failed, subscription disabled). At
/// least once: a message claimed by a worker that died is returned to the queue after `rescueAfter`,
/// and a redelivery keeps its `webhook-id`.
///
/// Deliveries run side by side: new messages are claimed whenever there is room, while others are in
/// flight, up to `limits.inFlight` in all and `limits.perHost` per destination host, so that a slow
/// receiver delays only its own messages.
public final class WebhookDispatcher: Service, Sendable {
    /// How much runs at once.
    public struct Limits: Sendable {
        /// Messages in flight at once, over all hosts.
        public var inFlight: Int
        /// Messages in flight at once to one host.
        public var perHost: Int

        /// `perHost` should match the transport's `maxConnectionsPerHost`, so that what the dispatcher
        /// starts is sent at once rather than queued inside libcurl.
        public init(inFlight: Int = 256, perHost: Int = 16) {
            self.inFlight = inFlight
            self.perHost = perHost
        }
    }

    /// How often the loop looks for work and for dead workers' claims.
    public struct Intervals: Sendable {
        /// How often to look for newly due messages when nothing ends sooner.
        public var poll: Duration
        /// How often to look for claims left by a dead worker.
        public var rescueEvery: TimeInterval
        /// A claim older than this is taken to be a dead worker's (one attempt takes 15 s at most).
        public var rescueAfter: TimeInterval

        /// - Parameter rescueEvery: by default every 10 s, or every `rescueAfter` when that is
        ///   shorter: a claim cannot be rescued sooner, and looking less often would add up to 10 s
        ///   to a short `--webhook-rescue-after` (the crash test's 1 s waited 10).
        public init(poll: Duration = .milliseconds(100), rescueEvery: TimeInterval? = nil, rescueAfter: TimeInterval = 60) {
            self.poll = poll
            self.rescueEvery = rescueEvery ?? min(10, rescueAfter)
            self.rescueAfter = rescueAfter
        }
    }

    let store: IncidentStore
    let transport: CurlTransport
    let policy: RetryPolicy
    let clock: @Sendable () -> Date
    let random: @Sendable () -> Double
    let worker: String
    let logger: Logger
    let limits: Limits
    let intervals: Intervals
    let links: WebhookLinks
    let metrics: ServerMetrics?
    /// Set on a tabletop exercise's dispatcher only: every message it sends is marked EXERCISE.
    let exercise: String?

    public init(
        store: IncidentStore, transport: CurlTransport, policy: RetryPolicy = RetryPolicy(),
        clock: @escaping @Sendable () -> Date = Date.init, random: @escaping @Sendable () -> Double = { Double.random(in: 0..<1) },
        logger: Logger, limits: Limits = Limits(), intervals: Intervals = Intervals(), links: WebhookLinks = WebhookLinks(),
        metrics: ServerMetrics? = nil, exercise: String? = nil
    ) {
        self.store = store
        self.transport = transport
        self.policy = policy
        self.clock = clock
        self.random = random
        self.worker = IncidentStore.newID("wrk")
        self.logger = logger
        self.limits = limits
        self.intervals = intervals
        self.links = links
        self.metrics = metrics
        self.exercise = exercise
    }

    /// What a child task reports back to the loop.
    enum Event: Sendable {
        /// A delivery ended (its attempt is handed to the recorder); frees a slot for `host`.
        case finished(host: String)
        /// The poll interval passed.
        case tick
    }

    public func run() async throws {
        defer { transport.shutdown() }
        // Attempts are written by one recorder as they end, many to a transaction when many end
        // together (group commit): a crash loses at most the attempts of the write in progress, and
        // the claim loop never waits for the disk.
        let recorder = AttemptRecorder()
        let recording = Task { await self.record(from: recorder) }
        try await cancelWhenGracefulShutdown { [self] in
            await withTaskGroup(of: Event.self) { group in
                // Per host: messages in flight, and claimed messages ready to start. Up to twice
                // `perHost` are claimed (in flight plus ready), so that when a delivery ends the next
                // starts at once, without a trip to the database; a ready message waits for one
                // slot, so at most one request timeout (15 s), well inside the rescue age.
                var inFlightByHost: [String: Int] = [:]
                var ready: [String: [ClaimedDelivery]] = [:]
                var inFlight = 0
                var lastRescue = Date.distantPast
                var lastCollapse = Date.distantPast
                var ticked = true
                var ticking = false
                var endedSinceClaim = 0
                // Claims are made in batches, not for every delivery that ends (a claim is a write
                // transaction): when a poll comes round, when nothing is claimed, or when half a
                // host's worth of deliveries has ended since the last claim.
                let batch = max(1, min(limits.inFlight, limits.perHost) / 2)
                func start(_ host: String) {
                    while inFlight < limits.inFlight, inFlightByHost[host, default: 0] < limits.perHost,
                        var queue = ready[host], !queue.isEmpty
                    {
                        let delivery = queue.removeFirst()
                        ready[host] = queue.isEmpty ? nil : queue
                        inFlightByHost[host, default: 0] += 1
                        inFlight += 1
                        group.addTask {
                            let record = await self.deliver(delivery)
                            await recorder.add(record, dueAt: delivery.dueAt)
                            return .finished(host: host)
                        }
                    }
                }
                while !Task.isCancelled {
                    if clock().timeIntervalSince(lastRescue) >= intervals.rescueEvery {
                        lastRescue = clock()
                        await rescue()
                    }
                    let now = leaseNow()
                    let claimedByHost = inFlightByHost.merging(ready.mapValues(\.count), uniquingKeysWith: +)
                    let claimed = claimedByHost.values.reduce(0, +)
                    let room = 2 * limits.inFlight - claimed
                    if room > 0 && (ticked || claimed == 0 || endedSinceClaim >= batch) {
                        ticked = false
                        endedSinceClaim = 0
                        let collapse = now.timeIntervalSince(lastCollapse) >= 1
                        if collapse { lastCollapse = now }
                        do {
                            let fresh = try await store.claimDue(
                                now: now, limit: room, worker: worker, perHost: 2 * limits.perHost,
                                busy: claimedByHost, collapse: collapse)
                            for delivery in fresh { ready[delivery.webhook.host, default: []].append(delivery) }
                            for host in Set(fresh.map(\.webhook.host)) { start(host) }
                        } catch {
                            logger.error("could not claim webhook messages", metadata: ["error": "\(error)"])
                        }
                    }
                    // Wait for a delivery to end or for the next poll, whichever comes first; the
                    // loop goes on claiming while slow deliveries are still in flight.
                    if !ticking {
                        ticking = true
                        let poll = intervals.poll
                        group.addTask {
                            try? await Task.sleep(for: poll)
                            return .tick
                        }
                    }
                    guard let event = await group.next() else { continue }
                    switch event {
                    case .finished(let host):
                        inFlight -= 1
                        endedSinceClaim += 1
                        inFlightByHost[host, default: 1] -= 1
                        if inFlightByHost[host] == 0 { inFlightByHost[host] = nil }
                        start(host)
                        // Another host may have been waiting for a global slot.
                        if inFlight < limits.inFlight { for other in ready.keys where other != host { start(other) } }
                    case .tick:
                        ticking = false
                        ticked = true
                    }
                }
                group.cancelAll()
            }
        }
        await recorder.finish()
        await recording.value
    }

    /// Writes the recorder's attempts until it is finished and empty.
    func record(from recorder: AttemptRecorder) async {
        while let batch = await recorder.take() {
            do {
                try await store.recordAttempts(batch.map(\.record))
            } catch {
                // The claims stay; the rescuer returns the messages to the queue and they are sent again (at least once).
                logger.error("could not record webhook attempts", metadata: ["count": "\(batch.count)", "error": "\(error)"])
            }
            for item in batch { metrics?.webhookAttempt(item.record, dueAt: item.dueAt, endedAt: clock()) }
        }
    }

    /// How far the database's clock is ahead of this host's, measured at each rescue.
    private let databaseClockOffset = Mutex<TimeInterval>(0)

    /// Now on the database's clock (this host's clock corrected by the last measured offset): claims
    /// and their leases are timed by it, so instances whose clocks differ agree on when a lease ran out.
    func leaseNow() -> Date {
        clock().addingTimeInterval(databaseClockOffset.withLock { $0 })
    }

    /// Returns dead workers' claims to the queue, and says so: those whose lease (`rescueAfter`
    /// from the claim, on the database's clock) ran out.
    func rescue() async {
        do {
            let databaseNow = try await store.leaseNow()
            databaseClockOffset.withLock { $0 = databaseNow.timeIntervalSince(clock()) }
            let rescued = try await store.rescueStuck(claimedBefore: databaseNow.addingTimeInterval(-intervals.rescueAfter))
            if rescued > 0 { logger.notice("returned stuck webhook messages to the queue", metadata: ["count": "\(rescued)"]) }
        } catch {
            logger.error("could not return stuck webhook messages to the queue", metadata: ["error": "\(error)"])
        }
    }

    /// Claims the messages due now (up to `limits.inFlight`) and sends them side by side, recording
    /// each attempt as it ends; returns how many were claimed. The run loop does the same without
    /// waiting for a batch to end; tests step through time with this.
    @discardableResult
    public func runOnce() async throws -> Int {
        let batch = try await store.claimDue(now: leaseNow(), limit: limits.inFlight, worker: worker, perHost: limits.perHost)
        await withTaskGroup(of: Void.self) { group in
            for delivery in batch { group.addTask { await self.deliverAndRecord(delivery) } }
        }
        return batch.count
    }

    /// Sends one claimed message and records the attempt at once, so that a crash afterwards never
    /// sends it again. Returns the record. With `retries: false` (a test message sent on request) a
    /// failed attempt is final instead of being retried later.
    @discardableResult
    public func deliverAndRecord(_ delivery: ClaimedDelivery, retries: Bool = true) async -> IncidentStore.AttemptRecord {
        var record = await deliver(delivery)
        if !retries {
            switch record.update {
            case .retry:
                record.update = .failed(reason: record.error.map { "\($0) (a test message is not retried)" } ?? "failed")
            case .disableWebhook where record.status == nil:
                // Blocked by the sender's own address policy: a setting of the command that sent the
                // test, not a verdict on the subscription, which the receiver gives (410).
                record.update = .failed(reason: record.error ?? "blocked by policy")
            default:
                break
            }
        }
        do {
            try await store.recordAttempts([record])
        } catch {
            // The claim stays; the rescuer returns the message to the queue and it is sent again (at least once).
            logger.error("could not record a webhook attempt", metadata: ["delivery": "\(delivery.id)", "error": "\(error)"])
        }
        metrics?.webhookAttempt(record, dueAt: delivery.dueAt, endedAt: clock())
        return record
    }

    /// Sends one message and says what follows.
    func deliver(_ delivery: ClaimedDelivery) async -> IncidentStore.AttemptRecord {
        let attempt = delivery.attempts + 1
        let now = clock()
        guard let format = WebhookFormat(rawValue: delivery.webhook.format), var event = WebhookEvent(payload: delivery.payload, at: now) else {
            return IncidentStore.AttemptRecord(
                deliveryID: delivery.id, webhookID: delivery.webhook.id, attempt: attempt, startedAt: now,
                duration: .zero, status: nil, error: "unreadable message", update: .failed(reason: "unreadable message"))
        }
        // The link is built now, from today's settings, not when the message was planned.
        event.link = links.link(incidentID: delivery.incidentID, format: format)
        if let exercise {
            event.exercise = exercise
            event.signedAt = Date()  // `now` is simulated; receivers check the signature's time against theirs
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
        logger.debug(
            "webhook attempt",
            metadata: [
                "delivery": "\(delivery.id)", "host": "\(URLComponents(string: delivery.webhook.url)?.host ?? "?")",
                "attempt": "\(attempt)", "status": "\(status.map(String.init) ?? "-")",
            ])
        return IncidentStore.AttemptRecord(
            deliveryID: delivery.id, webhookID: delivery.webhook.id, attempt: attempt, startedAt: now,
            duration: outcome.duration, status: status, error: error, update: update)
    }
}

/// Links in webhook messages, built when a message is sent (so a changed public address applies to
/// messages planned before the change).
public struct WebhookLinks: Sendable {
    /// The server's public address (`--public-url`), without a trailing slash.
    public var publicURL: String?

    public init(publicURL: String? = nil) {
        self.publicURL = publicURL
    }

    /// JSON messages, read by programs that hold an API key, link to the incident's API resource.
    /// Chat messages are read by people, who get a 401 from an API address, so they carry no link
    /// until there is a page a person can open (the web console).
    public func link(incidentID: String, format: WebhookFormat) -> String? {
        guard let base = publicURL else { return nil }
        switch format {
        case .json: return "\(base)/v1/incidents/\(incidentID)"
        case .slack, .teams: return nil
        }
    }
}

/// Attempts that ended and wait to be written; `take` hands over everything gathered so far.
actor AttemptRecorder {
    private var pending: [(record: IncidentStore.AttemptRecord, dueAt: Date)] = []
    private var waiter: CheckedContinuation<Void, Never>?
    private var finished = false

    func add(_ record: IncidentStore.AttemptRecord, dueAt: Date) {
        pending.append((record, dueAt))
        waiter?.resume()
        waiter = nil
    }

    /// No more attempts will come; `take` returns what is left, then nil.
    func finish() {
        finished = true
        waiter?.resume()
        waiter = nil
    }

    /// Everything gathered since the last call, waiting while there is nothing; nil once finished and empty.
    func take() async -> [(record: IncidentStore.AttemptRecord, dueAt: Date)]? {
        while pending.isEmpty && !finished {
            await withCheckedContinuation { waiter = $0 }
        }
        if pending.isEmpty { return nil }
        defer { pending = [] }
        return pending
    }
}
