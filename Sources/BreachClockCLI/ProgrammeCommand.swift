import ArgumentParser
import BreachClockJSON
import BreachClockLoader
import BreachClockProgramme
import BreachClockRules
import Foundation

/// `breachclock programme …`: the incident-response programme (issue 15).
struct ProgrammeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "programme", abstract: "The incident-response programme: roles, severities, runbooks, in-scope systems.",
        subcommands: [CheckProgramme.self])
}

/// `breachclock programme check FILE`: what an auditor would find stale or missing.
struct CheckProgramme: OutputCommand {
    static let configuration = CommandConfiguration(
        commandName: "check", abstract: "Check a programme file for stale contacts and roles, gaps and unwatched systems.",
        discussion: """
            Exits 0 when there is no finding, 1 when there is any (so it can gate a CI job or a cron), 2 when the \
            file cannot be read. A contact or role assignment is stale once it has not been reviewed for \
            `reviewDays` days (default 90), on the 90th day itself included. Example: Examples/programme.yaml.
            """)

    @Argument(help: ArgumentHelp("The programme file (YAML or JSON).", valueName: "file"))
    var file: String

    @Option(help: ArgumentHelp("The day of the check, YYYY-MM-DD (default today, UTC).", valueName: "date"))
    var asOf: String?

    @Option(help: "text or json.")
    var format: ProgrammeFormat = .text

    func run(output: some OutputSink) throws {
        let date = try parseDay(asOf, option: "--as-of")
        guard let data = FileManager.default.contents(atPath: file) else { throw CommandFailure.badInput("cannot read `\(file)`") }
        let programme: Programme
        do {
            let root = try DocumentParser.parse([UInt8](data), format: DocumentFormat.of(fileName: file), file: file, limits: .facts)
            programme = try ProgrammeDecoder.decode(root)
        } catch let error as DocumentIssue {
            throw CommandFailure.badInput("\(error)")
        } catch let error as RulebookError {
            throw CommandFailure.badInput(error.description)
        }
        let findings = ProgrammeCheck.findings(programme, asOf: date)
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

enum ProgrammeFormat: String, ExpressibleByArgument, CaseIterable {
    case text, json
}
