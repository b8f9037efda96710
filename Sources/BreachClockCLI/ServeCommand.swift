import ArgumentParser
import BreachClockLoader
import BreachClockRules
import BreachClockServer
import BreachClockStore
import Foundation
import Hummingbird
import Logging

/// Options every command that opens the database shares: flag, then environment, then default.
struct DatabaseOptions: ParsableArguments {
    @Option(name: .customLong("db"), help: ArgumentHelp("The SQLite database file (env BREACHCLOCK_DB; default breachclock.sqlite).", valueName: "path"))
    var database: String?

    var path: String { database ?? ProcessInfo.processInfo.environment["BREACHCLOCK_DB"] ?? "breachclock.sqlite" }

    func open() throws -> IncidentStore {
        do {
            return try IncidentStore(path: path)
        } catch {
            throw CommandFailure.internalError("cannot open the database at \(path): \(error)")
        }
    }
}

/// `breachclock serve`.
struct ServeCommand: AsyncOutputCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the incident service: the HTTP API on an embedded SQLite database.",
        discussion: """
            Each setting is taken from its flag, else its environment variable, else the default:
              --host        BREACHCLOCK_HOST        127.0.0.1
              --port        BREACHCLOCK_PORT        8080
              --db          BREACHCLOCK_DB          breachclock.sqlite
              --rules       BREACHCLOCK_RULES       ./Jurisdictions, or the one beside the program
              --log-level   BREACHCLOCK_LOG_LEVEL   info   (trace, debug, info, notice, warning, error, critical)
              --log-format  BREACHCLOCK_LOG_FORMAT  text   (text or json)
            Every /v1 route needs an API key: create the first with `breachclock keys create --name NAME --role admin`.
            SIGTERM or SIGINT stops the server gracefully: requests in flight finish first.
            """
    )

    @OptionGroup var rulesOptions: RulesOptions
    @OptionGroup var databaseOptions: DatabaseOptions

    @Option(help: ArgumentHelp("Address to listen on.", valueName: "host"))
    var host: String?

    @Option(help: ArgumentHelp("Port to listen on.", valueName: "port"))
    var port: Int?

    @Option(help: ArgumentHelp("Log level.", valueName: "level"))
    var logLevel: String?

    @Option(help: ArgumentHelp("text or json.", valueName: "format"))
    var logFormat: String?

    func run(output: some OutputSink) async throws {
        let environment = ProcessInfo.processInfo.environment
        let levelText = logLevel ?? environment["BREACHCLOCK_LOG_LEVEL"] ?? "info"
        guard let level = Logger.Level(rawValue: levelText) else { throw CommandFailure.badInput("--log-level: unknown level `\(levelText)`") }
        let format = logFormat ?? environment["BREACHCLOCK_LOG_FORMAT"] ?? "text"
        guard format == "text" || format == "json" else { throw CommandFailure.badInput("--log-format: expected text or json") }
        let portValue = try port ?? environment["BREACHCLOCK_PORT"].map { text -> Int in
            guard let value = Int(text), (0...65535).contains(value) else { throw CommandFailure.badInput("BREACHCLOCK_PORT: not a port: `\(text)`") }
            return value
        } ?? 8080
        guard let rules = RulesLoader.locate(explicit: rulesOptions.rules) else {
            throw CommandFailure.internalError("cannot find the rules folder: pass --rules DIR or set BREACHCLOCK_RULES")
        }
        var logger = Logger(label: "breachclock") { label in
            format == "json" ? JSONLogHandler(label: label) as any LogHandler : StreamLogHandler.standardError(label: label)
        }
        logger.logLevel = level
        let configuration = ServerConfiguration(host: host ?? environment["BREACHCLOCK_HOST"] ?? "127.0.0.1", port: portValue,
            databasePath: databaseOptions.path, rulesDirectory: rules, logLevel: level)
        do {
            let app = try ServerApplication.build(configuration: configuration, logger: logger)
            try await app.runService()
        } catch let error as RulebookError {
            throw CommandFailure.internalError("the rules database has errors:\n" + error.description)
        }
    }
}

/// One JSON object per log line (for log collectors). Metadata values are strings.
struct JSONLogHandler: LogHandler {
    let label: String
    var logLevel: Logger.Level = .info
    var metadata: Logger.Metadata = [:]

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(level: Logger.Level, message: Logger.Message, metadata extra: Logger.Metadata?, source: String, file: String,
        function: String, line: UInt)
    {
        var fields: [String: String] = ["level": level.rawValue, "message": message.description, "label": label,
            "time": ISO8601DateFormatter().string(from: Date())]
        for (key, value) in metadata.merging(extra ?? [:], uniquingKeysWith: { $1 }) { fields[key] = value.description }
        guard let data = try? JSONSerialization.data(withJSONObject: fields, options: [.sortedKeys, .withoutEscapingSlashes]) else { return }
        FileHandle.standardError.write(data + Data("\n".utf8))
    }
}

/// `breachclock keys …`.
struct KeysCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keys", abstract: "Manage API keys (stored only as hashes).",
        subcommands: [CreateKey.self, ListKeys.self, RevokeKey.self])

    struct CreateKey: AsyncOutputCommand {
        static let configuration = CommandConfiguration(commandName: "create", abstract: "Create a key and print it once.")
        @OptionGroup var databaseOptions: DatabaseOptions
        @Option(help: "A name for the key (who or what uses it).") var name: String
        @Option(help: "viewer, editor or admin.") var role: String

        func run(output: some OutputSink) async throws {
            guard let role = APIRole(rawValue: role) else { throw CommandFailure.badInput("--role: expected viewer, editor or admin") }
            let created = try await databaseOptions.open().createKey(name: name, role: role, actor: "cli")
            output.write("\(created.key)\n")
            output.error("created \(created.record.id) (\(role.rawValue)); the key above is shown only once")
        }
    }

    struct ListKeys: AsyncOutputCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "List keys (never the keys themselves).")
        @OptionGroup var databaseOptions: DatabaseOptions

        func run(output: some OutputSink) async throws {
            for key in try await databaseOptions.open().keys() {
                let state = key.revokedAt.map { "revoked \(IncidentStore.timestamp($0))" } ?? "active"
                output.write("\(key.id)  \(key.role.rawValue.padding(toLength: 7, withPad: " ", startingAt: 0))  \(state)  \(key.name)\n")
            }
        }
    }

    struct RevokeKey: AsyncOutputCommand {
        static let configuration = CommandConfiguration(commandName: "revoke", abstract: "Revoke a key by its id.")
        @OptionGroup var databaseOptions: DatabaseOptions
        @Argument(help: "The key's id (key_…).") var id: String

        func run(output: some OutputSink) async throws {
            do {
                try await databaseOptions.open().revokeKey(id: id, actor: "cli")
            } catch StoreError.notFound {
                throw CommandFailure.badInput("no key with id \(id)")
            }
            output.write("revoked \(id)\n")
        }
    }
}

/// `breachclock audit verify`.
struct AuditCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "audit", abstract: "Check the audit trail.", subcommands: [Verify.self])

    struct Verify: AsyncOutputCommand {
        static let configuration = CommandConfiguration(
            commandName: "verify", abstract: "Recompute the audit log's hash chain; exit 1 at the first broken line.")
        @OptionGroup var databaseOptions: DatabaseOptions

        func run(output: some OutputSink) async throws {
            let result = try await databaseOptions.open().verifyAudit()
            if let broken = result.firstBreak {
                throw CommandFailure.internalError("audit chain broken at line \(broken.seq): \(broken.reason)")
            }
            output.write("audit chain intact: \(result.lines) lines\n")
        }
    }
}
