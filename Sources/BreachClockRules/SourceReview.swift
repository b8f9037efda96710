/// The standing of a rule's sources, which `rules validate` reports as warnings.
///
/// A value that counsel relies on must rest on at least one source of standing: the law's official
/// text, a regulator's page or a recognised law firm's chart. Mirrors and aggregators may sit beside
/// them, never alone. These findings do not stop the rules from loading: a rule with a weak source is
/// still the best reading we have, but the maintainers must see it.
public enum SourceReview {
    /// One warning about one rule or calendar file.
    public struct Finding: Sendable, Hashable, CustomStringConvertible {
        /// The file, relative to the rules folder.
        public var file: String
        public var message: String

        public var description: String { "\(file): warning: \(message)" }
    }

    /// The warnings for every rule and calendar of a rulebook, in file order.
    public static func findings(for rulebook: Rulebook) -> [Finding] {
        let rules = rulebook.rules.sorted { $0.file < $1.file }.flatMap { findings(for: $0) }
        let calendars = rulebook.calendars.values.sorted { $0.file < $1.file }.flatMap { findings(for: $0) }
        return rules + calendars
    }

    /// A rule without an official link, sources without a kind, and values resting only on
    /// secondary sources.
    public static func findings(for rule: Rule) -> [Finding] {
        var found: [Finding] = []
        if rule.official == nil {
            found.append(Finding(file: rule.file, message: "\(rule.code) has no `official:` link to the law's official text"))
        }
        found += unclassified(rule.sources, file: rule.file)
        let kinds = Dictionary(rule.sources.map { ($0.id, $0.kind) }, uniquingKeysWith: { first, _ in first })
        var seen: Set<Provenance> = []
        for (place, provenance) in valuesWithProvenance(rule) where seen.insert(provenance).inserted {
            let sourceKinds = provenance.sources.map { kinds[$0] ?? nil }
            // Unclassified sources are reported once above; judge a value only when all are classified.
            guard sourceKinds.allSatisfy({ $0 != nil }), !sourceKinds.contains(where: { $0?.hasStanding == true }) else { continue }
            found.append(
                Finding(
                    file: rule.file,
                    message:
                        "\(place) (\(provenance.cite)) rests only on secondary sources (\(provenance.sources.joined(separator: ", "))): add the official text, a regulator's page or a law firm's chart"
                ))
        }
        return found
    }

    /// Calendars need classified sources and at least one of standing.
    public static func findings(for calendar: HolidayCalendar) -> [Finding] {
        var found = unclassified(calendar.sources, file: calendar.file)
        if calendar.sources.allSatisfy({ $0.kind != nil }), !calendar.sources.contains(where: { $0.kind?.hasStanding == true }) {
            found.append(
                Finding(
                    file: calendar.file,
                    message: "calendar \(calendar.code) rests only on secondary sources: add an official or regulator's list of holidays"))
        }
        return found
    }

    static func unclassified(_ sources: [RuleSource], file: String) -> [Finding] {
        sources.filter { $0.kind == nil }.map {
            Finding(
                file: file, message: "source `\($0.id)` has no `kind` (one of: \(RuleSource.Kind.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
    }

    /// Every cited value of a rule with a short description of where it sits.
    static func valuesWithProvenance(_ rule: Rule) -> [(String, Provenance)] {
        var values: [(String, Provenance)] = []
        if let unassessed = rule.unassessed { values.append(("\(rule.code) \(unassessed.reason.rawValue)", unassessed.provenance)) }
        for version in rule.versions where version.isComplete {
            let at = "\(rule.code)@\(version.effective)"
            values.append(("\(at) personal information", version.personalInformation.provenance))
            values.append(("\(at) trigger", version.trigger.provenance))
            if let encryption = version.encryption { values.append(("\(at) encryption", encryption.provenance)) }
            if let harm = version.riskOfHarm { values.append(("\(at) risk of harm", harm.provenance)) }
            for exemption in version.exemptions { values.append(("\(at) exemption", exemption.provenance)) }
            if let delay = version.lawEnforcementDelay { values.append(("\(at) law-enforcement delay", delay.provenance)) }
            for obligation in version.obligations {
                values.append(("\(at) \(obligation.id)", obligation.provenance))
                values.append(("\(at) \(obligation.id) deadline", obligation.deadline.provenance))
                if let threshold = obligation.threshold { values.append(("\(at) \(obligation.id) threshold", threshold.provenance)) }
            }
        }
        return values
    }
}
