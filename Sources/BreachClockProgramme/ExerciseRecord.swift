import BreachClockCalculator
import BreachClockRules
import Foundation

/// What a run of an exercise produced on its simulated clock: each inject with the obligations the
/// calculator gave after it, and every reminder the real dispatcher sent (or failed to send) to the
/// exercise's own subscriptions. Stored as JSON with the exercise; the after-action report reads it.
public struct ExerciseRecord: Sendable, Equatable, Codable {
    /// One obligation as the calculator stood after an inject.
    public struct Obligation: Sendable, Equatable, Codable {
        public var id: String
        public var jurisdiction: String
        public var recipient: String
        public var citation: String
        /// `fixed`, `none`, `relative` or `pending`.
        public var deadlineKind: String
        /// RFC 3339 (UTC), for a fixed deadline.
        public var due: String?
        /// RFC 3339 (UTC) of the notice, once one was recorded.
        public var noticeSentAt: String?

        public init(
            id: String, jurisdiction: String, recipient: String, citation: String, deadlineKind: String, due: String?,
            noticeSentAt: String?
        ) {
            self.id = id
            self.jurisdiction = jurisdiction
            self.recipient = recipient
            self.citation = citation
            self.deadlineKind = deadlineKind
            self.due = due
            self.noticeSentAt = noticeSentAt
        }
    }

    /// An inject as it was played.
    public struct Step: Sendable, Equatable, Codable {
        /// Seconds after T+0.
        public var at: Int
        public var say: String
        /// What the service said changed (its history lines).
        public var changes: [String]
        public var obligations: [Obligation]
        /// Warnings the calculator gave (facts it could not assess).
        public var warnings: [String]

        public init(at: Int, say: String, changes: [String], obligations: [Obligation], warnings: [String]) {
            self.at = at
            self.say = say
            self.changes = changes
            self.obligations = obligations
            self.warnings = warnings
        }
    }

    /// One attempt to send a reminder or event to an exercise subscription.
    public struct Reminder: Sendable, Equatable, Codable {
        /// Seconds after T+0 on the simulated clock.
        public var at: Int
        public var event: String
        public var obligation: String?
        /// The receiver's host only: a Slack or Teams URL is itself a credential.
        public var host: String
        public var delivered: Bool
        /// The HTTP status, when the receiver answered.
        public var status: Int?
        public var error: String?

        public init(at: Int, event: String, obligation: String?, host: String, delivered: Bool, status: Int?, error: String?) {
            self.at = at
            self.event = event
            self.obligation = obligation
            self.host = host
            self.delivered = delivered
            self.status = status
            self.error = error
        }
    }

    public var name: String
    /// T+0, RFC 3339 (UTC).
    public var startsAt: String
    /// Seconds the exercise ran on the simulated clock.
    public var ranFor: Int
    public var steps: [Step]
    public var reminders: [Reminder]

    public init(name: String, startsAt: String, ranFor: Int, steps: [Step], reminders: [Reminder]) {
        self.name = name
        self.startsAt = startsAt
        self.ranFor = ranFor
        self.steps = steps
        self.reminders = reminders
    }

    /// The obligation as the calculator stood at `offset` (after the last inject at or before it).
    public func obligation(_ id: String, at offset: Int) -> Obligation? {
        steps.last { $0.at <= offset }?.obligations.first { $0.id == id }
    }

    /// Seconds from T+0 to `instant` (RFC 3339 text), if it reads.
    public func offset(of instant: String) -> Int? {
        guard let start = ZonedTime.parse(startsAt, in: ZonedTime.utc), let date = ZonedTime.parse(instant, in: ZonedTime.utc)
        else { return nil }
        return Int(date.timeIntervalSince(start).rounded(.down))
    }
}
