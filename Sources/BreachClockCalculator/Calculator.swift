import BreachClockRules
import Foundation

/// Computes an assessment from incident facts and the rules database. Pure: no IO, no clock.
public struct Calculator: Sendable {
    public let rulebook: Rulebook

    public init(rulebook: Rulebook) { self.rulebook = rulebook }

    /// The facts decoder that knows this rulebook's regime codes (for `notices[].jurisdiction`).
    public var factsDecoder: FactsDecoder { FactsDecoder(ruleCodes: Set(rulebook.rules.map(\.code))) }

    /// Every obligation the facts give rise to, what does not arise and why, and warnings.
    public func assess(_ facts: IncidentFacts) -> Assessment {
        var result = Assessment(rulesDigest: rulebook.digest, obligations: [], notTriggered: [], warnings: [], timeZone: facts.timeZone)
        if facts.riskOfHarm == .unknown {
            result.warnings.append("riskOfHarm is unknown and is treated as likely; record a documented finding before relying on a risk-of-harm exemption")
        }
        for entry in facts.affected where !rulebook.covers(entry.code) {
            result.warnings.append("\(entry.code): no rule in the database covers this place; obligations there are not assessed")
        }
        let offsets = ZoneOffsets(facts.timeZone)
        let elements = Set(facts.elements)
        for rule in rulebook.rules(covering: facts.affected.map(\.code)) {
            if let required = rule.requiredSectors, required.isDisjoint(with: facts.sectors) { continue }
            var assessor = RuleAssessor(rule: rule, facts: facts, elements: elements, calendars: rulebook.calendars, offsets: offsets)
            assessor.run(into: &result)
        }
        result.obligations.sort(by: Calculator.dueOrder)
        return result
    }

    /// Fixed deadlines by due instant, then relative, pending and open ones; ties by id.
    static func dueOrder(_ a: Obligation, _ b: Obligation) -> Bool {
        func rank(_ kind: Deadline.Kind) -> Int {
            switch kind {
            case .fixed: return 0
            case .relative: return 1
            case .pending: return 2
            case .none: return 3
            }
        }
        if rank(a.deadline.kind) != rank(b.deadline.kind) { return rank(a.deadline.kind) < rank(b.deadline.kind) }
        if let x = a.deadline.due, let y = b.deadline.due, x != y { return x < y }
        return a.id < b.id
    }
}

/// Assesses one rule against the facts.
struct RuleAssessor {
    let rule: Rule
    let facts: IncidentFacts
    let calendars: [String: HolidayCalendar]
    let zone: TimeZone
    let offsets: ZoneOffsets
    /// The exposed data elements, as a set.
    let elements: Set<DataElement>
    let residents: AffectedCount

    init(rule: Rule, facts: IncidentFacts, elements: Set<DataElement>, calendars: [String: HolidayCalendar], offsets: ZoneOffsets) {
        self.rule = rule
        self.facts = facts
        self.elements = elements
        self.calendars = calendars
        self.zone = facts.timeZone
        self.offsets = offsets
        self.residents = facts.count(of: rule.covers)
    }

    /// Whether an obligation arises, before its deadline is worked out.
    enum Outcome {
        case triggered(reasons: [String])
        /// `noticeGivenElsewhere`: the entity is deemed compliant because it notifies under another
        /// regime (HIPAA, GLBA…), so deadlines that run from this notice still run from that one.
        case notTriggered(reason: String, citation: String?, noticeGivenElsewhere: Bool = false)
    }

    struct Evaluated {
        var version: RuleVersion
        var obligation: ObligationRule
        var outcome: Outcome
    }

    mutating func run(into result: inout Assessment) {
        let discoveryDate = ZonedTime.civilDate(of: facts.discoveredAt, in: offsets)
        guard let base = rule.version(on: discoveryDate) else {
            let oldest = rule.versions.first.map { " (the oldest encoded version takes effect \($0.effective))" } ?? ""
            result.warnings.append("\(rule.code): no version of \(rule.law) is encoded for \(discoveryDate)\(oldest); not assessed")
            return
        }
        var evaluated: [String: Evaluated] = [:]
        var order: [String] = []
        for obligation in base.obligations where applies(obligation) {
            let version = versionFor(obligation, base: base)
            let chosen = version.obligation(obligation.id) ?? obligation
            evaluated[obligation.id] = Evaluated(version: version, obligation: chosen, outcome: evaluate(chosen, in: version))
            order.append(obligation.id)
        }
        var delayWarned = false
        for id in order {
            guard let item = evaluated[id] else { continue }
            let fullID = "\(rule.code)/\(id)"
            let recipient = recipientFor(item.obligation)
            switch item.outcome {
            case .notTriggered(let reason, let citation, _):
                result.notTriggered.append(NotTriggered(id: fullID, jurisdiction: rule.code, recipient: recipient, reason: reason, citation: citation))
            case .triggered(var reasons):
                // A deadline relative to a notice that is not required does not arise either.
                if case .after(_, let ref, _) = item.obligation.deadline.rule, !isTriggered(ref, evaluated) {
                    result.notTriggered.append(NotTriggered(id: fullID, jurisdiction: rule.code, recipient: recipient,
                        reason: "it runs from the notice to \(ref), which is not required here", citation: item.obligation.provenance.cite))
                    continue
                }
                if case .before(let ref, _) = item.obligation.deadline.rule, !isTriggered(ref, evaluated) {
                    result.notTriggered.append(NotTriggered(id: fullID, jurisdiction: rule.code, recipient: recipient,
                        reason: "it must precede the notice to \(ref), which is not required here", citation: item.obligation.provenance.cite))
                    continue
                }
                if facts.lawEnforcementDelayUntil != nil, item.version.lawEnforcementDelay == nil, !delayWarned {
                    delayWarned = true
                    result.warnings.append("\(rule.code): \(rule.law) as encoded states no law-enforcement delay; its deadlines are not moved")
                }
                let deadline = computeDeadline(item, evaluated: evaluated, reasons: &reasons)
                if deadline.kind == .fixed, let dueDate = deadline.dueDate, let next = rule.nextVersion(after: item.version.effective),
                    next.effective <= dueDate
                {
                    result.warnings.append("\(fullID): an amendment takes effect on \(next.effective), inside the window that ends \(dueDate); the law in force when the clock started (\(rule.versionLabel(item.version))) is applied")
                }
                if let threshold = item.obligation.threshold {
                    let count = threshold.counts == .residents ? residents : facts.totalCount
                    if !threshold.isMet(by: count.min) {
                        result.warnings.append("\(fullID): the affected count \(count) straddles the threshold (\(threshold.comparison.phrase(threshold.value))); the obligation is listed until the count is known")
                    }
                }
                let notice = facts.notices.first { $0.satisfies(obligationID: fullID, jurisdiction: rule.code, kind: item.obligation.recipient.kind) }
                var sourceIDs = item.obligation.provenance.sources
                for id in item.obligation.deadline.provenance.sources where !sourceIDs.contains(id) { sourceIDs.append(id) }
                result.obligations.append(Obligation(
                    id: fullID, jurisdiction: rule.code, regime: rule.law, recipient: recipient, deadline: deadline,
                    citation: item.obligation.provenance.cite, ruleVersion: rule.versionLabel(item.version), reasons: reasons,
                    sources: sourceIDs.compactMap { rule.source($0)?.url }, notice: notice))
            }
        }
    }

    /// Whether the notice `id` is given: required here, or given under another regime the law defers to.
    func isTriggered(_ id: String, _ evaluated: [String: Evaluated]) -> Bool {
        switch evaluated[id]?.outcome {
        case .triggered: return true
        case .notTriggered(_, _, let elsewhere): return elsewhere
        case nil: return false
        }
    }

    /// Role and sector filters: an obligation that binds someone else is not reported at all.
    func applies(_ obligation: ObligationRule) -> Bool {
        guard obligation.roles.contains(facts.role) else { return false }
        if !obligation.forSectors.isEmpty && obligation.forSectors.isDisjoint(with: facts.sectors) { return false }
        if !obligation.notForSectors.isDisjoint(with: facts.sectors) { return false }
        return true
    }

    /// The version in force when this obligation's clock started.
    func versionFor(_ obligation: ObligationRule, base: RuleVersion) -> RuleVersion {
        guard case .fixed(_, let from, _, _) = obligation.deadline.rule, from != .discovery,
            let start = facts.instant(of: from)
        else { return base }
        let date = ZonedTime.civilDate(of: start, in: offsets)
        guard let version = rule.version(on: date), version.obligation(obligation.id) != nil else { return base }
        return version
    }

    func recipientFor(_ obligation: ObligationRule) -> Recipient {
        var recipient = obligation.recipient
        if recipient.kind == .regulator, let home = facts.mainEstablishment, let authority = rule.authorities[home] {
            recipient.name = "\(authority) (lead supervisory authority, main establishment \(home))"
        }
        return recipient
    }

    var residentsPhrase: String {
        if rule.covers == [rule.code] { return "\(residents) affected \(residents.max == 1 ? "resident" : "residents") of \(rule.name)" }
        let present = facts.affected.filter { rule.covers.contains($0.code) }.map(\.code)
        return "\(residents) affected in \(present.joined(separator: ", "))"
    }

    /// Whether the facts are a breach of personal information under this version, and if not, why.
    func breachFailure(_ version: RuleVersion) -> (reason: String, citation: String)? {
        if residents.max == 0 {
            return ("no affected residents of \(rule.name)", rule.law)
        }
        if !version.trigger.media.contains(facts.medium) {
            let covered = version.trigger.media.map(\.rawValue).sorted().joined(separator: " and ")
            return ("the law covers \(covered) data only; this breach involved \(facts.medium.rawValue) data", version.trigger.provenance.cite)
        }
        if version.trigger.event == .acquisition && facts.access == .accessed {
            return ("access without acquisition is not a breach under this law", version.trigger.provenance.cite)
        }
        if version.personalInformation.firstMatch(in: elements) == nil {
            let given = facts.elements.map(\.rawValue).joined(separator: ", ")
            return ("the exposed data (\(given)) is not personal information under this law", version.personalInformation.provenance.cite)
        }
        return nil
    }

    func exempts(_ list: [String]?, _ obligation: ObligationRule) -> Bool {
        guard obligation.condition == .breach else { return false }
        return list.map { $0.contains(obligation.id) } ?? true
    }

    var harmExemptionUsed: Bool { facts.riskOfHarm == .unlikely }

    func evaluate(_ obligation: ObligationRule, in version: RuleVersion) -> Outcome {
        if let failure = breachFailure(version) { return .notTriggered(reason: failure.reason, citation: failure.citation) }
        var reasons: [String] = [residentsPhrase]
        if let match = version.personalInformation.firstMatch(in: elements) {
            reasons.append("\(match.map(\.rawValue).joined(separator: " + ")) is personal information (\(version.personalInformation.provenance.cite))")
        }
        if let encryption = version.encryption, encryption.safeHarbor, facts.encrypted, exempts(encryption.exempts, obligation) {
            if facts.keyCompromised && encryption.lostIfKeyCompromised {
                reasons.append("the data was encrypted, but the key was compromised, so the safe harbor is lost (\(encryption.provenance.cite))")
            } else {
                return .notTriggered(reason: "the data was encrypted and the key was not compromised: safe harbor", citation: encryption.provenance.cite)
            }
        }
        if let harm = version.riskOfHarm {
            if obligation.condition == .harmExempt {
                guard harmExemptionUsed else {
                    return .notTriggered(reason: "only when the entity finds harm \(harm.exemptWhen.rawValue) and so does not notify", citation: obligation.provenance.cite)
                }
                reasons.append("the documented finding that harm is \(harm.exemptWhen.rawValue) must itself be reported (\(harm.provenance.cite))")
            } else if harmExemptionUsed, exempts(harm.exempts, obligation) {
                var reason = "the documented risk-of-harm finding (unlikely) exempts this notice"
                if harm.documentationRequired {
                    reason += harm.retainYears.map { "; keep the written determination for \($0) years" } ?? "; the determination must be in writing"
                }
                return .notTriggered(reason: reason, citation: harm.provenance.cite)
            }
        }
        for exemption in version.exemptions where !exemption.sectors.isDisjoint(with: facts.sectors) && exempts(exemption.exempts, obligation) {
            let sectors = exemption.sectors.intersection(facts.sectors).map(\.rawValue).sorted().joined(separator: ", ")
            return .notTriggered(reason: "deemed compliant as \(sectors): \(exemption.condition)", citation: exemption.provenance.cite,
                noticeGivenElsewhere: true)
        }
        if let minimum = obligation.minimumRisk, facts.riskOfHarm.effective < minimum {
            return .notTriggered(reason: "needs a \(minimum.rawValue) risk of harm; the finding is \(facts.riskOfHarm.rawValue)", citation: obligation.provenance.cite)
        }
        if let minimum = obligation.minimumRisk {
            reasons.append("the risk of harm is \(facts.riskOfHarm.effective.rawValue), at least \(minimum.rawValue)")
        }
        if let threshold = obligation.threshold {
            let count = threshold.counts == .residents ? residents : facts.totalCount
            let noun = threshold.counts == .residents ? "residents" : "people in all"
            let phrase = threshold.comparison.phrase(threshold.value)
            if !threshold.isMet(by: count.max) {
                return .notTriggered(reason: "\(count) \(noun) affected; notice to \(obligation.recipient.name) needs \(phrase)", citation: threshold.provenance.cite)
            }
            if !threshold.isMet(by: count.min) {
                reasons.append("the count \(count) may be \(phrase) (\(threshold.provenance.cite)); treated as meeting it until the count is known")
            } else {
                reasons.append("\(count) \(noun) is \(phrase) (\(threshold.provenance.cite))")
            }
        }
        return .triggered(reasons: reasons)
    }
}
