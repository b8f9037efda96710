import ArgumentParser
import BreachClockCalculator
import BreachClockLoader
import BreachClockReports
import BreachClockRules
import Foundation

/// Output formats of `what-if`.
enum AssessmentFormat: String, ExpressibleByArgument, CaseIterable {
    case table, json, markdown, ics
}

/// `breachclock what-if`: assess an incident from a facts file or from flags.
struct WhatIfCommand: OutputCommand {
    static let configuration = CommandConfiguration(
        commandName: "what-if",
        abstract: "Assess an incident: who must be notified, by when, and why.",
        discussion: """
            Give the facts as a file (JSON or YAML, assessment contract v1) or with flags for the common case.

            Examples:
              breachclock what-if --facts incident.yaml
              breachclock what-if --discovered 2026-03-02T14:00:00-05:00 \\
                --timezone America/New_York \\
                --affected US-CA=1200,US-TX=300,US-NY=40 --data name,ssn
              breachclock what-if --facts incident.json --format json
              breachclock what-if --facts incident.yaml --format ics > deadlines.ics

            A tabletop exercise on a simulated clock:
              breachclock what-if --discovered 2026-05-11 \\
                --affected US-IA=400-700 --data name,drivers-license \\
                --now 2026-05-20T09:00:00Z

            Output: a table on a terminal, JSON (the contract's assessment) when piped, unless --format says otherwise.
            """
    )

    @OptionGroup var rulesOptions: RulesOptions

    @Option(name: .long, help: ArgumentHelp("Incident facts, JSON or YAML ('-' reads standard input).", valueName: "file"))
    var facts: String?

    @Option(help: ArgumentHelp("When the breach was discovered: RFC 3339 with offset, or a date.", valueName: "instant"))
    var discovered: String?

    @Option(help: ArgumentHelp("When the breach was determined or confirmed (defaults to discovery).", valueName: "instant"))
    var determined: String?

    @Option(help: ArgumentHelp("Affected people by place: US-CA=1200,US-TX=300,DE=80; a range as US-IA=400-700.", valueName: "list"))
    var affected: String?

    @Option(help: ArgumentHelp("Exposed data elements: name,ssn,drivers-license,…", valueName: "list"))
    var data: String?

    @Flag(help: "The exposed data was encrypted.")
    var encrypted = false

    @Flag(help: "The key or credential to decrypt it was exposed too.")
    var keyCompromised = false

    @Option(help: ArgumentHelp("Risk-of-harm finding: unknown, unlikely, likely, high.", valueName: "risk"))
    var risk: String?

    @Option(help: ArgumentHelp("owner, maintainer, controller or processor.", valueName: "role"))
    var role: String?

    @Option(help: ArgumentHelp("Sector codes (repeat or comma-separate): hipaa-covered-entity, public-company, …", valueName: "sector"))
    var sector: [String] = []

    @Option(help: ArgumentHelp("acquired (default) or accessed.", valueName: "kind"))
    var access: String?

    @Option(help: ArgumentHelp("IANA time zone for day counts and dates (default UTC).", valueName: "zone"))
    var timezone: String?

    @Option(help: ArgumentHelp("Main establishment (ISO 3166-1), for the GDPR's lead authority.", valueName: "code"))
    var mainEstablishment: String?

    @Option(help: ArgumentHelp("table, json, markdown or ics.", valueName: "format"))
    var format: AssessmentFormat?

    @Option(help: ArgumentHelp("The current time for 'days left' (a simulated clock for exercises).", valueName: "instant"))
    var now: String?

    @Flag(name: .customLong("no-color"), help: "Never colour the table.")
    var noColor = false

    var usesFlags: Bool {
        discovered != nil || determined != nil || affected != nil || data != nil || encrypted || keyCompromised || risk != nil
            || role != nil || !sector.isEmpty || access != nil || timezone != nil || mainEstablishment != nil
    }

    func validate() throws {
        if facts != nil && usesFlags {
            throw ValidationError("give the facts either as --facts FILE or as flags, not both")
        }
        if facts == nil && !usesFlags {
            throw ValidationError("give the facts: --facts FILE, or --discovered, --affected and --data")
        }
    }

    func run(output: some OutputSink) throws {
        let document = try factsDocument()
        let rulebook = try rulesOptions.loadRulebook(
            places: Self.places(in: document.node), sectors: Self.sectors(in: document.node),
            window: Self.dates(in: document.node))
        let calculator = Calculator(rulebook: rulebook)
        let facts: IncidentFacts
        do {
            facts = try calculator.factsDecoder.decode(document.node)
        } catch {
            let prefix = document.file.map { _ in true } ?? false
            throw CommandFailure.badInput(
                error.issues.map { prefix ? "\($0.location): \($0.pathDescription)" : $0.pathDescription }
                    .joined(separator: "\n"))
        }
        let clock: Date
        if let now {
            guard let parsed = ZonedTime.parse(now, in: facts.timeZone) else {
                throw CommandFailure.badInput("--now: expected an RFC 3339 instant or a date, found `\(now)`")
            }
            clock = parsed
        } else {
            clock = Date()
        }
        // The clock is only for "time left" and for warning of a discovery after it (a tabletop
        // exercise, or a slip): the deadlines themselves do not depend on it.
        let assessment = calculator.assess(facts, asOf: clock)
        let chosen = format ?? (output.isTerminal ? .table : .json)
        switch chosen {
        case .json:
            output.write(assessment.jsonText(pretty: true) + "\n")
        case .table:
            output.write(
                TableRenderer(
                    assessment: assessment, facts: facts, now: clock, color: output.isTerminal && !noColor && !output.noColorRequested,
                    width: output.columns
                ).render())
        case .markdown:
            output.write(MarkdownRenderer(assessment: assessment, facts: facts, rulebook: rulebook, asOf: clock).render())
        case .ics:
            // No incident id here: the discovery instant names the what-if, stable across runs.
            let id = "what-if-" + ZonedTime.rfc3339(facts.discoveredAt, in: ZonedTime.utc).filter { $0.isNumber }
            output.write(CalendarRenderer(assessment: assessment, generatedAt: clock, calendarID: id).render())
        }
    }

    /// The `affected` place codes written in the facts, read before validation so that only the rules
    /// those places need are loaded. Validation proper happens after, against the loaded rules.
    static func places(in node: DocumentNode) -> [String] {
        guard case .mapping(let entries, _) = node, let affected = entries.first(where: { $0.key == "affected" })?.value,
            case .mapping(let places, _) = affected
        else { return [] }
        return places.map(\.key)
    }

    /// The sector codes written in the facts, read before validation so that regimes for other sectors
    /// are not decoded; nil (decode them all) when the list is not plain text.
    static func sectors(in node: DocumentNode) -> Set<String>? {
        guard let list = node["entity"]?["sectors"] else { return [] }
        guard case .sequence(let items, _) = list else { return nil }
        var sectors: Set<String> = []
        for item in items {
            guard case .scalar(let text, _, _) = item else { return nil }
            sectors.insert(text)
        }
        return sectors
    }

    /// Every date the facts name (events and notices), widened by two days for time zones, read before
    /// validation so that only the rule versions in force then are decoded. Nil when any is unreadable.
    static func dates(in node: DocumentNode) -> ClosedRange<CivilDate>? {
        var texts: [String] = []
        if case .mapping(let events, _)? = node["events"] {
            for entry in events { if case .scalar(let text, _, _) = entry.value { texts.append(text) } else { return nil } }
        }
        if case .sequence(let notices, _)? = node["notices"] {
            for notice in notices {
                guard case .scalar(let text, _, _)? = notice["sentAt"] else { return nil }
                texts.append(text)
            }
        }
        let utc = ZonedTime.utc
        var days: [CivilDate] = []
        for text in texts {
            guard let instant = ZonedTime.parse(text, in: utc) else { return nil }
            days.append(ZonedTime.civilDate(of: instant, in: utc))
        }
        guard let first = days.min(), let last = days.max() else { return nil }
        // Clocks from the end of the calendar year start on 31 December.
        let yearEnd = CivilDate(year: last.year, month: 12, day: 31)!
        return first.adding(days: -2)...max(last.adding(days: 2), yearEnd)
    }

    /// The facts as a parsed document, from the file or the flags; `file` is nil for flags.
    func factsDocument() throws -> (node: DocumentNode, file: String?) {
        guard let facts else { return (try flagsDocument(), nil) }
        guard let bytes = FactsLoader.readBounded(path: facts) else {
            throw CommandFailure.badInput("--facts `\(facts)`: \(PathProblem.of(file: facts) ?? "cannot be read")")
        }
        let name = facts == "-" ? "<stdin>" : facts
        do {
            let node = try DocumentParser.parse(bytes, format: DocumentFormat.of(fileName: name), file: name, limits: .facts)
            return (node, name)
        } catch {
            throw CommandFailure.badInput("\(error.location): \(error.message)")
        }
    }

    /// Builds the facts document from flags, so that flags and files pass the same validation.
    func flagsDocument() throws -> DocumentNode {
        let here = SourceLocation(file: "<flags>", line: 1, column: 1)
        func text(_ value: String) -> DocumentNode { .scalar(value, plain: false, at: here) }
        func plain(_ value: String) -> DocumentNode { .scalar(value, plain: true, at: here) }
        func list(_ csv: String) -> DocumentNode {
            .sequence(csv.split(separator: ",").map { text($0.trimmingCharacters(in: .whitespaces)) }, at: here)
        }
        func map(_ entries: [(String, DocumentNode)]) -> DocumentNode {
            .mapping(entries.map { (key: $0.0, keyAt: here, value: $0.1) }, at: here)
        }
        var root: [(String, DocumentNode)] = []
        if let timezone { root.append(("timezone", text(timezone))) }
        var events: [(String, DocumentNode)] = []
        if let discovered { events.append(("discoveredAt", text(discovered))) }
        if let determined { events.append(("determinedAt", text(determined))) }
        root.append(("events", map(events)))
        var entity: [(String, DocumentNode)] = []
        if let role { entity.append(("role", text(role))) }
        let sectors = sector.flatMap { $0.split(separator: ",").map(String.init) }
        if !sectors.isEmpty { entity.append(("sectors", .sequence(sectors.map(text), at: here))) }
        if let mainEstablishment { entity.append(("mainEstablishment", text(mainEstablishment))) }
        if !entity.isEmpty { root.append(("entity", map(entity))) }
        var dataEntries: [(String, DocumentNode)] = []
        if let data { dataEntries.append(("elements", list(data))) }
        if encrypted { dataEntries.append(("encrypted", plain("true"))) }
        if keyCompromised { dataEntries.append(("keyCompromised", plain("true"))) }
        root.append(("data", map(dataEntries)))
        if let access { root.append(("access", text(access))) }
        if let risk { root.append(("riskOfHarm", text(risk))) }
        if let affected {
            var counts: [(String, DocumentNode)] = []
            for item in affected.split(separator: ",") {
                let parts = item.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
                guard parts.count == 2 else {
                    throw CommandFailure.badInput("--affected: expected CODE=COUNT, found `\(item)`")
                }
                let bounds = parts[1].split(separator: "-").map(String.init)
                if bounds.count == 2 {
                    counts.append((parts[0], map([("min", plain(bounds[0])), ("max", plain(bounds[1]))])))
                } else {
                    counts.append((parts[0], plain(parts[1])))
                }
            }
            root.append(("affected", map(counts)))
        }
        return map(root)
    }
}
