import ArgumentParser
import BreachClockCalculator
import BreachClockLoader
import BreachClockRules
import Foundation

/// `breachclock rules …`: check and read the rules database.
struct RulesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rules",
        abstract: "Check and read the rules database.",
        subcommands: [ValidateRules.self, ListRules.self, ShowRule.self, StaleRules.self]
    )
}

/// `rules validate`.
struct ValidateRules: OutputCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check every rule file; print each problem as file:line:column: message.",
        discussion: """
            Exits 0 when the database is sound, 1 when any file has a problem. Warnings (a rule with no \
            `official:` link, a source with no `kind`, a value resting only on secondary sources) are \
            printed as file: warning: message and do not fail the run unless --strict is given.
            """
    )

    @OptionGroup var rulesOptions: RulesOptions

    @Flag(help: "Exit 1 when there are warnings too.")
    var strict = false

    func run(output: some OutputSink) throws {
        let rulebook = try rulesOptions.loadRulebook(cached: false)
        let warnings = SourceReview.findings(for: rulebook)
        for warning in warnings { output.write("\(warning)\n") }
        let versions = rulebook.rules.reduce(0) { $0 + $1.versions.count }
        let obligations = rulebook.rules.reduce(0) { $0 + $1.versions.reduce(0) { $0 + $1.obligations.count } }
        output.write(
            "ok: \(rulebook.rules.count) rules, \(versions) versions, \(obligations) obligations, \(rulebook.calendars.count) calendars (\(rulebook.digest))\(warnings.isEmpty ? "" : ", \(warnings.count) warnings")\n"
        )
        if strict && !warnings.isEmpty {
            throw CommandFailure(code: 1, message: "\(warnings.count) warning\(warnings.count == 1 ? "" : "s") (--strict)")
        }
    }
}

/// Parses `--as-of` and `--today` values.
func parseDay(_ text: String?, option: String) throws -> CivilDate {
    guard let text else { return ZonedTime.civilDate(of: Date(), in: ZonedTime.utc) }
    guard let date = CivilDate(iso: text) else { throw CommandFailure.badInput("\(option): expected a date YYYY-MM-DD, found `\(text)`") }
    return date
}

enum ListFormat: String, ExpressibleByArgument, CaseIterable {
    case table, markdown
}

/// `rules list`.
struct ListRules: OutputCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "One line per rule: individuals' deadline, regulators with thresholds, agencies' threshold, last review.",
        discussion: "`--format markdown` writes the coverage table committed as Jurisdictions/COVERAGE.md."
    )

    @OptionGroup var rulesOptions: RulesOptions

    @Option(help: ArgumentHelp("The date whose law to describe (default today).", valueName: "date"))
    var asOf: String?

    @Option(help: "table or markdown.")
    var format: ListFormat = .table

    @Option(help: ArgumentHelp("Only rules of this region: united-states, europe, americas, asia-pacific, middle-east-africa.", valueName: "region"))
    var region: Region?

    func run(output: some OutputSink) throws {
        let rulebook = try rulesOptions.loadRulebook()
        let date = try parseDay(asOf, option: "--as-of")
        let rows = CoverageTable.rows(rulebook: rulebook, on: date).filter { region == nil || $0.region == region }
        switch format {
        case .markdown: output.write(CoverageTable.markdown(rows, asOf: date, asOfGiven: asOf != nil))
        case .table: output.write(CoverageTable.plain(rows))
        }
    }
}

/// `rules show CODE`.
struct ShowRule: OutputCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Print what a rule says, with its citations and sources.",
        discussion: "Example: breachclock rules show US-CA --as-of 2025-06-01"
    )

    @OptionGroup var rulesOptions: RulesOptions

    @Argument(help: "The rule's code (US-CA, EU-GDPR).")
    var code: String

    @Option(help: ArgumentHelp("Show the version in force on this date (default today).", valueName: "date"))
    var asOf: String?

    func run(output: some OutputSink) throws {
        let rulebook = try rulesOptions.loadRulebook()
        // Codes are matched regardless of case (`us-ca`, `eu-gdpr`).
        guard let rule = rulebook.rule(code: code) ?? rulebook.rules.first(where: { $0.code.uppercased() == code.uppercased() }) else {
            throw CommandFailure.badInput("unknown rule code `\(code)` (see `breachclock rules list`)")
        }
        let date = try parseDay(asOf, option: "--as-of")
        output.write(RuleDescription.render(rule, on: date))
    }
}

/// `rules stale`.
struct StaleRules: OutputCommand {
    static let configuration = CommandConfiguration(
        commandName: "stale",
        abstract: "List rules whose last review is older than a given age; exits 1 when there are any.",
        discussion: "Example: breachclock rules stale --older-than 180d"
    )

    @OptionGroup var rulesOptions: RulesOptions

    @Option(help: ArgumentHelp("An age in days, such as 180d.", valueName: "age"))
    var olderThan: String = "180d"

    @Option(help: ArgumentHelp("Today's date (default: the system clock).", valueName: "date"))
    var today: String?

    func run(output: some OutputSink) throws {
        let rulebook = try rulesOptions.loadRulebook()
        let trimmed = olderThan.hasSuffix("d") ? String(olderThan.dropLast()) : olderThan
        guard let days = Int(trimmed), days >= 0 else {
            throw CommandFailure.badInput("--older-than: expected a number of days such as 180d, found `\(olderThan)`")
        }
        let now = try parseDay(today, option: "--today")
        let cutoff = now.adding(days: -days)
        let stale = rulebook.rules.filter { $0.reviewed < cutoff }.sorted { ($0.reviewed, $0.code) < ($1.reviewed, $1.code) }
        func daysText(_ n: Int) -> String { n == 1 ? "1 day" : "\(n) days" }
        if stale.isEmpty {
            output.write("No rule was last reviewed before \(cutoff) (\(daysText(days)) before \(now)).\n")
            return
        }
        output.write("Rules last reviewed before \(cutoff) (\(daysText(days)) before \(now)):\n")
        for rule in stale {
            let age = now.dayNumber - rule.reviewed.dayNumber
            output.write(
                "  \(rule.code.padding(toLength: 10, withPad: " ", startingAt: 0)) reviewed \(rule.reviewed) (\(daysText(age)) ago)  \(rule.file)\n")
        }
        // A check that can gate a CI job or a cron: stale rules make the exit status 1.
        throw CommandFailure(code: 1, message: "\(stale.count) rule\(stale.count == 1 ? " is" : "s are") stale")
    }
}

extension Region: ExpressibleByArgument {}
