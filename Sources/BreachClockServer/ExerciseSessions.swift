import BreachClockJSON
import BreachClockProgramme
import BreachClockStore
import Foundation

/// The exercises running through the API step by step or at a speed, in this instance's memory:
/// each keeps its sandbox until it finishes (and is stored under its id) or is abandoned. A step-by-step
/// run left untouched for `idleLimit` is abandoned. With several instances, an exercise's requests
/// must reach the instance that started it (the others answer 404).
actor ExerciseSessions {
    enum Mode: String, Sendable {
        case step, paced
    }

    struct Live {
        var session: ExerciseSession
        var mode: Mode
        var actor: String
        var scenario: String
        var touched: ContinuousClock.Instant
        var failure: String?
    }

    static let limit = 8
    static let idleLimit: Duration = .seconds(6 * 3_600)

    private var live: [String: Live] = [:]

    /// Adds a session, unless `limit` are running already (then false).
    func add(_ id: String, _ entry: Live) async -> Bool {
        await sweep()
        guard live.count < Self.limit else { return false }
        live[id] = entry
        return true
    }

    func get(_ id: String) async -> Live? {
        await sweep()
        guard var entry = live[id] else { return nil }
        entry.touched = .now
        live[id] = entry
        return entry
    }

    func remove(_ id: String) { live[id] = nil }

    func fail(_ id: String, _ why: String) { live[id]?.failure = why }

    /// Abandons step-by-step runs, and failed ones, idle past the limit.
    private func sweep() async {
        let now = ContinuousClock.now
        for (id, entry) in live where (entry.mode == .step || entry.failure != nil) && now - entry.touched > Self.idleLimit {
            live[id] = nil
            await entry.session.abandon()
        }
    }
}

/// `GET /v1/exercises/{id}/progress`.
struct ExerciseProgressBody: Encodable {
    var id: String
    /// `running`, `failed` or `finished`.
    var status: String
    var mode: String?
    /// Where the simulated clock stands, and where it jumps next.
    var at: String?
    var next: String?
    var timeline: [String]?
    var error: String?

    static func of(_ id: String, _ entry: ExerciseSessions.Live) async throws -> ExerciseProgressBody {
        let session = entry.session
        let next = entry.failure == nil ? try await session.next() : nil
        return ExerciseProgressBody(
            id: id, status: entry.failure == nil ? "running" : "failed", mode: entry.mode.rawValue,
            at: ExerciseScenario.Offset(seconds: await session.now).description, next: next.map { ExerciseScenario.Offset(seconds: $0).description },
            timeline: await session.lines, error: entry.failure)
    }
}
