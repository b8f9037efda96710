import BreachClockJSON
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
    /// The rules' own JSON members, escaped once (set by the calculator that made this assessment).
    var fragments: RuleJSONFragments? = nil
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

    public init(
        rule: Rule, version: RuleVersion, source: ObligationRule, recipient: Recipient, deadline: Deadline,
        reasonDetails: [Reason], notice: RecordedNotice?
    ) {
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
    public var clockStart: String? { didSet { textsAreTheRules = false } }
    /// `30 calendar days`, `72 hours` …
    public var period: String? { didSet { textsAreTheRules = false } }
    /// The statute's own standard ("without unreasonable delay").
    public var standard: String? { didSet { textsAreTheRules = false } }
    /// For `relative`: the obligation id it runs from, and by how much (`P15D`, `P0D`, `-P0D`).
    public var relativeTo: String? { didSet { textsAreTheRules = false } }
    public var offset: String? { didSet { textsAreTheRules = false } }
    /// For `pending`: what has to happen for the clock to start.
    public var waitingFor: String? { didSet { textsAreTheRules = false } }
    /// The pinpoint citation of the deadline.
    public var citation: String { didSet { textsAreTheRules = false } }
    /// Set by the calculator when the texts above are those of a fixed deadline in the rule, as
    /// `RuleJSONFragments` writes them out once; changing any of them clears it.
    var textsAreTheRules = false
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
    /// The contract's JSON as UTF-8 bytes, keys in the contract's order; `pretty` indents by two spaces.
    public func jsonBytes(pretty: Bool = false) -> [UInt8] {
        withJSONBytes(pretty: pretty) { Array($0) }
    }

    /// Calls `body` with the contract's JSON, without copying it into an array first (an HTTP
    /// response copies it once, into its own buffer).
    public func withJSONBytes<Result>(pretty: Bool = false, _ body: (UnsafeBufferPointer<UInt8>) throws -> Result) rethrows -> Result {
        var writer = JSONWriter(pretty: pretty, capacity: 2048 + 1536 * obligations.count + 256 * notTriggered.count)
        write(to: &writer)
        return try writer.withBytes(body)
    }

    /// The contract's JSON as text.
    public func jsonText(pretty: Bool = false) -> String {
        String(decoding: jsonBytes(pretty: pretty), as: UTF8.self)
    }

    /// Writes the assessment as the next value of `writer`. Written directly rather than through an
    /// `OrderedJSON` tree: this is most of the work of `POST /v1/assessments`.
    public func write(to writer: inout JSONWriter) {
        let offsets = ZoneOffsets(timeZone)
        writer.beginObject()
        writer.key("contract")
        writer.int(Assessment.contractVersion)
        writer.member("rulesDigest", rulesDigest)
        writer.key("obligations")
        writer.beginArray()
        let fragments = writer.pretty ? nil : fragments
        for obligation in obligations { obligation.write(to: &writer, offsets, fragments: fragments) }
        writer.endArray()
        writer.key("notTriggered")
        writer.beginArray()
        for item in notTriggered { item.write(to: &writer) }
        writer.endArray()
        writer.key("warnings")
        writer.beginArray()
        for warning in warnings { writer.string(warning) }
        writer.endArray()
        writer.endObject()
    }
}

extension Recipient {
    func write(to writer: inout JSONWriter) {
        writer.beginObject()
        writer.member("kind", kind.rawValue)
        writer.member("name", name)
        writer.member("contact", ifPresent: contact)
        writer.endObject()
    }
}

extension Obligation {
    func write(to writer: inout JSONWriter, _ offsets: ZoneOffsets, fragments: RuleJSONFragments?) {
        let entry = fragments?.entry(for: self)
        writer.beginObject()
        if let fragments, let entry {
            writer.members(fragments.bytes(entry.identity))
        } else {
            Obligation.writeIdentity(to: &writer, id: id, jurisdiction: jurisdiction, regime: regime)
        }
        writer.key("recipient")
        recipient.write(to: &writer)
        writer.key("deadline")
        if let fragments, let entry, deadline.textsAreTheRules, let texts = entry.fixedDeadlineTexts {
            writer.beginObject()
            deadline.writeTimes(to: &writer, offsets)
            writer.members(fragments.bytes(texts))
            writer.endObject()
        } else {
            deadline.write(to: &writer, offsets)
        }
        if let fragments, let entry {
            writer.members(fragments.bytes(entry.citation))
        } else {
            Obligation.writeCitation(to: &writer, citation: citation, ruleVersion: ruleVersion)
        }
        writer.key("reasons")
        writer.beginArray()
        for reason in reasonDetails { writer.string { reason.write(to: &$0) } }
        writer.endArray()
        if let fragments, let entry {
            writer.members(fragments.bytes(entry.sources))
        } else {
            Obligation.writeSources(to: &writer, sources)
        }
        if let notice {
            writer.key("notice")
            writer.beginObject()
            writer.key("sentAt")
            writer.instant(notice.sentAt, offsetSeconds: offsets.offset(at: notice.sentAt))
            writer.endObject()
        }
        writer.endObject()
    }

    // The members that come from the rules alone, in the contract's order (`RuleJSONFragments` keeps
    // them written out).
    static func writeIdentity(to writer: inout JSONWriter, id: String, jurisdiction: String, regime: String) {
        writer.member("id", id)
        writer.member("jurisdiction", jurisdiction)
        writer.member("regime", regime)
    }

    static func writeCitation(to writer: inout JSONWriter, citation: String, ruleVersion: String) {
        writer.member("citation", citation)
        writer.member("ruleVersion", ruleVersion)
    }

    static func writeSources(to writer: inout JSONWriter, _ sources: [String]) {
        writer.key("sources")
        writer.beginArray()
        for url in sources { writer.string(url) }
        writer.endArray()
    }
}

extension Deadline {
    func write(to writer: inout JSONWriter, _ offsets: ZoneOffsets) {
        writer.beginObject()
        writeTimes(to: &writer, offsets)
        writeTexts(to: &writer)
        writer.endObject()
    }

    /// `kind`, `due` and `dueDate`: what the facts decide.
    func writeTimes(to writer: inout JSONWriter, _ offsets: ZoneOffsets) {
        writer.member("kind", kind.rawValue)
        if let due {
            writer.key("due")
            writer.instant(due, offsetSeconds: offsets.offset(at: due))
        }
        if let dueDate {
            writer.key("dueDate")
            writer.date(dueDate)
        }
    }

    /// The rest, which comes from the rule (and, for a fixed deadline, is written out once per rule).
    func writeTexts(to writer: inout JSONWriter) {
        writer.member("relativeTo", ifPresent: relativeTo)
        writer.member("offset", ifPresent: offset)
        writer.member("clockStart", ifPresent: clockStart)
        writer.member("period", ifPresent: period)
        writer.member("standard", ifPresent: standard)
        writer.member("waitingFor", ifPresent: waitingFor)
        writer.member("citation", citation)
    }
}

extension NotTriggered {
    func write(to writer: inout JSONWriter) {
        writer.beginObject()
        writer.member("id", id)
        writer.member("jurisdiction", jurisdiction)
        writer.key("recipient")
        recipient.write(to: &writer)
        writer.key("reason")
        writer.string { why.write(to: &$0) }
        writer.member("citation", ifPresent: citation)
        writer.endObject()
    }
}
