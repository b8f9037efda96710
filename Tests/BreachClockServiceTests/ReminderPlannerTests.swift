import BreachClockCalculator
import BreachClockTestSupport
import BreachClockWebhooks
import Foundation
import Testing

@testable import BreachClockApplication
@testable import BreachClockStore

/// Which webhook messages `ReminderPlanner` plans for an incident, by each subscription's
/// `ReminderSchedule`: reminders before a fixed deadline and at half its window, overdue messages
/// from the deadline on, weekly nudges for a deadline with no fixed limit; nothing for a closed
/// incident or a notified obligation; times in the incident's zone. Real rules, fixed dates.
@Suite struct ReminderPlannerTests {
    /// GDPR, Art. 33: the authority within 72 hours of discovery (2 March 2026, 10:00 in Berlin); the
    /// breach register has no fixed limit.
    static let gdpr = """
        timezone: Europe/Berlin
        events: { discoveredAt: 2026-03-02T10:00:00+01:00 }
        entity: { role: controller, mainEstablishment: DE }
        data: { elements: [name, contact-details] }
        riskOfHarm: likely
        affected: { DE: 100 }
        """
    static let discovery = Date(timeIntervalSince1970: 1_772_442_000)
    static let hour: TimeInterval = 3_600
    static let day: TimeInterval = 86_400

    /// A subscription to the given events (all by default) with `schedule`.
    static func subscription(
        _ schedule: ReminderSchedule = ReminderSchedule(), events: [WebhookEventType] = WebhookEventType.allCases,
        incidentID: String? = nil, disabledAt: Date? = nil
    ) -> StoredWebhook {
        StoredWebhook(
            id: "whk_test", url: "https://hooks.example.com/x", format: "json", incidentID: incidentID, events: events.map(\.rawValue),
            schedule: schedule, secret: "whsec_test", createdAt: discovery, disabledAt: disabledAt, disabledReason: nil, failingSince: nil)
    }

    /// The plan for the incident `inc_test` with these facts, as of `now`.
    func plan(
        _ yaml: String, now: Date, events: [(type: WebhookEventType, obligation: Obligation?)] = [],
        webhooks: [StoredWebhook] = [subscription()]
    ) throws -> [PlannedDelivery] {
        let calculator = try RealRules.calculator()
        let facts = try facts(yaml, calculator: calculator)
        let context = ReminderPlanner.Context(
            incidentID: "inc_test", title: "Payroll export", facts: facts, assessment: calculator.assess(facts), now: now, events: events)
        return ReminderPlanner.plan(context, webhooks: webhooks)
    }

    /// The due instant of one obligation of these facts.
    func due(_ yaml: String, _ obligation: String) throws -> Date {
        let calculator = try RealRules.calculator()
        let assessment = calculator.assess(try facts(yaml, calculator: calculator))
        return try #require(assessment.obligations.first { $0.id == obligation }?.deadline.due)
    }

    /// The times of one event for one obligation, in order.
    func times(_ planned: [PlannedDelivery], _ event: WebhookEventType, _ obligation: String) -> [Date] {
        planned.filter { $0.event == event.rawValue && $0.obligationID == obligation }.map(\.dueAt).sorted()
    }

    // MARK: Fixed deadlines

    /// The law's own arithmetic, checked first so the tests below rest on it: 72 hours from discovery.
    @Test func theGDPRDeadlineIs72HoursFromDiscovery() throws {
        #expect(try due(Self.gdpr, "EU-GDPR/regulator") == Self.discovery.addingTimeInterval(72 * Self.hour))
    }

    /// The default schedule, planned the moment the breach is discovered: half the window (36 h
    /// before), 24 h and 4 h before. The 72 h reminder would fall at this very moment, which is not
    /// ahead, so it is not planned.
    @Test func theDefaultScheduleRemindsAtHalfTheWindowAndBeforeTheDeadline() throws {
        let due = try due(Self.gdpr, "EU-GDPR/regulator")
        let planned = try plan(Self.gdpr, now: Self.discovery)
        #expect(times(planned, .reminder, "EU-GDPR/regulator") == [-36, -24, -4].map { due.addingTimeInterval($0 * Self.hour) })
    }

    /// Planned 40 hours in, past the half-window time, the reminders already past are left out: only
    /// those still ahead remain.
    @Test func onlyRemindersStillAheadArePlanned() throws {
        let due = try due(Self.gdpr, "EU-GDPR/regulator")
        let planned = try plan(Self.gdpr, now: Self.discovery.addingTimeInterval(40 * Self.hour))
        #expect(times(planned, .reminder, "EU-GDPR/regulator") == [-24, -4].map { due.addingTimeInterval($0 * Self.hour) })
    }

    /// From the deadline on, an overdue message a day, for a bounded horizon of fourteen days after
    /// the deadline (renewed by every change of the incident).
    @Test func overdueMessagesStartAtTheDeadlineAndRepeatDaily() throws {
        let due = try due(Self.gdpr, "EU-GDPR/regulator")
        let planned = try plan(Self.gdpr, now: Self.discovery)
        let overdue = times(planned, .overdue, "EU-GDPR/regulator")
        #expect(overdue == (0...ReminderPlanner.overdueCount).map { due.addingTimeInterval(Double($0) * Self.day) })
        #expect(overdue.last == due.addingTimeInterval(14 * Self.day))
    }

    /// Planned after the deadline passed: no reminders, an overdue message at once (it is overdue
    /// now), then the daily ones still ahead; once past the whole horizon, only the one at once.
    @Test(
        arguments: [
            (2.5, [3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14]),
            (14.5, []),
            (40, []),
        ] as [(Double, [Int])])
    func anOverdueDeadlineIsSaidAtOnceThenDaily(daysLate: Double, aheadDays: [Int]) throws {
        let due = try due(Self.gdpr, "EU-GDPR/regulator")
        let now = due.addingTimeInterval(daysLate * Self.day)
        let planned = try plan(Self.gdpr, now: now)
        #expect(times(planned, .reminder, "EU-GDPR/regulator").isEmpty)
        #expect(times(planned, .overdue, "EU-GDPR/regulator") == [now] + aheadDays.map { due.addingTimeInterval(Double($0) * Self.day) })
    }

    /// A subscription's own schedule replaces the default: its offsets only, no half-window reminder,
    /// and without `overdueEvery` a single overdue message at the deadline.
    @Test func aSubscriptionsScheduleIsFollowed() throws {
        var schedule = ReminderSchedule()
        schedule.before = [2 * Self.hour, 1.5 * Self.hour]
        schedule.halfWindow = false
        schedule.overdueEvery = nil
        let due = try due(Self.gdpr, "EU-GDPR/regulator")
        let planned = try plan(Self.gdpr, now: Self.discovery, webhooks: [Self.subscription(schedule)])
        #expect(times(planned, .reminder, "EU-GDPR/regulator") == [due.addingTimeInterval(-2 * Self.hour), due.addingTimeInterval(-1.5 * Self.hour)])
        #expect(times(planned, .overdue, "EU-GDPR/regulator") == [due])
    }

    /// A before-offset that lands on the half-window time is one message, not two.
    @Test func coincidingRemindersAreSentOnce() throws {
        var schedule = ReminderSchedule()
        schedule.before = [36 * Self.hour, 4 * Self.hour]
        let due = try due(Self.gdpr, "EU-GDPR/regulator")
        let planned = try plan(Self.gdpr, now: Self.discovery, webhooks: [Self.subscription(schedule)])
        #expect(times(planned, .reminder, "EU-GDPR/regulator") == [due.addingTimeInterval(-36 * Self.hour), due.addingTimeInterval(-4 * Self.hour)])
    }

    /// Each message carries what a receiver needs without calling back: the incident, the
    /// obligation, its deadline's kind and due instant, and the incident's zone.
    @Test func aReminderSaysWhichDeadlineItIsAbout() throws {
        let due = try due(Self.gdpr, "EU-GDPR/regulator")
        let planned = try plan(Self.gdpr, now: Self.discovery)
        let first = try #require(planned.first { $0.event == WebhookEventType.reminder.rawValue && $0.obligationID == "EU-GDPR/regulator" })
        #expect(first.incidentID == "inc_test")
        #expect(first.webhookID == "whk_test")
        let event = try #require(WebhookEvent(payload: first.payload, at: first.dueAt))
        #expect(event.type == .reminder)
        #expect(event.incidentTitle == "Payroll export")
        #expect(event.obligationID == "EU-GDPR/regulator")
        #expect(event.jurisdiction == "EU-GDPR")
        #expect(event.deadlineKind == "fixed")
        #expect(event.due == due)
        #expect(event.deadlineText?.hasSuffix("from discovery") == true)
        #expect(event.timeZone.identifier == "Europe/Berlin")
    }

    // MARK: Deadlines with no fixed limit, or not yet fixed

    /// The register has no fixed limit: a nudge every `nudgeEvery` from now, twelve of them; none
    /// when the subscription asks for none. It is never overdue.
    @Test(arguments: [7 * 86_400, 86_400, nil] as [TimeInterval?])
    func anOpenEndedObligationIsNudged(every: TimeInterval?) throws {
        var schedule = ReminderSchedule()
        schedule.nudgeEvery = every
        let now = Self.discovery.addingTimeInterval(5 * Self.hour)
        let planned = try plan(Self.gdpr, now: now, webhooks: [Self.subscription(schedule)])
        let expected = every.map { every in (1...ReminderPlanner.nudgeCount).map { now.addingTimeInterval(Double($0) * every) } } ?? []
        #expect(times(planned, .reminder, "EU-GDPR/register") == expected)
        #expect(times(planned, .overdue, "EU-GDPR/register").isEmpty)
    }

    /// California over 500 residents: the Attorney General's copy runs from the residents' notice,
    /// a deadline not yet fixed, so it has no reminders until that notice is recorded.
    @Test func aRelativeDeadlineIsNotRemindedUntilItIsFixed() throws {
        let planned = try plan(Self.california(residents: 620), now: Self.laDiscovery)
        #expect(!times(planned, .reminder, "US-CA/individuals").isEmpty)
        #expect(planned.filter { $0.obligationID == "US-CA/regulator" }.isEmpty)
    }

    // MARK: Closed incidents and recorded notices

    /// A closed incident is sent its `incident.closed` and nothing else: no reminder, overdue message
    /// or nudge, even for the deadlines still open.
    @Test func aClosedIncidentPlansOnlyItsClosedEvent() throws {
        let planned = try plan(Self.gdpr, now: Self.discovery, events: [(.incidentClosed, nil)])
        #expect(planned.map(\.event) == ["incident.closed"])
        #expect(planned.first?.dueAt == Self.discovery)
    }

    /// Once the residents' notice is recorded, it is neither reminded nor overdue; the Attorney
    /// General's copy, now due 15 days after that notice, is.
    @Test func aNotifiedObligationIsNotReminded() throws {
        let sent = "2026-03-10T09:00:00-07:00"
        let noticed =
            Self.california(residents: 620)
            + "\nnotices: [{jurisdiction: US-CA, recipient: individuals, sentAt: \(sent), obligation: US-CA/individuals}]"
        let now = Self.laDiscovery.addingTimeInterval(9 * Self.day)
        let planned = try plan(noticed, now: now)
        #expect(planned.filter { $0.obligationID == "US-CA/individuals" }.isEmpty)
        let regulatorDue = try due(noticed, "US-CA/regulator")
        #expect(times(planned, .reminder, "US-CA/regulator").contains(regulatorDue.addingTimeInterval(-24 * Self.hour)))
        #expect(times(planned, .overdue, "US-CA/regulator").first == regulatorDue)
    }

    /// Only subscriptions that want a message get it: one scoped to another incident, one disabled,
    /// or one not subscribed to the event receive nothing of it.
    @Test func onlySubscriptionsThatWantAMessageGetIt() throws {
        let other = Self.subscription(incidentID: "inc_other")
        let disabled = Self.subscription(disabledAt: Self.discovery)
        let remindersOnly = Self.subscription(events: [.reminder])
        #expect(try plan(Self.gdpr, now: Self.discovery, webhooks: [other]).isEmpty)
        #expect(try plan(Self.gdpr, now: Self.discovery, webhooks: [disabled]).isEmpty)
        let planned = try plan(Self.gdpr, now: Self.discovery, events: [(.incidentCreated, nil)], webhooks: [remindersOnly])
        #expect(!planned.isEmpty)
        #expect(planned.allSatisfy { $0.event == WebhookEventType.reminder.rawValue })
    }

    // MARK: Time zones

    /// California's 30 calendar days: discovered 2 March 2026 at 10:00 in Los Angeles.
    static func california(residents: Int, zone: String = "America/Los_Angeles", discovered: String = "2026-03-02T10:00:00-08:00")
        -> String
    {
        """
        timezone: \(zone)
        events: { discoveredAt: \(discovered) }
        data: { elements: [name, ssn] }
        riskOfHarm: likely
        affected: { US-CA: \(residents) }
        """
    }
    static let laDiscovery = Date(timeIntervalSince1970: 1_772_474_400)

    /// A calendar-day deadline ends at 23:59:59 on its day in the incident's zone, so its reminders
    /// fall at the same local times in every zone (72 h before: 23:59:59 three days earlier), and
    /// each message names the zone.
    @Test(arguments: ["America/Los_Angeles", "Asia/Tokyo", "Pacific/Auckland", "UTC"])
    func remindersFollowTheIncidentsZone(zone: String) throws {
        let timeZone = try #require(TimeZone(identifier: zone))
        let yaml = Self.california(residents: 100, zone: zone, discovered: "2026-03-02")
        let planned = try plan(yaml, now: Self.laDiscovery.addingTimeInterval(-Self.day))
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let local = times(planned, .reminder, "US-CA/individuals").map {
            let c = calendar.dateComponents([.month, .day, .hour, .minute, .second], from: $0)
            return [c.month!, c.day!, c.hour!, c.minute!, c.second!]
        }
        #expect(local.suffix(3) == [[3, 29, 23, 59, 59], [3, 31, 23, 59, 59], [4, 1, 19, 59, 59]])
        let first = try #require(planned.first { $0.event == WebhookEventType.reminder.rawValue })
        let payload = try JSONSerialization.jsonObject(with: Data(first.payload.utf8)) as? [String: Any]
        #expect(payload?["timeZone"] as? String == zone)
    }

    /// Offsets are elapsed hours, not wall-clock days: for a deadline of 9 March 2026 in Los Angeles,
    /// the 72 h reminder spans the change to summer time on 8 March and so falls at 22:59:59 local,
    /// while the 24 h one (after the change) is at 23:59:59.
    @Test func offsetsAreElapsedHoursAcrossSummerTime() throws {
        let yaml = Self.california(residents: 100, discovered: "2026-02-07T10:00:00-08:00")
        let due = try due(yaml, "US-CA/individuals")
        let planned = try plan(yaml, now: Self.laDiscovery.addingTimeInterval(-30 * Self.day))
        let reminders = times(planned, .reminder, "US-CA/individuals")
        #expect(reminders.suffix(3) == [-72, -24, -4].map { due.addingTimeInterval($0 * Self.hour) })
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "America/Los_Angeles")!
        #expect(calendar.dateComponents([.day, .hour], from: due) == DateComponents(day: 9, hour: 23))
        let hours = reminders.suffix(3).map { calendar.dateComponents([.day, .hour], from: $0) }
        #expect(hours == [DateComponents(day: 6, hour: 22), DateComponents(day: 8, hour: 23), DateComponents(day: 9, hour: 19)])
    }
}
