import Foundation

/// A set of holidays that business-day periods skip, described as data (`Jurisdictions/calendars/`).
public struct HolidayCalendar: Sendable {
    /// One holiday: when it falls, how a weekend date is observed, and the years it existed.
    public struct Holiday: Sendable, Hashable {
        public enum When: Sendable, Hashable {
            /// A fixed month and day.
            case fixed(month: Int, day: Int)
            /// The `nth` `weekday` (1 = Monday … 7 = Sunday) of a month; `nth` -1 is the last.
            case nthWeekday(month: Int, weekday: Int, nth: Int)
            /// `offset` days from Western (Gregorian) Easter Sunday: Good Friday is -2.
            case easter(offset: Int)
            /// One day only (a holiday declared for one year).
            case once(CivilDate)
        }

        /// How a holiday is moved from the day it falls on.
        public enum Observance: String, Sendable, Hashable, CaseIterable {
            /// Kept on its day, weekend or not.
            case onTheDay = "on-the-day"
            /// Saturday → the Friday before, Sunday → the Monday after (US federal).
            case nearestWeekday = "nearest-weekday"
            /// Moved to the following Monday unless it falls on a Monday (Colombia's Ley Emiliani).
            case nextMonday = "next-monday"
        }

        public var name: String
        public var when: When
        public var observed: Observance
        /// The first and last years it was a holiday, when limited.
        public var since: Int?
        public var until: Int?

        public init(name: String, when: When, observed: Observance = .onTheDay, since: Int? = nil, until: Int? = nil) {
            self.name = name
            self.when = when
            self.observed = observed
            self.since = since
            self.until = until
        }
    }

    public var code: String
    public var name: String
    public var sources: [RuleSource]
    public var holidays: [Holiday]
    /// The days of the week that are not business days (ISO: 1 = Monday … 7 = Sunday); Saturday and
    /// Sunday unless the calendar says otherwise (Saudi Arabia rests on Friday and Saturday).
    public var weekend: Set<Int>
    public var file: String

    public init(code: String, name: String, sources: [RuleSource], holidays: [Holiday], weekend: Set<Int> = [6, 7], file: String) {
        self.weekend = weekend
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
        if weekend.contains(date.isoWeekday) { return false }
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
    /// The day the holiday is observed in `year`, or nil when it was not a holiday that year.
    public func observedDate(in year: Int) -> CivilDate? {
        if let since, year < since { return nil }
        if let until, year > until { return nil }
        let date: CivilDate
        switch when {
        case .fixed(let month, let day):
            guard let fixed = CivilDate(year: year, month: month, day: day) else { return nil }
            date = fixed
        case .nthWeekday(let month, let weekday, let nth):
            if nth > 0 {
                let first = CivilDate(year: year, month: month, day: 1)!
                let offset = (weekday - first.isoWeekday + 7) % 7
                let found = first.adding(days: offset + 7 * (nth - 1))
                guard found.month == month else { return nil }
                date = found
            } else {
                let last = CivilDate(year: year, month: month, day: CivilDate.daysIn(month: month, year: year))!
                let offset = (last.isoWeekday - weekday + 7) % 7
                date = last.adding(days: -offset - 7 * (-nth - 1))
            }
        case .easter(let offset):
            date = Self.easterSunday(year).adding(days: offset)
        case .once(let day):
            guard day.year == year else { return nil }
            date = day
        }
        switch observed {
        case .onTheDay: return date
        case .nearestWeekday:
            switch date.isoWeekday {
            case 6: return date.adding(days: -1)
            case 7: return date.adding(days: 1)
            default: return date
            }
        case .nextMonday:
            return date.adding(days: (8 - date.isoWeekday) % 7)
        }
    }

    /// Western Easter Sunday of `year` (the anonymous Gregorian computus, as in Meeus, "Astronomical
    /// Algorithms", ch. 8). Written out because no package at hand offers it; it is a dozen lines and
    /// is tested against published Easter dates.
    public static func easterSunday(_ year: Int) -> CivilDate {
        let a = year % 19
        let b = year / 100
        let c = year % 100
        let d = b / 4
        let e = b % 4
        let f = (b + 8) / 25
        let g = (b - f + 1) / 3
        let h = (19 * a + b - d - g + 15) % 30
        let i = c / 4
        let k = c % 4
        let l = (32 + 2 * e + 2 * i - h - k) % 7
        let m = (a + 11 * h + 22 * l) / 451
        let month = (h + l - 7 * m + 114) / 31
        let day = (h + l - 7 * m + 114) % 31 + 1
        return CivilDate(year: year, month: month, day: day)!
    }
}
