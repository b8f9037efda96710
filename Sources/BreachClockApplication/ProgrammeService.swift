import BreachClockCalculator
import BreachClockJSON
import BreachClockLoader
import BreachClockProgramme
import BreachClockRules
import BreachClockStore
import Foundation

/// The incident-response programme as the service keeps it (issue 15), for the API and the CLI
/// alike: imported revisions, the checks over the newest one with the exercises and action items,
/// exercise logs and after-action reports.
public struct ProgrammeService: Sendable {
    public let store: IncidentStore
    let clock: @Sendable () -> Date

    public init(store: IncidentStore, clock: @escaping @Sendable () -> Date = Date.init) {
        self.store = store
        self.clock = clock
    }

    /// The log as stored (the action items live in their own table, with their state).
    struct LogLine: Codable {
        var attendance: [ExerciseLog.Attendance]
        var observations: [ExerciseLog.Observation]
        var decisions: [ExerciseLog.Decision]
    }

    static func problems(_ error: RulebookError, title: String) -> ServiceError {
        ServiceError(.invalid, title, errors: error.issues.map { ($0.path, $0.message) })
    }

    /// Reads a programme file strictly, as `programme check` does.
    public static func decodeProgramme(_ text: String, format: DocumentFormat) throws(ServiceError) -> Programme {
        let root = try IncidentService.parse(Array(text.utf8), format: format)
        do { return try ProgrammeDecoder.decode(root) } catch { throw problems(error, title: "Invalid programme") }
    }

    /// Stores `text` as a new revision (unless it is the newest one already).
    public func importProgramme(_ text: String, format: DocumentFormat, actor: String) async throws
        -> (revision: StoredProgrammeRevision, changed: Bool, programme: Programme)
    {
        let programme = try Self.decodeProgramme(text, format: format)
        let result = try await store.importProgramme(source: text, format: format == .json ? "json" : "yaml", actor: actor)
        return (result.revision, result.changed, programme)
    }

    /// The newest imported programme, if any.
    public func newestProgramme() async throws -> (revision: StoredProgrammeRevision, programme: Programme)? {
        guard let latest = try await store.programmeRevisions().last else { return nil }
        return (latest, try Self.decode(latest))
    }

    /// A stored revision read back (it was checked on import, so it decodes).
    public static func decode(_ revision: StoredProgrammeRevision) throws -> Programme {
        let root = try DocumentParser.parse(
            Array(revision.source.utf8), format: revision.format == "json" ? .json : .yaml, file: "programme revision \(revision.revision)",
            limits: .facts)
        return try ProgrammeDecoder.decode(root)
    }

    /// `ExerciseLog.problems(against:)`'s lines (`field: message`) as a 422 naming each field.
    static func invalid(_ problems: [String], title: String) -> ServiceError {
        ServiceError(
            .invalid, title,
            errors: problems.map { problem in
                let parts = problem.split(separator: ":", maxSplits: 1).map(String.init)
                return (parts[0], parts.count > 1 ? parts[1].trimmingCharacters(in: .whitespaces) : problem)
            })
    }

    /// Every finding for `programme` on `asOf`: its own, then the exercises' (none in `period`) and
    /// the action items open past their due date.
    public func findings(_ programme: Programme, asOf: CivilDate, period: ProgrammeCheck.ExercisePeriod) async throws -> [ProgrammeCheck.Finding] {
        let exercises = try await store.exercises().map { ($0.id, ZonedTime.civilDate(of: $0.runAt, in: ZonedTime.utc)) }
        // Events still without a disposition at the end of `asOf`, past their triage limit.
        let endOfDay = ZonedTime.instant(asOf.adding(days: 1), secondsIntoDay: 0, in: ZonedTime.utc)
        let untriaged = try await store.securityEvents(untriagedOnly: true, limit: 10_000).filter { $0.triageDueAt < endOfDay }
        return ProgrammeCheck.findings(programme, asOf: asOf)
            + ProgrammeCheck.exerciseFindings(
                exercises: exercises, actionItems: try await store.actionItems(openOnly: true), period: period, asOf: asOf)
            + untriaged.sorted { ($0.receivedAt, $0.id) < ($1.receivedAt, $1.id) }.map { event in
                ProgrammeCheck.Finding(
                    kind: .untriagedEvent, subject: event.id,
                    message:
                        "\"\(event.summary)\" from \(event.source), received \(IncidentStore.timestamp(event.receivedAt)), has no disposition; it was due by \(IncidentStore.timestamp(event.triageDueAt))"
                )
            }
    }

    /// Records an exercise's log once; people and entries are checked against the newest programme.
    /// Returns the action items opened, and whether the log could be checked (a programme exists).
    public func recordLog(exerciseID: String, body: DocumentNode, actor: String) async throws -> (items: [ActionItemState], checked: Bool) {
        let log: ExerciseLog
        do { log = try ExerciseLogDecoder.decode(body) } catch { throw Self.problems(error, title: "Invalid exercise log") }
        guard try await store.exercise(id: exerciseID) != nil else { throw StoreError.notFound }
        let programme = try await newestProgramme()?.programme
        if let programme {
            let problems = log.problems(against: programme)
            if !problems.isEmpty { throw Self.invalid(problems, title: "Invalid exercise log") }
        }
        let line = LogLine(attendance: log.attendance, observations: log.observations, decisions: log.decisions)
        do {
            let items = try await store.recordExerciseLog(
                id: exerciseID, log: try JSONEncoder.text(line), actionItems: log.actionItems, actor: actor,
                plan: ProgrammeMessages.actionItemPlan(now: clock()))
            return (items, programme != nil)
        } catch StoreError.rejected(let why) {
            throw ServiceError(.conflict, "Log refused", detail: why)
        }
    }

    /// An exercise's after-action report: its record, its log, its own action items, and the ones
    /// still open from earlier exercises and from reviews (they carry over).
    public func report(exerciseID: String) async throws -> ExerciseReport? {
        guard let exercise = try await store.exercise(id: exerciseID) else { return nil }
        let record = try JSONDecoder.decode(ExerciseRecord.self, from: exercise.record)
        let log = try exercise.log.map { text in
            let line = try JSONDecoder.decode(LogLine.self, from: text)
            return ExerciseLog(attendance: line.attendance, observations: line.observations, decisions: line.decisions, actionItems: [])
        }
        let all = try await store.actionItems(openOnly: false)
        let earlier = Set(try await store.exercises().filter { $0.runAt < exercise.runAt }.map(\.id))
        let items =
            all.filter { $0.exerciseID == exercise.id }
            + all.filter { item in
                item.exerciseID != exercise.id && item.status == "open" && (item.exerciseID.map(earlier.contains) ?? true)
            }
        return ExerciseReport(exerciseID: exercise.id, runAt: IncidentStore.timestamp(exercise.runAt), record: record, log: log, actionItems: items)
    }
}
