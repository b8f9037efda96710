import ArgumentParser
import BreachClockLoader
import BreachClockRules
import BreachClockServer
import BreachClockStore
import BreachClockWebhooks
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

/// Where `breachclock serve` runs Swift concurrency's jobs. `nio` (the default) makes SwiftNIO's event
/// loops the global executor, so a request is read, computed and answered on one thread; on this
/// project's 2-core machine that makes POST /v1/assessments faster and GET /healthz slower (README,
/// "Speed"). It has to be installed before any task runs, so the program applies it (`main.swift`)
/// before the command line is parsed, from the same flag and variable `serve` documents.
public enum ServeExecutor: String, CaseIterable, Sendable {
    case nio, dispatch

    /// What `breachclock serve …` asks for: `--executor`, else `BREACHCLOCK_EXECUTOR`, else `nio`. Nil for
    /// other commands, or for an unknown value (which `serve` reports as bad input).
    public static func requested(arguments: [String], environment: [String: String]) -> ServeExecutor? {
        guard arguments.first == "serve" else { return nil }
        var value: String?
        for (index, argument) in arguments.enumerated() {
            if argument == "--executor", index + 1 < arguments.count { value = arguments[index + 1] }
            if argument.hasPrefix("--executor=") { value = String(argument.dropFirst("--executor=".count)) }
        }
        return ServeExecutor(rawValue: value ?? environment["BREACHCLOCK_EXECUTOR"] ?? "nio")
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
              --webhook-allow  BREACHCLOCK_WEBHOOK_ALLOW  none  (networks webhooks may reach although private, e.g. 10.0.0.0/8,127.0.0.1)
              --public-url  BREACHCLOCK_PUBLIC_URL  none   (for links back to incidents in webhook messages)
              --webhook-rescue-after  BREACHCLOCK_WEBHOOK_RESCUE_AFTER  60  (seconds before a dead worker's claim is retried)
              --executor    BREACHCLOCK_EXECUTOR    nio    (nio: NIO's event loops run Swift concurrency; dispatch: its own pool)
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

    @Option(help: ArgumentHelp("Networks webhooks may reach although private or loopback (comma-separated).", valueName: "networks"))
    var webhookAllow: String?

    @Option(help: ArgumentHelp("The server's public address, for links in webhook messages.", valueName: "url"))
    var publicURL: String?

    @Option(help: ArgumentHelp("Seconds before a claimed webhook message with no result is sent again.", valueName: "seconds"))
    var webhookRescueAfter: Int?

    @Option(help: ArgumentHelp("Where Swift concurrency runs: nio or dispatch (applied by the program before the command starts).",
        valueName: "executor"))
    var executor: String?

    func run(output: some OutputSink) async throws {
        let environment = ProcessInfo.processInfo.environment
        let executorName = executor ?? environment["BREACHCLOCK_EXECUTOR"] ?? ServeExecutor.nio.rawValue
        guard ServeExecutor(rawValue: executorName) != nil else { throw CommandFailure.badInput("--executor: expected nio or dispatch") }
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
        let allow = try WebhookOptions.networks(webhookAllow ?? environment["BREACHCLOCK_WEBHOOK_ALLOW"])
        let rescueText = webhookRescueAfter.map(String.init) ?? environment["BREACHCLOCK_WEBHOOK_RESCUE_AFTER"] ?? "60"
        guard let rescue = Int(rescueText), rescue > 0 else { throw CommandFailure.badInput("--webhook-rescue-after: expected seconds") }
        let configuration = ServerConfiguration(host: host ?? environment["BREACHCLOCK_HOST"] ?? "127.0.0.1", port: portValue,
            databasePath: databaseOptions.path, rulesDirectory: rules, logLevel: level, webhookAllowlist: allow,
            publicURL: publicURL ?? environment["BREACHCLOCK_PUBLIC_URL"], webhookRescueAfter: TimeInterval(rescue))
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

/// Webhook settings shared by `serve` and `webhooks test`.
enum WebhookOptions {
    static func networks(_ text: String?) throws -> [AddressPolicy.Network] {
        guard let text, !text.isEmpty else { return [] }
        return try text.split(separator: ",").map { item in
            let trimmed = item.trimmingCharacters(in: .whitespaces)
            guard let network = AddressPolicy.Network(trimmed) else {
                throw CommandFailure.badInput("webhook allowlist: `\(trimmed)` is not an address or network")
            }
            return network
        }
    }
}

/// `breachclock webhooks test ID`.
struct WebhooksCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "webhooks", abstract: "Webhook subscriptions.", subcommands: [TestWebhook.self])

    struct TestWebhook: AsyncOutputCommand {
        static let configuration = CommandConfiguration(
            commandName: "test", abstract: "Send a test message to a subscription now and print the outcome.",
            discussion: "The webhook allowlist is read from --webhook-allow or BREACHCLOCK_WEBHOOK_ALLOW, as for serve.")
        @OptionGroup var databaseOptions: DatabaseOptions
        @Argument(help: "The subscription's id (whk_…).") var id: String
        @Option(help: ArgumentHelp("Networks webhooks may reach although private or loopback.", valueName: "networks"))
        var webhookAllow: String?

        func run(output: some OutputSink) async throws {
            let store = try databaseOptions.open()
            guard let hook = try await store.webhook(id: id) else { throw CommandFailure.badInput("no webhook with id \(id)") }
            guard let format = WebhookFormat(rawValue: hook.format) else { throw CommandFailure.internalError("unknown format \(hook.format)") }
            var options = CurlTransport.Options()
            options.policy = AddressPolicy(allowlist: try WebhookOptions.networks(webhookAllow ?? ProcessInfo.processInfo.environment["BREACHCLOCK_WEBHOOK_ALLOW"]))
            let transport = CurlTransport(options: options)
            defer { transport.shutdown() }
            let now = Date()
            let event = WebhookEvent(type: .test, incidentID: "none", incidentTitle: "breachclock test message",
                timeZone: TimeZone(identifier: "UTC")!, at: now)
            let messageID = IncidentStore.newID("msg")
            let outcome = await transport.send(format.request(url: hook.url, event: event, messageID: messageID, secret: hook.secret))
            let host = URLComponents(string: hook.url)?.host ?? "?"
            let milliseconds = outcome.duration.components.seconds * 1000 + outcome.duration.components.attoseconds / 1_000_000_000_000_000
            switch outcome.result {
            case .response(let status, _) where (200..<300).contains(status):
                output.write("delivered to \(host): HTTP \(status) in \(milliseconds) ms (\(messageID))\n")
            case .response(let status, _):
                throw CommandFailure.internalError("\(host) answered HTTP \(status) in \(milliseconds) ms")
            case .transportError(_, let message):
                throw CommandFailure.internalError("could not deliver to \(host): \(message)")
            case .blockedByPolicy(let why):
                throw CommandFailure.internalError("blocked by policy: \(why); allow it with --webhook-allow")
            }
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
