import BreachClockApplication
import BreachClockCalculator
import BreachClockEvidence
import BreachClockJSON
import BreachClockLoader
import BreachClockProgramme
import BreachClockRules
import BreachClockStore
import BreachClockWebhooks
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore

/// `/v1/programme`'s newest revision.
struct ProgrammeRevisionBody: Encodable {
    var revision: Int
    var importedAt: String
    var importedBy: String
    var sha256: String
    var format: String
    var organisation: String?
    /// The file as imported, verbatim.
    var source: String?

    init(_ revision: StoredProgrammeRevision, organisation: String? = nil, withSource: Bool) {
        self.revision = revision.revision
        importedAt = IncidentStore.timestamp(revision.importedAt)
        importedBy = revision.importedBy
        sha256 = revision.digest
        format = revision.format
        self.organisation = organisation
        source = withSource ? revision.source : nil
    }
}

struct ProgrammeImportBody: Encodable {
    var changed: Bool
    var programme: ProgrammeRevisionBody
}

struct ProgrammeRevisionsBody: Encodable {
    var revisions: [ProgrammeRevisionBody]
}

struct FindingsBody: Encodable {
    struct Item: Encodable {
        var kind: String
        var subject: String
        var message: String
    }

    var organisation: String
    var asOf: String
    var exercisePeriod: String
    var findings: [Item]
}

struct ExerciseSummaryBody: Encodable {
    var id: String
    var name: String
    var runAt: String
    var runBy: String
    var startsAt: String
    var logged: Bool

    init(_ exercise: StoredExercise) {
        id = exercise.id
        name = exercise.name
        runAt = IncidentStore.timestamp(exercise.runAt)
        runBy = exercise.runBy
        startsAt = exercise.startsAt
        logged = exercise.log != nil
    }
}

struct ExerciseListBody: Encodable {
    var exercises: [ExerciseSummaryBody]
}

struct ActionItemListBody: Encodable {
    var actionItems: [ActionItemState]
}

struct ActionItemsOpenedBody: Encodable {
    var actionItems: [ActionItemState]
    /// Whether the people and entries named were checked against an imported programme.
    var checkedAgainstProgramme: Bool
}

extension Routes {
    /// The request's body bytes with their declared format (415 otherwise), bounded (413).
    static func rawDocument(_ request: Request, _ context: ServerContext) async throws -> (text: String, format: DocumentFormat) {
        let format = try IncidentService.bodyFormat(contentType: request.headers[.contentType])
        let buffer = try await request.body.collect(upTo: context.maxUploadSize)
        let bytes = Array(buffer.readableBytesView)
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw ServiceError(.malformed, "Malformed body", detail: "the body is not UTF-8")
        }
        return (text, format)
    }

    /// A date query parameter (YYYY-MM-DD), or nil when absent.
    static func day(_ request: Request, _ name: String) throws -> CivilDate? {
        try request.uri.queryParameters.get(name).map { text in
            guard let date = CivilDate(iso: text) else { throw ServiceError.invalid(name, "expected a date YYYY-MM-DD") }
            return date
        }
    }

    /// `/v1/programme`, `/v1/exercises`, `/v1/action-items` and incidents' reviews (issue 15).
    func registerProgramme(on router: RecordingRouter) {
        let programmes = ProgrammeService(store: store, clock: clock)
        let reviews = ReviewService(store: store, clock: clock)
        router.put("/v1/programme") { request, context in
            let body = try await Self.rawDocument(request, context)
            let result = try await programmes.importProgramme(body.text, format: body.format, actor: Self.actor(context))
            return try Self.json(
                ProgrammeImportBody(
                    changed: result.changed,
                    programme: ProgrammeRevisionBody(result.revision, organisation: result.programme.organisation, withSource: false)),
                status: result.changed ? .created : .ok)
        }
        router.get("/v1/programme") { _, _ in
            guard let newest = try await programmes.newestProgramme() else { throw Problem.notFound }
            return try Self.json(ProgrammeRevisionBody(newest.revision, organisation: newest.programme.organisation, withSource: true))
        }
        router.get("/v1/programme/revisions") { _, _ in
            try Self.json(
                ProgrammeRevisionsBody(revisions: try await store.programmeRevisions().map { ProgrammeRevisionBody($0, withSource: false) }))
        }
        router.get("/v1/programme/findings") { request, _ in
            guard let newest = try await programmes.newestProgramme() else { throw Problem.notFound }
            let asOf = try Self.day(request, "asOf") ?? ZonedTime.civilDate(of: clock(), in: ZonedTime.utc)
            var period = ProgrammeCheck.ExercisePeriod.twelveMonths(before: asOf)
            if let from = try Self.day(request, "from") {
                period = ProgrammeCheck.ExercisePeriod(from: from, to: try Self.day(request, "to") ?? asOf)
                if period.to < period.from { throw ServiceError.invalid("to", "is before from") }
            } else if let to = try Self.day(request, "to") {
                period = .twelveMonths(before: to)  // the 12 months up to `to`
            }
            let findings = try await programmes.findings(newest.programme, asOf: asOf, period: period)
            return try Self.json(
                FindingsBody(
                    organisation: newest.programme.organisation, asOf: asOf.description, exercisePeriod: period.description,
                    findings: findings.map { .init(kind: $0.kind.rawValue, subject: $0.subject, message: $0.message) }))
        }
        router.post("/v1/exercises") { request, context in
            let query = request.uri.queryParameters
            let step =
                try query.get("step").map { text -> Bool in
                    guard text == "true" || text == "false" else { throw ServiceError.invalid("step", "expected true or false") }
                    return text == "true"
                } ?? false
            let speed = try query.get("speed").map { text -> Double in
                guard let value = Double(text), value >= 1, value <= 31_622_400 else {
                    throw ServiceError.invalid("speed", "expected simulated seconds per real second, from 1 to 31622400")
                }
                return value
            }
            if step && speed != nil { throw ServiceError.invalid("speed", "give step or speed, not both") }
            let body = try await Self.rawDocument(request, context)
            let root = try IncidentService.parse(Array(body.text.utf8), format: body.format)
            let scenario: ExerciseScenario
            do { scenario = try ExerciseScenarioDecoder.decode(root) } catch let error as RulebookError {
                throw ServiceError(.invalid, "Invalid scenario", errors: error.issues.map { ($0.path, $0.message) })
            }
            // The scenario's `secretFrom` names a variable of the server's environment: not over the API.
            if let index = scenario.webhooks.firstIndex(where: { $0.secretVariable != nil }) {
                throw ServiceError.invalid("webhooks[\(index)].secretFrom", "not accepted through the API; the run makes up a secret")
            }
            var transport = CurlTransport.Options()
            transport.policy = addressPolicy
            var logger = Logger(label: "exercise")
            logger.logLevel = .critical
            let runner = ExerciseRunner(calculator: service.calculator, logger: logger, transport: transport, environment: [:])
            let sandbox = FileManager.default.temporaryDirectory.appendingPathComponent("breachclock-exercise-" + UUID().uuidString)
            let id = IncidentStore.newID("exr")
            let actor = Self.actor(context)
            let session: ExerciseSession
            do {
                session = try await runner.start(scenario, sandbox: sandbox, progress: { _ in })
            } catch let error as ExerciseError {
                throw ServiceError.invalid(error.field, error.message)
            }
            if step || speed != nil {
                let entry = ExerciseSessions.Live(
                    session: session, mode: step ? .step : .paced, actor: actor, scenario: body.text, touched: .now, failure: nil)
                guard await exercises.add(id, entry) else {
                    await session.abandon()
                    throw Problem(
                        .tooManyRequests, "Too many exercises running",
                        detail: "At most \(ExerciseSessions.limit) run step by step or at a speed at once; finish one first.")
                }
                if let speed {
                    Task { await Self.drive(id: id, speed: speed, store: store, sessions: exercises) }
                }
                return try Self.json(
                    try await ExerciseProgressBody.of(id, entry), status: .accepted, headers: [.location: "/v1/exercises/\(id)/progress"])
            }
            let record: ExerciseRecord
            do {
                record = try await session.finish()
            } catch let error as ExerciseError {
                await session.abandon()
                throw ServiceError.invalid(error.field, error.message)
            }
            _ = try await store.saveExercise(
                id: id, name: scenario.name, startsAt: record.startsAt, scenario: body.text, record: try JSONEncoder.text(record), actor: actor)
            guard let report = try await programmes.report(exerciseID: id) else { throw Problem.notFound }
            return try Self.json(report, status: .created, headers: [.location: "/v1/exercises/\(id)"])
        }
        router.get("/v1/exercises/:id/progress") { _, context in
            let id = try context.parameters.require("id")
            if let entry = await exercises.get(id) { return try Self.json(try await ExerciseProgressBody.of(id, entry)) }
            guard try await store.exercise(id: id) != nil else { throw Problem.notFound }
            return try Self.json(ExerciseProgressBody(id: id, status: "finished"))
        }
        router.post("/v1/exercises/:id/step") { _, context in
            let id = try context.parameters.require("id")
            guard let entry = await exercises.get(id) else {
                if try await store.exercise(id: id) != nil { throw Problem(.conflict, "Finished", detail: "The exercise has ended.") }
                throw Problem.notFound
            }
            guard entry.mode == .step else { throw Problem(.conflict, "Not step by step", detail: "The exercise runs at a speed.") }
            do {
                if try await entry.session.next() != nil {
                    try await entry.session.advance()
                    return try Self.json(try await ExerciseProgressBody.of(id, entry))
                }
                try await Self.save(id: id, entry: entry, store: store)
                await exercises.remove(id)
                return try Self.json(ExerciseProgressBody(id: id, status: "finished"))
            } catch let error as ExerciseError {
                await exercises.remove(id)
                await entry.session.abandon()
                throw ServiceError.invalid(error.field, error.message)
            }
        }
        router.get("/v1/exercises") { _, _ in
            try Self.json(ExerciseListBody(exercises: try await store.exercises().map(ExerciseSummaryBody.init)))
        }
        router.get("/v1/exercises/:id") { _, context in
            guard let report = try await programmes.report(exerciseID: try context.parameters.require("id")) else { throw Problem.notFound }
            return try Self.json(report)
        }
        router.get("/v1/exercises/:id/report.md") { _, context in
            guard let report = try await programmes.report(exerciseID: try context.parameters.require("id")) else { throw Problem.notFound }
            return Self.markdown(report.markdown)
        }
        router.post("/v1/exercises/:id/log") { request, context in
            let node = try await Self.document(request, context)
            let result = try await programmes.recordLog(exerciseID: try context.parameters.require("id"), body: node, actor: Self.actor(context))
            return try Self.json(ActionItemsOpenedBody(actionItems: result.items, checkedAgainstProgramme: result.checked), status: .created)
        }
        router.get("/v1/action-items") { request, _ in
            let status = request.uri.queryParameters.get("status")
            guard status == nil || status == "open" || status == "all" else { throw ServiceError.invalid("status", "expected open or all") }
            return try Self.json(ActionItemListBody(actionItems: try await store.actionItems(openOnly: status == "open")))
        }
        router.post("/v1/action-items/:id/close") { request, context in
            let node = try await Self.document(request, context)
            let fields = try IncidentService.fields(node, allowed: ["resolution"])
            let resolution = try IncidentService.text(fields["resolution"], "resolution", required: true, maxLength: 2_000)!
            do {
                return try Self.json(
                    try await store.closeActionItem(id: try context.parameters.require("id"), resolution: resolution, actor: Self.actor(context)))
            } catch StoreError.rejected(let why) {
                throw Problem(.conflict, "Already closed", detail: why)
            }
        }
        router.post("/v1/evidence") { request, context in
            let node = try await Self.document(request, context)
            let fields = try IncidentService.fields(node, allowed: ["from", "to"])
            func day(_ name: String) throws -> CivilDate {
                let text = try IncidentService.text(fields[name], name, required: true)!
                guard let date = CivilDate(iso: text) else { throw ServiceError.invalid(name, "expected a date YYYY-MM-DD") }
                return date
            }
            let from = try day("from")
            let to = try day("to")
            guard from <= to else { throw ServiceError.invalid("to", "is before from") }
            let files = try await EvidenceBundle.build(store: store, from: from, to: to, now: clock(), actor: Self.actor(context))
            return try Self.evidenceResponse(files, from: from, to: to)
        }
        router.post("/v1/incidents/:id/review") { request, context in
            let node = try await Self.document(request, context)
            let review = try await reviews.record(incidentID: try context.parameters.require("id"), body: node, actor: Self.actor(context))
            return try Self.json(review, status: .created)
        }
        /// The incident's review, or 404 saying whether the incident is unknown or only its review is.
        @Sendable func review(_ context: ServerContext) async throws -> PostIncidentReview {
            let id = try context.parameters.require("id")
            if let review = try await reviews.review(incidentID: id) { return review }
            guard let incident = try await store.incident(id: id) else { throw Problem.notFound }
            throw Problem(
                .notFound, "No review recorded",
                detail: incident.closedAt == nil
                    ? "Incident \(incident.id) is open: close it, then record its review with POST /v1/incidents/\(incident.id)/review."
                    : "Incident \(incident.id) is closed but has no review yet: record one with POST /v1/incidents/\(incident.id)/review.")
        }
        router.get("/v1/incidents/:id/review") { _, context in try Self.json(try await review(context)) }
        router.get("/v1/incidents/:id/review.md") { _, context in Self.markdown(try await review(context).markdown) }
    }

    /// An evidence bundle as a download (the API's and the console's).
    static func evidenceResponse(_ files: [EvidenceFile], from: CivilDate, to: CivilDate) throws -> Response {
        Response(
            status: .ok,
            headers: [
                .contentType: "application/zip", .contentDisposition: "attachment; filename=\"evidence-\(from)-\(to).zip\"",
                .cacheControl: "no-store",
            ], body: .init(byteBuffer: ByteBuffer(data: try EvidenceArchive.zipped(files))))
    }

    /// Ends a live exercise and stores it under its id.
    static func save(id: String, entry: ExerciseSessions.Live, store: IncidentStore) async throws {
        let record = try await entry.session.finish()
        _ = try await store.saveExercise(
            id: id, name: entry.session.scenario.name, startsAt: record.startsAt, scenario: entry.scenario, record: try JSONEncoder.text(record),
            actor: entry.actor)
    }

    /// Runs a paced exercise to its end in the background: each jump of the simulated clock takes its
    /// length divided by `speed` on the real one.
    static func drive(id: String, speed: Double, store: IncidentStore, sessions: ExerciseSessions) async {
        guard let entry = await sessions.get(id) else { return }
        do {
            while let next = try await entry.session.next() {
                let now = await entry.session.now
                try await Task.sleep(for: .seconds(Double(next - now) / speed))
                try await entry.session.advance()
            }
            try await save(id: id, entry: entry, store: store)
            await sessions.remove(id)
        } catch {
            await sessions.fail(id, "\(error)")
            await entry.session.abandon()
        }
    }

    static func markdown(_ text: String) -> Response {
        Response(status: .ok, headers: [.contentType: "text/markdown; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: text)))
    }
}
