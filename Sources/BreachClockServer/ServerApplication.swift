import BreachClockApplication
import BreachClockCalculator
import BreachClockLoader
import BreachClockRules
import BreachClockStore
import BreachClockWebhooks
import Foundation
import Hummingbird
import Logging
import ServiceLifecycle

/// How to run the server. The CLI fills it from flags, then environment variables, then defaults.
public struct ServerConfiguration: Sendable {
    public var host: String
    public var port: Int
    /// The database: a SQLite file path (or `sqlite://path`), or a `postgres://` URL.
    public var databasePath: String
    /// PostgreSQL only: connections this instance may open, and each statement's time limit.
    public var databasePoolSize = 10
    public var databaseStatementTimeout: Duration = .seconds(30)
    public var rulesDirectory: URL
    public var logLevel: Logger.Level
    /// Networks webhooks may reach although private or loopback (by default none).
    public var webhookAllowlist: [AddressPolicy.Network]
    /// The server's public address, for links in webhook messages.
    public var publicURL: String?
    /// Whether this instance sends the webhook outbox (tests drive a dispatcher of their own).
    public var sendsWebhooks: Bool
    /// Seconds before a claimed message with no recorded attempt is taken for a dead worker's.
    public var webhookRescueAfter: TimeInterval
    /// How long an authenticated API key is remembered: a key revoked by another process (the CLI)
    /// stops working on this server within this time. A revocation through this server's API is at once.
    public var keyCacheLifetime: Duration = .seconds(2)
    /// Signed checkpoints of the audit chain (nil: none; the log says so at start-up).
    public var auditCheckpoints: AuditCheckpointSettings?
    /// A file the server writes its port to once it listens (with port 0, the one the system chose),
    /// so that a supervisor or a test reads the port from the application instead of its log.
    public var portFile: String?

    public init(
        host: String = "127.0.0.1", port: Int = 8080, databasePath: String = "breachclock.sqlite",
        rulesDirectory: URL, logLevel: Logger.Level = .info, webhookAllowlist: [AddressPolicy.Network] = [], publicURL: String? = nil,
        sendsWebhooks: Bool = true, webhookRescueAfter: TimeInterval = 60, auditCheckpoints: AuditCheckpointSettings? = nil
    ) {
        self.auditCheckpoints = auditCheckpoints
        self.webhookRescueAfter = webhookRescueAfter
        self.webhookAllowlist = webhookAllowlist
        self.publicURL = publicURL
        self.sendsWebhooks = sendsWebhooks
        self.host = host
        self.port = port
        self.databasePath = databasePath
        self.rulesDirectory = rulesDirectory
        self.logLevel = logLevel
    }

    /// This instance's name in the rules rollout record and the outbox's claims (host and process).
    public var instanceName: String {
        "\(ProcessInfo.processInfo.hostName)/\(ProcessInfo.processInfo.processIdentifier)"
    }

    /// Where the database is, with the pool settings applied.
    public func databaseLocation() throws -> DatabaseLocation {
        var location = try DatabaseLocation(databasePath)
        if case .postgres(var settings) = location {
            settings.poolSize = databasePoolSize
            settings.statementTimeout = databaseStatementTimeout
            location = .postgres(settings)
        }
        return location
    }
}

/// The stores a server opens. On SQLite the dispatcher has a connection of its own whose commits
/// sync less (`IncidentStore.Durability.outbox`); on PostgreSQL everything shares one pool.
struct Stores {
    var main: IncidentStore
    var outbox: IncidentStore

    init(configuration: ServerConfiguration, clock: (@Sendable () -> Date)?) async throws {
        let location = try configuration.databaseLocation()
        main = try await IncidentStore.open(location, clock: clock)
        switch location {
        case .sqlite: outbox = try await IncidentStore.open(location, clock: clock, durability: .outbox)
        case .postgres: outbox = main
        }
    }
}

/// Builds the application; `breachclock serve` and the tests call the same builder.
public enum ServerApplication {
    /// - Parameters:
    ///   - configuration: where to listen and what to open.
    ///   - calculator: a calculator over rules already loaded and validated (tests share one); nil
    ///     reads `configuration.rulesDirectory`.
    ///   - clock: the time for decisions and calendars (injected by tests).
    ///   - logger: the log; the caller chooses its handler (plain or JSON lines).
    /// - Throws: a rules database with errors (`RulebookError`), or a database that cannot be opened.
    public static func build(
        configuration: ServerConfiguration, calculator: Calculator? = nil, clock: (@Sendable () -> Date)? = nil,
        logger: Logger
    ) async throws -> some ApplicationProtocol {
        let metrics = ServerMetrics()
        let stores = try await Stores(configuration: configuration, clock: clock)
        let (router, _, rulebook, service) = try makeRouter(
            configuration: configuration, calculator: calculator, store: stores.main,
            clock: clock ?? Date.init, metrics: metrics)
        logger.info("rules loaded", metadata: ["rules": .stringConvertible(rulebook.rules.count), "digest": .string(rulebook.digest)])
        var services: [any Service] = []
        // First in the list, so it stops last: its final checkpoint follows every other write.
        if let settings = configuration.auditCheckpoints {
            services.append(AuditCheckpointer(store: stores.main, settings: settings, logger: logger))
        } else {
            logger.notice("audit checkpoints are off: no audit key (--audit-key or BREACHCLOCK_AUDIT_KEY)")
        }
        if configuration.sendsWebhooks {
            var options = CurlTransport.Options()
            options.policy = AddressPolicy(allowlist: configuration.webhookAllowlist)
            services.append(
                WebhookDispatcher(
                    store: stores.outbox, transport: CurlTransport(options: options), clock: clock ?? Date.init, logger: logger,
                    intervals: .init(rescueAfter: configuration.webhookRescueAfter), links: WebhookLinks(publicURL: configuration.publicURL),
                    metrics: metrics))
        }
        services.append(RulesRollout(service: service, instance: configuration.instanceName, logger: logger))
        services.append(ProgrammeWatch(store: stores.main, clock: clock ?? Date.init, logger: logger))
        let portFile = configuration.portFile
        return Application(
            router: router,
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "breachclock"),
            services: services,
            onServerRunning: { channel in
                guard let portFile, let port = channel.localAddress?.port else { return }
                do {
                    // Written whole, then renamed: a reader never sees a partial number.
                    try Data("\(port)\n".utf8).write(to: URL(fileURLWithPath: portFile), options: .atomic)
                } catch {
                    logger.error("could not write the port file", metadata: ["file": "\(portFile)", "error": "\(error)"])
                }
            },
            logger: logger)
    }

    /// The router with its middleware and routes, the route table, and the rules it serves.
    static func makeRouter(
        configuration: ServerConfiguration, calculator: Calculator? = nil, store: IncidentStore,
        clock: @escaping @Sendable () -> Date, metrics: ServerMetrics = ServerMetrics()
    ) throws -> (Router<ServerContext>, [String], Rulebook, IncidentService) {
        let calculator = try calculator ?? Calculator(rulebook: RulesLoader(directory: configuration.rulesDirectory).load())
        let rulebook = calculator.rulebook
        metrics.recordRules(digest: rulebook.digest)
        let service = IncidentService(calculator: calculator, store: store, clock: clock)
        // HEAD is answered wherever GET is (headers as for GET, no body).
        let router = Router(context: ServerContext.self, options: .autoGenerateHeadEndpoints)
        let table = RouteTable()
        router.add(middleware: RequestMiddleware(metrics: metrics, routes: table))
        let keys = KeyCache(lifetime: configuration.keyCacheLifetime)
        let sessions = CredentialCache<WebSession>(lifetime: configuration.keyCacheLifetime)
        router.add(middleware: AuthenticationMiddleware(store: store, cache: keys))
        let routes = Routes(
            service: service, store: store, metrics: metrics, keys: keys, sessions: sessions, clock: clock, openAPI: OpenAPIDocument.text,
            addressPolicy: AddressPolicy(allowlist: configuration.webhookAllowlist)
        ).register(on: router)
        table.routes = routes
        // The web console's pages, outside the API's document (issue 16).
        Console(service: service, store: store, sessions: sessions, clock: clock).register(on: router)
        return (router, routes, rulebook, service)
    }

    /// Every route the API serves, as `METHOD /path/{param}`.
    public static func routes(configuration: ServerConfiguration) async throws -> [String] {
        let stores = try await Stores(configuration: configuration, clock: nil)
        return try makeRouter(configuration: configuration, store: stores.main, clock: Date.init).1
    }

}
