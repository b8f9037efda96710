import ArgumentParser
import BreachClockApplication
import BreachClockCalculator
import BreachClockJSON
import BreachClockLoader
import BreachClockProgramme
import BreachClockRules
import BreachClockServer
import BreachClockStore
import BreachClockWebhooks
import Foundation
import Logging

/// A YAML or JSON file read for a command: its text, its format and its parsed root.
struct CommandDocument {
    var text: String
    var format: DocumentFormat
    var root: DocumentNode

    init(file: String) throws {
        guard let data = FileManager.default.contents(atPath: file) else { throw CommandFailure.badInput("cannot read `\(file)`") }
        let named = DocumentFormat.of(fileName: file)
        text = String(decoding: data, as: UTF8.self)
        // Without a telling extension the parser sniffs; JSON is the one that opens with `{`.
        format = named ?? (text.drop { $0.isWhitespace }.first == "{" ? .json : .yaml)
        do {
            root = try DocumentParser.parse([UInt8](data), format: named, file: file, limits: .facts)
        } catch {
            throw CommandFailure.badInput("\(error)")
        }
    }

    /// Decodes the root, turning the decoder's located problems into a bad-input failure.
    func decode<T>(_ decode: (DocumentNode) throws(RulebookError) -> T) throws -> T {
        do { return try decode(root) } catch { throw CommandFailure.badInput(error.description) }
    }
}

/// `breachclock exercise …`: tabletop exercises on a simulated clock (issue 15).
struct ExerciseCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "exercise", abstract: "Tabletop exercises: run a scenario on a simulated clock, log it, report on it.",
        subcommands: [RunExercise.self, LogExercise.self, ReportExercise.self, ListExercises.self])
}

/// `breachclock exercise run SCENARIO`.
struct RunExercise: AsyncOutputCommand {
    static let configuration = CommandConfiguration(
        commandName: "run", abstract: "Run a scenario's injects on a simulated clock with the real calculator and reminders.",
        discussion: """
            The incident, its deadlines and its reminders live in a sandbox database of the exercise's own, \
            with only the scenario's webhook subscriptions: no production subscription can receive an \
            exercise message, and every message is marked EXERCISE. The run is stored in --db with its \
            timeline and the messages sent. Then record who attended, what was observed and decided, and \
            the action items: breachclock exercise log ID FILE. Example: Examples/exercise.yaml.
            """)

    @OptionGroup var databaseOptions: DatabaseOptions
    @OptionGroup var rulesOptions: RulesOptions

    @Argument(help: ArgumentHelp("The scenario file (YAML or JSON).", valueName: "file"))
    var file: String

    @Option(help: ArgumentHelp("Simulated seconds per real second (3600: an hour a second). Default: as fast as possible.", valueName: "n"))
    var speed: Double?

    @Flag(help: "Wait for Enter before each jump of the simulated clock.")
    var step = false

    @Option(help: ArgumentHelp("Networks the exercise's webhooks may reach although private or loopback.", valueName: "networks"))
    var webhookAllow: String?

    func validate() throws {
        // At least real time: a slower clock is no drill, and each jump's wait must stay within a year.
        if let speed, !(speed >= 1 && speed <= 31_622_400) { throw ValidationError("--speed must be from 1 (real time) to 31622400") }
        if step && speed != nil { throw ValidationError("give --speed or --step, not both") }
    }

    func run(output: some OutputSink) async throws {
        let document = try CommandDocument(file: file)
        let scenario = try document.decode(ExerciseScenarioDecoder.decode)
        let calculator = Calculator(rulebook: try rulesOptions.loadRulebook())
        var transport = CurlTransport.Options()
        transport.policy = AddressPolicy(
            allowlist: try WebhookOptions.networks(webhookAllow ?? CommandEnvironment.values["BREACHCLOCK_WEBHOOK_ALLOW"]))
        var logger = Logger(label: "exercise")
        logger.logLevel = .critical
        let store = try await databaseOptions.open()
        let runner = ExerciseRunner(calculator: calculator, logger: logger, transport: transport, environment: CommandEnvironment.values)
        let sandbox = FileManager.default.temporaryDirectory.appendingPathComponent("breachclock-exercise-" + UUID().uuidString)
        let speed = speed
        let step = step
        output.write("EXERCISE: \(scenario.name) (simulated from \(RFC3339.text(scenario.startsAt, offsetSeconds: 0)) for \(scenario.runsFor))\n")
        let record: ExerciseRecord
        do {
            record = try await runner.run(
                scenario, sandbox: sandbox,
                pace: { from, to in
                    if step {
                        output.write("next: \(ExerciseScenario.Offset(seconds: to)) (press Enter) ")
                        _ = readLine()
                    } else if let speed {
                        try await Task.sleep(for: .seconds(Double(to - from) / speed))
                    }
                }, progress: { line in output.write(line + "\n") })
        } catch let error as ExerciseError {
            await store.close()
            throw CommandFailure.badInput("\(file): \(error)")
        }
        let id = IncidentStore.newID("exr")
        let stored = try await store.saveExercise(
            id: id, name: scenario.name, startsAt: record.startsAt, scenario: document.text, record: try JSONEncoder.text(record), actor: "cli")
        await store.close()
        let delivered = record.reminders.filter(\.delivered).count
        output.write(
            "exercise \(stored.id) stored: \(record.steps.count) steps, \(record.reminders.count) messages sent (\(delivered) delivered)\n"
                + "next: breachclock exercise log \(stored.id) LOG.yaml, then breachclock exercise report \(stored.id)\n")
    }
}

/// `breachclock exercise log ID FILE`.
struct LogExercise: AsyncOutputCommand {
    static let configuration = CommandConfiguration(
        commandName: "log", abstract: "Record an exercise's attendance, observations, decisions and action items.",
        discussion: """
            People and programme entries are checked against the newest imported programme (breachclock \
            programme import). A log is recorded once. Example: Examples/exercise-log.yaml.
            """)

    @OptionGroup var databaseOptions: DatabaseOptions

    @Argument(help: "The exercise's id (exr_…).") var id: String

    @Argument(help: ArgumentHelp("The log file (YAML or JSON).", valueName: "file"))
    var file: String

    func run(output: some OutputSink) async throws {
        let document = try CommandDocument(file: file)
        let store = try await databaseOptions.open()
        defer { Task { await store.close() } }
        let result: (items: [ActionItemState], checked: Bool)
        do {
            result = try await ProgrammeService(store: store).recordLog(exerciseID: id, body: document.root, actor: "cli")
        } catch StoreError.notFound {
            throw CommandFailure.badInput("no exercise with id \(id)")
        } catch let error as ServiceError {
            throw CommandFailure(error, file: file)
        }
        if !result.checked { output.error("warning: no programme is imported, so the people and entries the log names were not checked") }
        output.write("logged exercise \(id): \(result.items.count) action items (\(result.items.map(\.id).joined(separator: ", ")))\n")
    }
}

/// `breachclock exercise report ID`.
struct ReportExercise: AsyncOutputCommand {
    static let configuration = CommandConfiguration(
        commandName: "report", abstract: "Write an exercise's after-action report (Markdown or JSON).")

    @OptionGroup var databaseOptions: DatabaseOptions

    @Argument(help: "The exercise's id (exr_…).") var id: String

    @Option(help: "markdown or json.")
    var format: ReportFormat = .markdown

    enum ReportFormat: String, ExpressibleByArgument, CaseIterable {
        case markdown, json
    }

    func run(output: some OutputSink) async throws {
        let store = try await databaseOptions.open()
        defer { Task { await store.close() } }
        guard let report = try await ProgrammeService(store: store).report(exerciseID: id) else {
            throw CommandFailure.badInput("no exercise with id \(id)")
        }
        switch format {
        case .markdown: output.write(report.markdown)
        case .json: output.write(try JSONEncoder.text(report) + "\n")
        }
    }
}

/// `breachclock exercise list`.
struct ListExercises: AsyncOutputCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "The exercises run, oldest first.")

    @OptionGroup var databaseOptions: DatabaseOptions

    func run(output: some OutputSink) async throws {
        let store = try await databaseOptions.open()
        defer { Task { await store.close() } }
        for exercise in try await store.exercises() {
            output.write(
                "\(exercise.id)  \(IncidentStore.timestamp(exercise.runAt))  \(exercise.log == nil ? "not logged" : "logged    ")  \(exercise.name)\n"
            )
        }
    }
}

/// `breachclock action-items …`.
struct ActionItemsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "action-items", abstract: "Exercise action items: list them, close them.", subcommands: [List.self, Close.self])

    struct List: AsyncOutputCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "Action items by due date (open ones with --open).")
        @OptionGroup var databaseOptions: DatabaseOptions
        @Flag(help: "Only the open items.") var open = false

        func run(output: some OutputSink) async throws {
            let store = try await databaseOptions.open()
            defer { Task { await store.close() } }
            for item in try await store.actionItems(openOnly: open) {
                let changes = item.changes.map { " (changes \($0))" } ?? ""
                output.write("\(item.id)  \(item.status == "open" ? "open" : "done")  due \(item.due)  \(item.owner)  \(item.title)\(changes)\n")
            }
        }
    }

    struct Close: AsyncOutputCommand {
        static let configuration = CommandConfiguration(commandName: "close", abstract: "Close an action item with what was done.")
        @OptionGroup var databaseOptions: DatabaseOptions
        @Argument(help: "The item's id (act_…).") var id: String
        @Option(help: "What was done.") var resolution: String

        func run(output: some OutputSink) async throws {
            let store = try await databaseOptions.open()
            defer { Task { await store.close() } }
            do {
                let item = try await store.closeActionItem(id: id, resolution: resolution, actor: "cli")
                output.write("closed \(item.id) at \(item.closedAt ?? "")\n")
            } catch StoreError.notFound {
                throw CommandFailure.badInput("no action item with id \(id)")
            } catch StoreError.rejected(let why) {
                throw CommandFailure.badInput("\(id): \(why)")
            }
        }
    }
}

extension CommandFailure {
    /// A service's refusal as bad input, each field named (prefixed with the file it came from).
    init(_ error: ServiceError, file: String) {
        let lines =
            error.errors.isEmpty ? [error.detail ?? error.title] : error.errors.map { $0.field.isEmpty ? $0.message : "\($0.field): \($0.message)" }
        self = .badInput(lines.map { "\(file): \($0)" }.joined(separator: "\n"))
    }
}
