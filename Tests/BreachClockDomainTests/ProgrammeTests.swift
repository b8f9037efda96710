import BreachClockLoader
import BreachClockProgramme
import BreachClockRules
import BreachClockTestSupport
import Foundation
import Testing

/// The incident-response programme as data (issue 15): read strictly, and checked for what an
/// auditor finds stale or missing, at the boundaries.
@Suite struct ProgrammeTests {
    /// A small programme whose every date is `reviewed`.
    static func text(reviewed: String = "2026-10-01", extraRoles: String = "", roles: String? = nil, systems: String? = nil, header: String = "")
        -> String
    {
        """
        organisation: Test Co.
        \(header)
        people:
          - { id: ana, name: Ana, email: ana@example.com, reviewedAt: \(reviewed) }
          - { id: ben, name: Ben, chat: "@ben", reviewedAt: \(reviewed) }
          - { id: cy, name: Cy, phone: "+1 555 0100", reviewedAt: \(reviewed) }
          - { id: dee, name: Dee, email: dee@example.com, reviewedAt: \(reviewed) }
        roles:
        \(roles ?? """
          - { id: incident-commander, name: Incident commander, holder: ana, deputy: ben, reviewedAt: \(reviewed) }
          - { id: legal, name: Legal, holder: ben, deputy: cy, reviewedAt: \(reviewed) }
          - { id: communications, name: Communications, holder: cy, deputy: dee, reviewedAt: \(reviewed) }
          - { id: security-lead, name: Security lead, holder: dee, deputy: ana, reviewedAt: \(reviewed) }
          - { id: executive-sponsor, name: Executive sponsor, holder: ana, deputy: cy, reviewedAt: \(reviewed) }
        """)
        \(extraRoles)
        severities:
          - id: SEV1
            criteria: Personal information exposed.
            escalation: [incident-commander, legal]
            runbook: { declaredBy: incident-commander, speaksExternally: [communications], steps: [Contain., Notify.], resolvedWhen: Contained. }
        systems:
        \(systems ?? "  - { id: portal, name: Portal, detection: [SIEM rule 1] }")
        """
    }

    func programme(_ text: String) throws -> Programme {
        try ProgrammeDecoder.decode(try DocumentParser.parseYAML(text, file: "programme.yaml"))
    }

    func kinds(_ text: String, asOf: String) throws -> [String] {
        ProgrammeCheck.findings(try programme(text), asOf: try #require(CivilDate(iso: asOf))).map { "\($0.kind.rawValue) \($0.subject)" }
    }

    @Test func theExampleIsCurrent() throws {
        let text = try String(contentsOf: Paths.root.appendingPathComponent("Examples/programme.yaml"), encoding: .utf8)
        let example = try programme(text)
        #expect(example.roles.count == 6 && example.severities.count == 3 && example.systems.count == 3)
        #expect(ProgrammeCheck.findings(example, asOf: try #require(CivilDate(iso: "2026-12-03"))).isEmpty)
    }

    /// "Not reviewed for 90 days" holds on the 90th day after the review, not before.
    @Test(arguments: [("2026-12-29", 0), ("2026-12-30", 4 + 5), ("2027-06-01", 4 + 5)])
    func stalenessAtTheBoundary(asOf: String, findings: Int) throws {
        // Reviewed 2026-10-01: day 89 is 2026-12-29, day 90 is 2026-12-30.
        let found = try kinds(Self.text(), asOf: asOf)
        #expect(found.count == findings, "\(found)")
        #expect(found.allSatisfy { $0.hasPrefix("contact.stale") || $0.hasPrefix("role.stale") })
    }

    @Test func theReviewPeriodIsTheProgrammes() throws {
        let strict = Self.text(header: "reviewDays: 30")
        #expect(try kinds(strict, asOf: "2026-10-30").isEmpty)  // day 29
        #expect(try kinds(strict, asOf: "2026-10-31").count == 9)  // day 30: four people, five roles
    }

    @Test func gapsInRolesAndSystems() throws {
        let roles = """
              - { id: incident-commander, name: Incident commander, holder: ana, reviewedAt: 2026-10-01 }
              - { id: legal, name: Legal, deputy: cy, reviewedAt: 2026-10-01 }
              - { id: communications, name: Communications, holder: cy, deputy: cy, reviewedAt: 2026-10-01 }
              - { id: security-lead, name: Security lead, holder: ana, deputy: ben, reviewedAt: 2026-10-01 }
              - { id: forensics, name: Forensics, holder: ana, deputy: ben, reviewedAt: 2026-10-01 }
              - { id: it, name: IT, holder: ana, deputy: ben, reviewedAt: 2026-10-01 }
            """
        let systems = """
              - { id: portal, name: Portal, detection: [SIEM rule 1] }
              - { id: payroll, name: Payroll }
              - { id: crm, name: CRM, detection: [] }
            """
        let found = try kinds(Self.text(roles: roles, systems: systems), asOf: "2026-10-02")
        #expect(
            found == [
                "role.no-deputy incident-commander", "role.no-holder legal", "role.deputy-is-holder communications",
                "role.missing executive-sponsor", "person.too-many-roles ana", "system.no-detection payroll", "system.no-detection crm",
            ])
    }

    /// Three roles is the limit; four is a finding.
    @Test func tooManyRolesAtTheBoundary() throws {
        // Ben holds legal and deputises for the incident commander; forensics is his third role.
        let three = Self.text(extraRoles: "  - { id: forensics, name: Forensics, holder: ben, deputy: dee, reviewedAt: 2026-10-01 }")
        #expect(try kinds(three, asOf: "2026-10-02").isEmpty)
        let four = Self.text(
            extraRoles: """
                  - { id: forensics, name: Forensics, holder: ben, deputy: dee, reviewedAt: 2026-10-01 }
                  - { id: it, name: IT, holder: ben, deputy: dee, reviewedAt: 2026-10-01 }
                """)
        #expect(try kinds(four, asOf: "2026-10-02") == ["person.too-many-roles ben", "person.too-many-roles dee"])
    }

    static let refusals: [(from: String, to: String, expected: String)] = [
        ("organisation: Test Co.", "organisation: Test Co.\ncolour: red", "unknown key `colour`"),
        (
            "holder: ana, deputy: ben, reviewedAt: 2026-10-01 }", "holder: zoe, deputy: ben, reviewedAt: 2026-10-01 }",
            "roles[0].holder: no person with id `zoe`"
        ),
        ("escalation: [incident-commander, legal]", "escalation: [incident-commander, counsel]", "no role with id `counsel`"),
        ("{ id: cy, name: Cy, phone: \"+1 555 0100\",", "{ id: ana, name: Cy, phone: \"+1 555 0100\",", "duplicate id `ana`"),
        ("{ id: ben, name: Ben, chat: \"@ben\",", "{ id: ben, name: Ben,", "a way to be reached"),
        ("steps: [Contain., Notify.]", "steps: []", "at least one step"),
        ("{ id: portal,", "{ id: \"portal system\",", "letters, digits and hyphens"),
        (
            "{ id: ana, name: Ana, email: ana@example.com, reviewedAt: 2026-10-01 }",
            "{ id: ana, name: Ana, email: ana@example.com, reviewedAt: 2026-13-01 }", "expected a date YYYY-MM-DD, found `2026-13-01`"
        ),
    ]

    @Test(arguments: refusals)
    func badFilesAreRefusedNamingTheField(from: String, to: String, expected: String) throws {
        let text = Self.text().replacingOccurrences(of: from, with: to)
        #expect(text != Self.text(), "the fixture's replacement must apply")
        let error = #expect(throws: RulebookError.self) { try programme(text) }
        #expect(error?.description.contains(expected) == true, "\(error?.description ?? "")")
    }
}
