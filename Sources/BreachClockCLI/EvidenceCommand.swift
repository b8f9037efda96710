import ArgumentParser
import BreachClockEvidence
import BreachClockRules
import BreachClockStore
import Foundation

/// `breachclock evidence …`: the auditor's bundle for a period (SOC 2 CC7.1–CC7.5, issue 15).
struct EvidenceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evidence", abstract: "Evidence for an audit period: export a bundle, verify one.",
        subcommands: [Export.self, Verify.self])

    struct Export: AsyncOutputCommand {
        static let configuration = CommandConfiguration(
            commandName: "export", abstract: "Write the evidence bundle for a period as a zip.",
            discussion: """
                Per incident active in the period: its timeline, obligations against the notices sent, decisions, \
                notices, reminders and review; every exercise run in the period with its after-action report; the \
                programme's revisions and the findings on the last day. README.md is the index, mapped to \
                CC7.1-CC7.5; evidence.json the same for machines; manifest.json lists every file's SHA-256, and \
                the manifest's own SHA-256 is written to the audit log (anchor.json says at which line).
                Example: breachclock evidence export --from 2026-01-01 --to 2026-12-31 --out evidence-2026.zip
                """)
        @OptionGroup var databaseOptions: DatabaseOptions
        @Option(help: ArgumentHelp("The period's first day, YYYY-MM-DD (UTC).", valueName: "date")) var from: String
        @Option(help: ArgumentHelp("The period's last day, YYYY-MM-DD (UTC), included.", valueName: "date")) var to: String
        @Option(help: ArgumentHelp("Where to write the zip.", valueName: "file")) var out: String

        func run(output: some OutputSink) async throws {
            let first = try parseDay(from, option: "--from")
            let last = try parseDay(to, option: "--to")
            guard first <= last else { throw CommandFailure.badInput("--to \(last) is before --from \(first)") }
            let store = try await databaseOptions.open()
            defer { Task { await store.close() } }
            let files = try await EvidenceBundle.build(store: store, from: first, to: last, now: Date(), actor: "cli")
            do {
                try EvidenceArchive.write(files, to: URL(fileURLWithPath: out))
            } catch {
                throw CommandFailure.internalError("cannot write \(out): \(error)")
            }
            output.write("wrote \(out): \(files.count) files for \(first) to \(last); verify with: breachclock evidence verify \(out)\n")
        }
    }

    struct Verify: AsyncOutputCommand {
        static let configuration = CommandConfiguration(
            commandName: "verify", abstract: "Recompute a bundle's hashes and name every file that changed.",
            discussion: """
                Exits 0 when every file matches the manifest (and, with --db or BREACHCLOCK_DB, the manifest matches \
                the audit log's line that anchor.json names), 1 when anything does not, 2 when the file cannot be read.
                """)
        @OptionGroup var databaseOptions: DatabaseOptions
        @Argument(help: ArgumentHelp("The bundle (a zip written by evidence export).", valueName: "file")) var file: String

        func run(output: some OutputSink) async throws {
            guard FileManager.default.fileExists(atPath: file) else { throw CommandFailure.badInput("cannot read `\(file)`") }
            let named =
                databaseOptions.database != nil || databaseOptions.configFile != nil || CommandEnvironment.values["BREACHCLOCK_DB"] != nil
            let store = named ? try await databaseOptions.open() : nil
            let result = try await EvidenceArchive.verify(URL(fileURLWithPath: file), store: store)
            await store?.close()
            for problem in result.problems { output.write("\(problem)\n") }
            if result.problems.isEmpty {
                output.write(
                    "\(file): \(result.files) files match the manifest"
                        + (result.anchorChecked
                            ? ", and the manifest is the one the audit log records\n" : " (the anchor was not checked: give --db)\n"))
            } else {
                throw CommandFailure(code: 1, message: "\(result.problems.count) problem\(result.problems.count == 1 ? "" : "s") in \(file)")
            }
        }
    }
}
