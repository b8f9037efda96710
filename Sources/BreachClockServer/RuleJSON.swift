import BreachClockCalculator
import BreachClockJSON
import BreachClockRules

/// A rule as `GET /v1/jurisdictions/{code}` shows it: the version in force on a date, with every
/// citation and source. Each part that rests on the law carries its `citation` and `sources` (the
/// URLs of the sources it names).
struct RuleDescription: Encodable, Sendable {
    struct VersionNote: Encodable, Sendable {
        var effective: String
        var change: String
    }

    struct Unassessed: Encodable, Sendable {
        var reason: String
        var about: String
        var citation: String
        var sources: [String]
    }

    struct PersonalInformation: Encodable, Sendable {
        var combinations: [[String]]
        var citation: String
        var sources: [String]
    }

    struct Trigger: Encodable, Sendable {
        var event: String
        var media: [String]
        var citation: String
        var sources: [String]
    }

    struct Recipient: Encodable, Sendable {
        var kind: String
        var name: String
        var contact: String?
    }

    struct Threshold: Encodable, Sendable {
        var op: String
        var value: Int
        var counts: String
        var citation: String
        var sources: [String]
    }

    /// `none` (a standard, no fixed limit), `fixed` (a period from an event) or `relative` (an
    /// offset from another obligation).
    struct Deadline: Encodable, Sendable {
        var kind: String
        var period: String?
        var from: String?
        var relativeTo: String?
        var offset: String?
        var standard: String?
        var orIfSooner: String?
        var citation: String
        var sources: [String]
    }

    struct Obligation: Encodable, Sendable {
        var id: String
        var recipient: Recipient
        var when: String
        var threshold: Threshold?
        var deadline: Deadline
        var citation: String
        var sources: [String]
    }

    struct InForce: Encodable, Sendable {
        var version: String
        var personalInformation: PersonalInformation
        var trigger: Trigger
        var obligations: [Obligation]
    }

    struct Source: Encodable, Sendable {
        var id: String
        var url: String
        var retrieved: String
        var kind: String?
        var says: String
    }

    var code: String
    var name: String
    var law: String
    var official: String?
    var reviewed: String
    var asOf: String
    var versions: [VersionNote]
    var unassessed: Unassessed?
    /// Null when no version is in force on `asOf`.
    @NullEncoded var inForce: InForce?
    var sources: [Source]

    init(_ rule: Rule, on date: CivilDate) {
        /// The URLs of the sources a part of the rule names.
        func urls(_ provenance: Provenance) -> [String] { provenance.sources.compactMap { rule.source($0)?.url } }
        code = rule.code
        name = rule.name
        law = rule.law
        official = rule.official
        reviewed = rule.reviewed.description
        asOf = date.description
        versions = rule.versions.map { VersionNote(effective: $0.effective.description, change: $0.change) }
        unassessed = rule.unassessed.map { law in
            Unassessed(reason: law.reason.rawValue, about: law.about, citation: law.provenance.cite, sources: urls(law.provenance))
        }
        inForce = rule.version(on: date).map { version in
            let information = version.personalInformation
            let trigger = version.trigger
            return InForce(
                version: version.label,
                personalInformation: PersonalInformation(
                    combinations: information.combinations.map { $0.map(\.rawValue) }, citation: information.provenance.cite,
                    sources: urls(information.provenance)),
                trigger: Trigger(
                    event: trigger.event.rawValue, media: trigger.media.map(\.rawValue).sorted(), citation: trigger.provenance.cite,
                    sources: urls(trigger.provenance)),
                obligations: version.obligations.map { o in
                    Obligation(
                        id: o.qualifiedID,
                        recipient: Recipient(kind: o.recipient.kind.rawValue, name: o.recipient.name, contact: o.recipient.contact),
                        when: o.condition.rawValue,
                        threshold: o.threshold.map { t in
                            Threshold(
                                op: t.comparison.rawValue, value: t.value, counts: t.counts.rawValue, citation: t.provenance.cite,
                                sources: urls(t.provenance))
                        },
                        deadline: Self.deadline(o.deadline, rule, sources: urls(o.deadline.provenance)), citation: o.provenance.cite,
                        sources: urls(o.provenance))
                })
        }
        sources = rule.sources.map { s in
            Source(id: s.id, url: s.url, retrieved: s.retrieved.description, kind: s.kind?.rawValue, says: s.says)
        }
    }

    static func deadline(_ spec: DeadlineSpec, _ rule: Rule, sources: [String]) -> Deadline {
        var deadline = Deadline(kind: "none", citation: spec.provenance.cite, sources: sources)
        switch spec.rule {
        case .open(let standard):
            deadline.standard = standard
        case .fixed(let period, let from, let standard, let sooner):
            deadline.kind = "fixed"
            deadline.period = period.description
            deadline.from = from.rawValue
            deadline.standard = standard
            deadline.orIfSooner = sooner.map { "\($0.period) after " + ($0.obligation.map { "\(rule.code)/\($0)" } ?? $0.from?.rawValue ?? "") }
        case .after(let period, let id, let standard):
            deadline.kind = "relative"
            deadline.relativeTo = "\(rule.code)/\(id)"
            deadline.offset = period.isoDuration
            deadline.standard = standard
        case .before(let id, let standard):
            deadline.kind = "relative"
            deadline.relativeTo = "\(rule.code)/\(id)"
            deadline.offset = "-P0D"
            deadline.standard = standard
        }
        return deadline
    }
}
