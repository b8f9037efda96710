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
        progress: @Sendable (String) -> Void
    ) async throws -> ExerciseRecord {
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
        defer { try? FileManager.default.removeItem(at: sandbox) }
        let clock = SimulatedClock(scenario.startsAt)
        let store = try IncidentStore(path: sandbox.appendingPathComponent("exercise.sqlite").path, clock: { clock.now })
        do {
            let record = try await play(scenario, store: store, clock: clock, secrets: secrets, pace: pace, progress: progress)
            await store.close()
            return record
        } catch {
            await store.close()
            throw error
        }
    }

    func play(
        _ scenario: ExerciseScenario, store: IncidentStore, clock: SimulatedClock, secrets: [String],
        pace: @Sendable (_ from: Int, _ to: Int) async throws -> Void, progress: @Sendable (String) -> Void
    ) async throws -> ExerciseRecord {
        var hooks: [StoredWebhook] = []
        for (index, hook) in scenario.webhooks.enumerated() {
            hooks.append(
                try await store.createWebhook(
                    url: hook.url, format: hook.format, incidentID: nil, events: WebhookEventType.allCases.map(\.rawValue),
                    secret: secrets[index], actor: "exercise"))
        }
        let service = IncidentService(calculator: calculator, store: store, clock: { clock.now })
        let curl = CurlTransport(options: transport)
        defer { curl.shutdown() }
        let dispatcher = WebhookDispatcher(store: store, transport: curl, clock: { clock.now }, logger: logger, exercise: scenario.name)
        let start = scenario.startsAt
        func offset(_ date: Date) -> Int { Int(date.timeIntervalSince(start).rounded(.down)) }

        var steps: [ExerciseRecord.Step] = []
        func record(_ incident: StoredIncident, at: Int, say: String) async throws {
            let facts = try service.storedFacts(incident).facts
            let assessment = calculator.assess(facts)
            let changes = try await store.history(id: incident.id).last?.changes ?? []
            let obligations = assessment.obligations.map { o in
                ExerciseRecord.Obligation(
                    id: o.id, jurisdiction: o.jurisdiction, recipient: o.recipient.name, citation: o.citation,
                    deadlineKind: o.deadline.kind.rawValue, due: o.deadline.due.map { RFC3339.text($0, offsetSeconds: 0) },
                    noticeSentAt: o.notice.map { RFC3339.text($0.sentAt, offsetSeconds: 0) })
            }
            steps.append(ExerciseRecord.Step(at: at, say: say, changes: changes, obligations: obligations, warnings: assessment.warnings))
            progress("\(ExerciseScenario.Offset(seconds: at)) \(say)")
            for change in changes { progress("    \(change)") }
        }

        // T+0: the incident as first known.
        let created: StoredIncident
        do {
            created = try await service.create(
                body: Self.mapping([("title", .text(scenario.incidentTitle)), ("facts", .node(scenario.facts))]), actor: "exercise")
        } catch let error as ServiceError {
            throw Self.named(error, prefix: "incident")
        }
        try await record(created, at: 0, say: "The exercise starts: \(scenario.incidentTitle)")
        let incidentID = created.id

        var now = 0
        var index = 0
        let end = scenario.runsFor.seconds
        while true {
            // Inject everything due at this moment, then send every message due at it.
            while index < scenario.injects.count, scenario.injects[index].at.seconds <= now {
                let inject = scenario.injects[index]
                let incident = try await apply(inject, index: index, incidentID: incidentID, service: service, at: clock.now)
                try await record(incident, at: now, say: inject.say)
                index += 1
            }
            while try await dispatcher.runOnce() > 0 {}
            let nextInject = index < scenario.injects.count ? scenario.injects[index].at.seconds : nil
            let nextMessage = try await store.nextPlannedAt().map { max(offset($0), now + 1) }
            guard let next = [nextInject, nextMessage].compactMap({ $0 }).min(), next <= end else { break }
            try await pace(now, next)
            now = next
            clock.set(start.addingTimeInterval(Double(now)))
        }
        if now < end {
            try await pace(now, end)
            clock.set(start.addingTimeInterval(Double(end)))
        }
        progress("\(scenario.runsFor) The exercise ends.")

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
        return ExerciseRecord(
            name: scenario.name, startsAt: RFC3339.text(start, offsetSeconds: 0), ranFor: end, steps: steps, reminders: reminders)
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
