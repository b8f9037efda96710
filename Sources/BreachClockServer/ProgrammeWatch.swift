import BreachClockApplication
import BreachClockCalculator
import BreachClockProgramme
import BreachClockStore
import Foundation
import Logging
import ServiceLifecycle

/// Checks the newest imported programme every `interval` (and at start) and, while it has findings,
/// sends `programme.stale` to the subscriptions that want it, at most once a day each: the outbox
/// remembers which were sent that day, so several instances and restarts do not repeat it.
public final class ProgrammeWatch: Service, Sendable {
    let store: IncidentStore
    let clock: @Sendable () -> Date
    let interval: Duration
    let logger: Logger

    public init(store: IncidentStore, clock: @escaping @Sendable () -> Date, interval: Duration = .seconds(3_600), logger: Logger) {
        self.store = store
        self.clock = clock
        self.interval = interval
        self.logger = logger
    }

    public func run() async throws {
        try? await cancelWhenGracefulShutdown { [self] in
            while !Task.isCancelled {
                await check()
                try await Task.sleep(for: interval)
            }
        }
    }

    /// One check; returns how many messages it planned. Failures are logged, never fatal.
    @discardableResult
    public func check() async -> Int {
        do {
            let programmes = ProgrammeService(store: store, clock: clock)
            guard let newest = try await programmes.newestProgramme() else { return 0 }
            let now = clock()
            let today = ZonedTime.civilDate(of: now, in: ZonedTime.utc)
            let findings = try await programmes.findings(newest.programme, asOf: today, period: .twelveMonths(before: today))
            let planned = try await ProgrammeMessages.announceFindings(
                findings, organisation: newest.programme.organisation, on: today, now: now, store: store)
            if planned > 0 {
                logger.notice("programme findings announced", metadata: ["findings": "\(findings.count)", "subscriptions": "\(planned)"])
            }
            return planned
        } catch {
            logger.error("could not check the programme", metadata: ["error": "\(error)"])
            return 0
        }
    }
}
