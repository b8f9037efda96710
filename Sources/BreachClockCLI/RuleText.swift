import BreachClockRules
import Foundation

extension DeadlineRule {
    /// A short description: `30 calendar days from discovery`, `no fixed limit`, `before individuals`.
    var summary: String {
        switch self {
        case .open: return "no fixed limit"
        case .fixed(let period, let from, _, let sooner):
            let base = "\(period) from \(from.rawValue)"
            return sooner.map { "\(base), or \($0.period) after \($0.obligation ?? $0.from?.rawValue ?? "") if sooner" } ?? base
        case .after(let period, let id, _):
            return period.amount == 0 ? "no later than \(id)" : "\(period) after \(id)"
        case .before(let id, _): return "before \(id)"
        }
    }
}

extension Threshold {
    /// `>500`, `≥250`, with `total` marked.
    var short: String {
        let op = comparison == .moreThan ? ">" : comparison == .atLeast ? "≥" : "<"
        let counted = counts == .total ? " total" : counts == .largestPlace ? " in one place" : ""
        return op + "\(value)" + counted + (waivedIfEstablished ? " (any, where established)" : "")
    }
}

/// The coverage table (`rules list`, `Jurisdictions/COVERAGE.md`).
enum CoverageTable {
    struct Row {
        var code: String
        var name: String
        var individuals: String
        var regulators: String
        var agencies: String
        var reviewed: String
        /// For a sector regime: the sectors it binds, and every obligation with its clock.
        var sectors: [String]? = nil
        var duties: String = ""
        var region: Region = .unitedStates
        /// Outside the United States: the authorities and where to file with them.
        var authorities: String = ""
    }

    /// A law the calculator only warns about, in a few words.
    static func unassessed(_ law: UnassessedLaw) -> String {
        switch law.reason {
        case .awaiting: "none in force: \(law.about)"
        case .unverified: "not encoded (statute text unverified): \(law.about)"
        }
    }

    static func rows(rulebook: Rulebook, on date: CivilDate) -> [Row] {
        rulebook.rules.sorted { $0.code < $1.code }.map { rule in
            var row = row(rule, on: date)
            row.region = rule.region
            if rule.region != .unitedStates, let version = rule.version(on: date) ?? rule.versions.first {
                let named = version.obligations.filter { $0.recipient.kind == .regulator }.map { o in
                    o.recipient.contact.map { "\(o.recipient.name) (\($0))" } ?? o.recipient.name
                }
                var unique: [String] = []
                for name in named where !unique.contains(name) { unique.append(name) }
                row.authorities = unique.isEmpty ? "—" : unique.joined(separator: "; ")
            } else if rule.region != .unitedStates {
                row.authorities = "—"
            }
            return row
        }
    }

    static func row(_ rule: Rule, on date: CivilDate) -> Row {
        guard let version = rule.version(on: date) ?? rule.versions.first else {
            if let sectors = rule.requiredSectors {
                return Row(
                    code: rule.code, name: rule.name, individuals: "", regulators: "", agencies: "", reviewed: "\(rule.reviewed)",
                    sectors: sectors.map(\.rawValue).sorted(), duties: rule.unassessed.map(CoverageTable.unassessed) ?? "none in force")
            }
            return Row(
                code: rule.code, name: rule.name, individuals: "—", regulators: rule.unassessed.map(CoverageTable.unassessed) ?? "—",
                agencies: "—", reviewed: "\(rule.reviewed)")
        }
        if let sectors = rule.requiredSectors {
            let duties = version.obligations.map { o in
                let threshold = o.threshold.map { " \($0.short)" } ?? ""
                let who = o.forSectors.isEmpty ? "" : " [\(o.forSectors.map(\.rawValue).sorted().joined(separator: ", "))]"
                return "\(o.id)\(who) → \(o.recipient.name)\(threshold): \(o.deadline.rule.summary)"
            }
            return Row(
                code: rule.code, name: rule.name, individuals: "", regulators: "", agencies: "", reviewed: "\(rule.reviewed)",
                sectors: sectors.map(\.rawValue).sorted(), duties: duties.joined(separator: "; "))
        }
        let owners = version.obligations.filter { $0.roles.contains(.owner) && $0.condition == .breach && $0.forSectors.isEmpty }
        let individuals = owners.filter { $0.recipient.kind == .individuals }.map { $0.deadline.rule.summary }
        let regulators = owners.filter { $0.recipient.kind == .regulator || $0.recipient.kind == .lawEnforcement }.map { o in
            let threshold = o.threshold.map { " \($0.short)" } ?? ""
            return "\(o.recipient.name)\(threshold): \(o.deadline.rule.summary)"
        }
        let agencies = owners.filter { $0.recipient.kind == .consumerReportingAgencies }.map { o in
            (o.threshold?.short ?? "any") + ": " + o.deadline.rule.summary
        }
        return Row(
            code: rule.code, name: rule.name,
            individuals: individuals.isEmpty ? "—" : individuals.joined(separator: "; "),
            regulators: regulators.isEmpty ? "—" : regulators.joined(separator: "; "),
            agencies: agencies.isEmpty ? "—" : agencies.joined(separator: "; "),
            reviewed: "\(rule.reviewed)")
    }

    static func markdown(_ rows: [Row], asOf: CivilDate, asOfGiven: Bool) -> String {
        var out = "# Coverage\n\n"
        out +=
            "Generated by `breachclock rules list --format markdown\(asOfGiven ? " --as-of \(asOf)" : "")` from the rule files; do not edit by hand.\n"
        out +=
            "The law as in force on \(asOf). Thresholds: `>500` means more than 500, `≥250` means 250 or more, counted among the jurisdiction's residents unless marked `total`.\n\n"
        func line(_ cells: [String]) -> String {
            "| " + cells.map { $0.replacingOccurrences(of: "|", with: "\\|") }.joined(separator: " | ") + " |\n"
        }
        let places = rows.filter { $0.sectors == nil && $0.region == .unitedStates }
        let world = rows.filter { $0.sectors == nil && $0.region != .unitedStates }
        let regimes = rows.filter { $0.sectors != nil }
        out += "## Places\n\n"
        out += "| Code | Jurisdiction | Individuals | Regulators (threshold: deadline) | Consumer reporting agencies | Reviewed |\n"
        out += "| --- | --- | --- | --- | --- | --- |\n"
        for row in places { out += line([row.code, row.name, row.individuals, row.regulators, row.agencies, row.reviewed]) }
        if !world.isEmpty {
            out += "\n## World\n\n"
            out += "Countries' general laws and other regimes outside the United States, by region. The authority column says where to file.\n"
            for region in Region.allCases where region != .unitedStates {
                let inRegion = world.filter { $0.region == region }
                if inRegion.isEmpty { continue }
                out += "\n### \(region.title)\n\n"
                out += "| Code | Law | Authority (where to file) | Individuals | Authority (threshold: deadline) | Reviewed |\n"
                out += "| --- | --- | --- | --- | --- | --- |\n"
                for row in inRegion { out += line([row.code, row.name, row.authorities, row.individuals, row.regulators, row.reviewed]) }
            }
        }
        out += "\n## Sector regimes\n\n"
        out +=
            "Federal and sector regimes bind an entity because of what it is (`entity.sectors`); a duty marked [sector] binds only that sector.\n\n"
        out += "| Code | Regime | Sectors | Duties (threshold: deadline) | Reviewed |\n"
        out += "| --- | --- | --- | --- | --- |\n"
        for row in regimes { out += line([row.code, row.name, row.sectors?.joined(separator: ", ") ?? "", row.duties, row.reviewed]) }
        out += "\n\(places.count) US places, \(world.count) laws elsewhere and \(regimes.count) sector regimes, \(rows.count) rules.\n"
        return out
    }

    static func plain(_ rows: [Row]) -> String {
        var out = ""
        for row in rows {
            out += "\(row.code)  \(row.name)  (reviewed \(row.reviewed))\n"
            if let sectors = row.sectors {
                out += "  sectors:     \(sectors.joined(separator: ", "))\n"
                out += "  duties:      \(row.duties)\n"
                continue
            }
            out += "  individuals: \(row.individuals)\n"
            out += "  regulators:  \(row.regulators)\n"
            out += "  agencies:    \(row.agencies)\n"
        }
        return out
    }
}

/// `rules show`: a rule version in words, with citations.
enum RuleDescription {
    static func render(_ rule: Rule, on date: CivilDate) -> String {
        var out = "\(rule.code): \(rule.name) — \(rule.law)\n"
        if let official = rule.official { out += "Official text: \(official)\n" }
        out += "Reviewed \(rule.reviewed). File: Jurisdictions/\(rule.file)\n"
        out += "Versions: " + (rule.versions.isEmpty ? "none" : rule.versions.map { "\($0.effective)" }.joined(separator: ", ")) + "\n"
        if let law = rule.unassessed, rule.version(on: date) == nil {
            out += "\n\(CoverageTable.unassessed(law)) (\(law.provenance.cite)).\n"
            return out
        }
        guard let version = rule.version(on: date) else {
            out += "\nNo version is in force on \(date); the oldest encoded takes effect \(rule.versions.first.map { "\($0.effective)" } ?? "?").\n"
            return out
        }
        out += "\nIn force on \(date): \(version.label) — \(version.change)\n"
        if let next = rule.nextVersion(after: date) { out += "Next version takes effect \(next.effective): \(next.change)\n" }
        out += "\nPersonal information (\(version.personalInformation.provenance.cite)):\n"
        for combination in version.personalInformation.combinations {
            out += "  - " + combination.map(\.rawValue).joined(separator: " + ") + "\n"
        }
        let media = version.trigger.media.map(\.rawValue).sorted().joined(separator: ", ")
        out +=
            "Breach: \(version.trigger.event == .acquisition ? "acquisition (access alone does not trigger)" : "access suffices"); media: \(media) (\(version.trigger.provenance.cite))\n"
        if let e = version.encryption {
            out +=
                "Encryption: \(e.safeHarbor ? "safe harbor" : "no safe harbor")\(e.lostIfKeyCompromised ? ", lost if the key is compromised" : "") (\(e.provenance.cite))\n"
        } else {
            out += "Encryption: no safe harbor stated\n"
        }
        if let h = version.riskOfHarm {
            var text = "Risk of harm: no notice when harm is \(h.exemptWhen.rawValue)"
            if h.documentationRequired { text += "; written determination required" + (h.retainYears.map { ", kept \($0) years" } ?? "") }
            out += text + " (\(h.provenance.cite))\n"
        } else {
            out += "Risk of harm: no exemption\n"
        }
        for exemption in version.exemptions {
            out +=
                "Exemption for \(exemption.sectors.map(\.rawValue).sorted().joined(separator: ", ")): \(exemption.condition) (\(exemption.provenance.cite))\n"
        }
        if let d = version.lawEnforcementDelay {
            out +=
                "Law-enforcement delay: \(d.effect == .restart ? "the period runs from the end of the delay" : "due no earlier than the end of the delay") (\(d.provenance.cite))\n"
        }
        out += "\nObligations:\n"
        for o in version.obligations {
            out += "  \(rule.code)/\(o.id) → \(o.recipient.name) [\(o.recipient.kind.rawValue)]\n"
            var conditions: [String] = []
            let roles = o.roles.contains(.owner) ? "owner/controller" : "maintainer/processor"
            conditions.append("binds the \(roles)")
            if o.condition == .harmExempt { conditions.append("only when the risk-of-harm exemption is used") }
            if let m = o.minimumRisk { conditions.append("when the risk of harm is at least \(m.rawValue)") }
            if !o.forSectors.isEmpty { conditions.append("only for " + o.forSectors.map(\.rawValue).sorted().joined(separator: ", ")) }
            if !o.notForSectors.isEmpty { conditions.append("not for " + o.notForSectors.map(\.rawValue).sorted().joined(separator: ", ")) }
            out += "    when: " + conditions.joined(separator: "; ") + "\n"
            if let t = o.threshold {
                out +=
                    "    threshold: \(t.comparison.phrase(t.value)) \(t.counts == .residents ? "residents" : "people in total") (\(t.provenance.cite))\n"
            }
            out += "    deadline: \(o.deadline.rule.summary)"
            if let standard = o.deadline.rule.standard { out += "; \"\(standard)\"" }
            out += " (\(o.deadline.provenance.cite))\n"
            out += "    citation: \(o.provenance.cite)\n"
            if let contact = o.recipient.contact { out += "    contact: \(contact)\n" }
        }
        if !rule.disputes.isEmpty {
            out += "\nDisputes:\n"
            for d in rule.disputes { out += "  - \(d.about) Reading: \(d.reading) [\(d.sources.joined(separator: ", "))]\n" }
        }
        out += "\nSources:\n"
        for s in rule.sources {
            out += "  [\(s.id)] \(s.url) (retrieved \(s.retrieved)\(s.published.map { ", published \($0)" } ?? ""))\n      \(s.says)\n"
        }
        return out
    }
}

extension Region {
    /// The heading for a region's table.
    var title: String {
        switch self {
        case .unitedStates: "United States"
        case .europe: "Europe"
        case .americas: "Americas"
        case .asiaPacific: "Asia-Pacific"
        case .middleEastAfrica: "Middle East and Africa"
        }
    }
}
