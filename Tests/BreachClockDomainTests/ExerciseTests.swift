import BreachClockLoader
import BreachClockProgramme
import BreachClockRules
import BreachClockTestSupport
import Foundation
import Testing

/// Tabletop exercises as data (issue 15): scenario and log files read strictly, the exercise checks
/// of the programme at their boundaries, and the report's arithmetic against the deadlines.
@Suite struct ExerciseTests {
    static let scenario = """
        exercise: Test
        startsAt: 2026-03-02T09:00:00-06:00
        runsFor: T+2d
        incident:
          title: Test incident
          facts: { timezone: America/Chicago }
        injects:
          - { at: T+2h, say: More people., facts: { affected: { US-TX: 400 } } }
          - { at: T+1d4h, say: A notice., notice: { obligation: US-TX/regulator, method: form } }
        """

    func decodeScenario(_ text: String) throws -> ExerciseScenario {
        try ExerciseScenarioDecoder.decode(try DocumentParser.parseYAML(text, file: "scenario.yaml"))
    }

    func scenarioProblems(_ text: String) throws -> String {
        do {
            _ = try decodeScenario(text)
            return ""
        } catch let error as RulebookError {
            return error.description
        }
    }

    @Test(arguments: [
        ("T+0", 0), ("T+90m", 5_400), ("T+2h", 7_200), ("T+1d4h", 100_800), ("T+1d4h30m", 102_600), ("T+366d", 366 * 86_400),
    ])
    func offsetsRead(text: String, seconds: Int) throws {
        let offset = try #require(ExerciseScenario.Offset(text: text))
        #expect(offset.seconds == seconds)
        #expect(ExerciseScenario.Offset(text: offset.description) == offset)
    }

    @Test(arguments: ["", "T+", "2h", "T-2h", "T+2", "T+h", "T+4h1d", "T+1h1h", "T+367d", "T+2H", "T+1000000h", "T+٣h", "T+2h "])
    func badOffsetsAreRefused(text: String) {
        #expect(ExerciseScenario.Offset(text: text) == nil)
    }

    @Test func theScenarioReads() throws {
        let scenario = try decodeScenario(Self.scenario)
        #expect(scenario.name == "Test")
        #expect(scenario.runsFor.seconds == 2 * 86_400)
        #expect(scenario.injects.map(\.at.description) == ["T+2h", "T+1d4h"])
        #expect(scenario.injects[1].notice != nil && scenario.injects[1].facts == nil)
        #expect(scenario.startsAt == Date(timeIntervalSince1970: 1_772_463_600))  // 2026-03-02T15:00:00Z
        #expect(scenario.webhooks.isEmpty)
    }

    /// Each malformed scenario, and the field its error names.
    static let refusals: [(String, String)] = [
        ("runsFor: T+1d", "injects[1].at: T+1d4h is after the exercise ends (T+1d)"),
        ("startsAt: 2026-03-02", "startsAt: expected an instant with its offset"),
        ("startsAt: yesterday", "startsAt: expected an RFC 3339 instant"),
        ("colour: red", "colour"),
        ("webhooks: [{ url: http://x/hook, format: xml }]", "webhooks[0].format: expected json, slack or teams, found `xml`"),
        ("webhooks: [{ url: http://x/hook, secret: whsec_abc }]", "unknown key `secret` (expected one of: format, secretFrom, url)"),
    ]

    @Test(arguments: refusals)
    func malformedScenariosAreRefused(change: String, expected: String) throws {
        let key = String(change.prefix { $0 != ":" })
        var lines = Self.scenario.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        if let index = lines.firstIndex(where: { $0.hasPrefix(key + ":") }) { lines[index] = change } else { lines.append(change) }
        let problems = try scenarioProblems(lines.joined(separator: "\n"))
        #expect(problems.contains(expected), "\(problems)")
    }

    @Test func injectsMustBeInTimeOrder() throws {
        let text = Self.scenario.replacingOccurrences(of: "at: T+1d4h", with: "at: T+1h")
        #expect(try scenarioProblems(text).contains("injects[1].at: T+1h comes before the inject above it (T+2h)"))
    }

    @Test func anInjectMustBeAMapping() throws {
        let text = Self.scenario.replacingOccurrences(of: "facts: { affected: { US-TX: 400 } }", with: "facts: [1]")
        #expect(try scenarioProblems(text).contains("injects[0].facts: expected a mapping"))
    }

    // MARK: The log

    static let log = """
        attendance:
          - { person: ana, attended: true }
          - { person: ghost, attended: false }
        observations:
          - { at: T+2h, by: ana, verdict: went-well, text: Fast. }
        decisions:
          - { at: T+3h, obligation: US-TX/regulator, decision: File early., by: ana }
          - { at: T+1h, decision: Call counsel., by: nobody }
        actionItems:
          - { title: Fix the runbook, owner: ana, due: 2026-12-31, changes: severities/SEV9 }
          - { title: Update contacts, owner: ana, due: 2026-12-15, changes: people/ana }
        """

    func decodeLog(_ text: String) throws -> ExerciseLog {
        try ExerciseLogDecoder.decode(try DocumentParser.parseYAML(text, file: "log.yaml"))
    }

    @Test func theLogIsCheckedAgainstTheProgramme() throws {
        let log = try decodeLog(Self.log)
        let programme = try ProgrammeDecoder.decode(try DocumentParser.parseYAML(ProgrammeTests.text(), file: "programme.yaml"))
        #expect(
            log.problems(against: programme) == [
                "attendance[1].person: no person with id `ghost` in the programme",
                "decisions[1].by: no person with id `nobody` in the programme",
                "actionItems[0].changes: the programme has no entry `severities/SEV9`",
            ])
    }

    @Test(arguments: [
        ("observations: [{ by: ana, verdict: great, text: x }]", "unknown verdict `great`"),
        ("decisions: [{ at: T+1h, decision: x }]", "log.yaml:1:13: missing required key `by`"),
        ("actionItems: [{ title: x, owner: ana, due: 2026-13-01 }]", "expected a date YYYY-MM-DD, found `2026-13-01`"),
        ("attendance: [{ person: ana, attended: maybe }]", "log.yaml:1:39: expected true or false"),
        ("notes: hello", "notes"),
    ])
    func malformedLogsAreRefused(text: String, expected: String) throws {
        #expect(throws: RulebookError.self) { try decodeLog(text) }
        do { _ = try decodeLog(text) } catch let error as RulebookError { #expect(error.description.contains(expected), "\(error)") }
    }

    // MARK: The exercise checks

    static func day(_ text: String) -> CivilDate { CivilDate(iso: text)! }

    /// No exercise in the 12 months up to the check: one run exactly 12 months before no longer
    /// counts (as a review on the 90th day is stale); one run a day later does.
    @Test(arguments: [("2025-12-03", true), ("2025-12-04", false), ("2026-12-03", false), ("2026-12-04", true)])
    func anExerciseInTheLastTwelveMonths(runOn: String, finding: Bool) {
        let findings = ProgrammeCheck.exerciseFindings(
            exercises: [("exr_1", Self.day(runOn))], actionItems: [],
            period: .twelveMonths(before: Self.day("2026-12-03")), asOf: Self.day("2026-12-03"))
        #expect(findings.map(\.kind) == (finding ? [.noExercise] : []))
    }

    @Test func noExerciseEverIsAFinding() {
        let findings = ProgrammeCheck.exerciseFindings(
            exercises: [], actionItems: [], period: .twelveMonths(before: Self.day("2026-12-03")), asOf: Self.day("2026-12-03"))
        #expect(findings.map(\.message) == ["no tabletop exercise was run from 2025-12-04 to 2026-12-03 (none was ever run)"])
    }

    @Test func anObservationPeriodIsBothDaysIncluded() {
        let period = ProgrammeCheck.ExercisePeriod(from: Self.day("2026-01-01"), to: Self.day("2026-06-30"))
        for (runOn, finding) in [("2025-12-31", true), ("2026-01-01", false), ("2026-06-30", false), ("2026-07-01", true)] {
            let findings = ProgrammeCheck.exerciseFindings(
                exercises: [("exr_1", Self.day(runOn))], actionItems: [], period: period, asOf: Self.day("2026-12-03"))
            #expect(findings.isEmpty != finding, "\(runOn)")
        }
    }

    /// An item due on the 15th is late from the 16th; a closed one never is.
    @Test(arguments: [("2026-12-15", "open", false), ("2026-12-16", "open", true), ("2026-12-16", "done", false)])
    func actionItemsPastTheirDueDate(asOf: String, status: String, late: Bool) {
        let item = ActionItemState(
            id: "act_1", exerciseID: "exr_1", title: "Update contacts", owner: "ana", due: "2026-12-15", changes: nil, status: status,
            closedAt: nil, resolution: nil)
        let findings = ProgrammeCheck.exerciseFindings(
            exercises: [("exr_1", Self.day("2026-12-01"))], actionItems: [item], period: .twelveMonths(before: Self.day(asOf)),
            asOf: Self.day(asOf))
        #expect(findings.map(\.kind) == (late ? [.overdueActionItem] : []))
        if late { #expect(findings[0].message == "\"Update contacts\" (owner ana) was due 2026-12-15 and is still open, 1 day late") }
    }

    // MARK: The report

    /// A decision is measured against the deadline as it stood when it was taken.
    @Test func decisionsAreMeasuredAgainstTheDeadlineOfTheirTime() throws {
        func obligation(due: String?) -> ExerciseRecord.Obligation {
            ExerciseRecord.Obligation(
                id: "US-TX/regulator", jurisdiction: "US-TX", recipient: "Texas AG", citation: "§ 521.053(i)",
                deadlineKind: due == nil ? "none" : "fixed", due: due, noticeSentAt: nil)
        }
        let record = ExerciseRecord(
            name: "Test", startsAt: "2026-03-02T15:00:00Z", ranFor: 4 * 86_400,
            steps: [
                .init(at: 0, say: "Start", changes: [], obligations: [], warnings: []),
                .init(at: 3_600, say: "Texas", changes: [], obligations: [obligation(due: "2026-03-04T15:00:00Z")], warnings: []),
                .init(at: 86_400, say: "Moved", changes: [], obligations: [obligation(due: "2026-03-03T12:00:00Z")], warnings: []),
            ], reminders: [])
        let log = ExerciseLog(
            attendance: [], observations: [],
            decisions: [
                .init(at: 1_800, obligation: "US-TX/regulator", decision: "Too early", by: "ana"),
                .init(at: 7_200, obligation: "US-TX/regulator", decision: "Before", by: "ana"),
                .init(at: 90_000, obligation: "US-TX/regulator", decision: "After", by: "ben"),
                .init(at: 7_200, obligation: nil, decision: "General", by: "ben"),
            ], actionItems: [])
        let report = ExerciseReport(exerciseID: "exr_1", runAt: "2026-12-03T10:00:00.000Z", record: record, log: log, actionItems: [])
        #expect(
            report.decisions.map(\.againstDeadline) == [
                "`US-TX/regulator` was not an obligation at T+30m", "46h before the deadline",
                "4h after the deadline", "not against an obligation",
            ])
        #expect(report.decisions.map(\.secondsBeforeDeadline) == [nil, 46 * 3_600, -4 * 3_600, nil])
    }
}
