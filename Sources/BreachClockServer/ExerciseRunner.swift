import BreachClockApplication
import BreachClockCalculator
import BreachClockProgramme
import BreachClockRules
import BreachClockStore
import BreachClockWebhooks
import Foundation
import Logging
import Synchronization

/// A clock that stands still until told to move: the exercise's time.
public final class SimulatedClock: Sendable {
    private let current: Mutex<Date>

    public init(_ start: Date) { current = Mutex(start) }

    public var now: Date { current.withLock { $0 } }

    public func set(_ date: Date) { current.withLock { $0 = date } }
}

/// Why an exercise could not run, naming the scenario's field.
public struct ExerciseError: Error, Sendable, CustomStringConvertible {
    public var field: String
    public var message: String

    public var description: String { field.isEmpty ? message : "\(field): \(message)" }
}

/// Runs a tabletop exercise on a simulated clock with the real parts: the incident service and the
/// calculator compute the deadlines as each inject lands, the reminder planner plans the messages,
/// and a webhook dispatcher sends them through libcurl when the simulated clock reaches them.
///
/// Everything runs against a sandbox: a new SQLite database of the exercise's own, holding only the
/// scenario's webhook subscriptions. Production subscriptions are not in it, so no exercise message
/// can reach them; and the sandbox's dispatcher marks every message EXERCISE. The clock jumps from
/// one event (an inject, or a message falling due) to the next; `pace` decides how long each jump
/// takes on the real clock (as fast as possible, at a speed, or at the facilitator's word).
public struct ExerciseRunner: Sendable {
    let calculator: Calculator
    let logger: Logger
    let transport: CurlTransport.Options
    /// Environment variables, for the scenario's `secretFrom`.
    let environment: [String: String]

    public init(calculator: Calculator, logger: Logger, transport: CurlTransport.Options, environment: [String: String]) {
        self.calculator = calculator
        self.logger = logger
        self.transport = transport
        self.environment = environment
    }

    /// Runs `scenario` in a sandbox database under `sandbox` (a directory that must not exist yet;
    /// it is removed at the end). `pace(from, to)` is called before the clock jumps between two
    /// offsets; `progress` hears each line of the timeline as it happens.
    public func run(
        _ scenario: ExerciseScenario, sandbox: URL, pace: @Sendable (_ from: Int, _ to: Int) async throws -> Void,
        progress: @escaping @Sendable (String) -> Void
    ) async throws -> ExerciseRecord {
        let session = try await start(scenario, sandbox: sandbox, progress: progress)
        do {
            while let next = try await session.next() {
                try await pace(await session.now, next)
                try await session.advance()
            }
            try await pace(await session.now, scenario.runsFor.seconds)
            return try await session.finish()
        } catch {
            await session.abandon()
            throw error
        }
    }

    /// Starts `scenario` in a sandbox under `sandbox` and plays T+0; the session then moves on one
    /// event at a time (`advance`), which is how a facilitator steps through it.
    public func start(_ scenario: ExerciseScenario, sandbox: URL, progress: @escaping @Sendable (String) -> Void) async throws
        -> ExerciseSession
    {
        var secrets: [String] = []
        for (index, hook) in scenario.webhooks.enumerated() {
            guard let url = URLComponents(string: hook.url), ["http", "https"].contains(url.scheme ?? ""), url.host?.isEmpty == false else {
                throw ExerciseError(field: "webhooks[\(index)].url", message: "expected an http or https URL")
            }
            if let name = hook.secretVariable {
                guard let secret = environment[name], WebhookSigner(secret: secret) != nil else {
                    throw ExerciseError(
                        field: "webhooks[\(index)].secretFrom", message: "the environment variable \(name) does not hold a whsec_ secret")
                }
                secrets.append(secret)
            } else {
                var random = SystemRandomNumberGenerator()
                secrets.append(WebhookSigner.newSecret(using: &random))
            }
        }
        try FileManager.default.createDirectory(at: sandbox, withIntermediateDirectories: false)
        let clock = SimulatedClock(scenario.startsAt)
        let store: IncidentStore
        do {
            store = try IncidentStore(path: sandbox.appendingPathComponent("exercise.sqlite").path, clock: { clock.now })
        } catch {
            try? FileManager.default.removeItem(at: sandbox)
            throw error
        }
        let session = ExerciseSession(
            runner: self, scenario: scenario, sandbox: sandbox, store: store, clock: clock, transport: CurlTransport(options: transport),
            progress: progress)
        do {
            try await session.begin(secrets: secrets)
        } catch {
            await session.abandon()
            throw error
        }
        return session
    }

    /// Applies one inject through the service, as a user would: facts by merge patch, then a notice,
    /// then a decision.
    func apply(_ inject: ExerciseScenario.Inject, index: Int, incidentID: String, service: IncidentService, at now: Date) async throws
        -> StoredIncident
    {
        let stamp = RFC3339.text(now, offsetSeconds: 0)
        do {
            var incident: StoredIncident?
            if let facts = inject.facts {
                incident = try await service.patch(id: incidentID, ifMatch: nil, body: Self.mapping([("facts", .node(facts))]), actor: "exercise")
            }
            if let notice = inject.notice {
                incident = try await service.recordNotice(
                    id: incidentID, ifMatch: nil, body: Self.adding(notice, key: "sentAt", text: stamp), actor: "exercise")
            }
            if let decision = inject.decision {
                incident = try await service.recordDecision(
                    id: incidentID, ifMatch: nil, body: Self.adding(decision, key: "decidedAt", text: stamp), actor: "exercise", now: now)
            }
            if let incident { return incident }
            guard let current = try await service.store.incident(id: incidentID) else { throw StoreError.notFound }
            return current
        } catch let error as ServiceError {
            throw Self.named(error, prefix: "injects[\(index)]")
        } catch StoreError.rejected(let why) {
            throw ExerciseError(field: "injects[\(index)]", message: why)
        }
    }

    static func named(_ error: ServiceError, prefix: String) -> ExerciseError {
        guard let first = error.errors.first else { return ExerciseError(field: prefix, message: error.detail ?? error.title) }
        let more = error.errors.dropFirst().map { "; \(prefix).\($0.field): \($0.message)" }.joined()
        return ExerciseError(field: first.field.isEmpty ? prefix : "\(prefix).\(first.field)", message: first.message + more)
    }

    enum Value {
        case text(String)
        case node(DocumentNode)
    }

    static let here = SourceLocation(file: "exercise", line: 0, column: 0)

    static func mapping(_ entries: [(String, Value)]) -> DocumentNode {
        .mapping(
            entries.map { key, value in
                switch value {
                case .text(let text): return (key: key, keyAt: here, value: .scalar(text, plain: false, at: here))
                case .node(let node): return (key: key, keyAt: here, value: node)
                }
            }, at: here)
    }

    /// `node` (a mapping) with `key` set to `text`, unless the scenario set it already.
    static func adding(_ node: DocumentNode, key: String, text: String) -> DocumentNode {
        guard case .mapping(let entries, let at) = node, !entries.contains(where: { $0.key == key }) else { return node }
        return .mapping(entries + [(key: key, keyAt: here, value: .scalar(text, plain: false, at: here))], at: at)
    }
}

/// One run of an exercise, moving one event at a time: an inject, or a message falling due. Its state
/// is the sandbox database and the simulated clock; `finish` builds the record and removes the sandbox.
public actor ExerciseSession {
    let runner: ExerciseRunner
    public let scenario: ExerciseScenario
    let sandbox: URL
    let store: IncidentStore
    let clock: SimulatedClock
    let transport: CurlTransport
    let service: IncidentService
    let dispatcher: WebhookDispatcher
    let progress: @Sendable (String) -> Void
    var hooks: [StoredWebhook] = []
    var steps: [ExerciseRecord.Step] = []
    var incidentID = ""
    var index = 0
    /// Where the simulated clock stands, in seconds after T+0.
    public private(set) var now = 0
    /// The timeline so far, as `progress` heard it.
    public private(set) var lines: [String] = []
    var closed = false

    init(
        runner: ExerciseRunner, scenario: ExerciseScenario, sandbox: URL, store: IncidentStore, clock: SimulatedClock, transport: CurlTransport,
        progress: @escaping @Sendable (String) -> Void
    ) {
        self.runner = runner
        self.scenario = scenario
        self.sandbox = sandbox
        self.store = store
        self.clock = clock
        self.transport = transport
        self.progress = progress
        service = IncidentService(calculator: runner.calculator, store: store, clock: { clock.now })
        dispatcher = WebhookDispatcher(
            store: store, transport: transport, clock: { clock.now }, logger: runner.logger, exercise: scenario.name)
    }

    func say(_ line: String) {
        lines.append(line)
        progress(line)
    }

    func offset(_ date: Date) -> Int { Int(date.timeIntervalSince(scenario.startsAt).rounded(.down)) }

    /// The exercise's subscriptions, and T+0: the incident as first known, then what is due at once.
    func begin(secrets: [String]) async throws {
        for (index, hook) in scenario.webhooks.enumerated() {
            hooks.append(
                try await store.createWebhook(
                    url: hook.url, format: hook.format, incidentID: nil, events: WebhookEventType.allCases.map(\.rawValue),
                    secret: secrets[index], actor: "exercise"))
        }
        let created: StoredIncident
        do {
            created = try await service.create(
                body: ExerciseRunner.mapping([("title", .text(scenario.incidentTitle)), ("facts", .node(scenario.facts))]), actor: "exercise")
        } catch let error as ServiceError {
            throw ExerciseRunner.named(error, prefix: "incident")
        }
        incidentID = created.id
        try await record(created, say: "The exercise starts: \(scenario.incidentTitle)")
        try await play()
    }

    func record(_ incident: StoredIncident, say line: String) async throws {
        let facts = try service.storedFacts(incident).facts
        let assessment = runner.calculator.assess(facts)
        let changes = try await store.history(id: incident.id).last?.changes ?? []
        let obligations = assessment.obligations.map { o in
            ExerciseRecord.Obligation(
                id: o.id, jurisdiction: o.jurisdiction, recipient: o.recipient.name, citation: o.citation,
                deadlineKind: o.deadline.kind.rawValue, due: o.deadline.due.map { RFC3339.text($0, offsetSeconds: 0) },
                noticeSentAt: o.notice.map { RFC3339.text($0.sentAt, offsetSeconds: 0) })
        }
        steps.append(ExerciseRecord.Step(at: now, say: line, changes: changes, obligations: obligations, warnings: assessment.warnings))
        say("\(ExerciseScenario.Offset(seconds: now)) \(line)")
        for change in changes { say("    \(change)") }
    }

    /// Injects everything due at this moment, then sends every message due at it.
    func play() async throws {
        while index < scenario.injects.count, scenario.injects[index].at.seconds <= now {
            let inject = scenario.injects[index]
            let incident = try await runner.apply(inject, index: index, incidentID: incidentID, service: service, at: clock.now)
            try await record(incident, say: inject.say)
            index += 1
        }
        while try await dispatcher.runOnce() > 0 {}
    }

    /// The offset the clock jumps to next (an inject, or a message falling due), or nil when nothing
    /// is left before the exercise ends.
    public func next() async throws -> Int? {
        guard !closed else { return nil }
        let nextInject = index < scenario.injects.count ? scenario.injects[index].at.seconds : nil
        let nextMessage = try await store.nextPlannedAt().map { max(offset($0), now + 1) }
        guard let next = [nextInject, nextMessage].compactMap({ $0 }).min(), next <= scenario.runsFor.seconds else { return nil }
        return next
    }

    /// Jumps to the next event and plays it; false when nothing was left.
    @discardableResult
    public func advance() async throws -> Bool {
        guard let next = try await next() else { return false }
        now = next
        clock.set(scenario.startsAt.addingTimeInterval(Double(now)))
        try await play()
        return true
    }

    /// Runs the clock to the end, and returns the record; the sandbox is removed.
    public func finish() async throws -> ExerciseRecord {
        while try await advance() {}
        now = scenario.runsFor.seconds
        clock.set(scenario.startsAt.addingTimeInterval(Double(now)))
        say("\(scenario.runsFor) The exercise ends.")
        var reminders: [ExerciseRecord.Reminder] = []
        for hook in hooks {
            for delivery in try await store.deliveries(webhookID: hook.id, limit: 100_000) {
                for attempt in delivery.attempts {
                    reminders.append(
                        ExerciseRecord.Reminder(
                            at: offset(attempt.startedAt), event: delivery.event, obligation: delivery.obligationID, host: hook.host,
                            delivered: attempt.status.map { (200..<300).contains($0) } ?? false, status: attempt.status, error: attempt.error))
                }
            }
        }
        reminders.sort { ($0.at, $0.event, $0.obligation ?? "", $0.host) < ($1.at, $1.event, $1.obligation ?? "", $1.host) }
        await abandon()
        return ExerciseRecord(
            name: scenario.name, startsAt: RFC3339.text(scenario.startsAt, offsetSeconds: 0), ranFor: scenario.runsFor.seconds, steps: steps,
            reminders: reminders)
    }

    /// Closes the sandbox and removes it (the run is not kept).
    public func abandon() async {
        guard !closed else { return }
        closed = true
        transport.shutdown()
        await store.close()
        try? FileManager.default.removeItem(at: sandbox)
    }
}
