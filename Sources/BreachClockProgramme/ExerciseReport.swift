import BreachClockCalculator
import BreachClockRules
import Foundation

/// An exercise's action item as stored: the log's item with its id, status and history.
public struct ActionItemState: Sendable, Equatable, Codable {
    public var id: String
    /// The exercise it came from, or
    public var exerciseID: String?
    /// the closed incident whose post-incident review opened it.
    public var incidentID: String?
    public var title: String
    public var owner: String
    /// YYYY-MM-DD.
    public var due: String
    /// `people/ID`, `roles/ID`, `severities/ID` or `systems/ID`.
    public var changes: String?
    /// `open` or `done`.
    public var status: String
    /// RFC 3339 (UTC), when it was closed.
    public var closedAt: String?
    public var resolution: String?

    public init(
        id: String, exerciseID: String?, incidentID: String? = nil, title: String, owner: String, due: String, changes: String?, status: String,
        closedAt: String?,
        resolution: String?
    ) {
        self.id = id
        self.exerciseID = exerciseID
        self.incidentID = incidentID
        self.title = title
        self.owner = owner
        self.due = due
        self.changes = changes
        self.status = status
        self.closedAt = closedAt
        self.resolution = resolution
    }

    /// Open past its due date on `day` (the day after the due date is the first day it is late).
    public func isOverdue(on day: CivilDate) -> Bool {
        guard status == "open", let due = CivilDate(iso: due) else { return false }
        return day > due
    }
}

/// The after-action report of an exercise, in JSON (this type, Codable) and in Markdown
/// (`markdown`). Every figure in it is computed from the record: how long before its deadline each
/// decision was taken, which reminders reached their receiver.
public struct ExerciseReport: Sendable, Equatable, Codable {
    public struct Decision: Sendable, Equatable, Codable {
        public var at: String
        public var by: String
        public var decision: String
        public var obligation: String?
        /// Seconds from the decision to the obligation's deadline as it stood then: positive when
        /// taken before it, negative after. Nil when the obligation had no fixed deadline.
        public var secondsBeforeDeadline: Int?
        /// In words: "26h before the deadline", "no fixed deadline".
        public var againstDeadline: String
    }

    public var exerciseID: String
    public var name: String
    public var marking: String
    public var startsAt: String
    public var ranFor: String
    /// RFC 3339 (UTC): when it was run, on the real clock.
    public var runAt: String
    public var attendance: [ExerciseLog.Attendance]
    public var steps: [ExerciseRecord.Step]
    public var finalObligations: [ExerciseRecord.Obligation]
    public var decisions: [Decision]
    public var reminders: [ExerciseRecord.Reminder]
    public var observations: [ExerciseLog.Observation]
    /// This exercise's items, then the items still open from earlier exercises (they carry over).
    public var actionItems: [ActionItemState]

    public init(exerciseID: String, runAt: String, record: ExerciseRecord, log: ExerciseLog?, actionItems: [ActionItemState]) {
        self.exerciseID = exerciseID
        name = record.name
        marking = "EXERCISE"
        startsAt = record.startsAt
        ranFor = ExerciseScenario.Offset(seconds: record.ranFor).description
        self.runAt = runAt
        attendance = log?.attendance ?? []
        steps = record.steps
        finalObligations = record.steps.last?.obligations ?? []
        decisions = (log?.decisions ?? []).map { entry in
            let offset = ExerciseScenario.Offset(seconds: entry.at).description
            guard let id = entry.obligation else {
                return Decision(
                    at: offset, by: entry.by, decision: entry.decision, obligation: nil, secondsBeforeDeadline: nil,
                    againstDeadline: "not against an obligation")
            }
            guard let obligation = record.obligation(id, at: entry.at) else {
                return Decision(
                    at: offset, by: entry.by, decision: entry.decision, obligation: id, secondsBeforeDeadline: nil,
                    againstDeadline: "`\(id)` was not an obligation at \(offset)")
            }
            guard let due = obligation.due, let dueOffset = record.offset(of: due) else {
                return Decision(
                    at: offset, by: entry.by, decision: entry.decision, obligation: id, secondsBeforeDeadline: nil,
                    againstDeadline: "no fixed deadline")
            }
            let left = dueOffset - entry.at
            return Decision(
                at: offset, by: entry.by, decision: entry.decision, obligation: id, secondsBeforeDeadline: left,
                againstDeadline: Self.span(left))
        }
        reminders = record.reminders
        observations = log?.observations ?? []
        self.actionItems = actionItems
    }

    /// "26h before the deadline", "3h 20m after the deadline", "at the deadline".
    static func span(_ seconds: Int) -> String {
        if seconds == 0 { return "at the deadline" }
        let magnitude = abs(seconds)
        var parts: [String] = []
        if magnitude >= 86_400 * 2 { parts.append("\(magnitude / 86_400)d") }
        let hours = magnitude >= 86_400 * 2 ? (magnitude % 86_400) / 3_600 : magnitude / 3_600
        if hours > 0 { parts.append("\(hours)h") }
        if (magnitude % 3_600) / 60 > 0 { parts.append("\((magnitude % 3_600) / 60)m") }
        if parts.isEmpty { parts.append("\(magnitude)s") }
        return parts.joined(separator: " ") + (seconds > 0 ? " before the deadline" : " after the deadline")
    }

    /// The report as Markdown, for people.
    public var markdown: String {
        var lines: [String] = []
        func cell(_ text: String) -> String {
            text.replacingOccurrences(of: "|", with: "\\|").replacingOccurrences(of: "\n", with: " ")
        }
        func offset(_ seconds: Int?) -> String { seconds.map { ExerciseScenario.Offset(seconds: $0).description } ?? "-" }
        lines.append("# After-action report: \(name)")
        lines.append("")
        lines.append(
            "**EXERCISE.** Nothing here is a real incident. Simulated from \(startsAt) for \(ranFor); run \(runAt). Exercise `\(exerciseID)`.")
        lines.append("")
        lines.append("## Attendance")
        lines.append("")
        if attendance.isEmpty {
            lines.append("No attendance was recorded.")
        } else {
            let present = attendance.filter(\.attended).count
            lines.append("\(present) of \(attendance.count) invited attended.")
            lines.append("")
            lines.append("| Person | Attended | Playing |")
            lines.append("|---|---|---|")
            for entry in attendance { lines.append("| \(cell(entry.person)) | \(entry.attended ? "yes" : "no") | \(cell(entry.playing ?? "")) |") }
        }
        lines.append("")
        lines.append("## Timeline")
        lines.append("")
        for step in steps {
            lines.append("- **\(offset(step.at))** \(step.say)")
            for change in step.changes { lines.append("  - \(change)") }
            for warning in step.warnings { lines.append("  - warning: \(warning)") }
        }
        lines.append("")
        lines.append("## Deadlines at the end of the exercise")
        lines.append("")
        if finalObligations.isEmpty {
            lines.append("No obligations.")
        } else {
            lines.append("| Obligation | Recipient | Citation | Due | Notice sent |")
            lines.append("|---|---|---|---|---|")
            for o in finalObligations {
                let due = o.due ?? "no fixed deadline (\(o.deadlineKind))"
                lines.append("| \(cell(o.id)) | \(cell(o.recipient)) | \(cell(o.citation)) | \(due) | \(o.noticeSentAt ?? "not sent") |")
            }
        }
        lines.append("")
        lines.append("## Decisions against the deadlines")
        lines.append("")
        if decisions.isEmpty {
            lines.append("No decisions were recorded.")
        } else {
            lines.append("| At | By | Decision | Obligation | Against the deadline |")
            lines.append("|---|---|---|---|---|")
            for d in decisions {
                lines.append("| \(d.at) | \(cell(d.by)) | \(cell(d.decision)) | \(cell(d.obligation ?? "")) | \(cell(d.againstDeadline)) |")
            }
        }
        lines.append("")
        lines.append("## Reminders sent to the exercise's subscriptions (each marked EXERCISE)")
        lines.append("")
        if reminders.isEmpty {
            lines.append("None were sent.")
        } else {
            let delivered = reminders.filter(\.delivered).count
            lines.append("\(delivered) of \(reminders.count) attempts delivered.")
            lines.append("")
            lines.append("| At | Event | Obligation | Receiver | Result |")
            lines.append("|---|---|---|---|---|")
            for r in reminders {
                let result = r.delivered ? "delivered (\(r.status.map(String.init) ?? "-"))" : "failed: \(r.error ?? "-")"
                lines.append("| \(offset(r.at)) | \(r.event) | \(cell(r.obligation ?? "")) | \(cell(r.host)) | \(cell(result)) |")
            }
        }
        lines.append("")
        lines.append("## Observations")
        lines.append("")
        if observations.isEmpty { lines.append("No observations were recorded.") }
        for verdict in ExerciseLog.Verdict.allCases {
            let entries = observations.filter { $0.verdict == verdict }
            guard !entries.isEmpty else { continue }
            lines.append(verdict == .wentWell ? "What went well:" : verdict == .wentPoorly ? "What went poorly:" : "Notes:")
            lines.append("")
            for entry in entries { lines.append("- \(entry.at.map { offset($0) + " " } ?? "")\(entry.text) (\(entry.by))") }
            lines.append("")
        }
        if observations.isEmpty { lines.append("") }
        lines.append("## Action items")
        lines.append("")
        if actionItems.isEmpty {
            lines.append("None.")
        } else {
            lines.append("| Item | Title | Owner | Due | Changes | Status | From |")
            lines.append("|---|---|---|---|---|---|---|")
            for item in actionItems {
                let status = item.status == "done" ? "done \(item.closedAt ?? "")" : "open"
                let from = item.exerciseID == exerciseID ? "this exercise" : item.exerciseID ?? item.incidentID.map { "review of \($0)" } ?? ""
                lines.append(
                    "| \(item.id) | \(cell(item.title)) | \(cell(item.owner)) | \(item.due) | \(cell(item.changes ?? "")) | \(status) | \(from) |")
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
