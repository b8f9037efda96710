import ArgumentParser
import BreachClockApplication
import BreachClockJSON
import BreachClockStore
import Foundation

/// `breachclock review …`: post-incident reviews of closed incidents (issue 15).
struct ReviewCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "review", abstract: "Post-incident reviews: record one for a closed incident, show it.",
        subcommands: [Record.self, Show.self])

    struct Record: AsyncOutputCommand {
        static let configuration = CommandConfiguration(
            commandName: "record", abstract: "Record a closed incident's review from a file (once).",
            discussion: """
                The file holds rootCause, wentWell, wentPoorly and actionItems (title, owner, due, changes), as \
                POST /v1/incidents/{id}/review takes them. Example: Examples/review.yaml.
                """)
        @OptionGroup var databaseOptions: DatabaseOptions
        @Argument(help: "The incident's id (inc_…).") var id: String
        @Argument(help: ArgumentHelp("The review file (YAML or JSON).", valueName: "file")) var file: String

        func run(output: some OutputSink) async throws {
            let document = try CommandDocument(file: file)
            let store = try await databaseOptions.open()
            defer { Task { await store.close() } }
            do {
                let review = try await ReviewService(store: store).record(incidentID: id, body: document.root, actor: "cli")
                output.write("recorded the review of \(id): \(review.actionItems.count) action items\n")
            } catch StoreError.notFound {
                throw CommandFailure.badInput("no incident with id \(id)")
            } catch let error as ServiceError {
                throw CommandFailure(error, file: file)
            }
        }
    }

    struct Show: AsyncOutputCommand {
        static let configuration = CommandConfiguration(commandName: "show", abstract: "Write a review (Markdown or JSON).")
        @OptionGroup var databaseOptions: DatabaseOptions
        @Argument(help: "The incident's id (inc_…).") var id: String
        @Option(help: "markdown or json.") var format: ReportExercise.ReportFormat = .markdown

        func run(output: some OutputSink) async throws {
            let store = try await databaseOptions.open()
            defer { Task { await store.close() } }
            guard let review = try await ReviewService(store: store).review(incidentID: id) else {
                throw CommandFailure.badInput("no review of an incident with id \(id)")
            }
            switch format {
            case .markdown: output.write(review.markdown)
            case .json: output.write(try JSONEncoder.text(review) + "\n")
            }
        }
    }
}
