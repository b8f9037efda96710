import BreachClockRules
import Foundation

/// A closed incident's post-incident review (CC7.5): what people wrote (root cause, what went well
/// and poorly, action items that feed the programme) and what the record shows, computed, never
/// typed: each obligation's deadline against the notice actually sent, and the reminders delivered.
public struct PostIncidentReview: Sendable, Equatable, Codable {
    /// What the reviewers write.
    public struct Input: Sendable, Equatable, Codable {
        public var rootCause: String
        public var wentWell: [String]
        public var wentPoorly: [String]

        public init(rootCause: String, wentWell: [String], wentPoorly: [String]) {
            self.rootCause = rootCause
            self.wentWell = wentWell
            self.wentPoorly = wentPoorly
        }
    }

    /// One obligation's deadline against its notice.
    public struct Outcome: Sendable, Equatable, Codable {
        public enum Verdict: String, Sendable, Equatable, Codable {
            /// Sent on or before a fixed deadline.
            case met
            /// Sent after a fixed deadline.
            case late
            /// Sent; the law sets no fixed limit (or the clock ran from something else).
            case sent
            /// Not sent, and a decision recorded that it was not required.
            case notRequired = "not-required"
            /// Not sent, with no decision saying why: a gap.
            case notSent = "not-sent"
        }

        public var obligation: String
        public var jurisdiction: String
        public var recipient: String
        public var citation: String
        /// RFC 3339 (UTC), for a fixed deadline.
        public var due: String?
        public var noticeSentAt: String?
        public var verdict: Verdict
        /// For a late notice: how late, in seconds.
        public var lateBySeconds: Int?
        /// In words: "met, 3 days before the deadline", "late by 2 days 4 hours".
        public var text: String

        public init(
            obligation: String, jurisdiction: String, recipient: String, citation: String, due: Date?, noticeSentAt: Date?,
            notRequiredBecause: String?
        ) {
            self.obligation = obligation
            self.jurisdiction = jurisdiction
            self.recipient = recipient
            self.citation = citation
            self.due = due.map { RFC3339.text($0, offsetSeconds: 0) }
            self.noticeSentAt = noticeSentAt.map { RFC3339.text($0, offsetSeconds: 0) }
            lateBySeconds = nil
            switch (due, noticeSentAt) {
            case (let due?, let sent?):
                let margin = Int(due.timeIntervalSince(sent).rounded(.down))
                if margin >= 0 {
                    verdict = .met
                    text = margin == 0 ? "met, at the deadline" : "met, \(Self.span(margin)) before the deadline"
                } else {
                    verdict = .late
                    lateBySeconds = -margin
                    text = "late by \(Self.span(-margin))"
                }
            case (nil, _?):
                verdict = .sent
                text = "sent; the law sets no fixed deadline"
            case (_, nil):
                if let why = notRequiredBecause {
                    verdict = .notRequired
                    text = "not sent: decided not required (\(why))"
                } else {
                    verdict = .notSent
                    text = due == nil ? "not sent, and no decision records why" : "not sent by its deadline, and no decision records why"
                }
            }
        }

        /// "2 days 4 hours", "5 hours 10 minutes", "40 seconds".
        static func span(_ seconds: Int) -> String {
            let days = seconds / 86_400
            let hours = (seconds % 86_400) / 3_600
            let minutes = (seconds % 3_600) / 60
            func unit(_ n: Int, _ name: String) -> String { "\(n) \(name)\(n == 1 ? "" : "s")" }
            if days > 0 { return hours > 0 ? unit(days, "day") + " " + unit(hours, "hour") : unit(days, "day") }
            if hours > 0 { return minutes > 0 ? unit(hours, "hour") + " " + unit(minutes, "minute") : unit(hours, "hour") }
            if minutes > 0 { return unit(minutes, "minute") }
            return unit(seconds, "second")
        }
    }

    /// A message the service planned for the incident, and what became of it.
    public struct Reminder: Sendable, Equatable, Codable {
        public var event: String
        public var obligation: String?
        public var host: String
        public var dueAt: String
        public var state: String
        public var deliveredAt: String?

        public init(event: String, obligation: String?, host: String, dueAt: String, state: String, deliveredAt: String?) {
            self.event = event
            self.obligation = obligation
            self.host = host
            self.dueAt = dueAt
            self.state = state
            self.deliveredAt = deliveredAt
        }
    }

    public var incidentID: String
    public var title: String
    public var closedAt: String?
    public var recordedAt: String
    public var recordedBy: String
    public var rootCause: String
    public var wentWell: [String]
    public var wentPoorly: [String]
    public var obligations: [Outcome]
    /// Delivered messages, by due time; `notDelivered` counts the rest (cancelled, failed, planned).
    public var remindersDelivered: [Reminder]
    public var notDelivered: Int
    public var actionItems: [ActionItemState]

    public init(
        incidentID: String, title: String, closedAt: String?, recordedAt: String, recordedBy: String, input: Input, obligations: [Outcome],
        reminders: [Reminder], actionItems: [ActionItemState]
    ) {
        self.incidentID = incidentID
        self.title = title
        self.closedAt = closedAt
        self.recordedAt = recordedAt
        self.recordedBy = recordedBy
        rootCause = input.rootCause
        wentWell = input.wentWell
        wentPoorly = input.wentPoorly
        self.obligations = obligations
        remindersDelivered = reminders.filter { $0.state == "delivered" }
        notDelivered = reminders.count - remindersDelivered.count
        self.actionItems = actionItems
    }

    /// The review as Markdown, for people.
    public var markdown: String {
        func cell(_ text: String) -> String { text.replacingOccurrences(of: "|", with: "\\|").replacingOccurrences(of: "\n", with: " ") }
        var lines = [
            "# Post-incident review: \(title)", "",
            "Incident `\(incidentID)`, closed \(closedAt ?? "-"); review recorded \(recordedAt) by \(recordedBy).", "",
            "## Root cause", "", rootCause, "", "## What went well", "",
        ]
        lines += wentWell.isEmpty ? ["Nothing was recorded."] : wentWell.map { "- " + $0 }
        lines += ["", "## What went poorly", ""]
        lines += wentPoorly.isEmpty ? ["Nothing was recorded."] : wentPoorly.map { "- " + $0 }
        lines += ["", "## Deadlines against the notices sent", ""]
        if obligations.isEmpty {
            lines.append("The incident had no obligations.")
        } else {
            let met = obligations.filter { $0.verdict == .met }.count
            let late = obligations.filter { $0.verdict == .late }.count
            let gaps = obligations.filter { $0.verdict == .notSent }.count
            lines.append("\(met) met, \(late) late, \(gaps) not sent without a recorded decision, of \(obligations.count).")
            lines += ["", "| Obligation | Recipient | Due | Notice sent | Outcome |", "|---|---|---|---|---|"]
            for o in obligations {
                lines.append(
                    "| \(cell(o.obligation)) | \(cell(o.recipient)) | \(o.due ?? "no fixed deadline") | \(o.noticeSentAt ?? "-") | \(cell(o.text)) |")
            }
        }
        lines += ["", "## Reminders delivered", ""]
        if remindersDelivered.isEmpty {
            lines.append("None were delivered.")
        } else {
            lines += ["| Due | Event | Obligation | Receiver | Delivered |", "|---|---|---|---|---|"]
            for r in remindersDelivered {
                lines.append("| \(r.dueAt) | \(r.event) | \(cell(r.obligation ?? "")) | \(cell(r.host)) | \(r.deliveredAt ?? "-") |")
            }
        }
        if notDelivered > 0 {
            lines += [
                "",
                "\(notDelivered) other planned message(s) were not delivered (cancelled once a notice was sent or the incident closed, or failed).",
            ]
        }
        lines += ["", "## Action items", ""]
        if actionItems.isEmpty {
            lines.append("None.")
        } else {
            lines += ["| Item | Title | Owner | Due | Changes | Status |", "|---|---|---|---|---|---|"]
            for item in actionItems {
                lines.append(
                    "| \(item.id) | \(cell(item.title)) | \(cell(item.owner)) | \(item.due) | \(cell(item.changes ?? "")) | \(item.status) |")
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }
}

/// Reads what reviewers write, strictly: `rootCause`, `wentWell`, `wentPoorly`, `actionItems`.
public enum PostIncidentReviewDecoder {
    typealias S = ScalarReader

    public static func decode(_ root: DocumentNode) throws(RulebookError) -> (input: PostIncidentReview.Input, actionItems: [ExerciseLog.ActionItem])
    {
        let issues = IssueCollector()
        guard var map = MappingReader(root, path: "", issues: issues) else { throw RulebookError(issues: issues.reported) }
        let rootCause = map.required("rootCause").flatMap { S.text($0, "rootCause", issues) }
        let wentWell = ProgrammeDecoder.texts(map.optional("wentWell"), "wentWell", issues)
        let wentPoorly = ProgrammeDecoder.texts(map.optional("wentPoorly"), "wentPoorly", issues)
        let items = ProgrammeDecoder.list(map.optional("actionItems"), "actionItems", issues) { node, path in
            ExerciseLogDecoder.actionItem(node, path, issues)
        }
        map.finish()
        guard issues.isEmpty, let rootCause else { throw RulebookError(issues: issues.reported) }
        return (PostIncidentReview.Input(rootCause: rootCause, wentWell: wentWell, wentPoorly: wentPoorly), items.map(\.value))
    }
}
