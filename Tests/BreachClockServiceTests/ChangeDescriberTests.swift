import BreachClockCalculator
import BreachClockTestSupport
import BreachClockWebhooks
import Foundation
import Testing

@testable import BreachClockApplication
@testable import BreachClockStore

/// What an incident's history says changed, and why (`ChangeDescriber`), and the one-off webhook
/// events the same comparison drives (`IncidentService.change`): `obligation.added`,
/// `obligation.changed` and, when the rules moved a deadline, `deadline.changed`. Inputs are real
/// facts assessed by the real rules; the previous state is what the store would hold.
@Suite struct ChangeDescriberTests {
    /// California, 480 residents: the residents' notice is due 30 calendar days from discovery
    /// (2026-04-01); the Attorney General's copy needs more than 500 residents.
    static let california = """
        timezone: America/Los_Angeles
        events: { discoveredAt: 2026-03-02T10:00:00-08:00 }
        data: { elements: [name, ssn] }
        riskOfHarm: likely
        affected: { US-CA: 480 }
        """

    /// When the changes are computed (4 March 2026): after the discovery, so no warning of a future date.
    static let now = Date(timeIntervalSince1970: 1_772_600_000)

    /// Facts, their assessment, and the incident as the store would hold them.
    struct State {
        var facts: IncidentFacts
        var assessment: Assessment
        var stored: StoredIncident
    }

    func state(_ yaml: String, title: String = "Payroll export") throws -> State {
        let calculator = try RealRules.calculator()
        let facts = try facts(yaml, calculator: calculator)
        let assessment = calculator.assess(facts, asOf: Self.now)
        let stored = StoredIncident(
            id: "inc_test", title: title, status: .open, revision: 1, factsJSON: facts.json().serialized(pretty: false),
            assessmentJSON: assessment.jsonText(), createdAt: Self.now, updatedAt: Self.now, closedAt: nil)
        return State(facts: facts, assessment: assessment, stored: stored)
    }

    /// The history lines of going from `old` to `new`.
    func describe(from old: String, to new: String) throws -> [String] {
        let before = try state(old)
        let after = try state(new)
        return ChangeDescriber.describe(
            previous: before.stored, facts: after.facts, assessment: after.assessment, decoder: try RealRules.calculator().factsDecoder)
    }

    /// California's facts with one edit.
    func california(_ replacing: String, with replacement: String) -> String {
        Self.california.replacingOccurrences(of: replacing, with: replacement)
    }

    // MARK: Facts and obligations in words

    /// The example of the type's own documentation: more than 500 residents adds the Attorney
    /// General's notice, and the line says why, in the rule's words with its citation.
    @Test func aCountRisingPastAThresholdSaysWhyTheObligationWasAdded() throws {
        let lines = try describe(from: Self.california, to: california("480", with: "620"))
        #expect(
            lines == [
                "affected.US-CA rose from 480 to 620",
                "US-CA/regulator added: 620 residents is more than 500 (Cal. Civ. Code § 1798.82(f))",
            ])
    }

    /// The way back: the count fell, and the obligation that went says why it no longer arises (the
    /// assessment's `notTriggered` reason), not merely that it is gone.
    @Test func aCountFallingBackSaysWhyTheObligationWasRemoved() throws {
        let lines = try describe(from: california("480", with: "620"), to: Self.california)
        let removed = try state(Self.california).assessment.notTriggered.first { $0.id == "US-CA/regulator" }
        let reason = try #require(removed?.reason)
        #expect(reason.contains("more than 500"))
        #expect(lines == ["affected.US-CA fell from 620 to 480", "US-CA/regulator removed: \(reason)"])
    }

    /// A place no longer affected at all: no rule touches it, so the removed obligation has no
    /// `notTriggered` reason and says it no longer applies.
    @Test func aPlaceAddedAndRemovedNamesItsObligations() throws {
        let both = california("{ US-CA: 480 }", with: "{ US-CA: 480, US-TX: 10 }")
        let added = try describe(from: Self.california, to: both)
        #expect(added.first == "affected.US-TX added: 10")
        #expect(added.dropFirst().contains { $0.hasPrefix("US-TX/individuals added: ") })
        #expect(!added.contains { $0.hasPrefix("US-CA/") }, "California's obligations did not move: \(added)")

        let removed = try describe(from: both, to: Self.california)
        #expect(removed.first == "affected.US-TX removed (was 10)")
        #expect(removed.contains("US-TX/individuals removed: no longer applies"))
    }

    /// Facts that change no obligation still make a line each, so the history says what was edited.
    @Test(arguments: [
        ("[name, ssn]", "[name, ssn, drivers-license]", "data.elements changed from name, ssn to name, ssn, drivers-license"),
        ("[name, ssn] }", "[name, ssn], encrypted: true, keyCompromised: true }", "encryption changed: encrypted true, key compromised true"),
        ("riskOfHarm: likely", "riskOfHarm: high", "riskOfHarm changed from likely to high"),
        (
            "{ discoveredAt: 2026-03-02T10:00:00-08:00 }",
            "{ discoveredAt: 2026-03-02T10:00:00-08:00, determinedAt: 2026-03-03T09:00:00-08:00 }",
            "events.determinedAt changed"
        ),
    ])
    func aFactEditThatMovesNoDeadlineIsStillDescribed(replacing: String, replacement: String, expected: String) throws {
        #expect(try describe(from: Self.california, to: california(replacing, with: replacement)) == [expected])
    }

    /// Discovery three days later moves the 30-day deadline by three days (2026-04-01 to 2026-04-04),
    /// and the history gives both dates.
    @Test func aMovedDiscoveryMovesTheDueDate() throws {
        let lines = try describe(from: Self.california, to: california("2026-03-02T10", with: "2026-03-05T10"))
        #expect(lines == ["events.discoveredAt changed", "US-CA/individuals deadline changed from due 2026-04-01 to due 2026-04-04"])
    }

    /// The Attorney General's copy runs 15 days from the residents' notice: once that notice is
    /// recorded (10 March), its deadline turns from relative to a date (25 March), and the line says
    /// the notice it runs from is why.
    @Test func aRecordedNoticeFixesTheDeadlineThatRunsFromIt() throws {
        let over500 = california("480", with: "620")
        let noticed =
            over500
            + "\nnotices: [{jurisdiction: US-CA, recipient: individuals, sentAt: 2026-03-10T09:00:00-07:00, obligation: US-CA/individuals}]"
        #expect(
            try describe(from: over500, to: noticed) == [
                "notice recorded: US-CA/individuals",
                "US-CA/regulator deadline changed from relative to due 2026-03-25 (the notice it runs from was recorded)",
            ])
    }

    /// The same facts again: the history still has a line, and it says nothing moved.
    @Test func noChangeSaysSo() throws {
        #expect(try describe(from: Self.california, to: Self.california) == ["no change to obligations"])
    }

    /// A count given as a range rose only if neither bound fell, and fell only if neither rose; a
    /// range that both narrows and widens, or an exact count that becomes a range around it, changed.
    @Test(arguments: [
        ("480", "620", "rose from 480 to 620"),
        ("620", "480", "fell from 620 to 480"),
        ("{min: 100, max: 600}", "{min: 500, max: 600}", "rose from 100 to 600 to 500 to 600"),
        ("{min: 100, max: 600}", "{min: 100, max: 400}", "fell from 100 to 600 to 100 to 400"),
        ("{min: 100, max: 600}", "{min: 200, max: 400}", "changed from 100 to 600 to 200 to 400"),
        ("480", "{min: 400, max: 700}", "changed from 480 to 400 to 700"),
    ])
    func aCountOrRangeSaysWhichWayItMoved(old: String, new: String, expected: String) throws {
        let lines = try describe(from: california("480", with: old), to: california("480", with: new))
        #expect(lines.first == "affected.US-CA \(expected)")
    }

    // MARK: Stored text that cannot be read

    /// Stored text the describer cannot parse is skipped, never a crash: with the old facts unreadable
    /// only obligation lines are written; with the old assessment unreadable every obligation is new.
    @Test(arguments: ["", "not json", "{", "[]", "null", #"{"obligations": 5}"#])
    func unreadablePreviousStateIsSkipped(garbage: String) throws {
        let calculator = try RealRules.calculator()
        var previous = try state(Self.california).stored
        let next = try state(california("480", with: "620"))

        previous.factsJSON = garbage
        let withoutOldFacts = ChangeDescriber.describe(
            previous: previous, facts: next.facts, assessment: next.assessment, decoder: calculator.factsDecoder)
        #expect(withoutOldFacts == ["US-CA/regulator added: 620 residents is more than 500 (Cal. Civ. Code § 1798.82(f))"])

        previous = try state(Self.california).stored
        previous.assessmentJSON = garbage
        let withoutOldAssessment = ChangeDescriber.describe(
            previous: previous, facts: next.facts, assessment: next.assessment, decoder: calculator.factsDecoder)
        #expect(withoutOldAssessment.first == "affected.US-CA rose from 480 to 620")
        #expect(withoutOldAssessment.dropFirst().map { $0.prefix { $0 != " " } } == ["US-CA/individuals", "US-CA/regulator"])
        #expect(withoutOldAssessment.dropFirst().allSatisfy { $0.contains(" added") })
    }

    /// The digest an assessment was computed with is read back from its stored JSON (the rules rollout
    /// compares it with the running rules).
    @Test func rulesDigestReadsTheStoredAssessment() throws {
        let stored = try state(Self.california).stored
        let digest = try #require(ChangeDescriber.rulesDigest(stored.assessmentJSON))
        #expect(digest == (try RealRules.calculator()).rulebook.digest)
        #expect(digest.hasPrefix("sha256:"))
    }

    /// Malformed obligations do not hide a readable digest (they did once the reader became one
    /// `Decodable`: the rollout then recomputed every incident as if its rules were unknown).
    @Test func aDigestBesideMalformedObligationsIsRead() {
        #expect(ChangeDescriber.rulesDigest(#"{"rulesDigest": "sha256:abc", "obligations": 5}"#) == "sha256:abc")
    }

    /// Anything else has no digest: nil (the rollout then recomputes, saying "unknown rules").
    @Test(arguments: ["", "not json", "{", "[]", "\"sha256:abc\"", #"{"rulesDigest": 5}"#, #"{"rulesDigest": null}"#, #"{"digest": "sha256:abc"}"#])
    func rulesDigestOfUnreadableTextIsNil(text: String) {
        #expect(ChangeDescriber.rulesDigest(text) == nil)
    }

    /// The previous obligations are read back with their kind, due date and due instant, which is
    /// what the change lines and events compare.
    @Test func previousObligationsReadTheStoredAssessment() throws {
        let stored = try state(california("480", with: "620")).stored
        let old = ChangeDescriber.previousObligations(stored.assessmentJSON)
        #expect(old.keys.sorted() == ["US-CA/individuals", "US-CA/regulator"])
        #expect(old["US-CA/individuals"]?.kind == "fixed")
        #expect(old["US-CA/individuals"]?.dueDate == "2026-04-01")
        #expect(old["US-CA/individuals"]?.due == Date(timeIntervalSince1970: 1_775_113_199), "2026-04-01T23:59:59-07:00")
        #expect(old["US-CA/regulator"]?.kind == "relative")
        #expect(old["US-CA/regulator"]?.dueDate == nil)
    }

    /// Unreadable text gives no previous obligations; entries without an id or a deadline object are
    /// skipped, and the rest are kept.
    @Test(arguments: [
        ("", [String]()),
        ("not json", []),
        ("[]", []),
        (#"{"obligations": "US-CA/individuals"}"#, []),
        (#"{"obligations": [1, "two", null]}"#, []),
        (#"{"obligations": [{"deadline": {"kind": "fixed"}}, {"id": "A/b", "deadline": "fixed"}, {"id": "C/d", "deadline": {}}]}"#, ["C/d"]),
    ])
    func previousObligationsOfMalformedTextAreEmptyOrPartial(text: String, ids: [String]) {
        let old = ChangeDescriber.previousObligations(text)
        #expect(old.keys.sorted() == ids)
        for id in ids {
            #expect(old[id]?.kind == "")
            #expect(old[id]?.dueDate == nil)
            #expect(old[id]?.due == nil)
        }
    }

    // MARK: Through IncidentService.change: the title line and the events

    /// A service on a scratch database (`change` computes without touching it).
    func withService(_ body: (IncidentService) async throws -> Void) async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("bc-describer-\(UUID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let store = try IncidentStore(path: folder.appendingPathComponent("store.sqlite").path)
        try await body(IncidentService(calculator: try RealRules.calculator(), store: store, clock: { Self.now }))
    }

    /// A renamed incident's history starts with the old and new titles, quoted as JSON strings (so a
    /// quote in a title cannot end the quotation); the same title again adds no line.
    @Test func aNewTitleIsTheFirstLine() async throws {
        try await withService { service in
            let old = try state(Self.california, title: #"Payroll "export""#)
            let new = try state(california("480", with: "620"))
            func lines(_ title: String?) -> [String] {
                service.change(
                    incidentID: "inc_test", title: old.stored.title, facts: new.facts, assessment: new.assessment, previous: old.stored,
                    action: "incident.update", newTitle: title
                ).changes
            }
            let renamed = lines("Payroll export (vendor)")
            #expect(renamed.first == #"title changed from "Payroll \"export\"" to "Payroll export (vendor)""#)
            #expect(Array(renamed.dropFirst()) == lines(nil))
            #expect(lines(old.stored.title) == lines(nil))
            #expect(!lines(nil).contains { $0.hasPrefix("title") })
        }
    }

    /// A subscription to every one-off event, so that what is planned at `now` is what was sent.
    static let everyEvent = StoredWebhook(
        id: "whk_test", url: "https://hooks.example.com/x", format: "json", incidentID: nil,
        events: WebhookEventType.allCases.map(\.rawValue), schedule: ReminderSchedule(), secret: "whsec_test", createdAt: now,
        disabledAt: nil, disabledReason: nil, failingSince: nil)

    /// The one-off events of a change (those planned for now), as `type obligation`.
    func events(from old: String?, to new: String, rulesChangedFrom digest: String? = nil) async throws -> [String] {
        var events: [String] = []
        try await withService { service in
            let before = try old.map { try state($0) }
            let after = try state(new)
            let change = service.change(
                incidentID: "inc_test", title: "Payroll export", facts: after.facts, assessment: after.assessment,
                previous: before?.stored, action: before == nil ? "incident.create" : "incident.update", rulesChangedFrom: digest)
            let plan = try #require(change.plan)
            let planned = plan([Self.everyEvent])
            events = planned.filter { $0.dueAt == Self.now }.map { [$0.event, $0.obligationID].compactMap { $0 }.joined(separator: " ") }
        }
        return events
    }

    /// A new incident announces itself and each of its obligations.
    @Test func aNewIncidentAnnouncesEveryObligation() async throws {
        #expect(
            try await events(from: nil, to: california("480", with: "620")) == [
                "incident.created", "obligation.added US-CA/individuals", "obligation.added US-CA/regulator",
            ])
    }

    /// Each kind of change sends its event for the obligation concerned, and only for it: an
    /// obligation that arose is `obligation.added`; a due date the facts moved is
    /// `obligation.changed`; the same move made by new rules is `deadline.changed`. An obligation
    /// that went, or a change that moved nothing, sends nothing (its reminders are withdrawn by the
    /// re-plan).
    @Test(
        arguments: [
            ("480", "620", nil, ["obligation.added US-CA/regulator"]),
            ("2026-03-02T10", "2026-03-05T10", nil, ["obligation.changed US-CA/individuals"]),
            ("2026-03-02T10", "2026-03-05T10", "sha256:0ld", ["deadline.changed US-CA/individuals"]),
            ("riskOfHarm: likely", "riskOfHarm: high", nil, []),
        ] as [(String, String, String?, [String])])
    func eachChangeSendsItsEvent(replacing: String, replacement: String, digest: String?, expected: [String]) async throws {
        #expect(try await events(from: Self.california, to: california(replacing, with: replacement), rulesChangedFrom: digest) == expected)
    }

    /// Removal is said in the history but sent as no event.
    @Test func aRemovedObligationSendsNoEvent() async throws {
        #expect(try await events(from: california("480", with: "620"), to: Self.california) == [])
    }

    /// GDPR Art. 33: the authority within 72 hours of discovery (2 March 2026, 10:00 in Berlin).
    static let gdpr = """
        timezone: Europe/Berlin
        events: { discoveredAt: 2026-03-02T10:00:00+01:00 }
        entity: { role: controller, mainEstablishment: DE }
        data: { elements: [name, contact-details] }
        riskOfHarm: likely
        affected: { DE: 100 }
        """

    /// A 72-hour deadline whose clock start moves two hours within the same day keeps its due date
    /// but not its due instant: the history gives both instants, and subscribers are told
    /// (`obligation.changed`, or `deadline.changed` when new rules moved it).
    @Test func anHourDeadlineMovedWithinItsDayIsAChange() async throws {
        let later = Self.gdpr.replacingOccurrences(of: "T10:00", with: "T12:00")
        let before = try #require(try state(Self.gdpr).assessment.obligations.first { $0.id == "EU-GDPR/regulator" }?.deadline)
        let after = try #require(try state(later).assessment.obligations.first { $0.id == "EU-GDPR/regulator" }?.deadline)
        #expect(before.dueDate == after.dueDate)
        #expect(try #require(after.due).timeIntervalSince(try #require(before.due)) == 2 * 3_600)
        #expect(
            try describe(from: Self.gdpr, to: later) == [
                "events.discoveredAt changed",
                "EU-GDPR/regulator deadline changed from due 2026-03-05T09:00:00Z to due 2026-03-05T11:00:00Z",
            ])
        #expect(try await events(from: Self.gdpr, to: later) == ["obligation.changed EU-GDPR/regulator"])
        #expect(try await events(from: Self.gdpr, to: later, rulesChangedFrom: "sha256:0ld") == ["deadline.changed EU-GDPR/regulator"])
    }
}
