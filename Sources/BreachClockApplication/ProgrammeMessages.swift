import BreachClockCalculator
import BreachClockProgramme
import BreachClockRules
import BreachClockStore
import BreachClockWebhooks
import Foundation

/// The webhook messages of the programme (issue 15): an action item's reminder on its due date, and
/// the daily `programme.stale` while findings remain.
public enum ProgrammeMessages {
    /// The `action-item.due` reminder of each item, at the start of its due date (UTC), or now when
    /// that has passed; closing the item cancels it.
    public static func actionItemPlan(now: Date) -> ActionItemPlan {
        { webhooks, items in
            var planned: [PlannedDelivery] = []
            for item in items {
                guard let due = CivilDate(iso: item.due) else { continue }
                let at = max(ZonedTime.instant(due, secondsIntoDay: 0, in: ZonedTime.utc), now)
                let event = WebhookEvent(
                    type: .actionItemDue, incidentID: item.id, incidentTitle: "\(item.title) (owner \(item.owner), due \(item.due))",
                    timeZone: ZonedTime.utc, at: at)
                for hook in webhooks where hook.wants(WebhookEventType.actionItemDue.rawValue, incident: item.id) {
                    planned.append(
                        PlannedDelivery(
                            webhookID: hook.id, incidentID: item.id, obligationID: nil, event: event.type.rawValue, dueAt: at,
                            payload: event.payloadJSON()))
                }
            }
            return planned
        }
    }

    /// The `programme.stale` message for today's findings, to each subscription that has not had one
    /// today (the outbox keeps the day in the message's obligation column). Returns how many were planned.
    @discardableResult
    public static func announceFindings(
        _ findings: [ProgrammeCheck.Finding], organisation: String, on day: CivilDate, now: Date, store: IncidentStore
    ) async throws -> Int {
        guard !findings.isEmpty else { return 0 }
        let kinds = Dictionary(grouping: findings, by: \.kind.rawValue).map { "\($0.value.count) \($0.key)" }.sorted()
        let title = "\(organisation): \(findings.count) finding\(findings.count == 1 ? "" : "s") (\(kinds.joined(separator: ", ")))"
        let event = WebhookEvent(type: .programmeStale, incidentID: "programme", incidentTitle: title, timeZone: ZonedTime.utc, at: now)
        var planned: [PlannedDelivery] = []
        let already = try await store.programmeAnnouncements(on: day.description)
        for hook in try await store.webhooks()
        where hook.disabledAt == nil && hook.wants(event.type.rawValue, incident: "programme") && !already.contains(hook.id) {
            planned.append(
                PlannedDelivery(
                    webhookID: hook.id, incidentID: "programme", obligationID: day.description, event: event.type.rawValue, dueAt: now,
                    payload: event.payloadJSON()))
        }
        _ = try await store.enqueue(all: planned)
        return planned.count
    }
}
