import BreachClockStore
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

    /// The exposition text, after refreshing the gauges from the store.
    func exposition(store: IncidentStore) async throws -> String {
        let statistics = try await store.statistics()
        Gauge(label: "breachclock_open_incidents", factory: factory).record(statistics.openIncidents)
        for kind in ["fixed", "relative", "none", "pending"] {
            Gauge(label: "breachclock_obligations", dimensions: [("deadline", kind)], factory: factory)
                .record(statistics.obligationsByKind[kind] ?? 0)
        }
        var buffer: [UInt8] = []
        registry.emit(into: &buffer)
        return String(decoding: buffer, as: UTF8.self)
    }
}
