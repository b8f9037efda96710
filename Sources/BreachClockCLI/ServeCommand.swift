import ArgumentParser
import BreachClockCalculator
import BreachClockJSON
import BreachClockLoader
import BreachClockRules
import BreachClockServer
import BreachClockStore
import BreachClockWebhooks
import Foundation
import Hummingbird
import Logging

/// Options every command that opens the database shares. Each is resolved by `Settings`: its flag,
/// else its environment variable, else the config file, else the default.
struct DatabaseOptions: ParsableArguments {
    @Option(
        name: .customLong("db"),
        help: ArgumentHelp(
            "A SQLite file, or a PostgreSQL URL postgres://user:password@host:port/db (env BREACHCLOCK_DB; default breachclock.sqlite).",
            valueName: "path|url"))
    var database: String?

    @Option(
        name: .customLong("db-pool-size"),
        help: ArgumentHelp(
            "PostgreSQL: connections per instance (env BREACHCLOCK_DB_POOL_SIZE; default 10).",
            valueName: "n"))
    var poolSize: Int?

    @Option(
        name: .customLong("db-statement-timeout"),
        help: ArgumentHelp(
            "PostgreSQL: seconds a statement may run (env BREACHCLOCK_DB_STATEMENT_TIMEOUT; default 30).", valueName: "seconds"))
    var statementTimeout: Int?

    @Option(
        name: .customLong("config"),
        help: ArgumentHelp(
            "A settings file, YAML or JSON, keyed by the flags' names without -- (env BREACHCLOCK_CONFIG; see serve --help).", valueName: "path"))
    var configFile: String?

    /// The flags given, by setting name.
    var flags: [String: String] {
        var flags: [String: String] = [:]
        flags["db"] = database
        flags["db-pool-size"] = poolSize.map(String.init)
        flags["db-statement-timeout"] = statementTimeout.map(String.init)
        return flags
    }

    /// These options' settings with `extra` flags of the command's own.
    func settings(extra: [String: String] = [:]) throws -> Settings {
        try Settings(flags: flags.merging(extra) { $1 }, environment: CommandEnvironment.values, configFile: configFile)
    }

    /// The location with its pool settings.
    func location(_ settings: Settings? = nil) throws -> DatabaseLocation {
        let settings = try settings ?? self.settings()
        var location: DatabaseLocation
        do { location = try DatabaseLocation(settings.text("db") ?? "") } catch {
            throw CommandFailure.badInput("\(settings.origin(of: "db")): \(error)")
        }
        let size = try settings.integer("db-pool-size", in: 1...1_000)
        let timeout = try settings.integer("db-statement-timeout", in: 1...3_600)
        if case .postgres(var postgres) = location {
            postgres.poolSize = size
            postgres.statementTimeout = .seconds(timeout)
            location = .postgres(postgres)
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
            Each setting is taken from its flag, else its environment variable, else the config file \
            (--config or BREACHCLOCK_CONFIG: YAML or JSON, a mapping keyed by the names below without --), \
            else its default:
            \(Settings.helpTable)
              --executor, BREACHCLOCK_EXECUTOR (default nio)
                  nio (NIO's event loops run Swift concurrency) or dispatch; flag or variable
                  only: it is applied before the command starts
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

    @Option(help: ArgumentHelp("File to write the port to once listening.", valueName: "path"))
    var portFile: String?

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

    @Option(
        help: ArgumentHelp(
            "Where Swift concurrency runs: nio or dispatch (applied by the program before the command starts).",
            valueName: "executor"))
    var executor: String?

    @OptionGroup var auditOptions: AuditOptions

    @Option(help: ArgumentHelp("Seconds between audit checkpoints while the log grows (one more on shutdown).", valueName: "seconds"))
    var auditCheckpointEvery: Int?

    /// The flags given, by setting name.
    var flags: [String: String] {
        var flags: [String: String] = [:]
        flags["host"] = host
        flags["port"] = port.map(String.init)
        flags["port-file"] = portFile
        flags["rules"] = rulesOptions.rules
        flags["log-level"] = logLevel
        flags["log-format"] = logFormat
        flags["webhook-allow"] = webhookAllow
        flags["public-url"] = publicURL
        flags["webhook-rescue-after"] = webhookRescueAfter.map(String.init)
        flags["audit-key"] = auditOptions.auditKey
        flags["audit-checkpoints"] = auditOptions.checkpoints
        flags["audit-checkpoint-every"] = auditCheckpointEvery.map(String.init)
        return flags
    }

    func run(output: some OutputSink) async throws {
        let settings = try databaseOptions.settings(extra: flags)
        let executorName = executor ?? CommandEnvironment.values["BREACHCLOCK_EXECUTOR"] ?? ServeExecutor.nio.rawValue
        guard ServeExecutor(rawValue: executorName) != nil else { throw CommandFailure.badInput("--executor: expected nio or dispatch") }
        let levelText = settings.text("log-level") ?? ""
        guard let level = Logger.Level(rawValue: levelText) else {
            throw CommandFailure.badInput("\(settings.origin(of: "log-level")): unknown level `\(levelText)`")
        }
        let format = settings.text("log-format") ?? ""
        guard format == "text" || format == "json" else {
            throw CommandFailure.badInput("\(settings.origin(of: "log-format")): expected text or json")
        }
        let portValue = try settings.integer("port", in: 0...65_535)
        guard let rules = RulesLoader.locate(explicit: settings.text("rules"), environment: [:]) else {
            throw CommandFailure.internalError("cannot find the rules folder: pass --rules DIR or set BREACHCLOCK_RULES")
        }
        var logger = Logger(label: "breachclock") { label in
            format == "json" ? JSONLogHandler(label: label) as any LogHandler : StreamLogHandler.standardError(label: label)
        }
        logger.logLevel = level
        let allow: [AddressPolicy.Network]
        do { allow = try WebhookOptions.networks(settings.text("webhook-allow")) } catch let failure as CommandFailure {
            throw CommandFailure.badInput("\(settings.origin(of: "webhook-allow")): \(failure.message)")
        }
        let rescue = try settings.integer("webhook-rescue-after", in: 1...86_400)
        let every = try settings.integer("audit-checkpoint-every", in: 1...86_400)
        let auditKeyPath = settings.text("audit-key")
        let checkpointsPath = settings.text("audit-checkpoints")
        let checkpoints = try AuditOptions.key(at: auditKeyPath).map {
            AuditCheckpointSettings(key: $0, exportPath: checkpointsPath, interval: .seconds(every))
        }
        if checkpoints == nil, checkpointsPath != nil {
            throw CommandFailure.badInput("--audit-checkpoints needs --audit-key (or BREACHCLOCK_AUDIT_KEY) to sign them")
        }
        let location = try databaseOptions.location(settings)
        var configuration = ServerConfiguration(
            host: settings.text("host") ?? "", port: portValue,
            databasePath: settings.text("db") ?? "", rulesDirectory: rules, logLevel: level, webhookAllowlist: allow,
            publicURL: settings.text("public-url"), webhookRescueAfter: TimeInterval(rescue),
            auditCheckpoints: checkpoints)
        configuration.portFile = settings.text("port-file")
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

    func log(
        level: Logger.Level, message: Logger.Message, metadata extra: Logger.Metadata?, source: String, file: String,
        function: String, line: UInt
    ) {
        var fields: [String: String] = [
            "level": level.rawValue, "message": message.description, "label": label,
            "time": StoredTime.text(Date()),
        ]
        for (key, value) in metadata.merging(extra ?? [:], uniquingKeysWith: { $1 }) { fields[key] = value.description }
        guard let data = try? JSONEncoder.breachclock.encode(fields) else { return }
        FileHandle.standardError.write(data + Data("\n".utf8))
    }
}

/// `breachclock keys …`.
struct KeysCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keys", abstract: "Manage API keys (stored only as hashes).",
        subcommands: [CreateKey.self, ListKeys.self, RevokeKey.self, LoginLink.self])

    /// `breachclock keys login-link KEY_ID`: a one-time link that signs into the web console as that key.
    struct LoginLink: AsyncOutputCommand {
        static let configuration = CommandConfiguration(
            commandName: "login-link", abstract: "Print a one-time link that signs into the web console as a key.",
            discussion: "The link works once, until it expires; the console session then acts with the key's role.")
        @OptionGroup var databaseOptions: DatabaseOptions
        @Argument(help: "The key's id (key_…).") var id: String
        @Option(help: ArgumentHelp("How long the link stays valid, in minutes (1 to 1440).", valueName: "minutes")) var minutes = 15
        @Option(help: ArgumentHelp("The service's address as people reach it.", valueName: "url")) var baseURL = "http://127.0.0.1:8080"

        func validate() throws {
            guard (1...1_440).contains(minutes) else { throw ValidationError("--minutes must be from 1 to 1440") }
        }

        func run(output: some OutputSink) async throws {
            let store = try await databaseOptions.open()
            defer { Task { await store.close() } }
            do {
                let token = try await store.createLoginLink(keyID: id, lifetime: Double(minutes) * 60, actor: "cli")
                let base = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
                output.write("\(base)/console/login/\(token)\n")
                output.error("valid once, for \(minutes) minutes")
            } catch StoreError.notFound {
                throw CommandFailure.badInput("no active key with id \(id)")
            }
        }
    }

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
                throw CommandFailure.badInput(
                    "webhook \(id) is disabled since \(ZonedTime.rfc3339(disabled, in: ZonedTime.utc))"
                        + " (\(hook.disabledReason ?? "no reason recorded")); nothing was sent")
            }
            var options = CurlTransport.Options()
            options.policy = AddressPolicy(
                allowlist: try WebhookOptions.networks(webhookAllow ?? CommandEnvironment.values["BREACHCLOCK_WEBHOOK_ALLOW"]))
            var quiet = Logger(label: "webhooks-test")
            quiet.logLevel = .critical
            // The same path as the server's reminders: the message goes into the outbox, is claimed,
            // sent, and its attempt is recorded in the deliveries log.
            let transport = CurlTransport(options: options)
            defer { transport.shutdown() }
            let dispatcher = WebhookDispatcher(store: store, transport: transport, logger: quiet)
            let now = Date()
            let event = WebhookEvent(
                type: .test, incidentID: "none", incidentTitle: "breachclock test message",
                timeZone: ZonedTime.utc, at: now)
            let messageID = try await store.enqueue(
                PlannedDelivery(
                    webhookID: hook.id, incidentID: "none", obligationID: nil,
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
    @Option(
        help: ArgumentHelp(
            "File holding the key that signs audit checkpoints, kept outside the database (env BREACHCLOCK_AUDIT_KEY).",
            valueName: "path"))
    var auditKey: String?

    @Option(
        name: [.customLong("audit-checkpoints"), .customLong("checkpoints")],
        help: ArgumentHelp(
            "Append-only file of exported audit checkpoints, JSON lines (env BREACHCLOCK_AUDIT_CHECKPOINTS).",
            valueName: "path"))
    var checkpoints: String?

    var keyPath: String? { auditKey ?? CommandEnvironment.values["BREACHCLOCK_AUDIT_KEY"] }
    var checkpointsPath: String? { checkpoints ?? CommandEnvironment.values["BREACHCLOCK_AUDIT_CHECKPOINTS"] }

    /// The key, if one is configured. The error names the file, never its content.
    func key() throws -> AuditKey? { try Self.key(at: keyPath) }

    /// The key in the file at `path`, or nil without a path.
    static func key(at path: String?) throws -> AuditKey? {
        guard let path else { return nil }
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
                report +=
                    result.signedThrough == 0
                    ? "no signed checkpoint holds: every line rests on the unkeyed hash chain alone\n"
                    : "signed through line \(result.signedThrough)"
                        + (result.lines > result.signedThrough
                            ? "; the \(result.lines - result.signedThrough) after it rest on the unkeyed chain alone\n" : "\n")
            } else {
                report +=
                    "no audit key: only the unkeyed hash chain and the stored state were checked, not the checkpoints' "
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
