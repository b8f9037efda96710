import BreachClockJSON
import BreachClockStore
import Foundation

// The API's answers as Codable types, encoded by `JSONEncoder.breachclock` (compact, keys sorted).
// Members the contract shows as `null` are `@NullEncoded`; plain optionals are left out when absent.
// Three answers embed stored JSON text verbatim and stay on `OrderedJSON`: the incident (its facts
// and assessment), its history (each revision's assessment) and its audit trail (`before` and
// `after`, the exact text the chain's hashes cover). Codable cannot write raw JSON text, and
// decoding it to re-encode would cost a parse per answer and show auditors other bytes than the
// ones hashed.

/// `GET /healthz`, `GET /readyz`.
struct StatusBody: Encodable, Sendable {
    var status: String
    var rules: String?
}

/// An incident without its facts and assessment, as listed.
struct IncidentSummaryBody: Encodable, Sendable {
    var id: String
    var title: String
    var status: String
    var revision: Int
    var createdAt: String
    var updatedAt: String
    var closedAt: String?

    init(_ incident: StoredIncident) {
        id = incident.id
        title = incident.title
        status = incident.status.rawValue
        revision = incident.revision
        createdAt = Routes.instant(incident.createdAt)
        updatedAt = Routes.instant(incident.updatedAt)
        closedAt = incident.closedAt.map(Routes.instant)
    }
}

/// `GET /v1/incidents`: a page, and the cursor of the next (null on the last).
struct IncidentPageBody: Encodable, Sendable {
    var incidents: [IncidentSummaryBody]
    @NullEncoded var next: String?
}

/// `GET /v1/incidents/{id}/notices`.
struct NoticeListBody: Encodable, Sendable {
    struct Notice: Encodable, Sendable {
        var id: String
        var obligation: String
        var sentAt: String
        var method: String
        @NullEncoded var reference: String?
        var recordedAt: String
        var recordedBy: String
    }

    var notices: [Notice]

    init(_ notices: [StoredNotice]) {
        self.notices = notices.map { notice in
            Notice(
                id: notice.id, obligation: notice.obligationID, sentAt: Routes.instant(notice.sentAt), method: notice.method,
                reference: notice.reference, recordedAt: Routes.instant(notice.recordedAt), recordedBy: notice.recordedBy)
        }
    }
}

/// `GET /v1/incidents/{id}/decisions`.
struct DecisionListBody: Encodable, Sendable {
    struct Decision: Encodable, Sendable {
        var id: String
        var kind: String
        @NullEncoded var obligation: String?
        var outcome: String
        @NullEncoded var rationale: String?
        var owner: String
        var decidedAt: String
        var recordedBy: String
    }

    var decisions: [Decision]

    init(_ decisions: [StoredDecision]) {
        self.decisions = decisions.map { decision in
            Decision(
                id: decision.id, kind: decision.kind, obligation: decision.obligationID, outcome: decision.outcome,
                rationale: decision.rationale, owner: decision.owner, decidedAt: Routes.instant(decision.decidedAt),
                recordedBy: decision.recordedBy)
        }
    }
}

/// `GET /v1/jurisdictions`.
struct JurisdictionListBody: Encodable, Sendable {
    struct Jurisdiction: Encodable, Sendable {
        var code: String
        var name: String
        var law: String
        var reviewed: String
        var versions: [String]
    }

    var rulesDigest: String
    var jurisdictions: [Jurisdiction]
}

/// An API key as shown: never the key, but once, when it is made (`key`).
struct KeyBody: Encodable, Sendable {
    var id: String
    var name: String
    var role: String
    var createdAt: String
    @NullEncoded var revokedAt: String?
    /// Only in the answer that creates the key.
    var key: String?

    init(_ record: StoredAPIKey, key: String? = nil) {
        id = record.id
        name = record.name
        role = record.role.rawValue
        createdAt = Routes.instant(record.createdAt)
        revokedAt = record.revokedAt.map(Routes.instant)
        self.key = key
    }
}

/// `GET /v1/keys`.
struct KeyListBody: Encodable, Sendable {
    var keys: [KeyBody]
}

/// A webhook subscription as shown: never its secret, but once, when it is made (`secret`).
struct WebhookBody: Encodable, Sendable {
    struct Schedule: Encodable, Sendable {
        var before: [String]
        var halfWindow: Bool
        @NullEncoded var overdueEvery: String?
        @NullEncoded var nudgeEvery: String?
    }

    var id: String
    var url: String
    var format: String
    @NullEncoded var incident: String?
    var events: [String]
    var schedule: Schedule
    var createdAt: String
    @NullEncoded var disabledAt: String?
    @NullEncoded var disabledReason: String?
    @NullEncoded var failingSince: String?
    /// Only in the answer that creates the subscription.
    var secret: String?

    init(_ hook: StoredWebhook, secret: String? = nil) {
        id = hook.id
        url = hook.url
        format = hook.format
        incident = hook.incidentID
        events = hook.events
        schedule = Schedule(
            before: hook.schedule.before.map(Routes.durationText), halfWindow: hook.schedule.halfWindow,
            overdueEvery: hook.schedule.overdueEvery.map(Routes.durationText), nudgeEvery: hook.schedule.nudgeEvery.map(Routes.durationText))
        createdAt = Routes.instant(hook.createdAt)
        disabledAt = hook.disabledAt.map(Routes.instant)
        disabledReason = hook.disabledReason
        failingSince = hook.failingSince.map(Routes.instant)
        self.secret = secret
    }
}

/// `GET /v1/webhooks`.
struct WebhookListBody: Encodable, Sendable {
    var webhooks: [WebhookBody]
}

/// `POST /v1/webhooks/{id}/test`: the message queued.
struct DeliveryAcceptedBody: Encodable, Sendable {
    var delivery: String
}

/// `GET /v1/webhooks/{id}/deliveries`: the subscription and its messages, each with its attempts.
struct DeliveriesBody: Encodable, Sendable {
    struct Attempt: Encodable, Sendable {
        var attempt: Int
        var startedAt: String
        var durationMs: Int
        @NullEncoded var status: Int?
        @NullEncoded var error: String?
    }

    struct Delivery: Encodable, Sendable {
        var id: String
        var incident: String
        @NullEncoded var obligation: String?
        var event: String
        var dueAt: String
        var state: String
        @NullEncoded var nextAttemptAt: String?
        @NullEncoded var deliveredAt: String?
        @NullEncoded var lastError: String?
        var attempts: [Attempt]
    }

    var webhook: WebhookBody
    var deliveries: [Delivery]

    init(_ hook: StoredWebhook, _ deliveries: [DeliveryRecord]) {
        webhook = WebhookBody(hook)
        self.deliveries = deliveries.map { d in
            Delivery(
                id: d.id, incident: d.incidentID, obligation: d.obligationID, event: d.event, dueAt: Routes.instant(d.dueAt), state: d.state,
                nextAttemptAt: d.nextAttemptAt.map(Routes.instant), deliveredAt: d.deliveredAt.map(Routes.instant), lastError: d.lastError,
                attempts: d.attempts.map { a in
                    Attempt(
                        attempt: a.attempt, startedAt: Routes.instant(a.startedAt), durationMs: a.durationMilliseconds, status: a.status,
                        error: a.error)
                })
        }
    }
}

/// An RFC 9457 problem+json body. Optional members are left out when absent.
struct ProblemBody: Encodable, Sendable {
    struct FieldError: Encodable, Sendable {
        var field: String
        var message: String
    }

    var type = "about:blank"
    var title: String
    var status: Int
    var detail: String?
    var instance: String
    var errors: [FieldError]?
    var requestId: String?
}
