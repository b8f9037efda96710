import Foundation

/// Whether an incident is still being handled.
public enum IncidentStatus: String, Sendable, CaseIterable {
    case open, closed
}

/// An incident as stored: its current facts and assessment (both contract JSON) and its revision,
/// which is the ETag of optimistic concurrency.
public struct StoredIncident: Sendable {
    public var id: String
    public var title: String
    public var status: IncidentStatus
    public var revision: Int
    public var factsJSON: String
    public var assessmentJSON: String
    public var createdAt: Date
    public var updatedAt: Date
    public var closedAt: Date?
}

/// One computation of an incident's assessment, with what changed since the one before and why.
public struct AssessmentRevision: Sendable {
    public var revision: Int
    public var computedAt: Date
    public var rulesDigest: String
    public var changes: [String]
    public var assessmentJSON: String
}

/// An incident's notices, decisions, revisions and audit lines, as its page lists them (`IncidentStore.activity`).
public struct IncidentActivity: Sendable {
    /// A revision's number, time and what changed, without the assessment it stored.
    public struct Revision: Sendable, Hashable {
        public var revision: Int
        public var computedAt: Date
        public var changes: [String]
    }

    /// An audit line's who, what and when, without its before, after and hashes.
    public struct AuditLine: Sendable, Hashable {
        public var seq: Int
        public var at: Date
        public var actor: String
        public var action: String
    }

    /// A notice's what, when, how and reference (who recorded it is in the audit lines).
    public struct Notice: Sendable, Hashable {
        public var id: String
        public var obligationID: String
        public var sentAt: Date
        public var method: String
        public var reference: String?
    }

    /// A decision's kind, outcome, who took it, when and why.
    public struct Decision: Sendable, Hashable {
        public var id: String
        public var kind: String
        public var obligationID: String?
        public var outcome: String
        public var rationale: String?
        public var owner: String
        public var decidedAt: Date
    }

    public var notices: [Notice]
    public var decisions: [Decision]
    public var revisions: [Revision]
    public var audit: [AuditLine]
}

/// A notice that was given.
public struct StoredNotice: Sendable {
    public var id: String
    public var incidentID: String
    public var obligationID: String
    public var sentAt: Date
    public var method: String
    public var reference: String?
    public var recordedAt: Date
    public var recordedBy: String

    public init(
        id: String, incidentID: String, obligationID: String, sentAt: Date, method: String, reference: String?,
        recordedAt: Date, recordedBy: String
    ) {
        self.id = id
        self.incidentID = incidentID
        self.obligationID = obligationID
        self.sentAt = sentAt
        self.method = method
        self.reference = reference
        self.recordedAt = recordedAt
        self.recordedBy = recordedBy
    }
}

/// A documented determination (the risk-of-harm finding, "notice not required", …).
public struct StoredDecision: Sendable {
    public var id: String
    public var incidentID: String
    public var kind: String
    public var obligationID: String?
    public var outcome: String
    public var rationale: String?
    public var owner: String
    public var decidedAt: Date
    public var recordedAt: Date
    public var recordedBy: String

    public init(
        id: String, incidentID: String, kind: String, obligationID: String?, outcome: String, rationale: String?,
        owner: String, decidedAt: Date, recordedAt: Date, recordedBy: String
    ) {
        self.id = id
        self.incidentID = incidentID
        self.kind = kind
        self.obligationID = obligationID
        self.outcome = outcome
        self.rationale = rationale
        self.owner = owner
        self.decidedAt = decidedAt
        self.recordedAt = recordedAt
        self.recordedBy = recordedBy
    }
}

/// A line of the audit chain.
public struct AuditEntry: Sendable {
    public var seq: Int
    public var at: Date
    public var actor: String
    public var action: String
    public var incidentID: String?
    public var before: String?
    public var after: String?
    public var prevHash: String
    public var hash: String
}

/// What an API key may do: viewers read, editors change incidents, admins also manage keys and webhooks.
public enum APIRole: String, Sendable, CaseIterable, Comparable {
    case viewer, editor, admin

    private var rank: Int { APIRole.allCases.firstIndex(of: self)! }
    public static func < (lhs: APIRole, rhs: APIRole) -> Bool { lhs.rank < rhs.rank }
}

/// An API key as stored: never the key itself, only its hash.
public struct StoredAPIKey: Sendable {
    public var id: String
    public var name: String
    public var role: APIRole
    public var createdAt: Date
    public var revokedAt: Date?
}

/// A fixed or open deadline of an incident's current assessment, indexed for "due before" queries.
public struct DueIndexEntry: Sendable {
    public var obligationID: String
    public var kind: String
    public var due: Date?
    public var satisfied: Bool

    public init(obligationID: String, kind: String, due: Date?, satisfied: Bool) {
        self.obligationID = obligationID
        self.kind = kind
        self.due = due
        self.satisfied = satisfied
    }
}

/// A change to an incident, worked out from the incident as it stands before the write transaction,
/// which then writes it only if the incident's revision has not moved (compare and swap).
public struct IncidentChange: Sendable {
    public var title: String?
    public var status: IncidentStatus?
    public var factsJSON: String
    public var assessmentJSON: String
    public var rulesDigest: String
    public var changes: [String]
    public var dueIndex: [DueIndexEntry]
    public var notice: StoredNotice?
    public var decision: StoredDecision?
    /// The audit action (`incident.update`, `notice.record`, …).
    public var action: String
    /// Plans the incident's reminders for the active subscriptions, in the same transaction.
    public var plan: (@Sendable ([StoredWebhook]) -> [PlannedDelivery])?

    public init(
        title: String? = nil, status: IncidentStatus? = nil, factsJSON: String, assessmentJSON: String, rulesDigest: String,
        changes: [String], dueIndex: [DueIndexEntry], notice: StoredNotice? = nil, decision: StoredDecision? = nil, action: String,
        plan: (@Sendable ([StoredWebhook]) -> [PlannedDelivery])? = nil
    ) {
        self.plan = plan
        self.title = title
        self.status = status
        self.factsJSON = factsJSON
        self.assessmentJSON = assessmentJSON
        self.rulesDigest = rulesDigest
        self.changes = changes
        self.dueIndex = dueIndex
        self.notice = notice
        self.decision = decision
        self.action = action
    }
}

/// Why a store operation failed.
public enum StoreError: Error, Sendable, Equatable {
    case notFound
    /// The incident changed since the revision the caller saw.
    case conflict(currentRevision: Int)
    /// The change is not allowed (closed incident, missing rationale…).
    case rejected(String)
    /// Other writers kept changing the incident while this change was computed again and again.
    case busy
}
