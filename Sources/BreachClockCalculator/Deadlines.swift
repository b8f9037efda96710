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
            // The rulebook checked at load time that the calendar exists; weekends alone otherwise.
            let calendar = shared.calendars[period.calendar ?? ""] ?? HolidayCalendar(code: "", name: "", sources: [], holidays: [], file: "")
            return ZonedTime.endOfDay(calendar.addingBusinessDays(period.amount, to: startDate), in: offsets)
        }
    }

    /// The recorded notice for the obligation with local id `localID`, if any.
    func noticeFor(_ localID: String, _ evaluated: [Evaluated]) -> RecordedNotice? {
        // Another rule's obligation: the notice must name it (`obligation: US-HIPAA/regulator`).
        if localID.utf8.contains(0x2F) { return facts.notices.first { $0.obligation == localID } }
        guard !facts.notices.isEmpty, let other = evaluated.first(where: { $0.obligation.id == localID })?.obligation else { return nil }
        return facts.notices.first { $0.satisfies(obligationID: other.qualifiedID, jurisdiction: rule.code, kind: other.recipient.kind) }
    }

    func fixed(_ due: Date, clockStart: String, period: String?, standard: String?, citation: String) -> Deadline {
        dated(Deadline(kind: .fixed, clockStart: clockStart, period: period, standard: standard, citation: citation), due)
    }

    /// `deadline` due at `due`, with its date in the incident's zone.
    func dated(_ deadline: Deadline, _ due: Date) -> Deadline {
        var deadline = deadline
        deadline.due = due
        deadline.dueDate = ZonedTime.civilDate(of: due, in: offsets)
        return deadline
    }

    /// Works out the deadline of a triggered obligation, adding to `reasons` what moved it.
    func computeDeadline(_ item: Evaluated, evaluated: [Evaluated], reasons: inout [Reason]) -> Deadline {
        let spec = item.obligation.deadline
        let cite = spec.provenance.cite
        switch spec.rule {
        case .open(let standard):
            return Deadline(kind: .none, standard: standard, citation: cite)

        case .fixed(let period, let from, let standard, let sooner):
            guard var start = facts.instant(of: from) else {
                // The main clock has not started, but an outer limit from an event that has happened
                // binds already (DORA: 24 hours from awareness, whenever the classification comes).
                if let sooner, let event = sooner.from, let outerStart = facts.instant(of: event) {
                    reasons.append(.outerLimit(sooner.period, from: event, waitingFor: ClockStart.factName(from)))
                    return fixed(
                        due(after: outerStart, sooner.period), clockStart: event.rawValue, period: sooner.period.description,
                        standard: standard, citation: cite)
                }
                return Deadline(
                    kind: .pending, clockStart: from.rawValue, period: period.description, standard: standard,
                    waitingFor: ClockStart.factName(from), citation: cite)
            }
            let delay = facts.lawEnforcementDelayUntil.flatMap { until in item.version.lawEnforcementDelay.map { (until, $0) } }
            if let (until, rule) = delay, rule.effect == .restart, until > start {
                start = until
                reasons.append(
                    .lawEnforcementDelay(until: ZonedTime.rfc3339(until, in: facts.timeZone), effect: .restart, cite: rule.provenance.cite))
            }
            var dueAt = due(after: start, period)
            if let (until, rule) = delay, rule.effect == .extend, until > dueAt {
                dueAt = until
                reasons.append(.lawEnforcementDelay(until: ZonedTime.rfc3339(until, in: facts.timeZone), effect: .extend, cite: rule.provenance.cite))
            }
            if let sooner, let event = sooner.from {
                if let outerStart = facts.instant(of: event), case let outerDue = due(after: outerStart, sooner.period), outerDue < dueAt {
                    reasons.append(.outerLimit(sooner.period, from: event, waitingFor: nil))
                    return fixed(outerDue, clockStart: event.rawValue, period: sooner.period.description, standard: standard, citation: cite)
                }
                reasons.append(.orIfSoonerEvent(sooner.period, from: event))
            } else if let sooner, let obligation = sooner.obligation {
                let other = "\(rule.code)/\(obligation)"
                if let notice = noticeFor(obligation, evaluated) {
                    let soonerDue = due(after: notice.sentAt, sooner.period)
                    if soonerDue < dueAt {
                        reasons.append(.dueSooner(after: other, givenOn: ZonedTime.civilDate(of: notice.sentAt, in: offsets)))
                        // The other branch decides now: say so in the deadline's own words, not the
                        // main period's ("14 business days from discovery" no longer applies).
                        let phrase =
                            sooner.period.amount == 0 ? "no later than the notice to \(other)" : "\(sooner.period) after the notice to \(other)"
                        return fixed(soonerDue, clockStart: "notice:\(other)", period: phrase, standard: standard, citation: cite)
                    }
                } else {
                    reasons.append(.orIfSooner(sooner.period, after: other))
                }
            }
            return dated(Deadline.fixedTexts(period: period, from: from, standard: standard, citation: cite), dueAt)

        case .after(let period, let ref, let standard):
            let o = item.obligation
            if let notice = noticeFor(ref, evaluated) {
                return fixed(
                    due(after: notice.sentAt, period), clockStart: o.relativeClockStart ?? "", period: o.relativePhrase,
                    standard: standard, citation: cite)
            }
            return Deadline(
                kind: .relative, clockStart: o.relativeClockStart, period: o.relativePhrase, standard: standard,
                relativeTo: o.relativeTo, offset: period.isoDuration, citation: cite)

        case .before(let ref, let standard):
            let o = item.obligation
            if let notice = noticeFor(ref, evaluated) {
                return fixed(notice.sentAt, clockStart: o.relativeClockStart ?? "", period: o.relativePhrase, standard: standard, citation: cite)
            }
            return Deadline(
                kind: .relative, clockStart: o.relativeClockStart, period: o.relativePhrase, standard: standard,
                relativeTo: o.relativeTo, offset: "-P0D", citation: cite)
        }
    }
}

extension Deadline {
    /// A fixed deadline of `period` from `from`, with the rule's texts and no time yet. The calculator
    /// and `RuleJSONFragments` both make the texts here, so the written-out copy matches.
    static func fixedTexts(period: Period, from: ClockStart, standard: String?, citation: String) -> Deadline {
        var deadline = Deadline(kind: .fixed, clockStart: from.rawValue, period: period.description, standard: standard, citation: citation)
        deadline.textsAreTheRules = true
        return deadline
    }
}

extension ClockStart {
    /// The facts field that starts this clock.
    static func factName(_ event: ClockStart) -> String {
        switch event {
        case .discovery, .calendarYearEnd: return "events.discoveredAt"
        case .determination: return "events.determinedAt"
        case .occurrence: return "events.occurredAt"
        case .vendorNotice: return "events.notifiedByVendorAt"
        case .materiality: return "events.materialityDeterminedAt"
        case .extortionPayment: return "events.extortionPaymentAt"
        case .classification: return "events.classifiedAt"
        }
    }
}
