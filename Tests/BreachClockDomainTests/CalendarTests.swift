import BreachClockCalculator
import BreachClockRules
import BreachClockTestSupport
import Foundation
import Testing

@Suite struct CalendarTests {
    func federal() throws -> HolidayCalendar {
        try #require(try RealRules.rulebook().calendars["US-federal"])
    }

    /// 5 U.S.C. § 6103 holidays as observed in 2026 (OPM's 2026 table): Independence Day falls on a
    /// Saturday and is observed Friday 3 July.
    @Test func federalHolidays2026() throws {
        let days = try federal().observedDays(in: 2026).map(\.description).sorted()
        #expect(
            days == [
                "2026-01-01", "2026-01-19", "2026-02-16", "2026-05-25", "2026-06-19", "2026-07-03",
                "2026-09-07", "2026-10-12", "2026-11-11", "2026-11-26", "2026-12-25",
            ])
    }

    /// New Year's Day 2022 fell on a Saturday and was observed on Friday 31 December 2021 (5 U.S.C. § 6103(b)).
    @Test func newYearObservedInPreviousYear() throws {
        let days = try federal().observedDays(in: 2021)
        #expect(days.contains(CivilDate(year: 2021, month: 12, day: 31)!))
        #expect(!(try federal().observedDays(in: 2022)).contains(CivilDate(year: 2022, month: 1, day: 1)!))
    }

    /// Juneteenth became a federal holiday in 2021 (Pub. L. 117-17).
    @Test func juneteenthSince2021() throws {
        #expect(!(try federal().observedDays(in: 2020)).contains(CivilDate(year: 2020, month: 6, day: 19)!))
        #expect(try federal().observedDays(in: 2021).contains(CivilDate(year: 2021, month: 6, day: 18)!))
    }

    @Test(arguments: [
        // (start, business days, expected): Friday + 1 → Monday; over the observed 3 July 2026; over Thanksgiving.
        ("2026-03-06", 1, "2026-03-09"),
        ("2026-07-01", 5, "2026-07-09"),
        ("2026-11-24", 4, "2026-12-01"),
        ("2026-03-07", 4, "2026-03-12"),  // a Saturday event: Monday is the first business day
    ])
    func businessDays(start: String, count: Int, expected: String) throws {
        let date = try #require(CivilDate(iso: start))
        #expect(try federal().addingBusinessDays(count, to: date).description == expected)
    }

    @Test func civilDateArithmetic() {
        #expect(CivilDate(year: 2026, month: 1, day: 31)!.adding(months: 1).description == "2026-02-28")
        #expect(CivilDate(year: 2024, month: 1, day: 31)!.adding(months: 1).description == "2024-02-29")
        #expect(CivilDate(year: 1970, month: 1, day: 1)!.isoWeekday == 4)
        #expect(CivilDate(dayNumber: CivilDate(year: 2026, month: 11, day: 27)!.dayNumber).description == "2026-11-27")
        #expect(CivilDate(iso: "2026-02-30") == nil)
    }
}

@Suite struct ZonedTimeTests {
    let newYork = TimeZone(identifier: "America/New_York")!

    @Test func parsesOffsetsAndDates() throws {
        let instant = try #require(ZonedTime.parse("2026-03-02T14:00:00-05:00", in: newYork))
        #expect(instant.timeIntervalSince1970 == 1_772_478_000)
        #expect(ZonedTime.parse("2026-03-02T19:00:00Z", in: newYork) == instant)
        #expect(ZonedTime.parse("2026-03-02T19:00:00.250Z", in: newYork)?.timeIntervalSince1970 == 1_772_478_000.25)
        let midnight = try #require(ZonedTime.parse("2026-03-02", in: newYork))
        #expect(ZonedTime.rfc3339(midnight, in: newYork) == "2026-03-02T00:00:00-05:00")
        for bad in ["2026-03-02T14:00:00", "2026-13-02", "yesterday", "2026-03-02T25:00:00Z", "2026-03-02T14:00:00+5"] {
            #expect(ZonedTime.parse(bad, in: newYork) == nil, "\(bad)")
        }
    }

    /// The contract's example: 30 days from 2 March 2026 in New York ends at 23:59:59 EDT on 1 April.
    @Test func endOfDayAcrossDaylightSaving() {
        let due = ZonedTime.endOfDay(CivilDate(year: 2026, month: 4, day: 1)!, in: newYork)
        #expect(ZonedTime.rfc3339(due, in: newYork) == "2026-04-01T23:59:59-04:00")
        #expect(ZonedTime.rfc3339(due, in: ZonedTime.utc) == "2026-04-02T03:59:59Z")
    }

    /// Offsets remembered between transitions (`ZoneOffsetTable`) agree with Foundation at random
    /// instants from 1900 to 2100, in zones whose standard offset changed (Caracas 2007 and 2016,
    /// Moscow 2011 and 2014, Apia 2011, Pyongyang 2015 and 2018), besides ordinary daylight saving.
    @Test(arguments: [
        "America/New_York", "Europe/Berlin", "America/Caracas", "Europe/Moscow", "Pacific/Apia", "Asia/Pyongyang",
        "Australia/Lord_Howe", "America/Sao_Paulo", "UTC",
    ])
    func rememberedOffsetsAgreeWithFoundation(identifier: String) throws {
        let zone = try #require(TimeZone(identifier: identifier))
        var random = SeededGenerator(seed: UInt64(identifier.utf8.reduce(0) { $0 &* 31 &+ Int($1) }.magnitude))
        let offsets = ZoneOffsets(zone)
        for _ in 0..<3000 {
            let second = -2_208_988_800 + Int64(random.next() % 6_311_390_400)  // 1900 to 2100
            let instant = Date(timeIntervalSince1970: Double(second))
            #expect(offsets.offset(at: instant) == zone.secondsFromGMT(for: instant), "\(identifier) at \(second)")
            // Near a transition too: the second before the next one, and the second it happens.
            if let next = zone.nextDaylightSavingTimeTransition(after: instant) {
                for probe in [next.addingTimeInterval(-1), next] {
                    #expect(ZoneOffsets(zone).offset(at: probe) == zone.secondsFromGMT(for: probe), "\(identifier) at \(probe)")
                }
            }
        }
    }
}
