import BreachClockCalculator
import BreachClockJSON
import Foundation

/// When a subscription's reminders go out, relative to each deadline.
public struct ReminderSchedule: Sendable, Equatable {
    /// Reminders this long before a fixed deadline (default 72 h, 24 h, 4 h).
    public var before: [TimeInterval] = [72 * 3_600, 24 * 3_600, 4 * 3_600]
    /// A reminder halfway between the clock's start and the deadline.
    public var halfWindow = true
    /// While overdue, a message this often (default daily); nil: only at the deadline.
    public var overdueEvery: TimeInterval? = 86_400
    /// For obligations with no fixed limit, a nudge this often until the notice is recorded (default weekly).
    public var nudgeEvery: TimeInterval? = 7 * 86_400

    public init() {}

    /// The stored column's text (see `StoredJSON.swift`); numbers only, so encoding cannot fail.
    public var json: String { (try? JSONEncoder.text(self)) ?? "{}" }

    /// Reads the stored column; text that is not a schedule gives the defaults.
    public init(json text: String) {
        self = (try? JSONDecoder.decode(ReminderSchedule.self, from: text)) ?? ReminderSchedule()
    }
}

/// A webhook subscription. The secret signs `json` messages; it is kept to sign, never logged.
public struct StoredWebhook: Sendable {
    public var id: String
    public var url: String
    public var format: String
    /// Nil: every incident.
    public var incidentID: String?
    public var events: [String]
    public var schedule: ReminderSchedule
    public var secret: String
    public var createdAt: Date
    public var disabledAt: Date?
    public var disabledReason: String?
    public var failingSince: Date?

    public func wants(_ event: String, incident: String) -> Bool {
        disabledAt == nil && (incidentID == nil || incidentID == incident) && events.contains(event)
    }

    /// The destination host, lower-cased: the unit the dispatcher caps concurrency by (several
    /// Slack subscriptions share hooks.slack.com).
    public var host: String { URLComponents(string: url)?.host?.lowercased() ?? url }
}

/// A message to send at `dueAt`; `payload` is the event's data as JSON, rendered when sent.
public struct PlannedDelivery: Sendable {
    public var webhookID: String
    public var incidentID: String
    public var obligationID: String?
    public var event: String
    public var dueAt: Date
    public var payload: String

    public init(webhookID: String, incidentID: String, obligationID: String?, event: String, dueAt: Date, payload: String) {
        self.webhookID = webhookID
        self.incidentID = incidentID
        self.obligationID = obligationID
        self.event = event
        self.dueAt = dueAt
        self.payload = payload
    }
}

/// A delivery claimed by a dispatcher, with its subscription.
public struct ClaimedDelivery: Sendable {
    public var id: String
    public var webhook: StoredWebhook
    public var incidentID: String
    public var obligationID: String?
    public var event: String
    public var dueAt: Date
    public var payload: String
    public var attempts: Int
}

/// How an attempt ended, for the outbox.
public enum DeliveryUpdate: Sendable {
    case delivered
    case retry(at: Date)
    case failed(reason: String)
    case disableWebhook(reason: String)
}

/// A delivery and its attempts, for `GET /v1/webhooks/{id}/deliveries`.
public struct DeliveryRecord: Sendable {
    public struct Attempt: Sendable {
        public var attempt: Int
        public var startedAt: Date
        public var durationMilliseconds: Int
        public var status: Int?
        public var error: String?
    }

    public var id: String
    public var incidentID: String
    public var obligationID: String?
    public var event: String
    public var dueAt: Date
    public var state: String
    public var attempts: [Attempt]
    public var nextAttemptAt: Date?
    public var deliveredAt: Date?
    public var lastError: String?
}

/// Kinds of message that a re-plan replaces (the time-based reminders); one-off events are kept.
let replannedEvents = ["obligation.reminder", "obligation.overdue"]

extension IncidentStore {
    /// A subscription stops after failing for this long (the retry schedule spans about 75 hours).
    public static let disableAfterFailing: TimeInterval = 5 * 86_400

    public func createWebhook(
        url: String, format: String, incidentID: String?, events: [String], schedule: ReminderSchedule = ReminderSchedule(),
        secret: String, actor: String
    ) async throws -> StoredWebhook {
        let id = Self.newID("whk")
        let now = clock()
        let eventsJSON = try JSONEncoder.text(events)
        try await engine.write { db in
            try await db.execute(
                "INSERT INTO webhook (id, url, format, incident_id, events, schedule, secret, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [id, url, format, incidentID, eventsJSON, schedule.json, secret, Self.text(now)])
            let after = try JSONEncoder.text(
                WebhookCreatedLine(id: id, host: URLComponents(string: url)?.host ?? "", format: format, events: events))
            try await AuditChain.append(db, at: now, actor: actor, action: "webhook.create", incidentID: incidentID, before: nil, after: after)
        }
        return StoredWebhook(
            id: id, url: url, format: format, incidentID: incidentID, events: events, schedule: schedule, secret: secret,
            createdAt: now)
    }

    static func webhook(_ row: SQLRow) throws -> StoredWebhook {
        let eventsText: String = try row["events"]
        let events = try JSONDecoder.decode([String].self, from: eventsText)
        return StoredWebhook(
            id: try row["id"], url: try row["url"], format: try row["format"], incidentID: try row["incident_id"],
            events: events, schedule: ReminderSchedule(json: try row["schedule"]), secret: try row["secret"],
            createdAt: try row.date("created_at"), disabledAt: try row.optionalDate("disabled_at"),
            disabledReason: try row["disabled_reason"], failingSince: try row.optionalDate("failing_since"))
    }

    public func webhooks() async throws -> [StoredWebhook] {
        try await engine.read { db in
            try await db.query("SELECT * FROM webhook WHERE deleted_at IS NULL ORDER BY created_at, id").map(Self.webhook)
        }
    }

    public func webhook(id: String) async throws -> StoredWebhook? {
        try await engine.read { db in
            try await db.queryOne("SELECT * FROM webhook WHERE id = ? AND deleted_at IS NULL", [id]).map(Self.webhook)
        }
    }

    /// Deletes a subscription: it stops at once, what it had planned is cancelled, and the API no
    /// longer shows it (a second delete is `notFound`). The row stays for its deliveries' history.
    public func deleteWebhook(id: String, actor: String) async throws {
        let now = clock()
        try await engine.write { db in
            guard try await db.queryOne("SELECT id FROM webhook WHERE id = ? AND deleted_at IS NULL", [id]) != nil else {
                throw StoreError.notFound
            }
            try await Self.disable(db, webhookID: id, reason: "deleted by \(actor)", at: now)
            try await db.execute("UPDATE webhook SET deleted_at = ? WHERE id = ?", [Self.text(now), id])
            try await AuditChain.append(
                db, at: now, actor: actor, action: "webhook.delete", incidentID: nil, before: nil,
                after: try JSONEncoder.text(IdentifierLine(id: id)))
        }
    }

    static func disable(_ db: any SQLSession, webhookID: String, reason: String, at now: Date) async throws {
        try await db.execute(
            "UPDATE webhook SET disabled_at = coalesce(disabled_at, ?), disabled_reason = coalesce(disabled_reason, ?) WHERE id = ?",
            [text(now), reason, webhookID])
        try await db.execute("UPDATE webhook_delivery SET state = 'cancelled' WHERE webhook_id = ? AND state = 'planned'", [webhookID])
    }

    /// Replaces an incident's planned reminders inside the caller's transaction; `plan` sees the
    /// active subscriptions.
    ///
    /// Reminders are kept, not deleted: one planned again at the same time for the same deadline and
    /// subscription keeps its row and id (its text is refreshed); one no longer planned (a notice was
    /// recorded, the deadline moved) is marked cancelled with `reason`, so the deliveries log shows
    /// what was planned and why it was not sent.
    static func replan(_ db: any SQLSession, incidentID: String, reason: String, plan: ([StoredWebhook]) -> [PlannedDelivery]) async throws {
        let webhooks = try await db.query("SELECT * FROM webhook WHERE disabled_at IS NULL").map(webhook)
        struct Key: Hashable {
            var webhook: String
            var obligation: String?
            var event: String
            var due: String
        }
        var existing: [Key: String] = [:]
        for row in try await db.query(
            """
            SELECT id, webhook_id, obligation_id, event, due_at FROM webhook_delivery
            WHERE incident_id = ? AND state = 'planned' AND attempts = 0 AND event IN ('obligation.reminder', 'obligation.overdue')
            """, [incidentID])
        {
            existing[Key(webhook: try row["webhook_id"], obligation: try row["obligation_id"], event: try row["event"], due: try row["due_at"])] =
                try row["id"]
        }
        var fresh: [PlannedDelivery] = []
        for delivery in plan(webhooks) {
            let key = Key(webhook: delivery.webhookID, obligation: delivery.obligationID, event: delivery.event, due: text(delivery.dueAt))
            if let id = existing.removeValue(forKey: key) {
                try await db.execute("UPDATE webhook_delivery SET payload = ? WHERE id = ?", [delivery.payload, id])
            } else {
                fresh.append(delivery)
            }
        }
        for id in existing.values.sorted() {
            try await db.execute("UPDATE webhook_delivery SET state = 'cancelled', last_error = ? WHERE id = ?", ["cancelled: \(reason)", id])
        }
        for delivery in fresh { try await insert(db, delivery, id: newID("msg")) }
    }

    static func insert(_ db: any SQLSession, _ delivery: PlannedDelivery, id: String) async throws {
        try await db.execute(
            """
            INSERT INTO webhook_delivery (id, webhook_id, incident_id, obligation_id, event, due_at, payload, state, next_attempt_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, 'planned', ?)
            """,
            [
                id, delivery.webhookID, delivery.incidentID, delivery.obligationID, delivery.event, text(delivery.dueAt), delivery.payload,
                text(delivery.dueAt),
            ])
    }

    /// Claims up to `limit` deliveries due by `now` for `worker`, oldest due first, in one write
    /// transaction. At most `perHost` messages per destination host are in flight at once: `busy`
    /// counts the caller's messages already in flight by host; the subscriptions of a host at its cap
    /// are left out of the search, so that a slow receiver holds back only its own messages. With
    /// `collapse`, reminders due together for one deadline are collapsed first (`collapseReminders`).
    /// On PostgreSQL the search locks what it finds and skips what another dispatcher has locked
    /// (`FOR UPDATE SKIP LOCKED`), so dispatchers on several instances claim disjoint sets.
    public func claimDue(now: Date, limit: Int, worker: String, perHost: Int = .max, busy: [String: Int] = [:], collapse: Bool = true)
        async throws -> [ClaimedDelivery]
    {
        guard limit > 0 else { return [] }
        let claimLock = engine.dialect.claimLock
        return try await engine.write { db in
            if collapse { try await Self.collapseReminders(db, now: now) }
            let full = Set(busy.filter { $0.value >= perHost }.keys)
            let skipped =
                full.isEmpty
                ? []
                : try await db.query("SELECT * FROM webhook").map(Self.webhook)
                    .filter { full.contains($0.host) }.map(\.id)
            // An index range scan on the due time that stops after a few times `limit` rows: the cost
            // does not grow with the backlog.
            let placeholders = skipped.isEmpty ? "" : " AND webhook_id NOT IN (" + skipped.map { _ in "?" }.joined(separator: ", ") + ")"
            let arguments: [any SQLBindable] = [Self.text(now)] + skipped + [limit * 2]
            let candidates = try await db.query(
                """
                SELECT id, webhook_id FROM webhook_delivery WHERE state = 'planned' AND next_attempt_at <= ?\(placeholders)
                ORDER BY next_attempt_at LIMIT ?\(claimLock)
                """, arguments)
            var hooks: [String: StoredWebhook] = [:]
            var inFlight = busy
            var chosen: [String] = []
            for row in candidates where chosen.count < limit {
                let webhookID: String = try row["webhook_id"]
                if hooks[webhookID] == nil {
                    hooks[webhookID] = try await db.queryOne("SELECT * FROM webhook WHERE id = ?", [webhookID]).map(Self.webhook)
                }
                guard let hook = hooks[webhookID] else { continue }
                let host = hook.host
                guard inFlight[host, default: 0] < perHost else { continue }
                inFlight[host, default: 0] += 1
                chosen.append(try row["id"])
            }
            return try await Self.markSending(db, ids: chosen, now: now, worker: worker, hooks: hooks)
        }
    }

    /// Marks planned deliveries as being sent by `worker`, in one statement, and returns them in the
    /// order of `ids` with their subscriptions (`hooks` are those already read; others are read now).
    static func markSending(_ db: any SQLSession, ids: [String], now: Date, worker: String, hooks known: [String: StoredWebhook] = [:])
        async throws -> [ClaimedDelivery]
    {
        guard !ids.isEmpty else { return [] }
        let rows = try await db.query(
            """
            UPDATE webhook_delivery SET state = 'sending', claimed_at = ?, claimed_by = ?
            WHERE id IN (\(ids.map { _ in "?" }.joined(separator: ", "))) AND state = 'planned'
            RETURNING id, webhook_id, incident_id, obligation_id, event, due_at, payload, attempts
            """, [text(now), worker] + ids)
        var hooks = known
        let order = Dictionary(uniqueKeysWithValues: ids.enumerated().map { ($1, $0) })
        var claimed: [ClaimedDelivery] = []
        for row in rows {
            let webhookID: String = try row["webhook_id"]
            if hooks[webhookID] == nil {
                hooks[webhookID] = try await db.queryOne("SELECT * FROM webhook WHERE id = ?", [webhookID]).map(webhook)
            }
            guard let hook = hooks[webhookID] else { continue }
            claimed.append(
                ClaimedDelivery(
                    id: try row["id"], webhook: hook, incidentID: try row["incident_id"],
                    obligationID: try row["obligation_id"], event: try row["event"], dueAt: try row.date("due_at"), payload: try row["payload"],
                    attempts: try row["attempts"]))
        }
        return claimed.sorted { order[$0.id, default: 0] < order[$1.id, default: 0] }
    }

    /// Reminders are about the time left, so only the newest matters: when several reminders for
    /// the same deadline and subscription are due at once (the server was down), the older ones are
    /// cancelled, not sent, and say why.
    static func collapseReminders(_ db: any SQLSession, now: Date) async throws {
        try await db.execute(
            """
            UPDATE webhook_delivery SET state = 'cancelled', last_error = 'collapsed: a later reminder for the same deadline was due too'
            WHERE state = 'planned' AND next_attempt_at <= ? AND obligation_id IS NOT NULL
              AND event IN ('obligation.reminder', 'obligation.overdue')
              AND EXISTS (
                SELECT 1 FROM webhook_delivery AS later
                WHERE later.state = 'planned' AND later.webhook_id = webhook_delivery.webhook_id
                  AND later.incident_id = webhook_delivery.incident_id AND later.obligation_id = webhook_delivery.obligation_id
                  AND later.event IN ('obligation.reminder', 'obligation.overdue') AND later.next_attempt_at <= ?
                  AND (later.due_at > webhook_delivery.due_at OR (later.due_at = webhook_delivery.due_at AND later.id > webhook_delivery.id)))
            """, [text(now), text(now)])
    }

    /// Claims one planned delivery by id (a test message sent on request).
    public func claim(id: String, now: Date, worker: String) async throws -> ClaimedDelivery? {
        try await engine.write { db in try await Self.markSending(db, ids: [id], now: now, worker: worker).first }
    }

    /// Returns to the queue deliveries whose lease ran out: claimed before `before` (on the database's
    /// clock, `leaseNow`) and never finished, because their worker crashed. The message keeps its id,
    /// so the receiver sees the same `webhook-id` again.
    @discardableResult
    public func rescueStuck(claimedBefore before: Date) async throws -> Int {
        try await engine.write { db in
            try await db.query(
                """
                UPDATE webhook_delivery SET state = 'planned', claimed_at = NULL, claimed_by = NULL
                WHERE state = 'sending' AND claimed_at < ? RETURNING id
                """, [Self.text(before)]
            ).count
        }
    }

    /// One attempt to record: which message, how it went, and what follows.
    public struct AttemptRecord: Sendable {
        public var deliveryID: String
        public var webhookID: String
        public var attempt: Int
        public var startedAt: Date
        public var duration: Duration
        public var status: Int?
        public var error: String?
        public var update: DeliveryUpdate

        public init(
            deliveryID: String, webhookID: String, attempt: Int, startedAt: Date, duration: Duration, status: Int?, error: String?,
            update: DeliveryUpdate
        ) {
            self.deliveryID = deliveryID
            self.webhookID = webhookID
            self.attempt = attempt
            self.startedAt = startedAt
            self.duration = duration
            self.status = status
            self.error = error
            self.update = update
        }
    }

    /// Records a batch of attempts in one transaction (one disk sync for a whole dispatcher batch).
    public func recordAttempts(_ records: [AttemptRecord]) async throws {
        guard !records.isEmpty else { return }
        let now = clock()
        try await engine.write { db in
            // Every attempt, and the deliveries (the common case), in a few multi-row statements: one
            // round trip per 200 records on PostgreSQL, not two per record.
            var batch: [(sql: String, arguments: [any SQLBindable])] = []
            for chunk in stride(from: 0, to: records.count, by: 200).map({ records[$0..<min(records.count, $0 + 200)] }) {
                batch.append(
                    (
                        """
                        INSERT INTO webhook_attempt (delivery_id, attempt, started_at, duration_ms, status, error)
                        VALUES \(chunk.map { _ in "(?, ?, ?, ?, ?, ?)" }.joined(separator: ", "))
                        ON CONFLICT (delivery_id, attempt) DO UPDATE SET started_at = excluded.started_at, duration_ms = excluded.duration_ms,
                          status = excluded.status, error = excluded.error
                        """,
                        chunk.flatMap { record -> [any SQLBindable] in
                            [
                                record.deliveryID, record.attempt, Self.text(record.startedAt), record.duration.milliseconds, record.status,
                                record.error,
                            ]
                        }
                    ))
                let delivered = chunk.filter { if case .delivered = $0.update { true } else { false } }
                guard !delivered.isEmpty else { continue }
                batch.append(
                    (
                        """
                        UPDATE webhook_delivery SET state = 'delivered', attempts = v.column2, delivered_at = ?, last_error = NULL
                        FROM (VALUES \(delivered.map { _ in "(?, ?)" }.joined(separator: ", "))) AS v WHERE webhook_delivery.id = v.column1
                        """, [Self.text(now)] + delivered.flatMap { record -> [any SQLBindable] in [record.deliveryID, record.attempt] }
                    ))
            }
            // A delivery ends a subscription's run of failures: once per subscription in the batch.
            var cleared: Set<String> = []
            for record in records {
                guard case .delivered = record.update, cleared.insert(record.webhookID).inserted else { continue }
                batch.append(("UPDATE webhook SET failing_since = NULL WHERE id = ? AND failing_since IS NOT NULL", [record.webhookID]))
            }
            try await db.executeAll(batch)
            for record in records { try await Self.recordFailure(db, record, now: now) }
        }
    }

    /// What an attempt that did not deliver changes: the message's state, and the subscription's run of failures.
    static func recordFailure(_ db: any SQLSession, _ record: AttemptRecord, now: Date) async throws {
        switch record.update {
        case .delivered:
            return
        case .retry(let at):
            try await db.execute(
                """
                UPDATE webhook_delivery SET state = 'planned', attempts = ?, next_attempt_at = ?, last_error = ?, claimed_at = NULL, claimed_by = NULL
                WHERE id = ?
                """, [record.attempt, text(at), record.error, record.deliveryID])
            try await noteFailure(db, webhookID: record.webhookID, now: now)
        case .failed(let reason):
            try await db.execute(
                "UPDATE webhook_delivery SET state = 'failed', attempts = ?, last_error = ? WHERE id = ?",
                [record.attempt, reason, record.deliveryID])
            try await noteFailure(db, webhookID: record.webhookID, now: now)
        case .disableWebhook(let reason):
            try await db.execute(
                "UPDATE webhook_delivery SET state = 'failed', attempts = ?, last_error = ? WHERE id = ?",
                [record.attempt, reason, record.deliveryID])
            try await disable(db, webhookID: record.webhookID, reason: reason, at: now)
        }
    }

    /// A subscription that has failed for longer than `disableAfterFailing` is disabled.
    static func noteFailure(_ db: any SQLSession, webhookID: String, now: Date) async throws {
        let row = try await db.queryOne(
            "UPDATE webhook SET failing_since = coalesce(failing_since, ?) WHERE id = ? RETURNING failing_since",
            [text(now), webhookID])
        if let since = try row?.optionalDate("failing_since"), now.timeIntervalSince(since) > disableAfterFailing {
            try await disable(db, webhookID: webhookID, reason: "failing since \(text(since))", at: now)
        }
    }

    /// When the next planned message falls due (the outbox's earliest `next_attempt_at`), if any.
    /// An exercise's simulated clock jumps to it.
    public func nextPlannedAt() async throws -> Date? {
        try await engine.read { db in
            let text: String? = try await db.queryOne("SELECT min(next_attempt_at) AS next FROM webhook_delivery WHERE state = 'planned'")?["next"]
            return text.flatMap(StoredTime.date)
        }
    }

    /// A subscription's deliveries and their attempts, newest due first.
    public func deliveries(webhookID: String, limit: Int = 200) async throws -> [DeliveryRecord] {
        try await engine.read { db in
            let rows = try await db.query("SELECT * FROM webhook_delivery WHERE webhook_id = ? ORDER BY due_at DESC, id LIMIT ?", [webhookID, limit])
            var records: [DeliveryRecord] = []
            for row in rows {
                let id: String = try row["id"]
                let attempts = try await db.query("SELECT * FROM webhook_attempt WHERE delivery_id = ? ORDER BY attempt", [id]).map {
                    DeliveryRecord.Attempt(
                        attempt: try $0["attempt"], startedAt: try $0.date("started_at"), durationMilliseconds: try $0["duration_ms"],
                        status: try $0["status"], error: try $0["error"])
                }
                let state: String = try row["state"]
                records.append(
                    DeliveryRecord(
                        id: id, incidentID: try row["incident_id"], obligationID: try row["obligation_id"], event: try row["event"],
                        dueAt: try row.date("due_at"), state: state, attempts: attempts,
                        nextAttemptAt: state == "planned" ? try row.date("next_attempt_at") : nil,
                        deliveredAt: try row.optionalDate("delivered_at"), lastError: try row["last_error"]))
            }
            return records
        }
    }

    /// Plans many messages in one transaction (benchmarks and tests of a backlog); returns their ids.
    public func enqueue(all deliveries: [PlannedDelivery]) async throws -> [String] {
        let ids = deliveries.map { _ in Self.newID("msg") }
        try await engine.write { db in
            for (delivery, id) in zip(deliveries, ids) { try await Self.insert(db, delivery, id: id) }
        }
        return ids
    }

    /// Plans one message now (a test event, for instance) outside any incident change.
    public func enqueue(_ delivery: PlannedDelivery) async throws -> String {
        let id = Self.newID("msg")
        try await engine.write { db in try await Self.insert(db, delivery, id: id) }
        return id
    }
}

extension Duration {
    /// Whole milliseconds (rounded down): how the store, the API and the metrics give a duration.
    public var milliseconds: Int {
        Int(components.seconds * 1000 + components.attoseconds / 1_000_000_000_000_000)
    }
}
