import ArgumentParser
import BreachClockApplication
import BreachClockCalculator
import BreachClockJSON
import BreachClockLoader
import BreachClockProgramme
import BreachClockRules
import BreachClockStore
import Foundation

/// `breachclock programme …`: the incident-response programme (issue 15).
struct ProgrammeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "programme", abstract: "The incident-response programme: roles, severities, runbooks, in-scope systems.",
        subcommands: [CheckProgramme.self, ImportProgramme.self, ProgrammeHistory.self])
}

/// `breachclock programme check [FILE]`: what an auditor would find stale or missing.
struct CheckProgramme: AsyncOutputCommand {
    static let configuration = CommandConfiguration(
        commandName: "check", abstract: "Check a programme for stale contacts and roles, gaps, unwatched systems, and missed exercises.",
        discussion: """
            Exits 0 when there is no finding, 1 when there is any (so it can gate a CI job or a cron), 2 when the \
            file cannot be read. A contact or role assignment is stale once it has not been reviewed for \
            `reviewDays` days (default 90), on the 90th day itself included. With --db (or BREACHCLOCK_DB), the \
            exercises are checked too: none run in the 12 months up to the day of the check (or in the \
            observation period --from/--to), and action items open past their due date. Without FILE, the \
            newest programme imported into --db is checked. Example: Examples/programme.yaml.
            """)

    @OptionGroup var databaseOptions: DatabaseOptions

    @Argument(help: ArgumentHelp("The programme file (YAML or JSON); default: the newest imported one.", valueName: "file"))
    var file: String?

    @Option(help: ArgumentHelp("The day of the check, YYYY-MM-DD (default today, UTC).", valueName: "date"))
    var asOf: String?

    @Option(help: ArgumentHelp("The observation period's first day, for the exercise check (with --to).", valueName: "date"))
    var from: String?

    @Option(help: ArgumentHelp("The observation period's last day (default the day of the check; alone: the 12 months up to it).", valueName: "date"))
    var to: String?

    @Option(help: "text or json.")
    var format: ProgrammeFormat = .text

    /// Whether a database was named: the exercise checks need one, and none is made up.
    var databaseNamed: Bool {
        databaseOptions.database != nil || databaseOptions.configFile != nil || CommandEnvironment.values["BREACHCLOCK_DB"] != nil
            || CommandEnvironment.values["BREACHCLOCK_CONFIG"] != nil
    }

    func run(output: some OutputSink) async throws {
        let date = try parseDay(asOf, option: "--as-of")
        var period = ProgrammeCheck.ExercisePeriod.twelveMonths(before: date)
        if let from {
            period = ProgrammeCheck.ExercisePeriod(
                from: try parseDay(from, option: "--from"), to: try parseDay(to ?? date.description, option: "--to"))
            if period.to < period.from { throw CommandFailure.badInput("--to \(period.to) is before --from \(period.from)") }
        } else if let to {
            period = .twelveMonths(before: try parseDay(to, option: "--to"))  // the 12 months up to --to
        }
        var programme: Programme?
        if let file { programme = try CommandDocument(file: file).decode(ProgrammeDecoder.decode) }
        var findings: [ProgrammeCheck.Finding] = []
        if databaseNamed {
            let store = try await databaseOptions.open()
            do {
                let service = ProgrammeService(store: store)
                if programme == nil { programme = try await service.newestProgramme()?.programme }
                guard let programme else { throw CommandFailure.badInput("no programme file given, and none is imported into the database") }
                findings = try await service.findings(programme, asOf: date, period: period)
                await store.close()
            } catch {
                await store.close()
                throw error
            }
        } else {
            guard let programme else { throw CommandFailure.badInput("give a programme file, or --db to check the newest imported one") }
            findings = ProgrammeCheck.findings(programme, asOf: date)
            output.error("note: exercises and action items were not checked: give --db (or set BREACHCLOCK_DB) to check them")
        }
        guard let programme else { return }
        switch format {
        case .text:
            for finding in findings { output.write("\(finding)\n") }
            output.write(
                "\(programme.organisation): \(findings.isEmpty ? "no findings" : "\(findings.count) finding\(findings.count == 1 ? "" : "s")") as of \(date) (\(programme.people.count) people, \(programme.roles.count) roles, \(programme.severities.count) severities, \(programme.systems.count) systems)\n"
            )
        case .json:
            let report = Report(
                organisation: programme.organisation, asOf: date.description,
                findings: findings.map { .init(kind: $0.kind.rawValue, subject: $0.subject, message: $0.message) })
            output.write(try JSONEncoder.text(report) + "\n")
        }
        if !findings.isEmpty { throw CommandFailure(code: 1, message: "\(findings.count) finding\(findings.count == 1 ? "" : "s")") }
    }

    struct Report: Encodable {
        struct Item: Encodable {
            var kind: String
            var subject: String
            var message: String
        }

        var organisation: String
        var asOf: String
        var findings: [Item]
    }
}

/// `breachclock programme import FILE`: stores the programme file as a new revision.
struct ImportProgramme: AsyncOutputCommand {
    static let configuration = CommandConfiguration(
        commandName: "import", abstract: "Store a programme file (from the organisation's own git) as a new revision.",
        discussion: """
            The file is checked as strictly as by `programme check` and stored whole, as written, with its \
            SHA-256; importing the same text again stores nothing. The revisions are the programme's review \
            history (breachclock programme history), and each import is a line of the audit chain.
            """)

    @OptionGroup var databaseOptions: DatabaseOptions

    @Argument(help: ArgumentHelp("The programme file (YAML or JSON).", valueName: "file"))
    var file: String

    func run(output: some OutputSink) async throws {
        let document = try CommandDocument(file: file)
        let programme = try document.decode(ProgrammeDecoder.decode)
        let store = try await databaseOptions.open()
        let result = try await store.importProgramme(source: document.text, format: document.format == .json ? "json" : "yaml", actor: "cli")
        await store.close()
        let revision = result.revision
        output.write(
            result.changed
                ? "imported \(programme.organisation)'s programme as revision \(revision.revision) (sha256 \(revision.digest.prefix(16))…)\n"
                : "unchanged: revision \(revision.revision) already holds this file (sha256 \(revision.digest.prefix(16))…)\n")
        let findings = ProgrammeCheck.findings(programme, asOf: ZonedTime.civilDate(of: Date(), in: ZonedTime.utc))
        if !findings.isEmpty { output.error("note: \(findings.count) finding(s) today; see breachclock programme check") }
    }
}

/// `breachclock programme history`: the revisions imported.
struct ProgrammeHistory: AsyncOutputCommand {
    static let configuration = CommandConfiguration(commandName: "history", abstract: "The programme's revisions, oldest first.")

    @OptionGroup var databaseOptions: DatabaseOptions

    func run(output: some OutputSink) async throws {
        let store = try await databaseOptions.open()
        let revisions = try await store.programmeRevisions()
        await store.close()
        for revision in revisions {
            output.write("\(revision.revision)  \(IncidentStore.timestamp(revision.importedAt))  \(revision.importedBy)  sha256 \(revision.digest)\n")
        }
    }
}

enum ProgrammeFormat: String, ExpressibleByArgument, CaseIterable {
    case text, json
}
