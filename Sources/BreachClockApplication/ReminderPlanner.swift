import BreachClockCalculator
import BreachClockRules
import BreachClockStore
import BreachClockWebhooks
import Foundation

/// Plans an incident's webhook messages from its current assessment, by each subscription's
/// `ReminderSchedule` (by default, for each fixed deadline: at half the window, 72 h, 24 h and 4 h
/// before, at the deadline, then daily while overdue; for a deadline with no fixed limit, a weekly
/// nudge). Overdue messages and nudges are planned for a bounded horizon (14 and 12 of them), which
/// every change of the incident renews. Recorded notices stop their reminders. Only times still
/// ahead are planned; the store replaces the plan in the same transaction as the change.
enum ReminderPlanner {
    static let overdueCount = 14
    static let nudgeCount = 12

    struct Context {
        var incidentID: String
        var title: String
        var facts: IncidentFacts
        var assessment: Assessment
        var now: Date
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
                    deadlineText: obligation.map(describe), timeZone: context.facts.timeZone, at: at)
                planned.append(
                    PlannedDelivery(
                        webhookID: hook.id, incidentID: context.incidentID, obligationID: obligation?.id,
                        event: type.rawValue, dueAt: at, payload: event.payloadJSON()))
            }
            for event in context.events { add(event.type, event.obligation, at: context.now) }
            guard open else { continue }
            let schedule = hook.schedule
            for obligation in context.assessment.obligations where obligation.notice == nil {
                switch obligation.deadline.kind {
                case .fixed:
                    guard let due = obligation.deadline.due else { continue }
                    var times: [Date] = schedule.before.map { due.addingTimeInterval(-$0) }
                    if schedule.halfWindow, let start = clockStart(obligation, context.facts), start < due {
                        times.append(start.addingTimeInterval(due.timeIntervalSince(start) / 2))
                    }
                    for time in Set(times).sorted() where time > context.now { add(.reminder, obligation, at: time) }
                    let every = schedule.overdueEvery ?? 0
                    let overdue = (0...(every > 0 ? overdueCount : 0)).map { due.addingTimeInterval(Double($0) * every) }
                    if let firstAhead = overdue.firstIndex(where: { $0 > context.now }) {
                        if firstAhead > 0 { add(.overdue, obligation, at: context.now) }  // already overdue: say so now
                        for time in overdue[firstAhead...] { add(.overdue, obligation, at: time) }
                    } else {
                        add(.overdue, obligation, at: context.now)
                    }
                case .none:
                    guard let every = schedule.nudgeEvery, every > 0 else { continue }
                    for index in 1...nudgeCount { add(.reminder, obligation, at: context.now.addingTimeInterval(Double(index) * every)) }
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
        case .fixed:
            return [d.period, d.clockStart.map { $0.hasPrefix("notice:") ? "" : "from \($0)" }].compactMap { $0 }.joined(separator: " ")
                .trimmingCharacters(in: .whitespaces)
        case .none: return d.standard.map { "no fixed limit: \"\($0)\"" } ?? "no fixed limit"
        case .relative: return d.period ?? "relative to another notice"
        case .pending: return "clock not started"
        }
    }
}
