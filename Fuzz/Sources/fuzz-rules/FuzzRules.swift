import BreachClockCalculator
import BreachClockLoader
import BreachClockRules
import Foundation
import FuzzSupport

/// A rule file (YAML, rule limits) through `RuleDecoder.decodeRule` and `decodeCalendar`. Invariants:
/// - nil comes with at least one issue, a rule with none, and at most 51 are reported;
/// - a rule that decodes decodes again with a window (the warm path) to the same code and versions;
/// - a rule that decodes, put in a rulebook with the reviewed calendars, assesses a few incidents in
///   the places it covers without trapping.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = data.bytes(count: size)
    let node: DocumentNode
    do {
        node = try DocumentParser.parse(bytes, format: .yaml, file: "fuzz.yaml", limits: .rules)
    } catch {
        return 0
    }
    DocumentCheck.within(node, .rules, "YAML")
    let calendarIssues = IssueCollector()
    let calendar = RuleDecoder(file: "calendars/fuzz.yaml", issues: calendarIssues).decodeCalendar(node)
    Invariant.check((calendar == nil) != calendarIssues.isEmpty, "rules: decodeCalendar's answer disagrees with its issues")
    Invariant.check(calendarIssues.reported.count <= DocumentLimits.maxReportedIssues + 1, "rules: too many calendar issues reported")

    let issues = IssueCollector()
    let decoded = RuleDecoder(file: "fuzz.yaml", issues: issues).decodeRule(node)
    Invariant.check(
        issues.reported.count <= DocumentLimits.maxReportedIssues + 1,
        "rules: \(issues.reported.count) issues reported")
    guard let rule = decoded else {
        Invariant.check(!issues.isEmpty, "rules: decodeRule returned nil without an issue")
        return 0
    }
    Invariant.check(issues.isEmpty, "rules: decodeRule returned a rule along with issues: \(issues.reported)")

    let window = CivilDate(year: 2026, month: 1, day: 1)!...CivilDate(year: 2026, month: 12, day: 31)!
    let warmIssues = IssueCollector()
    let warm = RuleDecoder(file: "fuzz.yaml", issues: warmIssues).decodeRule(node, window: window)
    Invariant.check(warm != nil && warmIssues.isEmpty, "rules: a rule that decodes fails with a window: \(warmIssues.reported)")
    if let warm {
        Invariant.check(
            warm.code == rule.code && warm.versions.count == rule.versions.count,
            "rules: the windowed decode differs in code or number of versions")
    }

    guard let reviewed = FuzzRules.rulebook else { return 0 }
    let rulebook: Rulebook
    do {
        rulebook = try Rulebook(rules: [rule], calendars: Array(reviewed.calendars.values), digest: "sha256:fuzz")
    } catch {
        return 0
    }
    for facts in Incidents.around(rule) {
        FuzzRules.assess(facts, with: rulebook, "rules")
    }
    return 0
}

/// A few incidents in the places a rule covers: every data element, many people, a likely risk; and
/// an older one, encrypted with the key taken, with a notice already sent under the rule.
enum Incidents {
    static let zone = TimeZone(identifier: "America/New_York")!

    static func around(_ rule: Rule) -> [IncidentFacts] {
        let places = Array(rule.covers.prefix(4))
        guard !places.isEmpty else { return [] }
        let discovered = Date(timeIntervalSince1970: 1_772_478_000)  // 2026-03-02T14:00:00-05:00
        let earlier = Date(timeIntervalSince1970: 1_592_236_800)  // 2020-06-15T12:00:00-04:00
        let all = DataElement.allCases
        let many = places.map { (code: $0, count: AffectedCount(exactly: 100_000)) }
        let few = places.map { (code: $0, count: AffectedCount(min: 1, max: 600)) }
        return [
            IncidentFacts(timeZone: zone, discoveredAt: discovered, elements: all, riskOfHarm: .likely, affected: many),
            IncidentFacts(
                timeZone: zone, discoveredAt: earlier, determinedAt: earlier.addingTimeInterval(86_400 * 3),
                occurredAt: earlier.addingTimeInterval(-86_400 * 30), notifiedByVendorAt: earlier.addingTimeInterval(86_400),
                materialityDeterminedAt: earlier.addingTimeInterval(86_400 * 2), lawEnforcementDelayUntil: earlier.addingTimeInterval(86_400 * 20),
                role: .owner, sectors: [], elements: Array(all.prefix(3)), encrypted: true, keyCompromised: true, riskOfHarm: .unknown,
                affected: few,
                notices: RecipientKind.allCases.map {
                    RecordedNotice(jurisdiction: rule.code, recipient: $0, sentAt: earlier.addingTimeInterval(86_400 * 10))
                }),
            IncidentFacts(
                timeZone: TimeZone(identifier: "Europe/Berlin")!, discoveredAt: discovered, role: .processor,
                sectors: Set(Sector.allCases), mainEstablishment: "DE", elements: [.name, .specialCategory], medium: .paper,
                access: .accessed, riskOfHarm: .high, affected: places.map { (code: $0, count: AffectedCount(exactly: 0)) }),
        ]
    }
}
