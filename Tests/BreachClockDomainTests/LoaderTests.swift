import BreachClockCalculator
import BreachClockLoader
import BreachClockRules
import BreachClockTestSupport
import Foundation
import Testing

/// Partial loading for the CLI: only after these exact bytes passed full validation.
@Suite struct LoaderTests {
    func tempFolder() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("bc-\(UUID())")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    func copyRules(to folder: URL) throws {
        for sub in try FileManager.default.contentsOfDirectory(atPath: Paths.jurisdictions.path) where !sub.contains(".") && sub != "schema" {
            try FileManager.default.copyItem(at: Paths.jurisdictions.appendingPathComponent(sub), to: folder.appendingPathComponent(sub))
        }
    }

    @Test func partialLoadGivesTheSameAssessment() throws {
        let rules = try tempFolder()
        let cacheDir = try tempFolder()
        defer {
            try? FileManager.default.removeItem(at: rules)
            try? FileManager.default.removeItem(at: cacheDir)
        }
        try copyRules(to: rules)
        let cache = ValidationCache(directory: cacheDir)
        let places = ["US-CA", "US-TX", "US-NY", "DE"]
        let full = try RulesLoader(directory: rules).load(places: places, cache: cache)
        #expect(full.rules.count >= 55)  // first run: everything parsed and validated
        let partial = try RulesLoader(directory: rules).load(places: places, cache: cache)
        // The places asked for, and every regime (a file not named by a place code is always read).
        let regimes = full.rules.map(\.code).filter { !PlaceCodes.isKnown($0) }
        #expect(Set(partial.rules.map(\.code)) == Set(["US-CA", "US-TX", "US-NY"] + regimes))
        #expect(regimes.contains("EU-GDPR") && regimes.contains("US-HIPAA"))
        // Given the facts' sectors, regimes for other sectors are not decoded; the assessment is the same.
        let bySector = try RulesLoader(directory: rules).load(places: places, sectors: [], cache: cache)
        #expect(bySector.rule(code: "US-HIPAA") == nil && bySector.rule(code: "EU-GDPR") != nil)
        let hospital = try RulesLoader(directory: rules).load(places: places, sectors: ["hipaa-covered-entity"], cache: cache)
        #expect(hospital.rule(code: "US-HIPAA") != nil && hospital.rule(code: "US-SEC-8K") == nil)
        #expect(partial.digest == full.digest)
        // Only the calendars the loaded rules name are decoded on the warm path.
        #expect(full.calendars.count >= 5)
        let named = Set(
            partial.rules.flatMap {
                $0.versions.flatMap {
                    $0.obligations.compactMap { o -> String? in
                        if case .fixed(let period, _, _, _) = o.deadline.rule { return period.calendar } else { return nil }
                    }
                }
            })
        #expect(Set(bySector.calendars.keys).isSubset(of: named) && bySector.calendars["BR-national"] == nil)
        let facts = IncidentFacts(
            discoveredAt: Date(timeIntervalSince1970: 1_772_478_000), elements: [.name, .ssn],
            affected: places.map { ($0, AffectedCount(exactly: 600)) })
        let a = Calculator(rulebook: full).assess(facts).jsonText(pretty: true)
        let b = Calculator(rulebook: partial).assess(facts).jsonText(pretty: true)
        #expect(a == b)
        #expect(Calculator(rulebook: bySector).assess(facts).jsonText(pretty: true) == a)
        // With the incident's dates, only the versions in force then are decoded; the result is the same.
        let day = CivilDate(year: 2026, month: 3, day: 2)!
        let windowed = try RulesLoader(directory: rules).load(places: places, window: day.adding(days: -2)...day.adding(days: 2), cache: cache)
        let california = try #require(windowed.rule(code: "US-CA"))
        #expect(california.versions.filter(\.isComplete).map(\.effective.description) == ["2026-01-01"])
        #expect(california.versions.count == (try #require(full.rule(code: "US-CA"))).versions.count)
        #expect(Calculator(rulebook: windowed).assess(facts).jsonText(pretty: true) == a)
    }

    /// A calendar is named by its code, as a rule is, so the warm path can find it by name.
    @Test func aCalendarMustBeNamedByItsCode() throws {
        let rules = try tempFolder()
        defer { try? FileManager.default.removeItem(at: rules) }
        try copyRules(to: rules)
        try FileManager.default.moveItem(
            at: rules.appendingPathComponent("calendars/BR-national.yaml"), to: rules.appendingPathComponent("calendars/brazil.yaml"))
        #expect { try RulesLoader(directory: rules).load() } throws: { error in
            "\(error)".contains("calendar `BR-national` must be in a file named BR-national.yaml")
        }
    }

    /// A broken file the incident does not need still stops the run: the digest changed, so everything is re-validated.
    @Test func aBrokenUnneededFileStillStopsTheCalculator() throws {
        let rules = try tempFolder()
        let cacheDir = try tempFolder()
        defer {
            try? FileManager.default.removeItem(at: rules)
            try? FileManager.default.removeItem(at: cacheDir)
        }
        try copyRules(to: rules)
        let cache = ValidationCache(directory: cacheDir)
        _ = try RulesLoader(directory: rules).load(places: ["US-CA"], cache: cache)
        try "code: US-WY\nname: Wyoming\nbogus: 1\n".write(to: rules.appendingPathComponent("US/US-WY.yaml"), atomically: true, encoding: .utf8)
        #expect(throws: RulebookError.self) { try RulesLoader(directory: rules).load(places: ["US-CA"], cache: cache) }
    }
}
