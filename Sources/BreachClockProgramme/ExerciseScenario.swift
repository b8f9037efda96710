import BreachClockCalculator
import BreachClockRules
import Foundation

/// A tabletop exercise's scenario: an incident whose facts unfold as timed injects ("T+2h: 4,000
/// Texas residents confirmed"), run on a simulated clock that starts at `startsAt` and drives the real
/// calculator and the real reminders (`ExerciseRunner`). Read strictly by `ExerciseScenarioDecoder`.
public struct ExerciseScenario: Sendable {
    /// A point in the exercise, as seconds after T+0 (written `T+2h`, `T+1d4h`, `T+90m`).
    public struct Offset: Sendable, Hashable, Comparable, CustomStringConvertible {
        public var seconds: Int

        public init(seconds: Int) { self.seconds = seconds }

        /// `T+2h`, `T+1d4h`, `T+90m`, `T+0`; at most 366 days.
        public init?(text: String) {
            guard text.hasPrefix("T+") else { return nil }
            let rest = text.dropFirst(2)
            if rest == "0" {
                seconds = 0
                return
            }
            var total = 0
            var number = 0
            var digits = 0
            var lastUnit = Int.max
            for character in rest {
                if let digit = character.wholeNumberValue, character.isASCII {
                    guard digits < 6 else { return nil }
                    number = number * 10 + digit
                    digits += 1
                    continue
                }
                let unit: Int
                switch character {
                case "d": unit = 86_400
                case "h": unit = 3_600
                case "m": unit = 60
                default: return nil
                }
                // Each unit once, largest first: `1d4h`, never `4h1d` or `1h1h`.
                guard digits > 0, unit < lastUnit else { return nil }
                total += number * unit
                lastUnit = unit
                number = 0
                digits = 0
            }
            guard digits == 0, lastUnit != Int.max, total <= 366 * 86_400 else { return nil }
            seconds = total
        }

        /// `T+1d4h`, `T+30m`, `T+0`.
        public var description: String {
            guard seconds > 0 else { return "T+0" }
            var text = "T+"
            var rest = seconds
            for (size, unit) in [(86_400, "d"), (3_600, "h"), (60, "m")] where rest >= size {
                text += "\(rest / size)\(unit)"
                rest %= size
            }
            return text
        }

        public static func < (a: Offset, b: Offset) -> Bool { a.seconds < b.seconds }
    }

    /// Something that happens at a point of the exercise: a line for the players, and what it
    /// changes in the incident (each through the service, as a user would change it).
    public struct Inject: Sendable {
        public var at: Offset
        /// What the facilitator reads out.
        public var say: String
        /// A JSON Merge Patch of the incident's facts.
        public var facts: DocumentNode?
        /// A notice sent now: the body of `POST /v1/incidents/{id}/notices` without `sentAt`.
        public var notice: DocumentNode?
        /// A decision taken now: the body of `POST /v1/incidents/{id}/decisions` without `decidedAt`.
        public var decision: DocumentNode?
    }

    /// Where the exercise's reminders go. These subscriptions exist only for the exercise.
    public struct Webhook: Sendable {
        public var url: String
        /// `json`, `slack` or `teams`.
        public var format: String
        /// The environment variable holding the signing secret (`whsec_…`); one is made up when absent.
        public var secretVariable: String?
    }

    public var name: String
    /// T+0 on the simulated clock.
    public var startsAt: Date
    /// How long the exercise runs on the simulated clock.
    public var runsFor: Offset
    public var incidentTitle: String
    /// The incident's facts at T+0, checked by the calculator when the exercise starts.
    public var facts: DocumentNode
    public var injects: [Inject]
    public var webhooks: [Webhook]
}

/// Reads a scenario file strictly: unknown keys, bad offsets and injects past the end are errors
/// naming their field, all reported at once. The facts themselves are checked by the calculator
/// when the run starts, with their own field paths.
public enum ExerciseScenarioDecoder {
    typealias S = ScalarReader

    /// Explicit limits: a run applies each inject through the service, and sends to each webhook.
    public static let maxInjects = 200
    public static let maxWebhooks = 10

    public static func decode(_ root: DocumentNode) throws(RulebookError) -> ExerciseScenario {
        let issues = IssueCollector()
        let scenario = read(root, issues)
        guard issues.isEmpty, let scenario else { throw RulebookError(issues: issues.reported) }
        return scenario
    }

    static func offset(_ node: DocumentNode, _ path: String, _ issues: IssueCollector) -> ExerciseScenario.Offset? {
        guard let text = S.string(node, path, issues) else { return nil }
        guard let offset = ExerciseScenario.Offset(text: text) else {
            issues.report(node, path, "\(path): expected an offset such as T+2h, T+1d4h or T+90m (at most T+366d), found `\(text)`")
            return nil
        }
        return offset
    }

    static func read(_ root: DocumentNode, _ issues: IssueCollector) -> ExerciseScenario? {
        guard var map = MappingReader(root, path: "", issues: issues) else { return nil }
        let name = map.required("exercise").flatMap { S.text($0, "exercise", issues) }
        var startsAt: Date?
        if let node = map.required("startsAt"), let text = S.string(node, "startsAt", issues) {
            switch FactsDecoder.instant(text, zone: nil) {
            case .success(let (date, _)) where text.count > 10: startsAt = date
            case .success:
                issues.report(node, "startsAt", "startsAt: expected an instant with its offset (2026-03-02T09:00:00-05:00), found `\(text)`")
            case .failure(let problem): issues.report(node, "startsAt", "startsAt: \(problem.message)")
            }
        }
        let runsFor = map.required("runsFor").flatMap { offset($0, "runsFor", issues) }
        var title: String?
        var facts: DocumentNode?
        if let node = map.required("incident"), var incident = MappingReader(node, path: "incident", issues: issues) {
            title = incident.required("title").flatMap { S.text($0, "incident.title", issues) }
            facts = incident.required("facts")
            incident.finish()
        }
        var injects: [ExerciseScenario.Inject] = []
        if let node = map.required("injects"), let items = S.list(node, "injects", issues) {
            if items.count > maxInjects { issues.report(node, "injects", "injects: at most \(maxInjects), found \(items.count)") }
            for (index, item) in items.enumerated() {
                if let inject = self.inject(item, "injects[\(index)]", issues) {
                    if let runsFor, inject.at > runsFor {
                        issues.report(item, "injects[\(index)].at", "injects[\(index)].at: \(inject.at) is after the exercise ends (\(runsFor))")
                    }
                    if let previous = injects.last, inject.at < previous.at {
                        issues.report(
                            item, "injects[\(index)].at",
                            "injects[\(index)].at: \(inject.at) comes before the inject above it (\(previous.at)); list injects in time order")
                    }
                    injects.append(inject)
                }
            }
        }
        var webhooks: [ExerciseScenario.Webhook] = []
        if let node = map.optional("webhooks"), let items = S.list(node, "webhooks", issues) {
            if items.count > maxWebhooks { issues.report(node, "webhooks", "webhooks: at most \(maxWebhooks), found \(items.count)") }
            for (index, item) in items.enumerated() {
                if let hook = webhook(item, "webhooks[\(index)]", issues) { webhooks.append(hook) }
            }
        }
        map.finish()
        guard let name, let startsAt, let runsFor, let title, let facts else { return nil }
        return ExerciseScenario(
            name: name, startsAt: startsAt, runsFor: runsFor, incidentTitle: title, facts: facts, injects: injects, webhooks: webhooks)
    }

    static func inject(_ node: DocumentNode, _ path: String, _ issues: IssueCollector) -> ExerciseScenario.Inject? {
        guard var map = MappingReader(node, path: path, issues: issues) else { return nil }
        let at = map.required("at").flatMap { offset($0, map.path("at"), issues) }
        let say = map.required("say").flatMap { S.text($0, map.path("say"), issues) }
        let facts = map.optional("facts")
        let notice = map.optional("notice")
        let decision = map.optional("decision")
        for (key, value) in [("facts", facts), ("notice", notice), ("decision", decision)] {
            if let value, case .mapping = value {
            } else if let value {
                issues.report(value, map.path(key), "\(map.path(key)): expected a mapping")
            }
        }
        map.finish()
        guard let at, let say else { return nil }
        return ExerciseScenario.Inject(at: at, say: say, facts: facts, notice: notice, decision: decision)
    }

    static func webhook(_ node: DocumentNode, _ path: String, _ issues: IssueCollector) -> ExerciseScenario.Webhook? {
        guard var map = MappingReader(node, path: path, issues: issues) else { return nil }
        let url = map.required("url").flatMap { S.text($0, map.path("url"), issues) }
        var format = "json"
        if let node = map.optional("format"), let text = S.string(node, map.path("format"), issues) {
            if ["json", "slack", "teams"].contains(text) {
                format = text
            } else {
                issues.report(node, map.path("format"), "\(map.path("format")): expected json, slack or teams, found `\(text)`")
            }
        }
        let secret = map.optional("secretFrom").flatMap { S.text($0, map.path("secretFrom"), issues) }
        map.finish()
        guard let url else { return nil }
        return ExerciseScenario.Webhook(url: url, format: format, secretVariable: secret)
    }
}
