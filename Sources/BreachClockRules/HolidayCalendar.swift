import Foundation

/// A set of holidays that business-day periods skip, described as data (`Jurisdictions/calendars/`).
public struct HolidayCalendar: Sendable {
    public enum Holiday: Sendable, Hashable {
        /// A fixed month and day; `observedNearestWeekday` moves Saturday to Friday and Sunday to Monday.
        case fixed(name: String, month: Int, day: Int, observedNearestWeekday: Bool, since: Int?)
        /// The `nth` `weekday` (1 = Monday … 7 = Sunday) of a month; `nth` -1 is the last.
        case nthWeekday(name: String, month: Int, weekday: Int, nth: Int, since: Int?)
    }

    public var code: String
    public var name: String
    public var sources: [RuleSource]
    public var holidays: [Holiday]
    public var file: String

    public init(code: String, name: String, sources: [RuleSource], holidays: [Holiday], file: String) {
        self.code = code
        self.name = name
        self.sources = sources
        self.holidays = holidays
        self.file = file
    }

    /// The holidays (observed days) of `year`, including a New Year's Day of `year + 1` observed on 31 December.
    public func observedDays(in year: Int) -> Set<CivilDate> {
        var days: Set<CivilDate> = []
        for candidateYear in [year, year + 1] {
            for holiday in holidays {
                guard let date = holiday.observedDate(in: candidateYear), date.year == year else { continue }
                days.insert(date)
            }
        }
        return days
    }

    /// Whether `date` is a weekday that is not a holiday.
    public func isBusinessDay(_ date: CivilDate, cache: inout [Int: Set<CivilDate>]) -> Bool {
        if date.isWeekend { return false }
        if cache[date.year] == nil { cache[date.year] = observedDays(in: date.year) }
        return !(cache[date.year]!.contains(date))
    }

    /// The `count`th business day after `date` (the day of `date` itself is not counted).
    public func addingBusinessDays(_ count: Int, to date: CivilDate) -> CivilDate {
        var cache: [Int: Set<CivilDate>] = [:]
        var current = date
        var remaining = count
        while remaining > 0 {
            current = current.adding(days: 1)
            if isBusinessDay(current, cache: &cache) { remaining -= 1 }
        }
        return current
    }
}

extension HolidayCalendar.Holiday {
    public var name: String {
        switch self {
        case .fixed(let name, _, _, _, _), .nthWeekday(let name, _, _, _, _): return name
        }
    }

    /// The day the holiday is observed in `year`, or nil when it did not exist yet.
    public func observedDate(in year: Int) -> CivilDate? {
        switch self {
        case .fixed(_, let month, let day, let observed, let since):
            if let since, year < since { return nil }
            guard let date = CivilDate(year: year, month: month, day: day) else { return nil }
            guard observed else { return date }
            switch date.isoWeekday {
            case 6: return date.adding(days: -1)
            case 7: return date.adding(days: 1)
            default: return date
            }
        case .nthWeekday(_, let month, let weekday, let nth, let since):
            if let since, year < since { return nil }
            if nth > 0 {
                let first = CivilDate(year: year, month: month, day: 1)!
                let offset = (weekday - first.isoWeekday + 7) % 7
                let date = first.adding(days: offset + 7 * (nth - 1))
                return date.month == month ? date : nil
            } else {
                let last = CivilDate(year: year, month: month, day: CivilDate.daysIn(month: month, year: year))!
                let offset = (last.isoWeekday - weekday + 7) % 7
                return last.adding(days: -offset - 7 * (-nth - 1))
            }
        }
    }
}
