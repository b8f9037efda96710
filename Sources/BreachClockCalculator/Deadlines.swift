import BreachClockRules
import Foundation

extension RuleAssessor {
    /// The instant `period` after `start`, by the counting conventions in `Jurisdictions/README.md`.
    func due(after start: Date, _ period: Period) -> Date {
        switch period.unit {
        case .hours:
            return start.addingTimeInterval(Double(period.amount) * 3600)
        case .calendarDays:
            return ZonedTime.endOfDay(ZonedTime.civilDate(of: start, in: offsets).adding(days: period.amount), in: offsets)
        case .months:
            return ZonedTime.endOfDay(ZonedTime.civilDate(of: start, in: offsets).adding(months: period.amount), in: offsets)
        case .businessDays:
            let startDate = ZonedTime.civilDate(of: start, in: offsets)
            // The rulebook checked at load time that the calendar exists.
            let date = calendars[period.calendar ?? ""]?.addingBusinessDays(period.amount, to: startDate)
                ?? HolidayCalendar(code: "", name: "", sources: [], holidays: [], file: "").addingBusinessDays(period.amount, to: startDate)
            return ZonedTime.endOfDay(date, in: offsets)
        }
    }

    func noticeFor(_ localID: String, _ evaluated: [String: Evaluated]) -> RecordedNotice? {
        guard let kind = evaluated[localID]?.obligation.recipient.kind else { return nil }
        let fullID = "\(rule.code)/\(localID)"
        return facts.notices.first { $0.satisfies(obligationID: fullID, jurisdiction: rule.code, kind: kind) }
    }

    func fixed(_ due: Date, clockStart: String, period: String?, standard: String?, citation: String) -> Deadline {
        Deadline(kind: .fixed, due: due, dueDate: ZonedTime.civilDate(of: due, in: offsets), clockStart: clockStart,
            period: period, standard: standard, citation: citation)
    }

    /// Works out the deadline of a triggered obligation, adding to `reasons` what moved it.
    func computeDeadline(_ item: Evaluated, evaluated: [String: Evaluated], reasons: inout [String]) -> Deadline {
        let spec = item.obligation.deadline
        let cite = spec.provenance.cite
        switch spec.rule {
        case .open(let standard):
            return Deadline(kind: .none, standard: standard, citation: cite)

        case .fixed(let period, let from, let standard, let sooner):
            guard var start = facts.instant(of: from) else {
                return Deadline(kind: .pending, clockStart: from.rawValue, period: period.description, standard: standard,
                    waitingFor: ClockStart.factName(from), citation: cite)
            }
            let delay = facts.lawEnforcementDelayUntil.flatMap { until in item.version.lawEnforcementDelay.map { (until, $0) } }
            if let (until, rule) = delay, rule.effect == .restart, until > start {
                start = until
                reasons.append("a law-enforcement delay until \(ZonedTime.rfc3339(until, in: zone)) restarts the clock (\(rule.provenance.cite))")
            }
            var dueAt = due(after: start, period)
            if let (until, rule) = delay, rule.effect == .extend, until > dueAt {
                dueAt = until
                reasons.append("a law-enforcement delay until \(ZonedTime.rfc3339(until, in: zone)) postpones the deadline (\(rule.provenance.cite))")
            }
            if let sooner {
                if let notice = noticeFor(sooner.obligation, evaluated) {
                    let other = due(after: notice.sentAt, sooner.period)
                    if other < dueAt {
                        dueAt = other
                        reasons.append("due sooner because notice to \(rule.code)/\(sooner.obligation) was given on \(ZonedTime.civilDate(of: notice.sentAt, in: offsets))")
                    }
                } else {
                    reasons.append("or, if sooner, \(sooner.period) after notice to \(rule.code)/\(sooner.obligation)")
                }
            }
            return fixed(dueAt, clockStart: from.rawValue, period: period.description, standard: standard, citation: cite)

        case .after(let period, let ref, let standard):
            let refID = "\(rule.code)/\(ref)"
            if let notice = noticeFor(ref, evaluated) {
                return fixed(due(after: notice.sentAt, period), clockStart: "notice:\(refID)", period: "\(period) after notice to \(refID)",
                    standard: standard, citation: cite)
            }
            let phrase = period.amount == 0 ? "no later than notice to \(refID)" : "\(period) after notice to \(refID)"
            return Deadline(kind: .relative, clockStart: "notice:\(refID)", period: phrase, standard: standard,
                relativeTo: refID, offset: period.isoDuration, citation: cite)

        case .before(let ref, let standard):
            let refID = "\(rule.code)/\(ref)"
            if let notice = noticeFor(ref, evaluated) {
                return fixed(notice.sentAt, clockStart: "notice:\(refID)", period: "before notice to \(refID)", standard: standard, citation: cite)
            }
            return Deadline(kind: .relative, clockStart: "notice:\(refID)", period: "before notice to \(refID)", standard: standard,
                relativeTo: refID, offset: "-P0D", citation: cite)
        }
    }
}

extension ClockStart {
    /// The facts field that starts this clock.
    static func factName(_ event: ClockStart) -> String {
        switch event {
        case .discovery: return "events.discoveredAt"
        case .determination: return "events.determinedAt"
        case .occurrence: return "events.occurredAt"
        case .vendorNotice: return "events.notifiedByVendorAt"
        case .materiality: return "events.materialityDeterminedAt"
        case .calendarYearEnd: return "events.discoveredAt"
        }
    }
}
