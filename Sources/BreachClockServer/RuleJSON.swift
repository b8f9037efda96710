import BreachClockCalculator
import BreachClockRules

/// A rule version as JSON (`GET /v1/jurisdictions/{code}`), with every citation and source.
enum RuleJSON {
    static func provenance(_ p: Provenance, _ rule: Rule) -> [(String, OrderedJSON)] {
        [("citation", .string(p.cite)), ("sources", .array(p.sources.compactMap { rule.source($0)?.url }.map(OrderedJSON.string)))]
    }

    static func deadline(_ spec: DeadlineSpec, _ rule: Rule) -> OrderedJSON {
        var members: [(String, OrderedJSON)]
        switch spec.rule {
        case .open(let standard): members = [("kind", .string("none")), ("standard", .string(standard))]
        case .fixed(let period, let from, let standard, let sooner):
            members = [("kind", .string("fixed")), ("period", .string(period.description)), ("from", .string(from.rawValue))]
            if let standard { members.append(("standard", .string(standard))) }
            if let sooner {
                members.append(
                    (
                        "orIfSooner",
                        .string("\(sooner.period) after " + (sooner.obligation.map { "\(rule.code)/\($0)" } ?? sooner.from?.rawValue ?? ""))
                    ))
            }
        case .after(let period, let id, let standard):
            members = [("kind", .string("relative")), ("relativeTo", .string("\(rule.code)/\(id)")), ("offset", .string(period.isoDuration))]
            if let standard { members.append(("standard", .string(standard))) }
        case .before(let id, let standard):
            members = [("kind", .string("relative")), ("relativeTo", .string("\(rule.code)/\(id)")), ("offset", .string("-P0D"))]
            if let standard { members.append(("standard", .string(standard))) }
        }
        return .object(members + provenance(spec.provenance, rule))
    }

    static func describe(_ rule: Rule, on date: CivilDate) -> OrderedJSON {
        var members: [(String, OrderedJSON)] = [
            ("code", .string(rule.code)), ("name", .string(rule.name)), ("law", .string(rule.law)),
            ("reviewed", .string(rule.reviewed.description)), ("asOf", .string(date.description)),
            ("versions", .array(rule.versions.map { .object([("effective", .string($0.effective.description)), ("change", .string($0.change))]) })),
        ]
        if let official = rule.official { members.insert(("official", .string(official)), at: 3) }
        if let law = rule.unassessed {
            members.append(
                ("unassessed", .object([("reason", .string(law.reason.rawValue)), ("about", .string(law.about))] + provenance(law.provenance, rule))))
        }
        if let version = rule.version(on: date) {
            members.append(
                (
                    "inForce",
                    .object([
                        ("version", .string(version.label)),
                        (
                            "personalInformation",
                            .object(
                                [
                                    ("combinations", .array(version.personalInformation.combinations.map { .array($0.map { .string($0.rawValue) }) }))
                                ] + provenance(version.personalInformation.provenance, rule))
                        ),
                        (
                            "trigger",
                            .object(
                                [
                                    ("event", .string(version.trigger.event.rawValue)),
                                    ("media", .array(version.trigger.media.map(\.rawValue).sorted().map(OrderedJSON.string))),
                                ] + provenance(version.trigger.provenance, rule))
                        ),
                        (
                            "obligations",
                            .array(
                                version.obligations.map { o in
                                    var fields: [(String, OrderedJSON)] = [
                                        ("id", .string(o.qualifiedID)),
                                        (
                                            "recipient",
                                            .object(
                                                [("kind", .string(o.recipient.kind.rawValue)), ("name", .string(o.recipient.name))]
                                                    + (o.recipient.contact.map { [("contact", OrderedJSON.string($0))] } ?? []))
                                        ),
                                        ("when", .string(o.condition.rawValue)),
                                    ]
                                    if let t = o.threshold {
                                        fields.append(
                                            (
                                                "threshold",
                                                .object(
                                                    [
                                                        ("op", .string(t.comparison.rawValue)), ("value", .int(t.value)),
                                                        ("counts", .string(t.counts.rawValue)),
                                                    ] + provenance(t.provenance, rule))
                                            ))
                                    }
                                    fields.append(("deadline", deadline(o.deadline, rule)))
                                    return .object(fields + provenance(o.provenance, rule))
                                })
                        ),
                    ])
                ))
        } else {
            members.append(("inForce", .null))
        }
        members.append(
            (
                "sources",
                .array(
                    rule.sources.map { s in
                        var fields: [(String, OrderedJSON)] = [
                            ("id", .string(s.id)), ("url", .string(s.url)), ("retrieved", .string(s.retrieved.description)),
                        ]
                        if let kind = s.kind { fields.append(("kind", .string(kind.rawValue))) }
                        fields.append(("says", .string(s.says)))
                        return .object(fields)
                    })
            ))
        return .object(members)
    }
}
