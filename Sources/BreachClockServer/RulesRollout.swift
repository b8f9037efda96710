import BreachClockApplication
import BreachClockStore
import Logging
import ServiceLifecycle

/// At start-up, recomputes the open incidents computed with other rules (a new rules database was
/// deployed), once across every instance sharing the database; then waits for shutdown.
struct RulesRollout: Service {
    let service: IncidentService
    let instance: String
    let logger: Logger

    func run() async throws {
        do {
            if let count = try await service.rollOutRules(instance: instance) {
                logger.notice(
                    "rules rollout: open incidents recomputed with these rules",
                    metadata: ["digest": .string(service.calculator.rulebook.digest), "recomputed": .stringConvertible(count)])
            } else {
                logger.info(
                    "rules rollout: another instance has it, or it is done",
                    metadata: ["digest": .string(service.calculator.rulebook.digest)])
            }
        } catch {
            // Not fatal: the incidents keep their assessments and the next start tries again.
            logger.error("rules rollout failed", metadata: ["error": "\(error)"])
        }
        try? await gracefulShutdown()
    }
}
