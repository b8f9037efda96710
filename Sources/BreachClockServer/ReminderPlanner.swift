import BreachClockCalculator
import BreachClockRules
import BreachClockStore
import BreachClockWebhooks
import Foundation

/// Plans an incident's webhook messages from its current assessment. For each fixed deadline: at half
/// the window, 72 h, 24 h and 4 h before, at the deadline, then daily while overdue (14 days); for a
/// deadline with no fixed limit, a weekly nudge (12 weeks) until the notice is recorded. Recorded
/// notices stop their reminders. Only times still ahead are planned; the store replaces the plan on
/// every change of the incident, in the same transaction.
enum ReminderPlanner {
    static let before: [TimeInterval] = [72 * 3_600, 24 * 3_600, 4 * 3_600]
    static let overdueDays = 14
    static let nudgeWeeks = 12

    struct Context {
        var incidentID: String
        var title: String
        var facts: IncidentFacts
        var assessment: Assessment
        var now: Date
        var link: String?
        /// One-off events to send now (created, closed, obligations added or changed).
        var events: [(type: WebhookEventType, obligation: Obligation?)]
    }

    static func plan(_ context: Context, webhooks: [StoredWebhook]) -> [PlannedDelivery] {
        var planned: [PlannedDelivery] = []
        let open = !context.events.contains { $0.type == .incidentClosed }
        for hook in webhooks {
            func add(_ type: WebhookEventType, _ obligation: Obligation?, at: Date) {
                guard hook.wants(type.rawValue, incident: context.incidentID) else { return }
                let event = WebhookEvent(
                    type: type, incidentID: context.incidentID, incidentTitle: context.title, obligationID: obligation?.id,
                    jurisdiction: obligation?.jurisdiction, recipient: obligation?.recipient.name, citation: obligation?.citation,
                    deadlineKind: obligation?.deadline.kind.rawValue, due: obligation?.deadline.due,
                    deadlineText: obligation.map(describe), timeZone: context.facts.timeZone, at: at, link: context.link)
                planned.append(PlannedDelivery(webhookID: hook.id, incidentID: context.incidentID, obligationID: obligation?.id,
                    event: type.rawValue, dueAt: at, payload: event.payloadJSON()))
            }
            for event in context.events { add(event.type, event.obligation, at: context.now) }
            guard open else { continue }
            for obligation in context.assessment.obligations where obligation.notice == nil {
                switch obligation.deadline.kind {
                case .fixed:
                    guard let due = obligation.deadline.due else { continue }
                    var times: [Date] = before.map { due.addingTimeInterval(-$0) }
                    if let start = clockStart(obligation, context.facts), start < due {
                        times.append(start.addingTimeInterval(due.timeIntervalSince(start) / 2))
                    }
                    for time in Set(times).sorted() where time > context.now { add(.reminder, obligation, at: time) }
                    for day in 0...overdueDays {
                        let time = due.addingTimeInterval(TimeInterval(day) * 86_400)
                        if time > context.now {
                            add(.overdue, obligation, at: time)
                        } else if day == overdueDays || due.addingTimeInterval(TimeInterval(day + 1) * 86_400) > context.now {
                            // Already overdue: say so now, then daily.
                            add(.overdue, obligation, at: context.now)
                        }
                    }
                case .none:
                    for week in 1...nudgeWeeks { add(.reminder, obligation, at: context.now.addingTimeInterval(TimeInterval(week) * 7 * 86_400)) }
                case .relative, .pending:
                    continue  // planned once the clock is fixed (the notice it runs from is recorded)
                }
            }
        }
        return planned
    }

    static func clockStart(_ obligation: Obligation, _ facts: IncidentFacts) -> Date? {
        guard let name = obligation.deadline.clockStart, let event = ClockStart(rawValue: name) else { return nil }
        return facts.instant(of: event)
    }

    static func describe(_ obligation: Obligation) -> String {
        let d = obligation.deadline
        switch d.kind {
        case .fixed: return [d.period, d.clockStart.map { $0.hasPrefix("notice:") ? "" : "from \($0)" }].compactMap { $0 }.joined(separator: " ")
            .trimmingCharacters(in: .whitespaces)
        case .none: return d.standard.map { "no fixed limit: \"\($0)\"" } ?? "no fixed limit"
        case .relative: return d.period ?? "relative to another notice"
        case .pending: return "clock not started"
        }
    }
}
