import BreachClockRules

/// What the facilitator records of an exercise: who attended, what was observed, the decisions
/// taken against the deadlines, and the action items that came out of it. Read strictly from a
/// YAML or JSON file (`ExerciseLogDecoder`); people and programme entries are checked against the
/// stored programme when there is one (`problems(against:)`).
public struct ExerciseLog: Sendable, Equatable {
    public struct Attendance: Sendable, Equatable, Codable {
        /// A person's id in the programme.
        public var person: String
        public var attended: Bool
        /// The role they played in the exercise, if not their own.
        public var playing: String?

        public init(person: String, attended: Bool, playing: String?) {
            self.person = person
            self.attended = attended
            self.playing = playing
        }
    }

    public enum Verdict: String, Sendable, Equatable, Codable, CaseIterable {
        case wentWell = "went-well"
        case wentPoorly = "went-poorly"
        case note
    }

    public struct Observation: Sendable, Equatable, Codable {
        public var at: Int?
        public var by: String
        public var verdict: Verdict
        public var text: String

        public init(at: Int?, by: String, verdict: Verdict, text: String) {
            self.at = at
            self.by = by
            self.verdict = verdict
            self.text = text
        }
    }

    public struct Decision: Sendable, Equatable, Codable {
        /// Seconds after T+0.
        public var at: Int
        /// The obligation the decision was taken against, if any.
        public var obligation: String?
        public var decision: String
        /// A person's id in the programme.
        public var by: String

        public init(at: Int, obligation: String?, decision: String, by: String) {
            self.at = at
            self.obligation = obligation
            self.decision = decision
            self.by = by
        }
    }

    public struct ActionItem: Sendable, Equatable {
        public var title: String
        /// A person's id in the programme.
        public var owner: String
        public var due: CivilDate
        /// The programme entry the item changes: `people/ID`, `roles/ID`, `severities/ID` or `systems/ID`.
        public var changes: String?

        public init(title: String, owner: String, due: CivilDate, changes: String?) {
            self.title = title
            self.owner = owner
            self.due = due
            self.changes = changes
        }
    }

    public var attendance: [Attendance]
    public var observations: [Observation]
    public var decisions: [Decision]
    public var actionItems: [ActionItem]

    public init(attendance: [Attendance], observations: [Observation], decisions: [Decision], actionItems: [ActionItem]) {
        self.attendance = attendance
        self.observations = observations
        self.decisions = decisions
        self.actionItems = actionItems
    }

    /// References to people or programme entries that the programme does not have.
    public func problems(against programme: Programme) -> [String] {
        let people = Set(programme.people.map(\.id))
        var problems: [String] = []
        for (index, entry) in attendance.enumerated() where !people.contains(entry.person) {
            problems.append("attendance[\(index)].person: no person with id `\(entry.person)` in the programme")
        }
        for (index, entry) in decisions.enumerated() where !people.contains(entry.by) {
            problems.append("decisions[\(index)].by: no person with id `\(entry.by)` in the programme")
        }
        for (index, item) in actionItems.enumerated() {
            if !people.contains(item.owner) {
                problems.append("actionItems[\(index)].owner: no person with id `\(item.owner)` in the programme")
            }
            if let changes = item.changes, !programme.hasEntry(changes) {
                problems.append("actionItems[\(index)].changes: the programme has no entry `\(changes)`")
            }
        }
        return problems
    }
}

extension Programme {
    /// Whether `reference` (`people/ID`, `roles/ID`, `severities/ID`, `systems/ID`) names an entry.
    public func hasEntry(_ reference: String) -> Bool {
        let parts = reference.split(separator: "/", maxSplits: 1).map(String.init)
        guard parts.count == 2 else { return false }
        switch parts[0] {
        case "people": return people.contains { $0.id == parts[1] }
        case "roles": return roles.contains { $0.id == parts[1] }
        case "severities": return severities.contains { $0.id == parts[1] }
        case "systems": return systems.contains { $0.id == parts[1] }
        default: return false
        }
    }
}

/// Reads an exercise log strictly.
public enum ExerciseLogDecoder {
    typealias S = ScalarReader

    public static func decode(_ root: DocumentNode) throws(RulebookError) -> ExerciseLog {
        let issues = IssueCollector()
        guard var map = MappingReader(root, path: "", issues: issues) else { throw RulebookError(issues: issues.reported) }
        let attendance = ProgrammeDecoder.list(map.optional("attendance"), "attendance", issues) { node, path -> ExerciseLog.Attendance? in
            guard var entry = MappingReader(node, path: path, issues: issues) else { return nil }
            let person = entry.required("person").flatMap { S.string($0, entry.path("person"), issues) }
            let attended = entry.required("attended").flatMap { S.bool($0, entry.path("attended"), issues) }
            let playing = entry.optional("playing").flatMap { S.text($0, entry.path("playing"), issues) }
            entry.finish()
            guard let person, let attended else { return nil }
            return ExerciseLog.Attendance(person: person, attended: attended, playing: playing)
        }
        let observations = ProgrammeDecoder.list(map.optional("observations"), "observations", issues) {
            node, path -> ExerciseLog.Observation? in
            guard var entry = MappingReader(node, path: path, issues: issues) else { return nil }
            let at = entry.optional("at").flatMap { ExerciseScenarioDecoder.offset($0, entry.path("at"), issues) }
            let by = entry.required("by").flatMap { S.text($0, entry.path("by"), issues) }
            let verdict: ExerciseLog.Verdict? = entry.required("verdict").flatMap { S.choice($0, entry.path("verdict"), issues, "verdict") }
            let text = entry.required("text").flatMap { S.text($0, entry.path("text"), issues) }
            entry.finish()
            guard let by, let verdict, let text else { return nil }
            return ExerciseLog.Observation(at: at?.seconds, by: by, verdict: verdict, text: text)
        }
        let decisions = ProgrammeDecoder.list(map.optional("decisions"), "decisions", issues) { node, path -> ExerciseLog.Decision? in
            guard var entry = MappingReader(node, path: path, issues: issues) else { return nil }
            let at = entry.required("at").flatMap { ExerciseScenarioDecoder.offset($0, entry.path("at"), issues) }
            let obligation = entry.optional("obligation").flatMap { S.string($0, entry.path("obligation"), issues) }
            let decision = entry.required("decision").flatMap { S.text($0, entry.path("decision"), issues) }
            let by = entry.required("by").flatMap { S.string($0, entry.path("by"), issues) }
            entry.finish()
            guard let at, let decision, let by else { return nil }
            return ExerciseLog.Decision(at: at.seconds, obligation: obligation, decision: decision, by: by)
        }
        let items = ProgrammeDecoder.list(map.optional("actionItems"), "actionItems", issues) { node, path in actionItem(node, path, issues) }
        map.finish()
        guard issues.isEmpty else { throw RulebookError(issues: issues.reported) }
        return ExerciseLog(
            attendance: attendance.map(\.value), observations: observations.map(\.value), decisions: decisions.map(\.value),
            actionItems: items.map(\.value))
    }

    /// An action item: `title`, `owner` (a person's id), `due` (a date), `changes` (a programme entry).
    static func actionItem(_ node: DocumentNode, _ path: String, _ issues: IssueCollector) -> ExerciseLog.ActionItem? {
        guard var entry = MappingReader(node, path: path, issues: issues) else { return nil }
        let title = entry.required("title").flatMap { S.text($0, entry.path("title"), issues) }
        let owner = entry.required("owner").flatMap { S.string($0, entry.path("owner"), issues) }
        let due = entry.required("due").flatMap { S.civilDate($0, entry.path("due"), issues) }
        let changes = entry.optional("changes").flatMap { S.string($0, entry.path("changes"), issues) }
        entry.finish()
        guard let title, let owner, let due else { return nil }
        return ExerciseLog.ActionItem(title: title, owner: owner, due: due, changes: changes)
    }
}
