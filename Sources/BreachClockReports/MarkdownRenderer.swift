import BreachClockCalculator
import BreachClockRules
import Foundation

/// A memo counsel can paste: facts, obligations with reasons and sources, what is not triggered, warnings.
public struct MarkdownRenderer {
    let assessment: Assessment
    let facts: IncidentFacts
    let rulebook: Rulebook
    let asOf: Date

    /// `asOf` is the instant the assessment was made for (the memo's date).
    public init(assessment: Assessment, facts: IncidentFacts, rulebook: Rulebook, asOf: Date) {
        self.assessment = assessment
        self.facts = facts
        self.rulebook = rulebook
        self.asOf = asOf
    }

    public func render() -> String {
        let zone = facts.timeZone
        var out = "# Breach notification assessment\n\n"
        out += "As of \(ZonedTime.rfc3339(asOf, in: zone)). The deadlines below do not depend on this date; "
        out += "it is the day the facts and the law were read.\n\n"
        out += "## Facts\n\n"
        out += "- Discovered: \(ZonedTime.rfc3339(facts.discoveredAt, in: zone)) (time zone \(zone.contractName))\n"
        if let determined = facts.determinedAt { out += "- Determined: \(ZonedTime.rfc3339(determined, in: zone))\n" }
        out += "- Entity role: \(facts.role.rawValue)"
        out += facts.sectors.isEmpty ? "\n" : "; sectors: \(facts.sectors.map(\.rawValue).sorted().joined(separator: ", "))\n"
        out += "- Data: \(facts.elements.map(\.rawValue).joined(separator: ", "))"
        out += facts.encrypted ? " (encrypted\(facts.keyCompromised ? ", key compromised" : ""))\n" : " (not encrypted)\n"
        out += "- Access: \(facts.access.rawValue); risk of harm: \(facts.riskOfHarm.rawValue); cause: \(facts.cause.rawValue)\n"
        out += "- Affected: " + facts.affected.map { "\($0.code) \($0.count)" }.joined(separator: ", ") + "\n\n"
        out += "## Assumptions\n\n"
        let assumed = assumptions()
        out += assumed.isEmpty ? "None: every fact the rules read was given.\n\n" : assumed.map { "- \($0)\n" }.joined() + "\n"
        out += "## Obligations\n\n"
        if assessment.obligations.isEmpty { out += "None is triggered.\n\n" }
        for o in assessment.obligations {
            let d = o.deadline
            let when: String
            switch d.kind {
            case .fixed:
                when =
                    "**due \(d.due.map { ZonedTime.rfc3339($0, in: zone) } ?? "")** (\(plain(d.period ?? ""))\(d.clockStart.map { $0.hasPrefix("notice:") ? "" : " from \($0)" } ?? ""))"
            case .relative: when = "**\(plain(d.period ?? "relative to another notice"))**"
            case .none: when = "**no fixed deadline in law**"
            case .pending: when = "**clock not started** (waiting for \(d.waitingFor ?? "an event"))"
            }
            out += "### \(o.recipient.name) — \(o.jurisdiction)\n\n"
            out += "- When: \(when)"
            if let standard = d.standard { out += "; the statute's standard: \"\(standard)\"" }
            out += "\n- Under: \(o.citation) (\(o.regime); rule \(o.ruleVersion)); deadline: \(d.citation)\n"
            if let contact = o.recipient.contact { out += "- Where: \(contact)\n" }
            if let notice = o.notice { out += "- Notice recorded: \(ZonedTime.rfc3339(notice.sentAt, in: zone))\n" }
            if let official = o.rule.official { out += "- Official text: <\(official)>\n" }
            out += "- Why: " + o.reasons.map(plain).joined(separator: "; ") + "\n"
            if !o.sources.isEmpty { out += "- Sources: " + o.sources.map { "<\($0)>" }.joined(separator: ", ") + "\n" }
            out += "\n"
        }
        if !assessment.notTriggered.isEmpty {
            out += "## Not triggered\n\n"
            for n in assessment.notTriggered {
                out += "- \(n.jurisdiction), \(n.recipient.name): \(plain(n.reason))\(n.citation.map { " (\($0))" } ?? "")\n"
            }
            out += "\n"
        }
        let disputed = disputes()
        if !disputed.isEmpty {
            out += "## Where sources disagree\n\n"
            for (code, dispute) in disputed {
                let about = dispute.about.trimmingCharacters(in: .whitespacesAndNewlines)
                out += "- \(code): \(about) Reading taken: \(dispute.reading.trimmingCharacters(in: .whitespacesAndNewlines))\n"
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

    /// Facts the rules read that were not given, and what was assumed in their place.
    func assumptions() -> [String] {
        var found: [String] = []
        let obligations = assessment.obligations
        if facts.determinedAt == nil, obligations.contains(where: { $0.deadline.clockStart == ClockStart.determination.rawValue }) {
            found.append(
                "No determination time was given (`events.determinedAt`): clocks that run from the determination start at discovery, the earlier reading."
            )
        }
        if facts.mainEstablishment == nil, obligations.contains(where: { !$0.rule.authorities.isEmpty }) {
            found.append("No main establishment was given (`entity.mainEstablishment`): the lead supervisory authority cannot be named.")
        }
        if facts.sectors.isEmpty {
            found.append(
                "No sectors were given (`entity.sectors`): sector regimes (HIPAA, GLBA, the SEC, NYDFS, insurance, NIS2, DORA and others) were not assessed."
            )
        }
        if facts.cause == .unknown, obligations.contains(where: { $0.version.reads.cause }) {
            found.append(
                "The breach's cause is unknown (`events.cause`): exemptions and clocks that depend on it are read the way that notifies more.")
        }
        if facts.riskOfHarm == .unknown {
            found.append("The risk of harm is unknown (`riskOfHarm`): it is treated as likely, so no risk-of-harm exemption is applied.")
        }
        return found
    }

    /// The disputes recorded in each rule that gave rise to an obligation, rule by rule.
    func disputes() -> [(String, RuleDispute)] {
        var seen: Set<String> = []
        var found: [(String, RuleDispute)] = []
        for obligation in assessment.obligations where seen.insert(obligation.jurisdiction).inserted {
            found += obligation.rule.disputes.map { (obligation.jurisdiction, $0) }
        }
        return found
    }

    /// Replaces obligation ids (`US-IA/individuals`) with the recipient's name and place, so that the
    /// memo reads as prose.
    func plain(_ text: String) -> String {
        guard text.contains("/") else { return text }
        var out = ""
        var rest = Substring(text)
        while let slash = rest.firstIndex(of: "/") {
            // The id is the run of code characters around the slash.
            let isCode: (Character) -> Bool = { $0.isUppercase || $0.isNumber || $0 == "-" }
            let isLocal: (Character) -> Bool = { $0.isLowercase || $0.isNumber || $0 == "-" }
            var start = slash
            while start > rest.startIndex, isCode(rest[rest.index(before: start)]) { start = rest.index(before: start) }
            var end = rest.index(after: slash)
            while end < rest.endIndex, isLocal(rest[end]) { end = rest.index(after: end) }
            let code = String(rest[start..<slash])
            let local = String(rest[rest.index(after: slash)..<end])
            if let name = recipientName(code: code, id: local) {
                out += rest[..<start]
                out += "\(name) (\(code))"
            } else {
                out += rest[..<end]
            }
            rest = rest[end...]
        }
        return out + rest
    }

    func recipientName(code: String, id: String) -> String? {
        guard !code.isEmpty, !id.isEmpty, let rule = rulebook.rule(code: code) else { return nil }
        for version in rule.versions.reversed() {
            if let obligation = version.obligation(id) { return obligation.recipient.name }
        }
        return nil
    }
}
