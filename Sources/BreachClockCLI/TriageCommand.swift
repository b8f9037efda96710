import ArgumentParser
import BreachClockApplication
import BreachClockJSON
import BreachClockStore
import Foundation

/// `breachclock events …` and `breachclock response-times`: triage records (issue 15), read from the database.
struct EventsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "events", abstract: "Events from monitoring and their dispositions (they arrive through POST /v1/events).",
        subcommands: [List.self])

    struct List: AsyncOutputCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "Events, newest first (the untriaged ones with --untriaged).")
        @OptionGroup var databaseOptions: DatabaseOptions
        @Flag(help: "Only the events without a disposition.") var untriaged = false

        func run(output: some OutputSink) async throws {
            let store = try await databaseOptions.open()
            defer { Task { await store.close() } }
            for event in try await store.securityEvents(untriagedOnly: untriaged) {
                let state =
                    event.disposition.map { "\($0) by \(event.disposedBy ?? "?") at \(event.disposedAt.map(IncidentStore.timestamp) ?? "?")" }
                    ?? "untriaged, due by \(IncidentStore.timestamp(event.triageDueAt))"
                output.write("\(event.id)  \(IncidentStore.timestamp(event.receivedAt))  \(event.source): \(event.summary)  [\(state)]\n")
            }
        }
    }
}

struct ResponseTimesCommand: AsyncOutputCommand {
    static let configuration = CommandConfiguration(
        commandName: "response-times", abstract: "Time-to-triage and time-to-contain over the incidents detected in a period (JSON).")
    @OptionGroup var databaseOptions: DatabaseOptions
    @Option(help: ArgumentHelp("The period's first day, YYYY-MM-DD (UTC).", valueName: "date")) var from: String
    @Option(help: ArgumentHelp("The period's last day, included (default today).", valueName: "date")) var to: String?

    func run(output: some OutputSink) async throws {
        let first = try parseDay(from, option: "--from")
        let last = try parseDay(to, option: "--to")
        guard first <= last else { throw CommandFailure.badInput("--to \(last) is before --from \(first)") }
        let store = try await databaseOptions.open()
        defer { Task { await store.close() } }
        output.write(try JSONEncoder.text(try await TriageService.responseTimes(from: first, to: last, store: store)) + "\n")
    }
}
