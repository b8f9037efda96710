import BreachClockApplication
import BreachClockCalculator
import BreachClockProgramme
import BreachClockStore
import Foundation
import Metrics
import Prometheus

/// Prometheus metrics through swift-metrics, on a registry of the application's own (no global
/// bootstrap, so tests can build many applications): requests, latency, open incidents, and
/// current obligations by deadline kind.
public final class ServerMetrics: Sendable {
    let registry = PrometheusCollectorRegistry()
    let factory: PrometheusMetricsFactory

    public init() {
        factory = PrometheusMetricsFactory(registry: registry)
    }

    func record(method: String, status: Int, seconds: Double) {
        let dimensions = [("method", method), ("status", String(status))]
        Counter(label: "breachclock_http_requests_total", dimensions: dimensions, factory: factory).increment()
        Metrics.Timer(label: "breachclock_http_request_duration_seconds", dimensions: [("method", method)], factory: factory)
            .recordNanoseconds(Int64(seconds * 1e9))
    }

    /// One webhook attempt: its outcome, how long it took, and how late it ended after the message
    /// fell due (the figure reminders are judged by).
    func webhookAttempt(_ record: IncidentStore.AttemptRecord, dueAt: Date, endedAt: Date) {
        let outcome =
            switch record.update {
            case .delivered: "delivered"
            case .retry: "retry"
            case .failed: "failed"
            case .disableWebhook: "disabled"
            }
        Counter(label: "breachclock_webhook_attempts_total", dimensions: [("outcome", outcome)], factory: factory).increment()
        Metrics.Timer(label: "breachclock_webhook_attempt_duration_seconds", factory: factory)
            .recordNanoseconds(
                Int64(record.duration.components.seconds) * 1_000_000_000 + Int64(record.duration.components.attoseconds / 1_000_000_000))
        if case .delivered = record.update {
            Metrics.Timer(label: "breachclock_webhook_delivery_lateness_seconds", factory: factory)
                .recordNanoseconds(Int64(max(0, endedAt.timeIntervalSince(dueAt)) * 1e9))
        }
    }

    /// The rules this instance computes with: `breachclock_rules_info{digest="sha256:…"} 1`, so that a
    /// dashboard shows instances still on an older rules database during a rollout.
    func recordRules(digest: String) {
        Gauge(label: "breachclock_rules_info", dimensions: [("digest", digest)], factory: factory).record(1)
    }

    /// The exposition text, after refreshing the gauges from the store.
    func exposition(store: IncidentStore, now: Date) async throws -> String {
        let outbox = try await store.outboxStatistics(now: now)
        for (state, count) in outbox {
            Gauge(label: "breachclock_webhook_outbox", dimensions: [("state", state)], factory: factory).record(count)
        }
        let statistics = try await store.statistics()
        Gauge(label: "breachclock_open_incidents", factory: factory).record(statistics.openIncidents)
        for kind in ["fixed", "relative", "none", "pending"] {
            Gauge(label: "breachclock_obligations", dimensions: [("deadline", kind)], factory: factory)
                .record(statistics.obligationsByKind[kind] ?? 0)
        }
        // The programme's findings today, by kind (zero for each kind with none, so alerts can fire on > 0).
        let programmes = ProgrammeService(store: store, clock: { now })
        if let newest = try? await programmes.newestProgramme() {
            let today = ZonedTime.civilDate(of: now, in: ZonedTime.utc)
            let findings = try await programmes.findings(newest.programme, asOf: today, period: .twelveMonths(before: today))
            for kind in ProgrammeCheck.Finding.Kind.allCases {
                Gauge(label: "breachclock_programme_findings", dimensions: [("kind", kind.rawValue)], factory: factory)
                    .record(findings.filter { $0.kind == kind }.count)
            }
        }
        var buffer: [UInt8] = []
        registry.emit(into: &buffer)
        return String(decoding: buffer, as: UTF8.self)
    }
}
