import BreachClockCalculator
import BreachClockLoader
import BreachClockRules
import BreachClockTestSupport
import Foundation
import Testing

/// Contract § 4: every bad input is named by its field path, and nothing is computed from it.
@Suite struct FactsValidationTests {
    static let valid = """
        timezone: America/New_York
        events: { discoveredAt: 2026-03-02T14:00:00-05:00 }
        data: { elements: [name, ssn] }
        affected: { US-CA: 1200 }
        """

    func problems(_ text: String) throws -> [String] {
        let calculator = try RealRules.calculator()
        do {
            _ = try facts(text, calculator: calculator)
            return []
        } catch let error as InvalidFacts {
            return error.issues.map(\.pathDescription)
        }
    }

    @Test func validFactsPass() throws {
        #expect(try problems(Self.valid).isEmpty)
    }

    @Test(arguments: [
        ("affected: { US-CA: 1200, US-XX: 3 }", "affected.US-XX: unknown jurisdiction code"),
        ("data: { elements: [name, ssn, shoe-size] }", "data.elements[2]: unknown data element `shoe-size`"),
        ("data: { elements: [name, ssn], encrpyted: true }", "data.encrpyted: unknown key `encrpyted`"),
        ("riskOfHarm: maybe", "riskOfHarm: unknown risk of harm `maybe`"),
        ("timezone: Mars/Olympus", "timezone: unknown IANA time zone `Mars/Olympus`"),
        ("events: { discoveredAt: 2026-03-02T14:00:00 }", "events.discoveredAt: expected an RFC 3339 instant"),
        ("events: { occurredAt: 2026-03-01 }", "events.discoveredAt: missing required key `discoveredAt`"),
        ("affected: { US-CA: -4 }", "affected.US-CA: a count cannot be negative"),
        ("affected: { US-IA: { min: 700, max: 400 } }", "affected.US-IA: a range needs 0 <= min <= max"),
        ("affected: { US-CA: lots }", "affected.US-CA: expected a whole number"),
        ("entity: { role: janitor }", "entity.role: unknown role `janitor`"),
        ("entity: { sectors: [bakery] }", "entity.sectors[0]: unknown sector code `bakery`"),
        ("notices: [{ jurisdiction: US-CA, recipient: governor, sentAt: 2026-03-03 }]", "notices[0].recipient: unknown recipient kind `governor`"),
        ("events: { discoveredAt: 2026-03-02, determinedAt: 2026-03-01 }", "events.determinedAt: is before events.discoveredAt"),
        ("colour: blue", "colour: unknown key `colour`"),
    ])
    func namesTheField(override: String, expected: String) throws {
        // Replace the top-level key the override sets, keep the rest valid.
        let key = String(override.prefix { $0 != ":" })
        var lines = Self.valid.split(separator: "\n").map(String.init).filter { !$0.hasPrefix(key + ":") }
        lines.append(override)
        let found = try problems(lines.joined(separator: "\n"))
        #expect(found.contains { $0.hasPrefix(expected) }, "got \(found)")
    }

    @Test func reportsEveryProblemAtOnce() throws {
        let found = try problems(
            """
            events: { discoveredAt: soon }
            data: { elements: [nme] }
            affected: { US-ZZ: 1 }
            """)
        #expect(found.count == 3, "\(found)")
    }

    @Test func jsonInputWorksToo() throws {
        let found = try problems(
            #"{"events": {"discoveredAt": "2026-03-02T14:00:00-05:00"}, "data": {"elements": ["name", "ssn"]}, "affected": {"US-CA": 10}}"#)
        #expect(found.isEmpty)
    }
}

/// `rules validate`: each problem of a broken rule file is reported as file:line:column.
@Suite struct RuleValidationTests {
    static let good = """
        code: US-CA
        name: California
        law: Cal. Civ. Code § 1798.82
        reviewed: 2026-11-27
        sources:
          - { id: s, url: https://example.org/law, retrieved: 2026-11-27, says: The statute. }
        versions:
          - effective: 2026-01-01
            change: Test version.
            sources: [s]
            personalInformation: { combinations: [[name, ssn]], cite: § 1, sources: [s] }
            trigger: { event: acquisition, media: [electronic], cite: § 2, sources: [s] }
            obligations:
              - id: individuals
                recipient: { kind: individuals, name: Residents }
                deadline: { period: 30 days, from: discovery, cite: § 3, sources: [s] }
                cite: § 3
                sources: [s]
              - id: regulator
                recipient: { kind: regulator, name: AG }
                deadline: { period: 15 days, after: individuals, cite: § 4, sources: [s] }
                cite: § 4
                sources: [s]
        """

    func problems(_ text: String) -> [String] {
        do {
            let root = try DocumentParser.parse(text, file: "US/US-CA.yaml")
            let issues = IssueCollector()
            _ = RuleDecoder(file: "US/US-CA.yaml", issues: issues).decodeRule(root)
            return issues.issues.map(\.description)
        } catch {
            return [error.description]
        }
    }

    @Test func goodRulePasses() {
        #expect(problems(Self.good).isEmpty)
    }

    @Test(arguments: [
        ("name: California", "name: California\ncolour: red", "US/US-CA.yaml:3:1: unknown key `colour`"),
        ("cite: § 3\n", "\n", "US/US-CA.yaml:14:9: missing required key `cite`"),
        ("period: 30 days,", "period: 30 fortnights,", "US/US-CA.yaml:16:29: bad period `30 fortnights`"),
        ("[[name, ssn]]", "[[name, sin]]", "US/US-CA.yaml:11:50: unknown data element `sin`"),
        ("after: individuals", "after: residents", "US/US-CA.yaml:21:45: relative deadline names obligation `residents`"),
        ("sources: [s]\n    personal", "sources: [t]\n    personal", "US/US-CA.yaml:10:15: unknown source id `t`"),
        ("media: [electronic]", "media: [electronic", "US/US-CA.yaml:12:"),
        ("period: 30 days, from: discovery", "period: 3 business days, from: discovery", "missing calendar: checked below"),
    ])
    func reportsFileLineColumn(from: String, to: String, expected: String) throws {
        if expected.hasPrefix("missing calendar") {
            let text = Self.good.replacingOccurrences(of: from, with: to)
            #expect(problems(text).contains { $0.contains("a business-day period needs `calendar`") })
            return
        }
        var text = Self.good
        if let range = text.range(of: from) { text.replaceSubrange(range, with: to) }
        let found = problems(text)
        #expect(found.contains { $0.hasPrefix(expected) || ($0.contains(expected) && !expected.hasPrefix("US/")) }, "got \(found)")
    }

    @Test func overlappingVersionsAreReported() {
        let version = Self.good.components(separatedBy: "versions:\n")[1]
        let text = Self.good + "\n" + version
        #expect(problems(text).contains { $0.contains("versions overlap") })
    }

    @Test func unknownCalendarStopsTheRulebook() throws {
        let root = try DocumentParser.parse(
            Self.good.replacingOccurrences(
                of: "period: 30 days, from: discovery",
                with: "period: 3 business days, calendar: Atlantis, from: discovery"), file: "US/US-CA.yaml")
        let rule = try #require(RuleDecoder(file: "US/US-CA.yaml", issues: IssueCollector()).decodeRule(root))
        #expect(throws: RulebookError.self) { try Rulebook(rules: [rule], calendars: [], digest: "x") }
    }

    /// The real database is sound: the calculator never runs on rules with errors.
    @Test func realDatabaseIsValid() throws {
        let rulebook = try RealRules.rulebook()
        #expect(rulebook.rules.count >= 55)
        #expect(rulebook.digest.hasPrefix("sha256:"))
    }

    func review(_ text: String) throws -> [String] {
        let root = try DocumentParser.parse(text, file: "US/US-CA.yaml")
        let rule = try #require(RuleDecoder(file: "US/US-CA.yaml", issues: IssueCollector()).decodeRule(root))
        return SourceReview.findings(for: rule).map(\.message)
    }

    /// Issue 12: each rule links its official text, each source says what kind it is, and each value
    /// rests on at least one source of standing (mirrors may stand beside one, never alone).
    @Test func sourcesOfStanding() throws {
        let unclassified = try review(Self.good)
        #expect(
            unclassified == [
                "US-CA has no `official:` link to the law's official text",
                "source `s` has no `kind` (one of: official, regulator, law-firm, secondary)",
            ])
        let mirrorOnly = Self.good
            .replacingOccurrences(of: "reviewed:", with: "official: https://leginfo.legislature.ca.gov/x\nreviewed:")
            .replacingOccurrences(of: "retrieved: 2026-11-27, says", with: "retrieved: 2026-11-27, kind: secondary, says")
        let weak = try review(mirrorOnly)
        #expect(weak.count == 4, "one finding per distinct citation: \(weak)")
        #expect(
            weak.contains(
                "US-CA@2026-01-01 individuals (§ 3) rests only on secondary sources (s): add the official text, a regulator's page or a law firm's chart"
            ))
        let official = mirrorOnly.replacingOccurrences(of: "kind: secondary", with: "kind: official")
        #expect(try review(official).isEmpty)
        #expect(
            problems(mirrorOnly.replacingOccurrences(of: "kind: secondary", with: "kind: blog")).contains {
                $0.contains("unknown source kind `blog`")
            })
        #expect(
            problems(mirrorOnly.replacingOccurrences(of: "official: https://", with: "official: ftp://")).contains {
                $0.contains("`official` is the URL")
            })
    }

    /// A rule file's addresses are URIs as RFC 3986 writes them: the API serves `official` as
    /// `format: uri` (Schemathesis found Korea's Hangul path served raw, seed 3), and links carry them.
    @Test(
        arguments: [
            ("https://www.law.go.kr/%EB%B2%95%EB%A0%B9", nil),
            ("https://leginfo.legislature.ca.gov/faces/codes_displaySection.xhtml?lawCode=CIV&sectionNum=1798.82.", nil),
            ("https://example.org/a_(b)~c;d=e,f!g$h&i'j*k+l@m:[n]#frag", nil),
            ("https://www.law.go.kr/법령", "is not a URI (RFC 3986): percent-encode `법` as %EB%B2%95"),
            ("https://example.org/a b", "is not a URI (RFC 3986): percent-encode `space` as %20"),
            ("https://example.org/50%", "has a `%` not followed by two hexadecimal digits (write a literal % as %25)"),
            ("https://example.org/%zz", "has a `%` not followed by two hexadecimal digits (write a literal % as %25)"),
            ("https://example.org/<x>", "is not a URI (RFC 3986): percent-encode `<` as %3C"),
            ("ftp://example.org/", "must start with https:// or http://"),
        ] as [(String, String?)])
    func webAddresses(address: String, problem: String?) {
        #expect(WebAddress.problem(address) == problem)
    }

    @Test func aRuleFileAddressMustBeAURI() {
        let korean = Self.good.replacingOccurrences(of: "reviewed:", with: "official: https://www.law.go.kr/법령\nreviewed:")
        #expect(problems(korean).contains { $0.contains("`official` is the URL of the law's official text and is not a URI (RFC 3986)") })
        let spaced = Self.good.replacingOccurrences(of: "url: https://", with: "url: https://example.org/a b#")
        #expect(
            problems(spaced).contains { $0 == "US/US-CA.yaml:6:5: a source URL is not a URI (RFC 3986): percent-encode `space` as %20" },
            "\(problems(spaced))")
    }

    /// The gaps still open, each a warning of `rules validate` (see the closing note of issue 12):
    /// Louisiana's statute pages have addresses that cannot be formed from a section number, and no
    /// law firm or regulator page stating § 51:3076 was found.
    /// Bahrain's law is `unverified` and its official portal's address for Law 30/2018 was not found.
    static let knownSourceGaps: Set<String> = [
        "Middle-East-Africa/BH.yaml: warning: BH has no `official:` link to the law's official text",
        "US-INS/US-LA-INS.yaml: warning: US-LA-INS has no `official:` link to the law's official text",
        "US/US-LA.yaml: warning: US-LA@2018-08-01 exemption (La. R.S. 51:3076) rests only on secondary sources (cliclaw): add the official text, a regulator's page or a law firm's chart",
    ]

    /// Every rule file in the database links its official text and rests each value on a source of
    /// standing, except the known gaps above: a new gap fails, and so does a gap fixed but still listed.
    @Test func realDatabaseHasSourcesOfStanding() throws {
        let warnings = Set(SourceReview.findings(for: try RealRules.rulebook()).map(\.description))
        #expect(
            warnings == Self.knownSourceGaps,
            "new: \(warnings.subtracting(Self.knownSourceGaps)); fixed: \(Self.knownSourceGaps.subtracting(warnings))")
    }

    /// Issue 12: a YAML syntax error in one file no longer hides the problems of the others, and a
    /// duplicate key is reported at its own line.
    @Test func validateReportsEveryFile() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("bc-rules-\(UUID())")
        defer { try? FileManager.default.removeItem(at: folder) }
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("US"), withIntermediateDirectories: true)
        try Self.good.replacingOccurrences(of: "media: [electronic]", with: "media: [electronic")
            .write(to: folder.appendingPathComponent("US/US-CA.yaml"), atomically: true, encoding: .utf8)
        try Self.good.replacingOccurrences(of: "US-CA", with: "US-OR").replacingOccurrences(of: "name: California", with: "name: Oregon\ncolour: red")
            .write(to: folder.appendingPathComponent("US/US-OR.yaml"), atomically: true, encoding: .utf8)
        try Self.good.replacingOccurrences(of: "US-CA", with: "US-WA").replacingOccurrences(
            of: "reviewed: 2026-11-27", with: "reviewed: 2026-11-27\nname: Again"
        )
        .write(to: folder.appendingPathComponent("US/US-WA.yaml"), atomically: true, encoding: .utf8)
        let error = #expect(throws: RulebookError.self) { try RulesLoader(directory: folder).load() }
        let text = error?.description ?? ""
        #expect(text.contains("US/US-CA.yaml:12:"), "\(text)")
        #expect(text.contains("US/US-OR.yaml:3:1: unknown key `colour`"), "\(text)")
        #expect(text.contains("US/US-WA.yaml:5:1: duplicate key `name`"), "\(text)")
    }
}
