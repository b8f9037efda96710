import BreachClockCalculator
import BreachClockLoader
import BreachClockRules
import BreachClockTestSupport
import Foundation
import Testing

/// The rule-format pieces that sector regimes need (issue 10), on a made-up regime so that each is
/// tested alone: a clock from an extortion payment, "more than 500 residents of one State", a
/// threshold waived where the entity is domiciled, duties by entity size, and the warnings that keep
/// a sector or fact that nothing reads from passing silently.
@Suite struct RegimeMachineryTests {
    static let regime = """
        code: US-TEST-REGIME
        name: Test regime
        law: Test Act § 1
        covers: [US-CA, US-NY, US-TX]
        requires: { sectors: [insurance-licensee, nydfs-covered-entity, sec-covered-institution] }
        reviewed: 2026-12-01
        sources:
          - { id: s, url: https://example.org/act, retrieved: 2026-12-01, says: The act. }
        versions:
          - effective: 2020-01-01
            change: Test version.
            sources: [s]
            personalInformation: { combinations: [[name], [ssn]], cite: § 1(a), sources: [s] }
            trigger: { event: acquisition, media: [electronic, paper], cite: § 1(b), sources: [s] }
            obligations:
              - id: media
                recipient: { kind: media, name: Media in the State }
                threshold: { op: ">", value: 500, counts: largest-place, cite: § 2, sources: [s] }
                deadline: { period: 60 days, from: discovery, cite: § 2, sources: [s] }
                cite: § 2
                sources: [s]
              - id: commissioner
                recipient: { kind: regulator, name: Commissioner }
                forSectors: [insurance-licensee]
                threshold: { op: ">=", value: 250, counts: residents, waivedIfEstablished: true, cite: § 3, sources: [s] }
                deadline: { period: 72 hours, from: determination, cite: § 3, sources: [s] }
                cite: § 3
                sources: [s]
              - id: extortion
                recipient: { kind: regulator, name: Superintendent }
                forSectors: [nydfs-covered-entity]
                deadline: { period: 24 hours, from: extortion-payment, cite: § 4, sources: [s] }
                cite: § 4
                sources: [s]
              - id: annual-log
                recipient: { kind: regulator, name: Annual log }
                forSectors: [insurance-licensee]
                threshold: { op: "<", value: 500, counts: total, cite: § 6, sources: [s] }
                deadline: { period: 60 days, from: calendar-year-end, cite: § 6, sources: [s] }
                cite: § 6
                sources: [s]
              - id: customers-larger
                recipient: { kind: individuals, name: Customers }
                forSectors: [sec-covered-institution]
                forSize: [larger]
                deadline: { period: 30 days, from: discovery, cite: § 5, sources: [s] }
                cite: § 5
                sources: [s]
        """

    static func calculator() throws -> Calculator {
        let root = try DocumentParser.parse(regime, file: "US-federal/US-TEST-REGIME.yaml", limits: .rules)
        let issues = IssueCollector()
        let rule = try #require(RuleDecoder(file: "US-federal/US-TEST-REGIME.yaml", issues: issues).decodeRule(root), "\(issues.issues)")
        let real = try RealRules.rulebook()
        return Calculator(rulebook: try Rulebook(rules: real.rules + [rule], calendars: Array(real.calendars.values), digest: "test"))
    }

    func assess(_ facts: String) throws -> Assessment {
        let calculator = try Self.calculator()
        return calculator.assess(try FactsLoader.load(text: facts, file: "t.yaml", decoder: calculator.factsDecoder))
    }

    func obligation(_ assessment: Assessment, _ id: String) -> Obligation? { assessment.obligations.first { $0.id == id } }

    /// HIPAA-style media notice: more than 500 residents of one State, not of all of them together.
    @Test(arguments: [("{US-CA: 400, US-NY: 400}", false), ("{US-CA: 500, US-TX: 500}", false), ("{US-CA: 501, US-NY: 3}", true)])
    func largestPlaceThreshold(affected: String, triggered: Bool) throws {
        let assessment = try assess(
            """
            entity: { sectors: [insurance-licensee] }
            events: { discoveredAt: 2026-03-02T10:00:00Z }
            data: { elements: [name] }
            affected: \(affected)
            """)
        #expect((obligation(assessment, "US-TEST-REGIME/media") != nil) == triggered)
    }

    /// The domiciliary commissioner is told whatever the count, even with no resident of that State
    /// affected; another State's commissioner only at 250 residents or more.
    @Test func thresholdWaivedWhereEstablished() throws {
        let domiciled = try assess(
            """
            entity: { sectors: [insurance-licensee], establishments: [US-NY] }
            events: { discoveredAt: 2026-03-02T10:00:00Z, determinedAt: 2026-03-03T10:00:00Z }
            data: { elements: [name] }
            affected: { US-CA: 10 }
            """)
        let notice = try #require(obligation(domiciled, "US-TEST-REGIME/commissioner"))
        #expect(notice.deadline.due == ISO8601DateFormatter().date(from: "2026-03-06T10:00:00Z"))
        #expect(notice.reasonDetails.contains { $0.text.contains("established in US-NY") })

        let elsewhere = try assess(
            """
            entity: { sectors: [insurance-licensee], establishments: [US-FL] }
            events: { discoveredAt: 2026-03-02T10:00:00Z }
            data: { elements: [name] }
            affected: { US-CA: 249 }
            """)
        #expect(obligation(elsewhere, "US-TEST-REGIME/commissioner") == nil)
        #expect(elsewhere.notTriggered.contains { $0.id == "US-TEST-REGIME/commissioner" })
    }

    /// "Fewer than 500" (HIPAA's annual log), with a range that straddles it listed protectively.
    @Test(arguments: [("499", true, "2027-03-01"), ("500", false, nil), ("{min: 450, max: 550}", true, "2027-03-01")])
    func fewerThan(count: String, triggered: Bool, due: String?) throws {
        let assessment = try assess(
            """
            entity: { sectors: [insurance-licensee] }
            events: { discoveredAt: 2026-03-02T10:00:00Z }
            data: { elements: [name] }
            affected: { US-TX: \(count) }
            """)
        let log = obligation(assessment, "US-TEST-REGIME/annual-log")
        #expect((log != nil) == triggered)
        #expect(log?.deadline.dueDate?.description == due)
    }

    @Test func clockFromExtortionPayment() throws {
        let assessment = try assess(
            """
            entity: { sectors: [nydfs-covered-entity] }
            events: { discoveredAt: 2026-03-02T10:00:00Z, extortionPaymentAt: 2026-03-05T18:30:00Z }
            data: { elements: [ssn] }
            affected: { US-NY: 10 }
            """)
        let notice = try #require(obligation(assessment, "US-TEST-REGIME/extortion"))
        #expect(notice.deadline.due == ISO8601DateFormatter().date(from: "2026-03-06T18:30:00Z"))
        #expect(notice.deadline.clockStart == "extortion-payment")
        // Without a payment there is no duty: not a clock waiting to start.
        let unpaid = try assess(
            """
            entity: { sectors: [nydfs-covered-entity] }
            events: { discoveredAt: 2026-03-02T10:00:00Z }
            data: { elements: [ssn] }
            affected: { US-NY: 10 }
            """)
        #expect(obligation(unpaid, "US-TEST-REGIME/extortion") == nil)
        #expect(
            unpaid.notTriggered.first { $0.id == "US-TEST-REGIME/extortion" }?.reason
                == "only when it happens; the facts have no events.extortionPaymentAt")
    }

    @Test(arguments: [("larger", true), ("smaller", false)])
    func dutiesBySize(size: String, bound: Bool) throws {
        let assessment = try assess(
            """
            entity: { sectors: [sec-covered-institution], size: \(size) }
            events: { discoveredAt: 2026-03-02T10:00:00Z }
            data: { elements: [ssn] }
            affected: { US-TX: 10 }
            """)
        #expect((obligation(assessment, "US-TEST-REGIME/customers-larger") != nil) == bound)
        // A duty left out because of size is said, never dropped in silence.
        #expect(assessment.warnings.contains { $0.hasPrefix("US-TEST-REGIME: US-TEST-REGIME/customers-larger bind only larger entities") } == !bound)
    }

    /// Never silent: a sector no rule here reads, and facts that move no deadline, are named.
    @Test func unreadSectorsAndFactsAreWarned() throws {
        let assessment = try assess(
            """
            entity: { sectors: [data-broker, insurance-licensee], size: smaller }
            events: { discoveredAt: 2026-03-02T10:00:00Z, classifiedAt: 2026-03-02T12:00:00Z, cause: insider }
            data: { elements: [name, ssn] }
            affected: { US-CA: 10 }
            """)
        #expect(
            assessment.warnings.contains {
                $0.hasPrefix("entity.sectors: `data-broker`: no rule that applies to this incident's places on 2026-03-02 reads it")
            })
        #expect(!assessment.warnings.contains { $0.hasPrefix("entity.sectors: `insurance-licensee`") })
        #expect(assessment.warnings.contains { $0.hasPrefix("events.classifiedAt: no rule") })
        #expect(assessment.warnings.contains { $0.hasPrefix("events.cause: no rule") })
        #expect(!assessment.warnings.contains { $0.hasPrefix("entity.size") }, "the regime reads size")
    }

    /// A law named only in a warning: one whose duties wait on an implementing rule (CIRCIA), or one in
    /// force whose text could not be verified. No deadline, and its sector is no longer reported as unread.
    /// Without either key an empty `versions` is an error, and a rule cannot carry both.
    @Test(arguments: [
        (
            "awaiting",
            "US-TEST-AWAITED: Awaited Act § 9 sets no duty in force on 2026-03-02: the agency's final rule is not in force (§ 9(b)); no deadline is computed"
        ),
        (
            "unverified",
            "US-TEST-AWAITED: Awaited Act § 9 may apply but is not encoded, because its text has not been verified: the agency's final rule is not in force (§ 9(b)); no deadline is computed - check it by hand"
        ),
        ("", "a rule needs at least one version, or `awaiting`"),
        ("both", "a rule is either `awaiting` or `unverified`, not both"),
    ])
    func unassessedLaw(key: String, expected: String) throws {
        let block = "{ about: the agency's final rule is not in force, cite: § 9(b), sources: [s] }"
        let keys = key == "both" ? "awaiting: \(block)\nunverified: \(block)" : key.isEmpty ? "" : "\(key): \(block)"
        let text = """
            code: US-TEST-AWAITED
            name: Awaited
            law: Awaited Act § 9
            covers: [US-CA]
            requires: { sectors: [critical-infrastructure] }
            reviewed: 2026-12-01
            sources:
              - { id: s, url: https://example.org/awaited, retrieved: 2026-12-01, says: The act. }
            \(keys)
            versions: []
            """
        let root = try DocumentParser.parse(text, file: "US-federal/US-TEST-AWAITED.yaml", limits: .rules)
        let issues = IssueCollector()
        let rule = RuleDecoder(file: "US-federal/US-TEST-AWAITED.yaml", issues: issues).decodeRule(root)
        guard key == "awaiting" || key == "unverified" else {
            #expect(rule == nil)
            #expect(issues.issues.contains { $0.description.contains(expected) }, "\(issues.issues)")
            return
        }
        let real = try RealRules.rulebook()
        let calculator = Calculator(
            rulebook: try Rulebook(rules: real.rules + [try #require(rule)], calendars: Array(real.calendars.values), digest: "t"))
        let assessment = calculator.assess(
            try FactsLoader.load(
                text: """
                    entity: { sectors: [critical-infrastructure] }
                    events: { discoveredAt: 2026-03-02T10:00:00Z }
                    data: { elements: [name, ssn] }
                    affected: { US-CA: 10 }
                    """, file: "t.yaml", decoder: calculator.factsDecoder))
        #expect(!assessment.obligations.contains { $0.jurisdiction == "US-TEST-AWAITED" })
        #expect(assessment.warnings.contains(expected), "\(assessment.warnings)")
        #expect(!assessment.warnings.contains { $0.hasPrefix("entity.sectors: `critical-infrastructure`") })
    }

    /// A deadline that runs from another rule's notice must name an obligation that rule has.
    @Test(arguments: [
        ("US-HIPAA/regulator", nil), ("US-HIPAA/regulator-yearly", "no version of US-HIPAA has an obligation `regulator-yearly`"),
        ("US-NOSUCH-REGIME/regulator", "there is no rule `US-NOSUCH-REGIME`"),
    ])
    func crossRuleReferencesAreChecked(ref: String, problem: String?) throws {
        let text = Self.regime.replacingOccurrences(
            of: "deadline: { period: 60 days, from: discovery, cite: § 2, sources: [s] }",
            with: "deadline: { period: 5 business days, calendar: US-federal, after: \(ref), cite: § 2, sources: [s] }")
        let root = try DocumentParser.parse(text, file: "US-federal/US-TEST-REGIME.yaml", limits: .rules)
        let issues = IssueCollector()
        let rule = try #require(RuleDecoder(file: "US-federal/US-TEST-REGIME.yaml", issues: issues).decodeRule(root), "\(issues.issues)")
        let real = try RealRules.rulebook()
        let result = Result { () throws(RulebookError) in
            try Rulebook(rules: real.rules + [rule], calendars: Array(real.calendars.values), digest: "t")
        }
        switch (result, problem) {
        case (.success, nil): break
        case (.failure(let error), let expected?): #expect(error.description.contains(expected), "\(error)")
        case (.success, let expected?): Issue.record("accepted; expected \(expected)")
        case (.failure(let error), nil): Issue.record("refused: \(error)")
        }
    }

    /// The facts the contract added round-trip through the stored form.
    @Test func newFactsRoundTrip() throws {
        let calculator = try Self.calculator()
        let text = """
            {"timezone": "America/New_York", "events": {"discoveredAt": "2026-03-02T10:00:00-05:00", "classifiedAt": "2026-03-02T12:00:00-05:00",
             "extortionPaymentAt": "2026-03-04T09:00:00-05:00", "cause": "intrusion"},
             "entity": {"role": "owner", "sectors": ["bank"], "establishments": ["US-NY", "DE"], "size": "smaller"},
             "data": {"elements": ["ssn"]}, "affected": {"US-NY": 3}}
            """
        let facts = try FactsLoader.load(text: text, file: "t.json", decoder: calculator.factsDecoder)
        let stored = facts.json().serialized(pretty: false)
        let again = try FactsLoader.load(text: stored, file: "stored.json", decoder: calculator.factsDecoder)
        #expect(again.json().serialized(pretty: false) == stored)
        #expect(again.establishments == ["US-NY", "DE"] && again.size == .smaller && again.cause == .intrusion)
        #expect(again.extortionPaymentAt == facts.extortionPaymentAt && again.classifiedAt == facts.classifiedAt)
    }
}
