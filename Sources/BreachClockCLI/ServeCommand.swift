import ArgumentParser
import BreachClockCalculator
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
    @Option(name: .customLong("db"), help: ArgumentHelp(
        "A SQLite file, or a PostgreSQL URL postgres://user:password@host:port/db (env BREACHCLOCK_DB; default breachclock.sqlite).",
        valueName: "path|url"))
    var database: String?

    @Option(name: .customLong("db-pool-size"), help: ArgumentHelp("PostgreSQL: connections per instance (env BREACHCLOCK_DB_POOL_SIZE; default 10).",
        valueName: "n"))
    var poolSize: Int?

    @Option(name: .customLong("db-statement-timeout"), help: ArgumentHelp(
        "PostgreSQL: seconds a statement may run (env BREACHCLOCK_DB_STATEMENT_TIMEOUT; default 30).", valueName: "seconds"))
    var statementTimeout: Int?

    var path: String { database ?? CommandEnvironment.values["BREACHCLOCK_DB"] ?? "breachclock.sqlite" }

    /// The location with its pool settings: flag, then environment, then default.
    func location() throws -> DatabaseLocation {
        let environment = CommandEnvironment.values
        var location: DatabaseLocation
        do { location = try DatabaseLocation(path) } catch { throw CommandFailure.badInput("--db: \(error)") }
        let size = try poolSize ?? environment["BREACHCLOCK_DB_POOL_SIZE"].map { text in
            guard let value = Int(text) else { throw CommandFailure.badInput("BREACHCLOCK_DB_POOL_SIZE: not a number: `\(text)`") }
            return value
        } ?? 10
        guard (1...1_000).contains(size) else { throw CommandFailure.badInput("--db-pool-size: expected 1 to 1000, found \(size)") }
        let timeout = try statementTimeout ?? environment["BREACHCLOCK_DB_STATEMENT_TIMEOUT"].map { text in
            guard let value = Int(text) else { throw CommandFailure.badInput("BREACHCLOCK_DB_STATEMENT_TIMEOUT: not a number: `\(text)`") }
            return value
        } ?? 30
        guard (1...3_600).contains(timeout) else { throw CommandFailure.badInput("--db-statement-timeout: expected 1 to 3600 seconds, found \(timeout)") }
        if case .postgres(var settings) = location {
            settings.poolSize = size
            settings.statementTimeout = .seconds(timeout)
            location = .postgres(settings)
        }
        return location
    }

    func open() async throws -> IncidentStore {
        let location = try location()
        do {
            return try await IncidentStore.open(location)
        } catch {
            throw CommandFailure.internalError("cannot open the database at \(location.redacted): \(error)")
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
              --db          BREACHCLOCK_DB          breachclock.sqlite  (or postgres://user:password@host:port/db)
              --db-pool-size  BREACHCLOCK_DB_POOL_SIZE  10   (PostgreSQL connections per instance)
              --db-statement-timeout  BREACHCLOCK_DB_STATEMENT_TIMEOUT  30  (PostgreSQL: seconds a statement may run)
              --rules       BREACHCLOCK_RULES       ./Jurisdictions, or the one beside the program
              --log-level   BREACHCLOCK_LOG_LEVEL   info   (trace, debug, info, notice, warning, error, critical)
              --log-format  BREACHCLOCK_LOG_FORMAT  text   (text or json)
              --webhook-allow  BREACHCLOCK_WEBHOOK_ALLOW  none  (networks webhooks may reach although private, e.g. 10.0.0.0/8,127.0.0.1)
              --public-url  BREACHCLOCK_PUBLIC_URL  none   (for links back to incidents in webhook messages)
              --webhook-rescue-after  BREACHCLOCK_WEBHOOK_RESCUE_AFTER  60  (seconds before a dead worker's claim is retried)
              --executor    BREACHCLOCK_EXECUTOR    nio    (nio: NIO's event loops run Swift concurrency; dispatch: its own pool)
              --audit-key   BREACHCLOCK_AUDIT_KEY   none   (key file that signs audit checkpoints; make one with `breachclock audit keygen`)
              --audit-checkpoints  BREACHCLOCK_AUDIT_CHECKPOINTS  none  (append-only file that receives a copy of each checkpoint)
              --audit-checkpoint-every  BREACHCLOCK_AUDIT_CHECKPOINT_EVERY  60  (seconds between checkpoints while the log grows)
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

    @OptionGroup var auditOptions: AuditOptions

    @Option(help: ArgumentHelp("Seconds between audit checkpoints while the log grows (one more on shutdown).", valueName: "seconds"))
    var auditCheckpointEvery: Int?

    func run(output: some OutputSink) async throws {
        let environment = CommandEnvironment.values
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
        guard let rules = RulesLoader.locate(explicit: rulesOptions.rules, environment: CommandEnvironment.values) else {
            throw CommandFailure.internalError("cannot find the rules folder: pass --rules DIR or set BREACHCLOCK_RULES")
        }
        var logger = Logger(label: "breachclock") { label in
            format == "json" ? JSONLogHandler(label: label) as any LogHandler : StreamLogHandler.standardError(label: label)
        }
        logger.logLevel = level
        let allow = try WebhookOptions.networks(webhookAllow ?? environment["BREACHCLOCK_WEBHOOK_ALLOW"])
        let rescueText = webhookRescueAfter.map(String.init) ?? environment["BREACHCLOCK_WEBHOOK_RESCUE_AFTER"] ?? "60"
        guard let rescue = Int(rescueText), rescue > 0 else { throw CommandFailure.badInput("--webhook-rescue-after: expected seconds") }
        let everyText = auditCheckpointEvery.map(String.init) ?? environment["BREACHCLOCK_AUDIT_CHECKPOINT_EVERY"] ?? "60"
        guard let every = Int(everyText), every > 0 else { throw CommandFailure.badInput("--audit-checkpoint-every: expected seconds") }
        let checkpoints = try auditOptions.key().map {
            AuditCheckpointSettings(key: $0, exportPath: auditOptions.checkpointsPath, interval: .seconds(every))
        }
        if checkpoints == nil, auditOptions.checkpointsPath != nil {
            throw CommandFailure.badInput("--audit-checkpoints needs --audit-key (or BREACHCLOCK_AUDIT_KEY) to sign them")
        }
        var configuration = ServerConfiguration(host: host ?? environment["BREACHCLOCK_HOST"] ?? "127.0.0.1", port: portValue,
            databasePath: databaseOptions.path, rulesDirectory: rules, logLevel: level, webhookAllowlist: allow,
            publicURL: publicURL ?? environment["BREACHCLOCK_PUBLIC_URL"], webhookRescueAfter: TimeInterval(rescue),
            auditCheckpoints: checkpoints)
        let location = try databaseOptions.location()
        if case .postgres(let settings) = location {
            configuration.databasePoolSize = settings.poolSize
            configuration.databaseStatementTimeout = settings.statementTimeout
        }
        logger.info("database", metadata: ["location": .string(location.redacted)])
        let app: any ApplicationProtocol
        do {
            app = try await ServerApplication.build(configuration: configuration, logger: logger)
        } catch let error as RulebookError {
            throw CommandFailure.internalError("the rules database has errors:\n" + error.description)
        } catch {
            throw CommandFailure.internalError("cannot start the service (database \(location.redacted)): \(error)")
        }
        try await app.runService()
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
            let store = try await databaseOptions.open()
            guard let hook = try await store.webhook(id: id) else { throw CommandFailure.badInput("no webhook with id \(id)") }
            if let disabled = hook.disabledAt {
                throw CommandFailure.badInput("webhook \(id) is disabled since \(ZonedTime.rfc3339(disabled, in: ZonedTime.utc))"
                    + " (\(hook.disabledReason ?? "no reason recorded")); nothing was sent")
            }
            var options = CurlTransport.Options()
            options.policy = AddressPolicy(allowlist: try WebhookOptions.networks(webhookAllow ?? CommandEnvironment.values["BREACHCLOCK_WEBHOOK_ALLOW"]))
            var quiet = Logger(label: "webhooks-test")
            quiet.logLevel = .critical
            // The same path as the server's reminders: the message goes into the outbox, is claimed,
            // sent, and its attempt is recorded in the deliveries log.
            let transport = CurlTransport(options: options)
            defer { transport.shutdown() }
            let dispatcher = WebhookDispatcher(store: store, transport: transport, logger: quiet)
            let now = Date()
            let event = WebhookEvent(type: .test, incidentID: "none", incidentTitle: "breachclock test message",
                timeZone: ZonedTime.utc, at: now)
            let messageID = try await store.enqueue(PlannedDelivery(webhookID: hook.id, incidentID: "none", obligationID: nil,
                event: WebhookEventType.test.rawValue, dueAt: now, payload: event.payloadJSON()))
            guard let claimed = try await store.claim(id: messageID, now: now, worker: "cli") else {
                throw CommandFailure.internalError("the test message \(messageID) was taken by another sender")
            }
            let record = await dispatcher.deliverAndRecord(claimed, retries: false)
            let host = hook.host
            let milliseconds = record.duration.milliseconds
            switch record.update {
            case .delivered:
                output.write("delivered to \(host): HTTP \(record.status ?? 0) in \(milliseconds) ms (\(messageID), in the deliveries log)\n")
            case .retry, .failed, .disableWebhook:
                var message = "could not deliver to \(host): \(record.error ?? "failed") (\(messageID), in the deliveries log)"
                if record.error?.hasPrefix("blocked by policy") == true { message += "; allow it with --webhook-allow" }
                if case .disableWebhook(let reason) = record.update { message += "; the subscription is now disabled: \(reason)" }
                throw CommandFailure.internalError(message)
            }
        }
    }
}

/// The audit key and the exported checkpoints file, shared by `serve` and `audit`: flag, then environment.
struct AuditOptions: ParsableArguments {
    @Option(help: ArgumentHelp("File holding the key that signs audit checkpoints, kept outside the database (env BREACHCLOCK_AUDIT_KEY).",
        valueName: "path"))
    var auditKey: String?

    @Option(name: [.customLong("audit-checkpoints"), .customLong("checkpoints")],
        help: ArgumentHelp("Append-only file of exported audit checkpoints, JSON lines (env BREACHCLOCK_AUDIT_CHECKPOINTS).",
            valueName: "path"))
    var checkpoints: String?

    var keyPath: String? { auditKey ?? CommandEnvironment.values["BREACHCLOCK_AUDIT_KEY"] }
    var checkpointsPath: String? { checkpoints ?? CommandEnvironment.values["BREACHCLOCK_AUDIT_CHECKPOINTS"] }

    /// The key, if one is configured. The error names the file, never its content.
    func key() throws -> AuditKey? {
        guard let path = keyPath else { return nil }
        do {
            return try AuditKey(contentsOfFile: path)
        } catch {
            throw CommandFailure.badInput(error.description)
        }
    }
}

/// `breachclock audit verify|checkpoint|keygen`.
struct AuditCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit", abstract: "Check the audit trail and sign its head.", subcommands: [Verify.self, Checkpoint.self, Keygen.self])

    struct Verify: AsyncOutputCommand {
        static let configuration = CommandConfiguration(
            commandName: "verify", abstract: "Check the audit trail; print every problem and exit 1 if there is any.",
            discussion: """
                Recomputes the hash chain; with --audit-key, checks every checkpoint's MAC, in the database and in the
                --checkpoints file, and that the chain still has each checkpoint's line with the hash it signed; and
                compares every incident and API key as stored with the state its audit lines record.
                """)
        @OptionGroup var databaseOptions: DatabaseOptions
        @OptionGroup var auditOptions: AuditOptions

        func run(output: some OutputSink) async throws {
            let key = try auditOptions.key()
            let path = auditOptions.checkpointsPath
            let result: AuditChain.Verification
            do {
                result = try await databaseOptions.open().verifyAudit(key: key, checkpointsFile: path)
            } catch {
                throw CommandFailure.internalError("cannot verify the audit trail: \(error)")
            }
            var report = "audit chain: \(result.lines) lines\n"
            if result.keyed {
                let file = result.fileCheckpoints.map { ", \($0) in \(path ?? "the file")" } ?? ", no --checkpoints file"
                report += "checkpoints: \(result.databaseCheckpoints) in the database\(file); MACs checked with the audit key\n"
                report += result.signedThrough == 0
                    ? "no signed checkpoint holds: every line rests on the unkeyed hash chain alone\n"
                    : "signed through line \(result.signedThrough)"
                        + (result.lines > result.signedThrough ? "; the \(result.lines - result.signedThrough) after it rest on the unkeyed chain alone\n" : "\n")
            } else {
                report += "no audit key: only the unkeyed hash chain and the stored state were checked, not the checkpoints' "
                    + "signatures (pass --audit-key or set BREACHCLOCK_AUDIT_KEY)\n"
            }
            report += "stored state: \(result.incidents) incidents and \(result.keys) keys compared with the log\n"
            for problem in result.problems { report += "BROKEN  \(problem)\n" }
            output.write(report)
            if !result.isIntact {
                throw CommandFailure.internalError("audit trail broken: \(result.problems.count) problem\(result.problems.count == 1 ? "" : "s")")
            }
            output.write("audit trail intact\n")
        }
    }

    struct Checkpoint: AsyncOutputCommand {
        static let configuration = CommandConfiguration(
            commandName: "checkpoint", abstract: "Sign the audit chain's head now (serve does it on its own at an interval).")
        @OptionGroup var databaseOptions: DatabaseOptions
        @OptionGroup var auditOptions: AuditOptions

        func run(output: some OutputSink) async throws {
            guard let key = try auditOptions.key() else { throw CommandFailure.badInput("--audit-key (or BREACHCLOCK_AUDIT_KEY) is required") }
            guard let checkpoint = try await databaseOptions.open().writeAuditCheckpoint(key: key) else {
                output.write("nothing to sign: the chain is empty or its head already has a checkpoint\n")
                return
            }
            if let path = auditOptions.checkpointsPath {
                do {
                    try AuditCheckpointFile.append(checkpoint, to: path)
                } catch {
                    throw CommandFailure.internalError("signed line \(checkpoint.seq) but could not append it to \(path)")
                }
            }
            output.write(checkpoint.jsonLine + "\n")
        }
    }

    struct Keygen: AsyncOutputCommand {
        static let configuration = CommandConfiguration(
            commandName: "keygen", abstract: "Write a new random audit key (32 bytes, base64) to a file with mode 0600.",
            discussion: "Keep it away from the database's folder and its backups: whoever can read it can sign a forged chain.")
        @Option(help: ArgumentHelp("Where to write the key; an existing file is never overwritten.", valueName: "path"))
        var out: String

        func run(output: some OutputSink) async throws {
            do {
                try AuditKey.generate(at: out)
            } catch {
                throw CommandFailure.badInput(error.description)
            }
            output.error("wrote a new audit key to \(out) (mode 0600)")
        }
    }
}
