import BreachClockRules
import Foundation

/// The result of assessing an incident: contract v1, section 2.
public struct Assessment: Sendable {
    public static let contractVersion = 1

    public var rulesDigest: String
    /// Triggered obligations: fixed deadlines by due time, then relative, pending and open ones.
    public var obligations: [Obligation]
    public var notTriggered: [NotTriggered]
    public var warnings: [String]
    /// The incident's time zone, used to render dates.
    public var timeZone: TimeZone
}

/// One duty to notify: who, by when, under which law, and why. A class that refers to the rule it
/// comes from rather than copying its texts: an assessment holds many obligations.
public final class Obligation: Sendable {
    /// The rule, its version and the obligation in it that this duty comes from.
    public let rule: Rule
    public let version: RuleVersion
    public let source: ObligationRule
    public let recipient: Recipient
    public let deadline: Deadline
    /// Why it applies and what moved its deadline, as data.
    public let reasonDetails: [Reason]
    /// The notice recorded for this obligation, if given.
    public let notice: RecordedNotice?

    public init(rule: Rule, version: RuleVersion, source: ObligationRule, recipient: Recipient, deadline: Deadline,
        reasonDetails: [Reason], notice: RecordedNotice?)
    {
        self.rule = rule
        self.version = version
        self.source = source
        self.recipient = recipient
        self.deadline = deadline
        self.reasonDetails = reasonDetails
        self.notice = notice
    }

    /// `US-CA/individuals`.
    public var id: String { source.qualifiedID }
    /// The rule's code (a place, or a regime such as `EU-GDPR`).
    public var jurisdiction: String { rule.code }
    /// The law's name (`Cal. Civ. Code § 1798.82`).
    public var regime: String { rule.law }
    public var citation: String { source.provenance.cite }
    /// `US-CA@2026-01-01`: the rule version applied.
    public var ruleVersion: String { version.label }
    /// Source URLs behind the obligation and its deadline.
    public var sources: [String] { source.sourceURLs }
    /// The reasons in words, as the contract's `reasons`.
    public var reasons: [String] { reasonDetails.map(\.text) }
}

/// When an obligation is due.
public struct Deadline: Sendable {
    public enum Kind: String, Sendable {
        /// The law sets a limit and the clock has started.
        case fixed
        /// The limit runs from another notice not yet given.
        case relative
        /// No outer limit in law.
        case none
        /// The clock has not started.
        case pending
    }

    public var kind: Kind
    public var due: Date?
    public var dueDate: CivilDate?
    /// The event the clock runs from (`discovery`, `determination`, … or `notice:US-CA/individuals`).
    public var clockStart: String?
    /// `30 calendar days`, `72 hours` …
    public var period: String?
    /// The statute's own standard ("without unreasonable delay").
    public var standard: String?
    /// For `relative`: the obligation id it runs from, and by how much (`P15D`, `P0D`, `-P0D`).
    public var relativeTo: String?
    public var offset: String?
    /// For `pending`: what has to happen for the clock to start.
    public var waitingFor: String?
    /// The pinpoint citation of the deadline.
    public var citation: String
}

/// An obligation that does not arise, and why.
public final class NotTriggered: Sendable {
    public let id: String
    public let jurisdiction: String
    public let recipient: Recipient
    /// Why, as data.
    public let why: Reason
    public let citation: String?

    public init(id: String, jurisdiction: String, recipient: Recipient, why: Reason, citation: String?) {
        self.id = id
        self.jurisdiction = jurisdiction
        self.recipient = recipient
        self.why = why
        self.citation = citation
    }

    /// Why, in words, as the contract's `reason`.
    public var reason: String { why.text }
}

extension Assessment {
    /// The contract's JSON shape, keys in the contract's order.
    public func json() -> OrderedJSON {
        .object([
            ("contract", .int(Assessment.contractVersion)),
            ("rulesDigest", .string(rulesDigest)),
            ("obligations", .array(obligations.map { $0.json(timeZone) })),
            ("notTriggered", .array(notTriggered.map { $0.json() })),
            ("warnings", .array(warnings.map(OrderedJSON.string))),
        ])
    }
}

extension Recipient {
    func json() -> OrderedJSON {
        var members: [(String, OrderedJSON)] = [("kind", .string(kind.rawValue)), ("name", .string(name))]
        if let contact { members.append(("contact", .string(contact))) }
        return .object(members)
    }
}

extension Obligation {
    func json(_ zone: TimeZone) -> OrderedJSON {
        var members: [(String, OrderedJSON)] = [
            ("id", .string(id)),
            ("jurisdiction", .string(jurisdiction)),
            ("regime", .string(regime)),
            ("recipient", recipient.json()),
            ("deadline", deadline.json(zone)),
            ("citation", .string(citation)),
            ("ruleVersion", .string(ruleVersion)),
            ("reasons", .array(reasons.map(OrderedJSON.string))),
            ("sources", .array(sources.map(OrderedJSON.string))),
        ]
        if let notice {
            members.append(("notice", .object([("sentAt", .string(ZonedTime.rfc3339(notice.sentAt, in: zone)))])))
        }
        return .object(members)
    }
}

extension Deadline {
    func json(_ zone: TimeZone) -> OrderedJSON {
        var members: [(String, OrderedJSON)] = [("kind", .string(kind.rawValue))]
        if let due { members.append(("due", .string(ZonedTime.rfc3339(due, in: zone)))) }
        if let dueDate { members.append(("dueDate", .string(dueDate.description))) }
        if let relativeTo { members.append(("relativeTo", .string(relativeTo))) }
        if let offset { members.append(("offset", .string(offset))) }
        if let clockStart { members.append(("clockStart", .string(clockStart))) }
        if let period { members.append(("period", .string(period))) }
        if let standard { members.append(("standard", .string(standard))) }
        if let waitingFor { members.append(("waitingFor", .string(waitingFor))) }
        members.append(("citation", .string(citation)))
        return .object(members)
    }
}

extension NotTriggered {
    func json() -> OrderedJSON {
        var members: [(String, OrderedJSON)] = [
            ("id", .string(id)),
            ("jurisdiction", .string(jurisdiction)),
            ("recipient", recipient.json()),
            ("reason", .string(reason)),
        ]
        if let citation { members.append(("citation", .string(citation))) }
        return .object(members)
    }
}
