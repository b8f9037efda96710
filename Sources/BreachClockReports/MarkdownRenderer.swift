import BreachClockCalculator
import BreachClockRules
import Foundation

/// A memo counsel can paste: facts, obligations with reasons and sources, what is not triggered, warnings.
public struct MarkdownRenderer {
    let assessment: Assessment
    let facts: IncidentFacts
    let rulebook: Rulebook

    public init(assessment: Assessment, facts: IncidentFacts, rulebook: Rulebook) {
        self.assessment = assessment
        self.facts = facts
        self.rulebook = rulebook
    }

    public func render() -> String {
        let zone = facts.timeZone
        var out = "# Breach notification assessment\n\n"
        out += "## Facts\n\n"
        out += "- Discovered: \(ZonedTime.rfc3339(facts.discoveredAt, in: zone)) (time zone \(zone.contractName))\n"
        if let determined = facts.determinedAt { out += "- Determined: \(ZonedTime.rfc3339(determined, in: zone))\n" }
        out += "- Entity role: \(facts.role.rawValue)"
        out += facts.sectors.isEmpty ? "\n" : "; sectors: \(facts.sectors.map(\.rawValue).sorted().joined(separator: ", "))\n"
        out += "- Data: \(facts.elements.map(\.rawValue).joined(separator: ", "))"
        out += facts.encrypted ? " (encrypted\(facts.keyCompromised ? ", key compromised" : ""))\n" : " (not encrypted)\n"
        out += "- Access: \(facts.access.rawValue); risk of harm: \(facts.riskOfHarm.rawValue)\n"
        out += "- Affected: " + facts.affected.map { "\($0.code) \($0.count)" }.joined(separator: ", ") + "\n\n"
        out += "## Obligations\n\n"
        if assessment.obligations.isEmpty { out += "None is triggered.\n\n" }
        for o in assessment.obligations {
            let d = o.deadline
            let when: String
            switch d.kind {
            case .fixed: when = "**due \(d.due.map { ZonedTime.rfc3339($0, in: zone) } ?? "")** (\(d.period ?? "")\(d.clockStart.map { $0.hasPrefix("notice:") ? "" : " from \($0)" } ?? ""))"
            case .relative: when = "**\(d.period ?? "relative to another notice")**"
            case .none: when = "**no fixed deadline in law**"
            case .pending: when = "**clock not started** (waiting for \(d.waitingFor ?? "an event"))"
            }
            out += "### \(o.recipient.name) — \(o.jurisdiction)\n\n"
            out += "- When: \(when)"
            if let standard = d.standard { out += "; the statute's standard: \"\(standard)\"" }
            out += "\n- Under: \(o.citation) (\(o.regime); rule \(o.ruleVersion)); deadline: \(d.citation)\n"
            if let contact = o.recipient.contact { out += "- Where: \(contact)\n" }
            if let notice = o.notice { out += "- Notice recorded: \(ZonedTime.rfc3339(notice.sentAt, in: zone))\n" }
            out += "- Why: " + o.reasons.joined(separator: "; ") + "\n"
            if !o.sources.isEmpty { out += "- Sources: " + o.sources.map { "<\($0)>" }.joined(separator: ", ") + "\n" }
            out += "\n"
        }
        if !assessment.notTriggered.isEmpty {
            out += "## Not triggered\n\n"
            for n in assessment.notTriggered {
                out += "- \(n.jurisdiction), \(n.recipient.name): \(n.reason)\(n.citation.map { " (\($0))" } ?? "")\n"
            }
            out += "\n"
        }
        if !assessment.warnings.isEmpty {
            out += "## Warnings\n\n"
            for w in assessment.warnings { out += "- \(w)\n" }
            out += "\n"
        }
        out += "---\n\nComputed by breachclock from rules \(assessment.rulesDigest). "
        out += "Day counts end at 23:59:59 in \(zone.contractName); hours run from the exact instant. "
        out += "This is decision support for counsel, not legal advice.\n"
        return out
    }
}
