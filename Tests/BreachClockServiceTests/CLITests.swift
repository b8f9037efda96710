import BreachClockCLI
import BreachClockTestSupport
import Foundation
import Testing

/// The CLI as a user runs it, in process; what users read is compared with golden files.
@Suite struct CLITests {
    let rules = ["--rules", Paths.jurisdictions.path]
    let multiState = Paths.sharedExamples.appendingPathComponent("multi-state.json").path

    /// The rules digest changes with every rule edit; golden files hold a placeholder instead.
    func stable(_ text: String) -> String {
        text.replacingOccurrences(of: #"sha256:[0-9a-f]{64}"#, with: "sha256:<rules>", options: .regularExpression)
            .replacingOccurrences(of: #"sha256:[0-9a-f]{12}…"#, with: "sha256:<rules>…", options: .regularExpression)
            .replacingOccurrences(of: #"-[0-9a-f]{12}@breachclock"#, with: "-<rules>@breachclock", options: .regularExpression)
    }

    @Test(arguments: ["table", "json", "markdown", "ics"])
    func whatIfFormats(format: String) async throws {
        let run = await runCLI(["what-if", "--facts", multiState, "--format", format, "--now", "2026-05-20T09:00:00-05:00"] + rules)
        #expect(run.code == 0, "\(run.err)")
        try expectGolden(stable(run.out), "what-if-multi-state.\(format == "table" ? "txt" : format == "markdown" ? "md" : format)")
    }

    /// Incidents where sector regimes meet the states (issue 10): what counsel reads, as golden files.
    @Test(arguments: ["hospital-three-states", "bank-listed-company"])
    func sectorIncidents(name: String) async throws {
        let facts = Paths.fixtures.appendingPathComponent("sector-incidents/\(name).yaml").path
        let run = await runCLI(["what-if", "--facts", facts, "--format", "table", "--now", "2026-11-26T09:00:00-05:00"] + rules)
        #expect(run.code == 0, "\(run.err)")
        try expectGolden(stable(run.out).replacingOccurrences(of: facts, with: "<facts>"), "what-if-\(name).txt")
    }

    /// Issue 11's multinational incident (`Examples/multinational.yaml`): the memo counsel reads, with
    /// each authority and where to file, and the table, as golden files.
    @Test(arguments: ["markdown", "table"])
    func multinationalIncident(format: String) async throws {
        let facts = Paths.jurisdictions.deletingLastPathComponent().appendingPathComponent("Examples/multinational.yaml").path
        let run = await runCLI(["what-if", "--facts", facts, "--format", format, "--now", "2026-03-02T20:00:00Z"] + rules)
        #expect(run.code == 0, "\(run.err)")
        try expectGolden(
            stable(run.out).replacingOccurrences(of: facts, with: "<facts>"), "what-if-multinational.\(format == "table" ? "txt" : "md")")
    }

    /// Issue 12: within 48 hours the table gives the due time and hours and minutes left, never
    /// "in 0 hours", and LEFT never runs into the recipient column.
    @Test(arguments: [("2026-03-04T17:50:00Z", "in 25h 10m"), ("2026-03-05T18:40:00Z", "in 20m"), ("2026-03-05T22:05:00Z", "OVERDUE 3h 5m")])
    func tableNearTheDeadline(now: String, left: String) async throws {
        let facts = Paths.jurisdictions.deletingLastPathComponent().appendingPathComponent("Examples/multinational.yaml").path
        let run = await runCLI(["what-if", "--facts", facts, "--format", "table", "--now", now] + rules)
        let line = try #require(run.out.split(separator: "\n").first { $0.contains("KR  Personal Information Protection") })
        #expect(line.hasPrefix("03-05 14:00 "), "\(line)")
        #expect(line.contains(left), "\(line)")
        #expect(!run.out.contains("in 0 hours"))
    }

    /// Issue 12: calendar UIDs are stable per incident and obligation (not per due date or rules
    /// digest), and a notice already sent is not exported as a pending deadline.
    @Test func calendarEventsAreStableAndSkipSentNotices() async throws {
        let example = Paths.jurisdictions.deletingLastPathComponent().appendingPathComponent("Examples/multinational.yaml")
        let facts = FileManager.default.temporaryDirectory.appendingPathComponent("bc-ics-\(UUID()).yaml")
        defer { try? FileManager.default.removeItem(at: facts) }
        try
            (try String(contentsOf: example, encoding: .utf8)
            + "notices:\n  - { jurisdiction: KR, recipient: individuals, sentAt: 2026-03-03T10:00:00-05:00 }\n").write(
                to: facts, atomically: true, encoding: .utf8)
        let run = await runCLI(["what-if", "--facts", facts.path, "--format", "ics", "--now", "2026-03-03T12:00:00Z"] + rules)
        #expect(run.code == 0, "\(run.err)")
        #expect(run.out.contains("UID:what-if-20260302190000-KR-regulator@breachclock"))
        #expect(!run.out.contains("KR-individuals@"), "the sent notice is not a pending deadline")
        #expect(!run.out.contains("sha256") && !run.out.contains("UID:what-if-20260302190000-KR-regulator-2026"))
    }

    /// The executor `serve` asks for, read before the command line is parsed: flag, then variable, then nio.
    @Test func serveExecutorChoice() {
        #expect(ServeExecutor.requested(arguments: ["serve"], environment: [:]) == .nio)
        #expect(ServeExecutor.requested(arguments: ["serve", "--executor", "dispatch"], environment: [:]) == .dispatch)
        #expect(ServeExecutor.requested(arguments: ["serve", "--executor=dispatch"], environment: ["BREACHCLOCK_EXECUTOR": "nio"]) == .dispatch)
        #expect(ServeExecutor.requested(arguments: ["serve"], environment: ["BREACHCLOCK_EXECUTOR": "dispatch"]) == .dispatch)
        #expect(ServeExecutor.requested(arguments: ["serve", "--executor", "threads"], environment: [:]) == nil)
        #expect(ServeExecutor.requested(arguments: ["what-if", "--executor", "nio"], environment: [:]) == nil)
    }

    /// Issue 12: the table takes the terminal's width and wraps legal text instead of cutting it;
    /// only a single word longer than a line (a URL) may overflow, whole, so it can be copied.
    @Test(arguments: [60, 80, 132])
    func tableWrapsToTheTerminal(columns: Int) async {
        let run = await runCLI(
            ["what-if", "--facts", multiState, "--format", "table", "--now", "2026-05-20T09:00:00-05:00"] + rules,
            columns: columns)
        let wide = run.out.split(separator: "\n").filter { $0.count > columns && $0.trimmingCharacters(in: .whitespaces).contains(" ") }
        #expect(wide.isEmpty, "\(wide)")
        #expect(!run.out.contains("…"), "nothing is cut")
        let flat = run.out.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        // Wisconsin's fixed limit keeps the statute's standard beside it (Wis. Stat. § 134.98(3)(a)).
        #expect(
            flat.contains(
                "45 calendar days from discovery; \"within a reasonable time, not to exceed 45 days after the entity learns of the acquisition\""))
        #expect(flat.contains("file at https://www.iowaattorneygeneral.gov/for-consumers/security-breach-notifications"))
        #expect(flat.contains("US-IA Iowa Attorney General — Director of the Consumer Protection Division"))
    }

    @Test func colourOnlyOnATerminal() async {
        let args = ["what-if", "--facts", multiState, "--format", "table"] + rules
        let plain = await runCLI(args, terminal: false)
        let terminal = await runCLI(args, terminal: true)
        let noColor = await runCLI(args + ["--no-color"], terminal: true)
        let noColorEnvironment = await runCLI(args, terminal: true, noColorEnvironment: true)
        #expect(!plain.out.contains("\u{1B}["))
        #expect(terminal.out.contains("\u{1B}["))
        #expect(!noColor.out.contains("\u{1B}["))
        #expect(!noColorEnvironment.out.contains("\u{1B}["), "NO_COLOR is honoured (issue 12)")
    }

    @Test func flagsGiveTheSameAssessmentAsAFile() async throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("bc-facts-\(UUID()).yaml")
        try """
        timezone: America/New_York
        events: { discoveredAt: 2026-03-02T14:00:00-05:00 }
        data: { elements: [name, ssn] }
        affected: { US-CA: 1200, US-TX: 300, US-NY: 40 }
        """.write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        let fromFile = await runCLI(["what-if", "--facts", file.path, "--format", "json"] + rules)
        let fromFlags = await runCLI(
            [
                "what-if", "--discovered", "2026-03-02T14:00:00-05:00", "--timezone", "America/New_York",
                "--affected", "US-CA=1200,US-TX=300,US-NY=40", "--data", "name,ssn", "--format", "json",
            ] + rules)
        #expect(fromFile.code == 0 && fromFlags.code == 0)
        #expect(fromFile.out == fromFlags.out)
        // Cal. Civ. Code § 1798.82(a)(1) (SB 446): 30 calendar days from 2 March 2026, in New York time.
        #expect(fromFile.out.contains(#""due": "2026-04-01T23:59:59-04:00""#))
    }

    @Test func badInputExitsTwoAndNamesTheField() async {
        let run = await runCLI(["what-if", "--discovered", "2026-03-02", "--affected", "US-XX=3", "--data", "name,ssn", "--format", "json"] + rules)
        #expect(run.code == 2)
        #expect(run.err.contains("affected.US-XX: unknown jurisdiction code"))
        #expect(run.out.isEmpty)
        let noFacts = await runCLI(["what-if"] + rules)
        #expect(noFacts.code == 2)
        let badFlag = await runCLI(["what-if", "--facts", multiState, "--format", "pdf"] + rules)
        #expect(badFlag.code == 2)
    }

    @Test func brokenRulesAreAnInternalError() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("bc-rules-\(UUID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try "code: US-CA\nname: [unclosed\n".write(to: folder.appendingPathComponent("US-CA.yaml"), atomically: true, encoding: .utf8)
        let run = await runCLI(["rules", "validate", "--rules", folder.path])
        #expect(run.code == 1)
        #expect(run.err.contains("US-CA.yaml:"))
        let whatIf = await runCLI(["what-if", "--facts", multiState, "--rules", folder.path])
        #expect(whatIf.code == 1)
    }

    /// Issue 12: the examples can be pasted: no line of the help is wrapped by the help printer, and
    /// every example, continuation lines joined, parses as a command line.
    @Test func helpHasExamplesThatCanBePasted() async throws {
        let run = await runCLI(["what-if", "--help"])
        #expect(run.code == 0)
        #expect(run.out.contains("Examples:"))
        var examples: [String] = []
        var pending = ""
        for line in run.out.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) {
            let text = line.trimmingCharacters(in: .whitespaces)
            guard !pending.isEmpty || text.hasPrefix("breachclock ") else { continue }
            pending += text
            if pending.hasSuffix("\\") {
                pending.removeLast()
                continue
            }
            examples.append(pending)
            pending = ""
        }
        #expect(examples.count >= 5, "\(examples)")
        for example in examples {
            let words = example.components(separatedBy: " > ")[0].split(separator: " ").map(String.init)
            #expect(throws: Never.self, "\(example)") { _ = try BreachClockCommand.parseAsRoot(Array(words.dropFirst())) }
        }
    }

    /// Issue 12: what cannot be read says why: a tab in YAML, a missing file, a folder given as a file,
    /// a missing rules folder.
    @Test func readErrorsSayWhy() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("bc-read-\(UUID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let tab = folder.appendingPathComponent("tab.yaml")
        try "timezone: UTC\nevents:\n\tdiscoveredAt: 2026-01-01T00:00:00Z\n".write(to: tab, atomically: true, encoding: .utf8)
        let truncated = folder.appendingPathComponent("cut.json")
        try #"{"timezone": "UTC", "events": {"#.write(to: truncated, atomically: true, encoding: .utf8)
        let cases: [([String], String)] = [
            (["what-if", "--facts", tab.path] + rules, "tab.yaml:3:1: YAML syntax: a tab character; YAML indents with spaces only"),
            (
                ["what-if", "--facts", truncated.path] + rules,
                "cut.json:1:32: JSON: expected a member name in double quotes, found end of the document"
            ),
            (["what-if", "--facts", folder.appendingPathComponent("nope.yaml").path] + rules, "nope.yaml`: no such file"),
            (["what-if", "--facts", folder.path] + rules, "`: is a folder, not a file"),
            (["rules", "validate", "--rules", folder.appendingPathComponent("nowhere").path], "the rules folder: no such folder"),
            (["rules", "validate", "--rules", tab.path], "the rules folder: is a file, not a folder"),
        ]
        for (arguments, expected) in cases {
            let run = await runCLI(arguments)
            #expect(run.code != 0)
            #expect(run.err.contains(expected), "\(arguments.prefix(3)): \(run.err)")
        }
    }

    /// `rules show` before and after SB 446 (Cal. Civ. Code § 1798.82, effective 2026-01-01).
    @Test func showsTheVersionInForce() async throws {
        let before = await runCLI(["rules", "show", "US-CA", "--as-of", "2025-06-01"] + rules)
        let after = await runCLI(["rules", "show", "US-CA", "--as-of", "2026-06-01"] + rules)
        #expect(before.code == 0 && after.code == 0)
        #expect(before.out.contains("US-CA/individuals") && before.out.contains("no fixed limit"))
        #expect(after.out.contains("30 calendar days from discovery"))
        #expect(after.out.contains("threshold: more than 500 residents"))
        try expectGolden(after.out, "rules-show-US-CA.txt")
    }

    @Test func staleListsOldReviews() async {
        let run = await runCLI(["rules", "stale", "--older-than", "180d", "--today", "2027-12-01"] + rules)
        #expect(run.code == 1, "stale rules fail the check, so it can gate CI (issue 12)")
        #expect(run.out.contains("US-CA"))
        let oneDay = await runCLI(["rules", "stale", "--older-than", "1d", "--today", "2026-12-04"] + rules)
        #expect(oneDay.out.contains("(1 day before 2026-12-04)"), "\(oneDay.out)")
        let show = await runCLI(["rules", "show", "us-ca"] + rules)
        #expect(show.code == 0 && show.out.hasPrefix("US-CA: "), "rules show is case-insensitive")
        let fresh = await runCLI(["rules", "stale", "--older-than", "180d", "--today", "2026-11-28"] + rules)
        #expect(fresh.out.contains("No rule was last reviewed before"))
        let bad = await runCLI(["rules", "stale", "--older-than", "soon"] + rules)
        #expect(bad.code == 2)
    }

    /// `Jurisdictions/COVERAGE.md` must be what `rules list --format markdown` makes of the current rules.
    @Test func coverageTableIsCurrent() async throws {
        let committed = try String(contentsOf: Paths.jurisdictions.appendingPathComponent("COVERAGE.md"), encoding: .utf8)
        let asOf = try #require(committed.firstMatch(of: /--as-of (\d{4}-\d{2}-\d{2})/)?.1)
        let run = await runCLI(["rules", "list", "--format", "markdown", "--as-of", String(asOf)] + rules)
        #expect(run.code == 0)
        #expect(run.out == committed, "regenerate with: breachclock rules list --format markdown --as-of \(asOf) > Jurisdictions/COVERAGE.md")
    }
}

/// The contract's own examples (`shared/spec/examples`).
@Suite struct ContractExampleTests {
    func assess(_ name: String) async throws -> (json: String, run: Int32) {
        let run = await runCLI([
            "what-if", "--facts", Paths.sharedExamples.appendingPathComponent(name).path, "--format", "json",
            "--rules", Paths.jurisdictions.path,
        ])
        return (run.out, run.code)
    }

    /// Cal. Civ. Code § 1798.82(f) (SB 446): the AG's 15 days run from the residents' notice recorded on 27 Feb 2026.
    @Test func relativeDeadlineBecomesFixedOnceTheNoticeIsRecorded() async throws {
        let result = try await assess("after-notice.json")
        #expect(result.run == 0)
        let data = Data(result.json.utf8)
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(object["contract"] as? Int == 1)
        let obligations = try #require(object["obligations"] as? [[String: Any]])
        let ag = try #require(obligations.first { $0["id"] as? String == "US-CA/regulator" })
        let deadline = try #require(ag["deadline"] as? [String: Any])
        #expect(deadline["kind"] as? String == "fixed")
        #expect(deadline["dueDate"] as? String == "2026-03-14")
        let residents = try #require(obligations.first { $0["id"] as? String == "US-CA/individuals" })
        #expect(residents["notice"] != nil)
    }

    /// GDPR Art. 33(2): a processor tells its controller "without undue delay": no fixed deadline is invented.
    @Test func processorNotifiesController() async throws {
        let result = try await assess("gdpr-processor.yaml")
        #expect(result.run == 0)
        #expect(result.json.contains(#""id": "EU-GDPR/controller""#))
        #expect(!result.json.contains(#""id": "EU-GDPR/regulator""#))
        let parts = result.json.components(separatedBy: #""id": "EU-GDPR/controller""#)
        try #require(parts.count == 2)
        #expect(parts[1].contains(#""kind": "none""#))
    }

    @Test func unknownRiskAndStraddlingRangesWarn() async throws {
        let result = try await assess("multi-state.json")
        #expect(result.run == 0)
        #expect(result.json.contains("riskOfHarm is unknown"))
        #expect(result.json.contains("straddles the threshold"))
    }
}

/// Hostile input through `what-if`: bad input, exit 2, the field named; never a crash.
@Suite struct WhatIfHostileInputTests {
    /// `what-if --now` before the discovery warns of it (the CLI passes its clock to the calculator).
    @Test func whatIfWarnsOfAFutureDiscovery() async throws {
        let result = await runCLI([
            "what-if", "--rules", Paths.jurisdictions.path, "--discovered", "2027-01-05T09:00:00Z", "--data", "name,ssn",
            "--affected", "US-CA=10", "--format", "json", "--now", "2026-12-02T09:00:00Z",
        ])
        #expect(result.code == 0, "\(result.err)")
        #expect(result.out.contains("events.discoveredAt (2027-01-05T09:00:00Z) is in the future (now 2026-12-02T09:00:00Z)"))
    }

    /// `what-if` died with SIGILL on these counts; now it is bad input, exit 2, naming the field.
    @Test func whatIfRefusesOverflowingCounts() async throws {
        let result = await runCLI([
            "what-if", "--rules", Paths.jurisdictions.path, "--discovered", "2026-03-02", "--data", "name,ssn",
            "--affected", "US-CA=9223372036854775807,US-TX=9223372036854775807",
        ])
        #expect(result.code == 2)
        #expect(result.err.contains("affected.US-CA: a count is at most 1000000000000"))
    }

    @Test func whatIfRefusesBillionLaughs() async throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("laughs-\(UUID()).yaml")
        try HostileDocuments.billionLaughs.write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        let result = await runCLI(["what-if", "--rules", Paths.jurisdictions.path, "--facts", file.path])
        #expect(result.code == 2)
        #expect(result.err.contains("values in one document"))
    }
}

/// `breachclock programme check` gates a CI job or a cron: 0 without findings, 1 with any, 2 when
/// the file cannot be read (issue 15).
@Suite struct ProgrammeCommandTests {
    let example = Paths.root.appendingPathComponent("Examples/programme.yaml").path

    @Test func exitCodesFollowTheFindings() async throws {
        let current = await runCLI(["programme", "check", example, "--as-of", "2026-12-03"])
        #expect(current.code == 0, "\(current.err)")
        #expect(current.out.contains("Example Health Co.: no findings as of 2026-12-03"))
        // Eli's details and the communications role were reviewed 2026-09-30: day 90 is 2026-12-29.
        let stale = await runCLI(["programme", "check", example, "--as-of", "2026-12-29", "--format", "json"])
        #expect(stale.code == 1)
        let report = try #require(try JSONSerialization.jsonObject(with: Data(stale.out.utf8)) as? [String: Any])
        let findings = report["findings"] as? [[String: String]] ?? []
        #expect(findings.map { "\($0["kind"] ?? "") \($0["subject"] ?? "")" } == ["contact.stale eli", "role.stale communications"])
        let dayBefore = await runCLI(["programme", "check", example, "--as-of", "2026-12-28"])
        #expect(dayBefore.code == 0)
    }

    @Test func anUnreadableFileIsBadInput() async throws {
        let missing = await runCLI(["programme", "check", "/nonexistent/programme.yaml"])
        #expect(missing.code == 2)
        #expect(missing.err.contains("cannot read"))
        let badDate = await runCLI(["programme", "check", example, "--as-of", "yesterday"])
        #expect(badDate.code == 2)
        #expect(badDate.err.contains("--as-of"))
    }
}
