import BreachClockCalculator
import BreachClockJSON
import BreachClockLoader
import BreachClockProgramme
import BreachClockRules
import BreachClockStore
import Foundation

/// Post-incident reviews of closed incidents (CC7.5): records what the reviewers write, checks
/// their action items against the imported programme, and computes the rest from the record (each
/// obligation's deadline as last assessed against the notice sent, and the reminders delivered).
public struct ReviewService: Sendable {
    public let store: IncidentStore
    let clock: @Sendable () -> Date

    public init(store: IncidentStore, clock: @escaping @Sendable () -> Date = Date.init) {
        self.store = store
        self.clock = clock
    }

    /// `POST /v1/incidents/{id}/review`: `{"rootCause", "wentWell"?, "wentPoorly"?, "actionItems"?}`.
    public func record(incidentID: String, body: DocumentNode, actor: String) async throws -> PostIncidentReview {
        let decoded: (input: PostIncidentReview.Input, actionItems: [ExerciseLog.ActionItem])
        do {
            decoded = try PostIncidentReviewDecoder.decode(body)
        } catch {
            throw ServiceError(.invalid, "Invalid review", errors: error.issues.map { ($0.path, $0.message) })
        }
        guard try await store.incident(id: incidentID) != nil else { throw StoreError.notFound }
        try await checkAgainstProgramme(decoded.actionItems)
        do {
            _ = try await store.recordReview(
                incidentID: incidentID, review: try JSONEncoder.text(decoded.input), actionItems: decoded.actionItems, actor: actor,
                plan: ProgrammeMessages.actionItemPlan(now: clock()))
        } catch StoreError.rejected(let why) {
            throw ServiceError(.conflict, "Review refused", detail: why)
        }
        guard let review = try await review(incidentID: incidentID) else { throw StoreError.notFound }
        return review
    }

    /// Action items must name people and entries of the newest imported programme, when there is one.
    func checkAgainstProgramme(_ items: [ExerciseLog.ActionItem]) async throws {
        guard !items.isEmpty, let programme = try await ProgrammeService(store: store, clock: clock).newestProgramme()?.programme else { return }
        let problems = ExerciseLog(attendance: [], observations: [], decisions: [], actionItems: items).problems(against: programme)
        if !problems.isEmpty { throw ProgrammeService.invalid(problems, title: "Invalid review") }
    }

    /// The review of an incident with its figures, or nil when none is recorded.
    public func review(incidentID: String) async throws -> PostIncidentReview? {
        guard let incident = try await store.incident(id: incidentID), let stored = try await store.review(incidentID: incidentID) else {
            return nil
        }
        let input = try JSONDecoder.decode(PostIncidentReview.Input.self, from: stored.review)
        return PostIncidentReview(
            incidentID: incident.id, title: incident.title, closedAt: incident.closedAt.map(IncidentStore.timestamp),
            recordedAt: IncidentStore.timestamp(stored.recordedAt), recordedBy: stored.recordedBy, input: input,
            obligations: try await Self.outcomes(incident, store: store), reminders: try await Self.reminders(incidentID, store: store),
            actionItems: try await store.actionItems(incidentID: incidentID))
    }

    /// Each obligation of the incident's last assessment against the notice recorded for it.
    public static func outcomes(_ incident: StoredIncident, store: IncidentStore) async throws -> [PostIncidentReview.Outcome] {
        let notices = try await store.notices(incidentID: incident.id)
        let decisions = try await store.decisions(incidentID: incident.id)
        let assessment = try JSONDecoder.decode(AssessedObligations.self, from: incident.assessmentJSON)
        return assessment.obligations.map { o in
            let notice = notices.filter { $0.obligationID == o.id }.map(\.sentAt).min()
            let notRequired = decisions.last { $0.kind == "notice" && $0.obligationID == o.id && $0.outcome == "not-required" }
            return PostIncidentReview.Outcome(
                obligation: o.id, jurisdiction: o.jurisdiction, recipient: o.recipient.name ?? o.recipient.kind, citation: o.citation ?? "",
                due: o.deadline.kind == "fixed" ? o.deadline.due.flatMap { ZonedTime.parse($0, in: ZonedTime.utc) } : nil, noticeSentAt: notice,
                notRequiredBecause: notRequired.map { $0.rationale ?? "no rationale" })
        }
    }

    /// Every message planned for the incident.
    public static func reminders(_ incidentID: String, store: IncidentStore) async throws -> [PostIncidentReview.Reminder] {
        try await store.deliveries(incidentID: incidentID).map { d in
            PostIncidentReview.Reminder(
                event: d.event, obligation: d.obligationID, host: d.host, dueAt: IncidentStore.timestamp(d.dueAt), state: d.state,
                deliveredAt: d.deliveredAt.map(IncidentStore.timestamp))
        }
    }

    /// What a review reads of a stored assessment (the contract's obligation members).
    struct AssessedObligations: Decodable {
        struct Recipient: Decodable {
            var kind: String
            var name: String?
        }

        struct Deadline: Decodable {
            var kind: String
            var due: String?
        }

        struct Obligation: Decodable {
            var id: String
            var jurisdiction: String
            var recipient: Recipient
            var deadline: Deadline
            var citation: String?
        }

        var obligations: [Obligation]
    }
}
