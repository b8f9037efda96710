import BreachClockCalculator
import BreachClockRules
import BreachClockTestSupport
import Foundation
import Testing

@testable import BreachClockLoader

/// The rule-format pieces the world's laws need (issue 11), each on a made-up rule so that it is tested
/// alone: thresholds waived by risk, elements or cause (Singapore, Korea), duties by cause (Japan), an
/// outer limit from another event (DORA), regions, Canadian provinces, and holiday calendars with
/// Easter-based, moved and one-off days.
@Suite struct WorldMachineryTests {
    static let law = """
        code: ZZ-TEST
        name: Test law
        law: Test Act § 1
        region: asia-pacific
        covers: [SG]
        reviewed: 2026-12-01
        sources:
          - { id: s, url: https://example.org/act, retrieved: 2026-12-01, says: The act. }
        versions:
          - effective: 2020-01-01
            change: Test version.
            sources: [s]
            personalInformation: { combinations: [[name], [ssn], [special-category]], cite: § 1(a), sources: [s] }
            trigger: { event: access, media: [electronic, paper], cite: § 1(b), sources: [s] }
            obligations:
              - id: scale-or-harm
                recipient: { kind: regulator, name: Commission }
                threshold: { op: ">=", value: 500, counts: total, waivedIf: { risk: likely }, cite: § 2, sources: [s] }
                deadline: { period: 3 days, from: determination, cite: § 2, sources: [s] }
                cite: § 2
                sources: [s]
              - id: scale-sensitive-or-hacking
                recipient: { kind: regulator, name: Agency }
                threshold: { op: ">=", value: 1000, counts: total, waivedIf: { elements: [special-category], causes: [intrusion, unknown] }, cite: § 3, sources: [s] }
                deadline: { period: 72 hours, from: discovery, cite: § 3, sources: [s] }
                cite: § 3
                sources: [s]
              - id: final-wrongful
                recipient: { kind: regulator, name: Commission (final report) }
                forCauses: [intrusion, insider]
                deadline: { period: 60 days, from: discovery, cite: § 4, sources: [s] }
                cite: § 4
                sources: [s]
              - id: final
                recipient: { kind: regulator, name: Commission (final report) }
                notForCauses: [intrusion, insider]
                deadline: { period: 30 days, from: discovery, cite: § 4, sources: [s] }
                cite: § 4
                sources: [s]
              - id: initial
                recipient: { kind: regulator, name: Competent authority }
                deadline: { period: 4 hours, from: classification, orIfSooner: { period: 24 hours, from: discovery }, cite: § 5, sources: [s] }
                cite: § 5
                sources: [s]
              - id: register
                recipient: { kind: register, name: The entity's breach register }
                deadline: { standard: document every breach, cite: § 6, sources: [s] }
                cite: § 6
                sources: [s]
        """

    static func calculator(_ text: String = law) throws -> Calculator {
        let root = try DocumentParser.parse(text, file: "Asia-Pacific/ZZ-TEST.yaml", limits: .rules)
        let issues = IssueCollector()
        let rule = try #require(RuleDecoder(file: "Asia-Pacific/ZZ-TEST.yaml", issues: issues).decodeRule(root), "\(issues.issues)")
        let real = try RealRules.rulebook()
        return Calculator(
            rulebook: try Rulebook(rules: real.rules.filter { $0.code != "SG" } + [rule], calendars: Array(real.calendars.values), digest: "t"))
    }

    func assess(_ facts: String) throws -> Assessment {
        let calculator = try Self.calculator()
        return calculator.assess(try FactsLoader.load(text: facts, file: "t.yaml", decoder: calculator.factsDecoder))
    }

    func due(_ assessment: Assessment, _ id: String) -> String? {
        assessment.obligations.first { $0.id == "ZZ-TEST/\(id)" }.map {
            $0.deadline.due.map { ZonedTime.rfc3339($0, in: ZonedTime.utc) } ?? $0.deadline.kind.rawValue
        }
    }

    /// Singapore's shape: the commission at 500 or more, or at any count when harm is likely.
    @Test(arguments: [("499", "unlikely", false), ("500", "unlikely", true), ("3", "likely", true), ("3", "unknown", true), ("3", "high", true)])
    func thresholdWaivedByRisk(count: String, risk: String, owed: Bool) throws {
        let assessment = try assess(
            """
            events: { discoveredAt: 2026-03-02T10:00:00Z }
            data: { elements: [name] }
            riskOfHarm: \(risk)
            affected: { SG: \(count) }
            """)
        #expect((due(assessment, "scale-or-harm") != nil) == owed)
        if owed && count == "3" {
            let reasons = assessment.obligations.first { $0.id == "ZZ-TEST/scale-or-harm" }?.reasonDetails.map(\.text) ?? []
            #expect(reasons.contains { $0.contains("notice is due whatever the count") }, "\(reasons)")
        }
    }

    /// Korea's shape: the agency at 1,000 or more, or for sensitive data or a hacking incident at any
    /// count; an unknown cause is read as the one the law names because the rule lists `unknown`.
    @Test(arguments: [
        ("[name]", "inadvertent-disclosure", "999", false), ("[name]", "inadvertent-disclosure", "1000", true),
        ("[special-category]", "lost-device", "2", true), ("[name]", "intrusion", "2", true), ("[name]", "unknown", "2", true),
    ])
    func thresholdWaivedByElementsOrCause(elements: String, cause: String, count: String, owed: Bool) throws {
        let assessment = try assess(
            """
            events: { discoveredAt: 2026-03-02T10:00:00Z, cause: \(cause) }
            data: { elements: \(elements) }
            riskOfHarm: unlikely
            affected: { SG: \(count) }
            """)
        #expect((due(assessment, "scale-sensitive-or-hacking") != nil) == owed)
        #expect(!assessment.warnings.contains { $0.hasPrefix("events.cause") }, "the rule reads the cause")
    }

    /// Japan's shape: 60 days for a wrongful leak, 30 otherwise, and 30 for an unknown cause.
    @Test(arguments: [
        ("intrusion", "final-wrongful", "2026-05-01T23:59:59Z"), ("insider", "final-wrongful", "2026-05-01T23:59:59Z"),
        ("lost-device", "final", "2026-04-01T23:59:59Z"), ("unknown", "final", "2026-04-01T23:59:59Z"),
    ])
    func dutiesByCause(cause: String, owedID: String, dueAt: String) throws {
        let assessment = try assess(
            """
            events: { discoveredAt: 2026-03-02T10:00:00Z, cause: \(cause) }
            data: { elements: [name] }
            affected: { SG: 1 }
            """)
        #expect(due(assessment, owedID) == dueAt)
        let other = owedID == "final" ? "final-wrongful" : "final"
        #expect(due(assessment, other) == nil)
    }

    /// DORA's shape: 4 hours from classification, but never later than 24 hours from awareness; with
    /// no classification yet, the 24-hour limit alone.
    @Test(arguments: [
        ("classifiedAt: 2026-03-02T12:00:00Z", "2026-03-02T16:00:00Z", "classification"),
        ("classifiedAt: 2026-03-03T08:00:00Z", "2026-03-03T10:00:00Z", "discovery"),
        ("", "2026-03-03T10:00:00Z", "discovery"),
    ])
    func outerLimitFromAnotherEvent(classified: String, dueAt: String, clockStart: String) throws {
        let assessment = try assess(
            """
            events: { discoveredAt: 2026-03-02T10:00:00Z\(classified.isEmpty ? "" : ", " + classified) }
            data: { elements: [name] }
            affected: { SG: 1 }
            """)
        let initial = try #require(assessment.obligations.first { $0.id == "ZZ-TEST/initial" })
        #expect(initial.deadline.kind == .fixed)
        #expect(due(assessment, "initial") == dueAt)
        #expect(initial.deadline.clockStart == clockStart)
    }

    /// The internal register is an obligation of its own kind, with no fixed limit.
    @Test func registerObligation() throws {
        let assessment = try assess(
            """
            events: { discoveredAt: 2026-03-02T10:00:00Z }
            data: { elements: [name] }
            affected: { SG: 1 }
            """)
        let register = try #require(assessment.obligations.first { $0.id == "ZZ-TEST/register" })
        #expect(register.recipient.kind == .register)
        #expect(register.deadline.kind == .none)
    }

    /// A rule outside the US and the EU must say its region; `orIfSooner` takes one anchor.
    @Test(arguments: [
        ("region: asia-pacific\n", "", nil),
        ("", "", "rule ZZ-TEST needs a `region`"),
        ("region: asia-pacific\n", "after: final, ", "`orIfSooner` needs `after` (another notice) or `from` (an event), not both"),
        ("region: asia-pacific\n", "", nil),
    ])
    func formatChecks(region: String, soonerExtra: String, problem: String?) throws {
        let text = Self.law.replacingOccurrences(of: "region: asia-pacific\n", with: region)
            .replacingOccurrences(of: "orIfSooner: { period:", with: "orIfSooner: { \(soonerExtra)period:")
        let root = try DocumentParser.parse(text, file: "Asia-Pacific/ZZ-TEST.yaml", limits: .rules)
        let issues = IssueCollector()
        let rule = RuleDecoder(file: "Asia-Pacific/ZZ-TEST.yaml", issues: issues).decodeRule(root)
        if let problem {
            #expect(rule == nil)
            #expect(issues.issues.contains { $0.description.contains(problem) }, "\(issues.issues)")
        } else {
            #expect(rule?.region == .asiaPacific)
        }
    }

    /// GDPR Art. 56 and EDPB Guidelines 9/2022: the lead authority of the main establishment; with no
    /// establishment in the EEA, the authority of each member state where affected people live.
    @Test(arguments: [
        ("mainEstablishment: IE", ["Data Protection Commission", "lead supervisory authority, main establishment IE"], ["no lead authority"]),
        ("establishments: [US]", ["no lead authority", "(FR)", "(DE)"], ["main establishment"]),
        ("mainEstablishment: US", ["no lead authority", "(FR)", "(DE)"], ["main establishment"]),
    ])
    func gdprAuthority(entity: String, present: [String], absent: [String]) throws {
        let calculator = try RealRules.calculator()
        let assessment = calculator.assess(
            try FactsLoader.load(
                text: """
                    events: { discoveredAt: 2026-03-02T10:00:00Z }
                    entity: { \(entity) }
                    data: { elements: [name] }
                    affected: { FR: 10, DE: 5 }
                    """, file: "t.yaml", decoder: calculator.factsDecoder))
        let name = try #require(assessment.obligations.first { $0.id == "EU-GDPR/regulator" }).recipient.name
        for text in present { #expect(name.contains(text), "\(name)") }
        for text in absent { #expect(!name.contains(text), "\(name)") }
    }

    /// Issue 12: with neither a main establishment nor establishments, the authority cannot be named,
    /// and the assessment says so instead of pointing at "see authorities".
    @Test func gdprWarnsWithoutEstablishment() throws {
        let calculator = try RealRules.calculator()
        let assessment = calculator.assess(
            try FactsLoader.load(
                text: """
                    events: { discoveredAt: 2026-03-02T10:00:00Z }
                    data: { elements: [name] }
                    affected: { FR: 10 }
                    """, file: "t.yaml", decoder: calculator.factsDecoder))
        #expect(assessment.warnings.contains { $0.hasPrefix("EU-GDPR/regulator: entity.mainEstablishment is not given") }, "\(assessment.warnings)")
        let name = try #require(assessment.obligations.first { $0.id == "EU-GDPR/regulator" }).recipient.name
        #expect(!name.contains("see authorities"))
    }

    /// Issue 12, "whichever is sooner": once Vermont's consumer notice is recorded, the AG deadline is
    /// that day, and the deadline says so instead of "14 business days from discovery"
    /// (9 V.S.A. § 2435(b)(3)(B)(i)).
    @Test func soonerBranchIsNamed() throws {
        let calculator = try RealRules.calculator()
        let facts = """
            timezone: America/New_York
            events: { discoveredAt: 2026-03-02T10:00:00-05:00 }
            data: { elements: [name, ssn] }
            affected: { US-VT: 20 }
            """
        let before = calculator.assess(try FactsLoader.load(text: facts, file: "t.yaml", decoder: calculator.factsDecoder))
        let open = try #require(before.obligations.first { $0.id == "US-VT/regulator" }).deadline
        #expect(open.clockStart == "discovery" && open.period?.contains("business days") == true)
        let after = calculator.assess(
            try FactsLoader.load(
                text: facts + "\nnotices:\n  - { jurisdiction: US-VT, recipient: individuals, sentAt: 2026-03-10T12:00:00-04:00 }",
                file: "t.yaml", decoder: calculator.factsDecoder))
        let decided = try #require(after.obligations.first { $0.id == "US-VT/regulator" }).deadline
        #expect(decided.dueDate?.description == "2026-03-10")
        #expect(decided.clockStart == "notice:US-VT/individuals")
        #expect(decided.period == "no later than the notice to US-VT/individuals", "\(decided.period ?? "")")
    }

    /// Chile's Law 21.719 (art. 14 sexies): data subjects are told only of sensitive or financial data;
    /// otherwise the notice is reported as not triggered, naming the elements it needs.
    @Test(arguments: [("[name, contact-details]", false), ("[name, payment-card]", true), ("[medical]", true)])
    func dutyBoundToElements(elements: String, owed: Bool) throws {
        let calculator = try RealRules.calculator()
        let assessment = calculator.assess(
            try FactsLoader.load(
                text: """
                    timezone: America/Santiago
                    events: { discoveredAt: 2026-12-02T10:00:00-03:00 }
                    data: { elements: \(elements) }
                    riskOfHarm: likely
                    affected: { CL: 10 }
                    """, file: "t.yaml", decoder: calculator.factsDecoder))
        #expect(assessment.obligations.contains { $0.id == "CL/individuals" } == owed)
        if !owed {
            let reason = assessment.notTriggered.first { $0.id == "CL/individuals" }?.reason ?? ""
            #expect(reason.hasPrefix("only when one of these is exposed: "), "\(reason)")
        }
    }

    /// Canadian provinces are place codes, and a country's law may cover its own subdivisions only.
    @Test func provincesAndCountryCoverage() throws {
        #expect(PlaceCodes.isKnown("CA-QC"))
        #expect(!PlaceCodes.isKnown("CA-XX"))
        #expect(PlaceCodes.isWithin("CA-QC", country: "CA"))
        #expect(!PlaceCodes.isWithin("US-CA", country: "CA"))
        #expect(!PlaceCodes.isWithin("CAN", country: "CA"))
        #expect(RulesLoader.isNeeded("Americas/CA.yaml", places: ["CA-QC"]))
        #expect(!RulesLoader.isNeeded("Americas/CA.yaml", places: ["US-CA"]))
    }
}

/// Holiday calendars as data: Easter-based days, days moved to Monday, one-off days, years a holiday
/// existed, and weekends other than Saturday and Sunday.
@Suite struct CalendarFormTests {
    func calendar(_ text: String) throws -> HolidayCalendar {
        let root = try DocumentParser.parse(text, file: "calendars/ZZ.yaml", limits: .rules)
        let issues = IssueCollector()
        return try #require(RuleDecoder(file: "calendars/ZZ.yaml", issues: issues).decodeCalendar(root), "\(issues.issues)")
    }

    /// Western Easter Sunday against published dates, including the extremes of the Gregorian range
    /// of dates (22 March 1818 and 2285, 25 April 1943 and 2038).
    @Test(arguments: [
        (2024, "2024-03-31"), (2025, "2025-04-20"), (2026, "2026-04-05"), (2027, "2027-03-28"), (2000, "2000-04-23"),
        (2038, "2038-04-25"), (2285, "2285-03-22"), (1970, "1970-03-29"), (2019, "2019-04-21"),
        (2008, "2008-03-23"), (2011, "2011-04-24"), (1943, "1943-04-25"), (1818, "1818-03-22"),
    ])
    func easterSunday(year: Int, expected: String) {
        #expect(HolidayCalendar.Holiday.easterSunday(year).description == expected)
    }

    @Test func easterMovedOnceAndUntil() throws {
        let cal = try calendar(
            """
            code: ZZ
            name: Test calendar
            sources: [{ id: s, url: https://example.org/holidays, retrieved: 2026-12-01, says: Holidays. }]
            weekend: [friday, saturday]
            holidays:
              - { name: Good Friday, easter: -2 }
              - { name: Corpus Christi, easter: 60, observed: next-monday }
              - { name: Epiphany, date: 01-06, observed: next-monday }
              - { name: Jubilee, date: 2026-06-02 }
              - { name: Old Day, date: 03-03, until: 2025 }
            """)
        let days = cal.observedDays(in: 2026).map(\.description).sorted()
        // Easter 2026 is 5 April: Good Friday 3 April; Corpus Christi 4 June (Thursday) moved to Monday 8 June;
        // 6 January 2026 is a Tuesday, moved to Monday 12 January.
        #expect(days == ["2026-01-12", "2026-04-03", "2026-06-02", "2026-06-08"])
        #expect(cal.observedDays(in: 2025).contains(CivilDate(year: 2025, month: 3, day: 3)!))
        // Friday and Saturday rest: Thursday 2026-03-05 + 1 business day is Sunday 2026-03-08.
        #expect(cal.addingBusinessDays(1, to: CivilDate(year: 2026, month: 3, day: 5)!).description == "2026-03-08")
    }

    @Test(arguments: [
        ("{ name: X, easter: 400 }", "an Easter offset is at most 100 days"), ("{ name: X, date: 2026-02-30 }", "expected MM-DD"),
        ("{ name: X, date: 01-01, observed: sometimes }", "unknown observance"),
        ("{ name: X, date: 01-01, since: 2020, until: 2019 }", "is before `since`"),
    ])
    func badHolidaysAreRefused(holiday: String, problem: String) throws {
        let text = """
            code: ZZ
            name: Test calendar
            sources: [{ id: s, url: https://example.org/holidays, retrieved: 2026-12-01, says: Holidays. }]
            holidays:
              - \(holiday)
            """
        let root = try DocumentParser.parse(text, file: "calendars/ZZ.yaml", limits: .rules)
        let issues = IssueCollector()
        #expect(RuleDecoder(file: "calendars/ZZ.yaml", issues: issues).decodeCalendar(root) == nil)
        #expect(issues.issues.contains { $0.description.contains(problem) }, "\(issues.issues)")
    }
}
