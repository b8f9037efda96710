import Foundation

/// The whole rules database: every rule and holiday calendar, checked as a set.
public struct Rulebook: Sendable {
    public let rules: [Rule]
    public let calendars: [String: HolidayCalendar]
    /// `sha256:…` of the rule files' bytes, so an assessment names the exact rules it used.
    public let digest: String
    private let rulesByPlace: [String: [Int]]

    /// Builds a rulebook, or throws every cross-file problem (duplicate codes, unknown calendars).
    /// - Parameter partial: only some rule files were loaded (for one incident), so a deadline that
    ///   names a rule not loaded is not an error here.
    public init(
        rules: [Rule], calendars: [HolidayCalendar], digest: String, locations: [String: SourceLocation] = [:],
        partial: Bool = false
    ) throws(RulebookError) {
        var problems: [DocumentIssue] = []
        var calendarsByCode: [String: HolidayCalendar] = [:]
        for calendar in calendars {
            if calendarsByCode[calendar.code] != nil {
                problems.append(
                    DocumentIssue(
                        location: SourceLocation(file: calendar.file, line: 1, column: 1), path: "code",
                        message: "duplicate calendar code `\(calendar.code)`"))
            }
            calendarsByCode[calendar.code] = calendar
        }
        var seen: [String: String] = [:]
        var index: [String: [Int]] = [:]
        for (position, rule) in rules.enumerated() {
            let here = locations[rule.file] ?? SourceLocation(file: rule.file, line: 1, column: 1)
            if let other = seen[rule.code] {
                problems.append(DocumentIssue(location: here, path: "code", message: "rule code `\(rule.code)` is also used by \(other)"))
            }
            seen[rule.code] = rule.file
            for place in rule.covers { index[place, default: []].append(position) }
            for (v, version) in rule.versions.enumerated() {
                for (o, obligation) in version.obligations.enumerated() {
                    for period in Rulebook.periods(of: obligation.deadline.rule) where period.unit == .businessDays {
                        if let code = period.calendar, calendarsByCode[code] == nil {
                            problems.append(
                                DocumentIssue(
                                    location: here, path: "versions[\(v)].obligations[\(o)].deadline.calendar",
                                    message: "unknown holiday calendar `\(code)` (known: \(calendarsByCode.keys.sorted().joined(separator: ", ")))"))
                        }
                    }
                }
            }
        }
        // Deadlines that run from another rule's notice must name an obligation that rule has. A rule
        // that is not loaded (the CLI loads only the places an incident needs) is not checked here;
        // `rules validate` loads them all.
        let byCode = Dictionary(rules.map { ($0.code, $0) }, uniquingKeysWith: { first, _ in first })
        for rule in rules {
            let here = locations[rule.file] ?? SourceLocation(file: rule.file, line: 1, column: 1)
            for (v, version) in rule.versions.enumerated() where version.isComplete {
                for (o, obligation) in version.obligations.enumerated() {
                    guard case .after(_, let ref, _) = obligation.deadline.rule, let slash = ref.firstIndex(of: "/") else { continue }
                    let code = String(ref[..<slash])
                    let id = String(ref[ref.index(after: slash)...])
                    guard let other = byCode[code] else {
                        if !PlaceCodes.isKnown(code) && !partial {
                            problems.append(
                                DocumentIssue(
                                    location: here, path: "versions[\(v)].obligations[\(o)].deadline.after",
                                    message: "relative deadline names `\(ref)`, but there is no rule `\(code)`"))
                        }
                        continue
                    }
                    if !other.versions.contains(where: { !$0.isComplete || $0.obligation(id) != nil }) {
                        problems.append(
                            DocumentIssue(
                                location: here, path: "versions[\(v)].obligations[\(o)].deadline.after",
                                message: "relative deadline names `\(ref)`, but no version of \(code) has an obligation `\(id)`"))
                    }
                }
            }
        }
        if !problems.isEmpty { throw RulebookError(issues: problems) }
        self.rules = rules
        self.calendars = calendarsByCode
        self.digest = digest
        self.rulesByPlace = index
    }

    static func periods(of rule: DeadlineRule) -> [Period] {
        switch rule {
        case .open, .before: return []
        case .fixed(let period, _, _, let bound): return [period] + (bound.map { [$0.period] } ?? [])
        case .after(let period, _, _): return [period]
        }
    }

    /// The rule with this code.
    public func rule(code: String) -> Rule? { rules.first { $0.code == code } }

    /// The positions in `rules` of the rules whose `covers` include `place`.
    public func positions(covering place: String) -> [Int] { rulesByPlace[place] ?? [] }
}

/// Problems that make a rules database unusable, each with its file position.
public struct RulebookError: Error, Sendable, CustomStringConvertible {
    public var issues: [DocumentIssue]

    public init(issues: [DocumentIssue]) { self.issues = issues }

    public var description: String { issues.map(\.description).joined(separator: "\n") }
}
